// Customer 360, SMS: the customer's messages shown by status (never a text or a number); the form for holders of
// customer.sms sends nothing empty, too long or with control characters, sends the text only (the server picks
// the customer's own mobile), and shows the server's refusal (the egress guard, an opt-out) in place.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import ElementPlus from 'element-plus'
import { i18n, setLocale } from '@/i18n'
import { configureHttp } from '@/api/http'
import { useAuthStore } from '@/stores/auth'
import type { Permission, SmsView } from '@/api/types'
import { MAX_SMS_CHARS, smsBody, smsProblem } from '@/utils/sms'
import SmsSection from '@/views/customers/SmsSection.vue'

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
  auth.me = { id: 'u1', username: 'rm1', roles: ['rm'], permissions, stage: 'full', csrf_token: 'tok' }
}

const SENT: SmsView = {
  id: 'm-1',
  customer_id: 'c-1',
  status: 'sent',
  attempts: 1,
  last_error: null,
  requested_by: 's-7',
  created_at: '2026-11-30T03:04:05Z',
  sent_at: '2026-11-30T03:05:00Z',
}
const FAILED: SmsView = { ...SENT, id: 'm-2', status: 'failed', last_error: 'the gateway refused the message: HTTP 422 invalid_mobile', sent_at: null }

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

describe('the SMS text rules', () => {
  it('count as the server does and name the problem', () => {
    expect(smsProblem('   ')).toBe('empty')
    expect(smsProblem('短'.repeat(MAX_SMS_CHARS + 1))).toBe('tooLong')
    expect(smsProblem(' ' + '短'.repeat(MAX_SMS_CHARS) + ' ')).toBeNull()
    expect(smsProblem('您好\u0007')).toBe('control')
    expect(smsProblem('您好\n周末沙龙')).toBeNull()
    expect(smsProblem('𠀀'.repeat(MAX_SMS_CHARS))).toBeNull() // one character each, as the server counts
  })

  it('build a body of the trimmed text only', () => {
    expect(smsBody(' ')).toBeNull()
    expect(smsBody(' 您好，周末沙龙 ')).toEqual({ text: '您好，周末沙龙' })
  })
})

describe('the SMS section', () => {
  it('lists the messages by status, without a form for those who may not send', async () => {
    signIn(['customer.read'])
    fetchMock.mockResolvedValueOnce(json(200, { items: [FAILED, SENT] }))
    const w = mount(SmsSection, { props: { customerId: 'c-1' }, global: { plugins: plugins() } })
    await flushPromises()
    expect(fetchMock.mock.calls[0][0]).toBe('/api/v1/customers/c-1/sms')
    expect(w.find('[data-testid="sms-status-m-1"]').text()).toBe('已发送')
    expect(w.find('[data-testid="sms-status-m-2"]').text()).toBe('发送失败')
    expect(w.find('[data-testid="sms-table"]').text()).toContain('invalid_mobile')
    expect(w.find('[data-testid="sms-form"]').exists()).toBe(false)
    setLocale('en-US')
    await flushPromises()
    expect(w.find('[data-testid="sms-status-m-1"]').text()).toBe('Sent')
  })

  it('says when there is nothing, or when the list could not be loaded', async () => {
    signIn(['customer.read'])
    fetchMock.mockResolvedValueOnce(json(200, { items: [] }))
    let w = mount(SmsSection, { props: { customerId: 'c-1' }, global: { plugins: plugins() } })
    await flushPromises()
    expect(w.find('[data-testid="sms-empty"]').text()).toContain('尚未向该客户发送短信')
    fetchMock.mockResolvedValueOnce(json(404, { error: { code: 'not_found', message: 'not found' } }))
    w = mount(SmsSection, { props: { customerId: 'c-2' }, global: { plugins: plugins() } })
    await flushPromises()
    expect(w.find('[data-testid="sms-empty"]').text()).toContain('短信记录加载失败')
  })

  it('sends nothing empty, then posts the text only and shows the queued message', async () => {
    signIn(['customer.read', 'customer.sms'])
    fetchMock.mockResolvedValueOnce(json(200, { items: [SENT] }))
    const w = mount(SmsSection, { props: { customerId: 'c-1' }, global: { plugins: plugins() }, attachTo: document.body })
    await flushPromises()
    await w.find('[data-testid="sms-submit"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="sms-error-empty"]').text()).toBe('请填写短信内容')
    expect(fetchMock).toHaveBeenCalledTimes(1)

    await w.find('textarea[data-testid="sms-text"]').setValue(' 您好，本周六有理财沙龙 ')
    fetchMock.mockResolvedValueOnce(json(202, { ...SENT, id: 'm-3', status: 'pending', attempts: 0, sent_at: null }))
    await w.find('[data-testid="sms-submit"]').trigger('click')
    await flushPromises()
    const [url, init] = fetchMock.mock.calls[1] as [string, RequestInit]
    expect(url).toBe('/api/v1/customers/c-1/sms')
    expect(init.method).toBe('POST')
    expect(new Headers(init.headers).get('X-CSRF-Token')).toBe('tok')
    expect(JSON.parse(String(init.body))).toEqual({ text: '您好，本周六有理财沙龙' })
    expect(w.find('[data-testid="sms-status-m-3"]').text()).toBe('待发送')
    expect((w.find('textarea[data-testid="sms-text"]').element as HTMLTextAreaElement).value).toBe('')
    w.unmount()
  })

  it("shows the egress guard's refusal in place and keeps the text to edit", async () => {
    signIn(['customer.read', 'customer.sms'])
    fetchMock.mockResolvedValueOnce(json(200, { items: [] }))
    const w = mount(SmsSection, { props: { customerId: 'c-1' }, global: { plugins: plugins() }, attachTo: document.body })
    await flushPromises()
    await w.find('textarea[data-testid="sms-text"]').setValue('请联系 13800138000')
    fetchMock.mockResolvedValueOnce(
      json(409, { error: { code: 'egress_blocked', message: '个人信息（mobile）不得发送出行：138****8000' } }),
    )
    await w.find('[data-testid="sms-submit"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="sms-refusal"]').text()).toContain('138****8000')
    expect((w.find('textarea[data-testid="sms-text"]').element as HTMLTextAreaElement).value).toBe('请联系 13800138000')
    expect(w.find('[data-testid="sms-empty"]').exists()).toBe(true)
    w.unmount()
  })
})
