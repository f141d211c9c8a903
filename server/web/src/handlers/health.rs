//! Health, readiness, metrics and system status.

use crate::ctx::Ctx;
use crate::error::ApiError;
use actix_web::HttpResponse;
use serde::Serialize;
use utoipa::ToSchema;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// Ready when the database answers and no migration is pending; 503 otherwise.
pub async fn readyz(ctx: Ctx) -> HttpResponse {
    let ready = ctx.run(|c, _, _, _| Ok(siyu_store::migrate::status(c).map(|s| s.pending == 0).unwrap_or(false))).await;
    match ready {
        Ok(true) => HttpResponse::Ok().json(serde_json::json!({"status": "ready"})),
        Ok(false) => HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({"error": {"code": "unavailable", "message": "migrations are pending"}})),
        Err(_) => HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({"error": {"code": "unavailable", "message": "the database is not reachable"}})),
    }
}

pub async fn metrics(ctx: Ctx) -> HttpResponse {
    let s = ctx.state.pool.state();
    ctx.state.metrics.set_pool(s.connections, s.idle_connections, ctx.state.pool.max_size());
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(ctx.state.metrics.render())
}

#[derive(Serialize, ToSchema)]
pub struct MigrationView {
    pub applied: usize,
    pub pending: usize,
    pub latest: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct StatusView {
    pub version: String,
    /// `sqlite` or `postgres`.
    pub database: String,
    pub migrations: MigrationView,
    pub ready: bool,
    pub mode: String,
    pub tls: bool,
}

pub async fn status(ctx: Ctx) -> Result<HttpResponse, ApiError> {
    let m = ctx
        .run(|c, _, _, _| siyu_store::migrate::status(c).map_err(|e| siyu_app::AppError::Internal(e.to_string())))
        .await?;
    let settings = &ctx.state.env.settings;
    Ok(HttpResponse::Ok().json(StatusView {
        version: env!("CARGO_PKG_VERSION").into(),
        database: ctx.state.backend.as_str().into(),
        ready: m.pending == 0,
        migrations: MigrationView { applied: m.applied, pending: m.pending, latest: m.latest },
        mode: format!("{:?}", settings.mode).to_lowercase(),
        tls: settings.server.tls.enabled(),
    }))
}
