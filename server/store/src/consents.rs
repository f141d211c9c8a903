//! Marketing consent per customer and channel.

use crate::conn::DbConn;
use crate::error::Result;
use crate::schema::customer_consents;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = customer_consents)]
pub struct ConsentRow {
    pub customer_id: String,
    pub channel: String,
    pub opted_out: bool,
    pub source: String,
    pub reason: String,
    pub updated_by: String,
    pub updated_at: NaiveDateTime,
}

pub fn of(conn: &mut DbConn, customer_id: &str) -> Result<Vec<ConsentRow>> {
    Ok(customer_consents::table
        .filter(customer_consents::customer_id.eq(customer_id))
        .order(customer_consents::channel.asc())
        .select(ConsentRow::as_select())
        .load(conn)?)
}

/// Records the latest choice for a channel (call inside a write transaction: update, else insert).
pub fn set(conn: &mut DbConn, row: &ConsentRow) -> Result<()> {
    let n = diesel::update(customer_consents::table.find((&row.customer_id, &row.channel)))
        .set((
            customer_consents::opted_out.eq(row.opted_out),
            customer_consents::source.eq(&row.source),
            customer_consents::reason.eq(&row.reason),
            customer_consents::updated_by.eq(&row.updated_by),
            customer_consents::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(customer_consents::table).values(row).execute(conn)?;
    }
    Ok(())
}
