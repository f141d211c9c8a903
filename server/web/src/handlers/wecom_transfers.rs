//! WeCom customer transfers (queue, list, retry) and the weekly add/churn figures with their targets.

use crate::ctx::Ctx;
use crate::error::ApiError;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use siyu_app::wecom::stats::{self, TargetRequest, WeekRow, WeeklyStats};
use siyu_app::wecom::transfers::{self as ops, TransferRequest, TransferView};
use siyu_store::page::Page;
use utoipa::{IntoParams, ToSchema};

/// A transfer of one WeCom contact from one RM to another.
#[derive(Serialize, ToSchema)]
pub struct WecomTransferView {
    pub id: String,
    pub corp: String,
    pub external_userid: String,
    pub customer_id: Option<String>,
    /// The outlet that sees it: the customer's, else the handover RM's.
    pub node_id: String,
    pub from_staff_id: String,
    pub to_staff_id: String,
    pub handover_userid: String,
    pub takeover_userid: String,
    /// `on_duty` or `resigned` once started.
    pub flow: Option<String>,
    /// `waiting`, `succeeded` or `failed`.
    pub status: String,
    /// WeCom's errcode for this contact (40128: transferred twice in 90 days already), or the transfer_result
    /// status (3 refused, 4 customer limit, 5 no record).
    pub errcode: Option<i64>,
    /// A code: customer_refused, customer_limit_exceed, too_frequent, takeover_not_follow_user, …
    pub reason: Option<String>,
    /// `api`, `reassignment` or `retry`.
    pub origin: String,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<TransferView> for WecomTransferView {
    fn from(v: TransferView) -> Self {
        Self {
            id: v.id,
            corp: v.corp,
            external_userid: v.external_userid,
            customer_id: v.customer_id,
            node_id: v.node_id,
            from_staff_id: v.from_staff_id,
            to_staff_id: v.to_staff_id,
            handover_userid: v.handover_userid,
            takeover_userid: v.takeover_userid,
            flow: v.flow,
            status: v.status,
            errcode: v.errcode,
            reason: v.reason,
            origin: v.origin,
            created_at: v.created_at,
            started_at: v.started_at,
            finished_at: v.finished_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferBody {
    /// WeCom contact ids (of `/api/v1/wecom/contacts`) in scope.
    #[serde(default)]
    pub contact_ids: Vec<String>,
    /// Customers in scope: their linked WeCom contacts.
    #[serde(default)]
    pub customer_ids: Vec<String>,
    /// The takeover RM: in scope, active, with a WeCom user id.
    pub to_staff_id: String,
    /// What the customer sees (on-duty transfers; ≤200 characters; passes the egress guard).
    pub message: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SkippedView {
    /// The contact or customer id of the request.
    pub id: String,
    /// no_wecom_contact, takeover_already_follows, transfer_in_progress, no_handover_member
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct TransferResponse {
    /// Queued transfers (`waiting`): the engine starts them with WeCom.
    pub items: Vec<WecomTransferView>,
    pub skipped: Vec<SkippedView>,
}

pub async fn create(ctx: Ctx, body: web::Json<TransferBody>) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let req = TransferRequest {
        contact_ids: b.contact_ids,
        customer_ids: b.customer_ids,
        to_staff_id: b.to_staff_id,
        message: b.message,
    };
    let r = ctx.with_principal(move |c, env, meta, p| ops::request(c, env, meta, p, &req)).await?;
    Ok(HttpResponse::Created().json(TransferResponse {
        items: r.items.into_iter().map(Into::into).collect(),
        skipped: r.skipped.into_iter().map(|s| SkippedView { id: s.id, reason: s.reason }).collect(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TransferQuery {
    /// waiting, succeeded or failed (`failed`: the managers' list).
    pub status: Option<String>,
    pub page: Option<i64>,
    pub page_size: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct TransferPage {
    pub items: Vec<WecomTransferView>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

pub async fn list(ctx: Ctx, query: web::Query<TransferQuery>) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let page = Page::new(q.page, q.page_size);
    let status = q.status;
    let paged = ctx.with_principal(move |c, _, _, p| ops::list(c, p, status.as_deref(), page)).await?;
    Ok(HttpResponse::Ok().json(TransferPage {
        items: paged.items.into_iter().map(Into::into).collect(),
        total: paged.total,
        page: paged.page,
        page_size: paged.page_size,
    }))
}

pub async fn retry(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let v = ctx.with_principal(move |c, env, meta, p| ops::retry(c, env, meta, p, &id)).await?;
    Ok(HttpResponse::Created().json(WecomTransferView::from(v)))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WeeklyQuery {
    /// An org node in scope (default: the caller's scope).
    pub node: Option<String>,
    /// An ISO week in Asia/Shanghai time, e.g. 2026-W49 (default: this week).
    pub week: Option<String>,
}

/// One RM's or outlet's week.
#[derive(Serialize, ToSchema)]
pub struct WeekRowView {
    pub id: String,
    pub name: String,
    /// The outlet of an RM.
    pub node_id: Option<String>,
    pub adds: i64,
    pub deleted_by_customer: i64,
    pub deleted_by_rm: i64,
    pub net: i64,
    pub target: Option<i64>,
    /// adds / target.
    pub progress: Option<f64>,
}

impl From<WeekRow> for WeekRowView {
    fn from(r: WeekRow) -> Self {
        Self {
            id: r.id,
            name: r.name,
            node_id: r.node_id,
            adds: r.adds,
            deleted_by_customer: r.deleted_by_customer,
            deleted_by_rm: r.deleted_by_rm,
            net: r.net,
            target: r.target,
            progress: r.progress,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct WeeklyView {
    pub week: String,
    pub node_id: String,
    pub rms: Vec<WeekRowView>,
    pub outlets: Vec<WeekRowView>,
}

impl From<WeeklyStats> for WeeklyView {
    fn from(s: WeeklyStats) -> Self {
        Self {
            week: s.week,
            node_id: s.node_id,
            rms: s.rms.into_iter().map(Into::into).collect(),
            outlets: s.outlets.into_iter().map(Into::into).collect(),
        }
    }
}

pub async fn weekly(ctx: Ctx, query: web::Query<WeeklyQuery>) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let s =
        ctx.with_principal(move |c, env, _, p| stats::weekly(c, env, p, q.node.as_deref(), q.week.as_deref())).await?;
    Ok(HttpResponse::Ok().json(WeeklyView::from(s)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetBody {
    /// `staff` (an RM) or `node` (an outlet).
    pub subject_type: String,
    pub subject_id: String,
    /// In force from this ISO week on (default: this week).
    pub week: Option<String>,
    /// Adds a week, 0..=10000.
    pub target: i64,
}

#[derive(Serialize, ToSchema)]
pub struct TargetView {
    pub subject_type: String,
    pub subject_id: String,
    pub week: String,
    pub target: i64,
    pub set_by: String,
}

pub async fn set_target(ctx: Ctx, body: web::Json<TargetBody>) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let req = TargetRequest { subject_type: b.subject_type, subject_id: b.subject_id, week: b.week, target: b.target };
    let r = ctx.with_principal(move |c, env, meta, p| stats::set_target(c, env, meta, p, &req)).await?;
    Ok(HttpResponse::Ok().json(TargetView {
        subject_type: r.subject_type,
        subject_id: r.subject_id,
        week: r.week,
        target: r.target,
        set_by: r.set_by,
    }))
}
