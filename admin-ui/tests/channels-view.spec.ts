// The channel codes screen: the list in scope, management only with wecom.channel.manage, the form refusing a code
// that would not fit WeCom's state before asking the server, and the drawer with the QR image and the stats.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import ElementPlus from 'element-plus'
import { i18n, setLocale } from '@/i18n'
import { configureHttp } from '@/api/http'
import { useAuthStore } from '@/stores/auth'
import type { Permission, WecomChannel } from '@/api/types'
import ChannelsView from '@/views/channels/ChannelsView.vue'
import ChannelDialog from '@/views/channels/ChannelDialog.vue'

const json = (status: number, body?: unknown) =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

let pinia: Pinia
const fetchMock = vi.fn()
const plugins = () => [
  pinia,
  i18n,
  ElementPlus,
  createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div/>' } }] }),
]
function signIn(permissions: Permission[]) {
  const auth = useAuthStore()
  auth.stage = 'full'
  auth.me = { id: 'u1', username: 'bm1', roles: [], permissions, stage: 'full', csrf_token: 'tok', has_second_factor: true }
}
const $ = <E extends Element = HTMLElement>(id: string) => document.querySelector(`[data-testid="${id}"]`) as E | null
const calls = (path: string) => fetchMock.mock.calls.filter((c) => (c[0] as string).startsWith(path))

const CHANNEL: WecomChannel = {
  id: 'ch-1',
  corp: 'main',
  name: '北京一支行网点码',
  kind: 'outlet',
  node_id: 'n-1',
  rm_staff_ids: ['s-1'],
  follow_userids: ['rm1'],
  state: 'ch_bj01',
  config_id: 'cfg',
  qr_code: 'http://p.qpic.cn/x',
  welcome_text: '欢迎',
  status: 'active',
  created_at: '2026-11-30T02:00:00Z',
  updated_at: '2026-11-30T02:00:00Z',
}
const STATS = {
  channel_id: 'ch-1', adds: 3, deleted_by_customer: 1, deleted_by_rm: 1, following: 1, linked_customers: 1,
  welcomes_sent: 3, welcomes_failed: 0, welcomes_refused: 0, days: [{ day: '2026-11-30', adds: 3, deletions: 2 }],
}

function route(url: string): Response {
  if (url.startsWith('/api/v1/wecom/channels/ch-1/qr.png')) return new Response(new Blob(['png']), { status: 200, headers: { 'Content-Type': 'image/png' } })
  if (url.startsWith('/api/v1/wecom/channels/ch-1/stats')) return json(200, STATS)
  if (url.startsWith('/api/v1/wecom/channels')) return json(200, { items: [CHANNEL], total: 1, page: 1, page_size: 20 })
  if (url.startsWith('/api/v1/staff')) return json(200, { items: [], total: 0, page: 1, page_size: 50 })
  if (url.startsWith('/api/v1/org/nodes')) return json(200, { items: [] })
  return json(404, { error: { code: 'not_found', message: 'not found' } })
}

beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
  fetchMock.mockReset()
  fetchMock.mockImplementation((url: string) => Promise.resolve(route(url)))
  vi.stubGlobal('fetch', fetchMock)
  configureHttp({ csrfToken: () => 'tok' })
  setLocale('zh-CN')
  vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: () => 'blob:qr', revokeObjectURL: () => undefined }))
})
afterEach(() => {
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
  document.body.innerHTML = ''
})

describe('the channel codes screen', () => {
  it('lists the channels and offers management only with wecom.channel.manage', async () => {
    signIn(['customer.read', 'wecom.channel.manage'])
    const w = mount(ChannelsView, { global: { plugins: plugins(), stubs: { ChannelChart: true } }, attachTo: document.body })
    await flushPromises()
    expect($('channels-table')?.textContent).toContain('北京一支行网点码')
    expect($('channels-table')?.textContent).toContain('ch_bj01')
    expect($('channel-new')).not.toBeNull()
    w.unmount()
    signIn(['customer.read'])
    mount(ChannelsView, { global: { plugins: plugins(), stubs: { ChannelChart: true } }, attachTo: document.body })
    await flushPromises()
    expect($('channel-new')).toBeNull()
  })

  it('shows the QR image and the stats of a channel', async () => {
    signIn(['customer.read', 'wecom.channel.manage'])
    mount(ChannelsView, { global: { plugins: plugins(), stubs: { ChannelChart: true } }, attachTo: document.body })
    await flushPromises()
    $<HTMLButtonElement>('channel-show-ch-1')!.click()
    await flushPromises()
    expect($<HTMLImageElement>('channel-qr')?.getAttribute('src')).toBe('blob:qr')
    expect(calls('/api/v1/wecom/channels/ch-1/stats')[0][0]).toContain('days=30')
    expect($('channel-drawer')?.textContent).toContain('当前好友')
    expect($('channel-qr-download')).not.toBeNull()
  })
})

describe('the channel form', () => {
  it('refuses a code longer than WeCom’s state allows without asking the server', async () => {
    signIn(['customer.read', 'wecom.channel.manage', 'staff.read'])
    const w = mount(ChannelDialog, { props: { modelValue: false, channel: null }, global: { plugins: plugins() }, attachTo: document.body })
    await w.setProps({ modelValue: true })
    await flushPromises()
    const vm = w.vm as unknown as { save: () => Promise<void> }
    const form = (w.vm as unknown as { $: { setupState: { form: Record<string, unknown> } } }).$.setupState.form
    Object.assign(form, { name: '活动码', node_id: 'n-1', rm_staff_ids: ['s-1'], code: 'x'.repeat(28) })
    await vm.save()
    await flushPromises()
    expect($('channel-error')?.textContent).toContain('最多 27 个字符')
    expect(fetchMock.mock.calls.filter((c) => (c[1] as RequestInit | undefined)?.method === 'POST')).toHaveLength(0)
    Object.assign(form, { code: 'spring2026' })
    fetchMock.mockImplementation((url: string, init?: RequestInit) =>
      Promise.resolve(init?.method === 'POST' ? json(201, { ...CHANNEL, state: 'ch_spring2026' }) : route(url)),
    )
    await vm.save()
    await flushPromises()
    const post = fetchMock.mock.calls.find((c) => (c[1] as RequestInit | undefined)?.method === 'POST') as [string, RequestInit]
    expect(post[0]).toBe('/api/v1/wecom/channels')
    expect(JSON.parse(post[1].body as string)).toEqual({
      corp: 'main', name: '活动码', kind: 'outlet', node_id: 'n-1', rm_staff_ids: ['s-1'], code: 'spring2026',
    })
    expect(w.emitted('saved')).toHaveLength(1)
  })

  it('offers the configured corps and starts on the first one', async () => {
    signIn(['customer.read', 'wecom.channel.manage', 'staff.read'])
    fetchMock.mockImplementation((url: string) =>
      Promise.resolve(
        url.startsWith('/api/v1/wecom/corps') ? json(200, { items: [{ name: 'hq', corp_id: 'wwhq' }] }) : route(url),
      ),
    )
    const w = mount(ChannelDialog, { props: { modelValue: false, channel: null }, global: { plugins: plugins() }, attachTo: document.body })
    await w.setProps({ modelValue: true })
    await flushPromises()
    const state = (w.vm as unknown as { $: { setupState: { form: Record<string, unknown>; corps: unknown[] } } }).$.setupState
    expect(state.corps).toEqual([{ name: 'hq', corp_id: 'wwhq' }])
    expect(state.form.corp).toBe('hq')
  })
})
