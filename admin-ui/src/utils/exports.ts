// Export rules that need no server: what a request must carry, which requests can be downloaded now, and saving
// the downloaded file in the browser.
import type { ExportCreate, ExportView } from '@/api/types'
import { MIN_REASON_CHARS, reasonLength } from './customers'

/** The server keeps at most this much of an export reason. */
export const MAX_EXPORT_REASON_CHARS = 500

/** Why a request cannot be sent yet (an i18n key), or null when it can. */
export function exportRequestProblem(masked: boolean, reason: string): string | null {
  const n = reasonLength(reason)
  if (n === 0) return 'exports.reasonRequired'
  if (!masked && n < MIN_REASON_CHARS) return 'exports.reasonTooShort'
  if (n > MAX_EXPORT_REASON_CHARS) return 'exports.reasonTooLong'
  return null
}

/** The body of an export request. */
export function exportBody(masked: boolean, reason: string, nodeId?: string): ExportCreate {
  return { kind: 'customers', masked, reason: reason.trim(), ...(nodeId ? { node_id: nodeId } : {}) }
}

/** Whether the requester can download `e` now: a masked export while ready, an unmasked one once approved. */
export function downloadable(e: Pick<ExportView, 'masked' | 'status'>): boolean {
  return e.masked ? e.status === 'ready' : e.status === 'approved'
}

/** The file name for an export when the server suggests none. */
export function exportFileName(e: Pick<ExportView, 'id' | 'masked'>, suggested: string | null): string {
  return suggested || `customers-${e.masked ? 'masked' : 'clear'}-${e.id.slice(0, 8)}.csv`
}

/** Hands `blob` to the browser as a download named `name` (an object URL, revoked right after). */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.rel = 'noopener'
  a.style.display = 'none'
  document.body.appendChild(a)
  a.click()
  document.body.removeChild(a)
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
