import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError, call, configureHttp, queryString } from '@/api/http'
import { endpoints, expand } from '@/api/endpoints'

function answer(status: number, body?: unknown, headers: Record<string, string> = {}) {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  })
}

describe('the fetch wrapper', () => {
  const fetchMock = vi.fn()
  const hooks = {
    csrfToken: vi.fn(() => 'csrf-123'),
    notify: vi.fn(),
    onUnauthenticated: vi.fn(),
    onStepRequired: vi.fn(),
    locale: vi.fn(() => 'zh-CN'),
  }

  beforeEach(() => {
    vi.stubGlobal('fetch', fetchMock)
    configureHttp(hooks)
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    fetchMock.mockReset()
    Object.values(hooks).forEach((h) => h.mockClear())
  })

  const sent = () => fetchMock.mock.calls[0] as [string, RequestInit]
  const header = (name: string) => (sent()[1].headers as Record<string, string>)[name]

  it("sends the console's language so the server answers in it", async () => {
    fetchMock.mockResolvedValueOnce(answer(200, { items: [] }))
    await call(endpoints.orgNodes)
    expect(header('Accept-Language')).toBe('zh-CN')
  })

  it('sends the CSRF token with state-changing requests only', async () => {
    fetchMock.mockResolvedValueOnce(answer(200, { items: [] }))
    await call(endpoints.orgNodes)
    expect(header('X-CSRF-Token')).toBeUndefined()
    expect(sent()[1].credentials).toBe('same-origin')

    for (const e of [endpoints.orgCreate, endpoints.orgRename, endpoints.tokenRevoke]) {
      fetchMock.mockReset()
      fetchMock.mockResolvedValueOnce(answer(204))
      await call(e, { params: { node_id: 'n1', token_id: 't1' }, body: e.method === 'DELETE' ? undefined : { a: 1 } })
      expect(header('X-CSRF-Token')).toBe('csrf-123')
    }
  })

  it('sends JSON bodies and builds URLs with encoded parameters and query', async () => {
    fetchMock.mockResolvedValueOnce(answer(200, { ok: true }))
    await call(endpoints.staffMove, { params: { staff_id: 'a/b' }, body: { node_id: 'x' } })
    expect(sent()[0]).toBe('/api/v1/staff/a%2Fb/move')
    expect(header('Content-Type')).toBe('application/json')
    expect(sent()[1].body).toBe('{"node_id":"x"}')
    expect(queryString({ q: '张三', page: 2, empty: '', none: undefined })).toBe('?q=%E5%BC%A0%E4%B8%89&page=2')
    expect(() => expand(endpoints.staffGet)).toThrow(/staff_id/)
  })

  it('answers undefined for 204', async () => {
    fetchMock.mockResolvedValueOnce(answer(204))
    await expect(call(endpoints.logout)).resolves.toBeUndefined()
  })

  it("maps the error envelope to an ApiError and toasts the server's message", async () => {
    fetchMock.mockResolvedValueOnce(
      answer(409, { error: { code: 'conflict', message: 'system_admin and auditor cannot be held by one person', request_id: 'r1' } }),
    )
    const err = await call(endpoints.staffGrant, { params: { staff_id: 's' }, body: { role: 'auditor' } }).catch((e) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ status: 409, code: 'conflict', requestId: 'r1' })
    expect(hooks.notify).toHaveBeenCalledWith('system_admin and auditor cannot be held by one person', err)
  })

  it('stays quiet when asked, and survives a body that is not JSON', async () => {
    fetchMock.mockResolvedValueOnce(new Response('boom', { status: 502, statusText: 'Bad Gateway' }))
    const err = await call(endpoints.systemStatus, { quiet: true }).catch((e) => e)
    expect(err).toMatchObject({ status: 502, code: 'http_502' })
    expect(hooks.notify).not.toHaveBeenCalled()
  })

  it('sends a 401 to login, except for an authentication step', async () => {
    fetchMock.mockResolvedValueOnce(answer(401, { error: { code: 'unauthenticated', message: 'log in' } }))
    await call(endpoints.orgNodes).catch(() => undefined)
    expect(hooks.onUnauthenticated).toHaveBeenCalledTimes(1)

    fetchMock.mockResolvedValueOnce(answer(401, { error: { code: 'invalid_credentials', message: 'wrong' } }))
    const err = (await call(endpoints.login, { body: {}, authStep: true, quiet: true }).catch((e: unknown) => e)) as ApiError
    expect(err.code).toBe('invalid_credentials')
    expect(hooks.onUnauthenticated).toHaveBeenCalledTimes(1)
  })

  it('sends the pending steps to their screens', async () => {
    fetchMock.mockResolvedValueOnce(answer(403, { error: { code: 'password_change_required', message: 'x' } }))
    await call(endpoints.orgNodes).catch(() => undefined)
    expect(hooks.onStepRequired).toHaveBeenLastCalledWith('password_change', expect.any(ApiError))

    fetchMock.mockResolvedValueOnce(answer(403, { error: { code: 'second_factor_required', message: 'x' } }))
    await call(endpoints.orgNodes).catch(() => undefined)
    expect(hooks.onStepRequired).toHaveBeenLastCalledWith('second_factor', expect.any(ApiError))
    expect(hooks.notify).not.toHaveBeenCalled()
  })

  it('reports a network failure', async () => {
    fetchMock.mockRejectedValueOnce(new TypeError('Failed to fetch'))
    const err = await call(endpoints.me).catch((e) => e)
    expect(err).toMatchObject({ status: 0, code: 'network' })
    expect(hooks.notify).toHaveBeenCalledTimes(1)
  })
})
