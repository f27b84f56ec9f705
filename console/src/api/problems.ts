// RFC 9457 problems as every service answers them, turned into words at the place they concern.

export interface FieldProblem {
  field: string
  message: string
}

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  errors?: FieldProblem[]
  reason?: string
  flag?: string
}

/** What a page shows when the server could not be reached at all. */
export const unreachable: Problem = {
  type: 'about:blank',
  title: 'No connection',
  status: 0,
  detail: 'The server could not be reached. Nothing you typed is lost; try again in a moment.',
}

export function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && 'status' in value && 'title' in value
}

export function asProblem(value: unknown, status = 0): Problem {
  if (isProblem(value)) return value
  return {
    type: 'about:blank',
    title: status ? `Error ${status}` : 'Unexpected answer',
    status,
    detail: typeof value === 'string' && value ? value.slice(0, 300) : 'The server answered something unexpected.',
  }
}

/** The message for one field (its last dotted part, so `body.title` and `title` both match). */
export function fieldError(problem: Problem | null | undefined, field: string): string | undefined {
  const match = problem?.errors?.find(
    (error) => error.field === field || error.field.split('.').slice(-1)[0] === field,
  )
  return match?.message
}

/** The problem's words without the field errors a form already shows under their fields. */
export function generalMessage(problem: Problem, shownFields: readonly string[] = []): string | undefined {
  const errors = problem.errors ?? []
  if (errors.length && errors.every((error) => shownFields.some((field) => fieldError(problem, field) === error.message)))
    return undefined
  return problem.detail || problem.title
}
