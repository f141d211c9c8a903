//! WeCom contacts and One-ID: the contacts in scope (the unlinked ones are the RMs' work queue), and an RM's
//! confirmation or removal of a contact's link to a customer.

use crate::ctx::Ctx;
use crate::error::ApiError;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use siyu_app::wecom::links::{self as ops, ContactView};
use siyu_store::page::Page;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ContactQuery {
    /// Only contacts not linked to a customer: the work queue.
    pub unlinked: Option<bool>,
    pub page: Option<i64>,
    pub page_size: Option<i64>,
}

/// A WeCom customer of a corp, the WeChat name masked.
#[derive(Serialize, ToSchema)]
pub struct WecomContactView {
    /// The contact id of these routes.
    pub id: String,
    /// The `[[wecom.corps]]` name.
    pub corp: String,
    pub external_userid: String,
    pub name: Option<String>,
    /// 1 WeChat user, 2 WeCom user, 0 not synced yet.
    pub contact_type: i64,
    /// The members (WeCom userids) the customer is a contact of.
    pub follow_users: Vec<String>,
    /// The channel codes' states the customer came through.
    pub states: Vec<String>,
    pub customer_id: Option<String>,
    /// `state`, `remark_mobile`, `confirmed`, `unlinked`; none: not decided.
    pub link_method: Option<String>,
    pub linked_at: Option<DateTime<Utc>>,
}

impl From<ContactView> for WecomContactView {
    fn from(v: ContactView) -> Self {
        Self {
            id: v.id,
            corp: v.corp,
            external_userid: v.external_userid,
            name: v.name,
            contact_type: v.contact_type,
            follow_users: v.follow_users,
            states: v.states,
            customer_id: v.customer_id,
            link_method: v.link_method,
            linked_at: v.linked_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct WecomContactPage {
    pub items: Vec<WecomContactView>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

pub async fn list(ctx: Ctx, query: web::Query<ContactQuery>) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let page = Page::new(q.page, q.page_size);
    let unlinked = q.unlinked.unwrap_or(false);
    let paged = ctx.with_principal(move |c, env, _, p| ops::list(c, env, p, unlinked, page)).await?;
    Ok(HttpResponse::Ok().json(WecomContactPage {
        items: paged.items.into_iter().map(Into::into).collect(),
        total: paged.total,
        page: paged.page,
        page_size: paged.page_size,
    }))
}

pub async fn get(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let v = ctx.with_principal(move |c, env, _, p| ops::get(c, env, p, &id)).await?;
    Ok(HttpResponse::Ok().json(WecomContactView::from(v)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    /// A customer in the caller's scope.
    pub customer_id: String,
}

pub async fn link(ctx: Ctx, path: web::Path<String>, body: web::Json<LinkRequest>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let customer = body.into_inner().customer_id;
    let v = ctx.with_principal(move |c, env, meta, p| ops::link(c, env, meta, p, &id, &customer)).await?;
    Ok(HttpResponse::Ok().json(WecomContactView::from(v)))
}

pub async fn unlink(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let v = ctx.with_principal(move |c, env, meta, p| ops::unlink(c, env, meta, p, &id)).await?;
    Ok(HttpResponse::Ok().json(WecomContactView::from(v)))
}
