//! The route table: every endpoint, the access it needs and how it is documented. The actix app, the
//! authorization middleware and the OpenAPI document are all generated from this one list, so a route cannot
//! exist without a rule.

use crate::handlers::{
    assignments, audit, auth, customers, events, exports, health, holdings, merges, org, security, sms, staff, tokens,
    wecom, wecom_channels, wecom_contacts, wecom_tags, wecom_transfers,
};
use actix_web::http::Method;
use actix_web::web;
use siyu_domain::access::Permission as P;
use siyu_domain::session::Stage;
use utoipa::openapi::{RefOr, Schema};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, logged in or not.
    Public,
    /// Any principal whose session has reached one of these stages.
    Stages(&'static [Stage]),
    /// Any fully authenticated principal.
    Authenticated,
    /// A fully authenticated principal holding the permission.
    Perm(P),
}

pub type SchemaFn = fn(&mut Vec<(String, RefOr<Schema>)>) -> String;
pub type ParamsFn = fn() -> Vec<utoipa::openapi::path::Parameter>;

pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub tag: &'static str,
    pub summary: &'static str,
    pub request: Option<SchemaFn>,
    pub response: Option<SchemaFn>,
    pub query: Option<ParamsFn>,
    /// The status of success (200, 201 or 204).
    pub status: u16,
    pub factory: fn() -> actix_web::Route,
}

/// Registers `T` (and the schemas it refers to) and returns its name.
pub fn schema_of<T: utoipa::ToSchema>(out: &mut Vec<(String, RefOr<Schema>)>) -> String {
    T::schemas(out);
    out.push((T::name().into_owned(), T::schema()));
    T::name().into_owned()
}

pub fn params_of<T: utoipa::IntoParams>() -> Vec<utoipa::openapi::path::Parameter> {
    T::into_params(|| Some(utoipa::openapi::path::ParameterIn::Query))
}

macro_rules! route {
    ($method:ident $path:literal, $access:expr, $handler:path, $tag:literal, $summary:literal
     $(, req = $req:ty)? $(, query = $query:ty)? $(, resp = $resp:ty)? $(, status = $status:literal)?) => {
        Route {
            method: Method::$method,
            path: $path,
            access: $access,
            tag: $tag,
            summary: $summary,
            request: route!(@schema $($req)?),
            response: route!(@schema $($resp)?),
            query: route!(@query $($query)?),
            status: route!(@status $($status)?),
            factory: || web::method(Method::$method).to($handler),
        }
    };
    (@schema) => { None };
    (@schema $t:ty) => { Some(schema_of::<$t> as SchemaFn) };
    (@query) => { None };
    (@query $t:ty) => { Some(params_of::<$t> as ParamsFn) };
    (@status) => { 200 };
    (@status $s:literal) => { $s };
}

const ANY_STAGE: &[Stage] = &[Stage::PasswordChange, Stage::TotpEnroll, Stage::Totp, Stage::Full];

pub fn table() -> Vec<Route> {
    use Access::*;
    vec![
        route!(GET "/healthz", Public, health::healthz, "system", "The process is up"),
        route!(GET "/readyz", Public, health::readyz, "system", "The database is reachable and migrated"),
        route!(GET "/metrics", Public, health::metrics, "system", "Prometheus metrics"),
        route!(GET "/api/openapi.json", Public, crate::openapi::serve, "system", "This document"),
        route!(POST "/api/v1/auth/login", Public, auth::login, "auth", "Log in with user name and password",
            req = auth::LoginRequest, resp = auth::StageResponse),
        route!(POST "/api/v1/auth/logout", Stages(ANY_STAGE), auth::logout, "auth", "End this session", status = 204),
        route!(GET "/api/v1/me", Stages(ANY_STAGE), auth::me, "auth", "The current principal", resp = auth::MeResponse),
        route!(POST "/api/v1/auth/password", Stages(&[Stage::PasswordChange, Stage::Full]), auth::change_password,
            "auth", "Change the own password (rotates the session)", req = auth::PasswordRequest,
            resp = auth::StageResponse),
        route!(POST "/api/v1/auth/totp/enroll", Stages(&[Stage::TotpEnroll]), auth::totp_enroll, "auth",
            "Start second-factor enrolment: the secret is shown once", resp = auth::EnrollResponse),
        route!(POST "/api/v1/auth/totp/verify", Stages(&[Stage::TotpEnroll, Stage::Totp]), auth::totp_verify, "auth",
            "Check a second-factor code (rotates the session)", req = auth::CodeRequest, resp = auth::StageResponse),
        route!(POST "/api/v1/auth/logout-all", Authenticated, auth::logout_all, "auth", "End every own session",
            status = 204),
        route!(POST "/api/v1/auth/reauth", Authenticated, auth::reauth, "auth",
            "Confirm the password and second factor again (needed within minutes before an unmask)",
            req = auth::ReauthRequest, status = 204),
        route!(GET "/api/v1/auth/sessions", Authenticated, auth::sessions, "auth", "The own live sessions",
            resp = auth::SessionList),
        route!(DELETE "/api/v1/auth/sessions/{session_id}", Authenticated, auth::end_session, "auth",
            "End one own session", status = 204),
        route!(GET "/api/v1/roles", Authenticated, staff::roles_catalogue, "roles", "The built-in roles",
            resp = staff::RoleList),
        route!(GET "/api/v1/tokens", Authenticated, tokens::list, "tokens", "The own API tokens",
            resp = tokens::TokenList),
        route!(POST "/api/v1/tokens", Authenticated, tokens::create, "tokens",
            "Create an API token (shown once)", req = tokens::CreateToken, resp = tokens::CreatedToken, status = 201),
        route!(DELETE "/api/v1/tokens/{token_id}", Authenticated, tokens::revoke, "tokens", "Revoke an own token",
            status = 204),
        route!(GET "/api/v1/org/nodes", Perm(P::OrgRead), org::list, "org", "The org tree within scope",
            resp = org::NodeList),
        route!(POST "/api/v1/org/nodes", Perm(P::OrgWrite), org::create, "org", "Create a node",
            req = org::CreateNode, resp = org::NodeView, status = 201),
        route!(GET "/api/v1/org/nodes/{node_id}", Perm(P::OrgRead), org::get, "org", "One node", resp = org::NodeView),
        route!(PATCH "/api/v1/org/nodes/{node_id}", Perm(P::OrgWrite), org::rename, "org", "Rename a node",
            req = org::RenameNode, resp = org::NodeView),
        route!(POST "/api/v1/org/nodes/{node_id}/move", Perm(P::OrgWrite), org::move_node, "org",
            "Move a node and its subtree", req = org::MoveNode, resp = org::NodeView),
        route!(GET "/api/v1/org/nodes/{node_id}/history", Perm(P::OrgRead), org::history, "org",
            "Renames and moves of a node", resp = org::HistoryList),
        route!(GET "/api/v1/staff", Perm(P::StaffRead), staff::list, "staff", "Staff within scope, paged",
            query = staff::StaffQuery, resp = staff::StaffPage),
        route!(POST "/api/v1/staff", Perm(P::StaffWrite), staff::create, "staff",
            "Create a member of staff, optionally with an account", req = staff::CreateStaff,
            resp = staff::CreatedStaff, status = 201),
        route!(GET "/api/v1/staff/{staff_id}", Perm(P::StaffRead), staff::get, "staff", "One member of staff",
            resp = staff::StaffView),
        route!(PATCH "/api/v1/staff/{staff_id}", Perm(P::StaffWrite), staff::update, "staff", "Edit a member of staff",
            req = staff::UpdateStaff, resp = staff::StaffView),
        route!(POST "/api/v1/staff/{staff_id}/move", Perm(P::StaffWrite), staff::move_staff, "staff",
            "Move to another node", req = staff::MoveStaff, resp = staff::StaffView),
        route!(POST "/api/v1/staff/{staff_id}/suspend", Perm(P::StaffWrite), staff::suspend, "staff",
            "Suspend (ends every session)", resp = staff::StaffView),
        route!(POST "/api/v1/staff/{staff_id}/reactivate", Perm(P::StaffWrite), staff::reactivate, "staff",
            "Reactivate", resp = staff::StaffView),
        route!(POST "/api/v1/staff/{staff_id}/resign", Perm(P::StaffWrite), staff::resign, "staff",
            "Record a resignation (final; ends every session)", resp = staff::StaffView),
        route!(GET "/api/v1/staff/{staff_id}/history", Perm(P::StaffRead), staff::history, "staff",
            "Moves and status changes", resp = org::HistoryList),
        route!(POST "/api/v1/staff/{staff_id}/roles", Perm(P::RoleAssign), staff::grant, "roles",
            "Grant a role (separation of duties enforced)", req = staff::GrantRole, resp = staff::RolesHeld),
        route!(DELETE "/api/v1/staff/{staff_id}/roles/{role}", Perm(P::RoleAssign), staff::revoke, "roles",
            "Revoke a role", resp = staff::RolesHeld),
        route!(POST "/api/v1/staff/{staff_id}/reset-password", Perm(P::AccountReset), staff::reset_password,
            "staff", "Give the account a one-time password (shown once)", resp = staff::InitialPassword),
        route!(POST "/api/v1/staff/{staff_id}/unlock", Perm(P::AccountReset), staff::unlock, "staff",
            "Lift a lockout", status = 204),
        route!(POST "/api/v1/staff/{staff_id}/end-sessions", Perm(P::SessionRevoke), staff::end_sessions, "staff",
            "End every session of the account", status = 204),
        route!(POST "/api/v1/customers/batch", Perm(P::CustomerWrite), customers::batch, "customers",
            "Create or update up to 1,000 customers by customer number, with a result per item",
            req = customers::BatchRequest, resp = customers::BatchResponse),
        route!(POST "/api/v1/customers/search", Perm(P::CustomerRead), customers::search, "customers",
            "Find customers in scope by customer number, mobile, ID number, external_userid or name prefix (through blind indexes; merged records left out; paged)",
            req = customers::SearchRequest, resp = customers::CustomerList),
        // Before `/customers/{customer_id}`: a fixed segment must win over the parameter.
        route!(POST "/api/v1/customers/merge", Perm(P::CustomerWrite), merges::merge, "customers",
            "Merge one customer record into another: explained, audited, undoable", req = merges::MergeRequest,
            resp = merges::MergeView),
        route!(GET "/api/v1/customers/{customer_id}", Perm(P::CustomerRead), customers::get, "customers",
            "One customer, masked; a merged record answers with `merged_into` naming the survivor",
            resp = customers::CustomerView),
        route!(GET "/api/v1/customers/{customer_id}/assignments", Perm(P::CustomerRead), assignments::history,
            "customers", "The customer's managing RM and outlet history (管户关系), oldest first",
            resp = assignments::AssignmentList),
        route!(POST "/api/v1/assignments/preview", Perm(P::CustomerAssign), assignments::preview, "customers",
            "How many customers an assignment rule would move, per RM, and how many stay: changes nothing",
            req = assignments::RuleRequest, resp = assignments::OutcomeView),
        route!(POST "/api/v1/assignments/apply", Perm(P::CustomerAssign), assignments::apply, "customers",
            "Apply an assignment rule (or an explicit list) in batches, each audited, with history",
            req = assignments::RuleRequest, resp = assignments::OutcomeView),
        route!(GET "/api/v1/customers/{customer_id}/duplicates", Perm(P::CustomerRead), merges::duplicates,
            "customers", "Records in scope sharing a customer number, mobile or ID number (merge candidates)",
            resp = merges::DuplicateList),
        route!(POST "/api/v1/customers/{customer_id}/unmerge", Perm(P::CustomerWrite), merges::unmerge, "customers",
            "Undo the merge of this record: exactly what it moved goes back", req = merges::UnmergeRequest,
            resp = merges::UnmergeView),
        route!(POST "/api/v1/customers/{customer_id}/unmask", Perm(P::PiiUnmask), customers::unmask, "customers",
            "Show fields in clear for a written reason (audited, limited per day)", req = customers::UnmaskRequest,
            resp = customers::UnmaskResponse),
        route!(POST "/api/v1/exports", Perm(P::DataExport), exports::create, "exports",
            "Request a customer export: masked ones are ready at once, unmasked ones wait for another person's approval",
            req = exports::CreateExport, resp = exports::ExportView, status = 201),
        route!(GET "/api/v1/exports", Perm(P::DataExport), exports::list, "exports", "The own export requests",
            resp = exports::ExportList),
        route!(GET "/api/v1/exports/{export_id}", Perm(P::DataExport), exports::get, "exports", "One own export",
            resp = exports::ExportView),
        route!(GET "/api/v1/exports/{export_id}/download", Perm(P::DataExport), exports::download, "exports",
            "Download the CSV (unmasked: once, by the requester, after approval and a recent re-authentication)"),
        route!(POST "/api/v1/exports/{export_id}/deliver", Perm(P::DataExport), exports::deliver, "exports",
            "Deliver a masked export to the outbound folder (unmasked exports are download only)",
            resp = exports::DeliveredView, status = 201),
        route!(GET "/api/v1/export-approvals", Perm(P::ExportApprove), exports::list, "exports",
            "Every export request, for the approvers", resp = exports::ExportList),
        route!(POST "/api/v1/exports/{export_id}/approve", Perm(P::ExportApprove), exports::approve, "exports",
            "Approve another person's unmasked export", req = exports::DecideExport, resp = exports::ExportView),
        route!(POST "/api/v1/exports/{export_id}/reject", Perm(P::ExportApprove), exports::reject, "exports",
            "Reject another person's unmasked export", req = exports::DecideExport, resp = exports::ExportView),
        route!(POST "/api/v1/holdings/batch", Perm(P::CustomerWrite), holdings::batch, "customers",
            "Create or update up to 1,000 holdings by customer number and product code, with a result per item",
            req = holdings::HoldingBatchRequest, resp = customers::BatchResponse),
        route!(GET "/api/v1/customers/{customer_id}/holdings", Perm(P::CustomerRead), holdings::list, "customers",
            "A customer's holdings: amounts as bands, holdings above the customer's risk level flagged",
            resp = holdings::HoldingList),
        route!(GET "/api/v1/customers/{customer_id}/events", Perm(P::CustomerRead), events::list, "customers",
            "A customer's derived events, newest first", query = events::EventQuery, resp = events::EventList),
        route!(GET "/api/v1/customers/{customer_id}/consent", Perm(P::CustomerRead), customers::consent, "customers",
            "Marketing consent per channel", resp = customers::ConsentList),
        route!(PUT "/api/v1/customers/{customer_id}/consent", Perm(P::CustomerConsent), customers::set_consent,
            "customers", "Record a customer's marketing choice for some channels (audited with its source)",
            req = customers::ConsentRequest, resp = customers::ConsentList),
        route!(POST "/api/v1/customers/{customer_id}/sms", Perm(P::CustomerSms), sms::send, "customers",
            "Queue an SMS to the customer's own mobile through the bank's gateway (consent and egress guard checked)",
            req = sms::SendSms, resp = sms::SmsView, status = 202),
        route!(GET "/api/v1/customers/{customer_id}/sms", Perm(P::CustomerRead), sms::list, "customers",
            "The customer's SMS, newest first (status only, never the text)", resp = sms::SmsList),
        route!(GET "/api/v1/audit", Perm(P::AuditRead), audit::list, "audit", "Audit records, newest first",
            query = audit::AuditQuery, resp = audit::AuditPage),
        route!(GET "/api/v1/audit/stats", Perm(P::AuditRead), audit::stats, "audit",
            "Records per day and outcome", query = audit::StatsQuery, resp = audit::StatsResponse),
        route!(POST "/api/v1/audit/verify", Perm(P::AuditVerify), audit::verify, "audit", "Verify the whole chain",
            resp = audit::VerifyResponse),
        route!(GET "/api/v1/audit/{seq}", Perm(P::AuditRead), audit::get, "audit", "One audit record",
            resp = audit::AuditView),
        route!(GET "/api/v1/security/password-policy", Perm(P::SecurityPolicyRead), security::password_policy,
            "security", "The active password policy", resp = security::PolicyView),
        route!(GET "/wecom/callback/{name}", Public, wecom::verify, "wecom",
            "WeCom's URL check: answers the decrypted echostr (signature checked, no timestamp window)",
            query = wecom::CallbackQuery),
        route!(POST "/wecom/callback/{name}", Public, wecom::receive, "wecom",
            "An encrypted WeCom event (XML or JSON envelope, at most 64 KiB): stored, then answered `success`",
            query = wecom::CallbackQuery),
        route!(GET "/api/v1/wecom/contacts", Perm(P::CustomerRead), wecom_contacts::list, "wecom",
            "WeCom contacts whose follow members' staff sit in scope; `unlinked=true`: the work queue of contacts \
            not linked to a customer", query = wecom_contacts::ContactQuery, resp = wecom_contacts::WecomContactPage),
        route!(GET "/api/v1/wecom/contacts/{contact_id}", Perm(P::CustomerRead), wecom_contacts::get, "wecom",
            "One WeCom contact, its name masked", resp = wecom_contacts::WecomContactView),
        route!(POST "/api/v1/wecom/contacts/{contact_id}/link", Perm(P::WecomContactLink), wecom_contacts::link,
            "wecom", "Confirm that the contact is this customer (both in scope; audited)",
            req = wecom_contacts::LinkRequest, resp = wecom_contacts::WecomContactView),
        route!(DELETE "/api/v1/wecom/contacts/{contact_id}/link", Perm(P::WecomContactLink), wecom_contacts::unlink,
            "wecom", "Remove the contact's link: back to the work queue, left alone by automatic linking (audited)",
            resp = wecom_contacts::WecomContactView),
        route!(POST "/api/v1/wecom/contacts/{contact_id}/tags", Perm(P::WecomContactTag), wecom_tags::mark, "wecom",
            "Put corp tags on and take them off the customer's relation with a follow member: in WeCom first \
            (`mark_tag`), then here (contact in scope; audited)",
            req = wecom_tags::MarkTagsRequest, resp = wecom_tags::MarkedTags),
        route!(GET "/api/v1/wecom/corps", Perm(P::CustomerRead), wecom_tags::corps, "wecom",
            "The configured WeCom corps (name and corp id, never a secret)", resp = wecom_tags::CorpList),
        route!(GET "/api/v1/wecom/tags", Perm(P::CustomerRead), wecom_tags::list, "wecom",
            "The corp's tag catalogue as siyu holds it (pulled again whenever WeCom reports a change)",
            query = wecom_tags::CorpQuery, resp = wecom_tags::TagCatalogue),
        route!(POST "/api/v1/wecom/tags", Perm(P::WecomTagManage), wecom_tags::create, "wecom",
            "Create tags (in a group given by id, or found or created by name): in WeCom first, then here (audited)",
            req = wecom_tags::NewTagsRequest, resp = wecom_tags::TagGroupView, status = 201),
        route!(PUT "/api/v1/wecom/tags/{tag_id}", Perm(P::WecomTagManage), wecom_tags::rename, "wecom",
            "Rename a tag or a group (by its id): in WeCom first, then here (audited)",
            req = wecom_tags::RenameRequest, status = 204),
        route!(DELETE "/api/v1/wecom/tags/{tag_id}", Perm(P::WecomTagManage), wecom_tags::delete, "wecom",
            "Delete a tag, or a whole group by its id: in WeCom first, then here (audited)",
            query = wecom_tags::CorpQuery, resp = wecom_tags::Deleted),
        route!(GET "/api/v1/wecom/channels", Perm(P::CustomerRead), wecom_channels::list, "wecom",
            "Channel live codes (渠道活码) whose org node is in scope, newest first",
            query = wecom_channels::ChannelQuery, resp = wecom_channels::WecomChannelPage),
        route!(POST "/api/v1/wecom/channels", Perm(P::WecomChannelManage), wecom_channels::create, "wecom",
            "Create a channel live code: a WeCom contact way whose state attributes adds to it (audited)",
            req = wecom_channels::CreateChannel, resp = wecom_channels::WecomChannel, status = 201),
        route!(GET "/api/v1/wecom/channels/{channel_id}", Perm(P::CustomerRead), wecom_channels::get, "wecom",
            "One channel live code", resp = wecom_channels::WecomChannel),
        route!(PATCH "/api/v1/wecom/channels/{channel_id}", Perm(P::WecomChannelManage), wecom_channels::update,
            "wecom", "Edit a channel: name, kind, members (changed at WeCom too), welcome text (audited)",
            req = wecom_channels::UpdateChannel, resp = wecom_channels::WecomChannel),
        route!(DELETE "/api/v1/wecom/channels/{channel_id}", Perm(P::WecomChannelManage),
            wecom_channels::deactivate, "wecom",
            "Deactivate a channel: its contact way is deleted at WeCom; the record and stats stay (audited)",
            resp = wecom_channels::WecomChannel),
        route!(GET "/api/v1/wecom/channels/{channel_id}/qr.png", Perm(P::CustomerRead), wecom_channels::qr_png,
            "wecom", "The channel's QR code as a PNG image"),
        route!(GET "/api/v1/wecom/channels/{channel_id}/stats", Perm(P::CustomerRead), wecom_channels::stats,
            "wecom", "Adds, deletions, following, linked customers and welcomes of a channel, with a per-day series",
            query = wecom_channels::StatsQuery, resp = wecom_channels::WecomChannelStats),
        route!(POST "/api/v1/wecom/transfers", Perm(P::WecomTransfer), wecom_transfers::create, "wecom",
            "Queue the WeCom transfer of contacts or customers (in scope) to an RM (audited); the engine starts them \
            (on-duty or resigned flow from the handover RM's status) and polls the results",
            req = wecom_transfers::TransferBody, resp = wecom_transfers::TransferResponse, status = 201),
        route!(GET "/api/v1/wecom/transfers", Perm(P::CustomerRead), wecom_transfers::list, "wecom",
            "WeCom transfers in scope, newest first; `status=failed`: the managers' list",
            query = wecom_transfers::TransferQuery, resp = wecom_transfers::TransferPage),
        route!(POST "/api/v1/wecom/transfers/{transfer_id}/retry", Perm(P::WecomTransfer), wecom_transfers::retry,
            "wecom", "Queue a failed transfer again (audited)", resp = wecom_transfers::WecomTransferView,
            status = 201),
        route!(GET "/api/v1/wecom/stats/weekly", Perm(P::CustomerRead), wecom_transfers::weekly, "wecom",
            "A week's WeCom adds, deletions (by customer, by RM), net and add-target progress per RM and outlet \
            under a node in scope", query = wecom_transfers::WeeklyQuery, resp = wecom_transfers::WeeklyView),
        route!(PUT "/api/v1/wecom/targets", Perm(P::WecomTargetWrite), wecom_transfers::set_target, "wecom",
            "Set an RM's or outlet's weekly add target from a week on (audited)",
            req = wecom_transfers::TargetBody, resp = wecom_transfers::TargetView),
        route!(GET "/api/v1/system/status", Perm(P::SystemStatus), health::status, "system",
            "Version, database and migrations", resp = health::StatusView),
    ]
}

/// Registers every route, grouping methods by path so each path is one actix resource wrapped in the
/// authorization middleware that knows its rules.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let routes = table();
    let mut paths: Vec<&'static str> = Vec::new();
    for r in &routes {
        if !paths.contains(&r.path) {
            paths.push(r.path);
        }
    }
    for path in paths {
        let rules: Vec<(Method, Access)> =
            routes.iter().filter(|r| r.path == path).map(|r| (r.method.clone(), r.access)).collect();
        let mut resource = web::resource(path)
            .wrap(crate::middleware::authz::Authorize::new(rules))
            .default_service(web::to(crate::handlers::method_not_allowed));
        for r in routes.iter().filter(|r| r.path == path) {
            resource = resource.route((r.factory)());
        }
        cfg.service(resource);
    }
}
