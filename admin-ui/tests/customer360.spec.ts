// Customer 360: the maturity calendar's months, holdings with unsuitable ones flagged (bands only), and the
// events timeline.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import ElementPlus from 'element-plus'
import { i18n, setLocale } from '@/i18n'
import { configureHttp } from '@/api/http'
import type { HoldingView } from '@/api/types'
import { dueDate, eventDetail, maturityCalendar, nextMonths } from '@/utils/holdings'
import HoldingsSection from '@/views/customers/HoldingsSection.vue'
import EventsSection from '@/views/customers/EventsSection.vue'

const json = (status: number, body?: unknown) =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
const fetchMock = vi.fn()

const holding = (over: Partial<HoldingView>): HoldingView => ({
  id: over.product_code ?? 'h',
  product_code: 'P1',
  product_name: '稳健理财1号',
  product_type: 'wealth_management',
  product_risk: 'R2',
  amount_band: '5万-50万',
  start_date: null,
  maturity_date: null,
  next_open_date: null,
  nav: null,
  nav_date: null,
  purchase_nav: null,
  unsuitable: false,
  ...over,
})

beforeEach(() => {
  setActivePinia(createPinia())
  fetchMock.mockReset()
  vi.stubGlobal('fetch', fetchMock)
  configureHttp({ csrfToken: () => 'tok' })
  setLocale('zh-CN')
})
afterEach(() => vi.unstubAllGlobals())

describe('the maturity calendar', () => {
  const today = new Date(2026, 10, 30) // 30 November 2026, local time

  it('covers the 12 months from this one, across the year end', () => {
    const m = nextMonths(today)
    expect(m).toHaveLength(12)
    expect(m[0]).toBe('2026-11')
    expect(m[1]).toBe('2026-12')
    expect(m[2]).toBe('2027-01')
    expect(m[11]).toBe('2027-10')
  })

  it('counts maturities and open dates by month, leaving out the past and what lies beyond', () => {
    const c = maturityCalendar(
      [
        holding({ product_code: 'A', maturity_date: '2026-12-15' }),
        holding({ product_code: 'B', maturity_date: '2026-12-31', next_open_date: '2027-01-05' }),
        holding({ product_code: 'C', next_open_date: '2027-01-05' }),
        holding({ product_code: 'D', maturity_date: '2026-11-29' }), // yesterday
        holding({ product_code: 'E', maturity_date: '2026-11-30' }), // today
        holding({ product_code: 'F', maturity_date: '2027-11-01' }), // past the window
        holding({ product_code: 'G' }), // neither date
      ],
      today,
    )
    expect(c.maturing.slice(0, 3)).toEqual([1, 2, 0])
    expect(c.opening.slice(0, 3)).toEqual([0, 0, 1])
    expect(c.maturing.reduce((a, b) => a + b) + c.opening.reduce((a, b) => a + b)).toBe(4)
    expect(c.products[1]).toEqual(['稳健理财1号', '稳健理财1号'])
  })

  it('names the due date and reads an event detail', () => {
    expect(dueDate(holding({ maturity_date: '2027-01-01', next_open_date: '2026-12-01' }))).toEqual({ date: '2027-01-01', kind: 'maturity' })
    expect(dueDate(holding({ next_open_date: '2026-12-01' }))).toEqual({ date: '2026-12-01', kind: 'open' })
    expect(dueDate(holding({}))).toBeNull()
    expect(eventDetail({ direction: 'up', from_band: '50K-500K', x: null })).toBe('direction: up · from_band: 50K-500K')
    expect(eventDetail(null)).toBe('')
  })
})

describe('the holdings section', () => {
  it('shows bands, risks and a clear flag on unsuitable holdings', async () => {
    fetchMock.mockResolvedValue(
      json(200, {
        items: [
          holding({ id: 'h1', product_code: 'WM01', maturity_date: '2099-01-01' }),
          holding({ id: 'h2', product_code: 'FD09', product_name: '成长股票基金', product_type: 'fund', product_risk: 'R5', amount_band: '50万-100万', unsuitable: true, nav: '1.2345', nav_date: '2026-11-27' }),
        ],
      }),
    )
    const w = mount(HoldingsSection, { props: { customerId: 'c-1', riskLevel: 'C2' }, global: { plugins: [i18n, ElementPlus] } })
    await flushPromises()
    expect(fetchMock.mock.calls[0][0]).toBe('/api/v1/customers/c-1/holdings')
    const table = w.find('[data-testid="holdings-table"]').text()
    expect(table).toContain('成长股票基金')
    expect(table).toContain('基金')
    expect(table).toContain('50万-100万')
    expect(table).toContain('1.2345')
    expect(table).toContain('2099-01-01')
    expect(w.find('[data-testid="holding-unsuitable-FD09"]').text()).toContain('不适当')
    expect(w.find('[data-testid="holding-unsuitable-WM01"]').exists()).toBe(false)
    expect(w.find('[data-testid="holdings-unsuitable-summary"]').text()).toContain('有 1 笔持仓')
    expect(w.find('[data-testid="holdings-unsuitable-summary"]').text()).toContain('C2')
    expect(w.find('[data-testid="maturity-calendar"]').exists()).toBe(true)
  })

  it('says when there are no holdings', async () => {
    fetchMock.mockResolvedValue(json(200, { items: [] }))
    const w = mount(HoldingsSection, { props: { customerId: 'c-1' }, global: { plugins: [i18n, ElementPlus] } })
    await flushPromises()
    expect(w.find('[data-testid="holdings-empty"]').exists()).toBe(true)
    expect(w.find('[data-testid="holdings-unsuitable-summary"]').exists()).toBe(false)
    expect(w.find('[data-testid="maturity-calendar-empty"]').exists()).toBe(true)
  })
})

describe('the events timeline', () => {
  it('lists the events newest first with their kind in the current language', async () => {
    fetchMock.mockResolvedValue(
      json(200, {
        items: [
          { id: 'e2', kind: 'holding_matures', event_date: '2026-12-03', reference: 'WM01', detail: { days: 3 }, derived_on: '2026-11-30' },
          { id: 'e1', kind: 'aum_changed', event_date: '2026-11-28', reference: null, detail: { direction: 'up' }, derived_on: '2026-11-28' },
        ],
      }),
    )
    const w = mount(EventsSection, { props: { customerId: 'c-1' }, global: { plugins: [i18n, ElementPlus] } })
    await flushPromises()
    expect(fetchMock.mock.calls[0][0]).toBe('/api/v1/customers/c-1/events')
    const text = w.find('[data-testid="events-timeline"]').text()
    expect(text.indexOf('持仓即将到期')).toBeLessThan(text.indexOf('资产规模变动'))
    expect(text).toContain('WM01')
    setLocale('en-US')
    await flushPromises()
    expect(w.find('[data-testid="events-timeline"]').text()).toContain('Holding matures soon')
  })
})
