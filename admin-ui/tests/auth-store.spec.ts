import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { configureHttp } from '@/api/http'
import { useAuthStore } from '@/stores/auth'

type Reply = [number, unknown?]
const json = ([status, body]: Reply) =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

const me = (stage: string, extra: object = {}) => ({
  id: 'u1',
  username: 'zhang.san',
  roles: ['system_admin'],
  permissions: ['org.read', 'org.write'],
  stage,
  csrf_token: 'csrf-me',
  ...extra,
})

describe('the auth store', () => {
  const fetchMock = vi.fn()
  let replies: Record<string, Reply[]>

  beforeEach(() => {
    setActivePinia(createPinia())
    replies = {}
    fetchMock.mockReset()
    fetchMock.mockImplementation(async (url: string, init: RequestInit) => {
      const key = `${init.method} ${url}`
      const r = replies[key]?.shift()
      if (!r) throw new Error(`unexpected ${key}`)
      return json(r)
    })
    vi.stubGlobal('fetch', fetchMock)
    const auth = useAuthStore()
    configureHttp({ csrfToken: () => auth.csrfToken })
  })
  afterEach(() => vi.unstubAllGlobals())

  const csrfSent = (i: number) => ((fetchMock.mock.calls[i][1] as RequestInit).headers as Record<string, string>)['X-CSRF-Token']

  it('walks login → password change → TOTP enrolment → full, keeping the newest CSRF token', async () => {
    const auth = useAuthStore()
    replies['POST /api/v1/auth/login'] = [[200, { stage: 'password_change', csrf_token: 'c1' }]]
    replies['POST /api/v1/auth/password'] = [[200, { stage: 'totp_enroll', csrf_token: 'c2' }]]
    replies['POST /api/v1/auth/totp/verify'] = [[200, { stage: 'full', csrf_token: 'c3' }]]
    replies['GET /api/v1/me'] = [[200, me('full', { csrf_token: 'c3' })]]

    expect(await auth.login('zhang.san', 'Initial#Pass1234')).toBe('password_change')
    expect(auth.csrfToken).toBe('c1')
    expect(auth.me).toBeNull()

    expect(await auth.changePassword('Initial#Pass1234', 'Lantern-river-42')).toBe('totp_enroll')
    expect(csrfSent(1)).toBe('c1')
    expect(auth.csrfToken).toBe('c2')

    expect(await auth.verifyTotp('123456')).toBe('full')
    expect(csrfSent(2)).toBe('c2')
    expect(auth.isFull).toBe(true)
    expect(auth.me?.username).toBe('zhang.san')
    expect(auth.can('org.write')).toBe(true)
    expect(auth.can('audit.read')).toBe(false)
  })

  it('goes straight to full when no step is pending, loading /me', async () => {
    const auth = useAuthStore()
    replies['POST /api/v1/auth/login'] = [[200, { stage: 'full', csrf_token: 'c1' }]]
    replies['GET /api/v1/me'] = [[200, me('full')]]
    expect(await auth.login('zhang.san', 'pw')).toBe('full')
    expect(auth.csrfToken).toBe('csrf-me')
  })

  it('keeps the stage and token when a login is refused', async () => {
    const auth = useAuthStore()
    auth.reset()
    replies['POST /api/v1/auth/login'] = [[423, { error: { code: 'account_locked', message: 'locked' } }]]
    await expect(auth.login('x', 'y')).rejects.toMatchObject({ code: 'account_locked', status: 423 })
    expect(auth.stage).toBe('anonymous')
  })

  it('learns the stage of an existing session from /me, and anonymous from a 401', async () => {
    const auth = useAuthStore()
    replies['GET /api/v1/me'] = [[200, me('totp')], [401, { error: { code: 'unauthenticated', message: 'no' } }]]
    expect(await auth.refresh()).toBe('totp')
    expect(auth.csrfToken).toBe('csrf-me')
    expect(await auth.refresh()).toBe('anonymous')
    expect(auth.csrfToken).toBeNull()
  })

  it('forgets everything on logout, even when the server call fails', async () => {
    const auth = useAuthStore()
    auth.applyStage({ stage: 'full', csrf_token: 'c9' })
    replies['POST /api/v1/auth/logout-all'] = [[500, { error: { code: 'internal', message: 'x' } }]]
    await expect(auth.logout(true)).rejects.toBeTruthy()
    expect(csrfSent(0)).toBe('c9')
    expect(auth.stage).toBe('anonymous')
    expect(auth.csrfToken).toBeNull()
  })
})
