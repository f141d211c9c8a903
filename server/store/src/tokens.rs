//! API tokens, stored by the SHA-256 of the secret.

use crate::conn::DbConn;
use crate::error::Result;
use crate::schema::api_tokens;
use crate::time::{from_db, to_db};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = api_tokens)]
struct Row {
    id: String,
    staff_id: String,
    name: String,
    token_hash: String,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
    last_used_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
}

/// What may be shown about a token: never its hash.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TokenInfo {
    pub id: String,
    pub staff_id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<Row> for TokenInfo {
    fn from(r: Row) -> Self {
        Self {
            id: r.id,
            staff_id: r.staff_id,
            name: r.name,
            created_at: from_db(r.created_at),
            expires_at: from_db(r.expires_at),
            last_used_at: r.last_used_at.map(from_db),
            revoked_at: r.revoked_at.map(from_db),
        }
    }
}

pub fn insert(
    conn: &mut DbConn,
    id: &str,
    staff_id: &str,
    name: &str,
    token_hash: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<TokenInfo> {
    let row = Row {
        id: id.into(),
        staff_id: staff_id.into(),
        name: name.into(),
        token_hash: token_hash.into(),
        created_at: to_db(now),
        expires_at: to_db(expires_at),
        last_used_at: None,
        revoked_at: None,
    };
    diesel::insert_into(api_tokens::table).values(&row).execute(conn)?;
    Ok(row.into())
}

/// A token that is neither revoked nor expired, by its hash.
pub fn find_live(conn: &mut DbConn, token_hash: &str, now: DateTime<Utc>) -> Result<Option<TokenInfo>> {
    let row: Option<Row> = api_tokens::table
        .filter(api_tokens::token_hash.eq(token_hash))
        .filter(api_tokens::revoked_at.is_null())
        .filter(api_tokens::expires_at.gt(to_db(now)))
        .select(Row::as_select())
        .first(conn)
        .optional()?;
    Ok(row.map(Into::into))
}

pub fn touch(conn: &mut DbConn, id: &str, now: DateTime<Utc>) -> Result<()> {
    diesel::update(api_tokens::table.find(id)).set(api_tokens::last_used_at.eq(to_db(now))).execute(conn)?;
    Ok(())
}

pub fn list_for(conn: &mut DbConn, staff_id: &str) -> Result<Vec<TokenInfo>> {
    let rows: Vec<Row> = api_tokens::table
        .filter(api_tokens::staff_id.eq(staff_id))
        .order(api_tokens::created_at.desc())
        .select(Row::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Revokes one of `staff_id`'s tokens; false when there is no such live token of theirs.
pub fn revoke(conn: &mut DbConn, staff_id: &str, id: &str, now: DateTime<Utc>) -> Result<bool> {
    let n = diesel::update(
        api_tokens::table.find(id).filter(api_tokens::staff_id.eq(staff_id)).filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(to_db(now)))
    .execute(conn)?;
    Ok(n > 0)
}
