import { describe, expect, it } from 'vitest'
import { buildTree, disableSubtree, pathLabel } from '@/utils/tree'
import { countByDay, dayBoundary, fromStats } from '@/utils/audit'
import { classesOf, judge, locallyAcceptable, DEFAULT_POLICY } from '@/utils/password'
import { apiOrder } from '@/utils/format'
import type { OrgNode } from '@/api/types'

const node = (id: string, parent: string | null, code: string, path: string): OrgNode => ({
  id,
  parent_id: parent,
  code,
  name: `n-${id}`,
  kind: 'branch',
  path,
  depth: path.split('/').filter(Boolean).length - 1,
  created_at: '2026-01-01T00:00:00Z',
})

describe('org tree', () => {
  const nodes = [node('b', 'a', 'B2', '/a/b/'), node('a', null, 'HO', '/a/'), node('c', 'a', 'B1', '/a/c/'), node('d', 'b', 'X', '/a/b/d/')]

  it('nests by parent and sorts by code', () => {
    const tree = buildTree(nodes)
    expect(tree.map((n) => n.id)).toEqual(['a'])
    expect(tree[0].children.map((n) => n.id)).toEqual(['c', 'b'])
    expect(tree[0].children[1].children[0].id).toBe('d')
  })

  it('roots a subtree whose parent is outside the scope', () => {
    expect(buildTree(nodes.filter((n) => n.id !== 'a')).map((n) => n.id)).toEqual(['c', 'b'])
  })

  it('names a path and disables a subtree for moves', () => {
    expect(pathLabel('/a/b/d/', new Map(nodes.map((n) => [n.id, n])))).toBe('n-a / n-b / n-d')
    const off = disableSubtree(buildTree(nodes), 'b')
    expect(off[0].disabled).toBe(false)
    expect(off[0].children[1].disabled).toBe(true)
    expect(off[0].children[1].children[0].disabled).toBe(true)
    expect(off[0].children[0].disabled).toBe(false)
  })
})

describe('audit helpers', () => {
  it('counts events per day and outcome', () => {
    const at = (d: number, h: number) => new Date(2026, 0, d, h).toISOString()
    const c = countByDay([
      { at: at(2, 10), outcome: 'success' },
      { at: at(1, 9), outcome: 'failure' },
      { at: at(2, 11), outcome: 'failure' },
      { at: at(2, 12), outcome: 'success' },
    ])
    expect(c).toEqual({ days: ['2026-01-01', '2026-01-02'], success: [0, 2], failure: [1, 1] })
  })

  it("reads the server's daily counts", () => {
    const c = fromStats([
      { day: '2026-11-22', outcome: 'success', count: 5 },
      { day: '2026-11-21', outcome: 'failure', count: 2 },
      { day: '2026-11-22', outcome: 'failure', count: 1 },
    ])
    expect(c).toEqual({ days: ['2026-11-21', '2026-11-22'], success: [0, 5], failure: [2, 1] })
  })

  it('turns a local day range into RFC 3339 bounds', () => {
    const from = dayBoundary('2026-03-01')
    const to = dayBoundary('2026-03-01', true)
    expect(from).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/)
    expect(new Date(to).getTime() - new Date(from).getTime()).toBe(24 * 3600 * 1000)
  })
})

describe('password hints', () => {
  it('counts character classes, Chinese included', () => {
    expect(classesOf('abc')).toBe(1)
    expect(classesOf('aB3!')).toBe(4)
    expect(classesOf('长江黄河Abc12345')).toBe(4)
  })

  it('judges what the browser can and leaves the rest to the server', () => {
    expect(locallyAcceptable('Lantern-river-42', 'zhangsan')).toBe(true)
    expect(locallyAcceptable('short1!', 'zhangsan')).toBe(false)
    expect(locallyAcceptable('xx-ZhangSan-2026', 'zhangsan')).toBe(false)
    const rules = judge('Lantern-river-42', 'u', DEFAULT_POLICY)
    expect(rules.find((r) => r.key === 'auth.rules.common')?.met).toBeNull()
    expect(rules.find((r) => r.key === 'auth.rules.history')?.n).toBe(5)
  })

  it('maps table sort orders', () => {
    expect(apiOrder('ascending')).toBe('asc')
    expect(apiOrder('descending')).toBe('desc')
    expect(apiOrder(null)).toBeUndefined()
  })
})
