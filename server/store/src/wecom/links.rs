//! WeCom customers as persons (one row per corp and external_userid, whoever follows them) and the siyu customer
//! each one is (One-ID). Who may see a contact: whoever's scope holds the org node of one of its follow members
//! (staff with that `wecom_userid`) with a live relation.

use crate::conn::DbConn;
use crate::error::{Result, StoreError};
use crate::page::{escape_like, Page, Paged};
use crate::schema::{org_nodes, staff, wecom_contact_links, wecom_contacts};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use siyu_domain::org::Scope;

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone, PartialEq, Eq)]
#[diesel(table_name = wecom_contact_links)]
#[diesel(treat_none_as_null = true)]
pub struct LinkRow {
    pub id: String,
    pub corp: String,
    pub external_userid: String,
    /// Sealed (`wecom.contact_name`, bound to `id`).
    pub name: Option<String>,
    pub contact_type: i64,
    pub customer_id: Option<String>,
    pub link_method: Option<String>,
    pub linked_by: Option<String>,
    pub linked_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn get(conn: &mut DbConn, corp: &str, external_userid: &str) -> Result<Option<LinkRow>> {
    Ok(wecom_contact_links::table
        .filter(wecom_contact_links::corp.eq(corp))
        .filter(wecom_contact_links::external_userid.eq(external_userid))
        .select(LinkRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert(conn: &mut DbConn, row: &LinkRow) -> Result<()> {
    diesel::insert_into(wecom_contact_links::table).values(row).execute(conn)?;
    Ok(())
}

/// Replaces every field of the row (its id and creation time stay).
pub fn update(conn: &mut DbConn, row: &LinkRow) -> Result<()> {
    diesel::update(wecom_contact_links::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

/// The contact if one of its live follow members' staff sits inside `scope`; outside, refused like a missing one.
pub fn get_in_scope(conn: &mut DbConn, id: &str, scope: &Scope) -> Result<LinkRow> {
    let row: LinkRow = wecom_contact_links::table.find(id).select(LinkRow::as_select()).first(conn)?;
    let visible: i64 = scoped(scope).filter(wecom_contact_links::id.eq(id)).count().get_result(conn)?;
    if visible > 0 {
        Ok(row)
    } else {
        Err(StoreError::OutOfScope { target_type: "wecom_contact", target_id: row.id })
    }
}

type Scoped = diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::InnerJoinOn<
            diesel::dsl::InnerJoinOn<
                diesel::dsl::InnerJoinOn<
                    wecom_contact_links::table,
                    wecom_contacts::table,
                    diesel::dsl::And<
                        diesel::dsl::Eq<wecom_contacts::corp, wecom_contact_links::corp>,
                        diesel::dsl::Eq<wecom_contacts::external_userid, wecom_contact_links::external_userid>,
                    >,
                >,
                staff::table,
                diesel::dsl::Eq<staff::wecom_userid, diesel::dsl::Nullable<wecom_contacts::follow_userid>>,
            >,
            org_nodes::table,
            diesel::dsl::Eq<org_nodes::id, staff::node_id>,
        >,
        diesel::dsl::Like<org_nodes::path, String>,
    >,
    diesel::dsl::EqAny<wecom_contacts::status, [&'static str; 2]>,
>;

/// Contacts joined to their live relations whose member's staff node lies in `scope` (one row per such relation).
fn scoped(scope: &Scope) -> Scoped {
    wecom_contact_links::table
        .inner_join(
            wecom_contacts::table.on(wecom_contacts::corp
                .eq(wecom_contact_links::corp)
                .and(wecom_contacts::external_userid.eq(wecom_contact_links::external_userid))),
        )
        .inner_join(staff::table.on(staff::wecom_userid.eq(wecom_contacts::follow_userid.nullable())))
        .inner_join(org_nodes::table.on(org_nodes::id.eq(staff::node_id)))
        .filter(org_nodes::path.like(format!("{}%", escape_like(scope.prefix()))))
        .filter(wecom_contacts::status.eq_any(["active", "half"]))
}

/// Contacts in `scope`, oldest first; only those not linked to a customer when `unlinked_only` (the work queue).
pub fn list_in_scope(conn: &mut DbConn, scope: &Scope, unlinked_only: bool, page: Page) -> Result<Paged<LinkRow>> {
    let mut count = scoped(scope).select(diesel::dsl::count(wecom_contact_links::id).aggregate_distinct()).into_boxed();
    let mut ids = scoped(scope).select(wecom_contact_links::id).distinct().into_boxed();
    if unlinked_only {
        count = count.filter(wecom_contact_links::customer_id.is_null());
        ids = ids.filter(wecom_contact_links::customer_id.is_null());
    }
    let total: i64 = count.get_result(conn)?;
    let want: Vec<String> =
        ids.order(wecom_contact_links::id.asc()).limit(page.limit()).offset(page.offset()).load(conn)?;
    let items = wecom_contact_links::table
        .filter(wecom_contact_links::id.eq_any(&want))
        .order(wecom_contact_links::id.asc())
        .select(LinkRow::as_select())
        .load(conn)?;
    Ok(page.wrap(items, total))
}

/// The live follow members of a contact.
pub fn follow_users(conn: &mut DbConn, corp: &str, external_userid: &str) -> Result<Vec<String>> {
    Ok(wecom_contacts::table
        .filter(wecom_contacts::corp.eq(corp))
        .filter(wecom_contacts::external_userid.eq(external_userid))
        .filter(wecom_contacts::status.eq_any(["active", "half"]))
        .order(wecom_contacts::follow_userid.asc())
        .select(wecom_contacts::follow_userid)
        .load(conn)?)
}

/// The states (channel codes) the contact's relations came through.
pub fn states(conn: &mut DbConn, corp: &str, external_userid: &str) -> Result<Vec<String>> {
    let v: Vec<Option<String>> = wecom_contacts::table
        .filter(wecom_contacts::corp.eq(corp))
        .filter(wecom_contacts::external_userid.eq(external_userid))
        .order(wecom_contacts::added_at.asc())
        .select(wecom_contacts::state)
        .load(conn)?;
    Ok(v.into_iter().flatten().collect())
}
