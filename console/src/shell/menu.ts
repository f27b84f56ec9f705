// The menu is the pages the operator may open, grouped as their routes declare (shell/pages.ts).
import { computed } from 'vue'
import type { RouteRecordRaw } from 'vue-router'
import { allowed, featureRoutes } from '@/router'
import type { MenuPlace } from './pages'

export interface MenuEntry extends MenuPlace {
  path: string
}

function entries(routes: RouteRecordRaw[]): MenuEntry[] {
  return routes.flatMap((route) => [
    ...(route.meta?.menu && allowed({ meta: route.meta }) ? [{ ...route.meta.menu, path: route.path }] : []),
    ...entries(route.children ?? []),
  ])
}

const GROUPS: MenuPlace['group'][] = ['Tickets', 'ITSM', 'Administration', 'Settings']

export const menu = computed(() => {
  const all = entries(featureRoutes).sort((a, b) => a.order - b.order)
  return GROUPS.map((group) => ({ group, entries: all.filter((entry) => entry.group === group) })).filter(
    (group) => group.entries.length > 0,
  )
})
