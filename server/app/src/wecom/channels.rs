//! Channel live codes (渠道活码): a WeCom contact way per outlet, RM, event or campaign whose `state` attributes
//! the adds made through it, its QR image, its stats, and the welcome message sent with each add's welcome_code.
//! WeCom is called before the row is written (a failed call changes nothing here); the row and its audit record
//! are one transaction. Text for WeCom leaves only through the egress-guarded client.

use crate::error::{check_text, AppError, Result};
use crate::principal::{Meta, Principal};
use crate::Env;
use chrono::{DateTime, Utc};
use siyu_connectors::wecom::api::contact_way::{ContactWay, UpdateContactWay, WelcomeMsg};
use siyu_connectors::wecom::api::Text;
use siyu_connectors::wecom::{ClientError, WecomClient};
use siyu_domain::access::Permission;
use siyu_domain::wecom_channel::{self as rule, Kind};
use siyu_store::audit::{self, AuditEvent};
use siyu_store::page::{Page, Paged};
use siyu_store::time::{from_db, to_db};
use siyu_store::tx::write_tx;
use siyu_store::wecom::channels::{self as store, ChannelRow, WelcomeRow};
use siyu_store::{DbConn, Pool};

pub const ACTIVE: &str = "active";
pub const INACTIVE: &str = "inactive";

/// A channel to create.
#[derive(Debug, Clone)]
pub struct NewChannel {
    pub corp: String,
    pub name: String,
    pub kind: String,
    pub node_id: String,
    pub rm_staff_ids: Vec<String>,
    pub welcome_text: Option<String>,
    /// A chosen code (the state becomes `ch_<code>`); generated from the id when absent.
    pub code: Option<String>,
}

/// The fields to change; absent ones stay. An empty welcome text removes it.
#[derive(Debug, Clone, Default)]
pub struct ChannelPatch {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub rm_staff_ids: Option<Vec<String>>,
    pub welcome_text: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ChannelView {
    pub id: String,
    pub corp: String,
    pub name: String,
    pub kind: String,
    pub node_id: String,
    pub rm_staff_ids: Vec<String>,
    pub follow_userids: Vec<String>,
    pub state: String,
    pub config_id: Option<String>,
    pub qr_code: Option<String>,
    pub welcome_text: Option<String>,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn view(r: ChannelRow) -> ChannelView {
    ChannelView {
        rm_staff_ids: serde_json::from_str(&r.rm_staff_ids).unwrap_or_default(),
        follow_userids: serde_json::from_str(&r.follow_userids).unwrap_or_default(),
        id: r.id,
        corp: r.corp,
        name: r.name,
        kind: r.kind,
        node_id: r.node_id,
        state: r.state,
        config_id: r.config_id,
        qr_code: r.qr_code,
        welcome_text: r.welcome_text,
        status: r.status,
        created_at: from_db(r.created_at),
        updated_at: from_db(r.updated_at),
    }
}

fn check_name(name: &str) -> Result<()> {
    check_text("name", name, 1, 60)
}

fn check_kind(kind: &str) -> Result<Kind> {
    Kind::parse(kind).ok_or_else(|| AppError::validation("kind", "must be outlet, rm, event or campaign"))
}

fn check_welcome(text: &Option<String>) -> Result<Option<String>> {
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) if t.len() > rule::WELCOME_MAX_BYTES => {
            Err(AppError::validation("welcome_text", format!("must have at most {} bytes", rule::WELCOME_MAX_BYTES)))
        }
        Some(t) => Ok(Some(t.to_string())),
    }
}

/// The members behind staff ids: each an active member of staff inside the caller's scope with a WeCom userid.
fn members(conn: &mut DbConn, p: &Principal, staff_ids: &[String]) -> Result<Vec<String>> {
    let bad = |m: String| AppError::validation("rm_staff_ids", m);
    if staff_ids.is_empty() {
        return Err(bad("at least one relationship manager is needed".into()));
    }
    if staff_ids.len() > rule::MAX_MEMBERS {
        return Err(bad(format!("at most {} relationship managers", rule::MAX_MEMBERS)));
    }
    let mut out = Vec::with_capacity(staff_ids.len());
    for id in staff_ids {
        let s = match siyu_store::staff::get_in_scope(conn, id, &p.scope) {
            Ok(s) => s,
            Err(siyu_store::StoreError::NotFound | siyu_store::StoreError::OutOfScope { .. }) => {
                return Err(bad(format!("unknown relationship manager {id}")))
            }
            Err(e) => return Err(e.into()),
        };
        let Some(u) = s.wecom_userid.filter(|u| !u.is_empty() && s.status == "active") else {
            return Err(bad(format!("{id} is not an active WeCom member")));
        };
        if out.contains(&u) {
            return Err(bad(format!("{id} is listed twice")));
        }
        out.push(u);
    }
    Ok(out)
}

/// The welcome text is checked when it is saved, so the operator learns at once; it is checked again when each
/// message leaves (a customer named in it may have arrived since).
fn guard_welcome(conn: &mut DbConn, env: &Env, meta: &Meta, p: &Principal, text: Option<&str>) -> Result<()> {
    match text {
        Some(t) => crate::egress::guard(conn, env, &p.audit(meta), siyu_domain::egress::Channel::Wecom, t),
        None => Ok(()),
    }
}

/// The remark shown in WeCom's admin console: the channel's name, cut to WeCom's 30 characters.
fn remark(name: &str) -> String {
    name.chars().take(30).collect()
}

pub fn create(
    pool: &Pool,
    conn: &mut DbConn,
    env: &Env,
    meta: &Meta,
    p: &Principal,
    n: NewChannel,
) -> Result<ChannelView> {
    p.require(Permission::WecomChannelManage)?;
    check_name(&n.name)?;
    let kind = check_kind(&n.kind)?;
    let welcome = check_welcome(&n.welcome_text)?;
    super::corp(env, &n.corp).ok_or_else(|| super::client::unknown_corp(&n.corp))?;
    let node = siyu_store::org::get_in_scope(conn, &n.node_id, &p.scope)?;
    let users = members(conn, p, &n.rm_staff_ids)?;
    let id = uuid::Uuid::now_v7();
    let state = match n.code.as_deref() {
        None => rule::generated_state(&id),
        Some(code) => rule::state_of_code(code).map_err(|e| match e {
            rule::StateError::Empty => AppError::validation("code", "must not be empty"),
            rule::StateError::TooLong { max } => {
                AppError::validation("code", format!("must have at most {max} characters (WeCom's state takes 30)"))
            }
            rule::StateError::BadCharacter => AppError::validation("code", "only letters, digits, - and _"),
        })?,
    };
    if store::by_state(conn, &n.corp, &state)?.is_some() {
        return Err(AppError::Conflict("code already exists".into()));
    }
    guard_welcome(conn, env, meta, p, welcome.as_deref())?;
    let client = super::client::for_corp(pool, env, &n.corp)?;
    let way = ContactWay {
        // Always a multi-member way (2), even for one member: WeCom cannot change a way's type later, and a type-1
        // way cannot take a second member.
        kind: 2,
        scene: 2,
        remark: Some(remark(&n.name)),
        skip_verify: Some(true),
        state: Some(state.clone()),
        user: users.clone(),
        ..Default::default()
    };
    let made = client.add_contact_way(&way).map_err(super::client::failed)?;
    let now = env.now();
    let row = ChannelRow {
        id: id.to_string(),
        corp: n.corp.clone(),
        name: n.name.trim().to_string(),
        kind: kind.as_str().into(),
        node_id: node.id.clone(),
        rm_staff_ids: serde_json::to_string(&n.rm_staff_ids).unwrap_or_default(),
        follow_userids: serde_json::to_string(&users).unwrap_or_default(),
        state,
        config_id: Some(made.config_id.clone()),
        qr_code: made.qr_code,
        welcome_text: welcome,
        status: ACTIVE.into(),
        created_by: p.staff_id.clone(),
        created_at: to_db(now),
        updated_at: to_db(now),
    };
    let written = write_tx(conn, |c| {
        store::insert(c, &row)?;
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent::success("wecom.channel_create", "wecom_channel", &row.id).with_detail(serde_json::json!({
                "corp": row.corp, "kind": row.kind, "node_id": row.node_id, "state": row.state,
                "config_id": row.config_id, "members": users.len(), "welcome": row.welcome_text.is_some(),
            })),
            now,
        )?;
        Ok::<_, AppError>(())
    });
    if let Err(e) = written {
        // Not recorded here: take the code back so WeCom has no channel we do not know.
        if let Err(del) = client.del_contact_way(&made.config_id) {
            tracing::warn!(config_id = %made.config_id, error = %del, "contact way left at WeCom after a failed write");
        }
        return Err(e);
    }
    Ok(view(row))
}

pub fn get(conn: &mut DbConn, p: &Principal, id: &str) -> Result<ChannelView> {
    p.require(Permission::CustomerRead)?;
    Ok(view(store::get_in_scope(conn, id, &p.scope)?))
}

pub fn list(conn: &mut DbConn, p: &Principal, status: Option<&str>, page: Page) -> Result<Paged<ChannelView>> {
    p.require(Permission::CustomerRead)?;
    if let Some(s) = status.filter(|s| *s != ACTIVE && *s != INACTIVE) {
        return Err(AppError::validation("status", format!("{s}: must be active or inactive")));
    }
    let rows = store::list_in_scope(conn, &p.scope, status, page)?;
    Ok(page.wrap(rows.items.into_iter().map(view).collect(), rows.total))
}

fn client_of(pool: &Pool, env: &Env, row: &ChannelRow) -> Result<WecomClient> {
    super::client::for_corp(pool, env, &row.corp)
}

pub fn update(
    pool: &Pool,
    conn: &mut DbConn,
    env: &Env,
    meta: &Meta,
    p: &Principal,
    id: &str,
    patch: ChannelPatch,
) -> Result<ChannelView> {
    p.require(Permission::WecomChannelManage)?;
    let mut row = store::get_in_scope(conn, id, &p.scope)?;
    if row.status != ACTIVE {
        return Err(AppError::refused(
            "channel_inactive",
            "the channel is deactivated; create a new one",
            "该渠道活码已停用，请新建",
        ));
    }
    let mut changed = vec![];
    if let Some(name) = &patch.name {
        check_name(name)?;
        changed.push("name");
    }
    let kind = patch.kind.as_deref().map(check_kind).transpose()?;
    if kind.is_some() {
        changed.push("kind");
    }
    let welcome = patch.welcome_text.as_ref().map(|t| check_welcome(&Some(t.clone()))).transpose()?;
    if let Some(w) = &welcome {
        changed.push("welcome_text");
        guard_welcome(conn, env, meta, p, w.as_deref())?;
    }
    let users = match &patch.rm_staff_ids {
        Some(ids) => {
            changed.push("rm_staff_ids");
            Some(members(conn, p, ids)?)
        }
        None => None,
    };
    // WeCom first: only what it shows (remark, members) goes there.
    if patch.name.is_some() || users.is_some() {
        let config_id = row.config_id.clone().unwrap_or_default();
        let req = UpdateContactWay {
            config_id,
            remark: patch.name.as_deref().map(remark),
            user: users.clone(),
            ..Default::default()
        };
        client_of(pool, env, &row)?.update_contact_way(&req).map_err(super::client::failed)?;
    }
    let now = env.now();
    if let Some(n) = &patch.name {
        row.name = n.trim().to_string();
    }
    if let Some(k) = kind {
        row.kind = k.as_str().into();
    }
    if let Some(w) = welcome {
        row.welcome_text = w;
    }
    if let (Some(ids), Some(u)) = (&patch.rm_staff_ids, &users) {
        row.rm_staff_ids = serde_json::to_string(ids).unwrap_or_default();
        row.follow_userids = serde_json::to_string(u).unwrap_or_default();
    }
    row.updated_at = to_db(now);
    write_tx(conn, |c| {
        store::update(c, &row)?;
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent::success("wecom.channel_update", "wecom_channel", &row.id)
                .with_detail(serde_json::json!({"changed": changed, "corp": row.corp})),
            now,
        )?;
        Ok::<_, AppError>(())
    })?;
    Ok(view(row))
}

/// Deactivates the channel: its contact way is deleted at WeCom (the QR code stops working); the row and its
/// stats stay.
pub fn deactivate(
    pool: &Pool,
    conn: &mut DbConn,
    env: &Env,
    meta: &Meta,
    p: &Principal,
    id: &str,
) -> Result<ChannelView> {
    p.require(Permission::WecomChannelManage)?;
    let mut row = store::get_in_scope(conn, id, &p.scope)?;
    if row.status == INACTIVE {
        return Ok(view(row));
    }
    if let Some(config_id) = &row.config_id {
        match client_of(pool, env, &row)?.del_contact_way(config_id) {
            Ok(()) => {}
            // Already gone at WeCom (41044 invalid config_id): what we wanted.
            Err(ClientError::Api(w)) if w.errcode == 41044 => {}
            Err(e) => return Err(super::client::failed(e)),
        }
    }
    let now = env.now();
    row.status = INACTIVE.into();
    row.updated_at = to_db(now);
    write_tx(conn, |c| {
        store::update(c, &row)?;
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent::success("wecom.channel_deactivate", "wecom_channel", &row.id)
                .with_detail(serde_json::json!({"corp": row.corp, "config_id": row.config_id})),
            now,
        )?;
        Ok::<_, AppError>(())
    })?;
    Ok(view(row))
}

/// The channel's QR code as a PNG image.
pub fn qr_png(conn: &mut DbConn, p: &Principal, id: &str) -> Result<Vec<u8>> {
    p.require(Permission::CustomerRead)?;
    let row = store::get_in_scope(conn, id, &p.scope)?;
    let url = row.qr_code.filter(|_| row.status == ACTIVE).ok_or_else(|| {
        AppError::refused("channel_no_qr", "the channel has no live QR code", "该渠道活码没有可用的二维码")
    })?;
    super::qr::png(&url, super::qr::SCALE)
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ChannelStats {
    pub channel_id: String,
    #[serde(flatten)]
    pub totals: rule::Totals,
    pub linked_customers: i64,
    pub welcomes_sent: i64,
    pub welcomes_failed: i64,
    pub welcomes_refused: i64,
    pub days: Vec<rule::Day>,
}

/// Adds, deletions (by customer, by RM), currently following, linked customers, welcomes; per day for the last
/// `days` days (1–366, default 30).
pub fn stats(conn: &mut DbConn, env: &Env, p: &Principal, id: &str, days: Option<i64>) -> Result<ChannelStats> {
    p.require(Permission::CustomerRead)?;
    let days = days.unwrap_or(30);
    if !(1..=366).contains(&days) {
        return Err(AppError::validation("days", "must be 1 to 366"));
    }
    let row = store::get_in_scope(conn, id, &p.scope)?;
    let adds: Vec<rule::Add> = store::adds(conn, &row.corp, &row.state)?
        .into_iter()
        .map(|a| rule::Add {
            added_at: a.added_at.map(from_db),
            deleted_at: a.deleted_at.map(from_db),
            status: a.status,
            delete_reason: a.delete_reason,
        })
        .collect();
    let tz = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    let since = (env.now() - chrono::Duration::days(days - 1)).with_timezone(&tz).date_naive();
    let (totals, per_day) = rule::stats(&adds, since);
    let counts = store::welcome_counts(conn, &row.id)?;
    let count = |s: &str| counts.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
    Ok(ChannelStats {
        linked_customers: store::linked_customers(conn, &row.corp, &row.state)?,
        welcomes_sent: count("sent"),
        welcomes_failed: count("failed") + count("sending"),
        welcomes_refused: count("refused"),
        channel_id: row.id,
        totals,
        days: per_day,
    })
}

/// Plans the channel's welcome for an applied add (inside the inbox's transaction): once per welcome_code, only
/// for an active channel with a welcome text. True when planned now.
pub(crate) fn plan_welcome(
    c: &mut DbConn,
    corp: &str,
    state: Option<&str>,
    welcome_code: Option<&str>,
    external: &str,
    user: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let (Some(state), Some(code)) = (state.filter(|s| rule::is_channel_state(s)), welcome_code) else {
        return Ok(false);
    };
    let Some(ch) = store::by_state(c, corp, state)? else { return Ok(false) };
    if ch.status != ACTIVE || ch.welcome_text.is_none() {
        return Ok(false);
    }
    Ok(store::plan_welcome(
        c,
        &WelcomeRow {
            id: uuid::Uuid::now_v7().to_string(),
            corp: corp.into(),
            welcome_code: code.into(),
            channel_id: ch.id,
            external_userid: external.into(),
            follow_userid: user.into(),
            status: "pending".into(),
            error: None,
            created_at: to_db(now),
            updated_at: to_db(now),
        },
    )?)
}

/// What one round of welcome sending did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WelcomeReport {
    pub sent: usize,
    pub failed: usize,
    pub refused: usize,
}

/// Sends the corp's planned welcomes at once (a welcome_code lives 20 s). Each is claimed (pending → sending) before
/// the call, so a code is never used twice even by two replicas; the outcome and its audit record are one
/// transaction. A text the egress guard refuses is recorded `refused` and never sent.
pub fn send_welcomes(pool: &Pool, conn: &mut DbConn, env: &Env, corp: &str) -> Result<WelcomeReport> {
    send_welcomes_with(conn, env, corp, || super::client::for_corp(pool, env, corp))
}

pub fn send_welcomes_with(
    conn: &mut DbConn,
    env: &Env,
    corp: &str,
    client: impl FnOnce() -> Result<WecomClient>,
) -> Result<WelcomeReport> {
    let mut report = WelcomeReport::default();
    let due = store::pending_welcomes(conn, corp, 100)?;
    if due.is_empty() {
        return Ok(report);
    }
    let client = match client() {
        Ok(c) => c,
        Err(e) => {
            // No client for the corp (its secret or configuration is gone): the codes will expire unused, so the
            // welcomes are recorded failed now rather than retried every poll.
            let why = e.to_string();
            for w in &due {
                let now = env.now();
                write_tx(conn, |c| {
                    if store::set_welcome_status(c, &w.id, "pending", "failed", Some(&why), to_db(now))? {
                        audit::append(
                            c,
                            &super::system_context(),
                            &AuditEvent::failure("wecom.welcome_send", "wecom_channel", &w.channel_id, "failed")
                                .with_detail(serde_json::json!({
                                    "corp": w.corp, "welcome_id": w.id, "status": "failed", "error": why,
                                })),
                            now,
                        )?;
                    }
                    Ok::<_, AppError>(())
                })?;
                report.failed += 1;
            }
            return Ok(report);
        }
    };
    for w in due {
        if !store::set_welcome_status(conn, &w.id, "pending", "sending", None, to_db(env.now()))? {
            continue;
        }
        let text = store::get(conn, &w.channel_id)?.welcome_text.unwrap_or_default();
        let msg = WelcomeMsg {
            welcome_code: w.welcome_code.clone(),
            text: Some(Text { content: text }),
            attachments: vec![],
        };
        let (status, error) = match client.send_welcome_msg(&msg) {
            Ok(()) => ("sent", None),
            Err(ClientError::Refused(r)) => ("refused", Some(r.reason)),
            Err(ClientError::Api(e)) => ("failed", Some(format!("{} {}", e.errcode, e.errmsg))),
            Err(e) => ("failed", Some(e.to_string())),
        };
        match status {
            "sent" => report.sent += 1,
            "refused" => report.refused += 1,
            _ => report.failed += 1,
        }
        let now = env.now();
        write_tx(conn, |c| {
            store::set_welcome_status(c, &w.id, "sending", status, error.as_deref(), to_db(now))?;
            let event = if status == "sent" {
                AuditEvent::success("wecom.welcome_send", "wecom_channel", &w.channel_id)
            } else {
                AuditEvent::failure("wecom.welcome_send", "wecom_channel", &w.channel_id, status)
            };
            audit::append(
                c,
                &super::system_context(),
                &event.with_detail(serde_json::json!({
                    "corp": w.corp, "welcome_id": w.id, "external_userid": w.external_userid,
                    "follow_userid": w.follow_userid, "status": status, "error": error,
                })),
                now,
            )?;
            Ok::<_, AppError>(())
        })?;
    }
    Ok(report)
}

/// Corps with welcomes waiting.
pub fn corps_with_welcomes(conn: &mut DbConn) -> Result<Vec<String>> {
    Ok(store::corps_with_pending_welcomes(conn)?)
}
