//! Session lifetime and CSRF.

use crate::harness::{TestApp, PASSWORD};
use chrono::Duration;
use serde_json::json;
use siyu_domain::access::Role;

#[test]
fn idle_sessions_expire_after_thirty_minutes() {
    let app = TestApp::start();
    let org = app.org();
    app.user("rm.wang", &org.outlet_a1, &[Role::Rm]);
    let mut c = app.login("rm.wang", PASSWORD);
    app.advance(Duration::minutes(29));
    assert_eq!(c.get("/api/v1/me").status, 200, "activity keeps it alive");
    app.advance(Duration::minutes(29));
    assert_eq!(c.get("/api/v1/me").status, 200);
    app.advance(Duration::minutes(30));
    let r = c.get("/api/v1/me");
    assert_eq!((r.status, r.code().as_str()), (401, "unauthenticated"));
    app.advance(Duration::minutes(-60));
    assert_eq!(c.get("/api/v1/me").status, 401, "an expired session cannot be resumed");
    assert_eq!(app.audit_count("auth.session_expired"), 1);
}

#[test]
fn admin_sessions_idle_out_sooner() {
    let app = TestApp::start();
    let org = app.org();
    app.user("sec.li", &org.hq, &[Role::SecurityAdmin]);
    let mut c = app.login("sec.li", PASSWORD);
    app.advance(Duration::minutes(14));
    assert_eq!(c.get("/api/v1/me").status, 200);
    app.advance(Duration::minutes(15));
    assert_eq!(c.get("/api/v1/me").status, 401);
}

#[test]
fn sessions_end_after_twelve_hours_however_active() {
    let app = TestApp::start();
    let org = app.org();
    app.user("rm.wang", &org.outlet_a1, &[Role::Rm]);
    let mut c = app.login("rm.wang", PASSWORD);
    for _ in 0..71 {
        app.advance(Duration::minutes(10));
        assert_eq!(c.get("/api/v1/me").status, 200);
    }
    app.advance(Duration::minutes(10));
    assert_eq!(c.get("/api/v1/me").status, 401);
}

#[test]
fn state_changes_need_the_csrf_token() {
    let app = TestApp::start();
    let org = app.org();
    app.user("rm.wang", &org.outlet_a1, &[Role::Rm]);
    let mut c = app.login("rm.wang", PASSWORD);
    let token = c.csrf.take();
    let r = c.post("/api/v1/tokens", json!({"name": "x"}));
    assert_eq!((r.status, r.code().as_str()), (403, "csrf_failed"));
    c.csrf = Some("wrong".into());
    assert_eq!(c.post("/api/v1/tokens", json!({"name": "x"})).code(), "csrf_failed");
    c.csrf = token;
    c.extra.push(("Sec-Fetch-Site".into(), "cross-site".into()));
    assert_eq!(c.post("/api/v1/tokens", json!({"name": "x"})).code(), "csrf_failed");
    c.extra.clear();
    assert_eq!(c.post("/api/v1/tokens", json!({"name": "x"})).status, 201);
    // A cross-site login attempt is refused too (login CSRF).
    let mut other = app.client();
    other.extra.push(("Sec-Fetch-Site".into(), "cross-site".into()));
    assert_eq!(other.post("/api/v1/auth/login", json!({"username": "rm.wang", "password": PASSWORD})).status, 403);
}

#[test]
fn logout_and_logout_everywhere() {
    let app = TestApp::start();
    let org = app.org();
    app.user("rm.wang", &org.outlet_a1, &[Role::Rm]);
    let mut a = app.login("rm.wang", PASSWORD);
    let mut b = app.login("rm.wang", PASSWORD);
    let stolen = a.clone();
    assert_eq!(a.get("/api/v1/auth/sessions").json()["items"].as_array().unwrap().len(), 2);
    assert_eq!(a.post("/api/v1/auth/logout", json!(null)).status, 204);
    assert_eq!(stolen.clone().get("/api/v1/me").status, 401, "the cookie is dead server-side");
    assert_eq!(b.get("/api/v1/me").status, 200);
    let mut c = app.login("rm.wang", PASSWORD);
    assert_eq!(c.post("/api/v1/auth/logout-all", json!(null)).status, 204);
    assert_eq!(b.get("/api/v1/me").status, 401);
    assert_eq!(app.audit_count("auth.logout"), 1);
    assert_eq!(app.audit_count("auth.logout_all"), 1);
}

#[test]
fn suspending_or_changing_roles_ends_sessions_at_once() {
    let app = TestApp::start();
    let org = app.org();
    let admin = app.user("sys.admin", &org.hq, &[Role::SystemAdmin]);
    let rm = app.user("rm.wang", &org.outlet_a1, &[Role::Rm]);
    let mut admin_c = app.bearer(&admin);
    let mut rm_c = app.login("rm.wang", PASSWORD);
    assert_eq!(admin_c.post(&format!("/api/v1/staff/{rm}/roles"), json!({"role": "branch_manager"})).status, 200);
    assert_eq!(rm_c.get("/api/v1/me").status, 401, "a privilege change ends the old sessions");
    let mut rm_c = app.login("rm.wang", PASSWORD);
    assert!(rm_c.get("/api/v1/me").json()["roles"].as_array().unwrap().contains(&json!("branch_manager")));
    assert_eq!(admin_c.post(&format!("/api/v1/staff/{rm}/suspend"), json!(null)).status, 200);
    assert_eq!(rm_c.get("/api/v1/me").status, 401);
    let mut again = app.client();
    assert_eq!(again.post("/api/v1/auth/login", json!({"username": "rm.wang", "password": PASSWORD})).status, 401);
}
