//! Customer transfers between follow members (one row per contact, from RM and to RM), their weekly add/delete
//! events, and the weekly add targets. Who may see a transfer: whoever's scope holds its `node_id`.

use crate::conn::DbConn;
use crate::error::{Result, StoreError};
use crate::page::{escape_like, Page, Paged};
use crate::schema::{org_nodes, staff, wecom_add_targets, wecom_contact_events, wecom_contacts, wecom_transfers};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use siyu_domain::org::Scope;

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone, PartialEq, Eq)]
#[diesel(table_name = wecom_transfers)]
#[diesel(treat_none_as_null = true)]
pub struct TransferRow {
    pub id: String,
    pub corp: String,
    pub external_userid: String,
    pub customer_id: Option<String>,
    pub node_id: String,
    pub from_staff_id: String,
    pub to_staff_id: String,
    pub handover_userid: String,
    pub takeover_userid: String,
    pub flow: Option<String>,
    pub status: String,
    pub errcode: Option<i64>,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub origin: String,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub started_at: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

pub const WAITING: &str = "waiting";
pub const SUCCEEDED: &str = "succeeded";
pub const FAILED: &str = "failed";

pub fn insert(conn: &mut DbConn, row: &TransferRow) -> Result<()> {
    diesel::insert_into(wecom_transfers::table).values(row).execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConn, row: &TransferRow) -> Result<()> {
    diesel::update(wecom_transfers::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

pub fn get(conn: &mut DbConn, id: &str) -> Result<TransferRow> {
    Ok(wecom_transfers::table.find(id).select(TransferRow::as_select()).first(conn)?)
}

/// The transfer if its node lies inside `scope`; outside, refused like a missing one.
pub fn get_in_scope(conn: &mut DbConn, id: &str, scope: &Scope) -> Result<TransferRow> {
    let row = get(conn, id)?;
    let path: String = org_nodes::table.find(&row.node_id).select(org_nodes::path).first(conn)?;
    if scope.contains(&path) {
        Ok(row)
    } else {
        Err(StoreError::OutOfScope { target_type: "wecom_transfer", target_id: row.id })
    }
}

/// Transfers in `scope`, newest first, of one status when given.
pub fn list_in_scope(conn: &mut DbConn, scope: &Scope, status: Option<&str>, page: Page) -> Result<Paged<TransferRow>> {
    let prefix = format!("{}%", escape_like(scope.prefix()));
    let base = || {
        let mut q = wecom_transfers::table
            .inner_join(org_nodes::table.on(org_nodes::id.eq(wecom_transfers::node_id)))
            .filter(org_nodes::path.like(prefix.clone()))
            .into_boxed();
        if let Some(s) = status {
            q = q.filter(wecom_transfers::status.eq(s.to_string()));
        }
        q
    };
    let total: i64 = base().count().get_result(conn)?;
    let items = base()
        .order((wecom_transfers::created_at.desc(), wecom_transfers::id.desc()))
        .limit(page.limit())
        .offset(page.offset())
        .select(TransferRow::as_select())
        .load(conn)?;
    Ok(page.wrap(items, total))
}

/// The open (waiting) transfer of a contact, if any.
pub fn open_of_contact(conn: &mut DbConn, corp: &str, external_userid: &str) -> Result<Vec<TransferRow>> {
    Ok(wecom_transfers::table
        .filter(wecom_transfers::corp.eq(corp))
        .filter(wecom_transfers::external_userid.eq(external_userid))
        .filter(wecom_transfers::status.eq(WAITING))
        .select(TransferRow::as_select())
        .load(conn)?)
}

/// Waiting transfers of `corp`: not yet started (`started` false) or started and awaiting their result.
pub fn waiting(conn: &mut DbConn, corp: &str, started: bool, limit: i64) -> Result<Vec<TransferRow>> {
    let mut q = wecom_transfers::table
        .filter(wecom_transfers::corp.eq(corp))
        .filter(wecom_transfers::status.eq(WAITING))
        .into_boxed();
    q = if started {
        q.filter(wecom_transfers::started_at.is_not_null())
    } else {
        q.filter(wecom_transfers::started_at.is_null())
    };
    Ok(q.order(wecom_transfers::created_at.asc()).limit(limit).select(TransferRow::as_select()).load(conn)?)
}

/// Corps with waiting transfers.
pub fn corps_waiting(conn: &mut DbConn) -> Result<Vec<String>> {
    Ok(wecom_transfers::table
        .filter(wecom_transfers::status.eq(WAITING))
        .select(wecom_transfers::corp)
        .distinct()
        .load(conn)?)
}

/// The live relations (external_userid) between `follow_userid` and the contacts given, in `corp`.
pub fn live_relations(conn: &mut DbConn, corp: &str, follow_userid: &str, externals: &[String]) -> Result<Vec<String>> {
    Ok(wecom_contacts::table
        .filter(wecom_contacts::corp.eq(corp))
        .filter(wecom_contacts::follow_userid.eq(follow_userid))
        .filter(wecom_contacts::external_userid.eq_any(externals))
        .filter(wecom_contacts::status.eq_any(["active", "half"]))
        .select(wecom_contacts::external_userid)
        .load(conn)?)
}

/// One add or delete of a relation, dated by WeCom's time.
#[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq, Eq)]
#[diesel(table_name = wecom_contact_events)]
pub struct ContactEventRow {
    pub inbox_id: String,
    pub corp: String,
    pub external_userid: String,
    pub follow_userid: String,
    pub kind: String,
    pub occurred_at: NaiveDateTime,
    pub week: String,
}

/// Records the event once (a replayed inbox row adds nothing).
pub fn record_event(conn: &mut DbConn, row: &ContactEventRow) -> Result<()> {
    on_backend!(conn, |c| diesel::insert_into(wecom_contact_events::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(())
}

/// (staff id, staff node id, kind, count) of the week's events of members whose staff sits under `node_path`.
pub fn week_counts(conn: &mut DbConn, week: &str, node_path: &str) -> Result<Vec<(String, String, String, i64)>> {
    Ok(wecom_contact_events::table
        .inner_join(staff::table.on(staff::wecom_userid.eq(wecom_contact_events::follow_userid.nullable())))
        .inner_join(org_nodes::table.on(org_nodes::id.eq(staff::node_id)))
        .filter(wecom_contact_events::week.eq(week))
        .filter(org_nodes::path.like(format!("{}%", escape_like(node_path))))
        .select((staff::id, staff::node_id, wecom_contact_events::kind))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .fold(Vec::<(String, String, String, i64)>::new(), |mut acc, (s, n, k)| {
            match acc.iter_mut().find(|(a, _, b, _)| *a == s && *b == k) {
                Some(x) => x.3 += 1,
                None => acc.push((s, n, k, 1)),
            }
            acc
        }))
}

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone, PartialEq, Eq)]
#[diesel(table_name = wecom_add_targets)]
pub struct TargetRow {
    pub subject_type: String,
    pub subject_id: String,
    pub week: String,
    pub target: i64,
    pub set_by: String,
    pub set_at: NaiveDateTime,
}

/// Sets the target of a subject from a week on (replacing one set for the same week).
pub fn set_target(conn: &mut DbConn, row: &TargetRow) -> Result<()> {
    let n = diesel::update(wecom_add_targets::table.find((&row.subject_type, &row.subject_id, &row.week)))
        .set(row)
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(wecom_add_targets::table).values(row).execute(conn)?;
    }
    Ok(())
}

/// The targets in force in `week` (the latest set at or before it) of the given subjects: (subject id, target).
pub fn targets_in_force(
    conn: &mut DbConn,
    subject_type: &str,
    ids: &[String],
    week: &str,
) -> Result<Vec<(String, i64)>> {
    let rows: Vec<(String, String, i64)> = wecom_add_targets::table
        .filter(wecom_add_targets::subject_type.eq(subject_type))
        .filter(wecom_add_targets::subject_id.eq_any(ids))
        .filter(wecom_add_targets::week.le(week))
        .order((wecom_add_targets::subject_id.asc(), wecom_add_targets::week.desc()))
        .select((wecom_add_targets::subject_id, wecom_add_targets::week, wecom_add_targets::target))
        .load(conn)?;
    let mut out: Vec<(String, i64)> = vec![];
    for (id, _, t) in rows {
        if out.last().map(|(l, _)| l != &id).unwrap_or(true) {
            out.push((id, t));
        }
    }
    Ok(out)
}

/// (corp, external_userid) of the WeCom contacts linked to a customer.
pub fn contacts_of_customer(conn: &mut DbConn, customer_id: &str) -> Result<Vec<(String, String)>> {
    use crate::schema::wecom_contact_links as l;
    Ok(l::table
        .filter(l::customer_id.eq(customer_id))
        .order((l::corp.asc(), l::external_userid.asc()))
        .select((l::corp, l::external_userid))
        .load(conn)?)
}

/// The staff id of the member with this WeCom userid.
pub fn staff_of_userid(conn: &mut DbConn, userid: &str) -> Result<Option<String>> {
    Ok(staff::table.filter(staff::wecom_userid.eq(userid)).select(staff::id).first(conn).optional()?)
}

/// (staff id, name, node id) of the staff with a WeCom userid under `node_path`.
pub fn wecom_staff_under(conn: &mut DbConn, node_path: &str) -> Result<Vec<(String, String, String)>> {
    Ok(staff::table
        .inner_join(org_nodes::table.on(org_nodes::id.eq(staff::node_id)))
        .filter(staff::wecom_userid.is_not_null())
        .filter(org_nodes::path.like(format!("{}%", escape_like(node_path))))
        .order(staff::employee_no.asc())
        .select((staff::id, staff::name, staff::node_id))
        .load(conn)?)
}

/// (outlet node id, RM staff id) of a customer.
pub fn customer_owner(conn: &mut DbConn, customer_id: &str) -> Result<(String, Option<String>)> {
    use crate::schema::customers;
    Ok(customers::table.find(customer_id).select((customers::node_id, customers::rm_staff_id)).first(conn)?)
}
