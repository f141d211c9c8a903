//! Named leases shared by replicas through the database: taken by compare-and-set, released by their owner, and
//! free again once `lease_until` has passed (a replica that died holding one blocks nobody for long).

use crate::conn::DbConn;
use crate::error::Result;
use crate::schema::wecom_locks;
use crate::time::to_db;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

/// Takes lease `name` for `owner` until `until`, if it is free, expired or already `owner`'s. True when taken.
pub fn acquire(conn: &mut DbConn, name: &str, owner: &str, until: DateTime<Utc>, now: DateTime<Utc>) -> Result<bool> {
    let n = on_backend!(conn, |c| diesel::insert_into(wecom_locks::table)
        .values((wecom_locks::name.eq(name), wecom_locks::owner.eq(owner), wecom_locks::lease_until.eq(to_db(until))))
        .on_conflict_do_nothing()
        .execute(c))?;
    if n == 1 {
        return Ok(true);
    }
    let free = wecom_locks::owner
        .is_null()
        .or(wecom_locks::lease_until.is_null())
        .or(wecom_locks::lease_until.lt(to_db(now)))
        .or(wecom_locks::owner.eq(owner));
    let n = diesel::update(wecom_locks::table.find(name).filter(free))
        .set((wecom_locks::owner.eq(owner), wecom_locks::lease_until.eq(to_db(until))))
        .execute(conn)?;
    Ok(n == 1)
}

/// Releases `name` if `owner` still holds it.
pub fn release(conn: &mut DbConn, name: &str, owner: &str) -> Result<()> {
    diesel::update(wecom_locks::table.find(name).filter(wecom_locks::owner.eq(owner)))
        .set((wecom_locks::owner.eq(None::<String>), wecom_locks::lease_until.eq(None::<chrono::NaiveDateTime>)))
        .execute(conn)?;
    Ok(())
}
