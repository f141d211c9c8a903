//! What the full sync stores per relation (the RM's remark and description, sealed; the blind indexes of the
//! mobiles found in them; the corp tags on it) and the corp's tag catalogue. Plaintext never reaches this module.

use crate::conn::DbConn;
use crate::error::Result;
use crate::schema::{wecom_follow_details, wecom_tags};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone, PartialEq, Eq)]
#[diesel(table_name = wecom_follow_details)]
#[diesel(treat_none_as_null = true)]
pub struct DetailRow {
    pub id: String,
    pub corp: String,
    pub external_userid: String,
    pub follow_userid: String,
    /// Sealed (`wecom.remark`, bound to `id`).
    pub remark: Option<String>,
    pub description: Option<String>,
    /// JSON array of customer.mobile blind indexes.
    pub mobile_idxs: String,
    /// JSON array of corp tag ids.
    pub tag_ids: String,
    pub add_way: i64,
    pub wecom_created_at: i64,
    pub synced_at: NaiveDateTime,
}

/// The row id of a relation's details, if stored: a sealed value is bound to its row id, so an update seals
/// under the same id.
pub fn id_of(conn: &mut DbConn, corp: &str, external_userid: &str, follow_userid: &str) -> Result<Option<String>> {
    Ok(wecom_follow_details::table
        .filter(wecom_follow_details::corp.eq(corp))
        .filter(wecom_follow_details::external_userid.eq(external_userid))
        .filter(wecom_follow_details::follow_userid.eq(follow_userid))
        .select(wecom_follow_details::id)
        .first(conn)
        .optional()?)
}

/// Inserts or replaces the row of the same id.
pub fn save(conn: &mut DbConn, row: &DetailRow) -> Result<()> {
    let n = diesel::update(wecom_follow_details::table.find(&row.id)).set(row).execute(conn)?;
    if n == 0 {
        diesel::insert_into(wecom_follow_details::table).values(row).execute(conn)?;
    }
    Ok(())
}

/// Every relation's details of one customer of the corp.
pub fn of_contact(conn: &mut DbConn, corp: &str, external_userid: &str) -> Result<Vec<DetailRow>> {
    Ok(wecom_follow_details::table
        .filter(wecom_follow_details::corp.eq(corp))
        .filter(wecom_follow_details::external_userid.eq(external_userid))
        .order(wecom_follow_details::follow_userid.asc())
        .select(DetailRow::as_select())
        .load(conn)?)
}

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone, PartialEq, Eq)]
#[diesel(table_name = wecom_tags)]
pub struct TagRow {
    pub corp: String,
    pub tag_id: String,
    pub name: String,
    pub group_id: String,
    pub group_name: String,
    pub sort_order: i64,
    pub synced_at: NaiveDateTime,
}

/// Replaces the corp's tag catalogue with `tags`: tags WeCom no longer lists are removed.
pub fn replace_tags(conn: &mut DbConn, corp: &str, tags: &[TagRow]) -> Result<()> {
    diesel::delete(wecom_tags::table.filter(wecom_tags::corp.eq(corp))).execute(conn)?;
    for t in tags {
        diesel::insert_into(wecom_tags::table).values(t).execute(conn)?;
    }
    Ok(())
}

pub fn tags(conn: &mut DbConn, corp: &str) -> Result<Vec<TagRow>> {
    Ok(wecom_tags::table
        .filter(wecom_tags::corp.eq(corp))
        .order(wecom_tags::tag_id.asc())
        .select(TagRow::as_select())
        .load(conn)?)
}
