//! Write transactions.
//!
//! Every state change is audited in the same transaction, and audit records form one chain, so every write
//! transaction first locks the chain's head row. On PostgreSQL that serialises appends across replicas; on
//! SQLite it makes the transaction take the write lock before any read, so two writers queue on the busy
//! timeout instead of failing to upgrade a read lock.

use crate::conn::DbConn;
use crate::schema::audit_head;
use diesel::prelude::*;

pub fn write_tx<T, E>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    conn.transaction(|c| {
        diesel::update(audit_head::table.find(1i64)).set(audit_head::seq.eq(audit_head::seq)).execute(c)?;
        f(c)
    })
}
