import type { RouteRecordRaw } from 'vue-router'
import { MANAGE_FLAG, VIEW_FLAG } from './access'

const READERS = [VIEW_FLAG, MANAGE_FLAG]

// The ITSM service's pages (issue 20): incidents for their readers.
export const itsmRoutes: RouteRecordRaw[] = [
  {
    path: '/incidents',
    component: () => import('./incidents/IncidentsPage.vue'),
    meta: {
      title: 'Incidents',
      anyFlag: READERS,
      menu: { group: 'ITSM', label: 'Incidents', icon: 'pi pi-bolt', order: 10 },
    },
    children: [
      {
        path: 'new',
        component: () => import('./incidents/NewIncidentDialog.vue'),
        meta: { title: 'New incident', flags: [MANAGE_FLAG] },
      },
    ],
  },
]
