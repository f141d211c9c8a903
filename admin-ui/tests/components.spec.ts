import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import ElementPlus from 'element-plus'
import { i18n, setLocale } from '@/i18n'
import { configureHttp } from '@/api/http'
import LoginView from '@/views/auth/LoginView.vue'
import StaffRolesTab from '@/views/staff/StaffRolesTab.vue'
import LangSwitch from '@/components/LangSwitch.vue'
import { useAuthStore } from '@/stores/auth'
import { useRolesStore } from '@/stores/roles'
import type { Staff } from '@/api/types'

const json = (status: number, body?: unknown) =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

let pinia: Pinia
const fetchMock = vi.fn()

function plugins() {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div/>' } }] })
  return [pinia, i18n, ElementPlus, router]
}

beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
  fetchMock.mockReset()
  vi.stubGlobal('fetch', fetchMock)
  configureHttp({ csrfToken: () => 'tok' })
  setLocale('zh-CN')
})
afterEach(() => vi.unstubAllGlobals())

describe('the login screen', () => {
  it('explains a lockout instead of a wrong password', async () => {
    fetchMock.mockResolvedValue(json(423, { error: { code: 'account_locked', message: 'account locked' } }))
    const w = mount(LoginView, { global: { plugins: plugins() }, attachTo: document.body })
    await w.find('input[data-testid="login-username"]').setValue('zhang.san')
    await w.find('input[data-testid="login-password"]').setValue('whatever')
    await w.find('form').trigger('submit')
    await flushPromises()
    await new Promise((r) => setTimeout(r, 0))
    await flushPromises()
    const locked = w.find('[data-testid="login-locked"]')
    expect(locked.exists()).toBe(true)
    expect(locked.text()).toContain('锁定')
    expect(fetchMock).toHaveBeenCalledWith('/api/v1/auth/login', expect.objectContaining({ method: 'POST' }))
    w.unmount()
  })

  it('switches language and remembers it', async () => {
    const w = mount(LangSwitch, { global: { plugins: plugins() } })
    await w.find('[data-testid="lang-en"] input').setValue(true)
    expect(i18n.global.locale.value).toBe('en-US')
    expect(localStorage.getItem('siyu.locale')).toBe('en-US')
    setLocale('zh-CN')
    w.unmount()
  })
})

describe('the roles tab', () => {
  const person: Staff = { id: 's1', employee_no: 'E1', name: '王五', status: 'active', roles: ['system_admin'] }

  function setup() {
    const roles = useRolesStore()
    roles.roles = [
      { code: 'system_admin', name_zh: '系统管理员', name_en: 'System administrator', permissions: [], admin_duty: true, requires_second_factor: true },
      { code: 'auditor', name_zh: '审计管理员', name_en: 'Auditor', permissions: [], admin_duty: true, requires_second_factor: true },
      { code: 'rm', name_zh: '客户经理', name_en: 'Relationship manager', permissions: [], admin_duty: false, requires_second_factor: false },
    ]
    roles.loaded = true
    const auth = useAuthStore()
    auth.stage = 'full'
    auth.me = { id: 'u0', username: 'admin1', roles: ['system_admin'], permissions: ['role.assign'], stage: 'full', csrf_token: 'tok', staff: { id: 'other' } }
  }

  it("shows the rule, marks the conflict and shows the server's refusal", async () => {
    setup()
    const message = 'separation of duties: system_admin and auditor cannot be held by one person'
    fetchMock.mockResolvedValue(json(409, { error: { code: 'separation_of_duties', message } }))
    const w = mount(StaffRolesTab, { props: { person }, global: { plugins: plugins() } })
    expect(w.find('[data-testid="sod-rule"]').text()).toContain('三权分立')
    // The choice is not blocked in the browser: the server has the last word.
    ;(w.vm.$ as unknown as { setupState: { chosen: string } }).setupState.chosen = 'auditor'
    await flushPromises()
    expect(w.text()).toContain('已担任「系统管理员」，不能再授予「审计管理员」')
    await w.find('[data-testid="grant-role-submit"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="sod-refusal"]').text()).toContain(message)
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit]
    expect(url).toBe('/api/v1/staff/s1/roles')
    expect(init.body).toBe('{"role":"auditor"}')
    expect((init.headers as Record<string, string>)['X-CSRF-Token']).toBe('tok')
  })

  it('refuses to let people change their own roles', async () => {
    setup()
    useAuthStore().me!.staff = { id: 's1' }
    const w = mount(StaffRolesTab, { props: { person }, global: { plugins: plugins() } })
    expect(w.text()).toContain('不能修改自己的角色')
    expect(w.find('[data-testid="grant-role-submit"]').exists()).toBe(false)
  })
})
