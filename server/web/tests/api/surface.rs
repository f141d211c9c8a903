//! The HTTP surface: health, readiness, metrics, OpenAPI, headers, logs.

use crate::harness::{logs, TestApp, PASSWORD};
use serde_json::json;
use siyu_domain::access::Role;

#[test]
fn health_readiness_and_metrics() {
    let app = TestApp::start();
    let mut c = app.client();
    assert_eq!(c.get("/healthz").status, 200);
    assert_eq!(c.get("/readyz").json()["status"], "ready");
    c.get("/api/v1/me");
    let m = c.get("/metrics");
    assert_eq!(m.status, 200);
    assert!(
        m.body.contains("siyu_http_requests_total{method=\"GET\",route=\"/api/v1/me\",status=\"401\"}"),
        "{}",
        m.body
    );
    assert!(m.body.contains("siyu_http_request_duration_seconds_bucket"));
    assert!(m.body.contains("siyu_db_pool_max 4"));
}

#[test]
fn readiness_fails_without_the_database() {
    let app = TestApp::start_with(|_| {});
    // Point a second app at a database with no migrations.
    let empty = siyu_store::testing::empty();
    let pool = siyu_store::conn::pool(&empty.url, 2, std::time::Duration::from_secs(5)).unwrap();
    let status = siyu_store::migrate::status(&mut pool.get().unwrap()).unwrap();
    assert!(status.pending > 0);
    drop(app);
}

#[test]
fn every_response_carries_the_security_headers() {
    let app = TestApp::start();
    let mut c = app.client();
    for path in ["/healthz", "/api/v1/me", "/api/openapi.json", "/", "/staff"] {
        let r = c.get(path);
        let csp = r.header("content-security-policy").unwrap_or_default();
        for d in ["default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"] {
            assert!(csp.contains(d), "{path}: {csp}");
        }
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "{path}");
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{path}");
        assert!(r.header("x-request-id").is_some_and(|v| v.len() >= 16), "{path}");
        assert!(r.header("strict-transport-security").is_none(), "{path}: HSTS only under TLS");
    }
    assert_eq!(c.get("/api/v1/me").header("cache-control"), Some("no-store"));
    let mut with_id = app.client();
    with_id.extra.push(("X-Request-Id".into(), "trace-abc-123".into()));
    assert_eq!(with_id.get("/healthz").header("x-request-id"), Some("trace-abc-123"));
    let mut forged = app.client();
    forged.extra.push(("X-Request-Id".into(), "bad id\tinjected".into()));
    assert_ne!(forged.get("/healthz").header("x-request-id"), Some("bad id\tinjected"));
}

#[test]
fn the_console_is_served_for_client_routes() {
    let app = TestApp::start();
    let mut c = app.client();
    let r = c.get("/org");
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.body.contains("siyu"));
    assert_eq!(c.get("/assets/missing-file.js").status, 404);
}

#[test]
fn openapi_describes_every_route() {
    let app = TestApp::start();
    let doc = app.client().get("/api/openapi.json").json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for r in siyu_web::routes::table() {
        let op = &doc["paths"][r.path][r.method.as_str().to_lowercase()];
        assert!(op.is_object(), "{} {} missing from the document", r.method, r.path);
        assert!(op["responses"]["500"].is_object(), "{} {}: errors documented", r.method, r.path);
        if r.access != siyu_web::routes::Access::Public {
            assert!(op["security"].is_array(), "{} {}: auth documented", r.method, r.path);
            assert!(
                op["responses"]["401"].is_object() && op["responses"]["403"].is_object(),
                "{} {}",
                r.method,
                r.path
            );
        }
        if let Some(body) = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str() {
            let name = body.rsplit('/').next().unwrap();
            assert!(doc["components"]["schemas"][name].is_object(), "{name} is defined");
        }
    }
    assert!(doc["components"]["securitySchemes"]["session"].is_object());
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
}

#[test]
fn secrets_never_reach_the_logs() {
    let app = TestApp::start();
    let org = app.org();
    app.user("sec.li", &org.hq, &[Role::SecurityAdmin]);
    let id = app.user("rm.wang", &org.outlet_a1, &[Role::Rm]);
    let mut c = app.login("sec.li", PASSWORD);
    let token = app.token_for(&id);
    let mut m = app.client();
    m.bearer = Some(token.clone());
    m.get("/api/v1/me?mobile=13800138000");
    let mut bad = app.client();
    bad.post("/api/v1/auth/login", json!({"username": "rm.wang", "password": "Very-Secret-Wrong-9"}));
    let session = c.cookie.clone().unwrap();
    let session_value = session.split_once('=').unwrap().1.to_string();
    let csrf = c.csrf.clone().unwrap();
    c.get("/api/v1/me");
    let text = logs();
    assert!(text.contains("handled"), "requests are logged");
    for secret in
        [PASSWORD, "Very-Secret-Wrong-9", crate::harness::NEW_PASSWORD, &token, &session_value, &csrf, "13800138000"]
    {
        if let Some(i) = text.find(secret) {
            let start = text[..i].rfind('\n').map(|j| j + 1).unwrap_or(0);
            let end = text[i..].find('\n').map(|j| i + j).unwrap_or(text.len());
            let line = text[start..end].replace(secret, "<SECRET>");
            panic!("a secret reached the logs: {line}");
        }
    }
}
