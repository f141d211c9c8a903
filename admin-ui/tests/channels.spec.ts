import { describe, expect, it } from 'vitest'
import { bankToday, codeProblem, CODE_MAX, fillDays, qrFileName } from '@/utils/channels'

describe('channel codes', () => {
  it('accept letters, digits, - and _ up to what fits WeCom’s 30-character state', () => {
    expect(codeProblem('')).toBeNull()
    expect(codeProblem('spring-2026_bj')).toBeNull()
    expect(codeProblem('x'.repeat(CODE_MAX))).toBeNull()
    expect(codeProblem('x'.repeat(CODE_MAX + 1))).toBe('tooLong')
    expect(codeProblem('春季')).toBe('badChar')
    expect(codeProblem('a b')).toBe('badChar')
  })

  it('fill the days without adds with zeros, ending today', () => {
    const s = fillDays([{ day: '2026-11-28', adds: 2, deletions: 1 }, { day: '2026-11-30', adds: 1, deletions: 0 }], '2026-11-30', 4)
    expect(s.days).toEqual(['2026-11-27', '2026-11-28', '2026-11-29', '2026-11-30'])
    expect(s.adds).toEqual([0, 2, 0, 1])
    expect(s.deletions).toEqual([0, 1, 0, 0])
    expect(fillDays([{ day: '2026-10-01', adds: 5, deletions: 0 }], '2026-11-30', 2).adds).toEqual([0, 0])
  })

  it('count the bank’s day in Beijing time and name QR files safely', () => {
    expect(bankToday(new Date('2026-11-30T17:00:00Z'))).toBe('2026-12-01')
    expect(bankToday(new Date('2026-11-30T15:59:00Z'))).toBe('2026-11-30')
    expect(qrFileName({ name: '北京/一支行 网点码', state: 'ch_bj01' })).toBe('北京_一支行_网点码-ch_bj01.png')
  })
})
