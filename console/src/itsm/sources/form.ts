// An alert source as its dialog edits it: the name (its subject token, alerts.<name>, fixed once made),
// a description and the HTTP intake's rate per minute.
import type { Schemas } from '@/api/client'

export type Source = Schemas['itsm__SourceOut']
export type Key = Schemas['itsm__KeyOut']

export const SOURCE_FIELDS = ['name', 'description', 'rate_per_minute'] as const
export const DEFAULT_RATE = 6000

export interface SourceForm {
  name: string
  description: string
  rate_per_minute: number | null
}

export function blankSource(): SourceForm {
  return { name: '', description: '', rate_per_minute: DEFAULT_RATE }
}

export function sourceFormOf(source: Source): SourceForm {
  return { name: source.name, description: source.description, rate_per_minute: source.rate_per_minute }
}

/** An empty rate travels as null, so the API says under the field that one is needed. */
export function rateOf(form: SourceForm): number {
  return form.rate_per_minute as number
}
