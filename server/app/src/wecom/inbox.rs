//! Applies stored callbacks to `wecom_contacts`, in WeCom's order, one corp at a time across all replicas (a
//! lease per corp), one transaction and one audit record per batch: the audit chain serialises writers, so the
//! callback itself never writes to it.

use crate::error::{AppError, Result};
use crate::Env;
use chrono::{DateTime, Duration, TimeZone, Utc};
use siyu_connectors::wecom::xml::{self, CallbackEvent, ExternalContactEvent, TransferFailReason};
use siyu_domain::wecom_contact::{self as rule, Change, DeleteReason, Relation};
use siyu_store::audit::{self, AuditEvent};
use siyu_store::time::{from_db, to_db};
use siyu_store::tx::write_tx;
use siyu_store::wecom::contacts::{self, ContactRow};
use siyu_store::wecom::inbox::{self, InboxRow, Status};
use siyu_store::wecom::locks;
use siyu_store::DbConn;

/// Events applied per transaction.
pub const BATCH: i64 = 200;
/// How long one replica holds a corp's inbox while it works through a batch.
const LEASE: Duration = Duration::seconds(60);

/// What one batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct BatchReport {
    pub processed: usize,
    pub ignored: usize,
    pub failed: usize,
}

impl BatchReport {
    pub fn total(&self) -> usize {
        self.processed + self.ignored + self.failed
    }
}

/// Retry after a failed attempt: 30 s, 1 min, 2 min, … capped at 30 min.
fn retry_after(attempts: i64) -> Duration {
    Duration::seconds((30i64 << attempts.clamp(0, 6)).min(1800))
}

fn lock_name(corp: &str) -> String {
    format!("inbox/{corp}")
}

/// Works through one batch of `corp`'s due events as `owner`. None when another replica holds the corp.
pub fn process_batch(conn: &mut DbConn, env: &Env, corp: &str, owner: &str) -> Result<Option<BatchReport>> {
    let now = env.now();
    if !locks::acquire(conn, &lock_name(corp), owner, now + LEASE, now)? {
        return Ok(None);
    }
    let result = apply_batch(conn, env, corp);
    // Released whatever happened: a failed batch is retried by whoever comes next.
    let released = locks::release(conn, &lock_name(corp), owner);
    let report = result?;
    released?;
    Ok(Some(report))
}

fn apply_batch(conn: &mut DbConn, env: &Env, corp: &str) -> Result<BatchReport> {
    let now = env.now();
    let rows = inbox::due(conn, corp, now, BATCH)?;
    if rows.is_empty() {
        return Ok(BatchReport::default());
    }
    write_tx(conn, |c| {
        let mut report = BatchReport::default();
        for row in &rows {
            match apply_one(c, row, now)? {
                Ok(status) => {
                    inbox::finish(c, &row.id, status, now)?;
                    if status == Status::Ignored {
                        report.ignored += 1;
                    } else {
                        report.processed += 1;
                    }
                }
                Err(reason) => {
                    let st = inbox::fail(c, row, &reason, now + retry_after(row.attempts))?;
                    tracing::warn!(corp, inbox_id = %row.id, status = st.as_str(), reason = %reason, "WeCom event not applied");
                    report.failed += 1;
                }
            }
        }
        audit::append(
            c,
            &super::system_context(),
            &AuditEvent::success("wecom.inbox_batch", "wecom_corp", corp).with_detail(serde_json::json!({
                "processed": report.processed, "ignored": report.ignored, "failed": report.failed,
                "first": rows.first().map(|r| r.id.clone()), "last": rows.last().map(|r| r.id.clone()),
            })),
            now,
        )?;
        Ok::<_, AppError>(report)
    })
}

/// Applies one event. The outer error aborts the batch (the database failed); the inner one is this event's own
/// failure, recorded on it and retried later.
fn apply_one(c: &mut DbConn, row: &InboxRow, now: DateTime<Utc>) -> Result<std::result::Result<Status, String>> {
    let event = match xml::parse_event(&row.event) {
        Ok(e) => e,
        Err(e) => return Ok(Err(format!("stored event does not parse: {e}"))),
    };
    let CallbackEvent::ExternalContact(e) = event.kind else { return Ok(Ok(Status::Ignored)) };
    let mut welcome_code = None;
    let (user, external, change) = match e {
        ExternalContactEvent::Add { user_id, external_user_id, state, welcome_code: code } => {
            welcome_code = code;
            (user_id, external_user_id, Change::Add { state })
        }
        ExternalContactEvent::AddHalf { user_id, external_user_id, state, welcome_code: code } => {
            welcome_code = code;
            (user_id, external_user_id, Change::AddHalf { state })
        }
        ExternalContactEvent::Edit { user_id, external_user_id } => (user_id, external_user_id, Change::Edit),
        ExternalContactEvent::Del { user_id, external_user_id, by_transfer } => {
            let why = if by_transfer { DeleteReason::Transfer } else { DeleteReason::Member };
            (user_id, external_user_id, Change::Delete(why))
        }
        ExternalContactEvent::DelFollowUser { user_id, external_user_id } => {
            (user_id, external_user_id, Change::Delete(DeleteReason::Customer))
        }
        ExternalContactEvent::TransferFail { user_id, external_user_id, reason } => {
            let reason = match reason {
                TransferFailReason::CustomerRefused => "customer_refused".to_string(),
                TransferFailReason::CustomerLimitExceed => "customer_limit_exceed".to_string(),
                TransferFailReason::Other(o) => o.chars().take(64).collect(),
            };
            (user_id, external_user_id, Change::TransferFail { reason })
        }
    };
    let Some(at) = Utc.timestamp_opt(event.header.create_time, 0).single() else {
        return Ok(Err("CreateTime out of range".into()));
    };
    let prev = contacts::get(c, &row.corp, &external, &user)?;
    let prev_rel = match prev.as_ref().map(relation_of).transpose() {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    // A transfer the customer refused fails its siyu record, whatever the relation shows (transfers.rs).
    if let Change::TransferFail { reason } = &change {
        super::transfers::on_transfer_fail(c, &row.corp, &external, &user, reason, now)?;
    }
    // An event older than what the relation reflects changes nothing, and is done.
    if let Some(next) = rule::apply(prev_rel.as_ref(), &change, at) {
        contacts::save(c, &row_of(&row.corp, &external, &user, &next, now))?;
        // Adds and deletions feed the weekly figures (stats.rs).
        let prev_status = prev_rel.as_ref().map(|r| r.status);
        super::stats::record(c, &row.id, &row.corp, &external, &user, prev_status, &change, at)?;
        // A new customer may name themselves through the channel code's state: One-ID at once.
        if let Change::Add { state } | Change::AddHalf { state } = &change {
            super::links::ensure_contact(c, &row.corp, &external, now)?;
            super::links::auto_link(c, &row.corp, &external, now)?;
            // Through a channel with a welcome message: planned here (once per code), sent by the poller at once.
            super::channels::plan_welcome(
                c,
                &row.corp,
                state.as_deref(),
                welcome_code.as_deref(),
                &external,
                &user,
                now,
            )?;
        }
    }
    Ok(Ok(Status::Processed))
}

pub(crate) fn relation_of(r: &ContactRow) -> std::result::Result<Relation, String> {
    Ok(Relation {
        status: rule::Status::parse(&r.status).ok_or_else(|| format!("stored contact status {}", r.status))?,
        state: r.state.clone(),
        added_at: r.added_at.map(from_db),
        deleted_at: r.deleted_at.map(from_db),
        delete_reason: r.delete_reason.as_deref().and_then(DeleteReason::parse),
        transfer_failure: r.transfer_failure.clone(),
        last_event: r.last_event.clone(),
        last_event_at: from_db(r.last_event_at),
    })
}

pub(crate) fn row_of(corp: &str, external: &str, user: &str, r: &Relation, now: DateTime<Utc>) -> ContactRow {
    ContactRow {
        corp: corp.into(),
        external_userid: external.into(),
        follow_userid: user.into(),
        status: r.status.as_str().into(),
        state: r.state.clone(),
        added_at: r.added_at.map(to_db),
        deleted_at: r.deleted_at.map(to_db),
        delete_reason: r.delete_reason.map(|d| d.as_str().to_string()),
        transfer_failure: r.transfer_failure.clone(),
        last_event: r.last_event.clone(),
        last_event_at: to_db(r.last_event_at),
        updated_at: to_db(now),
    }
}

/// How long nonces are kept: twice the longest timestamp window of any corp (300 s when every window is off, since
/// WeCom's retries come within minutes), plus a minute of margin for clock skew between replicas.
pub fn nonce_retention(env: &Env) -> Duration {
    let window = env.settings.wecom.corps.iter().map(|c| c.callback_max_age_secs).max().unwrap_or(0).max(300);
    // A timestamp may lie up to a window ahead as well as behind, so a nonce must outlive twice the window.
    Duration::seconds(2 * window as i64 + 60)
}

/// Forgets nonces older than the retention; returns how many.
pub fn prune_nonces(conn: &mut DbConn, env: &Env) -> Result<usize> {
    Ok(inbox::prune_nonces(conn, env.now() - nonce_retention(env))?)
}

/// Corps with events due now.
pub fn corps_due(conn: &mut DbConn, env: &Env) -> Result<Vec<String>> {
    Ok(inbox::corps_due(conn, env.now())?)
}
