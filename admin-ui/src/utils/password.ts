// What the browser can tell about a new password before the server judges it (the server has the last word).
import type { PasswordPolicy } from '@/api/types'

export const DEFAULT_POLICY: Required<
  Pick<PasswordPolicy, 'min_length' | 'max_length' | 'min_classes' | 'history' | 'max_age_days' | 'reject_common' | 'reject_username'>
> = {
  min_length: 12,
  max_length: 128,
  min_classes: 3,
  history: 5,
  max_age_days: 90,
  reject_common: true,
  reject_username: true,
}

export function classesOf(p: string): number {
  let lower = false
  let upper = false
  let digit = false
  let other = false
  for (const c of p) {
    if (c !== c.toUpperCase() && c === c.toLowerCase()) lower = true
    else if (c !== c.toLowerCase() && c === c.toUpperCase()) upper = true
    else if (/\p{N}/u.test(c)) digit = true
    else other = true
  }
  return [lower, upper, digit, other].filter(Boolean).length
}

export interface Rule {
  key: string
  n?: number
  /** true/false when the browser can tell, null when only the server can. */
  met: boolean | null
}

export function judge(password: string, username: string, policy: typeof DEFAULT_POLICY): Rule[] {
  const len = [...password].length
  const rules: Rule[] = [
    { key: 'auth.rules.minLength', n: policy.min_length, met: len >= policy.min_length },
    { key: 'auth.rules.maxLength', n: policy.max_length, met: len > 0 && len <= policy.max_length },
    { key: 'auth.rules.classes', n: policy.min_classes, met: classesOf(password) >= policy.min_classes },
  ]
  if (policy.reject_username) {
    const u = username.toLowerCase()
    const met = password.length > 0 && (u.length < 3 || !password.toLowerCase().includes(u))
    rules.push({ key: 'auth.rules.username', met })
  }
  if (policy.reject_common) rules.push({ key: 'auth.rules.common', met: null })
  if (policy.history > 0) rules.push({ key: 'auth.rules.history', n: policy.history, met: null })
  if (policy.max_age_days > 0) rules.push({ key: 'auth.rules.maxAge', n: policy.max_age_days, met: null })
  return rules
}

/** Whether every rule the browser can judge is met. */
export function locallyAcceptable(password: string, username: string, policy = DEFAULT_POLICY): boolean {
  return judge(password, username, policy).every((r) => r.met !== false)
}
