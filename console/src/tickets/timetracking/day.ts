// The day calendar's geometry (10.8): a local day from its midnight to the next, as the time tracker
// bounds it (23 or 25 hours when the clocks change), its hour and half-hour lines, and each entry as a
// block placed by its start and end, clipped to the day, side by side where entries overlap (every
// operator's entries are on it).
import type { Schemas } from '@/api/client'
import { clockOf, type DayEntry } from './time'

export type Day = Schemas['timetracking__DayOut']

const HOUR_MS = 3_600_000

export interface Gridline {
  /** Hours from the day's start. */
  at: number
  half: boolean
  /** The local time at the line (hours only). */
  label: string | null
}

export interface Block {
  entry: DayEntry
  /** Hours from the day's start, and the hours it lasts within the day. */
  top: number
  height: number
  lane: number
  lanes: number
}

/** Every half hour from the day's start to its end; the whole hours are labelled with the local time
 * there, so a day the clocks go forward has no 02:00 and one they go back has it twice. */
export function gridlinesOf(day: Day): Gridline[] {
  const start = Date.parse(day.day_start)
  const lines: Gridline[] = []
  for (let half = 0; half < day.hours * 2; half++) {
    const at = half / 2
    lines.push({ at, half: half % 2 === 1, label: half % 2 === 0 ? clockOf(start + at * HOUR_MS) : null })
  }
  return lines
}

/** Where `instant` (ms) falls on the day, in hours from its start; null outside it. */
export function hoursInto(day: Day, instant: number): number | null {
  const start = Date.parse(day.day_start)
  const end = Date.parse(day.day_end)
  return instant < start || instant >= end ? null : (instant - start) / HOUR_MS
}

/** The end of an entry: a running one ends, for now, where the time tracker's read counted it to. */
export function endOf(entry: DayEntry): number {
  return entry.ended_at ? Date.parse(entry.ended_at) : Date.parse(entry.started_at) + entry.duration_seconds * 1000
}

export function blocksOf(day: Day): Block[] {
  const start = Date.parse(day.day_start)
  const end = Date.parse(day.day_end)
  const placed = day.entries
    .map((entry) => {
      const from = Math.max(Date.parse(entry.started_at), start)
      const to = Math.min(endOf(entry), end)
      return { entry, top: (from - start) / HOUR_MS, height: Math.max(0, to - from) / HOUR_MS, lane: 0, lanes: 1 }
    })
    .sort((a, b) => a.top - b.top || b.height - a.height)
  // Overlapping entries form a cluster; each takes the first lane free at its start, and every block of
  // the cluster is as wide as the cluster has lanes.
  let cluster: Block[] = []
  let laneEnds: number[] = []
  let clusterEnd = -1
  const close = () => {
    for (const block of cluster) block.lanes = laneEnds.length
    cluster = []
    laneEnds = []
  }
  for (const block of placed) {
    if (block.top >= clusterEnd) close()
    const free = laneEnds.findIndex((laneEnd) => laneEnd <= block.top)
    block.lane = free === -1 ? laneEnds.length : free
    laneEnds[block.lane] = block.top + block.height
    cluster.push(block)
    clusterEnd = Math.max(clusterEnd, block.top + block.height)
  }
  close()
  return placed
}
