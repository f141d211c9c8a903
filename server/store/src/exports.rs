//! Export requests and decisions, and the customer pages an export is built from.

use crate::conn::DbConn;
use crate::customers::CustomerRow;
use crate::error::{Result, StoreError};
use crate::page::escape_like;
use crate::schema::{customers, exports, org_nodes, staff};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = exports)]
pub struct ExportRow {
    pub id: String,
    pub kind: String,
    pub masked: bool,
    pub node_id: String,
    pub reason: String,
    pub status: String,
    pub requested_by: String,
    pub requested_at: NaiveDateTime,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_note: Option<String>,
    pub expires_at: NaiveDateTime,
    pub downloads: i64,
    pub last_sha256: Option<String>,
    pub last_rows: Option<i64>,
}

pub fn insert(conn: &mut DbConn, row: &ExportRow) -> Result<()> {
    diesel::insert_into(exports::table).values(row).execute(conn)?;
    Ok(())
}

pub fn get(conn: &mut DbConn, id: &str) -> Result<ExportRow> {
    Ok(exports::table.find(id).select(ExportRow::as_select()).first(conn)?)
}

/// Newest first: the requester's own, or (for approvers) everyone's.
pub fn list(conn: &mut DbConn, requested_by: Option<&str>, limit: i64) -> Result<Vec<ExportRow>> {
    let mut q =
        exports::table.select(ExportRow::as_select()).order(exports::requested_at.desc()).limit(limit).into_boxed();
    if let Some(who) = requested_by {
        q = q.filter(exports::requested_by.eq(who.to_string()));
    }
    Ok(q.load(conn)?)
}

/// A decision on a pending export.
#[derive(Debug, Clone)]
pub struct Decision<'a> {
    pub to: &'a str,
    pub decided_by: &'a str,
    pub at: NaiveDateTime,
    pub note: Option<&'a str>,
    pub expires_at: NaiveDateTime,
}

/// Moves an export from `from` to the decision's status; `Conflict` when someone else moved it first.
pub fn decide(conn: &mut DbConn, id: &str, from: &str, d: &Decision<'_>) -> Result<()> {
    let n = diesel::update(exports::table.find(id).filter(exports::status.eq(from)))
        .set((
            exports::status.eq(d.to),
            exports::decided_by.eq(d.decided_by),
            exports::decided_at.eq(d.at),
            exports::decision_note.eq(d.note),
            exports::expires_at.eq(d.expires_at),
        ))
        .execute(conn)?;
    if n == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict("the export changed meanwhile".into()))
    }
}

/// Records a download; `Conflict` when the status moved meanwhile (a second concurrent download of a one-time
/// export loses here).
pub fn downloaded(conn: &mut DbConn, id: &str, from: &str, to: &str, sha256: &str, rows: i64) -> Result<()> {
    let n = diesel::update(exports::table.find(id).filter(exports::status.eq(from)))
        .set((
            exports::status.eq(to),
            exports::downloads.eq(exports::downloads + 1),
            exports::last_sha256.eq(sha256),
            exports::last_rows.eq(rows),
        ))
        .execute(conn)?;
    if n == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict("the export changed meanwhile".into()))
    }
}

/// Marks open exports past their expiry as expired (housekeeping; the rules treat them as expired anyway).
pub fn expire(conn: &mut DbConn, now: NaiveDateTime) -> Result<usize> {
    Ok(diesel::update(
        exports::table
            .filter(exports::status.eq_any(["ready", "pending_approval", "approved"]))
            .filter(exports::expires_at.le(now)),
    )
    .set(exports::status.eq("expired"))
    .execute(conn)?)
}

/// A customer with the codes an export shows for their outlet and RM.
#[derive(Debug, Clone)]
pub struct ExportLine {
    pub customer: CustomerRow,
    pub outlet_code: String,
    pub rm_employee_no: Option<String>,
}

/// Customers managed under `path_prefix` (a node's materialised path), after `after_id`, in id order.
pub fn customer_page(conn: &mut DbConn, path_prefix: &str, after_id: &str, limit: i64) -> Result<Vec<ExportLine>> {
    let rows: Vec<(CustomerRow, String, Option<String>)> = customers::table
        .inner_join(org_nodes::table)
        .left_join(staff::table.on(customers::rm_staff_id.eq(staff::id.nullable())))
        .filter(org_nodes::path.like(format!("{}%", escape_like(path_prefix))).escape('\\'))
        .filter(customers::id.gt(after_id))
        .filter(customers::merged_into.is_null())
        .order(customers::id.asc())
        .limit(limit)
        .select((CustomerRow::as_select(), org_nodes::code, staff::employee_no.nullable()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(customer, outlet_code, rm_employee_no)| ExportLine { customer, outlet_code, rm_employee_no })
        .collect())
}

/// How many customers are managed under `path_prefix`.
pub fn customer_count(conn: &mut DbConn, path_prefix: &str) -> Result<i64> {
    Ok(customers::table
        .inner_join(org_nodes::table)
        .filter(org_nodes::path.like(format!("{}%", escape_like(path_prefix))).escape('\\'))
        .filter(customers::merged_into.is_null())
        .count()
        .get_result(conn)?)
}
