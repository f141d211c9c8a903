//! The bulk path of a large load: indexes and constraints set aside and rebuilt exactly as they were, in the
//! load's own transaction, and a load that breaks a constraint leaves nothing behind.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use siyu_store::conn::{establish, Target};
use siyu_store::error::Result;
use siyu_store::{bulk, testing, DbConn};

fn conn(db: &testing::TestDb) -> DbConn {
    establish(&Target::parse(&db.url).unwrap()).unwrap()
}

#[derive(QueryableByName, Debug, PartialEq, Eq)]
struct Object {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    definition: String,
}

/// Every index and constraint of a table, by name, with its definition.
fn catalog(c: &mut DbConn, table: &str) -> Vec<Object> {
    let mut objects: Vec<Object> = diesel::sql_query(
        "SELECT i.relname::text AS name, pg_get_indexdef(i.oid) AS definition FROM pg_index x \
         JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = $1::regclass \
         UNION ALL SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = $1::regclass \
         ORDER BY 1, 2",
    )
    .bind::<Text, _>(table)
    .load(c)
    .unwrap();
    objects.dedup();
    objects
}

fn count(c: &mut DbConn, table: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    diesel::sql_query(format!("SELECT count(*) AS n FROM {table}")).get_result::<N>(c).unwrap().n
}

/// `n` customers under node `node`, their customer-number index numbered from `from`.
fn insert_customers(c: &mut DbConn, node: &str, from: i64, n: i64) -> Result<usize> {
    Ok(diesel::sql_query(
        "INSERT INTO customers (id, customer_no, customer_no_idx, name, name_idx, gender, aum_band, node_id, \
         created_at, updated_at) SELECT 'c' || i, 'sealed', 'idx' || i, 'sealed', 'n' || i, 'U', '-', $1, now(), \
         now() FROM generate_series($2, $2 + $3 - 1) i",
    )
    .bind::<Text, _>(node)
    .bind::<BigInt, _>(from)
    .bind::<BigInt, _>(n)
    .execute(c)?)
}

fn with_node(c: &mut DbConn) {
    c.batch_execute(
        "INSERT INTO org_nodes (id, parent_id, code, name, kind, path, depth, created_at, updated_at) \
         VALUES ('n1', NULL, 'HQ', 'HQ', 'head_office', '/n1/', 0, now(), now())",
    )
    .unwrap();
}

#[test]
fn indexes_and_constraints_come_back_exactly_and_a_broken_load_leaves_nothing() {
    if !testing::is_postgres() {
        // SQLite keeps its indexes: the bulk path is never worth it, and set_aside only runs the load.
        let db = testing::fresh();
        let mut c = conn(&db);
        assert!(!bulk::worth_it(&mut c, "customers", 1_000_000).unwrap());
        assert_eq!(bulk::set_aside(&mut c, "customers", |_| Ok::<_, siyu_store::StoreError>(7)).unwrap(), 7);
        return;
    }
    let db = testing::fresh();
    let mut c = conn(&db);
    with_node(&mut c);
    let (customers, holdings) = (catalog(&mut c, "customers"), catalog(&mut c, "holdings"));
    assert!(customers.len() >= 10, "{customers:?}");

    // Small loads, and loads smaller than the table, keep the indexes (and nobody is locked out).
    assert!(!bulk::worth_it(&mut c, "customers", 9_999).unwrap());
    assert!(bulk::worth_it(&mut c, "customers", 20_000).unwrap(), "an empty table");

    let loaded = c.transaction(|c| bulk::set_aside(c, "customers", |c| insert_customers(c, "n1", 0, 20_000))).unwrap();
    assert_eq!(loaded, 20_000);
    assert_eq!(count(&mut c, "customers"), 20_000);
    assert_eq!(catalog(&mut c, "customers"), customers, "every index and constraint rebuilt as it was");
    assert_eq!(catalog(&mut c, "holdings"), holdings, "the table that refers to customers is untouched");
    assert!(!bulk::worth_it(&mut c, "customers", 20_000).unwrap(), "no larger than the table now");
    assert!(bulk::worth_it(&mut c, "customers", 20_001).unwrap());

    // A duplicate customer number surfaces when the unique constraint is rebuilt: the whole load rolls back.
    let dup = c.transaction(|c| bulk::set_aside(c, "customers", |c| insert_customers(c, "n1", 19_999, 30_000)));
    assert!(dup.is_err(), "the rebuilt unique constraint refuses the duplicate");
    // A row naming a missing outlet surfaces when the foreign key is rebuilt.
    let orphan = c.transaction(|c| bulk::set_aside(c, "customers", |c| insert_customers(c, "nowhere", 50_000, 30_000)));
    assert!(orphan.is_err(), "the rebuilt foreign key refuses the orphan");
    assert_eq!(count(&mut c, "customers"), 20_000, "neither broken load left a row");
    assert_eq!(catalog(&mut c, "customers"), customers, "nor lost an index or constraint");
}

#[test]
fn foreign_keys_set_aside_come_back_in_the_load_or_after_a_crash_but_never_under_a_running_load() {
    let db = testing::fresh();
    let mut c = conn(&db);
    let now = chrono::Utc::now().naive_utc();
    if !testing::is_postgres() {
        assert!(!bulk::set_aside_foreign_keys(&mut c, "customers", now).unwrap(), "SQLite keeps its keys");
        assert_eq!(bulk::restore_foreign_keys(&mut c).unwrap(), 0);
        return;
    }
    with_node(&mut c);
    let customers = catalog(&mut c, "customers");
    let keys =
        |c: &mut DbConn| catalog(c, "customers").iter().filter(|o| o.definition.starts_with("FOREIGN KEY")).count();
    assert_eq!(keys(&mut c), 2, "outlet and RM");

    // A load: the keys are dropped in their own transaction, added back (and validated) in the load's.
    assert!(bulk::set_aside_foreign_keys(&mut c, "customers", now).unwrap());
    assert_eq!(keys(&mut c), 0);
    assert_eq!(count(&mut c, "set_aside_foreign_keys"), 2, "each recorded as it was dropped");
    let mut other = conn(&db);
    assert!(!bulk::set_aside_foreign_keys(&mut other, "holdings", now).unwrap(), "one load sets keys aside at a time");
    assert_eq!(bulk::restore_foreign_keys(&mut other).unwrap(), 0, "another session leaves a running load's keys");
    assert_eq!(keys(&mut c), 0);
    // A row naming a missing outlet fails the restore, and the load with it: the keys are still owed.
    let orphan = c.transaction(|c| {
        insert_customers(c, "nowhere", 0, 10)?;
        bulk::restore_foreign_keys(c)
    });
    assert!(orphan.is_err(), "the restored key refuses the orphan");
    assert_eq!(count(&mut c, "set_aside_foreign_keys"), 2);
    let restored = c.transaction(|c| {
        insert_customers(c, "n1", 0, 10)?;
        bulk::restore_foreign_keys(c)
    });
    assert_eq!(restored.unwrap(), 2);
    assert_eq!(bulk::release_foreign_keys(&mut c).unwrap(), 0, "nothing left after a committed load");
    assert_eq!(catalog(&mut c, "customers"), customers, "the keys back as they were");
    assert_eq!(count(&mut c, "set_aside_foreign_keys"), 0);

    // A load rolled back: releasing adds the keys back to the table as it was.
    assert!(bulk::set_aside_foreign_keys(&mut c, "customers", now).unwrap());
    assert_eq!(bulk::release_foreign_keys(&mut c).unwrap(), 2);
    assert_eq!(catalog(&mut c, "customers"), customers);

    // A crash: the session that set the keys aside ends without restoring them; the next start does.
    let mut crashed = conn(&db);
    assert!(bulk::set_aside_foreign_keys(&mut crashed, "customers", now).unwrap());
    drop(crashed);
    let mut restored = 0;
    for _ in 0..50 {
        // The server ends the dead session (and lets go of its lock) a moment after the connection closes.
        restored = bulk::restore_foreign_keys(&mut other).unwrap();
        if restored > 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(restored, 2);
    assert_eq!(catalog(&mut c, "customers"), customers);
    assert!(bulk::set_aside_foreign_keys(&mut other, "holdings", now).unwrap(), "the lock is free again");
    assert_eq!(bulk::release_foreign_keys(&mut other).unwrap(), 1);
}
