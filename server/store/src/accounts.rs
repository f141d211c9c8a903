//! Accounts (how staff log in), their password history and their roles.

use crate::conn::DbConn;
use crate::error::{Result, StoreError};
use crate::schema::{accounts, password_history, role_assignments};
use crate::time::{from_db, to_db};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use siyu_domain::access::Role;

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = accounts)]
struct Row {
    staff_id: String,
    username: String,
    password_hash: String,
    password_changed_at: NaiveDateTime,
    must_change_password: bool,
    totp_secret: Option<String>,
    totp_last_step: Option<i64>,
    totp_confirmed_at: Option<NaiveDateTime>,
    last_login_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
}

/// An account. `password_hash` and `totp_secret` are secrets: this type has no Serialize.
#[derive(Clone)]
pub struct Account {
    pub staff_id: String,
    pub username: String,
    pub password_hash: String,
    pub password_changed_at: DateTime<Utc>,
    pub must_change_password: bool,
    pub totp_secret: Option<String>,
    pub totp_last_step: Option<i64>,
    /// A second factor counts only once its first code was confirmed.
    pub totp_confirmed: bool,
    pub last_login_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("staff_id", &self.staff_id)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl From<Row> for Account {
    fn from(r: Row) -> Self {
        Self {
            staff_id: r.staff_id,
            username: r.username,
            password_hash: r.password_hash,
            password_changed_at: from_db(r.password_changed_at),
            must_change_password: r.must_change_password,
            totp_secret: r.totp_secret,
            totp_last_step: r.totp_last_step,
            totp_confirmed: r.totp_confirmed_at.is_some(),
            last_login_at: r.last_login_at.map(from_db),
        }
    }
}

pub fn insert(
    conn: &mut DbConn,
    staff_id: &str,
    username: &str,
    password_hash: &str,
    must_change: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let row = Row {
        staff_id: staff_id.into(),
        username: username.into(),
        password_hash: password_hash.into(),
        password_changed_at: to_db(now),
        must_change_password: must_change,
        totp_secret: None,
        totp_last_step: None,
        totp_confirmed_at: None,
        last_login_at: None,
        created_at: to_db(now),
    };
    diesel::insert_into(accounts::table).values(&row).execute(conn)?;
    add_history(conn, staff_id, password_hash, now)
}

pub fn by_username(conn: &mut DbConn, username: &str) -> Result<Option<Account>> {
    let row: Option<Row> =
        accounts::table.filter(accounts::username.eq(username)).select(Row::as_select()).first(conn).optional()?;
    Ok(row.map(Into::into))
}

pub fn by_staff(conn: &mut DbConn, staff_id: &str) -> Result<Option<Account>> {
    let row: Option<Row> = accounts::table.find(staff_id).select(Row::as_select()).first(conn).optional()?;
    Ok(row.map(Into::into))
}

pub fn any_with_role(conn: &mut DbConn, role: Role) -> Result<bool> {
    let n: i64 = role_assignments::table.filter(role_assignments::role.eq(role.code())).count().get_result(conn)?;
    Ok(n > 0)
}

/// Sets a new password hash. `must_change` is true for a reset by someone else.
pub fn set_password(
    conn: &mut DbConn,
    staff_id: &str,
    hash: &str,
    must_change: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let n = diesel::update(accounts::table.find(staff_id))
        .set((
            accounts::password_hash.eq(hash),
            accounts::password_changed_at.eq(to_db(now)),
            accounts::must_change_password.eq(must_change),
        ))
        .execute(conn)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    add_history(conn, staff_id, hash, now)
}

/// Replaces the stored hash with a stronger one of the same password (parameters upgraded at login); no
/// history entry, since the password did not change.
pub fn upgrade_hash(conn: &mut DbConn, staff_id: &str, hash: &str) -> Result<()> {
    diesel::update(accounts::table.find(staff_id)).set(accounts::password_hash.eq(hash)).execute(conn)?;
    Ok(())
}

fn add_history(conn: &mut DbConn, staff_id: &str, hash: &str, now: DateTime<Utc>) -> Result<()> {
    diesel::insert_into(password_history::table)
        .values((
            password_history::id.eq(uuid::Uuid::now_v7().to_string()),
            password_history::staff_id.eq(staff_id),
            password_history::password_hash.eq(hash),
            password_history::created_at.eq(to_db(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The hashes of the last `n` passwords, newest first.
pub fn recent_hashes(conn: &mut DbConn, staff_id: &str, n: usize) -> Result<Vec<String>> {
    Ok(password_history::table
        .filter(password_history::staff_id.eq(staff_id))
        .order((password_history::created_at.desc(), password_history::id.desc()))
        .limit(n as i64)
        .select(password_history::password_hash)
        .load(conn)?)
}

/// Stores a new, not yet confirmed second-factor secret (or removes it with `None`).
pub fn set_totp(conn: &mut DbConn, staff_id: &str, secret: Option<&str>) -> Result<()> {
    diesel::update(accounts::table.find(staff_id))
        .set((
            accounts::totp_secret.eq(secret),
            accounts::totp_last_step.eq(None::<i64>),
            accounts::totp_confirmed_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn confirm_totp(conn: &mut DbConn, staff_id: &str, now: DateTime<Utc>) -> Result<()> {
    diesel::update(accounts::table.find(staff_id)).set(accounts::totp_confirmed_at.eq(to_db(now))).execute(conn)?;
    Ok(())
}

/// Records the time step of a TOTP code just used, so the same code is never accepted twice. Returns false when
/// a code of that step or a later one was already used.
pub fn use_totp_step(conn: &mut DbConn, staff_id: &str, step: i64) -> Result<bool> {
    let n = diesel::update(
        accounts::table.find(staff_id).filter(accounts::totp_last_step.is_null().or(accounts::totp_last_step.lt(step))),
    )
    .set(accounts::totp_last_step.eq(step))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn touch_login(conn: &mut DbConn, staff_id: &str, now: DateTime<Utc>) -> Result<()> {
    diesel::update(accounts::table.find(staff_id)).set(accounts::last_login_at.eq(to_db(now))).execute(conn)?;
    Ok(())
}

pub fn roles(conn: &mut DbConn, staff_id: &str) -> Result<Vec<Role>> {
    let codes: Vec<String> = role_assignments::table
        .filter(role_assignments::staff_id.eq(staff_id))
        .order(role_assignments::role.asc())
        .select(role_assignments::role)
        .load(conn)?;
    // A code this version does not know grants nothing.
    Ok(codes.iter().filter_map(|c| Role::parse(c)).collect())
}

pub fn grant(conn: &mut DbConn, staff_id: &str, role: Role, by: Option<&str>, now: DateTime<Utc>) -> Result<()> {
    diesel::insert_into(role_assignments::table)
        .values((
            role_assignments::staff_id.eq(staff_id),
            role_assignments::role.eq(role.code()),
            role_assignments::granted_by.eq(by),
            role_assignments::granted_at.eq(to_db(now)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn revoke(conn: &mut DbConn, staff_id: &str, role: Role) -> Result<bool> {
    let n = diesel::delete(
        role_assignments::table
            .filter(role_assignments::staff_id.eq(staff_id))
            .filter(role_assignments::role.eq(role.code())),
    )
    .execute(conn)?;
    Ok(n > 0)
}
