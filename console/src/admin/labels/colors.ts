// Label colours as the API keeps them (#rrggbb), and the text colour that stays readable on each.

export const HEX = /^#[0-9a-fA-F]{6}$/

function channel(hex: string, at: number): number {
  const value = parseInt(hex.slice(at, at + 2), 16) / 255
  return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4
}

/** Black or white, whichever contrasts more with `color` (WCAG relative luminance). */
export function readableOn(color: string): string {
  if (!HEX.test(color)) return '#111827'
  const luminance = 0.2126 * channel(color, 1) + 0.7152 * channel(color, 3) + 0.0722 * channel(color, 5)
  return (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) ? '#000000' : '#ffffff'
}
