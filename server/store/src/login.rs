//! Failed logins and locks, kept by user name (known or not, so both get the same answer) and by address.

use crate::conn::DbConn;
use crate::error::Result;
use crate::schema::{login_failures, login_locks};
use crate::time::{from_db, to_db};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

pub fn record_failure(conn: &mut DbConn, username: &str, addr: &str, now: DateTime<Utc>) -> Result<()> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::id.eq(uuid::Uuid::now_v7().to_string()),
            login_failures::username.eq(username),
            login_failures::client_addr.eq(addr),
            login_failures::at.eq(to_db(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Times of failures for `username` within `window` of `now`.
pub fn recent_failures(
    conn: &mut DbConn,
    username: &str,
    window: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<DateTime<Utc>>> {
    let rows: Vec<NaiveDateTime> = login_failures::table
        .filter(login_failures::username.eq(username))
        .filter(login_failures::at.gt(to_db(now - window)))
        .select(login_failures::at)
        .load(conn)?;
    Ok(rows.into_iter().map(from_db).collect())
}

pub fn recent_failures_from(conn: &mut DbConn, addr: &str, window: Duration, now: DateTime<Utc>) -> Result<i64> {
    Ok(login_failures::table
        .filter(login_failures::client_addr.eq(addr))
        .filter(login_failures::at.gt(to_db(now - window)))
        .count()
        .get_result(conn)?)
}

/// Clears the failures of a name after a successful login, so "consecutive" failures start again.
pub fn clear_failures(conn: &mut DbConn, username: &str) -> Result<()> {
    diesel::delete(login_failures::table.filter(login_failures::username.eq(username))).execute(conn)?;
    Ok(())
}

pub fn locked_until(conn: &mut DbConn, username: &str, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
    let until: Option<NaiveDateTime> =
        login_locks::table.find(username).select(login_locks::locked_until).first(conn).optional()?;
    Ok(until.map(from_db).filter(|u| *u > now))
}

pub fn lock(conn: &mut DbConn, username: &str, until: DateTime<Utc>) -> Result<()> {
    // No ON CONFLICT across both backends through one connection type: replace in two steps inside the caller's
    // transaction.
    diesel::delete(login_locks::table.find(username)).execute(conn)?;
    diesel::insert_into(login_locks::table)
        .values((login_locks::username.eq(username), login_locks::locked_until.eq(to_db(until))))
        .execute(conn)?;
    Ok(())
}

pub fn unlock(conn: &mut DbConn, username: &str) -> Result<()> {
    diesel::delete(login_locks::table.find(username)).execute(conn)?;
    clear_failures(conn, username)
}
