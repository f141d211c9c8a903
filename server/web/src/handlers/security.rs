//! Security settings shown to the security administrator.

use crate::ctx::Ctx;
use actix_web::HttpResponse;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct PolicyView {
    pub min_length: usize,
    pub max_length: usize,
    pub min_classes: usize,
    pub history: usize,
    /// 0: passwords do not expire.
    pub max_age_days: u32,
    pub reject_common: bool,
    pub reject_username: bool,
    pub lockout_threshold: usize,
    pub lockout_window_minutes: i64,
    pub lockout_minutes: i64,
    pub session_idle_minutes: i64,
    pub admin_session_idle_minutes: i64,
    pub session_absolute_hours: i64,
}

pub async fn password_policy(ctx: Ctx) -> HttpResponse {
    let a = &ctx.state.env.settings.auth;
    let p = a.password.policy();
    HttpResponse::Ok().json(PolicyView {
        min_length: p.min_length,
        max_length: p.max_length,
        min_classes: p.min_classes,
        history: p.history,
        max_age_days: p.max_age_days,
        reject_common: p.reject_common,
        reject_username: p.reject_username,
        lockout_threshold: a.lockout_threshold,
        lockout_window_minutes: a.lockout_window_minutes,
        lockout_minutes: a.lockout_minutes,
        session_idle_minutes: a.session_idle_minutes,
        admin_session_idle_minutes: a.admin_session_idle_minutes,
        session_absolute_hours: a.session_absolute_hours,
    })
}
