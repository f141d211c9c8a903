//! The org tree and staff management.

use crate::harness::TestApp;
use serde_json::json;
use siyu_domain::access::Role;

#[test]
fn the_tree_moves_with_its_subtree() {
    let app = TestApp::start();
    let org = app.org();
    let admin = app.user("sys.admin", &org.hq, &[Role::SystemAdmin]);
    let mut c = app.bearer(&admin);
    let team = c.post(
        "/api/v1/org/nodes",
        json!({"parent_id": org.outlet_a1, "code": "TEAM1", "name": "财富一队", "kind": "team"}),
    );
    assert_eq!(team.status, 201);
    let team_id = team.json()["id"].as_str().unwrap().to_string();
    assert_eq!(team.json()["depth"], 3);
    let r = c.post(&format!("/api/v1/org/nodes/{}/move", org.branch_a), json!({"new_parent_id": team_id}));
    assert_eq!((r.status, r.code().as_str()), (409, "invalid_move"), "not under its own descendant");
    let r = c.post(&format!("/api/v1/org/nodes/{}/move", org.outlet_a1), json!({"new_parent_id": org.branch_b}));
    assert_eq!(r.status, 200);
    let nodes = c.get("/api/v1/org/nodes").json();
    let team = nodes["items"].as_array().unwrap().iter().find(|n| n["code"] == "TEAM1").unwrap().clone();
    assert!(team["path"].as_str().unwrap().contains(&org.branch_b), "the subtree moved along");
    assert_eq!(team["depth"], 3);
    let r = c.post(&format!("/api/v1/org/nodes/{}/move", org.hq), json!({"new_parent_id": org.branch_b}));
    assert_eq!(r.status, 409, "the root stays");
    let r =
        c.post("/api/v1/org/nodes", json!({"parent_id": org.hq, "code": "HQ2", "name": "x", "kind": "head_office"}));
    assert_eq!(r.status, 400);
    assert_eq!(
        c.post("/api/v1/org/nodes", json!({"parent_id": org.hq, "code": "BJ", "name": "x", "kind": "branch"})).status,
        409
    );
}

#[test]
fn staff_list_pages_sorts_and_filters_on_the_server() {
    let app = TestApp::start();
    let org = app.org();
    let admin = app.user("sys.admin", &org.hq, &[Role::SystemAdmin]);
    let mut c = app.bearer(&admin);
    for i in 0..25 {
        let node = if i % 2 == 0 { &org.outlet_a1 } else { &org.outlet_b1 };
        let r = c.post(
            "/api/v1/staff",
            json!({"employee_no": format!("E{i:03}"), "name": format!("员工{i:02}"), "node_id": node}),
        );
        assert_eq!(r.status, 201);
    }
    let p1 = c.get("/api/v1/staff?page=1&page_size=10&sort=employee_no&order=desc").json();
    assert_eq!(p1["total"], 26);
    assert_eq!(p1["items"].as_array().unwrap().len(), 10);
    assert_eq!(p1["items"][0]["employee_no"], "E024");
    let p3 = c.get("/api/v1/staff?page=3&page_size=10&sort=employee_no&order=desc").json();
    assert_eq!(p3["items"].as_array().unwrap().len(), 6);
    let a = c.get(&format!("/api/v1/staff?node_id={}&page_size=100", org.branch_a)).json();
    assert_eq!(a["total"], 13);
    let q = c.get("/api/v1/staff?q=%E5%91%98%E5%B7%A507").json();
    assert_eq!(q["total"], 1);
    assert_eq!(c.get("/api/v1/staff?q=%25").json()["total"], 0, "LIKE wildcards are literal");
    assert_eq!(c.get("/api/v1/staff?role=system_admin").json()["total"], 1);
    assert_eq!(c.get("/api/v1/staff?status=resigned").json()["total"], 0);
}

#[test]
fn creating_an_account_gives_a_one_time_password() {
    let app = TestApp::start();
    let org = app.org();
    let admin = app.user("sys.admin", &org.hq, &[Role::SystemAdmin]);
    let sec = app.user("sec.li", &org.hq, &[Role::SecurityAdmin]);
    let mut c = app.bearer(&admin);
    let r = c.post(
        "/api/v1/staff",
        json!({"employee_no": "E1", "name": "张三", "node_id": org.outlet_a1, "username": "zhang.san"}),
    );
    assert_eq!(r.status, 201);
    let id = r.json()["id"].as_str().unwrap().to_string();
    let otp = r.json()["initial_password"].as_str().unwrap().to_string();
    assert!(otp.chars().count() >= 12);
    assert!(!c.get(&format!("/api/v1/staff/{id}")).body.contains(&otp), "shown once");
    let mut u = app.client();
    let r = u.post("/api/v1/auth/login", json!({"username": "zhang.san", "password": otp}));
    assert_eq!(r.json()["stage"], "password_change");
    // The security admin resets it; the new one-time password must be changed too.
    let mut s = app.bearer(&sec);
    let r = s.post(&format!("/api/v1/staff/{id}/reset-password"), json!(null));
    let otp2 = r.json()["initial_password"].as_str().unwrap().to_string();
    let r = u.post("/api/v1/auth/login", json!({"username": "zhang.san", "password": otp2}));
    assert_eq!(r.json()["stage"], "password_change");
    assert_eq!(app.audit_count("account.reset_password"), 1);
}

#[test]
fn separation_of_duties_is_enforced() {
    let app = TestApp::start();
    let org = app.org();
    let admin = app.user("sys.admin", &org.hq, &[Role::SystemAdmin]);
    let other = app.user("sec.li", &org.hq, &[Role::SecurityAdmin]);
    let plain = app.user("rm.wang", &org.outlet_a1, &[Role::Rm]);
    let mut c = app.bearer(&admin);
    let r = c.post(&format!("/api/v1/staff/{other}/roles"), json!({"role": "auditor"}));
    assert_eq!((r.status, r.code().as_str()), (409, "separation_of_duties"));
    let r = c.post(&format!("/api/v1/staff/{admin}/roles"), json!({"role": "branch_manager"}));
    assert_eq!((r.status, r.code().as_str()), (403, "own_roles"), "nobody changes their own roles");
    assert_eq!(c.post(&format!("/api/v1/staff/{plain}/roles"), json!({"role": "auditor"})).status, 200);
    let r = c.post(&format!("/api/v1/staff/{plain}/roles"), json!({"role": "security_admin"}));
    assert_eq!(r.code(), "separation_of_duties");
    let roles = c.get("/api/v1/roles").json();
    let auditor = roles["items"].as_array().unwrap().iter().find(|r| r["code"] == "auditor").unwrap().clone();
    assert_eq!(auditor["admin_duty"], true);
    assert_eq!(auditor["permissions"], json!(["audit.read", "audit.verify"]));
}
