// Re-authentication: an action refused with reauth_required opens the dialog, the password and code go to
// /auth/reauth, and the action is retried exactly once; giving up does nothing more.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import ElementPlus from 'element-plus'
import { i18n, setLocale } from '@/i18n'
import { ApiError, configureHttp } from '@/api/http'
import { useAuthStore } from '@/stores/auth'
import { ReauthCancelled, isReauthRequired, useReauthStore, withReauth } from '@/stores/reauth'
import ReauthDialog from '@/components/ReauthDialog.vue'
import UnmaskDialog from '@/views/customers/UnmaskDialog.vue'

const json = (status: number, body?: unknown) =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
const REAUTH = { error: { code: 'reauth_required', message: '请先重新验证密码（及第二因素）' } }

let pinia: Pinia
const fetchMock = vi.fn()

function plugins() {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div/>' } }] })
  return [pinia, i18n, ElementPlus, router]
}

function signIn(hasSecondFactor = true) {
  const auth = useAuthStore()
  auth.stage = 'full'
  auth.me = {
    id: 'u1',
    username: 'op1',
    roles: ['head_office_operator'],
    permissions: ['customer.read', 'pii.unmask', 'data.export'],
    stage: 'full',
    csrf_token: 'tok',
    has_second_factor: hasSecondFactor,
  }
}

const $ = <E extends Element = HTMLElement>(id: string) => document.querySelector(`[data-testid="${id}"]`) as E | null
async function type(id: string, value: string) {
  const el = document.querySelector(`input[data-testid="${id}"], textarea[data-testid="${id}"]`) as HTMLInputElement
  el.value = value
  el.dispatchEvent(new Event('input'))
  await flushPromises()
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

describe('withReauth', () => {
  it('passes an answer or another error straight through', async () => {
    expect(await withReauth(async () => 7)).toBe(7)
    const other = new ApiError(403, 'forbidden', 'no')
    await expect(withReauth(() => Promise.reject(other))).rejects.toBe(other)
    expect(useReauthStore().open).toBe(false)
    expect(isReauthRequired(new ApiError(403, 'reauth_required', 'x'))).toBe(true)
  })

  it('asks, then retries once after the user confirms', async () => {
    const action = vi.fn().mockRejectedValueOnce(new ApiError(403, 'reauth_required', 'again')).mockResolvedValueOnce('ok')
    const run = withReauth(action)
    await flushPromises()
    const store = useReauthStore()
    expect(store.open).toBe(true)
    expect(action).toHaveBeenCalledTimes(1)
    store.finish(true)
    expect(await run).toBe('ok')
    expect(action).toHaveBeenCalledTimes(2)
  })

  it('does not retry a second time when the server still refuses', async () => {
    const refusal = new ApiError(403, 'reauth_required', 'again')
    const action = vi.fn().mockRejectedValue(refusal)
    const run = withReauth(action)
    await flushPromises()
    useReauthStore().finish(true)
    await expect(run).rejects.toBe(refusal)
    expect(action).toHaveBeenCalledTimes(2)
    expect(useReauthStore().open).toBe(false)
  })

  it('gives up without retrying when the dialog is closed', async () => {
    const action = vi.fn().mockRejectedValue(new ApiError(403, 'reauth_required', 'again'))
    const run = withReauth(action)
    await flushPromises()
    useReauthStore().finish(false)
    await expect(run).rejects.toBeInstanceOf(ReauthCancelled)
    expect(action).toHaveBeenCalledTimes(1)
  })
})

describe('the re-authentication dialog', () => {
  it('sends the password and code, and answers the waiting action', async () => {
    signIn(true)
    fetchMock.mockResolvedValue(new Response(null, { status: 204 }))
    const w = mount(ReauthDialog, { global: { plugins: plugins() }, attachTo: document.body })
    const store = useReauthStore()
    const answer = store.ask()
    await flushPromises()
    expect($('reauth-dialog')).toBeTruthy()
    expect($('reauth-hint')?.textContent).toContain('再次输入登录密码')
    expect($<HTMLButtonElement>('reauth-submit')!.disabled).toBe(true)
    await type('reauth-password', 'Lantern-river-1!')
    await type('reauth-code', '12345')
    expect($<HTMLButtonElement>('reauth-submit')!.disabled).toBe(true)
    await type('reauth-code', '123456')
    $<HTMLButtonElement>('reauth-submit')!.click()
    await flushPromises()
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit]
    expect(url).toBe('/api/v1/auth/reauth')
    expect(init.method).toBe('POST')
    expect(JSON.parse(init.body as string)).toEqual({ password: 'Lantern-river-1!', code: '123456' })
    expect((init.headers as Record<string, string>)['X-CSRF-Token']).toBe('tok')
    expect(await answer).toBe(true)
    expect(store.open).toBe(false)
    // The password is not kept anywhere after it was sent.
    expect(JSON.stringify(pinia.state.value)).not.toContain('Lantern-river-1!')
    w.unmount()
  })

  it('asks only for the password when the account has no second factor', async () => {
    signIn(false)
    fetchMock.mockResolvedValue(new Response(null, { status: 204 }))
    const w = mount(ReauthDialog, { global: { plugins: plugins() }, attachTo: document.body })
    const answer = useReauthStore().ask()
    await flushPromises()
    expect($('reauth-code')).toBeNull()
    await type('reauth-password', 'pw-only')
    const ok = await (w.vm as unknown as { submit: () => Promise<boolean> }).submit()
    expect(ok).toBe(true)
    expect(JSON.parse((fetchMock.mock.calls[0] as [string, RequestInit])[1].body as string)).toEqual({ password: 'pw-only' })
    expect(await answer).toBe(true)
    w.unmount()
  })

  it('shows a wrong password in place, stays open and keeps the session', async () => {
    signIn(true)
    const onUnauthenticated = vi.fn()
    configureHttp({ csrfToken: () => 'tok', onUnauthenticated })
    fetchMock.mockResolvedValue(json(401, { error: { code: 'invalid_credentials', message: 'wrong' } }))
    const w = mount(ReauthDialog, { global: { plugins: plugins() }, attachTo: document.body })
    void useReauthStore().ask()
    await flushPromises()
    await type('reauth-password', 'nope')
    await type('reauth-code', '000000')
    const ok = await (w.vm as unknown as { submit: () => Promise<boolean> }).submit()
    await flushPromises()
    expect(ok).toBe(false)
    expect($('reauth-refusal')?.textContent).toContain('密码或动态口令错误')
    expect(useReauthStore().open).toBe(true)
    expect(onUnauthenticated).not.toHaveBeenCalled()
    w.unmount()
  })
})

describe('an unmask on an old session', () => {
  it('opens the dialog, re-authenticates and retries the unmask once', async () => {
    signIn(true)
    const Host = defineComponent({
      setup: () => () => [h(UnmaskDialog, { modelValue: true, customerId: 'c-1', onUnmasked: () => undefined }), h(ReauthDialog)],
    })
    fetchMock
      .mockResolvedValueOnce(json(403, REAUTH))
      .mockResolvedValueOnce(new Response(null, { status: 204 }))
      .mockResolvedValueOnce(json(200, { values: { mobile: '13812345678' } }))
    const w = mount(Host, { global: { plugins: plugins() }, attachTo: document.body })
    await flushPromises()
    await type('unmask-reason', '客户来电办理挂失，需核对身份')
    $<HTMLButtonElement>('unmask-submit')!.click()
    await flushPromises()
    expect(useReauthStore().open).toBe(true)
    expect(fetchMock).toHaveBeenCalledTimes(1)
    await type('reauth-password', 'Lantern-river-1!')
    await type('reauth-code', '654321')
    $<HTMLButtonElement>('reauth-submit')!.click()
    await flushPromises()
    const urls = fetchMock.mock.calls.map((c) => (c as [string])[0])
    expect(urls).toEqual(['/api/v1/customers/c-1/unmask', '/api/v1/auth/reauth', '/api/v1/customers/c-1/unmask'])
    const unmask = w.findComponent(UnmaskDialog)
    expect(unmask.emitted('unmasked')?.[0]).toEqual([{ mobile: '13812345678' }])
    w.unmount()
  })

  it('says nothing was done when the user closes the dialog', async () => {
    signIn(true)
    const Host = defineComponent({
      setup: () => () => [h(UnmaskDialog, { modelValue: true, customerId: 'c-1' }), h(ReauthDialog)],
    })
    fetchMock.mockResolvedValue(json(403, REAUTH))
    const w = mount(Host, { global: { plugins: plugins() }, attachTo: document.body })
    await flushPromises()
    await type('unmask-reason', '客户来电办理挂失，需核对身份')
    $<HTMLButtonElement>('unmask-submit')!.click()
    await flushPromises()
    useReauthStore().finish(false)
    await flushPromises()
    expect(fetchMock).toHaveBeenCalledTimes(1)
    expect($('unmask-refusal')?.textContent).toContain('已取消身份验证')
    w.unmount()
  })
})
