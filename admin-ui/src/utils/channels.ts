// Channel live codes (渠道活码): the rules the form checks before the server does, and the per-day series the
// stats chart draws.
import type { ChannelDay, WecomChannel } from '@/api/types'

/** WeCom's limit on a contact way's state, and the prefix siyu gives channel states. */
export const STATE_MAX = 30
export const STATE_PREFIX = 'ch_'
export const CODE_MAX = STATE_MAX - STATE_PREFIX.length

/** Why a chosen code cannot be used (the state is `ch_<code>`), or null when it can; empty means "generate one". */
export function codeProblem(code: string): null | 'tooLong' | 'badChar' {
  if (code === '') return null
  if (!/^[A-Za-z0-9_-]+$/.test(code)) return 'badChar'
  if (code.length > CODE_MAX) return 'tooLong'
  return null
}

export interface DaySeries {
  days: string[]
  adds: number[]
  deletions: number[]
}

const iso = (d: Date) => d.toISOString().slice(0, 10)

/** `n` consecutive days ending at `until` (YYYY-MM-DD), days without adds or deletions as zeros. */
export function fillDays(points: ChannelDay[], until: string, n: number): DaySeries {
  const byDay = new Map(points.map((p) => [p.day, p]))
  const end = new Date(`${until}T00:00:00Z`)
  const out: DaySeries = { days: [], adds: [], deletions: [] }
  for (let i = n - 1; i >= 0; i--) {
    const d = iso(new Date(end.getTime() - i * 86_400_000))
    const p = byDay.get(d)
    out.days.push(d)
    out.adds.push(p?.adds ?? 0)
    out.deletions.push(p?.deletions ?? 0)
  }
  return out
}

/** Today in Beijing (the bank's day, which the server's series uses), YYYY-MM-DD. */
export function bankToday(now: Date = new Date()): string {
  return iso(new Date(now.getTime() + 8 * 3_600_000))
}

/** The file name of a channel's QR image. */
export function qrFileName(c: Pick<WecomChannel, 'name' | 'state'>): string {
  const safe = c.name.replace(/[\\/:*?"<>|\s]+/g, '_').slice(0, 40)
  return `${safe || 'channel'}-${c.state}.png`
}
