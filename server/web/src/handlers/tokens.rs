//! The caller's own API tokens.

use crate::ctx::Ctx;
use crate::error::ApiError;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use siyu_app::tokens as ops;
use siyu_store::tokens::TokenInfo;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct TokenView {
    pub id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<TokenInfo> for TokenView {
    fn from(t: TokenInfo) -> Self {
        Self {
            id: t.id,
            name: t.name,
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TokenList {
    pub items: Vec<TokenView>,
}

pub async fn list(ctx: Ctx) -> Result<HttpResponse, ApiError> {
    let items = ctx.with_principal(|c, _, _, p| ops::list(c, p)).await?;
    Ok(HttpResponse::Ok().json(TokenList { items: items.into_iter().map(Into::into).collect() }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    pub name: String,
    /// Days until it expires (1–366); 90 when left out.
    pub days: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub info: TokenView,
    /// The token itself, shown only now. Send it as `Authorization: Bearer …`.
    pub token: String,
}

pub async fn create(ctx: Ctx, body: web::Json<CreateToken>) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let t = ctx
        .with_principal(move |c, env, meta, p| {
            ops::create(c, env, &p.audit(meta), &p.staff_id, &b.name, b.days.unwrap_or(90))
        })
        .await?;
    Ok(HttpResponse::Created().json(CreatedToken { info: t.info.into(), token: t.token }))
}

pub async fn revoke(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    ctx.with_principal(move |c, env, meta, p| ops::revoke(c, env, meta, p, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
