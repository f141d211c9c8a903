//! One-ID: linking WeCom customers to siyu customers. Automatic links (by the channel code's state, by a mobile
//! in the RM's remark) are made by the sync and by the inbox; an RM confirms or removes a link through the API,
//! inside their scope. Every link and unlink is an audit record saying how it was made. Contacts without a link
//! form the work queue, scoped by the org node of their follow members' staff.

use crate::error::{AppError, Result};
use crate::keys::{open_value, seal};
use crate::principal::{Meta, Principal};
use crate::Env;
use chrono::{DateTime, Utc};
use siyu_domain::access::Permission;
use siyu_domain::pii;
use siyu_domain::wecom_link::{self as rule, AutoLink, LinkMethod};
use siyu_store::audit::{self, AuditContext, AuditEvent};
use siyu_store::page::{Page, Paged};
use siyu_store::sealed;
use siyu_store::time::{from_db, to_db};
use siyu_store::tx::write_tx;
use siyu_store::wecom::details;
use siyu_store::wecom::links::{self as store, LinkRow};
use siyu_store::DbConn;
use siyu_vault::PurposeKind;

/// The person row of (corp, external_userid), created if missing.
pub(crate) fn ensure_contact(c: &mut DbConn, corp: &str, external: &str, now: DateTime<Utc>) -> Result<LinkRow> {
    if let Some(r) = store::get(c, corp, external)? {
        return Ok(r);
    }
    let row = LinkRow {
        id: uuid::Uuid::now_v7().to_string(),
        corp: corp.into(),
        external_userid: external.into(),
        name: None,
        contact_type: 0,
        customer_id: None,
        link_method: None,
        linked_by: None,
        linked_at: None,
        created_at: to_db(now),
        updated_at: to_db(now),
    };
    store::insert(c, &row)?;
    Ok(row)
}

/// Refreshes the person's WeChat name (sealed) and type from a sync.
pub(crate) fn refresh_person(
    c: &mut DbConn,
    env: &Env,
    mut row: LinkRow,
    name: &str,
    kind: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    row.name = if name.is_empty() { None } else { Some(seal(&env.vault, sealed::WECOM_CONTACT_NAME, &row.id, name)?) };
    row.contact_type = kind;
    row.updated_at = to_db(now);
    Ok(store::update(c, &row)?)
}

fn method_of(row: &LinkRow) -> Option<LinkMethod> {
    row.link_method.as_deref().and_then(LinkMethod::parse)
}

/// Applies the automatic rules to one contact (inside the caller's transaction); the link made, if any.
pub(crate) fn auto_link(
    c: &mut DbConn,
    corp: &str,
    external: &str,
    now: DateTime<Utc>,
) -> Result<Option<(String, LinkMethod)>> {
    let Some(mut row) = store::get(c, corp, external)? else { return Ok(None) };
    let named: Vec<String> = store::states(c, corp, external)?
        .iter()
        .filter_map(|s| rule::customer_of_state(s))
        .map(|u| u.to_string())
        .collect();
    let by_state = siyu_store::customers::existing_ids(c, &named)?;
    let idxs: Vec<String> = details::of_contact(c, corp, external)?
        .iter()
        .flat_map(|d| serde_json::from_str::<Vec<String>>(&d.mobile_idxs).unwrap_or_default())
        .collect();
    let by_mobile = crate::customers::ids_by_mobile_index(c, &idxs)?;
    let current = method_of(&row).map(|m| (row.customer_id.as_deref().unwrap_or(""), m));
    let AutoLink::Link { customer_id, method } = rule::decide(current, &by_state, &by_mobile) else { return Ok(None) };
    let previous = row.customer_id.replace(customer_id.clone());
    row.link_method = Some(method.as_str().into());
    row.linked_by = None;
    row.linked_at = Some(to_db(now));
    row.updated_at = to_db(now);
    store::update(c, &row)?;
    audit::append(
        c,
        &super::system_context(),
        &AuditEvent::success("wecom.contact_link", "wecom_contact", &row.id).with_detail(serde_json::json!({
            "method": method.as_str(), "customer_id": customer_id, "previous_customer_id": previous, "corp": corp,
        })),
        now,
    )?;
    Ok(Some((customer_id, method)))
}

/// A contact as the API shows it: the WeChat name masked.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ContactView {
    pub id: String,
    pub corp: String,
    pub external_userid: String,
    pub name: Option<String>,
    /// 1 WeChat user, 2 WeCom user, 0 not synced yet.
    pub contact_type: i64,
    /// The live follow members (WeCom userids).
    pub follow_users: Vec<String>,
    pub states: Vec<String>,
    pub customer_id: Option<String>,
    pub link_method: Option<String>,
    pub linked_at: Option<DateTime<Utc>>,
}

fn view(c: &mut DbConn, env: &Env, r: LinkRow) -> Result<ContactView> {
    let name = match &r.name {
        Some(t) => {
            Some(pii::mask_name(&open_value(&env.vault, sealed::WECOM_CONTACT_NAME, &r.id, t, PurposeKind::Mask)?))
        }
        None => None,
    };
    Ok(ContactView {
        follow_users: store::follow_users(c, &r.corp, &r.external_userid)?,
        states: store::states(c, &r.corp, &r.external_userid)?,
        id: r.id,
        corp: r.corp,
        external_userid: r.external_userid,
        name,
        contact_type: r.contact_type,
        customer_id: r.customer_id,
        link_method: r.link_method,
        linked_at: r.linked_at.map(from_db),
    })
}

/// Contacts in the caller's scope (by their follow members' staff nodes); only unlinked ones: the work queue.
pub fn list(
    conn: &mut DbConn,
    env: &Env,
    p: &Principal,
    unlinked_only: bool,
    page: Page,
) -> Result<Paged<ContactView>> {
    p.require(Permission::CustomerRead)?;
    let rows = store::list_in_scope(conn, &p.scope, unlinked_only, page)?;
    let items = rows.items.into_iter().map(|r| view(conn, env, r)).collect::<Result<Vec<_>>>()?;
    Ok(page.wrap(items, rows.total))
}

pub fn get(conn: &mut DbConn, env: &Env, p: &Principal, id: &str) -> Result<ContactView> {
    p.require(Permission::CustomerRead)?;
    let row = store::get_in_scope(conn, id, &p.scope)?;
    view(conn, env, row)
}

fn decided(
    conn: &mut DbConn,
    env: &Env,
    ctx: &AuditContext,
    mut row: LinkRow,
    by: &str,
    customer_id: Option<String>,
) -> Result<LinkRow> {
    let now = env.now();
    let (action, method) = match &customer_id {
        Some(_) => ("wecom.contact_link", LinkMethod::Confirmed),
        None => ("wecom.contact_unlink", LinkMethod::Unlinked),
    };
    let previous = std::mem::replace(&mut row.customer_id, customer_id.clone());
    let previous_method = row.link_method.replace(method.as_str().into());
    row.linked_by = Some(by.into());
    row.linked_at = Some(to_db(now));
    row.updated_at = to_db(now);
    write_tx(conn, |c| {
        store::update(c, &row)?;
        audit::append(
            c,
            ctx,
            &AuditEvent::success(action, "wecom_contact", &row.id).with_detail(serde_json::json!({
                "method": method.as_str(), "customer_id": customer_id, "previous_customer_id": previous,
                "previous_method": previous_method, "corp": row.corp,
            })),
            now,
        )?;
        Ok::<_, AppError>(())
    })?;
    Ok(row)
}

/// An RM confirms that the contact is this customer: both must be inside the caller's scope.
pub fn link(
    conn: &mut DbConn,
    env: &Env,
    meta: &Meta,
    p: &Principal,
    contact_id: &str,
    customer_id: &str,
) -> Result<ContactView> {
    p.require(Permission::WecomContactLink)?;
    let row = store::get_in_scope(conn, contact_id, &p.scope)?;
    let customer = crate::customers::in_scope(conn, p, customer_id)?;
    let row = decided(conn, env, &p.audit(meta), row, &p.staff_id, Some(customer.id))?;
    view(conn, env, row)
}

/// An RM removes the contact's link (it is no customer of ours, or the wrong one): automatic rules leave it alone
/// from now on; it goes back to the work queue.
pub fn unlink(conn: &mut DbConn, env: &Env, meta: &Meta, p: &Principal, contact_id: &str) -> Result<ContactView> {
    p.require(Permission::WecomContactLink)?;
    let row = store::get_in_scope(conn, contact_id, &p.scope)?;
    let row = decided(conn, env, &p.audit(meta), row, &p.staff_id, None)?;
    view(conn, env, row)
}
