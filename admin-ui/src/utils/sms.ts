// The SMS form's rules that need no server, as the server counts them: 1 to 469 characters after trimming
// (seven SMS parts), line breaks allowed, no other control characters.
import type { SmsBody } from '@/api/types'

export const MAX_SMS_CHARS = 469

export type SmsProblem = 'empty' | 'tooLong' | 'control'

/** Characters as the server counts them (Unicode scalar values), after trimming. */
export function smsLength(text: string): number {
  return [...text.trim()].length
}

/** What keeps the text from being sent; null when it can go. */
export function smsProblem(text: string): SmsProblem | null {
  const n = smsLength(text)
  if (n === 0) return 'empty'
  if (n > MAX_SMS_CHARS) return 'tooLong'
  if (/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/.test(text.trim())) return 'control'
  return null
}

/** The POST body of an acceptable text (trimmed); null otherwise. */
export function smsBody(text: string): SmsBody | null {
  return smsProblem(text) ? null : { text: text.trim() }
}
