//! Assignment (管户) through the API: a rule's preview is exactly what applying it does; applying is audited and
//! leaves a history per customer; a branch manager assigns only within the branch; a resigning RM's customers
//! always find an owner; the CRM's changes of RM are in the history too.

use crate::harness::{Org, TestApp};
use serde_json::{json, Value};
use siyu_domain::access::Role;

/// Customers of outlet A1: `n` with AUM 100K (no RM), one with 1M (no RM), one with 100K owned by `rm`; and one
/// of outlet B1 with 100K (no RM). Returns the ids, A1's first, B1's last.
fn seed(app: &TestApp, n: usize, rm_employee_no: &str) -> Vec<String> {
    let hq = app.org_hq_operator();
    let mut c = app.bearer(&hq);
    let mut items: Vec<Value> = (0..n)
        .map(|i| json!({"customer_no": format!("A{i:03}"), "name": "张三", "aum_fen": 10_000_000, "outlet_code": "BJ01"}))
        .collect();
    items.push(json!({"customer_no": "RICH", "name": "李四", "aum_fen": 100_000_000, "outlet_code": "BJ01"}));
    items.push(json!({"customer_no": "OWNED", "name": "王五", "aum_fen": 10_000_000, "outlet_code": "BJ01",
                      "rm_employee_no": rm_employee_no}));
    items.push(json!({"customer_no": "B000", "name": "赵六", "aum_fen": 10_000_000, "outlet_code": "SH01"}));
    let r = c.post("/api/v1/customers/batch", json!({ "items": items }));
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(!r.body.contains("rejected"), "{}", r.body);
    r.json()["results"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap().to_string()).collect()
}

fn rm_of(app: &TestApp, hq: &str, id: &str) -> Value {
    app.bearer(hq).get(&format!("/api/v1/customers/{id}")).json()["rm_staff_id"].clone()
}

fn remote_team(app: &TestApp, org: &Org) -> (String, String) {
    (app.user("remote.one", &org.hq, &[Role::RemoteRm]), app.user("remote.two", &org.hq, &[Role::RemoteRm]))
}

#[test]
fn the_preview_is_exactly_what_applying_does_and_each_move_is_history() {
    let app = TestApp::start();
    let org = app.org();
    let rm = app.user("rm_a", &org.outlet_a1, &[Role::Rm]);
    let ids = seed(&app, 5, "E-rm_a");
    let (r1, r2) = remote_team(&app, &org);
    let hq = app.org_hq_operator();
    let mut c = app.bearer(&hq);
    // AUM 50K–500K with no active RM → the remote team.
    let rule = json!({"filter": {"aum_min_yuan": 50_000, "aum_max_yuan": 500_000, "current_rm": "no_active"},
                      "target": {"kind": "remote"}, "reason": "远程直营承接中端客户"});
    let p = c.post("/api/v1/assignments/preview", rule.clone());
    assert_eq!(p.status, 200, "{}", p.body);
    let p = p.json();
    // A1's five and B1's one; not the 1M customer, not the owned one.
    assert_eq!((p["matched"].as_u64(), p["moved"].as_u64(), p["unchanged"].as_u64()), (Some(6), Some(6), Some(0)));
    assert_eq!(p["per_target"][&r1].as_u64().unwrap() + p["per_target"][&r2].as_u64().unwrap(), 6);
    assert_eq!(p["per_target"][&r1], 3, "round-robin: {p}");
    // The preview changed nothing and wrote no audit record of an assignment.
    assert!(ids.iter().take(5).all(|id| rm_of(&app, &hq, id).is_null()));
    assert_eq!(app.audit_count("customer.assign"), 0);

    let a = c.post("/api/v1/assignments/apply", rule.clone());
    assert_eq!(a.status, 200, "{}", a.body);
    let a = a.json();
    for k in ["matched", "moved", "unchanged", "per_target"] {
        assert_eq!(a[k], p[k], "{k}: apply did what the preview said");
    }
    assert_eq!((a["batches"].as_u64(), a["skipped"].as_u64()), (Some(1), Some(0)));
    assert_eq!(app.audit_count("customer.assign"), 1);
    let owners: Vec<Value> = ids.iter().take(5).map(|id| rm_of(&app, &hq, id)).collect();
    assert!(owners.iter().all(|o| *o == json!(r1) || *o == json!(r2)), "{owners:?}");
    assert_eq!(rm_of(&app, &hq, &ids[5]), Value::Null, "the 1M customer is outside the band");
    assert_eq!(rm_of(&app, &hq, &ids[6]), json!(rm), "the owned customer stays");

    let h = c.get(&format!("/api/v1/customers/{}/assignments", ids[0])).json();
    let items = h["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{h}");
    assert_eq!(items[0]["action"], "rm");
    assert_eq!((items[0]["from"].clone(), items[0]["by"].clone()), (Value::Null, json!(hq)));
    assert_eq!(items[0]["reason"], "远程直营承接中端客户");
    assert!(items[0]["to"] == json!(r1) || items[0]["to"] == json!(r2));

    // Applied again, the rule finds them all with the team already: nothing moves.
    let again = c.post("/api/v1/assignments/preview", rule).json();
    assert_eq!((again["matched"].as_u64(), again["moved"].as_u64()), (Some(0), Some(0)), "{again}");

    // A bulk reassign of an explicit list to one RM, and a reason is required to apply.
    let list = json!({"filter": {"customer_ids": [ids[0], ids[1]]}, "target": {"kind": "rm", "staff_id": rm}});
    assert_eq!(c.post("/api/v1/assignments/preview", list.clone()).json()["moved"], 2);
    assert_eq!(c.post("/api/v1/assignments/apply", list.clone()).status, 400, "no reason");
    let mut with_reason = list;
    with_reason["reason"] = json!("客户要求回到网点");
    assert_eq!(c.post("/api/v1/assignments/apply", with_reason).json()["moved"], 2);
    assert_eq!(rm_of(&app, &hq, &ids[1]), json!(rm));
    assert_eq!(c.get(&format!("/api/v1/customers/{}/assignments", ids[1])).json()["items"][1]["to"], json!(rm));

    // A range that is not made of AUM bands is refused: the rule never reads amounts.
    let odd = json!({"filter": {"aum_min_yuan": 60_000}, "target": {"kind": "remote"}});
    assert_eq!(c.post("/api/v1/assignments/preview", odd).status, 400);
}

#[test]
fn a_team_gets_its_customers_round_robin() {
    let app = TestApp::start();
    let org = app.org();
    let a = app.user("rm_team_a", &org.outlet_a1, &[Role::Rm]);
    let b = app.user("rm_team_b", &org.outlet_a1, &[Role::Rm]);
    app.user("bm.not.an.rm", &org.outlet_a1, &[Role::BranchManager]);
    seed(&app, 4, "E-rm_team_a");
    let hq = app.org_hq_operator();
    let mut c = app.bearer(&hq);
    let rule = json!({"filter": {"node_id": org.outlet_a1},
                      "target": {"kind": "team", "node_id": org.outlet_a1}, "reason": "网点团队分配"});
    let p = c.post("/api/v1/assignments/apply", rule).json();
    // The four 100K and the 1M move; the one already with a team member stays; the branch manager gets none.
    assert_eq!((p["matched"].as_u64(), p["moved"].as_u64(), p["unchanged"].as_u64()), (Some(6), Some(5), Some(1)));
    let (na, nb) = (p["per_target"][&a].as_u64().unwrap(), p["per_target"][&b].as_u64().unwrap());
    assert_eq!(na + nb, 5, "{p}");
    assert!(na.abs_diff(nb) <= 1, "{p}");
}

#[test]
fn a_branch_manager_assigns_only_within_the_branch() {
    let app = TestApp::start();
    let org = app.org();
    let rm_b = app.user("rm_b", &org.outlet_b1, &[Role::Rm]);
    let rm_a = app.user("rm_a", &org.outlet_a1, &[Role::Rm]);
    let ids = seed(&app, 2, "E-rm_a");
    let b_customer = ids.last().unwrap().clone();
    let bm = app.user("bm.a", &org.branch_a, &[Role::BranchManager]);
    let mut c = app.bearer(&bm);
    let to_a = json!({"kind": "rm", "staff_id": rm_a});
    // Another branch's subtree, customer or RM is not found (and audited as out of scope).
    let before = app.audit_count("authz.out_of_scope");
    let r = c.post("/api/v1/assignments/preview", json!({"filter": {"node_id": org.branch_b}, "target": to_a}));
    assert_eq!(r.status, 404, "{}", r.body);
    let r = c.post(
        "/api/v1/assignments/apply",
        json!({"filter": {"customer_ids": [ids[0], b_customer]}, "target": to_a, "reason": "越权尝试"}),
    );
    assert_eq!(r.status, 404, "{}", r.body);
    let r = c.post("/api/v1/assignments/preview", json!({"target": {"kind": "rm", "staff_id": rm_b}}));
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(app.audit_count("authz.out_of_scope"), before + 3);
    // Within the scope: only the branch's own customers (two, the 1M one, the one rm.a has), never B1's.
    let r = c.post("/api/v1/assignments/apply", json!({"target": to_a, "reason": "分行统一分配"}));
    assert_eq!(r.status, 200, "{}", r.body);
    let o = r.json();
    assert_eq!((o["matched"].as_u64(), o["moved"].as_u64(), o["unchanged"].as_u64()), (Some(4), Some(3), Some(1)));
    let hq = app.org_hq_operator();
    assert_eq!(rm_of(&app, &hq, &b_customer), Value::Null);
    assert_eq!(rm_of(&app, &hq, &ids[0]), json!(rm_a));
    // An RM may not assign at all.
    assert_eq!(app.bearer(&rm_a).post("/api/v1/assignments/preview", json!({"target": to_a})).status, 403);
}

#[test]
fn a_resigning_rm_never_leaves_customers_without_an_owner() {
    let app = TestApp::start();
    let org = app.org();
    let rm = app.user("rm_leaving", &org.outlet_a1, &[Role::Rm]);
    let hq = app.org_hq_operator();
    let mut c = app.bearer(&hq);
    let r = c.post(
        "/api/v1/customers/batch",
        json!({"items": [
            {"customer_no": "L1", "name": "张三", "outlet_code": "BJ01", "rm_employee_no": "E-rm_leaving"},
            {"customer_no": "L2", "name": "李四", "outlet_code": "BJ01", "rm_employee_no": "E-rm_leaving"},
        ]}),
    );
    let ids: Vec<String> =
        r.json()["results"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap().to_string()).collect();
    let admin = app.user("sysadmin", &org.hq, &[Role::SystemAdmin]);
    let mut a = app.bearer(&admin);
    // Nobody to take them: refused, saying how many need an owner; the RM stays active.
    let r = a.post(&format!("/api/v1/staff/{rm}/resign"), json!({}));
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.code(), "customers_need_owner");
    assert!(r.body.contains("2 customers"), "{}", r.body);
    assert_eq!(a.get(&format!("/api/v1/staff/{rm}")).json()["status"], "active");
    // With a remote team, the resignation hands them over in the same transaction.
    let remote = app.user("remote.one", &org.hq, &[Role::RemoteRm]);
    let r = a.post(&format!("/api/v1/staff/{rm}/resign"), json!({}));
    assert_eq!(r.status, 200, "{}", r.body);
    for id in &ids {
        assert_eq!(rm_of(&app, &hq, id), json!(remote));
        let h = c.get(&format!("/api/v1/customers/{id}/assignments")).json();
        let last = h["items"].as_array().unwrap().last().unwrap().clone();
        assert_eq!((last["from"].clone(), last["to"].clone()), (json!(rm), json!(remote)));
        assert_eq!(last["reason"], "resignation of E-rm_leaving");
    }
    assert_eq!(app.audit_count("staff.resign"), 1);
}

#[test]
fn the_crm_batch_changes_of_rm_and_outlet_are_history() {
    let app = TestApp::start();
    let org = app.org();
    let rm = app.user("rm_a", &org.outlet_a1, &[Role::Rm]);
    let hq = app.org_hq_operator();
    let mut c = app.bearer(&hq);
    let put = |c: &mut crate::harness::Client, outlet: &str, rm: Option<&str>| {
        let r = c.post(
            "/api/v1/customers/batch",
            json!({"items": [{"customer_no": "H1", "name": "张三", "outlet_code": outlet, "rm_employee_no": rm}]}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()["results"][0]["id"].as_str().unwrap().to_string()
    };
    let id = put(&mut c, "BJ01", None);
    put(&mut c, "BJ01", None);
    assert_eq!(c.get(&format!("/api/v1/customers/{id}/assignments")).json()["items"], json!([]), "no change");
    put(&mut c, "BJ01", Some("E-rm_a"));
    put(&mut c, "SH01", Some("E-rm_a"));
    let h = c.get(&format!("/api/v1/customers/{id}/assignments")).json();
    let items = h["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{h}");
    assert_eq!((items[0]["action"].clone(), items[0]["to"].clone()), (json!("rm"), json!(rm)));
    assert_eq!((items[1]["action"].clone(), items[1]["to"].clone()), (json!("outlet"), json!(org.outlet_b1)));
    assert_eq!(items[1]["reason"], "crm batch");
    // Another outlet's RM does not read it.
    assert_eq!(app.bearer(&rm).get(&format!("/api/v1/customers/{id}/assignments")).status, 404);
}

#[test]
fn a_large_rule_is_applied_in_audited_batches_and_still_equals_its_preview() {
    let app = TestApp::start();
    let org = app.org();
    let hq = app.org_hq_operator();
    let mut c = app.bearer(&hq);
    let items: Vec<Value> = (0..600)
        .map(|i| json!({"customer_no": format!("L{i:04}"), "name": "张三", "aum_fen": 10_000_000, "outlet_code": "BJ01"}))
        .collect();
    assert_eq!(c.post("/api/v1/customers/batch", json!({ "items": items })).status, 200);
    let (r1, r2) = remote_team(&app, &org);
    let rule = json!({"filter": {"current_rm": "none"}, "target": {"kind": "remote"}, "reason": "批量承接"});
    let p = c.post("/api/v1/assignments/preview", rule.clone()).json();
    let a = c.post("/api/v1/assignments/apply", rule).json();
    for k in ["matched", "moved", "unchanged", "per_target"] {
        assert_eq!(a[k], p[k], "{k}");
    }
    assert_eq!((a["moved"].as_u64(), a["batches"].as_u64()), (Some(600), Some(2)));
    assert_eq!((a["per_target"][&r1].as_u64(), a["per_target"][&r2].as_u64()), (Some(300), Some(300)));
    assert_eq!(app.audit_count("customer.assign"), 2, "one audit record per batch");
}
