//! Identity merges (One-ID): the records that look like one person, moving rows between two records, and the
//! merge log that lets an unmerge restore exactly what was moved.

use crate::conn::DbConn;
use crate::error::Result;
use crate::page::escape_like;
use crate::schema::{customer_events, customer_merges, customers, holdings, org_nodes};
use crate::time::to_db;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use siyu_domain::identity::Identifiers;
use siyu_domain::org::Scope;

type IdRow = (String, String, Option<String>, Option<String>, Option<String>);

fn to_ids((id, customer_no_idx, mobile_idx, id_number_idx, merged_into): IdRow) -> Identifiers {
    Identifiers { id, customer_no_idx, mobile_idx, id_number_idx, merged_into }
}

macro_rules! id_cols {
    () => {
        (
            customers::id,
            customers::customer_no_idx,
            customers::mobile_idx,
            customers::id_number_idx,
            customers::merged_into,
        )
    };
}

pub fn identifiers(conn: &mut DbConn, id: &str) -> Result<Identifiers> {
    let r: IdRow = customers::table.find(id).select(id_cols!()).first(conn)?;
    Ok(to_ids(r))
}

/// Records in `scope`, not merged away, that share an identifier with `of`.
pub fn duplicates(conn: &mut DbConn, of: &Identifiers, scope: &Scope) -> Result<Vec<Identifiers>> {
    let mut q = customers::table
        .inner_join(org_nodes::table)
        .filter(org_nodes::path.like(format!("{}%", escape_like(scope.prefix()))).escape('\\'))
        .filter(customers::id.ne(of.id.clone()))
        .filter(customers::merged_into.is_null())
        .select(id_cols!())
        .order(customers::id.asc())
        .limit(50)
        .into_boxed();
    let mut any = Box::new(customers::customer_no_idx.nullable().eq(of.customer_no_idx.clone()))
        as Box<dyn BoxableExpression<_, _, SqlType = diesel::sql_types::Nullable<diesel::sql_types::Bool>>>;
    if let Some(m) = &of.mobile_idx {
        any = Box::new(any.or(customers::mobile_idx.eq(m.clone())));
    }
    if let Some(i) = &of.id_number_idx {
        any = Box::new(any.or(customers::id_number_idx.eq(i.clone())));
    }
    q = q.filter(any);
    Ok(q.load::<IdRow>(conn)?.into_iter().map(to_ids).collect())
}

/// A customer's holdings as (row id, product code).
pub fn holdings_of(conn: &mut DbConn, customer_id: &str) -> Result<Vec<(String, String)>> {
    Ok(holdings::table
        .filter(holdings::customer_id.eq(customer_id))
        .select((holdings::id, holdings::product_code))
        .order(holdings::id.asc())
        .load(conn)?)
}

/// A customer's events as (row id, "kind|date|reference").
pub fn events_of(conn: &mut DbConn, customer_id: &str) -> Result<Vec<(String, String)>> {
    let rows: Vec<(String, String, String, String)> = customer_events::table
        .filter(customer_events::customer_id.eq(customer_id))
        .select((customer_events::id, customer_events::kind, customer_events::event_date, customer_events::reference))
        .order(customer_events::id.asc())
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, k, d, r)| (id, format!("{k}|{d}|{r}"))).collect())
}

/// Moves these holdings and events (by row id) to `to`.
pub fn move_rows(conn: &mut DbConn, holding_ids: &[String], event_ids: &[String], to: &str) -> Result<()> {
    for chunk in holding_ids.chunks(500) {
        diesel::update(holdings::table.filter(holdings::id.eq_any(chunk)))
            .set(holdings::customer_id.eq(to))
            .execute(conn)?;
    }
    for chunk in event_ids.chunks(500) {
        diesel::update(customer_events::table.filter(customer_events::id.eq_any(chunk)))
            .set(customer_events::customer_id.eq(to))
            .execute(conn)?;
    }
    Ok(())
}

pub fn set_merged_into(conn: &mut DbConn, id: &str, into: Option<&str>, now: DateTime<Utc>) -> Result<()> {
    diesel::update(customers::table.find(id))
        .set((customers::merged_into.eq(into), customers::updated_at.eq(to_db(now))))
        .execute(conn)?;
    Ok(())
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = customer_merges)]
pub struct MergeRow {
    pub id: String,
    pub survivor_id: String,
    pub merged_id: String,
    /// JSON list of the identifiers' names that matched.
    pub matched: String,
    /// JSON `{"holdings": [ids], "events": [ids]}`: what moved to the survivor.
    pub moved: String,
    pub reason: String,
    pub merged_by: Option<String>,
    pub merged_at: NaiveDateTime,
    pub undone_by: Option<String>,
    pub undone_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, row: &MergeRow) -> Result<()> {
    diesel::insert_into(customer_merges::table).values(row).execute(conn)?;
    Ok(())
}

/// The merge that took `merged_id` away and has not been undone.
pub fn active_for(conn: &mut DbConn, merged_id: &str) -> Result<Option<MergeRow>> {
    Ok(customer_merges::table
        .filter(customer_merges::merged_id.eq(merged_id))
        .filter(customer_merges::undone_at.is_null())
        .select(MergeRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn mark_undone(conn: &mut DbConn, id: &str, by: Option<&str>, now: DateTime<Utc>) -> Result<()> {
    diesel::update(customer_merges::table.find(id))
        .set((customer_merges::undone_by.eq(by), customer_merges::undone_at.eq(Some(to_db(now)))))
        .execute(conn)?;
    Ok(())
}
