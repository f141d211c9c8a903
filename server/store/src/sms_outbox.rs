//! The SMS outbox: messages to customers written with the request that causes them, taken by the engine when due.
//! The text is sealed (`sealed::SMS_TEXT`); the recipient is the customer, whose mobile is read when sending.

use crate::conn::DbConn;
use crate::error::Result;
use crate::schema::sms_outbox;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Queryable, Selectable, Insertable, Clone)]
#[diesel(table_name = sms_outbox)]
pub struct OutboxSms {
    pub id: String,
    pub customer_id: String,
    pub requested_by: String,
    /// Sealed.
    pub text: String,
    /// `pending`, `sent`, `blocked` (the egress guard refused it), `cancelled` (the customer opted out of SMS or
    /// has no mobile any more) or `failed` (given up).
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    /// The gateway's id of the message, once accepted.
    pub gateway_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub next_attempt_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

impl std::fmt::Debug for OutboxSms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OutboxSms({} {})", self.id, self.status)
    }
}

pub fn insert(conn: &mut DbConn, m: &OutboxSms) -> Result<()> {
    diesel::insert_into(sms_outbox::table).values(m).execute(conn)?;
    Ok(())
}

/// Pending messages due by `now`, oldest first.
pub fn due(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> Result<Vec<OutboxSms>> {
    Ok(sms_outbox::table
        .filter(sms_outbox::status.eq("pending"))
        .filter(sms_outbox::next_attempt_at.le(now))
        .order(sms_outbox::created_at.asc())
        .limit(limit)
        .select(OutboxSms::as_select())
        .load(conn)?)
}

/// Claims a due message for one attempt: pushes its next attempt to `retry_at` so a concurrent replica skips it;
/// false when another replica claimed it first.
pub fn claim(conn: &mut DbConn, id: &str, seen_next: NaiveDateTime, retry_at: NaiveDateTime) -> Result<bool> {
    let n = diesel::update(
        sms_outbox::table
            .find(id)
            .filter(sms_outbox::status.eq("pending"))
            .filter(sms_outbox::next_attempt_at.eq(seen_next)),
    )
    .set((sms_outbox::next_attempt_at.eq(retry_at), sms_outbox::attempts.eq(sms_outbox::attempts + 1)))
    .execute(conn)?;
    Ok(n == 1)
}

/// The outcome of one attempt.
#[derive(Debug, Clone, Copy)]
pub struct Outcome<'a> {
    pub status: &'a str,
    pub error: Option<&'a str>,
    pub gateway_id: Option<&'a str>,
    pub sent_at: Option<NaiveDateTime>,
}

pub fn finish(conn: &mut DbConn, id: &str, o: &Outcome<'_>) -> Result<()> {
    diesel::update(sms_outbox::table.find(id))
        .set((
            sms_outbox::status.eq(o.status),
            sms_outbox::last_error.eq(o.error),
            sms_outbox::gateway_id.eq(o.gateway_id),
            sms_outbox::sent_at.eq(o.sent_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// A customer's messages, newest first.
pub fn of_customer(conn: &mut DbConn, customer_id: &str, limit: i64) -> Result<Vec<OutboxSms>> {
    Ok(sms_outbox::table
        .filter(sms_outbox::customer_id.eq(customer_id))
        .order((sms_outbox::created_at.desc(), sms_outbox::id.desc()))
        .limit(limit)
        .select(OutboxSms::as_select())
        .load(conn)?)
}

pub fn get(conn: &mut DbConn, id: &str) -> Result<OutboxSms> {
    Ok(sms_outbox::table.find(id).select(OutboxSms::as_select()).first(conn)?)
}
