//! The mail outbox: mails written with the change that causes them, taken by the engine when due.

use crate::conn::DbConn;
use crate::error::Result;
use crate::schema::mail_outbox;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Queryable, Selectable, Insertable, Clone)]
#[diesel(table_name = mail_outbox)]
pub struct OutboxMail {
    pub id: String,
    pub kind: String,
    pub to_addr: String,
    pub subject: String,
    pub body: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub next_attempt_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

impl std::fmt::Debug for OutboxMail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OutboxMail({} {} {})", self.id, self.kind, self.status)
    }
}

pub fn insert(conn: &mut DbConn, m: &OutboxMail) -> Result<()> {
    diesel::insert_into(mail_outbox::table).values(m).execute(conn)?;
    Ok(())
}

/// Pending mails due by `now`, oldest first.
pub fn due(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> Result<Vec<OutboxMail>> {
    Ok(mail_outbox::table
        .filter(mail_outbox::status.eq("pending"))
        .filter(mail_outbox::next_attempt_at.le(now))
        .order(mail_outbox::created_at.asc())
        .limit(limit)
        .select(OutboxMail::as_select())
        .load(conn)?)
}

/// Claims a due mail for one attempt: pushes its next attempt to `retry_at` so a concurrent replica skips it;
/// false when another replica claimed it first.
pub fn claim(conn: &mut DbConn, id: &str, seen_next: NaiveDateTime, retry_at: NaiveDateTime) -> Result<bool> {
    let n = diesel::update(
        mail_outbox::table
            .find(id)
            .filter(mail_outbox::status.eq("pending"))
            .filter(mail_outbox::next_attempt_at.eq(seen_next)),
    )
    .set((mail_outbox::next_attempt_at.eq(retry_at), mail_outbox::attempts.eq(mail_outbox::attempts + 1)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Records the outcome of an attempt: `sent`, `blocked` (the egress guard refused it), `failed` (given up), or
/// still `pending` with the error.
pub fn finish(
    conn: &mut DbConn,
    id: &str,
    status: &str,
    error: Option<&str>,
    sent_at: Option<NaiveDateTime>,
) -> Result<()> {
    diesel::update(mail_outbox::table.find(id))
        .set((mail_outbox::status.eq(status), mail_outbox::last_error.eq(error), mail_outbox::sent_at.eq(sent_at)))
        .execute(conn)?;
    Ok(())
}

pub fn by_kind(conn: &mut DbConn, kind: &str) -> Result<Vec<OutboxMail>> {
    Ok(mail_outbox::table
        .filter(mail_outbox::kind.eq(kind))
        .order(mail_outbox::created_at.asc())
        .select(OutboxMail::as_select())
        .load(conn)?)
}
