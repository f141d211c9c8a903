// Corp tags as head office types them: one per line or separated by commas (half- or full-width) or 、.
// WeCom limits a tag's name to 30 characters; the server checks again, this only saves a round trip.

export const TAG_NAME_MAX = 30

export interface ParsedTags {
  names: string[]
  /** Names longer than the limit. */
  tooLong: string[]
  /** Names typed more than once (kept once in `names`). */
  repeated: string[]
}

/** Characters as the server counts them (Unicode scalar values, not UTF-16 units). */
export function charCount(s: string): number {
  return Array.from(s).length
}

export function parseTagNames(text: string): ParsedTags {
  const out: ParsedTags = { names: [], tooLong: [], repeated: [] }
  for (const raw of text.split(/[\n,，、]/)) {
    const name = raw.trim()
    if (!name) continue
    if (charCount(name) > TAG_NAME_MAX) {
      out.tooLong.push(name)
    } else if (out.names.includes(name)) {
      if (!out.repeated.includes(name)) out.repeated.push(name)
    } else {
      out.names.push(name)
    }
  }
  return out
}

/** How many tags a catalogue holds. */
export function tagCount(groups: { tags: unknown[] }[]): number {
  return groups.reduce((n, g) => n + g.tags.length, 0)
}
