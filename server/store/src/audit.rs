//! Appending to, reading and verifying the audit chain. Nothing here updates or deletes a record.

use crate::conn::DbConn;
use crate::error::{Result, StoreError};
use crate::page::{Page, Paged};
use crate::schema::{audit_head, audit_log};
use crate::time::{from_db, to_db};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use siyu_domain::audit::{compute_hash, AuditRecord, ChainVerifier, Outcome};
use siyu_domain::ids::EventId;

/// Who acted, from where: filled once per request by the web layer.
#[derive(Debug, Clone, Default)]
pub struct AuditContext {
    pub actor_id: String,
    pub actor_name: String,
    pub actor_roles: String,
    pub org_node_id: String,
    pub client_addr: String,
    pub request_id: String,
    pub session_hash: String,
}

/// What happened.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub outcome: Outcome,
    pub error_code: String,
    pub reason: String,
    /// Extra facts; never personal data.
    pub detail: serde_json::Value,
}

impl AuditEvent {
    pub fn success(action: &str, target_type: &str, target_id: impl ToString) -> Self {
        Self {
            action: action.into(),
            target_type: target_type.into(),
            target_id: target_id.to_string(),
            outcome: Outcome::Success,
            error_code: String::new(),
            reason: String::new(),
            detail: serde_json::Value::Null,
        }
    }

    pub fn failure(action: &str, target_type: &str, target_id: impl ToString, error_code: &str) -> Self {
        Self {
            outcome: Outcome::Failure,
            error_code: error_code.into(),
            ..Self::success(action, target_type, target_id)
        }
    }

    pub fn with_detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

#[derive(Queryable, Insertable, Selectable, Debug)]
#[diesel(table_name = audit_log)]
struct Row {
    seq: i64,
    event_id: String,
    at: NaiveDateTime,
    actor_id: String,
    actor_name: String,
    actor_roles: String,
    org_node_id: String,
    action: String,
    target_type: String,
    target_id: String,
    outcome: String,
    error_code: String,
    reason: String,
    client_addr: String,
    request_id: String,
    session_hash: String,
    detail: String,
    prev_hash: String,
    hash: String,
}

impl Row {
    fn into_record(self) -> AuditRecord {
        AuditRecord {
            seq: self.seq,
            event_id: self.event_id,
            at: from_db(self.at),
            actor_id: self.actor_id,
            actor_name: self.actor_name,
            actor_roles: self.actor_roles,
            org_node_id: self.org_node_id,
            action: self.action,
            target_type: self.target_type,
            target_id: self.target_id,
            // An unreadable outcome must fail verification, not be guessed: keep the hash check honest by
            // mapping it to a value whose hash cannot match what was stored.
            outcome: Outcome::parse(&self.outcome).unwrap_or(Outcome::Failure),
            error_code: self.error_code,
            reason: self.reason,
            client_addr: self.client_addr,
            request_id: self.request_id,
            session_hash: self.session_hash,
            detail: self.detail,
            prev_hash: self.prev_hash,
            hash: self.hash,
        }
    }
}

/// Appends one record. Must run inside `tx::write_tx`, which holds the head's lock.
pub fn append(conn: &mut DbConn, ctx: &AuditContext, ev: &AuditEvent, now: DateTime<Utc>) -> Result<i64> {
    let (head_seq, head_hash): (i64, String) =
        audit_head::table.find(1i64).select((audit_head::seq, audit_head::hash)).first(conn)?;
    let detail = if ev.detail.is_null() { "{}".to_string() } else { ev.detail.to_string() };
    let mut r = AuditRecord {
        seq: head_seq + 1,
        event_id: EventId::new().to_string(),
        at: from_db(to_db(now)),
        actor_id: ctx.actor_id.clone(),
        actor_name: ctx.actor_name.clone(),
        actor_roles: ctx.actor_roles.clone(),
        org_node_id: ctx.org_node_id.clone(),
        action: ev.action.clone(),
        target_type: ev.target_type.clone(),
        target_id: ev.target_id.clone(),
        outcome: ev.outcome,
        error_code: ev.error_code.clone(),
        reason: ev.reason.clone(),
        client_addr: ctx.client_addr.clone(),
        request_id: ctx.request_id.clone(),
        session_hash: ctx.session_hash.clone(),
        detail,
        prev_hash: head_hash,
        hash: String::new(),
    };
    r.hash = compute_hash(&r);
    let row = Row {
        seq: r.seq,
        event_id: r.event_id,
        at: to_db(r.at),
        actor_id: r.actor_id,
        actor_name: r.actor_name,
        actor_roles: r.actor_roles,
        org_node_id: r.org_node_id,
        action: r.action,
        target_type: r.target_type,
        target_id: r.target_id,
        outcome: r.outcome.as_str().into(),
        error_code: r.error_code,
        reason: r.reason,
        client_addr: r.client_addr,
        request_id: r.request_id,
        session_hash: r.session_hash,
        detail: r.detail,
        prev_hash: r.prev_hash,
        hash: r.hash.clone(),
    };
    diesel::insert_into(audit_log::table).values(&row).execute(conn)?;
    diesel::update(audit_head::table.find(1i64))
        .set((audit_head::seq.eq(row.seq), audit_head::hash.eq(&r.hash)))
        .execute(conn)?;
    Ok(row.seq)
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    /// Matches the actor's id or name.
    pub actor: Option<String>,
    pub outcome: Option<Outcome>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

fn filtered(f: &AuditFilter) -> audit_log::BoxedQuery<'static, crate::conn::MultiBackend> {
    let mut q = audit_log::table.into_boxed();
    if let Some(a) = &f.action {
        // A prefix such as `auth.` selects a family of actions.
        q = if a.ends_with('.') {
            q.filter(audit_log::action.like(format!("{}%", crate::page::escape_like(a))).escape('\\'))
        } else {
            q.filter(audit_log::action.eq(a.clone()))
        };
    }
    if let Some(a) = &f.actor {
        q = q.filter(audit_log::actor_id.eq(a.clone()).or(audit_log::actor_name.eq(a.clone())));
    }
    if let Some(o) = f.outcome {
        q = q.filter(audit_log::outcome.eq(o.as_str()));
    }
    if let Some(t) = &f.target_type {
        q = q.filter(audit_log::target_type.eq(t.clone()));
    }
    if let Some(t) = &f.target_id {
        q = q.filter(audit_log::target_id.eq(t.clone()));
    }
    if let Some(t) = f.from {
        q = q.filter(audit_log::at.ge(to_db(t)));
    }
    if let Some(t) = f.to {
        q = q.filter(audit_log::at.lt(to_db(t)));
    }
    q
}

/// Records matching `f`, newest first.
pub fn list(conn: &mut DbConn, f: &AuditFilter, page: Page) -> Result<Paged<AuditRecord>> {
    let total: i64 = filtered(f).count().get_result(conn)?;
    let rows: Vec<Row> = filtered(f)
        .select(Row::as_select())
        .order(audit_log::seq.desc())
        .offset(page.offset())
        .limit(page.limit())
        .load(conn)?;
    Ok(page.wrap(rows.into_iter().map(Row::into_record).collect(), total))
}

pub fn get(conn: &mut DbConn, seq: i64) -> Result<AuditRecord> {
    let row: Row = audit_log::table.find(seq).select(Row::as_select()).first(conn)?;
    Ok(row.into_record())
}

/// The result of walking the chain.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VerifyReport {
    pub ok: bool,
    pub checked: i64,
    pub first_broken_seq: Option<i64>,
    pub reason: Option<String>,
}

/// Walks the whole chain page by page, as far as the head recorded when the walk began.
pub fn verify(conn: &mut DbConn, page_size: i64) -> Result<VerifyReport> {
    let (head_seq, head_hash): (i64, String) =
        audit_head::table.find(1i64).select((audit_head::seq, audit_head::hash)).first(conn).map_err(|e| {
            match StoreError::from(e) {
                StoreError::NotFound => StoreError::Corrupt("the audit head is missing".into()),
                other => other,
            }
        })?;
    let mut v = ChainVerifier::default();
    let mut after = 0i64;
    let mut checked = 0i64;
    loop {
        let rows: Vec<Row> = audit_log::table
            .filter(audit_log::seq.gt(after))
            .filter(audit_log::seq.le(head_seq.max(after + page_size)))
            .order(audit_log::seq.asc())
            .limit(page_size)
            .select(Row::as_select())
            .load(conn)?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            after = row.seq;
            let r = row.into_record();
            if let Err((seq, why)) = v.check(&r) {
                return Ok(VerifyReport {
                    ok: false,
                    checked,
                    first_broken_seq: Some(seq),
                    reason: Some(why.describe()),
                });
            }
            checked += 1;
        }
        if after >= head_seq {
            break;
        }
    }
    match v.finish(head_seq, &head_hash) {
        Ok(n) => Ok(VerifyReport { ok: true, checked: n, first_broken_seq: None, reason: None }),
        Err((seq, why)) => {
            Ok(VerifyReport { ok: false, checked, first_broken_seq: Some(seq), reason: Some(why.describe()) })
        }
    }
}

/// How many successful `action` records `actor_id` has since `since` (quotas such as unmasks per day).
pub fn count_since(conn: &mut DbConn, action: &str, actor_id: &str, since: DateTime<Utc>) -> Result<i64> {
    Ok(audit_log::table
        .filter(audit_log::action.eq(action))
        .filter(audit_log::actor_id.eq(actor_id))
        .filter(audit_log::outcome.eq(Outcome::Success.as_str()))
        .filter(audit_log::at.ge(to_db(since)))
        .count()
        .get_result(conn)?)
}

/// Counts of records per day and outcome, for the auditor's chart.
pub fn daily_counts(conn: &mut DbConn, since: DateTime<Utc>) -> Result<Vec<(String, String, i64)>> {
    let rows: Vec<(NaiveDateTime, String)> = audit_log::table
        .filter(audit_log::at.ge(to_db(since)))
        .select((audit_log::at, audit_log::outcome))
        .load(conn)?;
    let mut map = std::collections::BTreeMap::<(String, String), i64>::new();
    for (at, outcome) in rows {
        *map.entry((at.format("%Y-%m-%d").to_string(), outcome)).or_default() += 1;
    }
    Ok(map.into_iter().map(|((d, o), n)| (d, o, n)).collect())
}
