// Customer 360 rules that need no server: the holdings' maturity calendar, the date that matters for a holding,
// and how an event's detail reads.
import type { HoldingView } from '@/api/types'

/** The event kinds the server derives (docs/imports.md); others are shown by their code. */
export const EVENT_KINDS = [
  'aum_changed',
  'holding_matures',
  'nav_dropped',
  'risk_assessment_expiring',
  'birthday',
  'open_period',
  'unsuitable_holding',
] as const

/** `YYYY-MM` of a `YYYY-MM-DD` date (or of a local Date). */
export function monthOf(d: string | Date): string {
  if (typeof d === 'string') return d.slice(0, 7)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`
}

/** The `count` months starting with the month of `today`, as `YYYY-MM`. */
export function nextMonths(today: Date, count = 12): string[] {
  const out: string[] = []
  for (let i = 0; i < count; i++) out.push(monthOf(new Date(today.getFullYear(), today.getMonth() + i, 1)))
  return out
}

export interface MaturityCalendar {
  months: string[]
  /** Holdings whose maturity date falls in each month. */
  maturing: number[]
  /** Holdings whose next open date (open-ended products) falls in each month. */
  opening: number[]
  /** Per month, the product names, for the tooltip. */
  products: string[][]
}

/**
 * Holdings by month for the 12 months from `today`'s month: those maturing, and those whose next open date comes
 * (a holding with both counts under its maturity). Dates before today or past the window are left out.
 */
export function maturityCalendar(holdings: HoldingView[], today: Date, count = 12): MaturityCalendar {
  const months = nextMonths(today, count)
  const index = new Map(months.map((m, i) => [m, i]))
  const todayIso = `${monthOf(today)}-${String(today.getDate()).padStart(2, '0')}`
  const maturing = months.map(() => 0)
  const opening = months.map(() => 0)
  const products: string[][] = months.map(() => [])
  for (const h of holdings) {
    const [date, list] = h.maturity_date ? [h.maturity_date, maturing] : [h.next_open_date, opening]
    if (!date || date < todayIso) continue
    const i = index.get(monthOf(date))
    if (i === undefined) continue
    list[i]++
    products[i].push(h.product_name || h.product_code)
  }
  return { months, maturing, opening, products }
}

/** The date a holding is next due: its maturity, else its next open date. */
export function dueDate(h: HoldingView): { date: string; kind: 'maturity' | 'open' } | null {
  if (h.maturity_date) return { date: h.maturity_date, kind: 'maturity' }
  if (h.next_open_date) return { date: h.next_open_date, kind: 'open' }
  return null
}

/** An event's detail as short text: an object's entries as `key: value`, joined. */
export function eventDetail(detail: unknown): string {
  if (detail === null || detail === undefined || detail === '') return ''
  if (typeof detail === 'string') return detail
  if (typeof detail === 'object' && !Array.isArray(detail)) {
    return Object.entries(detail as Record<string, unknown>)
      .filter(([, v]) => v !== null && v !== undefined && v !== '')
      .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join(' · ')
  }
  return JSON.stringify(detail)
}
