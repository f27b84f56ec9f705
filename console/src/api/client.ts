// The one API client: typed from the gateway's merged OpenAPI (schema.ts, `make console-api`),
// so a changed endpoint breaks `npm run typecheck` rather than an operator's day.
import createClient, { type Middleware } from 'openapi-fetch'
import { resilientFetch } from './connection'
import type { components, paths } from './schema'

export type Schemas = components['schemas']

const CSRF_COOKIE = 'helpdesk_csrf'
const CSRF_HEADER = 'X-CSRF-Token'
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export function csrfToken(): string | undefined {
  const entry = document.cookie.split('; ').find((part) => part.startsWith(`${CSRF_COOKIE}=`))
  return entry ? decodeURIComponent(entry.slice(CSRF_COOKIE.length + 1)) : undefined
}

type ExpiredListener = () => void
const expiredListeners: ExpiredListener[] = []

/** Called when the session is gone (a 401 on anything but sign-in itself). */
export function onSessionExpired(listener: ExpiredListener): void {
  expiredListeners.push(listener)
}

const credentials: Middleware = {
  onRequest({ request }) {
    const token = csrfToken()
    if (!SAFE_METHODS.has(request.method) && token) request.headers.set(CSRF_HEADER, token)
    return request
  },
  onResponse({ request, response }) {
    if (response.status === 401 && !new URL(request.url).pathname.startsWith('/api/auth/')) {
      for (const listener of expiredListeners) listener()
    }
    return response
  },
}

export const api = createClient<paths>({ baseUrl: window.location.origin, fetch: resilientFetch })
api.use(credentials)
