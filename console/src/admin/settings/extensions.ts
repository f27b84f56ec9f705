// Blocked file extensions as the API keeps them (10.2): lowercase with one leading dot, each once,
// so '.EXE', 'exe' and '.exe' are one chip. A pasted list ("exe, bat .ps1") becomes several chips.
export function normaliseExtensions(values: readonly string[]): string[] {
  const chips: string[] = []
  for (const raw of values.flatMap((value) => value.split(/[\s,;]+/))) {
    const bare = raw.trim().toLowerCase().replace(/^\.+/, '')
    if (bare && !chips.includes(`.${bare}`)) chips.push(`.${bare}`)
  }
  return chips
}
