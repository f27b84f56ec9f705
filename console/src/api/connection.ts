// Whether the server answers. Reads are tried again until it does; writes are not (the page keeps
// what was typed and says so), unless they carry an Idempotency-Key.
import { reactive } from 'vue'

export const connection = reactive({ lost: false, retryingIn: 0 })

const FIRST_RETRY_MS = 500
const LONGEST_RETRY_MS = 10_000

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function retriable(request: Request): boolean {
  return ['GET', 'HEAD'].includes(request.method) || request.headers.has('Idempotency-Key')
}

/** `fetch` for the API client: a network failure marks the connection lost and, for a retriable
 * request, waits with growing pauses until the server answers again. */
export async function resilientFetch(request: Request): Promise<Response> {
  let pause = FIRST_RETRY_MS
  for (;;) {
    try {
      const response = await fetch(request.clone())
      if (response.status === 503 && retriable(request) && response.headers.has('Retry-After')) {
        connection.lost = true
        await sleep(Math.min(Number(response.headers.get('Retry-After')) * 1000 || pause, LONGEST_RETRY_MS))
        continue
      }
      connection.lost = false
      return response
    } catch (error) {
      if (request.signal.aborted) throw error
      connection.lost = true
      if (!retriable(request)) throw error
      connection.retryingIn = pause
      await sleep(pause)
      pause = Math.min(pause * 2, LONGEST_RETRY_MS)
    }
  }
}
