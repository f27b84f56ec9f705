// Label colours as the API takes them (#rgb or #rrggbb; it keeps #rrggbb), and the text colour that
// stays readable on each.

export const HEX = /^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/

/** #rrggbb for a valid colour (#fc0 is #ffcc00), or null. */
export function sixDigits(color: string): string | null {
  const value = color.trim()
  if (!HEX.test(value)) return null
  const digits = value.slice(1).toLowerCase()
  return `#${digits.length === 3 ? [...digits].map((digit) => digit + digit).join('') : digits}`
}

function channel(hex: string, at: number): number {
  const value = parseInt(hex.slice(at, at + 2), 16) / 255
  return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4
}

/** Black or white, whichever contrasts more with `color` (WCAG relative luminance). */
export function readableOn(color: string): string {
  const hex = sixDigits(color)
  if (!hex) return '#111827'
  const luminance = 0.2126 * channel(hex, 1) + 0.7152 * channel(hex, 3) + 0.0722 * channel(hex, 5)
  return (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) ? '#000000' : '#ffffff'
}
