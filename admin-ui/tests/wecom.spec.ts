// The WeCom screen: the week's adds and churn per RM and outlet with target progress, and the failed customer
// transfers a manager may retry.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import ElementPlus from 'element-plus'
import { i18n, setLocale } from '@/i18n'
import { configureHttp } from '@/api/http'
import { useAuthStore } from '@/stores/auth'
import type { Permission, WecomTransfer, WeeklyStats } from '@/api/types'
import WecomView from '@/views/wecom/WecomView.vue'

// No canvas in the test DOM: the chart is a stub that shows its categories.
vi.mock('vue-echarts', () => ({
  default: { name: 'VChart', props: ['option'], template: '<div data-testid="chart-stub">{{ option.xAxis.data.join(",") }}</div>' },
}))

const json = (status: number, body?: unknown) =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

let pinia: Pinia
const fetchMock = vi.fn()

const row = (id: string, name: string, adds: number, target: number | null) => ({
  id,
  name,
  node_id: 'n-a1',
  adds,
  deleted_by_customer: 1,
  deleted_by_rm: 0,
  net: adds - 1,
  target,
  progress: target ? adds / target : null,
})
const WEEK: WeeklyStats = {
  week: '2026-W49',
  node_id: 'n-a',
  rms: [row('s-1', '王经理', 3, 4), row('s-2', '李经理', 1, null)],
  outlets: [row('n-a1', '朝阳支行', 4, 10)],
}
const FAILED: WecomTransfer = {
  id: 't-1',
  corp: 'main',
  external_userid: 'wmXferA',
  customer_id: null,
  node_id: 'n-a1',
  from_staff_id: 's-1',
  to_staff_id: 's-2',
  handover_userid: 'rm1',
  takeover_userid: 'rm2',
  flow: 'on_duty',
  status: 'failed',
  errcode: 40128,
  reason: 'too_frequent',
  origin: 'api',
  created_at: '2026-11-30T03:04:05Z',
  started_at: '2026-11-30T03:04:06Z',
  finished_at: '2026-11-30T03:04:06Z',
}

function serve() {
  fetchMock.mockImplementation((url: string, init?: RequestInit) => {
    if (url.startsWith('/api/v1/wecom/stats/weekly')) return Promise.resolve(json(200, WEEK))
    if (url.endsWith('/retry') && init?.method === 'POST') return Promise.resolve(json(201, { ...FAILED, id: 't-2', status: 'waiting' }))
    if (url.startsWith('/api/v1/wecom/transfers')) return Promise.resolve(json(200, { items: [FAILED], total: 1, page: 1, page_size: 50 }))
    return Promise.resolve(json(404, { error: { code: 'not_found', message: 'not found' } }))
  })
}

function mountAs(permissions: Permission[]) {
  const auth = useAuthStore()
  auth.stage = 'full'
  auth.me = { id: 'u1', username: 'bm', roles: ['branch_manager'], permissions, stage: 'full', csrf_token: 'tok' }
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div/>' } }] })
  return mount(WecomView, { global: { plugins: [pinia, i18n, ElementPlus, router] } })
}

beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
  fetchMock.mockReset()
  vi.stubGlobal('fetch', fetchMock)
  configureHttp({ csrfToken: () => 'tok' })
  setLocale('zh-CN')
})
afterEach(() => {
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

describe('the WeCom screen', () => {
  it('shows the week per RM and outlet with target progress, and the failed transfers with their errcode', async () => {
    serve()
    const w = mountAs(['customer.read', 'wecom.transfer', 'wecom.target.write'])
    await flushPromises()
    const urls = fetchMock.mock.calls.map((c) => c[0] as string)
    expect(urls).toContain('/api/v1/wecom/stats/weekly')
    expect(urls.some((u) => u.startsWith('/api/v1/wecom/transfers?') && u.includes('status=failed'))).toBe(true)
    expect(w.find('[data-testid="chart-stub"]').text()).toBe('王经理,李经理')
    const rms = w.find('[data-testid="wecom-rms"]').text()
    expect(rms).toContain('王经理')
    expect(rms).toContain('3 / 4')
    expect(rms).toContain('未设目标')
    expect(w.find('[data-testid="wecom-outlets"]').text()).toContain('4 / 10')
    const transfers = w.find('[data-testid="wecom-transfers"]').text()
    expect(transfers).toContain('40128')
    expect(transfers).toContain('在职继承')

    const retry = w.findAll('[data-testid="wecom-transfers"] button').find((b) => b.text() === '重试')
    expect(retry).toBeTruthy()
    await retry!.trigger('click')
    await flushPromises()
    const post = fetchMock.mock.calls.find((c) => (c[0] as string).endsWith('/retry'))
    expect(post?.[0]).toBe('/api/v1/wecom/transfers/t-1/retry')

    setLocale('en-US')
    await flushPromises()
    expect(w.find('[data-testid="wecom-transfers"]').text()).toContain('In service')
  })

  it('offers no retry and no target setting without the permissions', async () => {
    serve()
    const w = mountAs(['customer.read'])
    await flushPromises()
    expect(w.findAll('[data-testid="wecom-transfers"] button').filter((b) => b.text() === '重试')).toHaveLength(0)
    expect(w.find('[data-testid="wecom-rms"]').text()).not.toContain('设置目标')
  })
})
