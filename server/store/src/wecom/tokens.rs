//! Access tokens per corp, sealed by the caller (the vault's `wecom.access_token` class) before they get here.

use crate::conn::DbConn;
use crate::error::Result;
use crate::schema::wecom_tokens;
use crate::time::{from_db, to_db};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

/// A stored token: the sealed text and when it stops being usable.
#[derive(Debug, Clone)]
pub struct StoredToken {
    pub sealed: String,
    pub expires_at: DateTime<Utc>,
}

/// The corp's token if one is stored and still valid at `now`.
pub fn get_valid(conn: &mut DbConn, corp: &str, now: DateTime<Utc>) -> Result<Option<StoredToken>> {
    let row: Option<(Option<String>, Option<NaiveDateTime>)> = wecom_tokens::table
        .find(corp)
        .filter(wecom_tokens::expires_at.gt(to_db(now)))
        .select((wecom_tokens::access_token, wecom_tokens::expires_at))
        .first(conn)
        .optional()?;
    Ok(match row {
        Some((Some(sealed), Some(at))) => Some(StoredToken { sealed, expires_at: from_db(at) }),
        _ => None,
    })
}

/// Stores (or replaces) the corp's token.
pub fn put(conn: &mut DbConn, corp: &str, sealed: &str, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<()> {
    let n = diesel::update(wecom_tokens::table.find(corp))
        .set((
            wecom_tokens::access_token.eq(Some(sealed)),
            wecom_tokens::expires_at.eq(Some(to_db(expires_at))),
            wecom_tokens::updated_at.eq(to_db(now)),
        ))
        .execute(conn)?;
    if n == 0 {
        // Two replicas may both find no row: the second insert is then an update of the first's.
        let values = (
            wecom_tokens::corp.eq(corp),
            wecom_tokens::access_token.eq(Some(sealed)),
            wecom_tokens::expires_at.eq(Some(to_db(expires_at))),
            wecom_tokens::updated_at.eq(to_db(now)),
        );
        let n = on_backend!(&mut *conn, |c| diesel::insert_into(wecom_tokens::table)
            .values(values)
            .on_conflict_do_nothing()
            .execute(c))?;
        if n == 0 {
            diesel::update(wecom_tokens::table.find(corp))
                .set((
                    wecom_tokens::access_token.eq(Some(sealed)),
                    wecom_tokens::expires_at.eq(Some(to_db(expires_at))),
                    wecom_tokens::updated_at.eq(to_db(now)),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Forgets the corp's token only if it is still `sealed` (a replica may already have stored a fresh one).
pub fn invalidate(conn: &mut DbConn, corp: &str, sealed: &str, now: DateTime<Utc>) -> Result<bool> {
    let n = diesel::update(wecom_tokens::table.find(corp).filter(wecom_tokens::access_token.eq(sealed)))
        .set((
            wecom_tokens::access_token.eq(None::<String>),
            wecom_tokens::expires_at.eq(None::<NaiveDateTime>),
            wecom_tokens::updated_at.eq(to_db(now)),
        ))
        .execute(conn)?;
    Ok(n == 1)
}
