//! Customer exports: request, decide (dual control for unmasked ones), download.

use crate::ctx::Ctx;
use crate::error::ApiError;
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use siyu_app::exports::{self as ops, ExportRequest};
use siyu_store::exports::ExportRow;
use siyu_store::time::from_db;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateExport {
    /// `customers`.
    pub kind: String,
    /// Default true. false asks for values in clear: needs `pii.unmask`, another person's approval, and a
    /// recent re-authentication at download.
    pub masked: Option<bool>,
    /// The subtree to export (default: the requester's node).
    pub node_id: Option<String>,
    /// Why (at least 10 characters for an unmasked export); shown to the approver and audited.
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct ExportView {
    pub id: String,
    pub kind: String,
    pub masked: bool,
    pub node_id: String,
    pub reason: String,
    /// `ready`, `pending_approval`, `approved`, `rejected`, `downloaded` or `expired`.
    pub status: String,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub downloads: i64,
    /// SHA-256 of the last file sent.
    pub sha256: Option<String>,
    /// Customers in the export (counted at request, then at each download).
    pub rows: Option<i64>,
}

impl From<ExportRow> for ExportView {
    fn from(r: ExportRow) -> Self {
        ExportView {
            id: r.id,
            kind: r.kind,
            masked: r.masked,
            node_id: r.node_id,
            reason: r.reason,
            status: r.status,
            requested_by: r.requested_by,
            requested_at: from_db(r.requested_at),
            decided_by: r.decided_by,
            decided_at: r.decided_at.map(from_db),
            decision_note: r.decision_note,
            expires_at: from_db(r.expires_at),
            downloads: r.downloads,
            sha256: r.last_sha256,
            rows: r.last_rows,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ExportList {
    pub items: Vec<ExportView>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideExport {
    /// Optional note, kept with the decision and in the audit trail.
    pub note: Option<String>,
}

pub async fn create(ctx: Ctx, body: web::Json<CreateExport>) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let req = ExportRequest { kind: b.kind, masked: b.masked.unwrap_or(true), node_id: b.node_id, reason: b.reason };
    let row = ctx.with_principal(move |c, env, meta, p| ops::request(c, env, meta, p, req)).await?;
    Ok(HttpResponse::Created().json(ExportView::from(row)))
}

pub async fn list(ctx: Ctx) -> Result<HttpResponse, ApiError> {
    let rows = ctx.with_principal(|c, env, _, p| ops::list(c, env, p)).await?;
    Ok(HttpResponse::Ok().json(ExportList { items: rows.into_iter().map(Into::into).collect() }))
}

pub async fn get(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let row = ctx.with_principal(move |c, env, _, p| ops::get(c, env, p, &id)).await?;
    Ok(HttpResponse::Ok().json(ExportView::from(row)))
}

async fn decide(ctx: Ctx, id: String, approve: bool, note: Option<String>) -> Result<HttpResponse, ApiError> {
    let row =
        ctx.with_principal(move |c, env, meta, p| ops::decide(c, env, meta, p, &id, approve, note.as_deref())).await?;
    Ok(HttpResponse::Ok().json(ExportView::from(row)))
}

pub async fn approve(
    ctx: Ctx,
    path: web::Path<String>,
    body: web::Json<DecideExport>,
) -> Result<HttpResponse, ApiError> {
    decide(ctx, path.into_inner(), true, body.into_inner().note).await
}

pub async fn reject(
    ctx: Ctx,
    path: web::Path<String>,
    body: web::Json<DecideExport>,
) -> Result<HttpResponse, ApiError> {
    decide(ctx, path.into_inner(), false, body.into_inner().note).await
}

/// The CSV itself, never cached; its SHA-256 is in the audit record and in `X-Export-SHA256`.
pub async fn download(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let f = ctx.with_principal(move |c, env, meta, p| ops::download(c, env, meta, p, &id)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", f.file_name)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("X-Export-SHA256", f.sha256.clone()))
        .insert_header(("X-Export-Rows", f.rows.to_string()))
        .body(f.bytes))
}

#[derive(Serialize, ToSchema)]
pub struct DeliveredView {
    /// The file's name in the outbound folder.
    pub file_name: String,
    pub sha256: String,
    pub rows: i64,
}

/// Delivers a masked export to the outbound folder (unmasked ones are download only).
pub async fn deliver(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let f = ctx.with_principal(move |c, env, meta, p| ops::deliver(c, env, meta, p, &id)).await?;
    Ok(HttpResponse::Created().json(DeliveredView { file_name: f.file_name, sha256: f.sha256, rows: f.rows }))
}
