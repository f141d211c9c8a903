// The marketing consent form's rules that need no server: what it may send (at least one channel, a source,
// a reason of 1 to 500 characters after trimming, as the server counts them) and the body it sends.
import type { ConsentBody, ConsentChannel, ConsentSource } from '@/api/types'
import { MAX_REASON_CHARS, reasonLength } from './customers'

export interface ConsentForm {
  /** true: record a refusal; false: record its withdrawal. */
  optedOut: boolean
  channels: ConsentChannel[]
  source: ConsentSource | ''
  reason: string
}

export type ConsentProblem = 'noChannels' | 'noSource' | 'noReason' | 'reasonTooLong'

export function emptyConsentForm(): ConsentForm {
  return { optedOut: true, channels: [], source: '', reason: '' }
}

/** What keeps the form from being sent, each problem once, in the form's order; empty when it can go. */
export function consentProblems(f: ConsentForm): ConsentProblem[] {
  const out: ConsentProblem[] = []
  if (!f.channels.length) out.push('noChannels')
  if (!f.source) out.push('noSource')
  const n = reasonLength(f.reason)
  if (n === 0) out.push('noReason')
  else if (n > MAX_REASON_CHARS) out.push('reasonTooLong')
  return out
}

/** The PUT body of an acceptable form (channels de-duplicated, reason trimmed); null otherwise. */
export function consentBody(f: ConsentForm): ConsentBody | null {
  if (consentProblems(f).length || !f.source) return null
  return { channels: [...new Set(f.channels)], opted_out: f.optedOut, source: f.source, reason: f.reason.trim() }
}
