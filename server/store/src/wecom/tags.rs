//! The corp tag catalogue as siyu keeps it (a copy of WeCom's, kept current both ways), when it was last pulled,
//! and the tags on each follow relation.

use crate::conn::DbConn;
use crate::error::Result;
use crate::schema::{wecom_follow_details, wecom_inbox, wecom_tag_syncs, wecom_tags};
use crate::wecom::details::TagRow;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// The callback event that says the catalogue changed in WeCom.
pub const TAG_EVENT: &str = "change_external_tag";

/// One tag of the catalogue.
pub fn get(conn: &mut DbConn, corp: &str, tag_id: &str) -> Result<Option<TagRow>> {
    Ok(wecom_tags::table
        .filter(wecom_tags::corp.eq(corp).and(wecom_tags::tag_id.eq(tag_id)))
        .select(TagRow::as_select())
        .first(conn)
        .optional()?)
}

/// The tags of one group.
pub fn of_group(conn: &mut DbConn, corp: &str, group_id: &str) -> Result<Vec<TagRow>> {
    Ok(wecom_tags::table
        .filter(wecom_tags::corp.eq(corp).and(wecom_tags::group_id.eq(group_id)))
        .order(wecom_tags::sort_order.desc())
        .select(TagRow::as_select())
        .load(conn)?)
}

/// Adds or replaces tags (by corp and tag id).
pub fn upsert(conn: &mut DbConn, rows: &[TagRow]) -> Result<()> {
    for r in rows {
        diesel::delete(wecom_tags::table.filter(wecom_tags::corp.eq(&r.corp).and(wecom_tags::tag_id.eq(&r.tag_id))))
            .execute(conn)?;
        diesel::insert_into(wecom_tags::table).values(r).execute(conn)?;
    }
    Ok(())
}

/// Renames a tag, or a group (every tag row carries its group's name).
pub fn rename(conn: &mut DbConn, corp: &str, id: &str, name: &str) -> Result<usize> {
    let tags = diesel::update(wecom_tags::table.filter(wecom_tags::corp.eq(corp).and(wecom_tags::tag_id.eq(id))))
        .set(wecom_tags::name.eq(name))
        .execute(conn)?;
    let groups = diesel::update(wecom_tags::table.filter(wecom_tags::corp.eq(corp).and(wecom_tags::group_id.eq(id))))
        .set(wecom_tags::group_name.eq(name))
        .execute(conn)?;
    Ok(tags + groups)
}

/// Removes tags by id.
pub fn delete(conn: &mut DbConn, corp: &str, tag_ids: &[String]) -> Result<usize> {
    Ok(diesel::delete(wecom_tags::table.filter(wecom_tags::corp.eq(corp).and(wecom_tags::tag_id.eq_any(tag_ids))))
        .execute(conn)?)
}

/// Those of `corps` whose catalogue changed in WeCom after it was last pulled (a tag callback arrived since). One
/// indexed lookup per corp (`wecom_inbox_event`): the poller asks at every idle poll.
pub fn refresh_due(conn: &mut DbConn, corps: &[String]) -> Result<Vec<String>> {
    let mut due = vec![];
    for corp in corps {
        let Some(at) = newest_event(conn, corp)? else { continue };
        let through: Option<NaiveDateTime> =
            wecom_tag_syncs::table.find(corp).select(wecom_tag_syncs::through_received_at).first(conn).optional()?;
        if through.is_none_or(|t| at > t) {
            due.push(corp.clone());
        }
    }
    Ok(due)
}

/// The newest tag callback of `corp` (a pull that starts now covers every change up to it).
pub fn newest_event(conn: &mut DbConn, corp: &str) -> Result<Option<NaiveDateTime>> {
    Ok(wecom_inbox::table
        .filter(wecom_inbox::corp.eq(corp).and(wecom_inbox::event_type.eq(TAG_EVENT)))
        .select(diesel::dsl::max(wecom_inbox::received_at))
        .first(conn)?)
}

/// Records a pull of `corp`'s catalogue that covers every tag callback received up to `through`.
pub fn mark_pulled(conn: &mut DbConn, corp: &str, through: NaiveDateTime, now: NaiveDateTime) -> Result<()> {
    diesel::delete(wecom_tag_syncs::table.find(corp)).execute(conn)?;
    diesel::insert_into(wecom_tag_syncs::table)
        .values((
            wecom_tag_syncs::corp.eq(corp),
            wecom_tag_syncs::synced_at.eq(now),
            wecom_tag_syncs::through_received_at.eq(through),
        ))
        .execute(conn)?;
    Ok(())
}

/// When `corp`'s catalogue was last pulled.
pub fn last_pulled(conn: &mut DbConn, corp: &str) -> Result<Option<NaiveDateTime>> {
    Ok(wecom_tag_syncs::table.find(corp).select(wecom_tag_syncs::synced_at).first(conn).optional()?)
}

/// Sets the tags (a JSON array of ids) on one follow relation's stored details.
pub fn set_on_relation(conn: &mut DbConn, detail_id: &str, tag_ids_json: &str) -> Result<usize> {
    Ok(diesel::update(wecom_follow_details::table.find(detail_id))
        .set(wecom_follow_details::tag_ids.eq(tag_ids_json))
        .execute(conn)?)
}
