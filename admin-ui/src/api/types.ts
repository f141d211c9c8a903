// The JSON shapes of docs/api.md, written by hand until the server's OpenAPI document is available
// (`npm run gen:api` then writes src/api/schema.d.ts, and tests/contract.spec.ts checks the paths we call).
// Fields the contract marks as optional, or that a server may leave out, are optional here too.

export type Stage = 'full' | 'password_change' | 'totp' | 'totp_enroll'

export type NodeKind = 'head_office' | 'branch' | 'sub_branch' | 'outlet' | 'team'
export const NODE_KINDS: NodeKind[] = ['head_office', 'branch', 'sub_branch', 'outlet', 'team']

export type StaffStatus = 'active' | 'suspended' | 'resigned'
export const STAFF_STATUSES: StaffStatus[] = ['active', 'suspended', 'resigned']

export type Outcome = 'success' | 'failure'

export type RoleCode =
  | 'system_admin'
  | 'security_admin'
  | 'auditor'
  | 'head_office_operator'
  | 'branch_manager'
  | 'rm'
  | 'remote_rm'

export type Permission =
  | 'org.read'
  | 'org.write'
  | 'staff.read'
  | 'staff.write'
  | 'role.assign'
  | 'account.reset'
  | 'session.revoke'
  | 'security.policy.read'
  | 'audit.read'
  | 'audit.verify'
  | 'system.status'
  | 'customer.read'
  | 'customer.write'
  | 'pii.unmask'
  | 'data.export'
  | 'export.approve'
  | 'customer.assign'
  | 'customer.consent'
  | 'customer.sms'
  | 'wecom.contact.link'
  | 'wecom.tag.manage'
  | 'wecom.contact.tag'
  | 'wecom.channel.manage'
  | 'wecom.transfer'
  | 'wecom.target.write'

export interface ApiErrorBody {
  error: { code: string; message: string; request_id?: string; details?: unknown }
}

export interface Page<T> {
  items: T[]
  total: number
  page: number
  page_size: number
}

export interface PageQuery {
  page?: number
  page_size?: number
  sort?: string
  order?: 'asc' | 'desc'
}

export interface StageAnswer {
  stage: Stage
  csrf_token: string
}

export interface LoginBody {
  username: string
  password: string
}

export interface PasswordChangeBody {
  current_password: string
  new_password: string
}

export interface TotpEnrollAnswer {
  secret: string
  otpauth_uri: string
}

export interface Session {
  id: string
  created_at?: string
  last_seen_at?: string
  expires_at?: string
  client_addr?: string
  user_agent?: string
  current?: boolean
}

export interface OrgNode {
  id: string
  parent_id: string | null
  code: string
  name: string
  kind: NodeKind
  path: string
  depth: number
  created_at: string
}

export interface OrgNodeCreate {
  parent_id: string
  code: string
  name: string
  kind: NodeKind
}

export interface OrgHistoryEntry {
  at: string
  action: string
  from?: unknown
  to?: unknown
  by?: string
}

export interface StaffSummary {
  id: string
  employee_no: string
  name: string
  /** The contract's nested node; the server answers node_id and node_name instead. */
  node?: Partial<OrgNode> & { id: string; name: string }
  node_id?: string
  node_name?: string
  wecom_userid?: string | null
  status: StaffStatus
  username?: string | null
  roles?: RoleCode[]
  created_at?: string
  updated_at?: string
}

export interface Staff extends StaffSummary {
  roles: RoleCode[]
}

export interface StaffCreate {
  employee_no: string
  name: string
  node_id: string
  wecom_userid?: string
  username?: string
}

export type StaffCreated = Staff & { initial_password?: string }

export interface StaffQuery extends PageQuery {
  q?: string
  node_id?: string
  status?: StaffStatus
  role?: RoleCode
}

export interface StaffHistoryEntry {
  at: string
  action: string
  from?: unknown
  to?: unknown
  by?: string
}

export interface Me {
  /** The staff id of the caller. */
  id: string
  username: string
  /** The caller's name (the server's form); `staff` is the contract's. */
  name?: string
  staff?: Partial<Staff> | null
  has_second_factor?: boolean
  org_node?: Partial<OrgNode> | null
  roles: RoleCode[]
  permissions: Permission[]
  stage: Stage
  csrf_token: string
  password_expires_at?: string | null
}

export interface Role {
  code: RoleCode
  name_zh: string
  name_en: string
  permissions: Permission[]
  admin_duty: boolean
  requires_second_factor: boolean
}

export interface ApiToken {
  id: string
  name: string
  created_at?: string
  expires_at: string
  last_used_at?: string | null
  revoked_at?: string | null
}

export interface ApiTokenCreated {
  id: string
  name: string
  token: string
  expires_at: string
}

export interface AuditRecord {
  seq: number
  event_id?: string
  at: string
  actor_id?: string
  actor_name?: string
  actor_roles?: string
  org_node_id?: string
  action: string
  target_type?: string
  target_id?: string
  outcome: Outcome
  error_code?: string
  reason?: string
  client_addr?: string
  request_id?: string
  session_hash?: string
  detail?: unknown
  prev_hash?: string
  hash?: string
}

export interface AuditQuery extends PageQuery {
  action?: string
  actor?: string
  outcome?: Outcome
  target_type?: string
  target_id?: string
  from?: string
  to?: string
}

export interface AuditVerifyAnswer {
  ok: boolean
  checked: number
  first_broken_seq: number | null
  reason: string | null
}

export type PasswordPolicy = Record<string, unknown> & {
  min_length?: number
  max_length?: number
  min_classes?: number
  history?: number
  max_age_days?: number
  reject_common?: boolean
  reject_username?: boolean
}

export interface SystemStatus {
  version: string
  database: 'sqlite' | 'postgres' | string
  migrations: { applied: number; pending: number; latest: string | number | null }
  ready: boolean
  mode?: string
  tls?: boolean
}

export interface DayCount {
  day: string
  outcome: Outcome
  count: number
}

/** A customer as `POST /customers/search` and `GET /customers/{id}` answer it: every personal field masked. */
export interface CustomerView {
  id: string
  customer_no: string
  name: string
  /** `male`, `female` or `unknown`. */
  gender: string
  birth_date?: string | null
  id_number?: string | null
  mobile?: string | null
  /** C1…C5. */
  risk_level?: string | null
  risk_assessed_on?: string | null
  /** AUM as a band (never the amount); `-` when unknown. */
  aum_band: string
  node_id: string
  rm_staff_id?: string | null
  /** Set on a record merged into another: the survivor's id (searches never return merged records). */
  merged_into?: string | null
  /** To district level (`北京市朝阳区****`). */
  address?: string | null
}

/** What a customer is searched by: exactly one goes in the body. `name_prefix` is the first characters of the
 * name (the surname, or surname and first given character), matched through keyed prefix indexes. */
export type CustomerSearchKey = 'customer_no' | 'mobile' | 'id_number' | 'name_prefix'
export const CUSTOMER_SEARCH_KEYS: CustomerSearchKey[] = ['name_prefix', 'customer_no', 'mobile', 'id_number']
export type CustomerSearchBody = Partial<Record<CustomerSearchKey, string>> & {
  /** The `next` of the previous page. */
  after?: string
  /** 1–100, default 20. */
  limit?: number
}

/** A page of search results; `next` is absent on the last page. */
export interface CustomerSearchPage {
  items: CustomerView[]
  next?: string | null
}

/** The fields `POST /customers/{id}/unmask` can show in clear. */
export type UnmaskField = 'customer_no' | 'name' | 'birth_date' | 'id_number' | 'mobile' | 'address' | 'aum_fen'
export const UNMASK_FIELDS: UnmaskField[] = [
  'customer_no',
  'name',
  'birth_date',
  'id_number',
  'mobile',
  'address',
  'aum_fen',
]

export interface UnmaskBody {
  fields: UnmaskField[]
  /** At least 10 characters (after trimming); recorded in the audit trail. */
  reason: string
}

export interface UnmaskAnswer {
  values: Partial<Record<UnmaskField, string | null>>
}

/** `POST /auth/reauth`: the password again, and the second factor's code when the account has one. */
export interface ReauthBody {
  password: string
  code?: string
}

/** Product types of a holding, as the server names them. */
export type ProductType = 'deposit' | 'wealth_management' | 'fund' | 'insurance' | 'precious_metal' | 'other'
export const PRODUCT_TYPES: ProductType[] = ['deposit', 'wealth_management', 'fund', 'insurance', 'precious_metal', 'other']

/** A holding as `GET /customers/{id}/holdings` answers it: the amount only as a band. */
export interface HoldingView {
  id: string
  product_code: string
  product_name: string
  product_type: string
  /** R1…R5, null when the bank did not send it. */
  product_risk?: string | null
  amount_band: string
  start_date?: string | null
  maturity_date?: string | null
  next_open_date?: string | null
  nav?: string | number | null
  nav_date?: string | null
  purchase_nav?: string | number | null
  /** The product's risk exceeds the customer's risk level. */
  unsuitable: boolean
}

/** An event derived from a day's data (`GET /customers/{id}/events`), newest first. */
export interface CustomerEvent {
  id: string
  kind: string
  event_date: string
  reference?: string | null
  detail?: unknown
  derived_on?: string | null
}

/** The channels marketing can reach a customer on (`GET /customers/{id}/consent` answers each of them). */
export type ConsentChannel = 'wecom' | 'sms' | 'phone' | 'email' | 'post'
export const CONSENT_CHANNELS: ConsentChannel[] = ['wecom', 'sms', 'phone', 'email', 'post']
/** Who told the bank: the customer (to an RM or at a counter), the CRM, or an unsubscribe reply. */
export type ConsentSource = 'customer' | 'crm' | 'unsubscribe'
export const CONSENT_SOURCES: ConsentSource[] = ['customer', 'crm', 'unsubscribe']

/** One channel's marketing consent; `source`… are null while nobody recorded a choice (allowed). */
export interface ConsentView {
  channel: ConsentChannel | string
  marketing_allowed: boolean
  source?: ConsentSource | string | null
  reason?: string | null
  /** A staff id. */
  updated_by?: string | null
  updated_at?: string | null
}

/** `PUT /customers/{id}/consent`: a refusal (`opted_out`) or its withdrawal for some channels. */
export interface ConsentBody {
  channels: ConsentChannel[]
  opted_out: boolean
  source: ConsentSource
  /** 1 to 500 characters after trimming; recorded in the audit trail. */
  reason: string
}

/** `POST /customers/{id}/sms`: the text only; the number is the customer's own mobile on record. */
export interface SmsBody {
  /** 1 to 469 characters after trimming; line breaks allowed. */
  text: string
}

export type SmsStatus = 'pending' | 'sent' | 'blocked' | 'cancelled' | 'failed'

/** One SMS to a customer, as its status: never the text or the number. */
export interface SmsView {
  id: string
  customer_id: string
  status: SmsStatus | string
  attempts: number
  last_error?: string | null
  requested_by: string
  created_at: string
  sent_at?: string | null
}

export type ExportStatus = 'ready' | 'pending_approval' | 'approved' | 'rejected' | 'downloaded' | 'expired'
export const EXPORT_STATUSES: ExportStatus[] = ['ready', 'pending_approval', 'approved', 'rejected', 'downloaded', 'expired']

export interface ExportView {
  id: string
  kind: string
  masked: boolean
  node_id: string
  reason: string
  status: ExportStatus | string
  requested_by: string
  requested_at: string
  decided_by?: string | null
  decided_at?: string | null
  decision_note?: string | null
  expires_at: string
  downloads: number
  sha256?: string | null
  rows?: number | null
}

export interface ExportCreate {
  kind: 'customers'
  masked: boolean
  node_id?: string
  reason: string
}

/** A configured WeCom corp (`GET /wecom/corps`): the name the WeCom routes take; never a secret. */
export interface WecomCorp {
  name: string
  corp_id: string
}

export interface CorpTag {
  tag_id: string
  name: string
  /** Larger sorts first (WeCom's order). */
  order: number
}

export interface TagGroup {
  group_id: string
  group_name: string
  tags: CorpTag[]
}

/** `GET /wecom/tags?corp=`: siyu's copy of the corp's tag catalogue, kept the same as WeCom's. */
export interface TagCatalogue {
  corp: string
  pulled_at?: string | null
  groups: TagGroup[]
}

/** `POST /wecom/tags`: tags in a group given by id, or found or created by name. */
export interface NewTagsBody {
  corp: string
  group_id?: string
  group_name?: string
  tags: string[]
}

/** A channel live code (渠道活码): a WeCom contact way whose state attributes adds to it. */
export type ChannelKind = 'outlet' | 'rm' | 'event' | 'campaign'
export const CHANNEL_KINDS: ChannelKind[] = ['outlet', 'rm', 'event', 'campaign']

export interface WecomChannel {
  id: string
  corp: string
  name: string
  kind: ChannelKind
  node_id: string
  rm_staff_ids: string[]
  follow_userids: string[]
  state: string
  config_id?: string | null
  qr_code?: string | null
  welcome_text?: string | null
  status: 'active' | 'inactive'
  created_at: string
  updated_at: string
}

export interface ChannelCreate {
  corp: string
  name: string
  kind: ChannelKind
  node_id: string
  rm_staff_ids: string[]
  welcome_text?: string
  code?: string
}

export interface ChannelUpdate {
  name?: string
  kind?: ChannelKind
  rm_staff_ids?: string[]
  /** An empty text removes the welcome message. */
  welcome_text?: string
}

export interface ChannelDay {
  day: string
  adds: number
  deletions: number
}

export interface ChannelStats {
  channel_id: string
  adds: number
  deleted_by_customer: number
  deleted_by_rm: number
  following: number
  linked_customers: number
  welcomes_sent: number
  welcomes_failed: number
  welcomes_refused: number
  days: ChannelDay[]
}

export type TransferStatus = 'waiting' | 'succeeded' | 'failed'

/** A WeCom customer transfer (ids only; see docs/api.md). */
export interface WecomTransfer {
  id: string
  corp: string
  external_userid: string
  customer_id?: string | null
  node_id: string
  from_staff_id: string
  to_staff_id: string
  handover_userid: string
  takeover_userid: string
  flow?: 'on_duty' | 'resigned' | null
  status: TransferStatus
  errcode?: number | null
  reason?: string | null
  origin: string
  created_at: string
  started_at?: string | null
  finished_at?: string | null
}

export interface WeekRow {
  id: string
  name: string
  node_id?: string | null
  adds: number
  deleted_by_customer: number
  deleted_by_rm: number
  net: number
  target?: number | null
  progress?: number | null
}

export interface WeeklyStats {
  week: string
  node_id: string
  rms: WeekRow[]
  outlets: WeekRow[]
}

export interface AddTargetBody {
  subject_type: 'staff' | 'node'
  subject_id: string
  week?: string
  target: number
}

export interface AddTarget extends AddTargetBody {
  week: string
  set_by: string
}
