//! Channel live codes (渠道活码): list and read in scope, create, edit and deactivate (WeCom's contact way with
//! them), the QR image, and the stats of the adds that came through a code.

use crate::ctx::Ctx;
use crate::error::ApiError;
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use siyu_app::wecom::channels::{self as ops, ChannelPatch, ChannelStats, ChannelView, NewChannel};
use siyu_store::page::Page;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ChannelQuery {
    /// `active` or `inactive`; all when absent.
    pub status: Option<String>,
    pub page: Option<i64>,
    pub page_size: Option<i64>,
}

/// A channel live code.
#[derive(Serialize, ToSchema)]
pub struct WecomChannel {
    pub id: String,
    /// The `[[wecom.corps]]` name.
    pub corp: String,
    pub name: String,
    /// `outlet`, `rm`, `event` or `campaign`.
    pub kind: String,
    /// The org node the channel belongs to (who sees and manages it).
    pub node_id: String,
    /// The relationship managers the code routes to (staff ids).
    pub rm_staff_ids: Vec<String>,
    /// The same members' WeCom userids.
    pub follow_userids: Vec<String>,
    /// The contact way's state (`ch_…`): it attributes adds to the channel.
    pub state: String,
    pub config_id: Option<String>,
    /// WeCom's QR code URL; the image: `GET …/qr.png`.
    pub qr_code: Option<String>,
    pub welcome_text: Option<String>,
    /// `active` or `inactive`.
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ChannelView> for WecomChannel {
    fn from(v: ChannelView) -> Self {
        Self {
            id: v.id,
            corp: v.corp,
            name: v.name,
            kind: v.kind,
            node_id: v.node_id,
            rm_staff_ids: v.rm_staff_ids,
            follow_userids: v.follow_userids,
            state: v.state,
            config_id: v.config_id,
            qr_code: v.qr_code,
            welcome_text: v.welcome_text,
            status: v.status,
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct WecomChannelPage {
    pub items: Vec<WecomChannel>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateChannel {
    pub corp: String,
    pub name: String,
    /// `outlet`, `rm`, `event` or `campaign`.
    pub kind: String,
    /// An org node in the caller's scope.
    pub node_id: String,
    /// Staff ids in the caller's scope, each with a WeCom userid (one: a single-member code).
    pub rm_staff_ids: Vec<String>,
    /// Sent to each customer who adds through the code (egress-guarded).
    pub welcome_text: Option<String>,
    /// A chosen code: the state becomes `ch_<code>` (letters, digits, `-`, `_`; at most 27 characters).
    pub code: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateChannel {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub rm_staff_ids: Option<Vec<String>>,
    /// An empty text removes the welcome message.
    pub welcome_text: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// Days of the per-day series, 1–366 (default 30).
    pub days: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ChannelDay {
    pub day: NaiveDate,
    pub adds: i64,
    pub deletions: i64,
}

#[derive(Serialize, ToSchema)]
pub struct WecomChannelStats {
    pub channel_id: String,
    /// Relations added through the code.
    pub adds: i64,
    /// Removed by the customer (del_follow_user).
    pub deleted_by_customer: i64,
    /// Removed by the relationship manager (del_external_contact).
    pub deleted_by_rm: i64,
    /// Still following.
    pub following: i64,
    /// Distinct siyu customers the added persons are linked to.
    pub linked_customers: i64,
    pub welcomes_sent: i64,
    pub welcomes_failed: i64,
    pub welcomes_refused: i64,
    /// Adds and deletions per day (Beijing time), days without either left out.
    pub days: Vec<ChannelDay>,
}

impl From<ChannelStats> for WecomChannelStats {
    fn from(s: ChannelStats) -> Self {
        Self {
            channel_id: s.channel_id,
            adds: s.totals.adds,
            deleted_by_customer: s.totals.deleted_by_customer,
            deleted_by_rm: s.totals.deleted_by_rm,
            following: s.totals.following,
            linked_customers: s.linked_customers,
            welcomes_sent: s.welcomes_sent,
            welcomes_failed: s.welcomes_failed,
            welcomes_refused: s.welcomes_refused,
            days: s.days.into_iter().map(|d| ChannelDay { day: d.day, adds: d.adds, deletions: d.deletions }).collect(),
        }
    }
}

pub async fn list(ctx: Ctx, query: web::Query<ChannelQuery>) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let page = Page::new(q.page, q.page_size);
    let paged = ctx.with_principal(move |c, _, _, p| ops::list(c, p, q.status.as_deref(), page)).await?;
    Ok(HttpResponse::Ok().json(WecomChannelPage {
        items: paged.items.into_iter().map(Into::into).collect(),
        total: paged.total,
        page: paged.page,
        page_size: paged.page_size,
    }))
}

pub async fn create(ctx: Ctx, body: web::Json<CreateChannel>) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let n = NewChannel {
        corp: b.corp,
        name: b.name,
        kind: b.kind,
        node_id: b.node_id,
        rm_staff_ids: b.rm_staff_ids,
        welcome_text: b.welcome_text,
        code: b.code,
    };
    let pool = ctx.state.pool.clone();
    let v = ctx.with_principal(move |c, env, meta, p| ops::create(&pool, c, env, meta, p, n)).await?;
    Ok(HttpResponse::Created().json(WecomChannel::from(v)))
}

pub async fn get(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let v = ctx.with_principal(move |c, _, _, p| ops::get(c, p, &id)).await?;
    Ok(HttpResponse::Ok().json(WecomChannel::from(v)))
}

pub async fn update(
    ctx: Ctx,
    path: web::Path<String>,
    body: web::Json<UpdateChannel>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let b = body.into_inner();
    let patch = ChannelPatch { name: b.name, kind: b.kind, rm_staff_ids: b.rm_staff_ids, welcome_text: b.welcome_text };
    let pool = ctx.state.pool.clone();
    let v = ctx.with_principal(move |c, env, meta, p| ops::update(&pool, c, env, meta, p, &id, patch)).await?;
    Ok(HttpResponse::Ok().json(WecomChannel::from(v)))
}

pub async fn deactivate(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let pool = ctx.state.pool.clone();
    let v = ctx.with_principal(move |c, env, meta, p| ops::deactivate(&pool, c, env, meta, p, &id)).await?;
    Ok(HttpResponse::Ok().json(WecomChannel::from(v)))
}

pub async fn qr_png(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let name = format!("channel-{id}.png");
    let png = ctx.with_principal(move |c, _, _, p| ops::qr_png(c, p, &id)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "image/png"))
        .insert_header((header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}\"")))
        .insert_header((header::CACHE_CONTROL, "private, max-age=300"))
        .body(png))
}

pub async fn stats(ctx: Ctx, path: web::Path<String>, query: web::Query<StatsQuery>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let days = query.into_inner().days;
    let s = ctx.with_principal(move |c, env, _, p| ops::stats(c, env, p, &id, days)).await?;
    Ok(HttpResponse::Ok().json(WecomChannelStats::from(s)))
}
