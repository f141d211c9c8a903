//! Channel live codes (渠道活码) and the welcome messages sent through them. A channel is visible to whoever's
//! scope holds its org node; its adds are the `wecom_contacts` rows carrying its `state`.

use crate::conn::DbConn;
use crate::error::{Result, StoreError};
use crate::page::{escape_like, Page, Paged};
use crate::schema::{org_nodes, wecom_channels, wecom_contact_links, wecom_contacts, wecom_welcomes};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use siyu_domain::org::Scope;

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone, PartialEq, Eq)]
#[diesel(table_name = wecom_channels)]
#[diesel(treat_none_as_null = true)]
pub struct ChannelRow {
    pub id: String,
    pub corp: String,
    pub name: String,
    pub kind: String,
    pub node_id: String,
    /// JSON array of staff ids.
    pub rm_staff_ids: String,
    /// JSON array of WeCom userids (the same members).
    pub follow_userids: String,
    pub state: String,
    pub config_id: Option<String>,
    pub qr_code: Option<String>,
    pub welcome_text: Option<String>,
    pub status: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &ChannelRow) -> Result<()> {
    diesel::insert_into(wecom_channels::table).values(row).execute(conn)?;
    Ok(())
}

/// Replaces every field of the row.
pub fn update(conn: &mut DbConn, row: &ChannelRow) -> Result<()> {
    diesel::update(wecom_channels::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

pub fn get(conn: &mut DbConn, id: &str) -> Result<ChannelRow> {
    Ok(wecom_channels::table.find(id).select(ChannelRow::as_select()).first(conn)?)
}

/// The channel if its node lies inside `scope`; outside, refused like a missing one.
pub fn get_in_scope(conn: &mut DbConn, id: &str, scope: &Scope) -> Result<ChannelRow> {
    let (row, path): (ChannelRow, String) = wecom_channels::table
        .inner_join(org_nodes::table.on(org_nodes::id.eq(wecom_channels::node_id)))
        .filter(wecom_channels::id.eq(id))
        .select((ChannelRow::as_select(), org_nodes::path))
        .first(conn)?;
    if scope.contains(&path) {
        Ok(row)
    } else {
        Err(StoreError::OutOfScope { target_type: "wecom_channel", target_id: row.id })
    }
}

/// The channel of `corp` with this state, active or not.
pub fn by_state(conn: &mut DbConn, corp: &str, state: &str) -> Result<Option<ChannelRow>> {
    Ok(wecom_channels::table
        .filter(wecom_channels::corp.eq(corp))
        .filter(wecom_channels::state.eq(state))
        .select(ChannelRow::as_select())
        .first(conn)
        .optional()?)
}

/// Channels whose node lies in `scope`, newest first; only those of `status` when given.
pub fn list_in_scope(conn: &mut DbConn, scope: &Scope, status: Option<&str>, page: Page) -> Result<Paged<ChannelRow>> {
    let scoped = || {
        let mut q = wecom_channels::table
            .inner_join(org_nodes::table.on(org_nodes::id.eq(wecom_channels::node_id)))
            .filter(org_nodes::path.like(format!("{}%", escape_like(scope.prefix()))))
            .into_boxed();
        if let Some(s) = status {
            q = q.filter(wecom_channels::status.eq(s.to_string()));
        }
        q
    };
    let total: i64 = scoped().count().get_result(conn)?;
    let items = scoped()
        .order((wecom_channels::created_at.desc(), wecom_channels::id.desc()))
        .limit(page.limit())
        .offset(page.offset())
        .select(ChannelRow::as_select())
        .load(conn)?;
    Ok(page.wrap(items, total))
}

/// One relation added through a channel, for its stats.
#[derive(Queryable, Debug, Clone)]
pub struct AddRow {
    pub external_userid: String,
    pub status: String,
    pub delete_reason: Option<String>,
    pub added_at: Option<NaiveDateTime>,
    pub deleted_at: Option<NaiveDateTime>,
}

/// Every relation that came through the state.
pub fn adds(conn: &mut DbConn, corp: &str, state: &str) -> Result<Vec<AddRow>> {
    Ok(wecom_contacts::table
        .filter(wecom_contacts::corp.eq(corp))
        .filter(wecom_contacts::state.eq(state))
        .select((
            wecom_contacts::external_userid,
            wecom_contacts::status,
            wecom_contacts::delete_reason,
            wecom_contacts::added_at,
            wecom_contacts::deleted_at,
        ))
        .load(conn)?)
}

/// How many distinct siyu customers the persons who came through the state are linked to.
pub fn linked_customers(conn: &mut DbConn, corp: &str, state: &str) -> Result<i64> {
    Ok(wecom_contact_links::table
        .inner_join(
            wecom_contacts::table.on(wecom_contacts::corp
                .eq(wecom_contact_links::corp)
                .and(wecom_contacts::external_userid.eq(wecom_contact_links::external_userid))),
        )
        .filter(wecom_contacts::corp.eq(corp))
        .filter(wecom_contacts::state.eq(state))
        .filter(wecom_contact_links::customer_id.is_not_null())
        .select(diesel::dsl::count(wecom_contact_links::customer_id).aggregate_distinct())
        .get_result(conn)?)
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq, Eq)]
#[diesel(table_name = wecom_welcomes)]
pub struct WelcomeRow {
    pub id: String,
    pub corp: String,
    pub welcome_code: String,
    pub channel_id: String,
    pub external_userid: String,
    pub follow_userid: String,
    pub status: String,
    pub error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Plans a welcome; false when this code was planned before (a retried callback).
pub fn plan_welcome(conn: &mut DbConn, row: &WelcomeRow) -> Result<bool> {
    let n = on_backend!(conn, |c| diesel::insert_into(wecom_welcomes::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(n > 0)
}

/// The corp's planned welcomes, oldest first.
pub fn pending_welcomes(conn: &mut DbConn, corp: &str, limit: i64) -> Result<Vec<WelcomeRow>> {
    Ok(wecom_welcomes::table
        .filter(wecom_welcomes::corp.eq(corp))
        .filter(wecom_welcomes::status.eq("pending"))
        .order((wecom_welcomes::created_at.asc(), wecom_welcomes::id.asc()))
        .limit(limit)
        .select(WelcomeRow::as_select())
        .load(conn)?)
}

/// Corps with planned welcomes.
pub fn corps_with_pending_welcomes(conn: &mut DbConn) -> Result<Vec<String>> {
    Ok(wecom_welcomes::table
        .filter(wecom_welcomes::status.eq("pending"))
        .select(wecom_welcomes::corp)
        .distinct()
        .load(conn)?)
}

/// Moves a welcome from `from` to `to` (a compare-and-set: true when this caller moved it).
pub fn set_welcome_status(
    conn: &mut DbConn,
    id: &str,
    from: &str,
    to: &str,
    error: Option<&str>,
    now: NaiveDateTime,
) -> Result<bool> {
    let n = diesel::update(wecom_welcomes::table.find(id).filter(wecom_welcomes::status.eq(from)))
        .set((wecom_welcomes::status.eq(to), wecom_welcomes::error.eq(error), wecom_welcomes::updated_at.eq(now)))
        .execute(conn)?;
    Ok(n > 0)
}

/// A channel's welcomes by status.
pub fn welcome_counts(conn: &mut DbConn, channel_id: &str) -> Result<Vec<(String, i64)>> {
    Ok(wecom_welcomes::table
        .filter(wecom_welcomes::channel_id.eq(channel_id))
        .group_by(wecom_welcomes::status)
        .select((wecom_welcomes::status, diesel::dsl::count_star()))
        .load(conn)?)
}

/// Welcomes of a corp (tests and inspection).
pub fn welcomes(conn: &mut DbConn, corp: &str) -> Result<Vec<WelcomeRow>> {
    Ok(wecom_welcomes::table
        .filter(wecom_welcomes::corp.eq(corp))
        .order(wecom_welcomes::created_at.asc())
        .select(WelcomeRow::as_select())
        .load(conn)?)
}
