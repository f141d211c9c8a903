import { describe, expect, it } from 'vitest'
import { charCount, parseTagNames, tagCount, TAG_NAME_MAX } from '@/utils/tags'

describe('parseTagNames', () => {
  it('splits on lines, commas of both widths and 、, trimming and dropping blanks', () => {
    expect(parseTagNames('金卡\n白金卡, 钻石卡，理财、 基金 \n\n').names).toEqual(['金卡', '白金卡', '钻石卡', '理财', '基金'])
  })

  it('keeps a repeated name once and reports it', () => {
    const p = parseTagNames('金卡\n金卡\n金卡')
    expect(p.names).toEqual(['金卡'])
    expect(p.repeated).toEqual(['金卡'])
  })

  it('refuses names over the limit, counted in characters not bytes', () => {
    const ok = '标'.repeat(TAG_NAME_MAX)
    const long = '标'.repeat(TAG_NAME_MAX + 1)
    const p = parseTagNames(`${ok}\n${long}`)
    expect(p.names).toEqual([ok])
    expect(p.tooLong).toEqual([long])
    expect(charCount('𠮷')).toBe(1)
  })

  it('counts the tags of a catalogue', () => {
    expect(tagCount([{ tags: [1, 2] }, { tags: [] }, { tags: [3] }])).toBe(3)
  })
})
