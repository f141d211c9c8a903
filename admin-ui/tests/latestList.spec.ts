// The list loader the customer 360 sections share: the newest request wins, a failure empties the list.
import { describe, expect, it } from 'vitest'
import { latestList } from '@/utils/latestList'

/** A fetch whose answers the test releases in any order. */
function controlled() {
  const pending = new Map<string, { resolve: (v: string[]) => void; reject: (e: Error) => void }>()
  const fetch = (key: string) =>
    new Promise<string[]>((resolve, reject) => {
      pending.set(key, { resolve, reject })
    })
  return { fetch, pending }
}

describe('latestList', () => {
  it('shows only the newest request, however late the older answer comes', async () => {
    const { fetch, pending } = controlled()
    const list = latestList<string>(fetch)
    const first = list.load('customer-a')
    const second = list.load('customer-b')
    expect(list.loading.value).toBe(true)
    pending.get('customer-b')!.resolve(['b1'])
    await second
    expect(list.items.value).toEqual(['b1'])
    expect(list.loading.value).toBe(false)
    pending.get('customer-a')!.resolve(['a1', 'a2'])
    await first
    expect(list.items.value).toEqual(['b1'])
  })

  it('empties the list and says so when the fetch fails; a stale failure changes nothing', async () => {
    const { fetch, pending } = controlled()
    const list = latestList<string>(fetch)
    const ok = list.load('x')
    pending.get('x')!.resolve(['x1'])
    await ok
    const stale = list.load('y')
    const fresh = list.load('z')
    pending.get('y')!.reject(new Error('gone'))
    await stale
    expect(list.failed.value).toBe(false)
    pending.get('z')!.reject(new Error('gone'))
    await fresh
    expect(list.items.value).toEqual([])
    expect(list.failed.value).toBe(true)
  })
})
