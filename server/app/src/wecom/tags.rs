//! Corp tags, kept the same on both sides. siyu → WeCom: head office creates, renames and deletes tags and tag
//! groups here, and RMs mark a customer's tags; each change is made in WeCom first (through the egress-guarded
//! client) and then recorded here with its audit record, so siyu never shows a tag WeCom does not have. WeCom →
//! siyu: a `change_external_tag` callback (a change someone made in the WeCom admin console) makes the catalogue
//! due for a pull, which the engine's tag poller runs (`refresh`).

use crate::error::{AppError, Result};
use crate::principal::{Meta, Principal};
use crate::Env;
use siyu_connectors::wecom::api::tags::{AddCorpTag, EditCorpTag, MarkTag, NewTag, TagGroup, TagQuery};
use siyu_connectors::wecom::WecomClient;
use siyu_domain::access::Permission;
use siyu_store::audit::{self, AuditEvent};
use siyu_store::time::{from_db, to_db};
use siyu_store::tx::write_tx;
use siyu_store::wecom::details::{self, TagRow};
use siyu_store::wecom::{links, tags as store};
use siyu_store::{DbConn, Pool};

/// WeCom's limit on a tag's or a group's name, in characters.
pub const NAME_MAX_CHARS: usize = 30;
/// Tags created in one request.
pub const MAX_NEW_TAGS: usize = 100;

/// A group of the catalogue with its tags, as the API shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GroupView {
    pub group_id: String,
    pub group_name: String,
    pub tags: Vec<TagView>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct TagView {
    pub tag_id: String,
    pub name: String,
    pub order: i64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Catalogue {
    pub corp: String,
    /// When the catalogue was last pulled from WeCom (a full sync or a tag callback).
    pub pulled_at: Option<chrono::DateTime<chrono::Utc>>,
    pub groups: Vec<GroupView>,
}

fn known_corp(env: &Env, corp: &str) -> Result<()> {
    super::corp(env, corp).map(|_| ()).ok_or_else(|| super::client::unknown_corp(corp))
}

fn check_name(field: &str, name: &str) -> Result<String> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > NAME_MAX_CHARS || n.chars().any(char::is_control) {
        return Err(AppError::validation(field, format!("must have 1 to {NAME_MAX_CHARS} characters")));
    }
    Ok(n.to_string())
}

fn group_views(rows: Vec<TagRow>) -> Vec<GroupView> {
    let mut groups: Vec<GroupView> = vec![];
    for r in rows {
        let tag = TagView { tag_id: r.tag_id, name: r.name, order: r.sort_order };
        match groups.iter_mut().find(|g| g.group_id == r.group_id) {
            Some(g) => g.tags.push(tag),
            None => groups.push(GroupView { group_id: r.group_id, group_name: r.group_name, tags: vec![tag] }),
        }
    }
    for g in &mut groups {
        g.tags.sort_by(|a, b| b.order.cmp(&a.order).then_with(|| a.name.cmp(&b.name)));
    }
    groups.sort_by(|a, b| a.group_name.cmp(&b.group_name));
    groups
}

/// The corp's tag catalogue as siyu holds it.
pub fn catalogue(conn: &mut DbConn, env: &Env, p: &Principal, corp: &str) -> Result<Catalogue> {
    p.require(Permission::CustomerRead)?;
    known_corp(env, corp)?;
    let rows = details::tags(conn, corp)?;
    let pulled_at = store::last_pulled(conn, corp)?.map(from_db);
    Ok(Catalogue { corp: corp.into(), pulled_at, groups: group_views(rows) })
}

/// The catalogue rows of one group as WeCom answered it (deleted tags left out).
pub(crate) fn rows_of(corp: &str, g: &TagGroup, now: chrono::NaiveDateTime) -> Vec<TagRow> {
    g.tag
        .iter()
        .filter(|t| !t.deleted)
        .map(|t| TagRow {
            corp: corp.into(),
            tag_id: t.id.clone(),
            name: t.name.chars().take(64).collect(),
            group_id: g.group_id.clone(),
            group_name: g.group_name.chars().take(64).collect(),
            sort_order: i64::from(t.order),
            synced_at: now,
        })
        .collect()
}

/// Pulls the corp's whole catalogue from WeCom and replaces siyu's copy (audited as `wecom.sync_tags`); records
/// that every tag callback received before the pull started is covered.
pub fn refresh(conn: &mut DbConn, client: &WecomClient, env: &Env, corp: &str) -> Result<usize> {
    let through = store::newest_event(conn, corp)?;
    let groups = client.get_corp_tag_list(&TagQuery::default()).map_err(super::client::failed)?;
    let n = super::sync::save_tags(conn, env, corp, &groups)?;
    let now = to_db(env.now());
    store::mark_pulled(conn, corp, through.unwrap_or(now), now)?;
    Ok(n)
}

/// The configured corps whose catalogue changed in WeCom since it was last pulled.
pub fn refresh_due(conn: &mut DbConn, env: &Env) -> Result<Vec<String>> {
    let corps: Vec<String> = env.settings.wecom.corps.iter().map(|c| c.name.clone()).collect();
    Ok(store::refresh_due(conn, &corps)?)
}

/// The client of `corp` for a use case.
pub fn client(pool: &Pool, env: &Env, corp: &str) -> Result<WecomClient> {
    super::client::for_corp(pool, env, corp)
}

/// What to create: tags in an existing group (`group_id`) or in a group found or created by name.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTags {
    pub corp: String,
    #[serde(default)]
    pub group_id: Option<String>,
    #[serde(default)]
    pub group_name: Option<String>,
    pub tags: Vec<String>,
}

/// Creates tags in WeCom, then records them here; audited as `wecom.tag_create`.
pub fn create(
    conn: &mut DbConn,
    client: &WecomClient,
    env: &Env,
    meta: &Meta,
    p: &Principal,
    req: &NewTags,
) -> Result<GroupView> {
    p.require(Permission::WecomTagManage)?;
    known_corp(env, &req.corp)?;
    if req.tags.is_empty() || req.tags.len() > MAX_NEW_TAGS {
        return Err(AppError::validation("tags", format!("give 1 to {MAX_NEW_TAGS} tag names")));
    }
    let mut names = Vec::with_capacity(req.tags.len());
    for t in &req.tags {
        let n = check_name("tags", t)?;
        if names.contains(&n) {
            return Err(AppError::validation("tags", format!("{n} is listed twice")));
        }
        names.push(n);
    }
    let group_name = req.group_name.as_deref().map(|g| check_name("group_name", g)).transpose()?;
    match (&req.group_id, &group_name) {
        (Some(id), _) => {
            if store::of_group(conn, &req.corp, id)?.is_empty() {
                return Err(AppError::NotFound);
            }
        }
        (None, None) => return Err(AppError::validation("group_name", "give group_id or group_name")),
        (None, Some(_)) => {}
    }
    let added = client
        .add_corp_tag(&AddCorpTag {
            group_id: req.group_id.clone(),
            group_name: if req.group_id.is_some() { None } else { group_name },
            order: None,
            tag: names.iter().map(|n| NewTag { name: n.clone(), order: None }).collect(),
        })
        .map_err(super::client::failed)?;
    let now = env.now();
    let rows = rows_of(&req.corp, &added, to_db(now));
    write_tx(conn, |c| {
        store::upsert(c, &rows)?;
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent::success("wecom.tag_create", "wecom_tag_group", &added.group_id).with_detail(
                serde_json::json!({"corp": req.corp, "tags": rows.iter().map(|r| &r.tag_id).collect::<Vec<_>>()}),
            ),
            now,
        )?;
        Ok::<_, AppError>(())
    })?;
    let group = store::of_group(conn, &req.corp, &added.group_id)?;
    Ok(group_views(group).pop().unwrap_or(GroupView {
        group_id: added.group_id,
        group_name: added.group_name,
        tags: vec![],
    }))
}

/// Renames a tag or a group (by its id) in WeCom, then here; audited as `wecom.tag_rename`.
#[allow(clippy::too_many_arguments)]
pub fn rename(
    conn: &mut DbConn,
    client: &WecomClient,
    env: &Env,
    meta: &Meta,
    p: &Principal,
    corp: &str,
    id: &str,
    name: &str,
) -> Result<()> {
    p.require(Permission::WecomTagManage)?;
    known_corp(env, corp)?;
    let name = check_name("name", name)?;
    if store::get(conn, corp, id)?.is_none() && store::of_group(conn, corp, id)?.is_empty() {
        return Err(AppError::NotFound);
    }
    client
        .edit_corp_tag(&EditCorpTag { id: id.into(), name: Some(name.clone()), order: None })
        .map_err(super::client::failed)?;
    let now = env.now();
    write_tx(conn, |c| {
        store::rename(c, corp, id, &name)?;
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent::success("wecom.tag_rename", "wecom_tag", id).with_detail(serde_json::json!({"corp": corp})),
            now,
        )?;
        Ok::<_, AppError>(())
    })
}

/// Deletes a tag or a whole group (by its id) in WeCom, then here; audited as `wecom.tag_delete`.
pub fn delete(
    conn: &mut DbConn,
    client: &WecomClient,
    env: &Env,
    meta: &Meta,
    p: &Principal,
    corp: &str,
    id: &str,
) -> Result<usize> {
    p.require(Permission::WecomTagManage)?;
    known_corp(env, corp)?;
    let (query, ids) = match store::get(conn, corp, id)? {
        Some(t) => (TagQuery { tag_id: vec![t.tag_id.clone()], group_id: vec![] }, vec![t.tag_id]),
        None => {
            let group = store::of_group(conn, corp, id)?;
            if group.is_empty() {
                return Err(AppError::NotFound);
            }
            (TagQuery { tag_id: vec![], group_id: vec![id.into()] }, group.into_iter().map(|t| t.tag_id).collect())
        }
    };
    client.del_corp_tag(&query).map_err(super::client::failed)?;
    let now = env.now();
    write_tx(conn, |c| {
        let n = store::delete(c, corp, &ids)?;
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent::success("wecom.tag_delete", "wecom_tag", id)
                .with_detail(serde_json::json!({"corp": corp, "tags": ids})),
            now,
        )?;
        Ok::<_, AppError>(n)
    })
}

/// Tags to put on and take off one follow relation of a WeCom customer.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkRequest {
    /// The follow member whose relation is tagged; may be left out when the customer has one follow member.
    #[serde(default)]
    pub follow_userid: Option<String>,
    #[serde(default)]
    pub add: Vec<String>,
    #[serde(default)]
    pub remove: Vec<String>,
}

/// The tags on one relation after a mark.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MarkedView {
    pub contact_id: String,
    pub follow_userid: String,
    pub tag_ids: Vec<String>,
}

/// Marks a contact's tags in WeCom (`mark_tag`), then records them on the relation here; the contact must be in
/// the caller's scope and every tag in the corp's catalogue. Audited as `wecom.contact_tag`.
pub fn mark(
    conn: &mut DbConn,
    client: &WecomClient,
    env: &Env,
    meta: &Meta,
    p: &Principal,
    contact_id: &str,
    req: &MarkRequest,
) -> Result<MarkedView> {
    p.require(Permission::WecomContactTag)?;
    let contact = links::get_in_scope(conn, contact_id, &p.scope)?;
    if req.add.is_empty() && req.remove.is_empty() {
        return Err(AppError::validation("add", "give tags to add or to remove"));
    }
    if req.add.len() + req.remove.len() > MAX_NEW_TAGS {
        return Err(AppError::validation("add", format!("at most {MAX_NEW_TAGS} tags per request")));
    }
    if let Some(both) = req.add.iter().find(|t| req.remove.contains(t)) {
        return Err(AppError::validation("remove", format!("tag {both} is both added and removed")));
    }
    for t in req.add.iter().chain(&req.remove) {
        if store::get(conn, &contact.corp, t)?.is_none() {
            return Err(AppError::validation("add", format!("tag {t} is not in the corp's catalogue")));
        }
    }
    let relations = details::of_contact(conn, &contact.corp, &contact.external_userid)?;
    let relation = match &req.follow_userid {
        Some(u) => relations.into_iter().find(|r| &r.follow_userid == u),
        None if relations.len() == 1 => relations.into_iter().next(),
        None if relations.is_empty() => None,
        None => return Err(AppError::validation("follow_userid", "the customer has several follow members: name one")),
    }
    .ok_or_else(|| AppError::validation("follow_userid", "no such follow member of this customer"))?;
    client
        .mark_tag(&MarkTag {
            userid: relation.follow_userid.clone(),
            external_userid: contact.external_userid.clone(),
            add_tag: req.add.clone(),
            remove_tag: req.remove.clone(),
        })
        .map_err(super::client::failed)?;
    let mut ids: Vec<String> = serde_json::from_str(&relation.tag_ids).unwrap_or_default();
    ids.retain(|t| !req.remove.contains(t));
    for t in &req.add {
        if !ids.contains(t) {
            ids.push(t.clone());
        }
    }
    let json = serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into());
    let now = env.now();
    write_tx(conn, |c| {
        store::set_on_relation(c, &relation.id, &json)?;
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent::success("wecom.contact_tag", "wecom_contact", &contact.id).with_detail(serde_json::json!({
                "corp": contact.corp, "follow_userid": relation.follow_userid, "add": req.add, "remove": req.remove,
            })),
            now,
        )?;
        Ok::<_, AppError>(())
    })?;
    Ok(MarkedView { contact_id: contact.id, follow_userid: relation.follow_userid, tag_ids: ids })
}

/// The corp of a contact in the caller's scope (to pick the client before marking).
pub fn contact_corp(conn: &mut DbConn, p: &Principal, contact_id: &str) -> Result<String> {
    p.require(Permission::WecomContactTag)?;
    Ok(links::get_in_scope(conn, contact_id, &p.scope)?.corp)
}
