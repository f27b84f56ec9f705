import type { RouteRecordRaw } from 'vue-router'
import { MANAGE_FLAG, SETTINGS_FLAG, VIEW_FLAG } from './access'

// An incident is addressed by its id (the API's key); the list's /incidents/new never matches it.
export const INCIDENT_ID = ':id([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})'
const READERS = [VIEW_FLAG, MANAGE_FLAG]

// The ITSM service's pages (issue 20): incidents for their readers, the alert sources and the
// settings for ITSM administrators.
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
  {
    path: `/incidents/${INCIDENT_ID}`,
    component: () => import('./incident/IncidentPage.vue'),
    meta: { title: 'Incident', anyFlag: READERS },
  },
  {
    path: '/itsm/alert-sources',
    component: () => import('./sources/AlertSourcesPage.vue'),
    meta: {
      title: 'Alert Sources',
      flags: [SETTINGS_FLAG],
      menu: { group: 'ITSM', label: 'Alert Sources', icon: 'pi pi-wave-pulse', order: 20 },
    },
  },
  {
    path: '/itsm/settings',
    component: () => import('./settings/ItsmSettingsPage.vue'),
    meta: {
      title: 'ITSM Settings',
      flags: [SETTINGS_FLAG],
      menu: { group: 'ITSM', label: 'ITSM Settings', icon: 'pi pi-sliders-h', order: 30 },
    },
  },
]
