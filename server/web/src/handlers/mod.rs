//! Handlers, one file per area: parse, call one use case, shape the answer.

pub mod assignments;
pub mod audit;
pub mod auth;
pub mod customers;
pub mod events;
pub mod exports;
pub mod health;
pub mod holdings;
pub mod merges;
pub mod org;
pub mod security;
pub mod sms;
pub mod staff;
pub mod tokens;
pub mod wecom;
pub mod wecom_channels;
pub mod wecom_contacts;
pub mod wecom_tags;
pub mod wecom_transfers;

use crate::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

pub async fn method_not_allowed() -> HttpResponse {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this method is not allowed here")
        .error_response()
}
