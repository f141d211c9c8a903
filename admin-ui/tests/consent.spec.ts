// Customer 360, marketing consent: every channel shown allowed or refused with who, source, reason and time; the
// form for holders of customer.consent sends nothing incomplete and sends the PUT the server expects.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import ElementPlus from 'element-plus'
import { i18n, setLocale } from '@/i18n'
import { configureHttp } from '@/api/http'
import { useAuthStore } from '@/stores/auth'
import type { ConsentView, Permission } from '@/api/types'
import { consentBody, consentProblems, emptyConsentForm } from '@/utils/consent'
import ConsentSection from '@/views/customers/ConsentSection.vue'

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

const open = (channel: string): ConsentView => ({
  channel,
  marketing_allowed: true,
  source: null,
  reason: null,
  updated_by: null,
  updated_at: null,
})
const SMS_REFUSED: ConsentView = {
  channel: 'sms',
  marketing_allowed: false,
  source: 'customer',
  reason: '客户来电要求不再发送营销短信',
  updated_by: 's-42',
  updated_at: '2026-11-30T03:04:05Z',
}
const ALL_OPEN = ['wecom', 'sms', 'phone', 'email', 'post'].map(open)
const WITH_SMS_REFUSED = ALL_OPEN.map((c) => (c.channel === 'sms' ? SMS_REFUSED : c))

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

describe('the consent form rules', () => {
  it('name every missing part, and a reason too long', () => {
    expect(consentProblems(emptyConsentForm())).toEqual(['noChannels', 'noSource', 'noReason'])
    expect(consentProblems({ optedOut: true, channels: ['sms'], source: 'customer', reason: '   ' })).toEqual(['noReason'])
    expect(consentProblems({ optedOut: true, channels: ['sms'], source: 'crm', reason: '退'.repeat(501) })).toEqual(['reasonTooLong'])
    expect(consentProblems({ optedOut: false, channels: ['sms'], source: 'crm', reason: '退'.repeat(500) })).toEqual([])
  })

  it('build the body only for a complete form, trimmed and without repeats', () => {
    expect(consentBody(emptyConsentForm())).toBeNull()
    expect(consentBody({ optedOut: false, channels: ['sms', 'email', 'sms'], source: 'unsubscribe', reason: ' 回复 TD ' })).toEqual({
      channels: ['sms', 'email'],
      opted_out: false,
      source: 'unsubscribe',
      reason: '回复 TD',
    })
  })
})

describe('the consent section', () => {
  it('shows every channel, allowed or refused, with who recorded it, source, reason and time', async () => {
    signIn(['customer.read'])
    fetchMock.mockResolvedValueOnce(json(200, { items: WITH_SMS_REFUSED }))
    const w = mount(ConsentSection, { props: { customerId: 'c-1' }, global: { plugins: plugins() } })
    await flushPromises()
    expect(fetchMock.mock.calls[0][0]).toBe('/api/v1/customers/c-1/consent')
    const table = w.find('[data-testid="consent-table"]').text()
    for (const name of ['企业微信', '短信', '电话', '电子邮件', '信函']) expect(table).toContain(name)
    expect(w.find('[data-testid="consent-status-sms"]').text()).toBe('已拒绝')
    expect(w.find('[data-testid="consent-status-sms"]').attributes('data-allowed')).toBe('false')
    expect(w.find('[data-testid="consent-status-wecom"]').text()).toBe('允许')
    expect(w.find('[data-testid="consent-source-sms"]').text()).toBe('客户本人')
    expect(w.find('[data-testid="consent-reason-sms"]').text()).toBe('客户来电要求不再发送营销短信')
    expect(w.find('[data-testid="consent-reason-wecom"]').text()).toBe('未记录（默认允许）')
    expect(table).toContain('s-42') // no staff.read: the id itself
    expect(table).toMatch(/2026-11-30 \d\d:04:05/)
    // Without customer.consent there is nothing to record with.
    expect(w.find('[data-testid="consent-form"]').exists()).toBe(false)

    setLocale('en-US')
    await flushPromises()
    expect(w.find('[data-testid="consent-status-sms"]').text()).toBe('Refused')
    expect(w.find('[data-testid="consent-source-sms"]').text()).toBe('The customer')
  })

  it('says when the consent could not be loaded', async () => {
    signIn(['customer.read', 'customer.consent'])
    fetchMock.mockResolvedValueOnce(json(404, { error: { code: 'not_found', message: 'not found' } }))
    const w = mount(ConsentSection, { props: { customerId: 'c-1' }, global: { plugins: plugins() } })
    await flushPromises()
    expect(w.find('[data-testid="consent-empty"]').text()).toContain('营销同意信息加载失败')
  })

  it('sends nothing while channels, source or reason are missing', async () => {
    signIn(['customer.read', 'customer.consent'])
    fetchMock.mockResolvedValueOnce(json(200, { items: ALL_OPEN }))
    const w = mount(ConsentSection, { props: { customerId: 'c-1' }, global: { plugins: plugins() }, attachTo: document.body })
    await flushPromises()
    expect(w.find('[data-testid="consent-form"]').exists()).toBe(true)
    expect(w.find('[data-testid="consent-error-noChannels"]').exists()).toBe(false)

    await w.find('[data-testid="consent-submit"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="consent-error-noChannels"]').text()).toBe('请至少选择一个渠道')
    expect(w.find('[data-testid="consent-error-noSource"]').text()).toBe('请选择来源')
    expect(w.find('[data-testid="consent-error-noReason"]').text()).toBe('请填写原因')

    await w.find('[data-testid="consent-channel-sms"] input').setValue(true)
    await w.find('[data-testid="consent-source-option-customer"] input').setValue(true)
    await w.find('textarea[data-testid="consent-reason"]').setValue('   ')
    await w.find('[data-testid="consent-submit"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="consent-error-noChannels"]').exists()).toBe(false)
    expect(w.find('[data-testid="consent-error-noSource"]').exists()).toBe(false)
    expect(w.find('[data-testid="consent-error-noReason"]').exists()).toBe(true)
    expect(fetchMock).toHaveBeenCalledTimes(1) // only the GET
    w.unmount()
  })

  it('records a refusal with a PUT and shows the answer', async () => {
    signIn(['customer.read', 'customer.consent'])
    fetchMock.mockResolvedValueOnce(json(200, { items: ALL_OPEN }))
    const w = mount(ConsentSection, { props: { customerId: 'c-1' }, global: { plugins: plugins() }, attachTo: document.body })
    await flushPromises()
    expect(w.find('[data-testid="consent-submit"]').text()).toBe('记录拒绝')
    await w.find('[data-testid="consent-channel-sms"] input').setValue(true)
    await w.find('[data-testid="consent-source-option-customer"] input').setValue(true)
    await w.find('textarea[data-testid="consent-reason"]').setValue(' 客户来电要求不再发送营销短信 ')

    fetchMock.mockResolvedValueOnce(json(200, { items: WITH_SMS_REFUSED }))
    await w.find('[data-testid="consent-submit"]').trigger('click')
    await flushPromises()
    expect(fetchMock).toHaveBeenCalledTimes(2)
    const [url, init] = fetchMock.mock.calls[1] as [string, RequestInit]
    expect(url).toBe('/api/v1/customers/c-1/consent')
    expect(init.method).toBe('PUT')
    expect(new Headers(init.headers).get('X-CSRF-Token')).toBe('tok')
    expect(JSON.parse(String(init.body))).toEqual({
      channels: ['sms'],
      opted_out: true,
      source: 'customer',
      reason: '客户来电要求不再发送营销短信',
    })
    expect(w.find('[data-testid="consent-status-sms"]').text()).toBe('已拒绝')
    // The form is empty again for the next record.
    expect((w.find('textarea[data-testid="consent-reason"]').element as HTMLTextAreaElement).value).toBe('')
    w.unmount()
  })

  it('records a withdrawal as opted_out false and shows the server refusal in place', async () => {
    signIn(['customer.read', 'customer.consent'])
    fetchMock.mockResolvedValueOnce(json(200, { items: WITH_SMS_REFUSED }))
    const w = mount(ConsentSection, { props: { customerId: 'c-1' }, global: { plugins: plugins() }, attachTo: document.body })
    await flushPromises()
    await w.find('[data-testid="consent-mode-withdraw"] input').setValue(true)
    expect(w.find('[data-testid="consent-submit"]').text()).toBe('记录撤回')
    await w.find('[data-testid="consent-channel-sms"] input').setValue(true)
    await w.find('[data-testid="consent-source-option-crm"] input').setValue(true)
    await w.find('textarea[data-testid="consent-reason"]').setValue('CRM 同步：客户已重新同意')

    fetchMock.mockResolvedValueOnce(json(422, { error: { code: 'validation', message: '原因无效' } }))
    await w.find('[data-testid="consent-submit"]').trigger('click')
    await flushPromises()
    const [, init] = fetchMock.mock.calls[1] as [string, RequestInit]
    expect(JSON.parse(String(init.body))).toMatchObject({ channels: ['sms'], opted_out: false, source: 'crm' })
    expect(w.find('[data-testid="consent-refusal"]').text()).toContain('原因无效')
    expect(w.find('[data-testid="consent-status-sms"]').text()).toBe('已拒绝')
    w.unmount()
  })
})
