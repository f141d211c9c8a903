import { describe, expect, it } from 'vitest'
import zhCN from '@/i18n/zh-CN'
import enUS from '@/i18n/en-US'

type Tree = { [k: string]: string | Tree }

function leaves(t: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [k, v] of Object.entries(t)) {
    const key = prefix ? `${prefix}.${k}` : k
    if (typeof v === 'string') out.set(key, v)
    else for (const [kk, vv] of leaves(v, key)) out.set(kk, vv)
  }
  return out
}

const zh = leaves(zhCN as Tree)
const en = leaves(enUS as Tree)
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()

describe('locales', () => {
  it('have the same keys', () => {
    expect([...en.keys()].filter((k) => !zh.has(k))).toEqual([])
    expect([...zh.keys()].filter((k) => !en.has(k))).toEqual([])
  })

  it('have no empty messages', () => {
    for (const [k, v] of [...zh, ...en]) expect(v.trim(), k).not.toBe('')
  })

  it('use the same placeholders in both languages', () => {
    for (const [k, v] of zh) expect(placeholders(en.get(k)!), k).toEqual(placeholders(v))
  })

  it('avoid characters vue-i18n would treat as syntax', () => {
    // `@` starts a linked message and `|` separates plural forms.
    for (const [k, v] of [...zh, ...en]) expect(/[@|]/.test(v), `${k}: ${v}`).toBe(false)
  })

  it('really translate: the Chinese text of a screen title is Chinese', () => {
    expect(zh.get('nav.audit')).toBe('审计日志')
    expect(en.get('nav.audit')).toBe('Audit log')
  })
})

describe('templates', () => {
  it('use only keys that exist', async () => {
    const files = import.meta.glob('../src/**/*.{vue,ts}', { query: '?raw', import: 'default', eager: true }) as Record<string, string>
    const used = new Set<string>()
    for (const src of Object.values(files)) {
      for (const m of src.matchAll(/\bt\(\s*'([a-zA-Z]+(?:\.[a-zA-Z_]+)+)'/g)) used.add(m[1])
      for (const m of src.matchAll(/'((?:nav|auth|staff|org|audit|tokens|common|security|system|account|customers|holdings|events|consent|exports|approvals|reauth)\.[a-zA-Z.]+)'/g)) used.add(m[1])
    }
    // Permission codes (org.read, …) look like keys but are data.
    const PERMS = /^(org|staff|role|account|session|security|audit|system|customer|pii|data|export)\.(read|write|assign|reset|revoke|policy\.read|verify|status|unmask|export|approve|consent)$/
    const missing = [...used]
      .filter((k) => !PERMS.test(k)).filter((k) => !zh.has(k) && ![...zh.keys()].some((z) => z.startsWith(`${k}.`)))
    expect(missing).toEqual([])
    expect(used.size).toBeGreaterThan(100)
  })
})
