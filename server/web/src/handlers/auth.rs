//! Logging in and out, the password change, the second factor, the current principal.

use crate::ctx::Ctx;
use crate::error::ApiError;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use siyu_app::auth::{self, IssuedSession};
use siyu_app::AppError;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// Where the session stands after a step, and the CSRF token for its state-changing requests.
#[derive(Serialize, ToSchema)]
pub struct StageResponse {
    /// `full`, `password_change`, `totp` or `totp_enroll`.
    pub stage: String,
    pub csrf_token: String,
}

fn session_cookie(ctx: &Ctx, token: &str) -> Cookie<'static> {
    Cookie::build(ctx.state.cookie_name(), token.to_string())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(ctx.state.tls())
        .finish()
}

fn issued(ctx: &Ctx, s: IssuedSession) -> HttpResponse {
    HttpResponse::Ok()
        .cookie(session_cookie(ctx, &s.token))
        .json(StageResponse { stage: s.stage.as_str().into(), csrf_token: s.csrf_token })
}

fn cleared(ctx: &Ctx) -> HttpResponse {
    let mut c = session_cookie(ctx, "");
    c.make_removal();
    HttpResponse::NoContent().cookie(c).finish()
}

pub async fn login(ctx: Ctx, body: web::Json<LoginRequest>) -> Result<HttpResponse, ApiError> {
    let LoginRequest { username, password } = body.into_inner();
    // Oversized input is refused before any hashing; the answer is the same as for a wrong password.
    if username.chars().count() > 64 || password.chars().count() > 1024 {
        return Err(AppError::InvalidCredentials.into());
    }
    let s = ctx.run(move |c, env, meta, _| auth::login(c, env, meta, &username, &password)).await?;
    Ok(issued(&ctx, s))
}

pub async fn logout(ctx: Ctx) -> Result<HttpResponse, ApiError> {
    ctx.with_principal(auth::logout).await?;
    Ok(cleared(&ctx))
}

pub async fn logout_all(ctx: Ctx) -> Result<HttpResponse, ApiError> {
    ctx.with_principal(auth::logout_all).await?;
    Ok(cleared(&ctx))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

pub async fn change_password(ctx: Ctx, body: web::Json<PasswordRequest>) -> Result<HttpResponse, ApiError> {
    let PasswordRequest { current_password, new_password } = body.into_inner();
    if current_password.chars().count() > 1024 || new_password.chars().count() > 1024 {
        return Err(AppError::validation("new_password", "is too long").into());
    }
    let s = ctx
        .with_principal(move |c, env, meta, p| auth::change_password(c, env, meta, p, &current_password, &new_password))
        .await?;
    Ok(issued(&ctx, s))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReauthRequest {
    pub password: String,
    /// The current second-factor code, when the account has one.
    pub code: Option<String>,
}

/// Confirms the password (and second factor) again, so an unmask may follow within the next minutes.
pub async fn reauth(ctx: Ctx, body: web::Json<ReauthRequest>) -> Result<HttpResponse, ApiError> {
    let ReauthRequest { password, code } = body.into_inner();
    if password.chars().count() > 1024 || code.as_ref().is_some_and(|c| c.len() > 16) {
        return Err(AppError::validation("password", "is too long").into());
    }
    ctx.with_principal(move |c, env, meta, p| auth::reauthenticate(c, env, meta, p, &password, code.as_deref()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, ToSchema)]
pub struct EnrollResponse {
    /// Base32 secret for the authenticator app; shown only now.
    pub secret: String,
    pub otpauth_uri: String,
}

pub async fn totp_enroll(ctx: Ctx) -> Result<HttpResponse, ApiError> {
    let (secret, otpauth_uri) = ctx.with_principal(auth::totp_enroll).await?;
    Ok(HttpResponse::Ok().json(EnrollResponse { secret, otpauth_uri }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    pub code: String,
}

pub async fn totp_verify(ctx: Ctx, body: web::Json<CodeRequest>) -> Result<HttpResponse, ApiError> {
    let code: String = body.into_inner().code.chars().take(16).collect();
    let s = ctx.with_principal(move |c, env, meta, p| auth::totp_verify(c, env, meta, p, &code)).await?;
    Ok(issued(&ctx, s))
}

#[derive(Serialize, ToSchema)]
pub struct NodeRef {
    pub id: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub path: String,
}

#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    pub id: String,
    pub username: String,
    pub name: String,
    pub org_node: NodeRef,
    pub roles: Vec<String>,
    pub permissions: Vec<String>,
    pub stage: String,
    /// Present for browser sessions: send it as `X-CSRF-Token` with state-changing requests.
    pub csrf_token: Option<String>,
    pub password_expires_at: Option<DateTime<Utc>>,
    pub has_second_factor: bool,
}

pub async fn me(ctx: Ctx) -> Result<HttpResponse, ApiError> {
    let p = ctx.principal()?.clone();
    let profile = ctx.with_principal(|c, env, _, p| auth::profile(c, env, p)).await?;
    let csrf_token = match &p.via {
        siyu_app::Via::Session { csrf_token, .. } => Some(csrf_token.clone()),
        _ => None,
    };
    Ok(HttpResponse::Ok().json(MeResponse {
        id: p.staff_id.clone(),
        username: p.username.clone(),
        name: p.name.clone(),
        org_node: NodeRef {
            id: profile.node.id,
            code: profile.node.code,
            name: profile.node.name,
            kind: profile.node.kind,
            path: profile.node.path,
        },
        roles: p.roles.iter().map(|r| r.code().to_string()).collect(),
        permissions: p.permissions.iter().map(|x| x.code().to_string()).collect(),
        stage: p.stage().as_str().into(),
        csrf_token,
        password_expires_at: profile.password_expires_at,
        has_second_factor: profile.has_second_factor,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct SessionView {
    /// A public reference, for ending this session.
    pub id: String,
    pub current: bool,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub client_addr: String,
    pub user_agent: String,
}

#[derive(Serialize, ToSchema)]
pub struct SessionList {
    pub items: Vec<SessionView>,
}

pub async fn sessions(ctx: Ctx) -> Result<HttpResponse, ApiError> {
    let current = ctx.principal()?.session_hash().to_string();
    let list = ctx.with_principal(|c, _, _, p| auth::own_sessions(c, p)).await?;
    let items = list
        .into_iter()
        .map(|(id, s)| SessionView {
            id,
            current: s.id_hash == current,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            client_addr: s.client_addr,
            user_agent: s.user_agent,
        })
        .collect();
    Ok(HttpResponse::Ok().json(SessionList { items }))
}

pub async fn end_session(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    ctx.with_principal(move |c, env, meta, p| auth::end_own_session(c, env, meta, p, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
