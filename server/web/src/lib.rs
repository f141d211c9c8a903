//! siyu web: the HTTP surface. Thin by design: every route is declared in `routes`, authorized in
//! `middleware::authz`, and served by a handler that calls one use case of `siyu-app` on the blocking pool.

pub mod ctx;
pub mod error;
pub mod handlers;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod routes;
pub mod state;
pub mod tls;
pub mod ui;

use actix_web::middleware::DefaultHeaders;
use actix_web::{web, HttpServer};
pub use state::AppState;

/// The security headers every response carries. The console needs nothing from outside siyu.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
                       font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
                       frame-ancestors 'none'; form-action 'self'";

pub fn security_headers(tls: bool) -> DefaultHeaders {
    let h = DefaultHeaders::new()
        .add(("Content-Security-Policy", CSP))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add(("Permissions-Policy", "camera=(), microphone=(), geolocation=()"));
    if tls {
        h.add(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    } else {
        h
    }
}

/// Everything mounted on an actix `App`: extractor limits, the routes, the console. Used by `serve` and by the
/// tests, so both run exactly the same application.
pub fn configure(state: web::Data<AppState>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg: &mut web::ServiceConfig| {
        let limit = state.env.settings.server.body_limit_bytes;
        cfg.app_data(state)
            .app_data(web::JsonConfig::default().limit(limit).error_handler(error::json_error))
            .app_data(web::PayloadConfig::new(limit))
            .app_data(web::QueryConfig::default().error_handler(error::query_error))
            .app_data(web::PathConfig::default().error_handler(error::path_error))
            .configure(routes::configure)
            .default_service(web::to(ui::serve));
    }
}

/// Builds the application as `serve` runs it (used by the tests too).
#[macro_export]
macro_rules! app {
    ($state:expr) => {{
        let state: actix_web::web::Data<$crate::AppState> = $state;
        let tls = state.tls();
        actix_web::App::new()
            .wrap($crate::middleware::observe::Observe)
            .wrap($crate::security_headers(tls))
            .wrap(actix_web::middleware::Compress::default())
            .configure($crate::configure(state))
    }};
}

/// Runs the HTTP server until it is stopped.
pub async fn serve(state: web::Data<AppState>) -> std::io::Result<()> {
    let settings = state.env.settings.clone();
    let workers = match settings.server.workers {
        0 => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
        n => n,
    };
    let factory = {
        let state = state.clone();
        move || app!(state.clone())
    };
    let server = HttpServer::new(factory).workers(workers).shutdown_timeout(20);
    let server = match (&settings.server.tls.cert_file, &settings.server.tls.key_file) {
        (Some(c), Some(k)) => {
            let cfg = tls::server_config(c, k).map_err(std::io::Error::other)?;
            server.bind_rustls_0_23(&settings.server.bind, cfg)?
        }
        _ => server.bind(&settings.server.bind)?,
    };
    tracing::info!(bind = %settings.server.bind, tls = settings.server.tls.enabled(), "siyu is listening");
    server.run().await
}
