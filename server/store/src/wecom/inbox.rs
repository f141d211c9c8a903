//! The callback inbox and the nonces seen. `accept` is the callback's whole durable write: one short transaction
//! (nonce, then event), never the audit chain's lock, so callbacks do not queue behind audited writes.

use crate::conn::DbConn;
use crate::error::Result;
use crate::schema::{wecom_inbox, wecom_nonces};
use crate::time::{from_db, to_db};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

/// After this many failed attempts an event is `dead`: kept for inspection, no longer retried.
pub const MAX_ATTEMPTS: i64 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    /// Applied.
    Processed,
    /// Stored but not acted on (an event type this version does not use).
    Ignored,
    /// Failed; retried at `next_attempt_at`.
    Failed,
    /// Failed `MAX_ATTEMPTS` times.
    Dead,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Processed => "processed",
            Status::Ignored => "ignored",
            Status::Failed => "failed",
            Status::Dead => "dead",
        }
    }
}

/// An event to store, decrypted and parsed by the caller.
pub struct NewEvent<'a> {
    pub corp: &'a str,
    pub dedupe_key: &'a str,
    pub event_type: &'a str,
    pub change_type: Option<&'a str>,
    pub create_time: i64,
    /// The decrypted XML.
    pub event: &'a str,
}

/// What `accept` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accepted {
    /// A new event, stored under this id.
    Stored(String),
    /// The same request again (same nonce and signature: WeCom's retry), nothing stored.
    Retry,
    /// Another delivery of an event already stored (same identity), nothing stored.
    Duplicate,
    /// The nonce was already used with another signature: a replay, nothing stored.
    Replay,
}

/// Records the nonce and stores the event, in one transaction; see [`Accepted`].
pub fn accept(
    conn: &mut DbConn,
    e: &NewEvent<'_>,
    nonce: &str,
    signature: &str,
    now: DateTime<Utc>,
) -> Result<Accepted> {
    let t = to_db(now);
    conn.transaction(|c| {
        let fresh = on_backend!(c, |c| diesel::insert_into(wecom_nonces::table)
            .values((
                wecom_nonces::corp.eq(e.corp),
                wecom_nonces::nonce.eq(nonce),
                wecom_nonces::signature.eq(signature),
                wecom_nonces::seen_at.eq(t),
            ))
            .on_conflict_do_nothing()
            .execute(c))?;
        if fresh == 0 {
            let seen: String = wecom_nonces::table.find((e.corp, nonce)).select(wecom_nonces::signature).first(c)?;
            return Ok(if seen.eq_ignore_ascii_case(signature) { Accepted::Retry } else { Accepted::Replay });
        }
        let id = uuid::Uuid::now_v7().to_string();
        let stored = on_backend!(c, |c| diesel::insert_into(wecom_inbox::table)
            .values((
                wecom_inbox::id.eq(&id),
                wecom_inbox::corp.eq(e.corp),
                wecom_inbox::dedupe_key.eq(e.dedupe_key),
                wecom_inbox::event_type.eq(e.event_type),
                wecom_inbox::change_type.eq(e.change_type),
                wecom_inbox::create_time.eq(e.create_time),
                wecom_inbox::event.eq(e.event),
                wecom_inbox::status.eq(Status::Pending.as_str()),
                wecom_inbox::attempts.eq(0i64),
                wecom_inbox::last_error.eq(None::<String>),
                wecom_inbox::received_at.eq(t),
                wecom_inbox::next_attempt_at.eq(t),
                wecom_inbox::processed_at.eq(None::<NaiveDateTime>),
            ))
            .on_conflict_do_nothing()
            .execute(c))?;
        Ok(if stored == 1 { Accepted::Stored(id) } else { Accepted::Duplicate })
    })
}

/// Forgets nonces seen before `before`; returns how many.
pub fn prune_nonces(conn: &mut DbConn, before: DateTime<Utc>) -> Result<usize> {
    Ok(diesel::delete(wecom_nonces::table.filter(wecom_nonces::seen_at.lt(to_db(before)))).execute(conn)?)
}

/// A stored event.
#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = wecom_inbox)]
pub struct InboxRow {
    pub id: String,
    pub corp: String,
    pub dedupe_key: String,
    pub event_type: String,
    pub change_type: Option<String>,
    pub create_time: i64,
    pub event: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub received_at: NaiveDateTime,
    pub next_attempt_at: NaiveDateTime,
    pub processed_at: Option<NaiveDateTime>,
}

impl InboxRow {
    pub fn received_at(&self) -> DateTime<Utc> {
        from_db(self.received_at)
    }
}

/// Corps that have events due at `now`.
pub fn corps_due(conn: &mut DbConn, now: DateTime<Utc>) -> Result<Vec<String>> {
    Ok(wecom_inbox::table
        .filter(wecom_inbox::status.eq_any([Status::Pending.as_str(), Status::Failed.as_str()]))
        .filter(wecom_inbox::next_attempt_at.le(to_db(now)))
        .select(wecom_inbox::corp)
        .distinct()
        .load(conn)?)
}

/// Up to `limit` of `corp`'s events due at `now`, in the order they happened (WeCom's CreateTime, then arrival).
pub fn due(conn: &mut DbConn, corp: &str, now: DateTime<Utc>, limit: i64) -> Result<Vec<InboxRow>> {
    Ok(wecom_inbox::table
        .filter(wecom_inbox::corp.eq(corp))
        .filter(wecom_inbox::status.eq_any([Status::Pending.as_str(), Status::Failed.as_str()]))
        .filter(wecom_inbox::next_attempt_at.le(to_db(now)))
        .order((wecom_inbox::create_time.asc(), wecom_inbox::received_at.asc(), wecom_inbox::id.asc()))
        .limit(limit)
        .select(InboxRow::as_select())
        .load(conn)?)
}

/// Marks an event done (`Processed` or `Ignored`).
pub fn finish(conn: &mut DbConn, id: &str, status: Status, now: DateTime<Utc>) -> Result<()> {
    diesel::update(wecom_inbox::table.find(id))
        .set((
            wecom_inbox::status.eq(status.as_str()),
            wecom_inbox::attempts.eq(wecom_inbox::attempts + 1),
            wecom_inbox::last_error.eq(None::<String>),
            wecom_inbox::processed_at.eq(Some(to_db(now))),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a failed attempt: retried at `retry_at`, or `Dead` after [`MAX_ATTEMPTS`]. Returns the new status.
pub fn fail(conn: &mut DbConn, row: &InboxRow, reason: &str, retry_at: DateTime<Utc>) -> Result<Status> {
    let attempts = row.attempts + 1;
    let status = if attempts >= MAX_ATTEMPTS { Status::Dead } else { Status::Failed };
    let reason: String = reason.chars().take(500).collect();
    diesel::update(wecom_inbox::table.find(&row.id))
        .set((
            wecom_inbox::status.eq(status.as_str()),
            wecom_inbox::attempts.eq(attempts),
            wecom_inbox::last_error.eq(Some(reason)),
            wecom_inbox::next_attempt_at.eq(to_db(retry_at)),
        ))
        .execute(conn)?;
    Ok(status)
}

/// One corp's events, oldest first (tests and inspection).
pub fn list(conn: &mut DbConn, corp: &str) -> Result<Vec<InboxRow>> {
    Ok(wecom_inbox::table
        .filter(wecom_inbox::corp.eq(corp))
        .order((wecom_inbox::create_time.asc(), wecom_inbox::received_at.asc(), wecom_inbox::id.asc()))
        .select(InboxRow::as_select())
        .load(conn)?)
}

/// How many nonces are remembered for `corp`.
pub fn nonce_count(conn: &mut DbConn, corp: &str) -> Result<i64> {
    Ok(wecom_nonces::table.filter(wecom_nonces::corp.eq(corp)).count().get_result(conn)?)
}
