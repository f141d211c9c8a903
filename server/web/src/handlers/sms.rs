//! SMS to a customer through the bank's gateway: queue one, list a customer's messages.

use crate::ctx::Ctx;
use crate::error::ApiError;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use siyu_app::sms::{self as ops, SmsRequest};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendSms {
    /// What the customer reads (1–469 characters). Sent to the customer's own mobile on record, never to a number
    /// given here; passes the egress guard, which lets only that mobile through.
    pub text: String,
}

#[derive(Serialize, ToSchema)]
pub struct SmsView {
    pub id: String,
    pub customer_id: String,
    /// `pending`, `sent`, `blocked` (refused by the egress guard when sending), `cancelled` (the customer opted
    /// out of SMS or has no mobile any more) or `failed` (the gateway refused it, or gave up after retries).
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub requested_by: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<ops::SmsView> for SmsView {
    fn from(v: ops::SmsView) -> Self {
        SmsView {
            id: v.id,
            customer_id: v.customer_id,
            status: v.status,
            attempts: v.attempts,
            last_error: v.last_error,
            requested_by: v.requested_by,
            created_at: v.created_at,
            sent_at: v.sent_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SmsList {
    pub items: Vec<SmsView>,
}

pub async fn send(ctx: Ctx, path: web::Path<String>, body: web::Json<SendSms>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let req = SmsRequest { text: body.into_inner().text };
    let v = ctx.with_principal(move |c, env, meta, p| ops::send(c, env, meta, p, &id, &req)).await?;
    Ok(HttpResponse::Accepted().json(SmsView::from(v)))
}

pub async fn list(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let v = ctx.with_principal(move |c, _, _, p| ops::list(c, p, &id)).await?;
    Ok(HttpResponse::Ok().json(SmsList { items: v.into_iter().map(Into::into).collect() }))
}
