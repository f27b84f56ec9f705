// One shape for every call a page makes: the data, or a problem to show in words.
import { asProblem, type Problem, unreachable } from './problems'

export type Outcome<T> = { ok: true; data: T } | { ok: false; problem: Problem }

interface Answer<T> {
  data?: T
  error?: unknown
  response: Response
}

export async function outcome<T>(call: Promise<Answer<T>>): Promise<Outcome<T>> {
  try {
    const answer = await call
    if (answer.error !== undefined || !answer.response.ok) {
      return { ok: false, problem: asProblem(answer.error, answer.response.status) }
    }
    return { ok: true, data: answer.data as T }
  } catch {
    return { ok: false, problem: unreachable }
  }
}
