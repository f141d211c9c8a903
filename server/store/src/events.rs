//! Customer events and what their daily derivation remembers per customer and day.

use crate::conn::DbConn;
use crate::error::Result;
use crate::schema::{customer_days, customer_events};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::HashMap;

/// A customer's remembered day: the AUM sealed (bound to this row's id), its band, and the product codes that
/// were unsuitable (JSON array).
#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = customer_days)]
pub struct DayRow {
    pub id: String,
    pub customer_id: String,
    pub day: String,
    pub aum: Option<String>,
    pub aum_band: String,
    pub unsuitable: String,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = customer_events)]
pub struct EventRow {
    pub id: String,
    pub customer_id: String,
    pub kind: String,
    pub event_date: String,
    pub reference: String,
    pub detail: String,
    pub derived_on: String,
    pub created_at: NaiveDateTime,
}

/// For each of these customers, the latest remembered day strictly before `day` and not before `since`.
pub fn days_before(
    conn: &mut DbConn,
    customer_ids: &[String],
    day: &str,
    since: &str,
) -> Result<HashMap<String, DayRow>> {
    let mut out: HashMap<String, DayRow> = HashMap::new();
    for chunk in customer_ids.chunks(500) {
        let rows: Vec<DayRow> = customer_days::table
            .filter(customer_days::customer_id.eq_any(chunk))
            .filter(customer_days::day.lt(day))
            .filter(customer_days::day.ge(since))
            .select(DayRow::as_select())
            .load(conn)?;
        for r in rows {
            if out.get(&r.customer_id).is_none_or(|o| o.day < r.day) {
                out.insert(r.customer_id.clone(), r);
            }
        }
    }
    Ok(out)
}

/// Remembers these customers' day, replacing what a previous run of the same day remembered.
pub fn put_days(conn: &mut DbConn, rows: &[DayRow]) -> Result<()> {
    for r in rows {
        diesel::delete(
            customer_days::table
                .filter(customer_days::customer_id.eq(&r.customer_id))
                .filter(customer_days::day.eq(&r.day)),
        )
        .execute(conn)?;
        diesel::insert_into(customer_days::table).values(r).execute(conn)?;
    }
    Ok(())
}

/// Forgets remembered days before `day`.
pub fn prune_days(conn: &mut DbConn, day: &str) -> Result<usize> {
    Ok(diesel::delete(customer_days::table.filter(customer_days::day.lt(day))).execute(conn)?)
}

/// Inserts the events that are not there yet (same customer, kind, date and reference); returns how many were
/// new. Both backends support `ON CONFLICT DO NOTHING`.
pub fn insert_new(conn: &mut DbConn, rows: &[EventRow]) -> Result<usize> {
    let mut n = 0;
    for r in rows {
        n += match conn {
            DbConn::Postgres(pg) => {
                diesel::insert_into(customer_events::table).values(r).on_conflict_do_nothing().execute(pg)?
            }
            DbConn::Sqlite(lite) => {
                diesel::insert_into(customer_events::table).values(r).on_conflict_do_nothing().execute(lite)?
            }
        };
    }
    Ok(n)
}

/// A customer's events, newest event date first, optionally from a date on.
pub fn for_customer(conn: &mut DbConn, customer_id: &str, from: Option<&str>, limit: i64) -> Result<Vec<EventRow>> {
    let mut q = customer_events::table
        .filter(customer_events::customer_id.eq(customer_id))
        .select(EventRow::as_select())
        .order((customer_events::event_date.desc(), customer_events::kind.asc(), customer_events::reference.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(f) = from {
        q = q.filter(customer_events::event_date.ge(f.to_string()));
    }
    Ok(q.load(conn)?)
}

pub fn count(conn: &mut DbConn) -> Result<i64> {
    Ok(customer_events::table.count().get_result(conn)?)
}
