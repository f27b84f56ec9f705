// Every page is a lazily loaded chunk; each feature folder exports its routes (tickets/routes.ts,
// admin/routes.ts, ...), and a later service adds its folder here.
import { createRouter, createWebHistory, type RouteLocationNormalized, type RouteRecordRaw } from 'vue-router'
import { adminRoutes } from '@/admin/routes'
import { itsmRoutes } from '@/itsm/routes'
import { can, canAny, loadSession, session, ticketsOn } from '@/session/session'
import { ticketRoutes } from '@/tickets/routes'
import './shell/pages'

export const featureRoutes: RouteRecordRaw[] = [...ticketRoutes, ...itsmRoutes, ...adminRoutes]

const routes: RouteRecordRaw[] = [
  { path: '/sign-in', component: () => import('@/session/SignInPage.vue'), meta: { public: true, title: 'Sign in' } },
  { path: '/', component: () => import('@/shell/HomePage.vue'), meta: { title: 'Home' } },
  ...featureRoutes,
  { path: '/:unknown(.*)*', component: () => import('@/shell/NotFoundPage.vue'), meta: { title: 'Not found' } },
]

export const router = createRouter({ history: createWebHistory(), routes })

export function allowed(route: Pick<RouteLocationNormalized, 'meta'>): boolean {
  if (route.meta.ticketModule && !ticketsOn()) return false
  if (route.meta.anyFlag && !canAny(...route.meta.anyFlag)) return false
  return can(...(route.meta.flags ?? []))
}

router.beforeEach(async (to) => {
  if (!session.loaded) await loadSession()
  if (to.meta.public) return true
  if (!session.operator) return { path: '/sign-in', query: session.signedOut ? {} : { redirect: to.fullPath } }
  if (!allowed(to)) return { path: '/', query: { denied: to.path } }
  return true
})

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} · Helpdesk` : 'Helpdesk'
})
