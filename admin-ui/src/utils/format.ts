// Display helpers shared by the screens.

/** A server time (RFC 3339, UTC) in the browser's local time, `YYYY-MM-DD HH:mm:ss`. */
export function formatTime(v: string | null | undefined): string {
  if (!v) return '—'
  const d = new Date(v)
  if (Number.isNaN(d.getTime())) return v
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
}

/** The local calendar day of a server time, `YYYY-MM-DD`. */
export function dayOf(v: string): string {
  return formatTime(v).slice(0, 10)
}

/** Any JSON value as short text for a table cell. */
export function brief(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—'
  if (typeof v === 'string') return v
  return JSON.stringify(v)
}

/** Element Plus's sort order to the API's. */
export function apiOrder(order: string | null | undefined): 'asc' | 'desc' | undefined {
  if (order === 'ascending') return 'asc'
  if (order === 'descending') return 'desc'
  return undefined
}
