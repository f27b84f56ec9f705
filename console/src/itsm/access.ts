// What the ITSM pages may offer, read from the session's flags (the one place flags live): reading
// incidents takes incidents.view or incidents.manage, changing them incidents.manage, and the alert
// sources and settings itsm.settings.manage, whose holders may also edit or delete anyone's note.
import { can, canAny, session } from '@/session/session'

export const VIEW_FLAG = 'incidents.view'
export const MANAGE_FLAG = 'incidents.manage'
export const SETTINGS_FLAG = 'itsm.settings.manage'

export function mayReadIncidents(): boolean {
  return canAny(VIEW_FLAG, MANAGE_FLAG)
}

export function mayManageIncidents(): boolean {
  return can(MANAGE_FLAG)
}

export function isItsmAdministrator(): boolean {
  return can(SETTINGS_FLAG)
}

/** A note's author, or an ITSM administrator, may change it; both need incidents.manage to write. */
export function mayChangeNote(authorId: string | null | undefined): boolean {
  if (!mayManageIncidents()) return false
  return isItsmAdministrator() || (!!authorId && authorId === session.operator?.id)
}
