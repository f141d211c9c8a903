//! Both backends' migrations end with the same tables, columns, types and nullability, and the audit log is
//! append-only on each. The PostgreSQL half runs when the test script provides a cluster
//! (`SIYU_TEST_DATABASE_URL`); with `SIYU_TEST_REQUIRE_PG=1` its absence is a failure.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use siyu_store::conn::{establish, DbConn, Target};
use siyu_store::{migrate, testing};
use std::collections::BTreeSet;

#[derive(QueryableByName)]
struct SqliteCol {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = BigInt)]
    not_null: i64,
}

#[derive(QueryableByName)]
struct PgCol {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

type Column = (String, String, String, bool);

fn normalise(t: &str) -> String {
    match t.to_ascii_lowercase().as_str() {
        "timestamp without time zone" => "timestamp".into(),
        other => other.into(),
    }
}

fn columns(conn: &mut DbConn) -> BTreeSet<Column> {
    match conn {
        DbConn::Sqlite(c) => diesel::sql_query(
            "SELECT m.name AS table_name, p.name AS column_name, p.type AS data_type, \
             CAST(p.\"notnull\" AS BIGINT) AS not_null \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations'",
        )
        .load::<SqliteCol>(c)
        .expect("sqlite columns")
        .into_iter()
        .map(|r| (r.table_name, r.column_name, normalise(&r.data_type), r.not_null == 0))
        .collect(),
        DbConn::Postgres(c) => diesel::sql_query(
            "SELECT table_name::text AS table_name, column_name::text AS column_name, data_type::text AS data_type, \
             is_nullable::text AS is_nullable FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'",
        )
        .load::<PgCol>(c)
        .expect("postgres columns")
        .into_iter()
        .map(|r| (r.table_name, r.column_name, normalise(&r.data_type), r.is_nullable == "YES"))
        .collect(),
    }
}

fn migrated(url: &str) -> DbConn {
    let mut c = establish(&Target::parse(url).unwrap()).unwrap();
    migrate::run_pending(&mut c).unwrap();
    c
}

#[test]
fn both_backends_have_the_same_schema() {
    let sqlite_dir = tempfile::tempdir().unwrap();
    let sqlite_url = format!("sqlite://{}", sqlite_dir.path().join("p.db").display());
    let sqlite = columns(&mut migrated(&sqlite_url));
    assert!(sqlite.iter().any(|c| c.0 == "audit_log"), "sqlite has the audit log");
    if !testing::is_postgres() {
        assert!(
            std::env::var("SIYU_TEST_REQUIRE_PG").is_err(),
            "SIYU_TEST_REQUIRE_PG is set but SIYU_TEST_DATABASE_URL names no PostgreSQL cluster"
        );
        eprintln!("parity: PostgreSQL half skipped (no SIYU_TEST_DATABASE_URL)");
        return;
    }
    let db = testing::empty();
    let pg = columns(&mut migrated(&db.url));
    let only_sqlite: Vec<_> = sqlite.difference(&pg).collect();
    let only_pg: Vec<_> = pg.difference(&sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_pg.is_empty(),
        "schemas differ:\n only SQLite: {only_sqlite:#?}\n only PostgreSQL: {only_pg:#?}"
    );
}

#[test]
fn the_audit_log_is_append_only() {
    let db = testing::fresh();
    let mut c = establish(&Target::parse(&db.url).unwrap()).unwrap();
    let ctx = siyu_store::audit::AuditContext::default();
    let ev = siyu_store::audit::AuditEvent::success("test.event", "test", "1");
    siyu_store::tx::write_tx(&mut c, |c| siyu_store::audit::append(c, &ctx, &ev, chrono::Utc::now())).unwrap();
    let update = diesel::sql_query("UPDATE audit_log SET actor_name = 'mallory'").execute(&mut c);
    assert!(update.is_err(), "UPDATE of the audit log must fail");
    let delete = diesel::sql_query("DELETE FROM audit_log").execute(&mut c);
    assert!(delete.is_err(), "DELETE from the audit log must fail");
    let report = siyu_store::audit::verify(&mut c, 10).unwrap();
    assert!(report.ok && report.checked == 1);
}

#[test]
fn migrations_are_idempotent_and_reported() {
    let db = testing::empty();
    let mut c = establish(&Target::parse(&db.url).unwrap()).unwrap();
    let before = migrate::status(&mut c).unwrap();
    assert!(before.pending >= 1 && before.applied == 0);
    assert!(!migrate::run_pending(&mut c).unwrap().is_empty());
    assert!(migrate::run_pending(&mut c).unwrap().is_empty(), "a second run applies nothing");
    let after = migrate::status(&mut c).unwrap();
    assert_eq!(after.pending, 0);
    assert_eq!(after.applied, before.pending);
}

/// Many writers at once (threads with their own connections, as replicas sharing one database would be): every
/// append lands, the sequence has no gaps and the chain verifies.
#[test]
fn concurrent_writers_keep_one_unbroken_chain() {
    let db = testing::fresh();
    let pool = siyu_store::conn::pool(&db.url, 8, std::time::Duration::from_secs(30)).unwrap();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let pool = pool.clone();
            std::thread::spawn(move || {
                let mut c = pool.get().unwrap();
                let ctx = siyu_store::audit::AuditContext { actor_name: format!("writer{t}"), ..Default::default() };
                for i in 0..25 {
                    let ev = siyu_store::audit::AuditEvent::success("test.concurrent", "test", format!("{t}-{i}"));
                    siyu_store::tx::write_tx(&mut c, |c| siyu_store::audit::append(c, &ctx, &ev, chrono::Utc::now()))
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let report = siyu_store::audit::verify(&mut pool.get().unwrap(), 50).unwrap();
    assert!(report.ok, "{report:?}");
    assert_eq!(report.checked, 200);
}
