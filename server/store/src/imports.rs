//! Staging of imported customers, and publishing a whole file's rows in one transaction; the reject list every
//! dataset's import shares.

use crate::conn::DbConn;
use crate::customers::CustomerRow;
use crate::error::Result;
use crate::schema::{customers, import_customers, import_rejects, import_unchanged};
use crate::time::to_db;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamp};

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = import_customers)]
#[diesel(treat_none_as_default_value = false)]
struct Staged<'a> {
    job_id: &'a str,
    line_no: i64,
    id: &'a str,
    existing: bool,
    customer_no: &'a str,
    customer_no_idx: &'a str,
    name: &'a str,
    name_idx: &'a str,
    gender: &'a str,
    birth_date: Option<&'a str>,
    id_number: Option<&'a str>,
    id_number_idx: Option<&'a str>,
    mobile: Option<&'a str>,
    mobile_idx: Option<&'a str>,
    risk_level: Option<&'a str>,
    risk_assessed_on: Option<&'a str>,
    aum: Option<&'a str>,
    aum_band: &'a str,
    node_id: &'a str,
    rm_staff_id: Option<&'a str>,
    name_p1_idx: Option<&'a str>,
    name_p2_idx: Option<&'a str>,
    address: Option<&'a str>,
    address_idx: Option<&'a str>,
    row_digest: Option<&'a str>,
}

/// Copies new customers straight into `customers`, no stage between: the direct first load (`bulk` explains
/// when), inside its one transaction, on PostgreSQL.
pub fn copy_direct(conn: &mut DbConn, rows: &Vec<CustomerRow>) -> Result<()> {
    match conn {
        DbConn::Postgres(pg) => {
            diesel::copy_from(customers::table).from_insertable(rows).execute(pg)?;
        }
        DbConn::Sqlite(lite) => {
            for chunk in rows.chunks(500) {
                diesel::insert_into(customers::table).values(chunk).execute(lite)?;
            }
        }
    }
    Ok(())
}

/// A staged row: the customer as it will be published, and whether it replaces an existing one.
pub struct StagedRow {
    pub line_no: i64,
    pub existing: bool,
    pub row: CustomerRow,
}

#[derive(Insertable)]
#[diesel(table_name = import_unchanged)]
#[diesel(treat_none_as_default_value = false)]
struct Noted<'a> {
    job_id: &'a str,
    line_no: i64,
    customer_no_idx: &'a str,
}

/// A line whose customer is stored exactly as the file has it: only counted.
pub struct Unchanged {
    pub line_no: i64,
    pub customer_no_idx: String,
}

/// A line left out: the field and the rule, never the value.
pub struct RejectRow {
    pub line_no: i64,
    pub field: String,
    pub reason: String,
}

/// Stages one batch (rows and rejects) in one transaction, so a checkpoint after it describes committed work.
/// Not audited: staging changes nothing anyone sees; publishing is the audited change.
pub fn stage(
    conn: &mut DbConn,
    job_id: &str,
    rows: &[StagedRow],
    rejects: &[RejectRow],
    unchanged: &[Unchanged],
) -> Result<()> {
    conn.transaction(|c| {
        let staged: Vec<Staged<'_>> = rows
            .iter()
            .map(|s| {
                let r = &s.row;
                Staged {
                    job_id,
                    line_no: s.line_no,
                    id: &r.id,
                    existing: s.existing,
                    customer_no: &r.customer_no,
                    customer_no_idx: &r.customer_no_idx,
                    name: &r.name,
                    name_idx: &r.name_idx,
                    gender: &r.gender,
                    birth_date: r.birth_date.as_deref(),
                    id_number: r.id_number.as_deref(),
                    id_number_idx: r.id_number_idx.as_deref(),
                    mobile: r.mobile.as_deref(),
                    mobile_idx: r.mobile_idx.as_deref(),
                    risk_level: r.risk_level.as_deref(),
                    risk_assessed_on: r.risk_assessed_on.as_deref(),
                    aum: r.aum.as_deref(),
                    aum_band: &r.aum_band,
                    node_id: &r.node_id,
                    rm_staff_id: r.rm_staff_id.as_deref(),
                    name_p1_idx: r.name_p1_idx.as_deref(),
                    name_p2_idx: r.name_p2_idx.as_deref(),
                    address: r.address.as_deref(),
                    row_digest: r.row_digest.as_deref(),
                    address_idx: r.address_idx.as_deref(),
                }
            })
            .collect();
        match c {
            // PostgreSQL: one COPY (binary) per batch, the bulk path, several times faster than INSERTs.
            DbConn::Postgres(pg) => {
                diesel::copy_from(import_customers::table).from_insertable(&staged).execute(pg)?;
            }
            // SQLite: multi-row INSERTs (NULLs bound explicitly; 24 columns x 500 rows stays under its bind limit).
            DbConn::Sqlite(lite) => {
                for chunk in staged.chunks(500) {
                    diesel::insert_into(import_customers::table).values(chunk).execute(lite)?;
                }
            }
        }
        let noted: Vec<Noted<'_>> = unchanged
            .iter()
            .map(|u| Noted { job_id, line_no: u.line_no, customer_no_idx: &u.customer_no_idx })
            .collect();
        match c {
            // A daily file's unchanged lines are most of it: one COPY per batch, as the stage.
            DbConn::Postgres(pg) if !noted.is_empty() => {
                diesel::copy_from(import_unchanged::table).from_insertable(&noted).execute(pg)?;
            }
            DbConn::Postgres(_) => {}
            DbConn::Sqlite(lite) => {
                for chunk in noted.chunks(500) {
                    diesel::insert_into(import_unchanged::table).values(chunk).execute(lite)?;
                }
            }
        }
        insert_rejects(c, job_id, rejects)
    })
}

/// How many lines of a job found their customer unchanged.
pub fn unchanged(conn: &mut DbConn, job_id: &str) -> Result<i64> {
    Ok(import_unchanged::table.filter(import_unchanged::job_id.eq(job_id)).count().get_result(conn)?)
}

/// Records the lines a batch left out in a transaction of their own (the direct load, whose rows are written
/// apart from its rejects).
pub fn record_rejects(conn: &mut DbConn, job_id: &str, rejects: &[RejectRow]) -> Result<()> {
    if rejects.is_empty() {
        return Ok(());
    }
    conn.transaction(|c| insert_rejects(c, job_id, rejects))
}

/// Records the lines a batch left out (any dataset); run inside the batch's transaction.
pub fn insert_rejects(conn: &mut DbConn, job_id: &str, rejects: &[RejectRow]) -> Result<()> {
    for r in rejects {
        diesel::insert_into(import_rejects::table)
            .values((
                import_rejects::job_id.eq(job_id),
                import_rejects::line_no.eq(r.line_no),
                import_rejects::field.eq(&r.field),
                import_rejects::reason.eq(&r.reason),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Moves every row of a job's stage that repeats an earlier row's customer (by its customer-number index) to the
/// job's rejects, the first row of each customer staying: one set-based pass before publishing, instead of an
/// index on the stage and a lookup per batch while staging. Returns how many it moved.
pub fn reject_repeats(conn: &mut DbConn, job_id: &str) -> Result<usize> {
    // Lines found unchanged name their customer too: a later line repeating one of them is a repeat as well.
    let lines = "SELECT line_no, customer_no_idx AS k FROM import_customers WHERE job_id = {p1} UNION ALL \
                 SELECT line_no, customer_no_idx FROM import_unchanged WHERE job_id = {p1}";
    move_repeats(conn, job_id, lines, "customer_no", REPEATED, |c, chunk| {
        let staged = import_customers::table
            .filter(import_customers::job_id.eq(job_id))
            .filter(import_customers::line_no.eq_any(chunk));
        diesel::delete(staged).execute(c)?;
        let unchanged = import_unchanged::table
            .filter(import_unchanged::job_id.eq(job_id))
            .filter(import_unchanged::line_no.eq_any(chunk));
        diesel::delete(unchanged).execute(c)?;
        Ok(())
    })
}

/// Moves every line of a job that repeats the key of an earlier line to the job's rejects (`field`, `reason`),
/// the first line of each key staying: one window over `lines` (a query of `line_no` and key `k` where `{p1}` is
/// the job id), and `delete` drops the moved lines from the stage in chunks. Returns how many it moved.
pub(crate) fn move_repeats(
    conn: &mut DbConn,
    job_id: &str,
    lines: &str,
    field: &str,
    reason: &str,
    delete: impl Fn(&mut DbConn, &[i64]) -> Result<()>,
) -> Result<usize> {
    #[derive(QueryableByName)]
    struct Line {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        line_no: i64,
    }
    let p1 = match conn {
        DbConn::Postgres(_) => "$1",
        DbConn::Sqlite(_) => "?1",
    };
    let lines = lines.replace("{p1}", p1);
    let repeats: Vec<i64> = diesel::sql_query(format!(
        "SELECT line_no FROM (SELECT line_no, ROW_NUMBER() OVER (PARTITION BY k ORDER BY line_no) AS n \
         FROM ({lines}) l) r WHERE n > 1"
    ))
    .bind::<Text, _>(job_id)
    .load::<Line>(conn)?
    .into_iter()
    .map(|l| l.line_no)
    .collect();
    if repeats.is_empty() {
        return Ok(0);
    }
    let rejects: Vec<RejectRow> =
        repeats.iter().map(|&line_no| RejectRow { line_no, field: field.into(), reason: reason.into() }).collect();
    conn.transaction(|c| {
        for chunk in repeats.chunks(500) {
            delete(c, chunk)?;
        }
        insert_rejects(c, job_id, &rejects)
    })?;
    Ok(repeats.len())
}

/// Why a second row of one customer is left out.
pub const REPEATED: &str = "the same customer appears twice in this file";

/// How many customers a job has staged.
pub fn staged(conn: &mut DbConn, job_id: &str) -> Result<i64> {
    Ok(import_customers::table.filter(import_customers::job_id.eq(job_id)).count().get_result(conn)?)
}

/// Forgets the lines a job left out (its stage is being rebuilt from the start).
pub fn clear_rejects(conn: &mut DbConn, job_id: &str) -> Result<()> {
    diesel::delete(import_rejects::table.filter(import_rejects::job_id.eq(job_id))).execute(conn)?;
    Ok(())
}

/// The rows a job left out so far (any dataset).
pub fn rejected(conn: &mut DbConn, job_id: &str) -> Result<i64> {
    Ok(import_rejects::table.filter(import_rejects::job_id.eq(job_id)).count().get_result(conn)?)
}

pub fn rejects(conn: &mut DbConn, job_id: &str) -> Result<Vec<(i64, String, String)>> {
    Ok(import_rejects::table
        .filter(import_rejects::job_id.eq(job_id))
        .order(import_rejects::line_no.asc())
        .select((import_rejects::line_no, import_rejects::field, import_rejects::reason))
        .load(conn)?)
}

/// Drops a job's staged rows (after publishing, or when the file is rejected whole).
pub fn clear(conn: &mut DbConn, job_id: &str) -> Result<()> {
    diesel::delete(import_customers::table.filter(import_customers::job_id.eq(job_id))).execute(conn)?;
    diesel::delete(import_unchanged::table.filter(import_unchanged::job_id.eq(job_id))).execute(conn)?;
    Ok(())
}

const COLUMNS: &str = "customer_no, customer_no_idx, name, name_idx, gender, birth_date, id_number, id_number_idx, \
                       mobile, mobile_idx, risk_level, risk_assessed_on, aum, aum_band, node_id, rm_staff_id, \
                       name_p1_idx, name_p2_idx, row_digest, address, address_idx";

/// Copies a job's staged rows into `customers` — updates of existing customers, then inserts of new ones — and
/// empties the stage. Run inside the caller's transaction; returns (inserted, updated).
pub fn publish(conn: &mut DbConn, job_id: &str, actor: Option<&str>, now: DateTime<Utc>) -> Result<(usize, usize)> {
    // Set-based statements, written once per backend: only the placeholders and the null-safe comparison differ.
    let (p1, p2, p3, differ) = match conn {
        DbConn::Postgres(_) => ("$1", "$2", "$3", "IS DISTINCT FROM"),
        DbConn::Sqlite(_) => ("?1", "?2", "?3", "IS NOT"),
    };
    // The managing RM's and outlet's history (管户关系) of the existing customers the file changes, before the
    // change: one row per customer and field, its id derived from the job so a resumed publish cannot double it.
    for (action, col) in [("rm", "rm_staff_id"), ("outlet", "node_id")] {
        let history = format!(
            "INSERT INTO change_history (id, subject_type, subject_id, at, action, from_value, to_value, actor_id, \
             reason) SELECT 'import-' || s.job_id || '-' || c.id || '-{action}', 'customer', c.id, {p2}, '{action}', \
             c.{col}, s.{col}, {p3}, 'import job ' || s.job_id FROM customers c JOIN import_customers s \
             ON s.id = c.id AND s.job_id = {p1} WHERE s.existing AND c.{col} {differ} s.{col}"
        );
        diesel::sql_query(history)
            .bind::<Text, _>(job_id)
            .bind::<Timestamp, _>(to_db(now))
            .bind::<diesel::sql_types::Nullable<Text>, _>(actor)
            .execute(conn)?;
    }
    let update = crate::bulk::update_from_stage("customers", "import_customers", COLUMNS, p1, p2);
    let t = to_db(now);
    let updated = diesel::sql_query(update).bind::<Text, _>(job_id).bind::<Timestamp, _>(t).execute(conn)?;
    let inserted = crate::bulk::insert_from_stage(conn, "customers", "import_customers", COLUMNS, job_id, t)?;
    clear(conn, job_id)?;
    Ok((inserted, updated))
}
