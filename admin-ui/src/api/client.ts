// Typed functions over the endpoint table: one per route, named after what the screen wants.

import { endpoints as E } from './endpoints'
import { call, fetchFile, type CallOptions } from './http'
import type * as T from './types'

type Opts = Pick<CallOptions, 'quiet' | 'signal'>
interface Items<I> {
  items: I[]
}

export const auth = {
  login: (body: T.LoginBody) => call<T.StageAnswer>(E.login, { body, authStep: true, quiet: true }),
  logout: () => call<void>(E.logout, { quiet: true }),
  logoutAll: () => call<void>(E.logoutAll),
  changePassword: (body: T.PasswordChangeBody) =>
    call<T.StageAnswer>(E.changePassword, { body, authStep: true, quiet: true }),
  totpEnroll: () => call<T.TotpEnrollAnswer>(E.totpEnroll, { authStep: true }),
  totpVerify: (code: string) => call<T.StageAnswer>(E.totpVerify, { body: { code }, authStep: true, quiet: true }),
  sessions: () => call<Items<T.Session> | T.Session[]>(E.sessions),
  endSession: (session_id: string) => call<void>(E.endSession, { params: { session_id } }),
  me: (o: Opts & { authStep?: boolean } = {}) => call<T.Me>(E.me, o),
  /** Confirms the password (and code) again for a sensitive action. Quiet: the dialog shows a refusal in place. */
  reauth: (body: T.ReauthBody) => call<void>(E.reauth, { body, authStep: true, quiet: true }),
}

export const org = {
  nodes: (o: Opts = {}) => call<Items<T.OrgNode>>(E.orgNodes, o),
  node: (node_id: string) => call<T.OrgNode>(E.orgNode, { params: { node_id } }),
  create: (body: T.OrgNodeCreate) => call<T.OrgNode>(E.orgCreate, { body }),
  rename: (node_id: string, name: string) => call<T.OrgNode>(E.orgRename, { params: { node_id }, body: { name } }),
  move: (node_id: string, new_parent_id: string) =>
    call<T.OrgNode>(E.orgMove, { params: { node_id }, body: { new_parent_id } }),
  history: (node_id: string) => call<Items<T.OrgHistoryEntry>>(E.orgHistory, { params: { node_id } }),
}

export type StaffAction = 'suspend' | 'reactivate' | 'resign'
const staffActions = { suspend: E.staffSuspend, reactivate: E.staffReactivate, resign: E.staffResign }

export const staff = {
  list: (query: T.StaffQuery, o: Opts = {}) => call<T.Page<T.StaffSummary>>(E.staffList, { query, ...o }),
  create: (body: T.StaffCreate) => call<T.StaffCreated>(E.staffCreate, { body }),
  get: async (staff_id: string, o: Opts = {}): Promise<T.Staff> => {
    const s = await call<T.Staff>(E.staffGet, { params: { staff_id }, ...o })
    return { ...s, roles: s.roles ?? [] }
  },
  update: (staff_id: string, body: { name?: string; wecom_userid?: string }) =>
    call<T.Staff>(E.staffUpdate, { params: { staff_id }, body }),
  move: (staff_id: string, node_id: string) => call<T.Staff>(E.staffMove, { params: { staff_id }, body: { node_id } }),
  act: (staff_id: string, action: StaffAction) => call<T.Staff | void>(staffActions[action], { params: { staff_id } }),
  history: (staff_id: string) => call<Items<T.StaffHistoryEntry>>(E.staffHistory, { params: { staff_id } }),
  grant: (staff_id: string, role: T.RoleCode, o: Opts = {}) =>
    call<T.Staff | void>(E.staffGrant, { params: { staff_id }, body: { role }, ...o }),
  revoke: (staff_id: string, role: T.RoleCode) => call<void>(E.staffRevoke, { params: { staff_id, role } }),
  resetPassword: (staff_id: string) =>
    call<{ initial_password: string }>(E.staffResetPassword, { params: { staff_id } }),
  unlock: (staff_id: string) => call<void>(E.staffUnlock, { params: { staff_id } }),
  endSessions: (staff_id: string) => call<void>(E.staffEndSessions, { params: { staff_id } }),
}

export const customers = {
  /** Customers in scope matching exactly one identifier, masked. */
  search: (body: T.CustomerSearchBody, o: Opts = {}) => call<T.CustomerSearchPage>(E.customerSearch, { body, ...o }),
  get: (customer_id: string, o: Opts = {}) => call<T.CustomerView>(E.customerGet, { params: { customer_id }, ...o }),
  /** Fields in clear for a written reason (audited, limited per day). Quiet: the dialog shows refusals in place. */
  unmask: (customer_id: string, body: T.UnmaskBody) =>
    call<T.UnmaskAnswer>(E.customerUnmask, { params: { customer_id }, body, quiet: true }),
  /** The holdings, amounts as bands, unsuitable ones flagged. */
  holdings: (customer_id: string, o: Opts = {}) =>
    call<Items<T.HoldingView>>(E.customerHoldings, { params: { customer_id }, ...o }),
  /** Derived events, newest first (at most 500). */
  events: (customer_id: string, from?: string, o: Opts = {}) =>
    call<Items<T.CustomerEvent>>(E.customerEvents, { params: { customer_id }, query: { from }, ...o }),
  /** Marketing consent on every channel (nothing recorded: allowed). */
  consent: (customer_id: string, o: Opts = {}) =>
    call<Items<T.ConsentView>>(E.customerConsent, { params: { customer_id }, ...o }),
  /** Records a refusal or its withdrawal (audited); answers every channel. Quiet: the form shows refusals in place. */
  setConsent: (customer_id: string, body: T.ConsentBody) =>
    call<Items<T.ConsentView>>(E.customerConsentSet, { params: { customer_id }, body, quiet: true }),
  /** The customer's SMS, newest first, status only. */
  sms: (customer_id: string, o: Opts = {}) => call<Items<T.SmsView>>(E.customerSms, { params: { customer_id }, ...o }),
  /** Queues an SMS to the customer's own mobile (consent and egress guard checked). Quiet: refusals shown in place. */
  sendSms: (customer_id: string, body: T.SmsBody) =>
    call<T.SmsView>(E.customerSmsSend, { params: { customer_id }, body, quiet: true }),
}

export const exports = {
  create: (body: T.ExportCreate) => call<T.ExportView>(E.exportCreate, { body, quiet: true }),
  /** The caller's own requests. */
  list: (o: Opts = {}) => call<Items<T.ExportView>>(E.exports, o),
  get: (export_id: string) => call<T.ExportView>(E.exportGet, { params: { export_id } }),
  /** The CSV. Quiet: the caller turns reauth_required into the re-authentication dialog. */
  download: (export_id: string) => fetchFile(E.exportDownload, { params: { export_id }, quiet: true }),
  /** Every request, for an approver. */
  approvals: (o: Opts = {}) => call<Items<T.ExportView>>(E.exportApprovals, o),
  approve: (export_id: string, note?: string) =>
    call<T.ExportView>(E.exportApprove, { params: { export_id }, body: { note: note || undefined }, quiet: true }),
  reject: (export_id: string, note?: string) =>
    call<T.ExportView>(E.exportReject, { params: { export_id }, body: { note: note || undefined }, quiet: true }),
}

export const channels = {
  /** Channel live codes in scope, newest first. */
  list: (query: T.PageQuery & { status?: 'active' | 'inactive' } = {}, o: Opts = {}) =>
    call<T.Page<T.WecomChannel>>(E.channels, { query, ...o }),
  get: (channel_id: string) => call<T.WecomChannel>(E.channelGet, { params: { channel_id } }),
  /** Quiet: the form shows refusals (bad RM, code taken, WeCom's answer) in place. */
  create: (body: T.ChannelCreate) => call<T.WecomChannel>(E.channelCreate, { body, quiet: true }),
  update: (channel_id: string, body: T.ChannelUpdate) =>
    call<T.WecomChannel>(E.channelUpdate, { params: { channel_id }, body, quiet: true }),
  deactivate: (channel_id: string) => call<T.WecomChannel>(E.channelDeactivate, { params: { channel_id } }),
  /** The QR code image (PNG). */
  qr: (channel_id: string) => fetchFile(E.channelQr, { params: { channel_id } }),
  stats: (channel_id: string, days: number, o: Opts = {}) =>
    call<T.ChannelStats>(E.channelStats, { params: { channel_id }, query: { days }, ...o }),
}

export const roles = {
  list: () => call<Items<T.Role>>(E.roles),
}

export const tokens = {
  list: () => call<Items<T.ApiToken>>(E.tokens),
  create: (name: string, days: number) => call<T.ApiTokenCreated>(E.tokenCreate, { body: { name, days } }),
  revoke: (token_id: string) => call<void>(E.tokenRevoke, { params: { token_id } }),
}

export const audit = {
  list: (query: T.AuditQuery, o: Opts = {}) => call<T.Page<T.AuditRecord>>(E.auditList, { query, ...o }),
  get: (seq: number) => call<T.AuditRecord>(E.auditGet, { params: { seq } }),
  /** Records per day and outcome over the last `days` days (the server's, not in docs/api.md yet). */
  stats: (days: number) => call<Items<T.DayCount>>(E.auditStats, { query: { days }, quiet: true }),
  verify: () => call<T.AuditVerifyAnswer>(E.auditVerify),
}

export const wecom = {
  corps: (o: Opts = {}) => call<Items<T.WecomCorp>>(E.wecomCorps, o),
  tags: (corp: string) => call<T.TagCatalogue>(E.wecomTags, { query: { corp } }),
  createTags: (body: T.NewTagsBody) => call<T.TagGroup>(E.wecomTagCreate, { body }),
  renameTag: (corp: string, tag_id: string, name: string) =>
    call<void>(E.wecomTagRename, { params: { tag_id }, body: { corp, name } }),
  deleteTag: (corp: string, tag_id: string) =>
    call<{ deleted: number }>(E.wecomTagDelete, { params: { tag_id }, query: { corp } }),
  transfers: (query: { status?: T.TransferStatus; page?: number; page_size?: number } = {}) =>
    call<T.Page<T.WecomTransfer>>(E.wecomTransfers, { query }),
  retryTransfer: (transfer_id: string) => call<T.WecomTransfer>(E.wecomTransferRetry, { params: { transfer_id } }),
  weekly: (query: { node?: string; week?: string } = {}) => call<T.WeeklyStats>(E.wecomWeekly, { query }),
  setTarget: (body: T.AddTargetBody) => call<T.AddTarget>(E.wecomTargetSet, { body }),
}

export const security = {
  passwordPolicy: () => call<T.PasswordPolicy>(E.passwordPolicy),
}

export const system = {
  status: () => call<T.SystemStatus>(E.systemStatus),
}

/** `items` of a list answer, also accepting a bare array. */
export function itemsOf<I>(a: Items<I> | I[] | undefined | null): I[] {
  if (!a) return []
  return Array.isArray(a) ? a : (a.items ?? [])
}
