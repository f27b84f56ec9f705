import type { RouteRecordRaw } from 'vue-router'

// A ticket number is a prefix, a dash and digits (TKT-000123, ACME-000007); the admin pages under
// /tickets/... never match it.
export const TICKET_NUMBER = ':number([^/]+-\\d+)'

export const ticketRoutes: RouteRecordRaw[] = [
  {
    path: '/tickets',
    component: () => import('./queue/TicketQueuePage.vue'),
    meta: {
      title: 'Tickets',
      ticketModule: true,
      flags: ['tickets_enabled'],
      menu: { group: 'Tickets', label: 'Tickets', icon: 'pi pi-ticket', order: 10 },
    },
    children: [
      {
        path: 'new',
        component: () => import('./new/NewTicketDialog.vue'),
        meta: { title: 'New ticket', ticketModule: true, flags: ['tickets_enabled', 'tickets_create'] },
      },
      {
        path: TICKET_NUMBER,
        component: () => import('./ticket/TicketDialog.vue'),
        meta: { title: 'Ticket', ticketModule: true, flags: ['tickets_enabled'] },
      },
    ],
  },
  {
    path: '/tickets/time-tracking',
    component: () => import('./timetracking/TimeTrackingPage.vue'),
    meta: {
      title: 'Time Tracking',
      ticketModule: true,
      flags: ['tickets_enabled', 'tickets_view_time_tracking'],
      menu: { group: 'Tickets', label: 'Time Tracking', icon: 'pi pi-calendar-clock', order: 20 },
    },
  },
]
