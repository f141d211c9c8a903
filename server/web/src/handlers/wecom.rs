//! WeCom's callback URL `/wecom/callback/{name}`. Public: WeCom's signature is the authentication, checked by
//! the use case before anything else. Refusals: 404 unknown corp, 400 bad query / malformed envelope /
//! undecryptable / malformed event, 401 bad signature, 403 stale timestamp / replayed nonce / wrong receiveid,
//! 413 body over 64 KiB. Each is counted in `siyu_wecom_callback_rejections_total` and logged without the body.

use crate::ctx::Ctx;
use crate::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse, ResponseError};
use futures_util::StreamExt;
use serde::Deserialize;
use siyu_app::wecom::callback::{self, Outcome, Query, Rejection};
use utoipa::IntoParams;

/// Largest POST body accepted here: customer-contact callbacks are a few hundred bytes.
pub const MAX_BODY: usize = 64 * 1024;

/// WeCom's query parameters (URL-decoded by the framework).
#[derive(Deserialize, IntoParams)]
pub struct CallbackQuery {
    /// Hex SHA-1 over the sorted token, timestamp, nonce and ciphertext.
    pub msg_signature: Option<String>,
    /// Unix seconds.
    pub timestamp: Option<String>,
    pub nonce: Option<String>,
    /// GET only: the encrypted challenge.
    pub echostr: Option<String>,
}

impl From<CallbackQuery> for Query {
    fn from(q: CallbackQuery) -> Self {
        Query { msg_signature: q.msg_signature, timestamp: q.timestamp, nonce: q.nonce, echostr: q.echostr }
    }
}

fn refusal(r: Rejection) -> ApiError {
    let (status, code, message) = match r {
        Rejection::UnknownCorp => (StatusCode::NOT_FOUND, "not_found", "no WeCom corp is configured under this name"),
        Rejection::BadQuery => {
            (StatusCode::BAD_REQUEST, "wecom_bad_query", "msg_signature, timestamp or nonce is missing or invalid")
        }
        Rejection::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "the request body is too large"),
        Rejection::Malformed => (StatusCode::BAD_REQUEST, "wecom_malformed", "the callback envelope is not valid"),
        Rejection::BadSignature => (StatusCode::UNAUTHORIZED, "wecom_bad_signature", "the signature does not match"),
        Rejection::Stale => (StatusCode::FORBIDDEN, "wecom_stale", "the timestamp is outside the accepted window"),
        Rejection::Undecryptable => {
            (StatusCode::BAD_REQUEST, "wecom_undecryptable", "the ciphertext cannot be decrypted")
        }
        Rejection::WrongReceiver => {
            (StatusCode::FORBIDDEN, "wecom_wrong_receiver", "the message is for another receiver")
        }
        Rejection::MalformedEvent => {
            (StatusCode::BAD_REQUEST, "wecom_malformed_event", "the decrypted event is not valid")
        }
        Rejection::Replay => (StatusCode::FORBIDDEN, "wecom_replay", "this nonce was already used"),
    };
    ApiError::new(status, code, message)
}

/// Counts and logs a refusal (never the body or the query values), and answers it.
fn refuse(ctx: &Ctx, name: &str, r: Rejection) -> HttpResponse {
    let corp = if siyu_app::wecom::corp(&ctx.state.env, name).is_some() { name } else { "-" };
    ctx.state.metrics.wecom_rejected(corp, r.reason());
    tracing::warn!(corp, reason = r.reason(), client = %ctx.meta.client_addr, "WeCom callback refused");
    refusal(r).error_response()
}

/// GET: WeCom's URL check; answers the decrypted echostr as the raw body.
pub async fn verify(ctx: Ctx, name: web::Path<String>, q: web::Query<CallbackQuery>) -> HttpResponse {
    let name = name.into_inner();
    match callback::verify_url(&ctx.state.env, &name, &q.into_inner().into()) {
        Ok(plain) => HttpResponse::Ok().content_type("text/plain; charset=utf-8").body(plain),
        Err(r) => refuse(&ctx, &name, r),
    }
}

/// POST: an encrypted event; stored before the answer `success`.
pub async fn receive(
    ctx: Ctx,
    name: web::Path<String>,
    q: web::Query<CallbackQuery>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let name = name.into_inner();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::bad_request("invalid_body", "the request body could not be read"))?;
        if body.len() + chunk.len() > MAX_BODY {
            return Ok(refuse(&ctx, &name, Rejection::TooLarge));
        }
        body.extend_from_slice(&chunk);
    }
    let Ok(text) = String::from_utf8(body.to_vec()) else { return Ok(refuse(&ctx, &name, Rejection::Malformed)) };
    let (query, n) = (Query::from(q.into_inner()), name.clone());
    let outcome = ctx.run(move |c, env, _, _| callback::accept(c, env, &n, &query, &text)).await?;
    match outcome {
        Ok(o) => {
            let what = if matches!(o, Outcome::Stored(_)) { "stored" } else { "already_stored" };
            ctx.state.metrics.wecom_accepted(&name, what);
            Ok(HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("success"))
        }
        Err(r) => Ok(refuse(&ctx, &name, r)),
    }
}
