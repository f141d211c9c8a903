// Exports and approvals: masked by default, in clear only with a real reason and approval, downloads through
// re-authentication when asked, and approvers decide with a note.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import ElementPlus from 'element-plus'
import { i18n, setLocale } from '@/i18n'
import { configureHttp, dispositionName } from '@/api/http'
import { useAuthStore } from '@/stores/auth'
import { useReauthStore } from '@/stores/reauth'
import type { ExportView, Permission } from '@/api/types'
import { downloadable, exportBody, exportFileName, exportRequestProblem } from '@/utils/exports'
import ExportRequestDialog from '@/views/exports/ExportRequestDialog.vue'
import ExportsView from '@/views/exports/ExportsView.vue'
import ApprovalsView from '@/views/exports/ApprovalsView.vue'
import ReauthDialog from '@/components/ReauthDialog.vue'

const json = (status: number, body?: unknown) =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
const csv = (text: string) =>
  new Response(text, {
    status: 200,
    headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="customers-x.csv"', 'X-Export-SHA256': 'ab' },
  })

let pinia: Pinia
const fetchMock = vi.fn()
const saved: { href: string; download: string }[] = []

function plugins() {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div/>' } }] })
  return [pinia, i18n, ElementPlus, router]
}
function signIn(permissions: Permission[]) {
  const auth = useAuthStore()
  auth.stage = 'full'
  auth.me = { id: 'u1', username: 'op1', roles: [], permissions, stage: 'full', csrf_token: 'tok', has_second_factor: true }
}
const $ = <E extends Element = HTMLElement>(id: string) => document.querySelector(`[data-testid="${id}"]`) as E | null
async function type(id: string, value: string) {
  const el = document.querySelector(`input[data-testid="${id}"], textarea[data-testid="${id}"]`) as HTMLInputElement
  el.value = value
  el.dispatchEvent(new Event('input'))
  await flushPromises()
}

const EXPORT: ExportView = {
  id: 'x-1',
  kind: 'customers',
  masked: false,
  node_id: 'n-1',
  reason: '季度监管报送核对客户名单',
  status: 'approved',
  requested_by: 's-op',
  requested_at: '2026-11-30T02:00:00Z',
  decided_by: 's-sec',
  decided_at: '2026-11-30T02:10:00Z',
  decision_note: '同意',
  expires_at: '2026-12-01T02:10:00Z',
  downloads: 0,
  sha256: null,
  rows: 3,
}

beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
  fetchMock.mockReset()
  vi.stubGlobal('fetch', fetchMock)
  configureHttp({ csrfToken: () => 'tok' })
  setLocale('zh-CN')
  saved.length = 0
  vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: () => 'blob:x', revokeObjectURL: () => undefined }))
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    saved.push({ href: this.href, download: this.download })
  })
})
afterEach(() => {
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
  document.body.innerHTML = ''
})

describe('export rules', () => {
  it('asks a reason of everyone and 10 characters for an export in clear', () => {
    expect(exportRequestProblem(true, '  ')).toBe('exports.reasonRequired')
    expect(exportRequestProblem(true, '月度核对')).toBeNull()
    expect(exportRequestProblem(false, '月度核对')).toBe('exports.reasonTooShort')
    expect(exportRequestProblem(false, '季度监管报送核对客户名单')).toBeNull()
    expect(exportRequestProblem(true, 'x'.repeat(501))).toBe('exports.reasonTooLong')
    expect(exportBody(true, ' a ', undefined)).toEqual({ kind: 'customers', masked: true, reason: 'a' })
    expect(exportBody(false, 'r', 'n-2')).toEqual({ kind: 'customers', masked: false, reason: 'r', node_id: 'n-2' })
  })

  it('downloads a masked export while ready and one in clear once approved', () => {
    expect(downloadable({ masked: true, status: 'ready' })).toBe(true)
    expect(downloadable({ masked: false, status: 'pending_approval' })).toBe(false)
    expect(downloadable({ masked: false, status: 'approved' })).toBe(true)
    expect(downloadable({ masked: false, status: 'downloaded' })).toBe(false)
    expect(exportFileName({ id: 'abcdef123456', masked: false }, null)).toBe('customers-clear-abcdef12.csv')
    expect(dispositionName('attachment; filename="e.csv"')).toBe('e.csv')
    expect(dispositionName("attachment; filename*=UTF-8''%E5%AE%A2.csv")).toBe('客.csv')
    expect(dispositionName(null)).toBeNull()
  })
})

describe('the export request dialog', () => {
  it('is masked by default and sends a masked request', async () => {
    signIn(['data.export', 'pii.unmask'])
    fetchMock.mockResolvedValue(json(201, { ...EXPORT, masked: true, status: 'ready' }))
    const w = mount(ExportRequestDialog, { props: { modelValue: true }, global: { plugins: plugins() }, attachTo: document.body })
    await flushPromises()
    expect($('export-needs-approval')).toBeNull()
    await type('export-reason', '月度核对')
    $<HTMLButtonElement>('export-submit')!.click()
    await flushPromises()
    const call = fetchMock.mock.calls.find((c) => (c as [string])[0] === '/api/v1/exports') as [string, RequestInit]
    expect(call[1].method).toBe('POST')
    expect(JSON.parse(call[1].body as string)).toEqual({ kind: 'customers', masked: true, reason: '月度核对' })
    expect(w.emitted('created')).toHaveLength(1)
  })

  it('says an export in clear needs approval and refuses a short reason in the browser', async () => {
    signIn(['data.export', 'pii.unmask'])
    const w = mount(ExportRequestDialog, { props: { modelValue: true }, global: { plugins: plugins() }, attachTo: document.body })
    await flushPromises()
    ;(document.querySelector('[data-testid="export-masked-no"] input') as HTMLInputElement).click()
    await flushPromises()
    expect($('export-needs-approval')?.textContent).toContain('需要另一位有审批权限的人员批准')
    await type('export-reason', '月度核对')
    expect($('export-counter')?.textContent).toContain('已输入 4 字，至少 10 字')
    const ok = await (w.vm as unknown as { submit: () => Promise<boolean> }).submit()
    await flushPromises()
    expect(ok).toBe(false)
    expect($('export-problem')?.textContent).toContain('至少需要 10 个字')
    expect(fetchMock.mock.calls.filter((c) => (c as [string])[0] === '/api/v1/exports')).toHaveLength(0)
  })

  it('offers no export in clear without pii.unmask', async () => {
    signIn(['data.export'])
    mount(ExportRequestDialog, { props: { modelValue: true }, global: { plugins: plugins() }, attachTo: document.body })
    await flushPromises()
    expect($('export-masked-no')).toBeNull()
  })
})

describe('the exports screen', () => {
  it('downloads an approved export in clear through re-authentication, once', async () => {
    signIn(['data.export', 'pii.unmask'])
    const Host = defineComponent({ setup: () => () => [h(ExportsView), h(ReauthDialog)] })
    fetchMock.mockImplementation(async (url: string) => {
      if (url === '/api/v1/exports') return json(200, { items: [EXPORT] })
      if (url === '/api/v1/auth/reauth') return new Response(null, { status: 204 })
      if (url === '/api/v1/exports/x-1/download') {
        const n = fetchMock.mock.calls.filter((c) => (c as [string])[0] === url).length
        return n === 1 ? json(403, { error: { code: 'reauth_required', message: 'reauth' } }) : csv('\ufeffid\n1\n')
      }
      return json(404, { error: { code: 'not_found', message: 'no' } })
    })
    const w = mount(Host, { global: { plugins: plugins() }, attachTo: document.body })
    await flushPromises()
    expect(w.find('[data-testid="exports-table"]').text()).toContain('已批准')
    await w.find('[data-testid="export-download-x-1"]').trigger('click')
    await flushPromises()
    expect(useReauthStore().open).toBe(true)
    await type('reauth-password', 'Lantern-river-1!')
    await type('reauth-code', '123456')
    $<HTMLButtonElement>('reauth-submit')!.click()
    await flushPromises()
    const urls = fetchMock.mock.calls.map((c) => (c as [string])[0]).filter((u) => u !== '/api/v1/exports')
    expect(urls).toEqual(['/api/v1/exports/x-1/download', '/api/v1/auth/reauth', '/api/v1/exports/x-1/download'])
    expect(saved).toEqual([{ href: 'blob:x', download: 'customers-x.csv' }])
  })

  it('lists a pending request without a download', async () => {
    signIn(['data.export'])
    fetchMock.mockResolvedValue(json(200, { items: [{ ...EXPORT, status: 'pending_approval' }] }))
    const w = mount(ExportsView, { global: { plugins: plugins() } })
    await flushPromises()
    expect(w.find('[data-testid="exports-table"]').text()).toContain('待审批')
    expect(w.find('[data-testid="export-download-x-1"]').exists()).toBe(false)
  })
})

describe('the approvals screen', () => {
  it('shows the pending requests with requester, reason and rows, and approves with a note', async () => {
    signIn(['export.approve', 'staff.read'])
    const pending = { ...EXPORT, status: 'pending_approval', decided_by: null, decided_at: null, decision_note: null }
    fetchMock.mockImplementation(async (url: string, init?: RequestInit) => {
      if (url === '/api/v1/export-approvals') return json(200, { items: [pending, { ...EXPORT, id: 'x-0', status: 'downloaded' }] })
      if (url === '/api/v1/staff/s-op') return json(200, { id: 's-op', employee_no: 'H001', name: '赵运营', status: 'active', roles: [] })
      if (url === '/api/v1/exports/x-1/approve' && init?.method === 'POST') return json(200, { ...pending, status: 'approved' })
      return json(404, { error: { code: 'not_found', message: 'no' } })
    })
    const w = mount(ApprovalsView, { global: { plugins: plugins() }, attachTo: document.body })
    await flushPromises()
    const table = w.find('[data-testid="approvals-table"]').text()
    expect(table).toContain('季度监管报送核对客户名单')
    expect(w.find('[data-testid="approval-requester-x-1"]').text()).toBe('赵运营（H001）')
    expect(w.find('[data-testid="approval-approve-x-0"]').exists()).toBe(false)
    expect(table).not.toContain('已下载')
    await w.find('[data-testid="approval-approve-x-1"]').trigger('click')
    await flushPromises()
    expect($('approval-dialog')?.textContent).toContain('下载一次明文')
    await type('approval-note', '已核对，同意')
    $<HTMLButtonElement>('approval-confirm')!.click()
    await flushPromises()
    const call = fetchMock.mock.calls.find((c) => (c as [string])[0] === '/api/v1/exports/x-1/approve') as [string, RequestInit]
    expect(JSON.parse(call[1].body as string)).toEqual({ note: '已核对，同意' })
    expect((call[1].headers as Record<string, string>)['X-CSRF-Token']).toBe('tok')
  })

  it("shows the server's refusal of one's own request in place", async () => {
    signIn(['export.approve'])
    const pending = { ...EXPORT, status: 'pending_approval' }
    fetchMock.mockImplementation(async (url: string) => {
      if (url === '/api/v1/export-approvals') return json(200, { items: [pending] })
      return json(403, { error: { code: 'export_own_request', message: '不能审批本人的导出申请' } })
    })
    const w = mount(ApprovalsView, { global: { plugins: plugins() }, attachTo: document.body })
    await flushPromises()
    await w.find('[data-testid="approval-reject-x-1"]').trigger('click')
    await flushPromises()
    const ok = await (w.vm as unknown as { decide: () => Promise<boolean> }).decide()
    await flushPromises()
    expect(ok).toBe(false)
    expect($('approval-refusal')?.textContent).toContain('不能审批本人的导出申请')
  })
})
