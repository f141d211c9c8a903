//! The audit chain through the API: records for each state change, reading and filtering, verification,
//! tampering detected.

use crate::harness::{TestApp, PASSWORD};
use diesel::prelude::*;
use serde_json::json;
use siyu_domain::access::Role;

#[test]
fn each_state_change_writes_one_record() {
    let app = TestApp::start();
    let org = app.org();
    let admin = app.user("sys.admin", &org.hq, &[Role::SystemAdmin]);
    let mut c = app.bearer(&admin);
    let before = app.audit_total();
    let creations = [
        (
            "org.create",
            "/api/v1/org/nodes",
            json!({"parent_id": org.branch_a, "code": "T1", "name": "一队", "kind": "team"}),
        ),
        (
            "staff.create",
            "/api/v1/staff",
            json!({"employee_no": "E9", "name": "李四", "node_id": org.outlet_a1, "username": "li.si"}),
        ),
    ];
    for (action, path, body) in creations {
        let n = app.audit_count(action);
        let r = c.post(path, body);
        assert_eq!(r.status, 201, "{action}: {}", r.body);
        assert_eq!(app.audit_count(action), n + 1, "{action}");
    }
    let staff = c.get("/api/v1/staff?q=li.si").json()["items"][0]["id"].as_str().unwrap().to_string();
    let node =
        c.get("/api/v1/org/nodes").json()["items"].as_array().unwrap().iter().find(|n| n["code"] == "T1").unwrap()
            ["id"]
            .as_str()
            .unwrap()
            .to_string();
    let actions = [
        ("org.rename", "PATCH", format!("/api/v1/org/nodes/{node}"), json!({"name": "二队"})),
        ("org.move", "POST", format!("/api/v1/org/nodes/{node}/move"), json!({"new_parent_id": org.branch_b})),
        ("staff.update", "PATCH", format!("/api/v1/staff/{staff}"), json!({"name": "李四四"})),
        ("staff.move", "POST", format!("/api/v1/staff/{staff}/move"), json!({"node_id": org.outlet_b1})),
        ("role.grant", "POST", format!("/api/v1/staff/{staff}/roles"), json!({"role": "rm"})),
        ("role.revoke", "DELETE", format!("/api/v1/staff/{staff}/roles/rm"), json!(null)),
        ("staff.suspend", "POST", format!("/api/v1/staff/{staff}/suspend"), json!(null)),
        ("staff.reactivate", "POST", format!("/api/v1/staff/{staff}/reactivate"), json!(null)),
        ("staff.resign", "POST", format!("/api/v1/staff/{staff}/resign"), json!(null)),
    ];
    for (action, method, path, body) in actions {
        let n = app.audit_count(action);
        let r = c.send(method, &path, if body.is_null() { None } else { Some(body) });
        assert!(r.status < 300, "{action}: {}", r.body);
        assert_eq!(app.audit_count(action), n + 1, "{action}");
    }
    assert_eq!(app.audit_total(), before + 11);
    // Histories were kept.
    let h = c.get(&format!("/api/v1/staff/{staff}/history")).json();
    let kinds: Vec<&str> = h["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["create", "move", "status", "status", "status"]);
    let h = c.get(&format!("/api/v1/org/nodes/{node}/history")).json();
    assert_eq!(h["items"].as_array().unwrap().len(), 3);
}

#[test]
fn auditors_read_filter_and_verify() {
    let app = TestApp::start();
    let org = app.org();
    app.user("rm.wang", &org.outlet_a1, &[Role::Rm]);
    app.user("aud.zhao", &org.hq, &[Role::Auditor]);
    let mut anon = app.client();
    anon.post("/api/v1/auth/login", json!({"username": "rm.wang", "password": "Wrong-password-1"}));
    let mut c = app.login("aud.zhao", PASSWORD);
    let r = c.get("/api/v1/audit?action=auth.login&outcome=failure");
    assert_eq!(r.status, 200);
    let items = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    let rec = &items[0];
    for field in [
        "seq",
        "event_id",
        "at",
        "actor_name",
        "action",
        "target_id",
        "outcome",
        "client_addr",
        "request_id",
        "prev_hash",
        "hash",
    ] {
        assert!(!rec[field].is_null(), "{field}");
    }
    assert_eq!(rec["error_code"], "wrong_password");
    assert_eq!(rec["client_addr"], "127.0.0.1");
    let family = c.get("/api/v1/audit?action=auth.&page_size=5").json();
    assert!(family["total"].as_i64().unwrap() >= 3);
    let one = c.get(&format!("/api/v1/audit/{}", rec["seq"])).json();
    assert_eq!(one["hash"], rec["hash"]);
    let v = c.post("/api/v1/audit/verify", json!(null));
    assert_eq!(v.json()["ok"], true, "{}", v.body);
    assert_eq!(app.audit_count("audit.verify"), 1);
    let stats = c.get("/api/v1/audit/stats?days=7").json();
    assert!(!stats["items"].as_array().unwrap().is_empty());
    assert_eq!(c.get("/api/v1/audit?outcome=maybe").status, 400);
    assert_eq!(c.get("/api/v1/audit/999999").status, 404);
}

#[test]
fn tampering_is_detected_and_named() {
    let app = TestApp::start();
    let org = app.org();
    let admin = app.user("sys.admin", &org.hq, &[Role::SystemAdmin]);
    let aud = app.user("aud.zhao", &org.hq, &[Role::Auditor]);
    let mut c = app.bearer(&admin);
    for i in 0..4 {
        c.post(
            "/api/v1/org/nodes",
            json!({"parent_id": org.branch_a, "code": format!("T{i}"), "name": "队", "kind": "team"}),
        );
    }
    // Someone with database access edits record 3 behind siyu's back (dropping the guard first).
    let mut conn = app.conn();
    let sql = match &*conn {
        siyu_store::DbConn::Sqlite(_) => "DROP TRIGGER audit_log_no_update",
        siyu_store::DbConn::Postgres(_) => "DROP TRIGGER audit_log_no_change ON audit_log",
    };
    diesel::sql_query(sql).execute(&mut *conn).unwrap();
    diesel::sql_query("UPDATE audit_log SET actor_name = 'mallory' WHERE seq = 3").execute(&mut *conn).unwrap();
    drop(conn);
    let mut a = app.bearer(&aud);
    let v = a.post("/api/v1/audit/verify", json!(null)).json();
    assert_eq!(v["ok"], false);
    assert_eq!(v["first_broken_seq"], 3);
    assert!(v["reason"].as_str().unwrap().contains("changed"));
}

#[test]
fn no_route_changes_or_deletes_audit_records() {
    for r in siyu_web::routes::table() {
        if r.path.starts_with("/api/v1/audit") {
            assert!(
                r.method == actix_web::http::Method::GET || r.path == "/api/v1/audit/verify",
                "{} {} would change the audit trail",
                r.method,
                r.path
            );
        }
    }
}
