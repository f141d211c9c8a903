//! Bad input gets a clear 4xx JSON error and changes nothing.

use crate::harness::TestApp;
use serde_json::json;
use siyu_domain::access::Role;

#[test]
fn bad_bodies_are_refused_and_change_nothing() {
    let app = TestApp::start_with(|s| s.server.body_limit_bytes = 4096);
    let org = app.org();
    let admin = app.user("sys.admin", &org.hq, &[Role::SystemAdmin]);
    let mut c = app.bearer(&admin);
    let staff_before = c.get("/api/v1/staff").json()["total"].as_i64().unwrap();
    let audit_before = app.audit_total();
    let path = "/api/v1/staff";
    let valid = json!({"employee_no": "E1", "name": "张三", "node_id": org.outlet_a1});
    let cases: Vec<(&str, Vec<u8>, &str, u16, &str)> = vec![
        ("malformed JSON", b"{\"employee_no\": ".to_vec(), "application/json", 400, "invalid_body"),
        (
            "wrong type",
            json!({"employee_no": 7, "name": "张三", "node_id": org.outlet_a1}).to_string().into_bytes(),
            "application/json",
            400,
            "invalid_body",
        ),
        (
            "unknown field",
            json!({"employee_no": "E1", "name": "张三", "node_id": org.outlet_a1, "salary": 1})
                .to_string()
                .into_bytes(),
            "application/json",
            400,
            "invalid_body",
        ),
        (
            "missing field",
            json!({"employee_no": "E1"}).to_string().into_bytes(),
            "application/json",
            400,
            "invalid_body",
        ),
        (
            "overlong string",
            json!({"employee_no": "E1", "name": "张".repeat(65), "node_id": org.outlet_a1}).to_string().into_bytes(),
            "application/json",
            400,
            "validation_failed",
        ),
        (
            "control characters",
            json!({"employee_no": "E1", "name": "a\u{0007}b", "node_id": org.outlet_a1}).to_string().into_bytes(),
            "application/json",
            400,
            "validation_failed",
        ),
        (
            "bad code",
            json!({"employee_no": "E 1;drop", "name": "张三", "node_id": org.outlet_a1}).to_string().into_bytes(),
            "application/json",
            400,
            "validation_failed",
        ),
        (
            "oversized body",
            format!("{{\"employee_no\":\"E1\",\"name\":\"{}\",\"node_id\":\"x\"}}", "x".repeat(5000)).into_bytes(),
            "application/json",
            413,
            "payload_too_large",
        ),
        (
            "invalid UTF-8",
            b"{\"employee_no\":\"E1\",\"name\":\"\xff\xfe\",\"node_id\":\"x\"}".to_vec(),
            "application/json",
            400,
            "invalid_body",
        ),
        ("not JSON", valid.to_string().into_bytes(), "text/plain", 415, "unsupported_media_type"),
    ];
    for (what, body, ct, status, code) in cases {
        let r = c.raw("POST", path, Some((ct, body)));
        assert_eq!(r.status, status, "{what}: {}", r.body);
        assert_eq!(r.code(), code, "{what}: {}", r.body);
        assert!(r.json()["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}");
        assert!(r.json()["error"]["request_id"].as_str().is_some(), "{what}: the error names its request");
        assert!(r.header("content-type").unwrap().starts_with("application/json"), "{what}");
    }
    assert_eq!(c.get("/api/v1/staff").json()["total"].as_i64().unwrap(), staff_before, "nothing was written");
    assert_eq!(app.audit_total(), audit_before);
    assert_eq!(c.post(path, valid).status, 201, "the valid body still works");
}

#[test]
fn conflicts_and_bad_queries() {
    let app = TestApp::start();
    let org = app.org();
    let admin = app.user("sys.admin", &org.hq, &[Role::SystemAdmin]);
    let mut c = app.bearer(&admin);
    let body = json!({"employee_no": "E1", "name": "张三", "node_id": org.outlet_a1});
    assert_eq!(c.post("/api/v1/staff", body.clone()).status, 201);
    let r = c.post("/api/v1/staff", body);
    assert_eq!((r.status, r.code().as_str()), (409, "conflict"));
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("employee_no"));
    assert!(
        !r.body.to_lowercase().contains("constraint") && !r.body.contains("INSERT"),
        "no SQL in errors: {}",
        r.body
    );
    assert_eq!(c.get("/api/v1/staff?sort=salary").status, 400);
    assert_eq!(c.get("/api/v1/staff?page=abc").code(), "invalid_query");
    assert_eq!(c.get("/api/v1/staff?unknown=1").status, 400);
    let r = c.post(
        "/api/v1/staff",
        json!({"employee_no": "E2", "name": "王五", "node_id": org.outlet_a1, "username": "admin"}),
    );
    assert_eq!(r.code(), "validation_failed", "reserved user names are refused");
}

#[test]
fn unknown_routes_and_methods_answer_json() {
    let app = TestApp::start();
    let mut c = app.client();
    let r = c.get("/api/v1/no-such-thing");
    assert_eq!((r.status, r.code().as_str()), (404, "not_found"));
    let r = c.send("PUT", "/api/v1/auth/login", Some(json!({})));
    assert_eq!((r.status, r.code().as_str()), (405, "method_not_allowed"));
    let r = c.send("POST", "/some/console/route", Some(json!({})));
    assert_eq!((r.status, r.code().as_str()), (405, "method_not_allowed"), "the console only answers GET");
}

#[test]
fn errors_speak_the_clients_language() {
    let app = TestApp::start();
    let org = app.org();
    let admin = app.user("sys.admin", &org.hq, &[Role::SystemAdmin]);
    let other = app.user("sec.li", &org.hq, &[Role::SecurityAdmin]);
    let mut zh = app.client();
    zh.extra.push(("Accept-Language".into(), "zh-CN,zh;q=0.9,en;q=0.8".into()));
    let r = zh.post("/api/v1/auth/login", json!({"username": "nobody.here", "password": "x"}));
    assert_eq!(r.json()["error"]["message"], "用户名或密码错误");
    assert_eq!(r.code(), "invalid_credentials", "codes never change");
    let mut en = app.client();
    let r = en.post("/api/v1/auth/login", json!({"username": "nobody.here", "password": "x"}));
    assert_eq!(r.json()["error"]["message"], "wrong user name or password");
    let mut c = app.bearer(&admin);
    c.extra.push(("Accept-Language".into(), "zh-CN".into()));
    let r = c.post(&format!("/api/v1/staff/{other}/roles"), json!({"role": "auditor"}));
    assert_eq!(r.json()["error"]["message"], "职责分离：安全管理员与审计管理员不能由同一人担任");
    assert_eq!(c.get("/api/v1/no-such-thing").json()["error"]["message"], "未找到");
}
