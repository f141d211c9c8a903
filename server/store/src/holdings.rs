//! Holdings as stored: the amount sealed, everything else (product facts and net values) plain.

use crate::conn::DbConn;
use crate::error::Result;
use crate::schema::holdings;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = holdings, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct HoldingRow {
    pub id: String,
    pub customer_id: String,
    pub product_code: String,
    pub product_name: String,
    pub product_type: String,
    pub product_risk: Option<String>,
    pub amount: String,
    pub amount_band: String,
    pub start_date: Option<String>,
    pub maturity_date: Option<String>,
    pub next_open_date: Option<String>,
    pub nav: Option<String>,
    pub nav_date: Option<String>,
    pub prev_nav: Option<String>,
    pub prev_nav_date: Option<String>,
    pub purchase_nav: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A customer's holdings, by product code.
pub fn for_customer(conn: &mut DbConn, customer_id: &str) -> Result<Vec<HoldingRow>> {
    Ok(holdings::table
        .filter(holdings::customer_id.eq(customer_id))
        .order(holdings::product_code.asc())
        .select(HoldingRow::as_select())
        .load(conn)?)
}

/// The holdings of many customers at once (one query for a batch of an import or of the event derivation).
pub fn for_customers(conn: &mut DbConn, customer_ids: &[String]) -> Result<Vec<HoldingRow>> {
    let mut out = Vec::new();
    for chunk in customer_ids.chunks(500) {
        out.extend(
            holdings::table
                .filter(holdings::customer_id.eq_any(chunk))
                .order((holdings::customer_id.asc(), holdings::product_code.asc()))
                .select(HoldingRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

pub fn find(conn: &mut DbConn, customer_id: &str, product_code: &str) -> Result<Option<HoldingRow>> {
    Ok(holdings::table
        .filter(holdings::customer_id.eq(customer_id))
        .filter(holdings::product_code.eq(product_code))
        .select(HoldingRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert(conn: &mut DbConn, row: &HoldingRow) -> Result<()> {
    diesel::insert_into(holdings::table).values(row).execute(conn)?;
    Ok(())
}

/// Replaces every field of the row (its id and creation time stay as given).
pub fn update(conn: &mut DbConn, row: &HoldingRow) -> Result<()> {
    diesel::update(holdings::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

pub fn count(conn: &mut DbConn) -> Result<i64> {
    Ok(holdings::table.count().get_result(conn)?)
}
