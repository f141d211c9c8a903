//! Every column that holds a sealed value, so verification and re-encryption can walk them all. A new sealed
//! column is added here (and to the match arms below): nothing sealed can be missed by `vault verify`.

use crate::conn::DbConn;
use crate::error::Result;
use crate::schema::accounts;
use diesel::prelude::*;

/// A sealed column: where it is, and the vault field class (data key) that seals it. The row id is part of the
/// associated data, so a value copied to another row does not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealedColumn {
    pub table: &'static str,
    pub column: &'static str,
    pub field_class: &'static str,
}

pub const TOTP_SECRET: SealedColumn =
    SealedColumn { table: "accounts", column: "totp_secret", field_class: "account.totp_secret" };

pub const ALL: &[SealedColumn] = &[TOTP_SECRET];

/// Up to `limit` (row id, sealed text) pairs of `col` after row id `after`, in row-id order.
pub fn page(conn: &mut DbConn, col: SealedColumn, after: &str, limit: i64) -> Result<Vec<(String, String)>> {
    match (col.table, col.column) {
        ("accounts", "totp_secret") => {
            let rows: Vec<(String, Option<String>)> = accounts::table
                .filter(accounts::staff_id.gt(after))
                .filter(accounts::totp_secret.is_not_null())
                .order(accounts::staff_id.asc())
                .limit(limit)
                .select((accounts::staff_id, accounts::totp_secret))
                .load(conn)?;
            Ok(rows.into_iter().filter_map(|(id, v)| v.map(|v| (id, v))).collect())
        }
        _ => Ok(vec![]),
    }
}

/// Replaces a sealed value only if it is still `old` (a concurrent change wins); true when replaced.
pub fn replace(conn: &mut DbConn, col: SealedColumn, id: &str, old: &str, new: &str) -> Result<bool> {
    match (col.table, col.column) {
        ("accounts", "totp_secret") => {
            Ok(diesel::update(accounts::table.find(id).filter(accounts::totp_secret.eq(old)))
                .set(accounts::totp_secret.eq(new))
                .execute(conn)?
                == 1)
        }
        _ => Ok(false),
    }
}

/// How many values `col` holds.
pub fn count(conn: &mut DbConn, col: SealedColumn) -> Result<i64> {
    match (col.table, col.column) {
        ("accounts", "totp_secret") => {
            Ok(accounts::table.filter(accounts::totp_secret.is_not_null()).count().get_result(conn)?)
        }
        _ => Ok(0),
    }
}
