// The permission flags grouped for a person choosing them: the Ticket System (10.18, including its
// settings page), the ITSM processes (dotted names: incidents.manage, ...), and the platform itself.
export interface FlagGroup {
  name: string
  flags: { name: string; description: string }[]
}

function groupOf(flag: string): string {
  if (flag.startsWith('tickets_') || flag === 'settings_system_enabled') return 'Ticket System'
  if (flag.includes('.')) return 'ITSM'
  return 'Platform'
}

const ORDER = ['Ticket System', 'ITSM', 'Platform']

export function groupFlags(permissions: Record<string, string>): FlagGroup[] {
  const groups = new Map<string, FlagGroup>()
  for (const [name, description] of Object.entries(permissions)) {
    const group = groupOf(name)
    if (!groups.has(group)) groups.set(group, { name: group, flags: [] })
    groups.get(group)?.flags.push({ name, description })
  }
  return [...groups.values()].sort((a, b) => ORDER.indexOf(a.name) - ORDER.indexOf(b.name))
}
