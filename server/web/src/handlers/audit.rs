//! The audit trail, for auditors: read, filter, verify. Nothing here changes a record.

use crate::ctx::Ctx;
use crate::error::ApiError;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use siyu_app::AppError;
use siyu_domain::audit::{AuditRecord, Outcome};
use siyu_store::audit::{self as store, AuditEvent, AuditFilter};
use siyu_store::page::Page;
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct AuditView {
    pub seq: i64,
    pub event_id: String,
    pub at: DateTime<Utc>,
    pub actor_id: String,
    pub actor_name: String,
    pub actor_roles: String,
    pub org_node_id: String,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    /// `success` or `failure`.
    pub outcome: String,
    pub error_code: String,
    pub reason: String,
    pub client_addr: String,
    pub request_id: String,
    pub session_hash: String,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

impl From<AuditRecord> for AuditView {
    fn from(r: AuditRecord) -> Self {
        Self {
            seq: r.seq,
            event_id: r.event_id,
            at: r.at,
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            actor_roles: r.actor_roles,
            org_node_id: r.org_node_id,
            action: r.action,
            target_type: r.target_type,
            target_id: r.target_id,
            outcome: r.outcome.as_str().into(),
            error_code: r.error_code,
            reason: r.reason,
            client_addr: r.client_addr,
            request_id: r.request_id,
            session_hash: r.session_hash,
            detail: serde_json::from_str(&r.detail).unwrap_or(serde_json::Value::Null),
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// An action, or a family ending in `.` (e.g. `auth.`).
    pub action: Option<String>,
    /// The actor's id or user name.
    pub actor: Option<String>,
    /// `success` or `failure`.
    pub outcome: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub page: Option<i64>,
    pub page_size: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditView>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

fn nonempty(s: Option<String>) -> Option<String> {
    s.map(|x| x.trim().chars().take(128).collect::<String>()).filter(|x| !x.is_empty())
}

pub async fn list(ctx: Ctx, query: web::Query<AuditQuery>) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let outcome = match nonempty(q.outcome) {
        None => None,
        Some(o) => Some(Outcome::parse(&o).ok_or_else(|| AppError::validation("outcome", "is success or failure"))?),
    };
    let filter = AuditFilter {
        action: nonempty(q.action),
        actor: nonempty(q.actor),
        outcome,
        target_type: nonempty(q.target_type),
        target_id: nonempty(q.target_id),
        from: q.from,
        to: q.to,
    };
    let page = Page::new(q.page, q.page_size);
    let paged = ctx.with_principal(move |c, _, _, _| Ok(store::list(c, &filter, page)?)).await?;
    Ok(HttpResponse::Ok().json(AuditPage {
        items: paged.items.into_iter().map(Into::into).collect(),
        total: paged.total,
        page: paged.page,
        page_size: paged.page_size,
    }))
}

pub async fn get(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let seq: i64 = path.into_inner().parse().map_err(|_| ApiError::not_found())?;
    let r = ctx.with_principal(move |c, _, _, _| Ok(store::get(c, seq)?)).await?;
    Ok(HttpResponse::Ok().json(AuditView::from(r)))
}

#[derive(Serialize, ToSchema)]
pub struct VerifyResponse {
    pub ok: bool,
    pub checked: i64,
    pub first_broken_seq: Option<i64>,
    pub reason: Option<String>,
}

/// Walks the chain; the verification itself is recorded (after the walk, so it does not verify itself).
pub async fn verify(ctx: Ctx) -> Result<HttpResponse, ApiError> {
    let report = ctx
        .with_principal(|c, env, meta, p| {
            let report = store::verify(c, 1000)?;
            let ev = if report.ok {
                AuditEvent::success("audit.verify", "audit_chain", "")
            } else {
                AuditEvent::failure("audit.verify", "audit_chain", "", "chain_broken")
            }
            .with_detail(serde_json::json!({"checked": report.checked, "first_broken_seq": report.first_broken_seq}));
            let now = env.now();
            siyu_store::tx::write_tx(c, |c| store::append(c, &p.audit(meta), &ev, now))?;
            Ok(report)
        })
        .await?;
    Ok(HttpResponse::Ok().json(VerifyResponse {
        ok: report.ok,
        checked: report.checked,
        first_broken_seq: report.first_broken_seq,
        reason: report.reason,
    }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// How many days back, 1–90 (default 14).
    pub days: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct DayCount {
    pub day: String,
    pub outcome: String,
    pub count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct StatsResponse {
    pub items: Vec<DayCount>,
}

pub async fn stats(ctx: Ctx, query: web::Query<StatsQuery>) -> Result<HttpResponse, ApiError> {
    let days = query.days.unwrap_or(14).clamp(1, 90);
    let rows =
        ctx.with_principal(move |c, env, _, _| Ok(store::daily_counts(c, env.now() - Duration::days(days))?)).await?;
    Ok(HttpResponse::Ok().json(StatsResponse {
        items: rows.into_iter().map(|(day, outcome, count)| DayCount { day, outcome, count }).collect(),
    }))
}
