//! Fresh, migrated databases for tests, on the backend `SIYU_TEST_DATABASE_URL` names: unset or `sqlite` for
//! SQLite files, or `postgres://…/postgres` (a maintenance database of a throwaway cluster) for PostgreSQL.
//! The template is migrated once per test process; each test gets a copy (a file copy, or
//! `CREATE DATABASE … TEMPLATE …`).

use crate::conn::{establish, Target};
use crate::migrate;
use diesel::connection::SimpleConnection;
use std::path::PathBuf;
use std::sync::OnceLock;

/// A database for one test. SQLite files live in a directory removed when this is dropped.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

enum Template {
    Sqlite(PathBuf, #[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

fn admin_url() -> Option<String> {
    std::env::var("SIYU_TEST_DATABASE_URL").ok().filter(|u| u.starts_with("postgres"))
}

/// Whether this run uses PostgreSQL.
pub fn is_postgres() -> bool {
    admin_url().is_some()
}

/// `postgres://host/db?x` with `db` replaced.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let prefix = match base.rfind('/') {
        Some(i) if i > base.find("://").map(|j| j + 2).unwrap_or(0) => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{prefix}/{db}?{q}"),
        None => format!("{prefix}/{db}"),
    }
}

fn template() -> &'static Template {
    static T: OnceLock<Template> = OnceLock::new();
    T.get_or_init(|| match admin_url() {
        Some(admin) => {
            let name = format!("siyu_tpl_{}_{}", std::process::id(), uuid::Uuid::new_v4().simple());
            let mut c = establish(&Target::Postgres(admin.clone())).expect("connect to the test cluster");
            c.batch_execute(&format!("CREATE DATABASE {name}")).expect("create the template database");
            let mut t = establish(&Target::Postgres(with_database(&admin, &name))).expect("connect to the template");
            migrate::run_pending(&mut t).expect("migrate the template");
            Template::Postgres { admin_url: admin, name }
        }
        None => {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("template.db");
            let mut c = establish(&Target::Sqlite(path.clone())).expect("open the template");
            migrate::run_pending(&mut c).expect("migrate the template");
            // Fold the WAL into the file so a plain copy is complete.
            c.batch_execute("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;").expect("checkpoint");
            Template::Sqlite(path, dir)
        }
    })
}

/// A new, migrated, empty database.
pub fn fresh() -> TestDb {
    match template() {
        Template::Sqlite(path, _) => {
            let dir = tempfile::tempdir().expect("temp dir");
            let db = dir.path().join("siyu.db");
            std::fs::copy(path, &db).expect("copy the template");
            TestDb { url: format!("sqlite://{}", db.display()), _dir: Some(dir) }
        }
        Template::Postgres { admin_url, name } => {
            let db = format!("siyu_t_{}", uuid::Uuid::new_v4().simple());
            let mut c = establish(&Target::Postgres(admin_url.clone())).expect("connect to the test cluster");
            c.batch_execute(&format!("CREATE DATABASE {db} TEMPLATE {name}")).expect("create a test database");
            TestDb { url: with_database(admin_url, &db), _dir: None }
        }
    }
}

/// An empty database with no migrations applied (for migration tests).
pub fn empty() -> TestDb {
    match admin_url() {
        Some(admin) => {
            let db = format!("siyu_e_{}", uuid::Uuid::new_v4().simple());
            let mut c = establish(&Target::Postgres(admin.clone())).expect("connect to the test cluster");
            c.batch_execute(&format!("CREATE DATABASE {db}")).expect("create a test database");
            TestDb { url: with_database(&admin, &db), _dir: None }
        }
        None => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("siyu.db").display());
            TestDb { url, _dir: Some(dir) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_the_database() {
        assert_eq!(with_database("postgres://u@127.0.0.1:5/postgres", "x"), "postgres://u@127.0.0.1:5/x");
        assert_eq!(with_database("postgres://u@h/postgres?sslmode=disable", "x"), "postgres://u@h/x?sslmode=disable");
    }
}
