//! The organisation tree.

use crate::ctx::Ctx;
use crate::error::ApiError;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use siyu_app::org as ops;
use siyu_store::org::{self as store, OrgNode};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct NodeView {
    pub id: String,
    pub parent_id: Option<String>,
    pub code: String,
    pub name: String,
    /// `head_office`, `branch`, `sub_branch`, `outlet` or `team`.
    pub kind: String,
    pub path: String,
    pub depth: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<OrgNode> for NodeView {
    fn from(n: OrgNode) -> Self {
        Self {
            id: n.id,
            parent_id: n.parent_id,
            code: n.code,
            name: n.name,
            kind: n.kind,
            path: n.path,
            depth: n.depth,
            created_at: n.created_at,
            updated_at: n.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct NodeList {
    pub items: Vec<NodeView>,
}

pub async fn list(ctx: Ctx) -> Result<HttpResponse, ApiError> {
    let nodes = ctx.with_principal(|c, _, _, p| Ok(store::list_subtree(c, &p.scope)?)).await?;
    Ok(HttpResponse::Ok().json(NodeList { items: nodes.into_iter().map(Into::into).collect() }))
}

pub async fn get(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let node = ctx.with_principal(move |c, _, _, p| Ok(store::get_in_scope(c, &id, &p.scope)?)).await?;
    Ok(HttpResponse::Ok().json(NodeView::from(node)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateNode {
    pub parent_id: String,
    pub code: String,
    pub name: String,
    pub kind: String,
}

pub async fn create(ctx: Ctx, body: web::Json<CreateNode>) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let node = ctx
        .with_principal(move |c, env, meta, p| {
            let input = ops::NewNodeInput { parent_id: &b.parent_id, code: &b.code, name: &b.name, kind: &b.kind };
            ops::create(c, env, meta, p, input)
        })
        .await?;
    Ok(HttpResponse::Created().json(NodeView::from(node)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameNode {
    pub name: String,
}

pub async fn rename(ctx: Ctx, path: web::Path<String>, body: web::Json<RenameNode>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let name = body.into_inner().name;
    let node = ctx.with_principal(move |c, env, meta, p| ops::rename(c, env, meta, p, &id, &name)).await?;
    Ok(HttpResponse::Ok().json(NodeView::from(node)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveNode {
    pub new_parent_id: String,
}

pub async fn move_node(ctx: Ctx, path: web::Path<String>, body: web::Json<MoveNode>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let to = body.into_inner().new_parent_id;
    let node = ctx.with_principal(move |c, env, meta, p| ops::move_to(c, env, meta, p, &id, &to)).await?;
    Ok(HttpResponse::Ok().json(NodeView::from(node)))
}

#[derive(Serialize, ToSchema)]
pub struct HistoryView {
    pub at: DateTime<Utc>,
    pub action: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub by: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct HistoryList {
    pub items: Vec<HistoryView>,
}

impl From<Vec<siyu_store::history::HistoryEntry>> for HistoryList {
    fn from(v: Vec<siyu_store::history::HistoryEntry>) -> Self {
        Self {
            items: v
                .into_iter()
                .map(|h| HistoryView { at: h.at, action: h.action, from: h.from, to: h.to, by: h.by })
                .collect(),
        }
    }
}

pub async fn history(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let h = ctx
        .with_principal(move |c, _, _, p| {
            store::get_in_scope(c, &id, &p.scope)?;
            Ok(siyu_store::history::list(c, siyu_store::history::Subject::OrgNode, &id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(HistoryList::from(h)))
}
