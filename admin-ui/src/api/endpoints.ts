// Every route the console calls, in one table. The client builds its requests only from here, so
// tests/contract.spec.ts can check each entry against the server's OpenAPI document: an API change that
// would break a screen fails the test run instead of a user.

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

export interface Endpoint {
  readonly method: Method
  readonly path: string
}

/** Keeps the literal method and path, so src/api/contract.ts can check them against the generated schema. */
const ep = <M extends Method, P extends string>(method: M, path: P) => ({ method, path }) as const

export const API_PREFIX = '/api/v1'

export const endpoints = {
  login: ep('POST', '/auth/login'),
  logout: ep('POST', '/auth/logout'),
  logoutAll: ep('POST', '/auth/logout-all'),
  changePassword: ep('POST', '/auth/password'),
  totpEnroll: ep('POST', '/auth/totp/enroll'),
  totpVerify: ep('POST', '/auth/totp/verify'),
  sessions: ep('GET', '/auth/sessions'),
  endSession: ep('DELETE', '/auth/sessions/{session_id}'),
  reauth: ep('POST', '/auth/reauth'),
  me: ep('GET', '/me'),

  orgNodes: ep('GET', '/org/nodes'),
  orgCreate: ep('POST', '/org/nodes'),
  orgNode: ep('GET', '/org/nodes/{node_id}'),
  orgRename: ep('PATCH', '/org/nodes/{node_id}'),
  orgMove: ep('POST', '/org/nodes/{node_id}/move'),
  orgHistory: ep('GET', '/org/nodes/{node_id}/history'),

  staffList: ep('GET', '/staff'),
  staffCreate: ep('POST', '/staff'),
  staffGet: ep('GET', '/staff/{staff_id}'),
  staffUpdate: ep('PATCH', '/staff/{staff_id}'),
  staffMove: ep('POST', '/staff/{staff_id}/move'),
  staffSuspend: ep('POST', '/staff/{staff_id}/suspend'),
  staffReactivate: ep('POST', '/staff/{staff_id}/reactivate'),
  staffResign: ep('POST', '/staff/{staff_id}/resign'),
  staffHistory: ep('GET', '/staff/{staff_id}/history'),
  staffGrant: ep('POST', '/staff/{staff_id}/roles'),
  staffRevoke: ep('DELETE', '/staff/{staff_id}/roles/{role}'),
  staffResetPassword: ep('POST', '/staff/{staff_id}/reset-password'),
  staffUnlock: ep('POST', '/staff/{staff_id}/unlock'),
  staffEndSessions: ep('POST', '/staff/{staff_id}/end-sessions'),

  // Personal data (a mobile or ID number) goes in the body, never the URL: search is a POST.
  customerSearch: ep('POST', '/customers/search'),
  customerGet: ep('GET', '/customers/{customer_id}'),
  customerUnmask: ep('POST', '/customers/{customer_id}/unmask'),
  customerHoldings: ep('GET', '/customers/{customer_id}/holdings'),
  customerEvents: ep('GET', '/customers/{customer_id}/events'),
  customerConsent: ep('GET', '/customers/{customer_id}/consent'),
  customerConsentSet: ep('PUT', '/customers/{customer_id}/consent'),
  customerSms: ep('GET', '/customers/{customer_id}/sms'),
  customerSmsSend: ep('POST', '/customers/{customer_id}/sms'),

  exportCreate: ep('POST', '/exports'),
  exports: ep('GET', '/exports'),
  exportGet: ep('GET', '/exports/{export_id}'),
  exportDownload: ep('GET', '/exports/{export_id}/download'),
  exportApprovals: ep('GET', '/export-approvals'),
  exportApprove: ep('POST', '/exports/{export_id}/approve'),
  exportReject: ep('POST', '/exports/{export_id}/reject'),

  channels: ep('GET', '/wecom/channels'),
  channelCreate: ep('POST', '/wecom/channels'),
  channelGet: ep('GET', '/wecom/channels/{channel_id}'),
  channelUpdate: ep('PATCH', '/wecom/channels/{channel_id}'),
  channelDeactivate: ep('DELETE', '/wecom/channels/{channel_id}'),
  channelQr: ep('GET', '/wecom/channels/{channel_id}/qr.png'),
  channelStats: ep('GET', '/wecom/channels/{channel_id}/stats'),

  roles: ep('GET', '/roles'),

  tokens: ep('GET', '/tokens'),
  tokenCreate: ep('POST', '/tokens'),
  tokenRevoke: ep('DELETE', '/tokens/{token_id}'),

  auditList: ep('GET', '/audit'),
  auditGet: ep('GET', '/audit/{seq}'),
  auditStats: ep('GET', '/audit/stats'),
  auditVerify: ep('POST', '/audit/verify'),

  wecomCorps: ep('GET', '/wecom/corps'),
  wecomTags: ep('GET', '/wecom/tags'),
  wecomTagCreate: ep('POST', '/wecom/tags'),
  wecomTagRename: ep('PUT', '/wecom/tags/{tag_id}'),
  wecomTagDelete: ep('DELETE', '/wecom/tags/{tag_id}'),

  passwordPolicy: ep('GET', '/security/password-policy'),
  systemStatus: ep('GET', '/system/status'),

  wecomTransfers: ep('GET', '/wecom/transfers'),
  wecomTransferCreate: ep('POST', '/wecom/transfers'),
  wecomTransferRetry: ep('POST', '/wecom/transfers/{transfer_id}/retry'),
  wecomWeekly: ep('GET', '/wecom/stats/weekly'),
  wecomTargetSet: ep('PUT', '/wecom/targets'),
} as const satisfies Record<string, Endpoint>

export type EndpointName = keyof typeof endpoints

/** Routes outside /api/v1 that the console reads without a session. */
export const probes = {
  readyz: ep('GET', '/readyz'),
  healthz: ep('GET', '/healthz'),
} as const

/** The URL of `e` with its `{name}` placeholders filled from `params` (each value URI-encoded). */
export function expand(e: Endpoint, params: Record<string, string | number> = {}): string {
  const path = e.path.replace(/\{([a-z_]+)\}/g, (_m, name: string) => {
    const v = params[name]
    if (v === undefined || v === '') throw new Error(`missing path parameter ${name} for ${e.path}`)
    return encodeURIComponent(String(v))
  })
  return API_PREFIX + path
}
