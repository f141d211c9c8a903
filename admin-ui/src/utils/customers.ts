// The customer screen's rules that need no server: the search body (exactly one identifier), the unmask
// reason's length as the server counts it, and how clear values are shown.
import type { CustomerSearchBody, CustomerSearchKey, UnmaskField } from '@/api/types'

/** The server refuses an unmask reason shorter than this (characters after trimming, as Rust's chars()). */
export const MIN_REASON_CHARS = 10
/** The audit trail keeps at most this much of a reason. */
export const MAX_REASON_CHARS = 500

/** The body of a search by `key`: the one identifier, trimmed; null when there is nothing to search for. */
export function searchBody(key: CustomerSearchKey, value: string): CustomerSearchBody | null {
  const v = value.trim()
  return v ? { [key]: v } : null
}

/** The reason's length in characters (code points, so one Chinese character is one), trimmed. */
export function reasonLength(reason: string): number {
  return [...reason.trim()].length
}

export function reasonAcceptable(reason: string): boolean {
  return reasonLength(reason) >= MIN_REASON_CHARS
}

/** An amount in fen (a string of digits) as yuan with thousands separators: `123456789` → `1,234,567.89`. */
export function fenToYuan(fen: string): string {
  const m = /^(-?)(\d+)$/.exec(fen.trim())
  if (!m) return fen
  const digits = m[2].padStart(3, '0')
  const int = digits.slice(0, -2).replace(/^0+(?=\d)/, '')
  return `${m[1]}${int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${digits.slice(-2)}`
}

/** A clear value for display: amounts in yuan, a missing value as a dash. */
export function clearText(field: UnmaskField, value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—'
  return field === 'aum_fen' ? fenToYuan(value) : value
}
