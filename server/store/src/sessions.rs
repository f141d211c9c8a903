//! Browser sessions, stored by the SHA-256 of their secret id.

use crate::conn::DbConn;
use crate::error::Result;
use crate::schema::sessions;
use crate::time::{from_db, to_db};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = sessions)]
struct Row {
    id_hash: String,
    staff_id: String,
    stage: String,
    csrf_token: String,
    created_at: NaiveDateTime,
    last_seen_at: NaiveDateTime,
    client_addr: String,
    user_agent: String,
    revoked_at: Option<NaiveDateTime>,
    authenticated_at: Option<NaiveDateTime>,
}

#[derive(Clone)]
pub struct Session {
    pub id_hash: String,
    pub staff_id: String,
    pub stage: String,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub client_addr: String,
    pub user_agent: String,
    /// When the owner last proved who they are in this session: its creation (every session is issued by an
    /// authentication step) or a later re-authentication.
    pub authenticated_at: DateTime<Utc>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("staff_id", &self.staff_id).field("stage", &self.stage).finish_non_exhaustive()
    }
}

impl From<Row> for Session {
    fn from(r: Row) -> Self {
        Self {
            id_hash: r.id_hash,
            staff_id: r.staff_id,
            stage: r.stage,
            csrf_token: r.csrf_token,
            created_at: from_db(r.created_at),
            last_seen_at: from_db(r.last_seen_at),
            client_addr: r.client_addr,
            user_agent: r.user_agent,
            authenticated_at: from_db(r.authenticated_at.unwrap_or(r.created_at)),
        }
    }
}

pub struct NewSession<'a> {
    pub id_hash: &'a str,
    pub staff_id: &'a str,
    pub stage: &'a str,
    pub csrf_token: &'a str,
    pub client_addr: &'a str,
    pub user_agent: &'a str,
}

pub fn insert(conn: &mut DbConn, s: NewSession<'_>, now: DateTime<Utc>) -> Result<()> {
    diesel::insert_into(sessions::table)
        .values(&Row {
            id_hash: s.id_hash.into(),
            staff_id: s.staff_id.into(),
            stage: s.stage.into(),
            csrf_token: s.csrf_token.into(),
            created_at: to_db(now),
            last_seen_at: to_db(now),
            client_addr: s.client_addr.into(),
            user_agent: s.user_agent.into(),
            revoked_at: None,
            authenticated_at: Some(to_db(now)),
        })
        .execute(conn)?;
    Ok(())
}

/// A live (not revoked) session by the hash of its id.
pub fn get_live(conn: &mut DbConn, id_hash: &str) -> Result<Option<Session>> {
    let row: Option<Row> = sessions::table
        .find(id_hash)
        .filter(sessions::revoked_at.is_null())
        .select(Row::as_select())
        .first(conn)
        .optional()?;
    Ok(row.map(Into::into))
}

pub fn touch(conn: &mut DbConn, id_hash: &str, now: DateTime<Utc>) -> Result<()> {
    diesel::update(sessions::table.find(id_hash)).set(sessions::last_seen_at.eq(to_db(now))).execute(conn)?;
    Ok(())
}

/// Records a re-authentication of the session's owner.
pub fn reauthenticated(conn: &mut DbConn, id_hash: &str, now: DateTime<Utc>) -> Result<()> {
    diesel::update(sessions::table.find(id_hash)).set(sessions::authenticated_at.eq(to_db(now))).execute(conn)?;
    Ok(())
}

pub fn revoke(conn: &mut DbConn, id_hash: &str, now: DateTime<Utc>) -> Result<bool> {
    let n = diesel::update(sessions::table.find(id_hash).filter(sessions::revoked_at.is_null()))
        .set(sessions::revoked_at.eq(to_db(now)))
        .execute(conn)?;
    Ok(n > 0)
}

/// Ends every live session of a member of staff; returns how many.
pub fn revoke_all(conn: &mut DbConn, staff_id: &str, now: DateTime<Utc>) -> Result<usize> {
    Ok(diesel::update(sessions::table.filter(sessions::staff_id.eq(staff_id)).filter(sessions::revoked_at.is_null()))
        .set(sessions::revoked_at.eq(to_db(now)))
        .execute(conn)?)
}

pub fn list_live(conn: &mut DbConn, staff_id: &str) -> Result<Vec<Session>> {
    let rows: Vec<Row> = sessions::table
        .filter(sessions::staff_id.eq(staff_id))
        .filter(sessions::revoked_at.is_null())
        .order(sessions::created_at.desc())
        .select(Row::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(Into::into).collect())
}
