//! Customer transfer (客户继承) so that no customer is lost when an RM resigns or customers are reassigned. A
//! transfer is one row per (contact, from RM, to RM): queued durably first (by the explicit API, by a reassignment
//! or a resignation, in their own transaction), then started by the engine (`transfer_customer`, or the
//! `resigned/` form when the handover RM has resigned), and its outcome polled from `transfer_result`; a
//! `transfer_fail` callback fails it at once. Failures stay listed for the managers of the customer's outlet, who
//! may retry or reassign. WeCom's rules surface as the per-contact errcode (40128: twice in 90 days already).

use crate::error::{check_text, AppError, Result};
use crate::principal::{Meta, Principal};
use crate::Env;
use chrono::{DateTime, Duration, Utc};
use siyu_connectors::wecom::api::transfer::{status, TransferCustomer, TransferResultQuery};
use siyu_connectors::wecom::WecomClient;
use siyu_domain::access::Permission;
use siyu_domain::egress::Channel;
use siyu_store::audit::{self, AuditEvent};
use siyu_store::page::{Page, Paged};
use siyu_store::time::{from_db, to_db};
use siyu_store::tx::write_tx;
use siyu_store::wecom::contacts::{self, ContactRow};
use siyu_store::wecom::links as link_store;
use siyu_store::wecom::locks;
use siyu_store::wecom::transfers::{self as store, TransferRow, FAILED, SUCCEEDED, WAITING};
use siyu_store::{staff, DbConn};

/// At most this many contacts per request (WeCom's limit per call).
pub const MAX_PER_CALL: usize = 100;
/// How long one replica holds a corp's transfers while it starts and polls them.
const LEASE: Duration = Duration::seconds(120);

/// A transfer as the API shows it (ids only: no names, no personal data).
#[derive(Debug, Clone, serde::Serialize)]
pub struct TransferView {
    pub id: String,
    pub corp: String,
    pub external_userid: String,
    pub customer_id: Option<String>,
    pub node_id: String,
    pub from_staff_id: String,
    pub to_staff_id: String,
    pub handover_userid: String,
    pub takeover_userid: String,
    pub flow: Option<String>,
    pub status: String,
    pub errcode: Option<i64>,
    pub reason: Option<String>,
    pub origin: String,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<TransferRow> for TransferView {
    fn from(r: TransferRow) -> Self {
        TransferView {
            id: r.id,
            corp: r.corp,
            external_userid: r.external_userid,
            customer_id: r.customer_id,
            node_id: r.node_id,
            from_staff_id: r.from_staff_id,
            to_staff_id: r.to_staff_id,
            handover_userid: r.handover_userid,
            takeover_userid: r.takeover_userid,
            flow: r.flow,
            status: r.status,
            errcode: r.errcode,
            reason: r.reason,
            origin: r.origin,
            created_at: from_db(r.created_at),
            started_at: r.started_at.map(from_db),
            finished_at: r.finished_at.map(from_db),
        }
    }
}

/// What to transfer: WeCom contacts (ids of `/api/v1/wecom/contacts`) and/or customers (their linked contacts),
/// to which RM, with the optional text the customer sees (on-duty transfers only; passes the egress guard).
#[derive(Debug, Clone, Default)]
pub struct TransferRequest {
    pub contact_ids: Vec<String>,
    pub customer_ids: Vec<String>,
    pub to_staff_id: String,
    pub message: Option<String>,
}

/// A contact of the request that was not queued, and why.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Skipped {
    pub id: String,
    pub reason: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Requested {
    pub items: Vec<TransferView>,
    pub skipped: Vec<Skipped>,
}

struct Target {
    corp: String,
    external: String,
    customer_id: Option<String>,
    /// The customer's outlet, when linked.
    customer_node: Option<String>,
    customer_rm: Option<String>,
    asked_as: String,
}

fn new_row(
    t: &Target,
    from: &staff::Staff,
    (handover, takeover): (&str, &str),
    to: &staff::Staff,
    now: DateTime<Utc>,
) -> TransferRow {
    let now = to_db(now);
    TransferRow {
        id: uuid::Uuid::now_v7().to_string(),
        corp: t.corp.clone(),
        external_userid: t.external.clone(),
        customer_id: t.customer_id.clone(),
        node_id: t.customer_node.clone().unwrap_or_else(|| from.node_id.clone()),
        from_staff_id: from.id.clone(),
        to_staff_id: to.id.clone(),
        handover_userid: handover.into(),
        takeover_userid: takeover.into(),
        flow: None,
        status: WAITING.into(),
        errcode: None,
        reason: None,
        message: None,
        origin: String::new(),
        created_by: None,
        created_at: now,
        started_at: None,
        finished_at: None,
        updated_at: now,
    }
}

fn takeover_of(conn: &mut DbConn, p: &Principal, to_staff_id: &str) -> Result<(staff::Staff, String)> {
    let to = staff::get_in_scope(conn, to_staff_id, &p.scope)?;
    match (&to.wecom_userid, to.status.as_str()) {
        (Some(u), "active") => {
            let u = u.clone();
            Ok((to, u))
        }
        _ => Err(AppError::refused(
            "takeover_not_wecom_member",
            "the takeover RM must be active and have a WeCom user id",
            "接替的客户经理须在职且已绑定企业微信账号",
        )),
    }
}

/// Queues transfers of the given contacts or customers to an RM (in the caller's scope; audited). The engine
/// starts them with WeCom shortly after; each one's outcome (and WeCom's errcode) is on its record.
pub fn request(conn: &mut DbConn, env: &Env, meta: &Meta, p: &Principal, req: &TransferRequest) -> Result<Requested> {
    p.require(Permission::WecomTransfer)?;
    let n = req.contact_ids.len() + req.customer_ids.len();
    if n == 0 || n > MAX_PER_CALL {
        return Err(AppError::validation("contact_ids", format!("give 1 to {MAX_PER_CALL} contacts or customers")));
    }
    if let Some(m) = &req.message {
        check_text("message", m, 1, 200)?;
        // Refused here, with nothing queued, rather than at the wire later.
        crate::egress::guard(conn, env, &p.audit(meta), Channel::Wecom, m)?;
    }
    let (to, takeover) = takeover_of(conn, p, &req.to_staff_id)?;
    let mut targets = vec![];
    let mut skipped = vec![];
    for id in &req.contact_ids {
        let l = link_store::get_in_scope(conn, id, &p.scope)?;
        let (node, rm) = match &l.customer_id {
            Some(c) => {
                let (node, rm) = store::customer_owner(conn, c)?;
                (Some(node), rm)
            }
            None => (None, None),
        };
        targets.push(Target {
            corp: l.corp,
            external: l.external_userid,
            customer_id: l.customer_id,
            customer_node: node,
            customer_rm: rm,
            asked_as: id.clone(),
        });
    }
    for id in &req.customer_ids {
        let row = crate::customers::in_scope(conn, p, id)?;
        let contacts = store::contacts_of_customer(conn, &row.id)?;
        if contacts.is_empty() {
            skipped.push(Skipped { id: id.clone(), reason: "no_wecom_contact".into() });
        }
        for (corp, external) in contacts {
            targets.push(Target {
                corp,
                external,
                customer_id: Some(row.id.clone()),
                customer_node: Some(row.node_id.clone()),
                customer_rm: row.rm_staff_id.clone(),
                asked_as: id.clone(),
            });
        }
    }
    let mut rows = vec![];
    for t in &targets {
        let follows = link_store::follow_users(conn, &t.corp, &t.external)?;
        if follows.contains(&takeover) {
            skipped.push(Skipped { id: t.asked_as.clone(), reason: "takeover_already_follows".into() });
            continue;
        }
        if !store::open_of_contact(conn, &t.corp, &t.external)?.is_empty() {
            skipped.push(Skipped { id: t.asked_as.clone(), reason: "transfer_in_progress".into() });
            continue;
        }
        // The handover: the customer's RM if they follow the contact, else the first follow member we know.
        let mut from = None;
        for u in &follows {
            if let Some(sid) = store::staff_of_userid(conn, u)? {
                if from.is_none() || t.customer_rm.as_deref() == Some(sid.as_str()) {
                    from = Some((sid, u.clone()));
                }
            }
        }
        let Some((from_id, handover)) = from else {
            skipped.push(Skipped { id: t.asked_as.clone(), reason: "no_handover_member".into() });
            continue;
        };
        let from = staff::get(conn, &from_id)?;
        let mut row = new_row(t, &from, (&handover, &takeover), &to, env.now());
        row.origin = "api".into();
        row.created_by = Some(p.staff_id.clone());
        row.message = req.message.clone();
        rows.push(row);
    }
    if rows.is_empty() {
        // Nothing changes: nothing to record.
        return Ok(Requested { items: vec![], skipped });
    }
    let now = env.now();
    write_tx(conn, |c| {
        for r in &rows {
            store::insert(c, r)?;
        }
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent::success("wecom.transfer_request", "staff", &to.id).with_detail(serde_json::json!({
                "queued": rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
                "skipped": skipped.len(),
            })),
            now,
        )?;
        Ok::<_, AppError>(())
    })?;
    Ok(Requested { items: rows.into_iter().map(Into::into).collect(), skipped })
}

/// Transfers in the caller's scope, of one status when given (`failed`: the managers' list).
pub fn list(conn: &mut DbConn, p: &Principal, status: Option<&str>, page: Page) -> Result<Paged<TransferView>> {
    p.require(Permission::CustomerRead)?;
    if let Some(s) = status {
        if ![WAITING, SUCCEEDED, FAILED].contains(&s) {
            return Err(AppError::validation("status", "one of waiting, succeeded, failed"));
        }
    }
    let rows = store::list_in_scope(conn, &p.scope, status, page)?;
    Ok(page.wrap(rows.items.into_iter().map(Into::into).collect(), rows.total))
}

/// Queues a failed transfer again (same contact, same RMs), audited.
pub fn retry(conn: &mut DbConn, env: &Env, meta: &Meta, p: &Principal, id: &str) -> Result<TransferView> {
    p.require(Permission::WecomTransfer)?;
    let old = store::get_in_scope(conn, id, &p.scope)?;
    if old.status != FAILED {
        return Err(AppError::refused(
            "transfer_not_failed",
            "only a failed transfer can be retried",
            "只有失败的继承可以重试",
        ));
    }
    if !store::open_of_contact(conn, &old.corp, &old.external_userid)?.is_empty() {
        return Err(AppError::refused(
            "transfer_in_progress",
            "a transfer of this contact is waiting",
            "该客户已有进行中的继承",
        ));
    }
    let now = to_db(env.now());
    let row = TransferRow {
        id: uuid::Uuid::now_v7().to_string(),
        flow: None,
        status: WAITING.into(),
        errcode: None,
        reason: None,
        origin: "retry".into(),
        created_by: Some(p.staff_id.clone()),
        created_at: now,
        started_at: None,
        finished_at: None,
        updated_at: now,
        ..old.clone()
    };
    write_tx(conn, |c| {
        store::insert(c, &row)?;
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent::success("wecom.transfer_retry", "wecom_transfer", &row.id)
                .with_detail(serde_json::json!({"retry_of": old.id})),
            env.now(),
        )?;
        Ok::<_, AppError>(())
    })?;
    Ok(row.into())
}

/// A customer changed RM (reassignment, resignation): queues the WeCom transfer of their contacts from the old
/// RM's WeCom account to the new one's, in the caller's transaction. Nothing when either has no WeCom user id.
pub(crate) fn queue_on_reassign(
    c: &mut DbConn,
    customer_id: &str,
    from_staff_id: &str,
    to_staff_id: &str,
    by: Option<&str>,
    now: DateTime<Utc>,
) -> Result<usize> {
    let from = staff::get(c, from_staff_id)?;
    let to = staff::get(c, to_staff_id)?;
    let (Some(handover), Some(takeover)) = (from.wecom_userid.clone(), to.wecom_userid.clone()) else { return Ok(0) };
    let (customer_node, _) = store::customer_owner(c, customer_id)?;
    let mut n = 0;
    for (corp, external) in store::contacts_of_customer(c, customer_id)? {
        if store::live_relations(c, &corp, &handover, std::slice::from_ref(&external))?.is_empty()
            || !store::open_of_contact(c, &corp, &external)?.is_empty()
        {
            continue;
        }
        let t = Target {
            corp,
            external,
            customer_id: Some(customer_id.into()),
            customer_node: Some(customer_node.clone()),
            customer_rm: None,
            asked_as: String::new(),
        };
        let mut row = new_row(&t, &from, (&handover, &takeover), &to, now);
        row.origin = "reassignment".into();
        row.created_by = by.map(Into::into);
        store::insert(c, &row)?;
        n += 1;
    }
    Ok(n)
}

/// WeCom's `transfer_fail` callback (UserID is the takeover member): fails the waiting transfer at once.
pub(crate) fn on_transfer_fail(
    c: &mut DbConn,
    corp: &str,
    external: &str,
    takeover: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<usize> {
    let mut n = 0;
    for mut r in store::open_of_contact(c, corp, external)? {
        if r.takeover_userid == takeover {
            finish(&mut r, FAILED, None, Some(reason), now);
            store::update(c, &r)?;
            n += 1;
        }
    }
    Ok(n)
}

fn finish(r: &mut TransferRow, status: &str, errcode: Option<i64>, reason: Option<&str>, now: DateTime<Utc>) {
    r.status = status.into();
    r.errcode = errcode;
    r.reason = reason.map(Into::into);
    r.finished_at = Some(to_db(now));
    r.updated_at = to_db(now);
}

/// What one round of a corp's transfers did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct WorkReport {
    pub started: usize,
    pub refused: usize,
    pub succeeded: usize,
    pub failed: usize,
}

impl WorkReport {
    pub fn total(&self) -> usize {
        self.started + self.refused + self.succeeded + self.failed
    }
}

fn lock_name(corp: &str) -> String {
    format!("transfers/{corp}")
}

/// Starts `corp`'s queued transfers and, when `poll` is set, polls the results of the started ones, as `owner`.
/// None when another replica holds the corp.
pub fn work(
    conn: &mut DbConn,
    env: &Env,
    client: &WecomClient,
    corp: &str,
    owner: &str,
    poll: bool,
) -> Result<Option<WorkReport>> {
    let now = env.now();
    if !locks::acquire(conn, &lock_name(corp), owner, now + LEASE, now)? {
        return Ok(None);
    }
    let result = (|| {
        let mut report = start_queued(conn, env, client, corp)?;
        if poll {
            let r = poll_results(conn, env, client, corp)?;
            report.succeeded += r.succeeded;
            report.failed += r.failed;
        }
        Ok::<_, AppError>(report)
    })();
    let released = locks::release(conn, &lock_name(corp), owner);
    let report = result?;
    released?;
    Ok(Some(report))
}

fn reason_of(errcode: i64) -> &'static str {
    match errcode {
        40096 => "invalid_external_userid",
        40097 => "handover_not_resigned",
        40098 => "takeover_not_verified",
        40099 | 4 => "customer_limit_exceed",
        40100 | 40129 => "already_in_transfer",
        40128 => "too_frequent",
        40130 => "same_handover_takeover",
        40131 => "handover_not_follower",
        40143 => "takeover_banned",
        60111 => "takeover_not_member",
        _ => "wecom_error",
    }
}

/// (handover, takeover, flow, message): the transfers one WeCom call can start together.
type GroupKey = (String, String, String, Option<String>);

fn start_queued(conn: &mut DbConn, env: &Env, client: &WecomClient, corp: &str) -> Result<WorkReport> {
    let queued = store::waiting(conn, corp, false, 1000)?;
    let mut report = WorkReport::default();
    if queued.is_empty() {
        return Ok(report);
    }
    let wecom = |e: siyu_connectors::wecom::ClientError| AppError::Internal(format!("WeCom: {e}"));
    let followers = client.get_follow_user_list().map_err(wecom)?;
    // Grouped by (handover, takeover, flow, message): one call per group of ≤100.
    let mut groups: Vec<(GroupKey, Vec<TransferRow>)> = vec![];
    let mut done: Vec<TransferRow> = vec![];
    let now = env.now();
    for mut r in queued {
        if !followers.contains(&r.takeover_userid) {
            finish(&mut r, FAILED, None, Some("takeover_not_follow_user"), now);
            done.push(r);
            continue;
        }
        let resigned = staff::get(conn, &r.from_staff_id)?.status == "resigned";
        let flow = if resigned { "resigned" } else { "on_duty" }.to_string();
        let key = (r.handover_userid.clone(), r.takeover_userid.clone(), flow, r.message.clone());
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(r),
            None => groups.push((key, vec![r])),
        }
    }
    for ((handover, takeover, flow, message), rows) in groups {
        let mut pending: Vec<(String, Vec<TransferRow>)> =
            rows.chunks(MAX_PER_CALL).map(|c| (flow.clone(), c.to_vec())).collect();
        while let Some((flow, chunk)) = pending.pop() {
            let chunk = &chunk[..];
            let req = TransferCustomer {
                handover_userid: handover.clone(),
                takeover_userid: takeover.clone(),
                external_userid: chunk.iter().map(|r| r.external_userid.clone()).collect(),
                transfer_success_msg: if flow == "on_duty" { message.clone() } else { None },
            };
            let answer = if flow == "resigned" {
                client.resigned_transfer_customer(&req)
            } else {
                client.transfer_customer(&req)
            };
            let now = env.now();
            match answer {
                Ok(started) => {
                    for r in chunk {
                        let mut r = r.clone();
                        r.flow = Some(flow.clone());
                        let code = started
                            .customer
                            .iter()
                            .find(|i| i.external_userid == r.external_userid)
                            .map(|i| i.errcode)
                            .unwrap_or(-1);
                        // 40100: already in transfer — ours, started by a round that died before recording it.
                        if code == 0 || (code == 40100 && r.started_at.is_none()) {
                            r.started_at = Some(to_db(now));
                            r.updated_at = to_db(now);
                            report.started += 1;
                        } else {
                            r.started_at = Some(to_db(now));
                            finish(&mut r, FAILED, Some(code), Some(reason_of(code)), now);
                            report.refused += 1;
                        }
                        done.push(r);
                    }
                }
                Err(e) => {
                    match e.wecom().filter(|w| !w.is_transient() && !w.is_rate_limited() && !w.is_token_invalid()) {
                        // WeCom refused the whole call (40097, 60111, 40130…): every contact of it fails with that code.
                        // Resigned in siyu but not yet in WeCom (40097): the member is still there, so the
                        // on-duty flow hands the customers over instead.
                        Some(w) if w.errcode == 40097 && flow == "resigned" => {
                            pending.push(("on_duty".into(), chunk.to_vec()));
                        }
                        Some(w) => {
                            for r in chunk {
                                let mut r = r.clone();
                                r.flow = Some(flow.clone());
                                finish(&mut r, FAILED, Some(w.errcode), Some(reason_of(w.errcode)), now);
                                report.refused += 1;
                                done.push(r);
                            }
                        }
                        // The egress guard refused the message: the transfer fails, nothing was sent.
                        // The egress guard refused the body (the message, or an id that looks like a number
                        // it protects): one contact at a time, so only the offending ones fail.
                        None if matches!(e, siyu_connectors::wecom::ClientError::Refused(_)) && chunk.len() > 1 => {
                            pending.extend(chunk.iter().map(|r| (flow.clone(), vec![r.clone()])));
                        }
                        None if matches!(e, siyu_connectors::wecom::ClientError::Refused(_)) => {
                            for r in chunk {
                                let mut r = r.clone();
                                finish(&mut r, FAILED, None, Some("refused_by_egress_guard"), now);
                                report.refused += 1;
                                done.push(r);
                            }
                        }
                        // Transient (network, token cache): left queued for the next round.
                        None => tracing::warn!(corp, error = %e, "WeCom transfer not started; retried later"),
                    }
                }
            }
        }
    }
    record(conn, env, corp, "wecom.transfer_start", &done, &report)?;
    Ok(report)
}

fn poll_results(conn: &mut DbConn, env: &Env, client: &WecomClient, corp: &str) -> Result<WorkReport> {
    let started = store::waiting(conn, corp, true, 10_000)?;
    let mut report = WorkReport::default();
    let mut pairs: Vec<(String, String, bool)> = vec![];
    for r in &started {
        let k = (r.handover_userid.clone(), r.takeover_userid.clone(), r.flow.as_deref() == Some("resigned"));
        if !pairs.contains(&k) {
            pairs.push(k);
        }
    }
    let mut done = vec![];
    for (handover, takeover, resigned) in pairs {
        let mut seen: Vec<(String, i32, i64)> = vec![];
        let mut cursor = String::new();
        loop {
            let q =
                TransferResultQuery { handover_userid: handover.clone(), takeover_userid: takeover.clone(), cursor };
            let page = if resigned { client.resigned_transfer_result(&q) } else { client.transfer_result(&q) };
            let page = match page {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(corp, error = %e, "WeCom transfer results not read; retried later");
                    break;
                }
            };
            seen.extend(page.customer.into_iter().map(|s| (s.external_userid, s.status, s.takeover_time)));
            if page.next_cursor.is_empty() {
                break;
            }
            cursor = page.next_cursor;
        }
        let now = env.now();
        for r in started.iter().filter(|r| {
            r.handover_userid == handover
                && r.takeover_userid == takeover
                && (r.flow.as_deref() == Some("resigned")) == resigned
        }) {
            // The latest record WeCom has for the customer between these two members.
            let Some(&(_, st, _)) = seen.iter().filter(|s| s.0 == r.external_userid).max_by_key(|s| s.2) else {
                continue;
            };
            let mut r = r.clone();
            match st {
                status::DONE => {
                    finish(&mut r, SUCCEEDED, None, None, now);
                    report.succeeded += 1;
                }
                status::WAITING => continue,
                status::REFUSED => {
                    finish(&mut r, FAILED, Some(3), Some("customer_refused"), now);
                    report.failed += 1;
                }
                status::LIMIT => {
                    finish(&mut r, FAILED, Some(4), Some("customer_limit_exceed"), now);
                    report.failed += 1;
                }
                status::NO_RECORD => {
                    finish(&mut r, FAILED, Some(5), Some("no_transfer_record"), now);
                    report.failed += 1;
                }
                _ => continue,
            }
            done.push(r);
        }
    }
    record(conn, env, corp, "wecom.transfer_result", &done, &report)?;
    Ok(report)
}

/// Saves a round's changed rows with one audit record.
fn record(conn: &mut DbConn, env: &Env, corp: &str, action: &str, rows: &[TransferRow], r: &WorkReport) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    write_tx(conn, |c| {
        for row in rows {
            store::update(c, row)?;
            if row.status == SUCCEEDED {
                move_relation(c, row, env.now())?;
            }
        }
        audit::append(
            c,
            &super::system_context(),
            &AuditEvent::success(action, "wecom_corp", corp).with_detail(serde_json::json!({
                "transfers": rows.iter().map(|x| serde_json::json!({"id": x.id, "status": x.status, "errcode": x.errcode}))
                    .collect::<Vec<_>>(),
                "started": r.started, "refused": r.refused, "succeeded": r.succeeded, "failed": r.failed,
            })),
            env.now(),
        )?;
        Ok::<_, AppError>(())
    })
}

/// A transfer taken over: the takeover member now follows the customer and the handover member no longer does
/// (WeCom sends no add callback for the takeover, and none at all for a resigned member's customers).
fn move_relation(c: &mut DbConn, r: &TransferRow, now: DateTime<Utc>) -> Result<()> {
    let at = to_db(now);
    let live = |x: &ContactRow| x.status == "active" || x.status == "half";
    if !contacts::get(c, &r.corp, &r.external_userid, &r.takeover_userid)?.as_ref().is_some_and(live) {
        contacts::save(
            c,
            &ContactRow {
                corp: r.corp.clone(),
                external_userid: r.external_userid.clone(),
                follow_userid: r.takeover_userid.clone(),
                status: "active".into(),
                state: None,
                added_at: Some(at),
                deleted_at: None,
                delete_reason: None,
                transfer_failure: None,
                last_event: "transfer".into(),
                last_event_at: at,
                updated_at: at,
            },
        )?;
    }
    if let Some(mut old) = contacts::get(c, &r.corp, &r.external_userid, &r.handover_userid)?.filter(live) {
        old.status = "deleted".into();
        old.deleted_at = Some(at);
        old.delete_reason = Some("transfer".into());
        old.last_event = "transfer".into();
        old.last_event_at = at;
        old.updated_at = at;
        contacts::save(c, &old)?;
    }
    Ok(())
}

/// Corps with waiting transfers.
pub fn corps_waiting(conn: &mut DbConn) -> Result<Vec<String>> {
    Ok(store::corps_waiting(conn)?)
}

/// Whether `corp` has transfers queued but not yet sent to WeCom.
pub fn has_queued(conn: &mut DbConn, corp: &str) -> Result<bool> {
    Ok(!store::waiting(conn, corp, false, 1)?.is_empty())
}
