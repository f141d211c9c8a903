//! Authorization, decided here and nowhere else: resolve the principal (session cookie or bearer token), check
//! the route's access rule, the session's stage and the CSRF token, and record every refusal of a permission.
//! Handlers then only see requests they may serve; objects outside the principal's scope are refused by the
//! store's scoped queries and answered 404.

use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::routes::Access;
use crate::state::AppState;
use actix_web::body::BoxBody;
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::{header, Method, StatusCode};
use actix_web::{web, HttpMessage, ResponseError};
use futures_util::future::LocalBoxFuture;
use siyu_app::{auth, AppError, Meta, Principal, Via};
use siyu_domain::session::Stage;
use siyu_store::audit::{self, AuditEvent};
use std::future::{ready, Ready};
use std::rc::Rc;

pub const CSRF_HEADER: &str = "x-csrf-token";

pub struct Authorize {
    rules: Rc<Vec<(Method, Access)>>,
}

impl Authorize {
    pub fn new(rules: Vec<(Method, Access)>) -> Self {
        Self { rules: Rc::new(rules) }
    }
}

impl<S> Transform<S, ServiceRequest> for Authorize
where
    S: Service<ServiceRequest, Response = ServiceResponse<BoxBody>, Error = actix_web::Error> + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Transform = AuthorizeMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(AuthorizeMiddleware { service: Rc::new(service), rules: self.rules.clone() }))
    }
}

pub struct AuthorizeMiddleware<S> {
    service: Rc<S>,
    rules: Rc<Vec<(Method, Access)>>,
}

/// The credential a request carries.
enum Credential {
    Bearer(String),
    Cookie(String),
    None,
}

fn credential(req: &ServiceRequest, cookie_name: &str) -> Credential {
    if let Some(v) = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        if let Some(t) = v.strip_prefix("Bearer ") {
            return Credential::Bearer(t.trim().to_string());
        }
    }
    match req.cookie(cookie_name) {
        Some(c) if !c.value().is_empty() => Credential::Cookie(c.value().to_string()),
        _ => Credential::None,
    }
}

fn is_safe(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn refuse(req: ServiceRequest, e: ApiError) -> ServiceResponse<BoxBody> {
    req.into_response(e.error_response())
}

impl<S> Service<ServiceRequest> for AuthorizeMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<BoxBody>, Error = actix_web::Error> + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = self.service.clone();
        let access = self.rules.iter().find(|(m, _)| *m == req.method()).map(|(_, a)| *a);
        Box::pin(async move {
            // A method this path does not have: let the resource answer 405.
            let Some(access) = access else {
                return service.call(req).await;
            };

            // A browser never sends a cross-site state change here on purpose (CSRF, login CSRF).
            let cross_site = req.headers().get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site");
            if cross_site && !is_safe(req.method()) {
                return Ok(refuse(
                    req,
                    ApiError::new(StatusCode::FORBIDDEN, "csrf_failed", "cross-site request refused"),
                ));
            }
            if access == Access::Public {
                return service.call(req).await;
            }

            let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
                return Ok(refuse(req, ApiError::internal()));
            };
            let meta = req.extensions().get::<Meta>().cloned().unwrap_or_default();
            let cred = credential(&req, state.cookie_name());
            let resolved = {
                let state = state.clone();
                let meta = meta.clone();
                web::block(move || -> Result<Option<Principal>, AppError> {
                    let mut conn = state.pool.get().map_err(|e| AppError::Store(e.into()))?;
                    match cred {
                        Credential::Bearer(t) => auth::resolve_token(&mut conn, &state.env, &t),
                        Credential::Cookie(t) => auth::resolve_session(&mut conn, &state.env, &meta, &t),
                        Credential::None => Ok(None),
                    }
                })
                .await
            };
            let principal = match resolved {
                Ok(Ok(Some(p))) => p,
                Ok(Ok(None)) => return Ok(refuse(req, ApiError::unauthenticated())),
                Ok(Err(e)) => return Ok(refuse(req, e.into())),
                Err(_) => return Ok(refuse(req, ApiError::internal())),
            };

            if let Via::Session { csrf_token, .. } = &principal.via {
                if !is_safe(req.method()) {
                    let sent = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
                    if !siyu_app::secrets::same(sent, csrf_token) {
                        return Ok(refuse(
                            req,
                            ApiError::new(StatusCode::FORBIDDEN, "csrf_failed", "missing or wrong X-CSRF-Token header"),
                        ));
                    }
                }
            }

            let stage = principal.stage();
            let stage_ok = match access {
                Access::Stages(allowed) => allowed.contains(&stage),
                _ => stage == Stage::Full,
            };
            if !stage_ok {
                let e = match stage {
                    Stage::PasswordChange => {
                        ApiError::new(StatusCode::FORBIDDEN, "password_change_required", "change your password first")
                    }
                    Stage::TotpEnroll | Stage::Totp => ApiError::new(
                        StatusCode::FORBIDDEN,
                        "second_factor_required",
                        "complete the second factor first",
                    ),
                    Stage::Full => ApiError::forbidden("this step is already complete"),
                };
                return Ok(refuse(req, e));
            }

            if let Access::Perm(perm) = access {
                if !principal.can(perm) {
                    let route = req.match_pattern().unwrap_or_default();
                    let ctx = Ctx { state: state.clone(), meta: meta.clone(), principal: Some(principal.clone()) };
                    let method = req.method().to_string();
                    let audited = ctx
                        .run(move |c, env, meta, p| {
                            let p = p.ok_or(AppError::NotFound)?;
                            let ev =
                                AuditEvent::failure("authz.denied", "route", format!("{method} {route}"), "forbidden")
                                    .with_detail(serde_json::json!({"permission": perm.code()}));
                            let now = env.now();
                            siyu_store::tx::write_tx(c, |c| audit::append(c, &p.audit(meta), &ev, now))?;
                            Ok(())
                        })
                        .await;
                    if let Err(e) = audited {
                        // Fail closed: if the refusal cannot be recorded, the answer is still a refusal.
                        tracing::error!(error = %e, "could not audit a refusal");
                    }
                    return Ok(refuse(req, ApiError::forbidden(format!("this needs the permission {perm}"))));
                }
            }

            req.extensions_mut().insert(principal);
            service.call(req).await
        })
    }
}
