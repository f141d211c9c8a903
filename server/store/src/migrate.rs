//! Migrations embedded from `sql/sqlite/` and `sql/postgres/`, kept in step by the parity test.

use crate::conn::DbConn;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

const SQLITE: EmbeddedMigrations = embed_migrations!("../../sql/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("../../sql/postgres");

#[derive(Debug, Clone, serde::Serialize)]
pub struct MigrationStatus {
    pub applied: usize,
    pub pending: usize,
    pub latest: Option<String>,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Applies every pending migration; returns the names applied.
pub fn run_pending(conn: &mut DbConn) -> Result<Vec<String>, BoxError> {
    let applied = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE)?,
        DbConn::Postgres(c) => c.run_pending_migrations(POSTGRES)?,
    };
    Ok(applied.into_iter().map(|v| v.to_string()).collect())
}

/// Applies pending migrations in order up to and including the one whose version starts with `last` (a migration
/// test sets data up as an older release left it, then applies the rest); returns the names applied.
pub fn run_through(conn: &mut DbConn, last: &str) -> Result<Vec<String>, BoxError> {
    fn step<C: MigrationHarness<B>, B: diesel::backend::Backend>(
        c: &mut C,
        source: EmbeddedMigrations,
        last: &str,
    ) -> Result<Vec<String>, BoxError> {
        let mut applied = Vec::new();
        for m in c.pending_migrations(source)? {
            let name = m.name().version().to_string();
            c.run_migration(&*m)?;
            let done = name.starts_with(last);
            applied.push(name);
            if done {
                break;
            }
        }
        Ok(applied)
    }
    match conn {
        DbConn::Sqlite(c) => step(c, SQLITE, last),
        DbConn::Postgres(c) => step(c, POSTGRES, last),
    }
}

pub fn status(conn: &mut DbConn) -> Result<MigrationStatus, BoxError> {
    let (applied, pending) = match conn {
        DbConn::Sqlite(c) => (c.applied_migrations()?, c.pending_migrations(SQLITE)?.len()),
        DbConn::Postgres(c) => (c.applied_migrations()?, c.pending_migrations(POSTGRES)?.len()),
    };
    let latest = applied.iter().max().map(|v| v.to_string());
    Ok(MigrationStatus { applied: applied.len(), pending, latest })
}
