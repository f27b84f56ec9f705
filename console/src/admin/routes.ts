import type { RouteRecordRaw } from 'vue-router'

// The ticket module's administration (10.10-10.15, flags of 10.18), the platform's settings and the
// incident notifications.
function ticketAdmin(path: string, flag: string, label: string, icon: string, order: number, page: RouteRecordRaw['component']): RouteRecordRaw {
  return {
    path,
    component: page,
    meta: {
      title: label,
      ticketModule: true,
      flags: ['tickets_enabled', flag],
      menu: { group: 'Administration', label, icon, order },
    },
  } as RouteRecordRaw
}

export const adminRoutes: RouteRecordRaw[] = [
  ticketAdmin('/tickets/departments', 'tickets_manage_departments', 'Departments', 'pi pi-sitemap', 10, () => import('./departments/DepartmentsPage.vue')),
  ticketAdmin('/tickets/customers', 'tickets_manage_customers', 'Customers', 'pi pi-building', 20, () => import('./customers/CustomersPage.vue')),
  {
    path: '/tickets/customers/details',
    component: () => import('./customers/CustomerDetailPage.vue'),
    meta: { title: 'Customer', ticketModule: true, flags: ['tickets_enabled', 'tickets_manage_customers'] },
  },
  ticketAdmin('/tickets/contacts', 'tickets_manage_customers', 'Contacts', 'pi pi-id-card', 30, () => import('./contacts/ContactsPage.vue')),
  ticketAdmin('/tickets/templates', 'tickets_manage_templates', 'Templates', 'pi pi-file-edit', 40, () => import('./templates/TemplatesPage.vue')),
  ticketAdmin('/tickets/labels-types', 'tickets_manage_labels_types', 'Labels & Types', 'pi pi-tags', 50, () => import('./labels/LabelsTypesPage.vue')),
  ticketAdmin('/tickets/sla', 'tickets_manage_sla', 'SLA', 'pi pi-clock', 60, () => import('./sla/SlaPage.vue')),
  // The business calendars an SLA may count in (issue 18), beside it and under its flag.
  ticketAdmin('/tickets/sla/calendars', 'tickets_manage_sla', 'Calendars', 'pi pi-calendar', 65, () => import('./calendars/CalendarsPage.vue')),
  {
    path: '/settings/ticket-system',
    component: () => import('./settings/TicketSystemPage.vue'),
    // Reachable with the module off: this is where it is switched on.
    meta: {
      title: 'Ticket System',
      flags: ['settings_system_enabled'],
      menu: { group: 'Settings', label: 'Ticket System', icon: 'pi pi-cog', order: 10 },
    },
  },
  {
    // The ITSM account's incident e-mails and webhooks; incidents have no department, so no ticket flag.
    path: '/settings/incident-notifications',
    component: () => import('./incidents/IncidentNotificationsPage.vue'),
    meta: {
      title: 'Incident Notifications',
      flags: ['incidents.manage'],
      menu: { group: 'Settings', label: 'Incident Notifications', icon: 'pi pi-bell', order: 15 },
    },
  },
  {
    path: '/settings/operators',
    component: () => import('./operators/OperatorsPage.vue'),
    meta: { title: 'Operators', flags: ['operators_manage'], menu: { group: 'Settings', label: 'Operators', icon: 'pi pi-users', order: 20 } },
  },
  {
    path: '/settings/roles',
    component: () => import('./operators/RolesPage.vue'),
    meta: { title: 'Roles', flags: ['operators_manage'], menu: { group: 'Settings', label: 'Roles', icon: 'pi pi-shield', order: 30 } },
  },
]
