//! Corp tags: the catalogue siyu keeps in step with WeCom, head office's changes to it (made in WeCom first), and
//! an RM's tags on a customer.

use crate::ctx::Ctx;
use crate::error::ApiError;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use siyu_app::wecom::tags::{self as ops, Catalogue, GroupView, MarkRequest, MarkedView, NewTags};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CorpQuery {
    /// The `[[wecom.corps]]` name.
    pub corp: String,
}

#[derive(Serialize, ToSchema)]
pub struct TagViewDoc {
    pub tag_id: String,
    pub name: String,
    /// Larger sorts first (WeCom's order).
    pub order: i64,
}

#[derive(Serialize, ToSchema)]
pub struct TagGroupView {
    pub group_id: String,
    pub group_name: String,
    pub tags: Vec<TagViewDoc>,
}

impl From<GroupView> for TagGroupView {
    fn from(g: GroupView) -> Self {
        Self {
            group_id: g.group_id,
            group_name: g.group_name,
            tags: g.tags.into_iter().map(|t| TagViewDoc { tag_id: t.tag_id, name: t.name, order: t.order }).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TagCatalogue {
    pub corp: String,
    /// When the catalogue was last pulled from WeCom.
    pub pulled_at: Option<DateTime<Utc>>,
    pub groups: Vec<TagGroupView>,
}

impl From<Catalogue> for TagCatalogue {
    fn from(c: Catalogue) -> Self {
        Self { corp: c.corp, pulled_at: c.pulled_at, groups: c.groups.into_iter().map(Into::into).collect() }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTagsRequest {
    pub corp: String,
    /// An existing group; or give `group_name` (found by name, or created).
    pub group_id: Option<String>,
    pub group_name: Option<String>,
    /// 1 to 100 names of at most 30 characters.
    pub tags: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameRequest {
    pub corp: String,
    /// At most 30 characters.
    pub name: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkTagsRequest {
    /// The follow member whose relation is tagged; may be left out when there is one.
    pub follow_userid: Option<String>,
    #[serde(default)]
    pub add: Vec<String>,
    #[serde(default)]
    pub remove: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MarkedTags {
    pub contact_id: String,
    pub follow_userid: String,
    /// Every tag on the relation now.
    pub tag_ids: Vec<String>,
}

impl From<MarkedView> for MarkedTags {
    fn from(m: MarkedView) -> Self {
        Self { contact_id: m.contact_id, follow_userid: m.follow_userid, tag_ids: m.tag_ids }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Deleted {
    /// Tags removed from siyu's copy.
    pub deleted: usize,
}

/// A configured WeCom corp (no secret).
#[derive(Serialize, ToSchema)]
pub struct CorpItem {
    /// The `[[wecom.corps]]` name the other WeCom routes take.
    pub name: String,
    pub corp_id: String,
}

#[derive(Serialize, ToSchema)]
pub struct CorpList {
    pub items: Vec<CorpItem>,
}

/// The configured corps, so a screen can choose whose tags (or channels, contacts) to show.
pub async fn corps(ctx: Ctx) -> Result<HttpResponse, ApiError> {
    let items = ctx.with_principal(|_, env, _, p| siyu_app::wecom::corps(env, p)).await?;
    Ok(HttpResponse::Ok()
        .json(CorpList { items: items.into_iter().map(|c| CorpItem { name: c.name, corp_id: c.corp_id }).collect() }))
}

pub async fn list(ctx: Ctx, q: web::Query<CorpQuery>) -> Result<HttpResponse, ApiError> {
    let corp = q.into_inner().corp;
    let c = ctx.with_principal(move |c, env, _, p| ops::catalogue(c, env, p, &corp)).await?;
    Ok(HttpResponse::Ok().json(TagCatalogue::from(c)))
}

pub async fn create(ctx: Ctx, body: web::Json<NewTagsRequest>) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let req = NewTags { corp: b.corp, group_id: b.group_id, group_name: b.group_name, tags: b.tags };
    let pool = ctx.state.pool.clone();
    let g = ctx
        .with_principal(move |c, env, meta, p| {
            let client = ops::client(&pool, env, &req.corp)?;
            ops::create(c, &client, env, meta, p, &req)
        })
        .await?;
    Ok(HttpResponse::Created().json(TagGroupView::from(g)))
}

pub async fn rename(
    ctx: Ctx,
    path: web::Path<String>,
    body: web::Json<RenameRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let b = body.into_inner();
    let pool = ctx.state.pool.clone();
    ctx.with_principal(move |c, env, meta, p| {
        let client = ops::client(&pool, env, &b.corp)?;
        ops::rename(c, &client, env, meta, p, &b.corp, &id, &b.name)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn delete(ctx: Ctx, path: web::Path<String>, q: web::Query<CorpQuery>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let corp = q.into_inner().corp;
    let pool = ctx.state.pool.clone();
    let deleted = ctx
        .with_principal(move |c, env, meta, p| {
            let client = ops::client(&pool, env, &corp)?;
            ops::delete(c, &client, env, meta, p, &corp, &id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Deleted { deleted }))
}

pub async fn mark(
    ctx: Ctx,
    path: web::Path<String>,
    body: web::Json<MarkTagsRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let b = body.into_inner();
    let req = MarkRequest { follow_userid: b.follow_userid, add: b.add, remove: b.remove };
    let pool = ctx.state.pool.clone();
    let m = ctx
        .with_principal(move |c, env, meta, p| {
            let corp = ops::contact_corp(c, p, &id)?;
            let client = ops::client(&pool, env, &corp)?;
            ops::mark(c, &client, env, meta, p, &id, &req)
        })
        .await?;
    Ok(HttpResponse::Ok().json(MarkedTags::from(m)))
}
