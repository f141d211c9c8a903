//! API tokens for machine clients.

use crate::harness::{TestApp, PASSWORD};
use chrono::Duration;
use serde_json::json;
use siyu_domain::access::Role;

#[test]
fn tokens_are_shown_once_and_act_as_their_owner() {
    let app = TestApp::start();
    let org = app.org();
    app.user("bm.zhou", &org.branch_a, &[Role::BranchManager]);
    let mut c = app.login("bm.zhou", PASSWORD);
    let r = c.post("/api/v1/tokens", json!({"name": "crm-sync", "days": 30}));
    assert_eq!(r.status, 201);
    let token = r.json()["token"].as_str().unwrap().to_string();
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert!(token.starts_with("siyu_"));
    let list = c.get("/api/v1/tokens");
    assert!(!list.body.contains(&token), "the token is never shown again");
    assert_eq!(list.json()["items"][0]["name"], "crm-sync");

    let mut m = app.client();
    m.bearer = Some(token.clone());
    assert_eq!(m.get("/api/v1/me").json()["username"], "bm.zhou");
    assert_eq!(m.get("/api/v1/staff").status, 200, "the owner's permissions");
    assert_eq!(m.get("/api/v1/audit").status, 403, "and no more");
    assert_eq!(m.post("/api/v1/tokens", json!({"name": "no-csrf-needed"})).status, 201);

    assert_eq!(c.delete(&format!("/api/v1/tokens/{id}")).status, 204);
    assert_eq!(m.get("/api/v1/me").status, 401);
    assert_eq!(app.audit_count("token.create"), 2);
    assert_eq!(app.audit_count("token.revoke"), 1);
}

#[test]
fn tokens_expire() {
    let app = TestApp::start();
    let org = app.org();
    let id = app.user("rm.wang", &org.outlet_a1, &[Role::Rm]);
    let mut m = app.bearer(&id);
    assert_eq!(m.get("/api/v1/me").status, 200);
    app.advance(Duration::days(31));
    assert_eq!(m.get("/api/v1/me").status, 401);
    m.bearer = Some("siyu_forged".into());
    assert_eq!(m.get("/api/v1/me").status, 401);
}

#[test]
fn a_token_cannot_be_revoked_by_someone_else() {
    let app = TestApp::start();
    let org = app.org();
    let a = app.user("rm.a", &org.outlet_a1, &[Role::Rm]);
    let b = app.user("rm.b", &org.outlet_a1, &[Role::Rm]);
    let mut ca = app.bearer(&a);
    let r = ca.post("/api/v1/tokens", json!({"name": "mine"}));
    let id = r.json()["id"].as_str().unwrap().to_string();
    let mut cb = app.bearer(&b);
    assert_eq!(cb.delete(&format!("/api/v1/tokens/{id}")).status, 404);
}
