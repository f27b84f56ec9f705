// PrimeVue's InputNumber writes aria-valuenow="null" on an empty field when it loses focus, which is
// no valid value (axe: aria-valid-attr-value); it is removed right after, for an empty field has none.
export function dropEmptyValueNow(event: { originalEvent: Event }): void {
  const input = event.originalEvent.target
  if (!(input instanceof HTMLInputElement)) return
  queueMicrotask(() => {
    if (input.getAttribute('aria-valuenow') === 'null') input.removeAttribute('aria-valuenow')
  })
}
