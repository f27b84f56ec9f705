// The queue's nine columns (seed 10.3) and the order the operator dragged them into, kept in this
// browser's localStorage (the manual: it follows the operator on one browser, not across machines).
import { ref } from 'vue'

export const COLUMNS = [
  { key: 'number', header: 'Ticket #' },
  { key: 'title', header: 'Subject' },
  { key: 'contact', header: 'Contact' },
  { key: 'status', header: 'Status' },
  { key: 'priority', header: 'Priority' },
  { key: 'last_contact', header: 'Last Contact' },
  { key: 'sla', header: 'SLA' },
  { key: 'updated_at', header: 'Updated' },
  { key: 'assignee', header: 'Assigned To' },
] as const

export type ColumnKey = (typeof COLUMNS)[number]['key']
export type QueueColumn = (typeof COLUMNS)[number]

const STORAGE_KEY = 'helpdesk.tickets.queue.columns'
const DEFAULT_ORDER: ColumnKey[] = COLUMNS.map((column) => column.key)

/** A stored order is used only if it names each column once; a new column is appended. */
function stored(): ColumnKey[] {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null')
    if (!Array.isArray(value)) return DEFAULT_ORDER
    const known = value.filter((key): key is ColumnKey => DEFAULT_ORDER.includes(key as ColumnKey))
    const unique = [...new Set(known)]
    return [...unique, ...DEFAULT_ORDER.filter((key) => !unique.includes(key))]
  } catch {
    return DEFAULT_ORDER
  }
}

export function useColumnOrder() {
  const order = ref<ColumnKey[]>(stored())
  const columns = () => order.value.map((key) => COLUMNS.find((column) => column.key === key) as QueueColumn)

  /** Indexes count every column as the table shows them, the selection column (`leading`) first. */
  function moved(dragIndex: number, dropIndex: number, leading = 'selection'): void {
    const all: string[] = [leading, ...order.value]
    const [column] = all.splice(dragIndex, 1)
    if (column === undefined) return
    all.splice(dropIndex, 0, column)
    order.value = all.filter((key): key is ColumnKey => key !== leading)
    localStorage.setItem(STORAGE_KEY, JSON.stringify(order.value))
  }

  return { order, columns, moved }
}
