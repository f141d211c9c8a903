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
        lock_chain(c)?;
        f(c)
    })
}

/// Locks the audit chain's head for the rest of the caller's transaction. `write_tx` does it first; a long
/// transaction that writes no audit record until its end (the direct first load of an import) does it only
/// then, so other writers are not held up for the whole load.
pub fn lock_chain(conn: &mut DbConn) -> Result<(), diesel::result::Error> {
    diesel::update(audit_head::table.find(1i64)).set(audit_head::seq.eq(audit_head::seq)).execute(conn)?;
    Ok(())
}
