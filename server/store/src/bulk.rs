//! Loading many rows into a table at once. Inserting into a table keeps every index and checks every foreign key
//! row by row; when a load is at least as large as the table already is (the first load of a bank's customers and
//! holdings, a rebuilt environment), PostgreSQL builds the same indexes several times faster from scratch, and
//! checks a foreign key in one join (its manual, "Populating a Database"). `set_aside` does that inside the
//! caller's transaction: nothing is ever visible without its indexes and constraints, a failure (a duplicate
//! found when a unique constraint is rebuilt, say) rolls the whole load back, and the rebuilt objects are the
//! very definitions the catalog held, under their own names.
//!
//! The cost: dropping an index locks the table against readers until the transaction commits, which is why it
//! is only worth it, and only used, when the table is small next to the load. SQLite keeps its indexes.
//!
//! The statements that publish an import's stage into its table (`update_from_stage`, `insert_from_stage`) live here
//! too, one shape for every dataset.

use crate::conn::DbConn;
use crate::error::Result;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

/// Below this many rows the ordinary path is quick enough not to lock anyone out.
const MIN_ROWS: i64 = 10_000;

#[derive(QueryableByName)]
struct Definition {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    definition: String,
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The statement that updates `table`'s rows from a job's staged copies of them (`stage` rows of job `p1` marked
/// `existing`, matched by id): `columns` from the stage, `updated_at` to `p2`. One join, not a subquery per row
/// (which, without an index on the stage's id, read the whole stage for every updated row).
pub fn update_from_stage(table: &str, stage: &str, columns: &str, p1: &str, p2: &str) -> String {
    let from_stage: Vec<String> = columns.split(',').map(|c| format!("s.{}", c.trim())).collect();
    format!(
        "UPDATE {table} SET ({columns}, updated_at) = ({}, {p2}) FROM {stage} s \
         WHERE s.job_id = {p1} AND s.existing AND s.id = {table}.id",
        from_stage.join(", ")
    )
}

/// Inserts a job's new staged rows (`stage` rows of job `job_id` not marked `existing`) into `table`, `columns` from
/// the stage and both time stamps at `at`, in the stage's own order (it was written in line order; asking for it
/// sorted the whole load, every sealed byte of it, for nothing a reader sees); through [`set_aside`] when the load is [`worth_it`].
/// Returns how many it inserted. Run inside the caller's transaction.
pub fn insert_from_stage(
    conn: &mut DbConn,
    table: &str,
    stage: &str,
    columns: &str,
    job_id: &str,
    at: NaiveDateTime,
) -> Result<usize> {
    let (p1, p2) = match conn {
        DbConn::Postgres(_) => ("$1", "$2"),
        DbConn::Sqlite(_) => ("?1", "?2"),
    };
    let new_rows: Count =
        diesel::sql_query(format!("SELECT count(*) AS n FROM {stage} WHERE job_id = {p1} AND NOT existing"))
            .bind::<Text, _>(job_id)
            .get_result(conn)?;
    let insert = format!(
        "INSERT INTO {table} (id, {columns}, created_at, updated_at) \
         SELECT id, {columns}, {p2}, {p2} FROM {stage} WHERE job_id = {p1} AND NOT existing"
    );
    let run = |c: &mut DbConn| -> Result<usize> {
        Ok(diesel::sql_query(&insert).bind::<Text, _>(job_id).bind::<Timestamp, _>(at).execute(c)?)
    };
    if worth_it(conn, table, new_rows.n)? {
        set_aside(conn, table, run)
    } else {
        run(conn)
    }
}

/// Whether loading `rows` more rows into `table` should take the bulk path: on PostgreSQL, for a load of at least
/// `MIN_ROWS` that is at least as large as the table (counting stops at `rows`, so asking costs no more than
/// the load's own size).
pub fn worth_it(conn: &mut DbConn, table: &str, rows: i64) -> Result<bool> {
    if rows < MIN_ROWS || matches!(conn, DbConn::Sqlite(_)) {
        return Ok(false);
    }
    let present: Count =
        diesel::sql_query(format!("SELECT count(*) AS n FROM (SELECT 1 FROM {} LIMIT $1) t", quoted(table)))
            .bind::<BigInt, _>(rows)
            .get_result(conn)?;
    Ok(present.n < rows)
}

/// Runs `load` with `table`'s secondary indexes, its unique constraints (those no foreign key relies on) and its
/// own foreign keys set aside, then rebuilds each from its catalog definition; the primary key stays. Run
/// inside the caller's transaction, on PostgreSQL (on SQLite it only runs `load`).
pub fn set_aside<T, E: From<diesel::result::Error>>(
    conn: &mut DbConn,
    table: &str,
    load: impl FnOnce(&mut DbConn) -> std::result::Result<T, E>,
) -> std::result::Result<T, E> {
    set_aside_some(conn, table, true, load)
}

/// As [`set_aside`], but the table's foreign keys stay (each row is checked as it is written): dropping one locks
/// the table it references (the organisation, the staff, the customers) against every reader until the
/// transaction commits, which a load taking minutes must not do.
pub fn set_aside_indexes<T, E: From<diesel::result::Error>>(
    conn: &mut DbConn,
    table: &str,
    load: impl FnOnce(&mut DbConn) -> std::result::Result<T, E>,
) -> std::result::Result<T, E> {
    set_aside_some(conn, table, false, load)
}

/// The session-level advisory lock held by a load while foreign keys are set aside for it: the restore at an
/// import's start or `siyu serve`'s leaves alone what a load still running will add back itself, and restores
/// what a crashed load left (its session, and so its lock, ended with it).
const FOREIGN_KEYS_LOCK: i64 = 0x7369_7975_666b_0001;

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    ok: bool,
}

fn advisory(conn: &mut DbConn, call: &str) -> Result<bool> {
    let r: Locked =
        diesel::sql_query(format!("SELECT {call}($1) AS ok")).bind::<BigInt, _>(FOREIGN_KEYS_LOCK).get_result(conn)?;
    Ok(r.ok)
}

/// Drops `table`'s foreign keys for a load into it, in a transaction of its own that records each one in
/// `set_aside_foreign_keys`; false (and nothing dropped) when another load has keys set aside. A foreign key
/// checks every row as it is written, which cost a first load of customers or holdings more than the rest of its
/// writing; [`restore_foreign_keys`], in the load's transaction, adds them back and validates each in one join,
/// and [`release_foreign_keys`] ends it whatever became of the load. Dropping one locks the table it references
/// (the organisation, the staff, the customers) against everyone, so it is done here, for a moment, not in the
/// load's transaction for as long as the load lasts (where the load's own readers would wait on it forever). On
/// SQLite: false.
pub fn set_aside_foreign_keys(conn: &mut DbConn, table: &str, now: NaiveDateTime) -> Result<bool> {
    if matches!(conn, DbConn::Sqlite(_)) || !advisory(conn, "pg_try_advisory_lock")? {
        return Ok(false);
    }
    let dropped = conn.transaction(|c| {
        // A reader holding one of the tables waits at most this long; the load then takes its ordinary path.
        diesel::sql_query("SET LOCAL lock_timeout = '30s'").execute(c)?;
        let keys: Vec<Definition> = diesel::sql_query(
            "SELECT c.conname::text AS name, pg_get_constraintdef(c.oid) AS definition FROM pg_constraint c \
             WHERE c.conrelid = $1::regclass AND c.contype = 'f' ORDER BY c.conname",
        )
        .bind::<Text, _>(table)
        .load(c)?;
        for k in &keys {
            use crate::schema::set_aside_foreign_keys::dsl as s;
            diesel::insert_into(s::set_aside_foreign_keys)
                .values((
                    s::table_name.eq(table),
                    s::name.eq(&k.name),
                    s::definition.eq(&k.definition),
                    s::set_aside_at.eq(now),
                ))
                .execute(c)?;
            diesel::sql_query(format!("ALTER TABLE {} DROP CONSTRAINT {}", quoted(table), quoted(&k.name)))
                .execute(c)?;
        }
        Ok::<_, crate::error::StoreError>(())
    });
    if let Err(e) = dropped {
        advisory(conn, "pg_advisory_unlock")?;
        return Err(e);
    }
    Ok(true)
}

/// Adds back every foreign key [`set_aside_foreign_keys`] recorded, validating the rows already there, and forgets
/// it, in the caller's transaction when there is one; returns how many. Nothing while a load that set keys aside
/// is still running in another session. A key the rows no longer satisfy fails here, naming itself, and stays
/// recorded for the next attempt.
pub fn restore_foreign_keys(conn: &mut DbConn) -> Result<usize> {
    use crate::schema::set_aside_foreign_keys::dsl as s;
    if matches!(conn, DbConn::Sqlite(_)) {
        return Ok(0);
    }
    conn.transaction(|c| {
        if !advisory(c, "pg_try_advisory_xact_lock")? {
            return Ok(0);
        }
        let keys: Vec<(String, String, String)> = s::set_aside_foreign_keys
            .select((s::table_name, s::name, s::definition))
            .order((s::table_name, s::name))
            .load(c)?;
        for (table, name, definition) in &keys {
            let there: Count = diesel::sql_query(
                "SELECT count(*) AS n FROM pg_constraint WHERE conrelid = $1::regclass AND conname = $2",
            )
            .bind::<Text, _>(table)
            .bind::<Text, _>(name)
            .get_result(c)?;
            if there.n == 0 {
                diesel::sql_query(format!(
                    "ALTER TABLE {} ADD CONSTRAINT {} {definition}",
                    quoted(table),
                    quoted(name)
                ))
                .execute(c)?;
            }
        }
        diesel::delete(s::set_aside_foreign_keys).execute(c)?;
        Ok(keys.len())
    })
}

/// Ends what [`set_aside_foreign_keys`] began, after the load's transaction committed (nothing is left to add) or
/// rolled back (every key is added back here): restores and lets go of the lock.
pub fn release_foreign_keys(conn: &mut DbConn) -> Result<usize> {
    let restored = restore_foreign_keys(conn);
    advisory(conn, "pg_advisory_unlock")?;
    restored
}

fn set_aside_some<T, E: From<diesel::result::Error>>(
    conn: &mut DbConn,
    table: &str,
    foreign_keys: bool,
    load: impl FnOnce(&mut DbConn) -> std::result::Result<T, E>,
) -> std::result::Result<T, E> {
    if matches!(conn, DbConn::Sqlite(_)) {
        return load(conn);
    }
    // Index builds sort in memory up to this much, per index, for this transaction only.
    diesel::sql_query("SET LOCAL maintenance_work_mem = '256MB'").execute(conn)?;
    let constraints: Vec<Definition> = diesel::sql_query(
        "SELECT c.conname::text AS name, pg_get_constraintdef(c.oid) AS definition FROM pg_constraint c \
         WHERE c.conrelid = $1::regclass AND ((c.contype = 'f' AND $2) OR (c.contype = 'u' AND NOT EXISTS \
         (SELECT 1 FROM pg_constraint r WHERE r.contype = 'f' AND r.conindid = c.conindid))) \
         ORDER BY c.contype DESC, c.conname",
    )
    .bind::<Text, _>(table)
    .bind::<diesel::sql_types::Bool, _>(foreign_keys)
    .load(conn)?;
    let indexes: Vec<Definition> = diesel::sql_query(
        "SELECT i.relname::text AS name, pg_get_indexdef(i.oid) AS definition FROM pg_index x \
         JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = $1::regclass AND NOT x.indisprimary \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) ORDER BY i.relname",
    )
    .bind::<Text, _>(table)
    .load(conn)?;
    let t = quoted(table);
    for c in &constraints {
        diesel::sql_query(format!("ALTER TABLE {t} DROP CONSTRAINT {}", quoted(&c.name))).execute(conn)?;
    }
    for i in &indexes {
        diesel::sql_query(format!("DROP INDEX {}", quoted(&i.name))).execute(conn)?;
    }
    let out = load(conn)?;
    for i in &indexes {
        diesel::sql_query(&i.definition).execute(conn)?;
    }
    // Unique constraints before the foreign keys (the catalog order above: 'u' sorts after 'f', so reversed).
    for c in constraints.iter().rev() {
        diesel::sql_query(format!("ALTER TABLE {t} ADD CONSTRAINT {} {}", quoted(&c.name), c.definition))
            .execute(conn)?;
    }
    // Fresh statistics: the planner would otherwise plan the next batch's lookups for the empty table it saw. Of
    // every column but the sealed ones (`sealed::ALL`): a sealed value's statistics say nothing (each is unique
    // noise), and reading them was most of what ANALYZE spent on a wide table. Autovacuum analyses them later.
    let columns: Vec<Column> = diesel::sql_query(
        "SELECT attname::text AS name FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 \
         AND NOT attisdropped ORDER BY attnum",
    )
    .bind::<Text, _>(table)
    .load(conn)?;
    let sealed = |c: &str| crate::sealed::ALL.iter().any(|s| s.table == table && s.column == c);
    let columns: Vec<String> = columns.iter().filter(|c| !sealed(&c.name)).map(|c| quoted(&c.name)).collect();
    // A tenth of the usual sample (3,000 rows): enough to plan lookups by index; the load itself just made the
    // table large enough that autovacuum analyses it again, in full, soon after this commits.
    diesel::sql_query("SET LOCAL default_statistics_target = 10").execute(conn)?;
    diesel::sql_query(format!("ANALYZE {t} ({})", columns.join(", "))).execute(conn)?;
    Ok(out)
}

/// Whether `table` holds no row at all (a first load may then write it directly, `load_direct`).
pub fn is_empty(conn: &mut DbConn, table: &str) -> Result<bool> {
    let present: Count =
        diesel::sql_query(format!("SELECT count(*) AS n FROM (SELECT 1 FROM {} LIMIT 1) t", quoted(table)))
            .get_result(conn)?;
    Ok(present.n == 0)
}
