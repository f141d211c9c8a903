//! Staging of imported holdings, and publishing a whole file in one transaction as the day's snapshot of every
//! customer it lists.

use crate::conn::DbConn;
use crate::error::Result;
use crate::holdings::HoldingRow;
use crate::imports::{insert_rejects, RejectRow};
use crate::schema::{holdings, import_holdings};
use crate::time::to_db;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamp};

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = import_holdings)]
#[diesel(treat_none_as_default_value = false)]
struct Staged<'a> {
    job_id: &'a str,
    line_no: i64,
    id: &'a str,
    existing: bool,
    customer_id: &'a str,
    product_code: &'a str,
    product_name: &'a str,
    product_type: &'a str,
    product_risk: Option<&'a str>,
    amount: &'a str,
    amount_band: &'a str,
    start_date: Option<&'a str>,
    maturity_date: Option<&'a str>,
    next_open_date: Option<&'a str>,
    nav: Option<&'a str>,
    nav_date: Option<&'a str>,
    prev_nav: Option<&'a str>,
    prev_nav_date: Option<&'a str>,
    purchase_nav: Option<&'a str>,
}

/// Copies new holdings straight into `holdings`, no stage between: the direct first load, inside its one
/// transaction.
pub fn copy_direct(conn: &mut DbConn, rows: &Vec<HoldingRow>) -> Result<()> {
    match conn {
        DbConn::Postgres(pg) => {
            diesel::copy_from(holdings::table).from_insertable(rows).execute(pg)?;
        }
        DbConn::Sqlite(lite) => {
            for chunk in rows.chunks(500) {
                diesel::insert_into(holdings::table).values(chunk).execute(lite)?;
            }
        }
    }
    Ok(())
}

/// A staged holding: as it will be published, and whether it replaces an existing one.
pub struct StagedHolding {
    pub line_no: i64,
    pub existing: bool,
    pub row: HoldingRow,
}

/// Stages one batch (rows and rejects) in one transaction, so a checkpoint after it describes committed work.
pub fn stage(conn: &mut DbConn, job_id: &str, rows: &[StagedHolding], rejects: &[RejectRow]) -> Result<()> {
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
                    customer_id: &r.customer_id,
                    product_code: &r.product_code,
                    product_name: &r.product_name,
                    product_type: &r.product_type,
                    product_risk: r.product_risk.as_deref(),
                    amount: &r.amount,
                    amount_band: &r.amount_band,
                    start_date: r.start_date.as_deref(),
                    maturity_date: r.maturity_date.as_deref(),
                    next_open_date: r.next_open_date.as_deref(),
                    nav: r.nav.as_deref(),
                    nav_date: r.nav_date.as_deref(),
                    prev_nav: r.prev_nav.as_deref(),
                    prev_nav_date: r.prev_nav_date.as_deref(),
                    purchase_nav: r.purchase_nav.as_deref(),
                }
            })
            .collect();
        match c {
            // PostgreSQL: one COPY (binary) per batch, the bulk path, several times faster than INSERTs.
            DbConn::Postgres(pg) => {
                diesel::copy_from(import_holdings::table).from_insertable(&staged).execute(pg)?;
            }
            // SQLite: multi-row INSERTs (NULLs bound explicitly; 19 columns x 500 rows stays under its bind limit).
            DbConn::Sqlite(lite) => {
                for chunk in staged.chunks(500) {
                    diesel::insert_into(import_holdings::table).values(chunk).execute(lite)?;
                }
            }
        }
        insert_rejects(c, job_id, rejects)
    })
}

/// Why a second row of one holding is left out.
pub const REPEATED: &str = "the same holding appears twice in this file";

/// Moves every staged row that repeats an earlier row's holding (customer and product) to the job's rejects, the
/// first row of each holding staying: one set-based pass before publishing, in the order of the stage's index,
/// instead of a lookup of the stage per batch (which also let a batch be prepared only after the one before it
/// was written). Returns how many it moved.
pub fn reject_repeats(conn: &mut DbConn, job_id: &str) -> Result<usize> {
    // The key: the customer's id (a UUID, always 36 characters) then the product code.
    let lines = "SELECT line_no, customer_id || product_code AS k FROM import_holdings WHERE job_id = {p1}";
    crate::imports::move_repeats(conn, job_id, lines, "product_code", REPEATED, |c, chunk| {
        let staged = import_holdings::table
            .filter(import_holdings::job_id.eq(job_id))
            .filter(import_holdings::line_no.eq_any(chunk));
        diesel::delete(staged).execute(c)?;
        Ok(())
    })
}

/// How many holdings a job has staged.
pub fn staged(conn: &mut DbConn, job_id: &str) -> Result<i64> {
    Ok(import_holdings::table.filter(import_holdings::job_id.eq(job_id)).count().get_result(conn)?)
}

pub fn clear(conn: &mut DbConn, job_id: &str) -> Result<()> {
    diesel::delete(import_holdings::table.filter(import_holdings::job_id.eq(job_id))).execute(conn)?;
    Ok(())
}

const COLUMNS: &str = "customer_id, product_code, product_name, product_type, product_risk, amount, amount_band, \
                       start_date, maturity_date, next_open_date, nav, nav_date, prev_nav, prev_nav_date, purchase_nav";

/// How publishing changed the holdings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Published {
    pub inserted: usize,
    pub updated: usize,
    /// Holdings of the file's customers that the file no longer lists: closed, so removed.
    pub closed: usize,
}

/// Copies a job's staged holdings into `holdings` as the snapshot of every customer the file lists: their
/// holdings missing from the file are removed, the others updated, new ones inserted; then empties the stage.
/// Run inside the caller's transaction.
pub fn publish(conn: &mut DbConn, job_id: &str, now: DateTime<Utc>) -> Result<Published> {
    let (p1, p2) = match conn {
        DbConn::Postgres(_) => ("$1", "$2"),
        DbConn::Sqlite(_) => ("?1", "?2"),
    };
    let close = format!(
        "DELETE FROM holdings WHERE customer_id IN (SELECT customer_id FROM import_holdings WHERE job_id = {p1}) \
         AND NOT EXISTS (SELECT 1 FROM import_holdings s WHERE s.job_id = {p1} \
         AND s.customer_id = holdings.customer_id AND s.product_code = holdings.product_code)"
    );
    let update = crate::bulk::update_from_stage("holdings", "import_holdings", COLUMNS, p1, p2);
    let t = to_db(now);
    let closed = diesel::sql_query(close).bind::<Text, _>(job_id).execute(conn)?;
    let updated = diesel::sql_query(update).bind::<Text, _>(job_id).bind::<Timestamp, _>(t).execute(conn)?;
    let inserted = crate::bulk::insert_from_stage(conn, "holdings", "import_holdings", COLUMNS, job_id, t)?;
    clear(conn, job_id)?;
    Ok(Published { inserted, updated, closed })
}
