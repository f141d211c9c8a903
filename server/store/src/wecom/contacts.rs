//! Customer–member relations as the callbacks report them. The caller decides the new state (a pure rule in
//! the domain); this file only reads and writes rows.

use crate::conn::DbConn;
use crate::error::Result;
use crate::schema::wecom_contacts;
use diesel::prelude::*;

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone, PartialEq, Eq)]
#[diesel(table_name = wecom_contacts)]
#[diesel(treat_none_as_null = true)]
pub struct ContactRow {
    pub corp: String,
    pub external_userid: String,
    pub follow_userid: String,
    pub status: String,
    pub state: Option<String>,
    pub added_at: Option<chrono::NaiveDateTime>,
    pub deleted_at: Option<chrono::NaiveDateTime>,
    pub delete_reason: Option<String>,
    pub transfer_failure: Option<String>,
    pub last_event: String,
    pub last_event_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

pub fn get(conn: &mut DbConn, corp: &str, external_userid: &str, follow_userid: &str) -> Result<Option<ContactRow>> {
    Ok(wecom_contacts::table
        .find((corp, external_userid, follow_userid))
        .select(ContactRow::as_select())
        .first(conn)
        .optional()?)
}

/// Inserts or replaces the row with the same (corp, external_userid, follow_userid).
pub fn save(conn: &mut DbConn, row: &ContactRow) -> Result<()> {
    let n = diesel::update(wecom_contacts::table.find((&row.corp, &row.external_userid, &row.follow_userid)))
        .set(row)
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(wecom_contacts::table).values(row).execute(conn)?;
    }
    Ok(())
}

/// One corp's relations (tests and inspection).
pub fn list(conn: &mut DbConn, corp: &str) -> Result<Vec<ContactRow>> {
    Ok(wecom_contacts::table
        .filter(wecom_contacts::corp.eq(corp))
        .order((wecom_contacts::external_userid.asc(), wecom_contacts::follow_userid.asc()))
        .select(ContactRow::as_select())
        .load(conn)?)
}

/// The live relations (active or half) of `corp`'s members `users` that a full sync started at `since` did not
/// see: not stored by the sync (no details written since) and not changed by a callback since.
pub fn live_unseen_since(
    conn: &mut DbConn,
    corp: &str,
    users: &[String],
    since: chrono::NaiveDateTime,
) -> Result<Vec<ContactRow>> {
    use crate::schema::wecom_follow_details as d;
    let seen: std::collections::HashSet<(String, String)> = d::table
        .filter(d::corp.eq(corp).and(d::synced_at.ge(since)))
        .select((d::external_userid, d::follow_userid))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let mut out = vec![];
    for chunk in users.chunks(500) {
        let rows: Vec<ContactRow> = wecom_contacts::table
            .filter(wecom_contacts::corp.eq(corp))
            .filter(wecom_contacts::follow_userid.eq_any(chunk))
            .filter(wecom_contacts::status.eq_any(["active", "half"]))
            .filter(wecom_contacts::updated_at.lt(since))
            .select(ContactRow::as_select())
            .load(conn)?;
        out.extend(rows.into_iter().filter(|r| !seen.contains(&(r.external_userid.clone(), r.follow_userid.clone()))));
    }
    Ok(out)
}
