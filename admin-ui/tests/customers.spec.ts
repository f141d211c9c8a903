// The customer screen: identifiers only in POST bodies, an unmask only for a real reason, and clear values that
// live in the drawer alone and go when it closes.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import ElementPlus from 'element-plus'
import { i18n, setLocale } from '@/i18n'
import { configureHttp } from '@/api/http'
import { useAuthStore } from '@/stores/auth'
import type { CustomerView, Permission } from '@/api/types'
import { clearText, fenToYuan, reasonAcceptable, reasonLength, searchBody } from '@/utils/customers'
import UnmaskDialog from '@/views/customers/UnmaskDialog.vue'
import CustomerDrawer from '@/views/customers/CustomerDrawer.vue'
import CustomersView from '@/views/customers/CustomersView.vue'

const json = (status: number, body?: unknown) =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

let pinia: Pinia
const fetchMock = vi.fn()

function plugins() {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div/>' } }] })
  return [pinia, i18n, ElementPlus, router]
}

function signIn(permissions: Permission[]) {
  const auth = useAuthStore()
  auth.stage = 'full'
  auth.me = { id: 'u1', username: 'op1', roles: ['head_office_operator'], permissions, stage: 'full', csrf_token: 'tok' }
}

const CUSTOMER: CustomerView = {
  id: 'c-1',
  customer_no: '6222****0001',
  name: '张*',
  gender: 'male',
  birth_date: '1985-**-**',
  id_number: '1101**********1234',
  mobile: '138****5678',
  risk_level: 'C3',
  risk_assessed_on: '2026-01-05',
  aum_band: '50万-100万',
  node_id: 'n-1',
  rm_staff_id: null,
}
const CLEAR = { name: '张三', mobile: '13812345678', aum_fen: '123456789' }

beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
  fetchMock.mockReset()
  vi.stubGlobal('fetch', fetchMock)
  configureHttp({ csrfToken: () => 'tok' })
  setLocale('zh-CN')
  localStorage.clear()
})
afterEach(() => {
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

describe('customer rules', () => {
  it('search by exactly one trimmed identifier', () => {
    expect(searchBody('mobile', ' 138 1234 5678 ')).toEqual({ mobile: '138 1234 5678' })
    expect(searchBody('id_number', '110101199001011234')).toEqual({ id_number: '110101199001011234' })
    expect(searchBody('customer_no', '   ')).toBeNull()
    expect(searchBody('name_prefix', ' 张 ')).toEqual({ name_prefix: '张' })
  })

  it('counts a reason as the server does: trimmed, one character per Chinese character', () => {
    expect(reasonLength('  because  ')).toBe(7)
    expect(reasonAcceptable('because')).toBe(false)
    expect(reasonAcceptable('          x         ')).toBe(false)
    expect(reasonAcceptable('核对客户身份信息以办理业务')).toBe(true)
    expect(reasonLength('核对客户身份信息以办')).toBe(10)
    expect(reasonLength('𠀀𠀀')).toBe(2)
  })

  it('shows amounts in fen as yuan', () => {
    expect(fenToYuan('123456789')).toBe('1,234,567.89')
    expect(fenToYuan('5')).toBe('0.05')
    expect(fenToYuan('100')).toBe('1.00')
    expect(fenToYuan('-250')).toBe('-2.50')
    expect(fenToYuan('n/a')).toBe('n/a')
    expect(clearText('aum_fen', null)).toBe('—')
    expect(clearText('mobile', '13812345678')).toBe('13812345678')
  })
})

describe('the unmask dialog', () => {
  function mountDialog() {
    return mount(UnmaskDialog, {
      props: { modelValue: true, customerId: 'c-1' },
      global: { plugins: plugins() },
      attachTo: document.body,
    })
  }
  const reasonBox = () => document.querySelector('textarea[data-testid="unmask-reason"]') as HTMLTextAreaElement
  async function typeReason(text: string) {
    const ta = reasonBox()
    ta.value = text
    ta.dispatchEvent(new Event('input'))
    await flushPromises()
  }

  it('refuses a short reason without asking the server, and shows the counter', async () => {
    const w = mountDialog()
    await flushPromises()
    expect(document.querySelector('[data-testid="unmask-audited"]')?.textContent).toContain('审计日志')
    await typeReason('核对身份')
    expect(document.querySelector('[data-testid="unmask-counter"]')?.textContent).toContain('已输入 4 字，至少 10 字')
    const submit = document.querySelector('[data-testid="unmask-submit"]') as HTMLButtonElement
    expect(submit.disabled).toBe(true)
    const ok = await (w.vm as unknown as { submit: () => Promise<boolean> }).submit()
    await flushPromises()
    expect(ok).toBe(false)
    expect(fetchMock).not.toHaveBeenCalled()
    expect(document.querySelector('[data-testid="unmask-too-short"]')?.textContent).toContain('原因至少需要 10 个字')
    w.unmount()
  })

  it('sends the fields and the trimmed reason, and hands the values up', async () => {
    fetchMock.mockResolvedValue(json(200, { values: CLEAR }))
    const w = mountDialog()
    await flushPromises()
    await typeReason('  客户来电办理挂失，需核对身份  ')
    expect((document.querySelector('[data-testid="unmask-submit"]') as HTMLButtonElement).disabled).toBe(false)
    ;(document.querySelector('[data-testid="unmask-submit"]') as HTMLButtonElement).click()
    await flushPromises()
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit]
    expect(url).toBe('/api/v1/customers/c-1/unmask')
    expect(init.method).toBe('POST')
    expect(JSON.parse(init.body as string)).toEqual({
      fields: ['customer_no', 'name', 'birth_date', 'id_number', 'mobile', 'address', 'aum_fen'],
      reason: '客户来电办理挂失，需核对身份',
    })
    expect((init.headers as Record<string, string>)['X-CSRF-Token']).toBe('tok')
    expect(w.emitted('unmasked')?.[0]).toEqual([CLEAR])
    expect(w.emitted('update:modelValue')?.[0]).toEqual([false])
    w.unmount()
  })

  it('explains the daily limit in place', async () => {
    fetchMock.mockResolvedValue(json(429, { error: { code: 'too_many_requests', message: 'too many unmasks today' } }))
    const w = mountDialog()
    await flushPromises()
    await typeReason('客户来电办理挂失，需核对身份')
    const ok = await (w.vm as unknown as { submit: () => Promise<boolean> }).submit()
    await flushPromises()
    expect(ok).toBe(false)
    expect(document.querySelector('[data-testid="unmask-refusal"]')?.textContent).toContain('次数已达上限')
    expect(w.emitted('unmasked')).toBeUndefined()
    w.unmount()
  })
})

describe('the customer drawer', () => {
  function mountDrawer() {
    fetchMock.mockResolvedValue(json(200, CUSTOMER))
    return mount(CustomerDrawer, { props: { modelValue: true, customerId: 'c-1' }, global: { plugins: plugins() } })
  }

  it('shows the masked profile and no unmask action without pii.unmask', async () => {
    signIn(['customer.read'])
    const w = mountDrawer()
    await flushPromises()
    expect(fetchMock.mock.calls[0][0]).toBe('/api/v1/customers/c-1')
    expect(w.find('[data-testid="customer-mobile"]').text()).toBe('138****5678')
    expect(w.find('[data-testid="customer-unmask"]').exists()).toBe(false)
    expect(w.findComponent(UnmaskDialog).exists()).toBe(false)
  })

  it('shows clear values for this view only, and forgets them when it closes', async () => {
    signIn(['customer.read', 'pii.unmask'])
    const w = mountDrawer()
    await flushPromises()
    expect(w.find('[data-testid="customer-unmask"]').exists()).toBe(true)
    w.findComponent(UnmaskDialog).vm.$emit('unmasked', CLEAR)
    await flushPromises()
    expect(w.find('[data-testid="customer-clear-mobile"]').text()).toBe('13812345678')
    expect(w.find('[data-testid="customer-clear-name"]').text()).toBe('张三')
    expect(w.find('[data-testid="customer-clear-aum_fen"]').text()).toBe('1,234,567.89')
    expect(w.find('[data-testid="customer-clear-note"]').text()).toContain('审计日志')
    // Unmasked fields not asked for stay masked.
    expect(w.find('[data-testid="customer-id_number"]').text()).toBe('1101**********1234')
    // Never in a store or the browser's storage.
    expect(JSON.stringify(pinia.state.value)).not.toContain('13812345678')
    expect(JSON.stringify({ ...localStorage })).not.toContain('13812345678')

    await w.setProps({ modelValue: false })
    await flushPromises()
    await w.setProps({ modelValue: true })
    await flushPromises()
    expect(w.find('[data-testid="customer-clear-mobile"]').exists()).toBe(false)
    expect(w.find('[data-testid="customer-clear-note"]').exists()).toBe(false)
    expect(w.text()).not.toContain('13812345678')
  })

  it('forgets clear values when another customer opens', async () => {
    signIn(['customer.read', 'pii.unmask'])
    const w = mountDrawer()
    await flushPromises()
    w.findComponent(UnmaskDialog).vm.$emit('unmasked', CLEAR)
    await flushPromises()
    expect(w.text()).toContain('13812345678')
    fetchMock.mockResolvedValue(json(200, { ...CUSTOMER, id: 'c-2' }))
    await w.setProps({ customerId: 'c-2' })
    await flushPromises()
    expect(w.text()).not.toContain('13812345678')
  })

  it('says "not found" for a customer outside the scope', async () => {
    signIn(['customer.read'])
    fetchMock.mockResolvedValue(json(404, { error: { code: 'not_found', message: 'not found' } }))
    const w = mount(CustomerDrawer, { props: { modelValue: true, customerId: 'c-9' }, global: { plugins: plugins() } })
    await flushPromises()
    expect(w.find('[data-testid="customer-not-found"]').exists()).toBe(true)
  })
})

describe('the customer search', () => {
  it('starts empty, puts the identifier in the POST body (never the URL), and says when nothing matched', async () => {
    signIn(['customer.read'])
    const w = mount(CustomersView, { global: { plugins: plugins() } })
    await flushPromises()
    expect(w.find('[data-testid="customers-start"]').exists()).toBe(true)

    // Nothing typed: refused in place, no request.
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(w.find('[data-testid="customer-search-invalid"]').exists()).toBe(true)
    expect(fetchMock).not.toHaveBeenCalled()

    fetchMock.mockResolvedValue(json(200, { items: [] }))
    ;(w.vm.$ as unknown as { setupState: { form: { key: string } } }).setupState.form.key = 'mobile'
    await w.find('input[data-testid="customer-search-value"]').setValue('13812345678')
    await w.find('form').trigger('submit')
    await flushPromises()
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit]
    expect(url).toBe('/api/v1/customers/search')
    expect(url).not.toContain('138')
    expect(init.method).toBe('POST')
    expect(JSON.parse(init.body as string)).toEqual({ mobile: '13812345678' })
    expect(w.find('[data-testid="customers-none"]').exists()).toBe(true)

    fetchMock.mockResolvedValue(json(200, { items: [CUSTOMER] }))
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(w.find('[data-testid="customer-row-c-1"]').text()).toBe('6222****0001')
    expect(w.text()).toContain('138****5678')
  })

  it('searches by name prefix by default and pages with the server\'s next cursor', async () => {
    signIn(['customer.read'])
    const w = mount(CustomersView, { global: { plugins: plugins() } })
    await flushPromises()
    fetchMock.mockResolvedValueOnce(json(200, { items: [CUSTOMER], next: 'c-1' }))
    await w.find('input[data-testid="customer-search-value"]').setValue('张')
    await w.find('form').trigger('submit')
    await flushPromises()
    let [url, init] = fetchMock.mock.calls[0] as [string, RequestInit]
    expect(url).toBe('/api/v1/customers/search')
    expect(JSON.parse(init.body as string)).toEqual({ name_prefix: '张' })
    fetchMock.mockResolvedValueOnce(json(200, { items: [{ ...CUSTOMER, id: 'c-2' }], next: null }))
    await w.find('[data-testid="customer-search-more"]').trigger('click')
    await flushPromises()
    ;[url, init] = fetchMock.mock.calls[1] as [string, RequestInit]
    expect(JSON.parse(init.body as string)).toEqual({ name_prefix: '张', after: 'c-1' })
    expect(w.find('[data-testid="customer-row-c-2"]').exists()).toBe(true)
    expect(w.find('[data-testid="customer-search-more"]').exists()).toBe(false)
  })
})
