//! The request context handlers receive: state, request facts and the principal the authorization middleware
//! resolved. `Ctx::run` executes a use case on the blocking pool (diesel is synchronous and must never run on
//! actix's async workers) and audits scope refusals in one place.

use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{dev::Payload, web, FromRequest, HttpMessage, HttpRequest};
use siyu_app::{AppError, Env, Meta, Principal};
use siyu_store::audit::{self, AuditEvent};
use siyu_store::DbConn;
use std::future::{ready, Ready};

#[derive(Clone)]
pub struct Ctx {
    pub state: web::Data<AppState>,
    pub meta: Meta,
    pub principal: Option<Principal>,
}

impl FromRequest for Ctx {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = match req.app_data::<web::Data<AppState>>() {
            Some(s) => s.clone(),
            None => return ready(Err(ApiError::internal().into())),
        };
        let meta = req.extensions().get::<Meta>().cloned().unwrap_or_else(|| crate::middleware::observe::meta_of(req));
        let principal = req.extensions().get::<Principal>().cloned();
        ready(Ok(Ctx { state, meta, principal }))
    }
}

impl Ctx {
    pub fn principal(&self) -> Result<&Principal, ApiError> {
        self.principal.as_ref().ok_or_else(ApiError::unauthenticated)
    }

    /// Runs `f` with a pooled connection on the blocking pool.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn, &Env, &Meta, Option<&Principal>) -> Result<T, AppError> + Send + 'static,
    {
        let state = self.state.clone();
        let meta = self.meta.clone();
        let principal = self.principal.clone();
        let out = web::block(move || -> Result<T, AppError> {
            let mut conn = state.pool.get().map_err(|e| AppError::Store(e.into()))?;
            let result = f(&mut conn, &state.env, &meta, principal.as_ref());
            let ctx = principal.as_ref().map(|p| p.audit(&meta)).unwrap_or_default();
            let event = match &result {
                // Refused like a missing object, but recorded: someone reached for data outside their scope.
                Err(AppError::OutOfScope { target_type, target_id }) if principal.is_some() => {
                    Some(AuditEvent::failure("authz.out_of_scope", target_type, target_id, "not_found"))
                }
                // A sealed value that does not open was changed or moved: always recorded.
                Err(AppError::Integrity(what)) => Some(
                    AuditEvent::failure("vault.integrity_failure", "sealed_value", "", "integrity")
                        .with_detail(serde_json::json!({"where": what})),
                ),
                _ => None,
            };
            if let Some(event) = event {
                let now = state.env.now();
                siyu_store::tx::write_tx(&mut conn, |c| audit::append(c, &ctx, &event, now))?;
            }
            result
        })
        .await
        .map_err(|_| ApiError::internal())?;
        out.map_err(ApiError::from)
    }

    /// Like `run`, for use cases that need the principal.
    pub async fn with_principal<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn, &Env, &Meta, &Principal) -> Result<T, AppError> + Send + 'static,
    {
        self.principal()?;
        self.run(move |c, e, m, p| f(c, e, m, p.ok_or(AppError::NotFound)?)).await
    }
}
