// Events per day and outcome, for the audit chart.
import type { AuditRecord, DayCount } from '@/api/types'
import { dayOf } from './format'

export interface DailyCounts {
  days: string[]
  success: number[]
  failure: number[]
}

export function countByDay(records: Pick<AuditRecord, 'at' | 'outcome'>[]): DailyCounts {
  const m = new Map<string, { success: number; failure: number }>()
  for (const r of records) {
    const d = dayOf(r.at)
    const c = m.get(d) ?? { success: 0, failure: 0 }
    if (r.outcome === 'failure') c.failure++
    else c.success++
    m.set(d, c)
  }
  const days = [...m.keys()].sort()
  return { days, success: days.map((d) => m.get(d)!.success), failure: days.map((d) => m.get(d)!.failure) }
}

/** The server's per-day counts (GET /audit/stats) as chart series, days in order. */
export function fromStats(items: DayCount[]): DailyCounts {
  const m = new Map<string, { success: number; failure: number }>()
  for (const it of items) {
    const c = m.get(it.day) ?? { success: 0, failure: 0 }
    if (it.outcome === 'failure') c.failure += it.count
    else c.success += it.count
    m.set(it.day, c)
  }
  const days = [...m.keys()].sort()
  return { days, success: days.map((d) => m.get(d)!.success), failure: days.map((d) => m.get(d)!.failure) }
}

/** The start of a local calendar day `YYYY-MM-DD` as RFC 3339 UTC; `end` gives the start of the next day. */
export function dayBoundary(day: string, end = false): string {
  const [y, m, d] = day.split('-').map(Number)
  const local = new Date(y, m - 1, d + (end ? 1 : 0), 0, 0, 0, 0)
  return local.toISOString().replace(/\.\d{3}Z$/, 'Z')
}
