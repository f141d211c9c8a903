//! Every request gets an id (in the response header, every log line of the request, and the body of any error),
//! one log line without its query string, and its metrics.

use crate::state::AppState;
use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use siyu_app::Meta;
use std::future::{ready, Ready};
use std::rc::Rc;
use std::time::Instant;
use tracing::Instrument;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// An incoming request id is kept only when it is short and plain, so logs cannot be forged through it.
fn incoming_id(req: &ServiceRequest) -> Option<String> {
    let v = req.headers().get(&REQUEST_ID)?.to_str().ok()?;
    (!v.is_empty() && v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .then(|| v.to_string())
}

/// The client's address: the TCP peer (siyu does not trust forwarding headers it cannot verify).
pub fn client_addr(req: &HttpRequest) -> String {
    req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_else(|| "unknown".into())
}

pub fn meta_of(req: &HttpRequest) -> Meta {
    Meta {
        client_addr: client_addr(req),
        request_id: String::new(),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_control())
            .take(256)
            .collect(),
    }
}

pub struct Observe;

impl<S, B> Transform<S, ServiceRequest> for Observe
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Transform = ObserveMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ObserveMiddleware { service: Rc::new(service) }))
    }
}

pub struct ObserveMiddleware<S> {
    service: Rc<S>,
}

impl<S, B> Service<ServiceRequest> for ObserveMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = self.service.clone();
        let started = Instant::now();
        let request_id = incoming_id(&req).unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
        let mut meta = meta_of(req.request());
        meta.request_id = request_id.clone();
        req.extensions_mut().insert(meta);
        let method = req.method().to_string();
        // The path only: query strings can carry personal data and never reach a log line.
        let path: String = req.path().chars().take(200).collect();
        let span = tracing::info_span!("request", request_id = %request_id, method = %method, path = %path);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(
            async move {
                // Errors are turned into responses below us (handlers and `authz` answer, never fail).
                let res = service.call(req).await?.map_into_boxed_body();
                let route = res.request().match_pattern().unwrap_or_else(|| "unmatched".into());
                let status = res.status();
                let mut res = if status.is_client_error() || status.is_server_error() {
                    with_request_id_in_error(res, &request_id).await
                } else {
                    res
                };
                let headers = res.headers_mut();
                if let Ok(v) = HeaderValue::from_str(&request_id) {
                    headers.insert(REQUEST_ID, v);
                }
                let api = route.starts_with("/api/") || route == "/metrics" || route == "unmatched";
                if api && !headers.contains_key(header::CACHE_CONTROL) {
                    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                }
                let elapsed = started.elapsed();
                if let Some(state) = &state {
                    state.metrics.observe(&route, &method, res.status().as_u16(), elapsed.as_secs_f64());
                }
                tracing::info!(status = res.status().as_u16(), route = %route, ms = elapsed.as_millis() as u64, "handled");
                Ok(res)
            }
            .instrument(span),
        )
    }
}

/// Whether the client's first language preference is Chinese (the console sends its chosen locale).
fn prefers_chinese(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .is_some_and(|first| first.trim().to_ascii_lowercase().starts_with("zh"))
}

/// Puts the request id into an error's JSON body (`error.request_id`), so a person can quote it.
async fn with_request_id_in_error(res: ServiceResponse<BoxBody>, request_id: &str) -> ServiceResponse<BoxBody> {
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let (req, response) = res.into_parts();
    let status = response.status();
    let zh = response.extensions().get::<crate::error::Localized>().map(|l| l.0.clone());
    let head_headers = response.headers().clone();
    let body = response.into_body();
    let size_ok = matches!(body.size(), actix_web::body::BodySize::Sized(n) if n < 64 * 1024);
    let bytes = if size_ok { to_bytes(body).await.ok() } else { None };
    let mut value: serde_json::Value = match (is_json, &bytes) {
        (true, Some(b)) => serde_json::from_slice(b).unwrap_or(serde_json::Value::Null),
        _ => serde_json::Value::Null,
    };
    if value.get("error").is_none() {
        // Plain errors (actix's own 404/405, body-less refusals) become our shape too.
        let code = match status.as_u16() {
            404 => "not_found",
            405 => "method_not_allowed",
            413 => "payload_too_large",
            400 => "invalid_request",
            401 => "unauthenticated",
            403 => "forbidden",
            _ if status.is_server_error() => "internal",
            _ => "invalid_request",
        };
        value = serde_json::json!({"error": {"code": code, "message": status.canonical_reason().unwrap_or("error")}});
    }
    value["error"]["request_id"] = serde_json::Value::String(request_id.to_string());
    if prefers_chinese(&req) {
        let code = value["error"]["code"].as_str().unwrap_or("").to_string();
        if let Some(text) = zh.or_else(|| crate::error::standard_zh(&code).map(str::to_string)) {
            value["error"]["message"] = serde_json::Value::String(text);
        }
    }
    let mut builder = HttpResponse::build(status);
    for (k, v) in head_headers.iter() {
        if k != header::CONTENT_LENGTH && k != header::CONTENT_TYPE {
            builder.append_header((k.clone(), v.clone()));
        }
    }
    let response = builder.json(value);
    ServiceResponse::new(req, response)
}
