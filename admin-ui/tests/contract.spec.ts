// @vitest-environment node
// The console against the server's OpenAPI document: every route the client calls must exist with its method,
// and the answer fields the screens read must be in the documented answer. The document comes from
// OPENAPI_JSON (a path), else from the snapshot `npm run gen:api` keeps in src/api/openapi.json.
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { API_PREFIX, endpoints, probes, type EndpointName } from '@/api/endpoints'

const snapshot = fileURLToPath(new URL('../src/api/openapi.json', import.meta.url))
const source = process.env.OPENAPI_JSON || (existsSync(snapshot) ? snapshot : '')

type Json = Record<string, unknown>
const doc: Json | null = source ? (JSON.parse(readFileSync(source, 'utf8')) as Json) : null

/** The answer fields each screen relies on. */
const READS: Partial<Record<EndpointName, string[]>> = {
  login: ['stage', 'csrf_token'],
  changePassword: ['stage', 'csrf_token'],
  totpVerify: ['stage', 'csrf_token'],
  totpEnroll: ['secret', 'otpauth_uri'],
  me: ['username', 'roles', 'permissions', 'stage', 'csrf_token'],
  orgNodes: ['items'],
  staffList: ['items', 'total'],
  staffGet: ['id', 'employee_no', 'name', 'status', 'roles'],
  staffCreate: ['id', 'initial_password'],
  staffResetPassword: ['initial_password'],
  customerSearch: ['items'],
  customerGet: ['id', 'customer_no', 'name', 'gender', 'birth_date', 'id_number', 'mobile', 'risk_level', 'aum_band', 'node_id'],
  customerUnmask: ['values'],
  customerHoldings: ['items'],
  customerEvents: ['items'],
  customerConsent: ['items'],
  customerConsentSet: ['items'],
  customerSms: ['items'],
  customerSmsSend: ['id', 'status'],
  exports: ['items'],
  exportApprovals: ['items'],
  exportCreate: ['id', 'masked', 'status', 'reason', 'expires_at'],
  exportGet: ['id', 'masked', 'node_id', 'reason', 'status', 'requested_by', 'requested_at', 'expires_at', 'rows', 'decision_note'],
  exportApprove: ['id', 'status'],
  exportReject: ['id', 'status'],
  roles: ['items'],
  tokens: ['items'],
  tokenCreate: ['id', 'token', 'expires_at'],
  auditList: ['items', 'total'],
  auditGet: ['seq', 'hash', 'prev_hash'],
  auditVerify: ['ok', 'checked', 'first_broken_seq'],
  auditStats: ['items'],
  systemStatus: ['version', 'database', 'migrations', 'ready'],
  channels: ['items', 'total'],
  channelGet: ['id', 'name', 'kind', 'node_id', 'rm_staff_ids', 'follow_userids', 'state', 'qr_code', 'welcome_text', 'status'],
  channelCreate: ['id', 'state', 'qr_code', 'status'],
  channelStats: ['adds', 'deleted_by_customer', 'deleted_by_rm', 'following', 'linked_customers', 'welcomes_sent', 'welcomes_failed', 'welcomes_refused', 'days'],
  wecomTransfers: ['items', 'total'],
  wecomTransferRetry: ['id', 'status'],
  wecomWeekly: ['week', 'rms', 'outlets'],
  wecomTargetSet: ['subject_type', 'subject_id', 'week', 'target'],
}

const shape = (p: string) => p.replace(/\{[^}]+\}/g, '{}')

function docPaths(d: Json): Map<string, Json> {
  const servers = (d.servers as { url?: string }[] | undefined) ?? []
  const base = (servers[0]?.url ?? '').replace(/^https?:\/\/[^/]+/, '').replace(/\/$/, '')
  const out = new Map<string, Json>()
  for (const [p, item] of Object.entries(d.paths as Record<string, Json>)) out.set(shape(base + p), item)
  return out
}

function resolve(d: Json, s: unknown, depth = 0): Json | null {
  if (!s || typeof s !== 'object' || depth > 20) return null
  const o = s as Json
  if (typeof o.$ref === 'string') {
    const target = o.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((acc, k) => (acc as Json | undefined)?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], d)
    return resolve(d, target, depth + 1)
  }
  return o
}

/** Every property name the schema can have (following $ref, allOf/oneOf/anyOf). */
function properties(d: Json, s: unknown, depth = 0): Set<string> {
  const out = new Set<string>()
  const o = resolve(d, s)
  if (!o || depth > 20) return out
  for (const k of Object.keys((o.properties as Json | undefined) ?? {})) out.add(k)
  for (const key of ['allOf', 'oneOf', 'anyOf']) {
    for (const sub of (o[key] as unknown[] | undefined) ?? []) for (const p of properties(d, sub, depth + 1)) out.add(p)
  }
  return out
}

function answerSchema(op: Json): unknown {
  const responses = (op.responses as Record<string, Json> | undefined) ?? {}
  const ok = Object.entries(responses).find(([code]) => /^2\d\d$/.test(code))?.[1]
  const content = (resolve(doc!, ok)?.content as Record<string, { schema?: unknown }> | undefined) ?? {}
  return content['application/json']?.schema
}

describe.skipIf(!doc)(`the client against ${source || 'no OpenAPI document'}`, () => {
  const paths = doc ? docPaths(doc) : new Map()

  it('is an OpenAPI 3 document', () => {
    expect(String(doc!.openapi)).toMatch(/^3\./)
  })

  it.each(Object.entries(endpoints))('%s is served', (_name, e) => {
    const item = paths.get(shape(API_PREFIX + e.path))
    expect(item, `${e.method} ${API_PREFIX}${e.path} is not in the document`).toBeTruthy()
    expect(Object.keys(item!), `${e.method} ${API_PREFIX}${e.path}`).toContain(e.method.toLowerCase())
  })

  it.each(Object.entries(probes))('%s is served', (_name, e) => {
    expect(paths.get(e.path)?.get, e.path).toBeTruthy()
  })

  it.each(Object.entries(READS))('%s answers the fields the screens read', (name, fields) => {
    const e = endpoints[name as EndpointName]
    const op = paths.get(shape(API_PREFIX + e.path))?.[e.method.toLowerCase()] as Json | undefined
    expect(op).toBeTruthy()
    const props = properties(doc!, answerSchema(op!))
    expect(
      fields!.filter((f) => !props.has(f)),
      `${e.method} ${e.path} answers ${[...props].join(', ')}`,
    ).toEqual([])
  })
})

/** Fields of list items the screens read, by the list endpoint (items of `{"items":[…]}`). */
const ITEM_READS: Partial<Record<EndpointName, string[]>> = {
  customerHoldings: [
    'id', 'product_code', 'product_name', 'product_type', 'product_risk', 'amount_band',
    'maturity_date', 'next_open_date', 'nav', 'nav_date', 'unsuitable',
  ],
  customerEvents: ['id', 'kind', 'event_date', 'reference', 'detail'],
  customerConsent: ['channel', 'marketing_allowed', 'source', 'reason', 'updated_by', 'updated_at'],
  customerConsentSet: ['channel', 'marketing_allowed', 'source', 'reason', 'updated_by', 'updated_at'],
  exports: ['id', 'masked', 'node_id', 'reason', 'status', 'requested_at', 'expires_at', 'rows', 'decision_note'],
  exportApprovals: ['id', 'masked', 'node_id', 'reason', 'status', 'requested_by', 'requested_at', 'expires_at', 'rows'],
}

describe.skipIf(!doc)(`list items against ${source || 'no OpenAPI document'}`, () => {
  const paths = doc ? docPaths(doc) : new Map()
  it.each(Object.entries(ITEM_READS))('%s items carry the fields the screens read', (name, fields) => {
    const e = endpoints[name as EndpointName]
    const op = paths.get(shape(API_PREFIX + e.path))?.[e.method.toLowerCase()] as Json | undefined
    const list = resolve(doc!, answerSchema(op!))
    const items = resolve(doc!, (list?.properties as Json | undefined)?.items)
    const props = properties(doc!, items?.items)
    expect(fields!.filter((f) => !props.has(f)), `${e.path} items answer ${[...props].join(', ')}`).toEqual([])
  })

  it('documents re-authentication, the export download and the permissions the screens use', () => {
    expect(paths.get(shape(`${API_PREFIX}/auth/reauth`))?.post).toBeTruthy()
    expect(paths.get(shape(`${API_PREFIX}/exports/{export_id}/download`))?.get).toBeTruthy()
  })
})

describe('the endpoint table', () => {
  it('names each route once', () => {
    const keys = Object.values(endpoints).map((e) => `${e.method} ${e.path}`)
    expect(new Set(keys).size).toBe(keys.length)
  })
})
