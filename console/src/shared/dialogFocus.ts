// PrimeVue's Dialog moves the focus once its opening animation ends: to the first [autofocus] inside it,
// else to its close button. Whoever had begun typing in a field by then lost the rest of the typing (CI
// caught an SLA created without its resolution time, on a machine slow enough to type before the end).
// So the field that has the focus inside a dialog carries the mark, and that move lands where the focus is.
const MARK = 'autofocus'

export function keepFocusInOpeningDialogs(root: Document): void {
  root.addEventListener('focusin', (event) => {
    const field = event.target
    if (!(field instanceof HTMLElement)) return
    const dialog = field.closest('[role="dialog"]')
    if (!dialog) return
    for (const marked of dialog.querySelectorAll(`[${MARK}]`)) if (marked !== field) marked.removeAttribute(MARK)
    field.setAttribute(MARK, '')
  })
}
