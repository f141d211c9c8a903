// The one place the console talks HTTP. It sends the session cookie (same origin), adds the CSRF token to
// every state-changing request, turns the server's error envelope into an ApiError, shows its message, and
// hands authentication errors to the hooks the app installs (go to login, to password change, to TOTP).

import { expand, type Endpoint } from './endpoints'
import type { ApiErrorBody } from './types'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
    readonly details?: unknown,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

export interface HttpHooks {
  /** The CSRF token of the current session, if any. */
  csrfToken(): string | null
  /** Shows an error to the user (a toast in the app). */
  notify(message: string, err: ApiError): void
  /** The session is gone or never existed. */
  onUnauthenticated(err: ApiError): void
  /** The session has to pass a step first: `password_change` or `second_factor`. */
  onStepRequired(step: 'password_change' | 'second_factor', err: ApiError): void
  /** The console's language, sent as Accept-Language so the server's messages match it. */
  locale(): string | null
}

const noHooks: HttpHooks = {
  csrfToken: () => null,
  notify: () => {},
  onUnauthenticated: () => {},
  onStepRequired: () => {},
  locale: () => null,
}

let hooks: HttpHooks = noHooks

export function configureHttp(h: Partial<HttpHooks>): void {
  hooks = { ...noHooks, ...h }
}

export interface CallOptions {
  params?: Record<string, string | number>
  query?: object
  body?: unknown
  /** Do not toast errors: the caller shows them in place. */
  quiet?: boolean
  /** An authentication step: a 401 here is a wrong answer, not a lost session. */
  authStep?: boolean
  signal?: AbortSignal
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** `?a=1&b=x` from the defined, non-empty values of `query`. */
export function queryString(query: object | undefined): string {
  if (!query) return ''
  const sp = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue
    sp.append(k, String(v))
  }
  const s = sp.toString()
  return s ? `?${s}` : ''
}

async function errorFrom(res: Response): Promise<ApiError> {
  let body: Partial<ApiErrorBody> | null = null
  try {
    body = (await res.json()) as Partial<ApiErrorBody>
  } catch {
    body = null
  }
  const e = body?.error
  const requestId = e?.request_id ?? res.headers.get('X-Request-Id') ?? undefined
  if (e && typeof e.code === 'string') {
    return new ApiError(res.status, e.code, e.message || e.code, requestId, e.details)
  }
  return new ApiError(res.status, `http_${res.status}`, res.statusText || `HTTP ${res.status}`, requestId)
}

function dispatch(err: ApiError, opts: CallOptions): void {
  if (err.code === 'password_change_required') {
    hooks.onStepRequired('password_change', err)
    return
  }
  if (err.code === 'second_factor_required') {
    hooks.onStepRequired('second_factor', err)
    return
  }
  if (err.status === 401 && !opts.authStep) {
    hooks.onUnauthenticated(err)
    return
  }
  if (!opts.quiet) hooks.notify(err.message, err)
}

async function send(e: Endpoint, opts: CallOptions, accept: string): Promise<Response> {
  const headers: Record<string, string> = { Accept: accept }
  const locale = hooks.locale()
  if (locale) headers['Accept-Language'] = locale
  if (UNSAFE.has(e.method)) {
    const token = hooks.csrfToken()
    if (token) headers['X-CSRF-Token'] = token
  }
  let body: string | undefined
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.body)
  }
  const url = expand(e, opts.params) + queryString(opts.query)
  let res: Response
  try {
    res = await fetch(url, { method: e.method, headers, body, credentials: 'same-origin', signal: opts.signal })
  } catch (cause) {
    const err = new ApiError(0, 'network', cause instanceof Error ? cause.message : String(cause))
    if (!opts.quiet) hooks.notify(err.message, err)
    throw err
  }
  if (!res.ok) {
    const err = await errorFrom(res)
    dispatch(err, opts)
    throw err
  }
  return res
}

/** Calls `e` and returns its JSON answer (undefined for 204). Throws ApiError on any non-2xx answer. */
export async function call<T>(e: Endpoint, opts: CallOptions = {}): Promise<T> {
  const res = await send(e, opts, 'application/json')
  if (res.status === 204) return undefined as T
  const text = await res.text()
  return (text ? JSON.parse(text) : undefined) as T
}

/** A file the server answered: its bytes, the name it suggests and the checksum it announces. */
export interface FileAnswer {
  blob: Blob
  filename: string | null
  sha256: string | null
}

/** The file name of a `Content-Disposition` header (`filename*=UTF-8''…` preferred), or null. */
export function dispositionName(header: string | null): string | null {
  if (!header) return null
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header)
  if (star) {
    try {
      return decodeURIComponent(star[1].trim())
    } catch {
      // fall through to the plain name
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(header)
  return plain ? plain[1].trim() : null
}

/** Calls `e` for a file (a CSV export): errors are handled as for `call`, the answer is kept as bytes. */
export async function fetchFile(e: Endpoint, opts: CallOptions = {}): Promise<FileAnswer> {
  const res = await send(e, opts, '*/*')
  return {
    blob: await res.blob(),
    filename: dispositionName(res.headers.get('Content-Disposition')),
    sha256: res.headers.get('X-Export-SHA256'),
  }
}

/** Reads a probe outside the API (`/readyz`), answering whether it said 2xx. */
export async function probe(path: string): Promise<boolean> {
  try {
    const res = await fetch(path, { credentials: 'same-origin' })
    return res.ok
  } catch {
    return false
  }
}
