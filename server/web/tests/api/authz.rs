//! The authorization matrix, generated from the route table: every route × every role × own subtree and other
//! subtree. A new route without a rule here (an unknown path parameter or a body without a sample) fails.

use crate::harness::TestApp;
use serde_json::{json, Value};
use siyu_domain::access::Role;
use siyu_domain::session::Stage;
use siyu_web::routes::{table, Access};

/// The objects each path parameter names: one inside branch A (the callers' scope), one in branch B.
struct Targets {
    node: (String, String),
    staff: (String, String),
    customer: (String, String),
    contact: (String, String),
    channel: (String, String),
    transfer: (String, String),
}

fn fill(path: &str, own: bool, t: &Targets, spare_token: &str) -> String {
    let mut out = Vec::new();
    for seg in path.split('/') {
        let v = match seg {
            "{node_id}" => {
                if own {
                    t.node.0.clone()
                } else {
                    t.node.1.clone()
                }
            }
            "{staff_id}" => {
                if own {
                    t.staff.0.clone()
                } else {
                    t.staff.1.clone()
                }
            }
            "{customer_id}" => {
                if own {
                    t.customer.0.clone()
                } else {
                    t.customer.1.clone()
                }
            }
            "{contact_id}" => {
                if own {
                    t.contact.0.clone()
                } else {
                    t.contact.1.clone()
                }
            }
            "{channel_id}" => {
                if own {
                    t.channel.0.clone()
                } else {
                    t.channel.1.clone()
                }
            }
            "{transfer_id}" => {
                if own {
                    t.transfer.0.clone()
                } else {
                    t.transfer.1.clone()
                }
            }
            "{token_id}" => spare_token.to_string(),
            // Exports belong to their requester, not to a subtree: an unknown one is simply not found.
            "{export_id}" => "0190f0c0-0000-7000-8000-000000000000".to_string(),
            "{session_id}" => "0000000000000000".into(),
            "{seq}" => "1".into(),
            "{role}" => "rm".into(),
            "{name}" => "main".into(),
            // Tags belong to a corp, not to a subtree: an unknown one is simply not found.
            "{tag_id}" => "etMatrixUnknownTag".into(),
            s if s.starts_with('{') => {
                panic!("{path}: the matrix does not know the parameter {s}; add a rule")
            }
            s => s.to_string(),
        };
        out.push(v);
    }
    out.join("/")
}

/// A valid body for each route that takes one.
fn sample_body(method: &str, path: &str, t: &Targets, n: usize) -> Option<Value> {
    Some(match (method, path) {
        ("POST", "/api/v1/auth/password") => {
            json!({"current_password": crate::harness::PASSWORD, "new_password": "y"})
        }
        ("POST", "/api/v1/auth/totp/verify") => json!({"code": "000000"}),
        ("POST", "/api/v1/auth/reauth") => json!({"password": "wrong", "code": "000000"}),
        ("POST", "/api/v1/tokens") => json!({"name": "matrix"}),
        ("POST", "/api/v1/org/nodes") => {
            json!({"parent_id": t.node.0, "code": format!("M{n}"), "name": "矩阵", "kind": "team"})
        }
        ("PATCH", "/api/v1/org/nodes/{node_id}") => json!({"name": "改名"}),
        ("POST", "/api/v1/org/nodes/{node_id}/move") => json!({"new_parent_id": t.node.0}),
        ("POST", "/api/v1/staff") => {
            json!({"employee_no": format!("M{n}"), "name": "测试", "node_id": t.node.0})
        }
        ("PATCH", "/api/v1/staff/{staff_id}") => json!({"name": "测试二"}),
        ("POST", "/api/v1/staff/{staff_id}/move") => json!({"node_id": t.node.0}),
        ("POST", "/api/v1/staff/{staff_id}/roles") => json!({"role": "head_office_operator"}),
        ("POST", "/api/v1/customers/batch") => {
            json!({"items": [{"customer_no": format!("M{n}"), "name": "测试", "outlet_code": "BJ01"}]})
        }
        ("POST", "/api/v1/holdings/batch") => {
            json!({"items": [{"customer_no": "6200000001", "product_code": format!("M{n}"),
            "product_name": "矩阵", "product_type": "deposit", "amount_fen": 100}]})
        }
        ("POST", "/api/v1/customers/search") => json!({"mobile": "13800138000"}),
        ("POST", "/api/v1/exports") => json!({"kind": "customers", "reason": "matrix check"}),
        ("PUT", "/api/v1/customers/{customer_id}/consent") => {
            json!({"channels": ["sms"], "opted_out": true, "source": "customer", "reason": "matrix"})
        }
        // No gateway is configured in the matrix: allowed callers in scope are refused (`sms_not_configured`).
        ("POST", "/api/v1/customers/{customer_id}/sms") => json!({"text": "您好，矩阵"}),
        ("POST", "/api/v1/exports/{export_id}/approve") | ("POST", "/api/v1/exports/{export_id}/reject") => {
            json!({"note": "matrix"})
        }
        ("POST", "/api/v1/assignments/preview") | ("POST", "/api/v1/assignments/apply") => {
            json!({"filter": {"node_id": t.node.0, "current_rm": "none"}, "target": {"kind": "remote"},
                   "reason": "matrix check"})
        }
        // The same record twice: refused after both are found in scope, so the matrix merges nothing.
        ("POST", "/api/v1/customers/merge") => {
            json!({"survivor": t.customer.0, "merged": t.customer.0, "reason": "matrix check"})
        }
        ("POST", "/api/v1/customers/{customer_id}/unmerge") => json!({"reason": "matrix check"}),
        ("POST", "/api/v1/wecom/contacts/{contact_id}/link") => json!({"customer_id": t.customer.0}),
        ("POST", "/api/v1/wecom/contacts/{contact_id}/tags") => json!({"add": ["etMatrixUnknownTag"]}),
        ("POST", "/api/v1/wecom/tags") => json!({"corp": "main", "group_name": "矩阵", "tags": ["矩阵"]}),
        ("PUT", "/api/v1/wecom/tags/{tag_id}") => json!({"corp": "main", "name": "矩阵"}),
        // No WeCom corp is configured in the matrix: allowed callers are refused by the connector, nothing made.
        ("POST", "/api/v1/wecom/channels") => json!({"corp": "main", "name": "矩阵", "kind": "outlet",
            "node_id": t.node.0, "rm_staff_ids": [t.staff.0]}),
        ("PATCH", "/api/v1/wecom/channels/{channel_id}") => json!({"name": "矩阵改名"}),
        ("POST", "/api/v1/wecom/transfers") => json!({"contact_ids": [t.contact.0], "to_staff_id": t.staff.0}),
        ("PUT", "/api/v1/wecom/targets") => json!({"subject_type": "node", "subject_id": t.node.0, "target": 5}),
        ("POST", "/api/v1/customers/{customer_id}/unmask") => {
            json!({"fields": ["name"], "reason": "matrix check of the access rules"})
        }
        _ => return None,
    })
}

#[test]
fn every_route_every_role_both_subtrees() {
    let app = TestApp::start();
    let org = app.org();
    // Targets: a node and a member of staff in each branch (in the outlets below the branches).
    let victim_a = app.user("victim.a", &org.outlet_a1, &[Role::Rm]);
    let victim_b = app.user("victim.b", &org.outlet_b1, &[Role::Rm]);
    let customers = crate::customers::seed(&app, &org);
    let t = Targets {
        node: (org.outlet_a1.clone(), org.outlet_b1.clone()),
        staff: (victim_a, victim_b),
        customer: (customers.0, customers.1),
        contact: (
            crate::wecom_sync::seed_contact(&app, &org.outlet_a1, "rm-a", "wmAuthzOwn"),
            crate::wecom_sync::seed_contact(&app, &org.outlet_b1, "rm-b", "wmAuthzOther"),
        ),
        channel: (
            crate::wecom_channels::seed_channel(&app, &org.outlet_a1, "ch_matrix_own"),
            crate::wecom_channels::seed_channel(&app, &org.outlet_b1, "ch_matrix_other"),
        ),
        transfer: (
            crate::wecom_transfers::seed_failed(&app, &org.outlet_a1, "wmAuthzOwn"),
            crate::wecom_transfers::seed_failed(&app, &org.outlet_b1, "wmAuthzOther"),
        ),
    };

    let mut checked = 0;
    let mut n = 0;
    for role in Role::ALL {
        // Each caller sits at branch A, so branch A's subtree is "own" and branch B's is "other".
        let caller = app.user(&format!("caller.{}", role.code()), &org.branch_a, &[*role]);
        let mut client = app.bearer(&caller);
        for r in table() {
            if r.access == Access::Public {
                continue;
            }
            for own in [true, false] {
                n += 1;
                let spare = {
                    let mut c = client.clone();
                    c.post("/api/v1/tokens", json!({"name": "spare"})).json()["id"].as_str().unwrap_or("").to_string()
                };
                let path = fill(r.path, own, &t, &spare);
                let body = sample_body(r.method.as_str(), r.path, &t, n);
                assert!(
                    r.request.is_none() || body.is_some(),
                    "{} {} takes a body: add a sample to the matrix",
                    r.method,
                    r.path
                );
                let denials_before = app.audit_count("authz.denied");
                let scope_before = app.audit_count("authz.out_of_scope");
                let resp = client.send(r.method.as_str(), &path, body);
                let allowed = match r.access {
                    Access::Perm(p) => role.permissions().contains(&p),
                    Access::Authenticated => true,
                    Access::Stages(s) => s.contains(&Stage::Full),
                    Access::Public => unreachable!(),
                };
                let scoped =
                    ["{node_id}", "{staff_id}", "{customer_id}", "{contact_id}", "{channel_id}", "{transfer_id}"]
                        .iter()
                        .any(|p| r.path.contains(p));
                let what = format!("{} {} as {} ({})", r.method, r.path, role, if own { "own" } else { "other" });
                if !allowed {
                    assert_eq!(resp.status, 403, "{what}: {}", resp.body);
                    if matches!(r.access, Access::Perm(_)) {
                        assert_eq!(resp.code(), "forbidden", "{what}");
                        assert_eq!(
                            app.audit_count("authz.denied"),
                            denials_before + 1,
                            "{what}: the denial is audited"
                        );
                    }
                } else if scoped && !own {
                    assert_eq!(resp.status, 404, "{what}: another subtree's object is not found: {}", resp.body);
                    assert_eq!(resp.code(), "not_found");
                    assert_eq!(
                        app.audit_count("authz.out_of_scope"),
                        scope_before + 1,
                        "{what}: the refusal is audited"
                    );
                } else {
                    // A token is authorised but never freshly authenticated: step-up refusals are not authz ones.
                    let step_up = resp.code() == "reauth_required";
                    assert!(![401, 403].contains(&resp.status) || step_up, "{what}: refused: {}", resp.body);
                    if scoped {
                        assert_ne!(resp.status, 404, "{what}: own object not found: {}", resp.body);
                    }
                    assert!(resp.status < 500, "{what}: {}", resp.body);
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 300, "the matrix covers every route: {checked}");
}

#[test]
fn every_protected_route_needs_a_principal() {
    let app = TestApp::start();
    let mut anon = app.client();
    for r in table() {
        let path = r.path.replace("{node_id}", "x").replace("{staff_id}", "x").replace("{token_id}", "x");
        let path = path
            .replace("{session_id}", "x")
            .replace("{seq}", "1")
            .replace("{role}", "rm")
            .replace("{customer_id}", "x")
            .replace("{export_id}", "x")
            .replace("{contact_id}", "x")
            .replace("{tag_id}", "x")
            .replace("{channel_id}", "x")
            .replace("{transfer_id}", "x")
            .replace("{name}", "x");
        let resp = anon.send(r.method.as_str(), &path, Some(json!({})));
        if r.access == Access::Public {
            assert_ne!(resp.status, 401, "{} {}", r.method, r.path);
        } else {
            assert_eq!(resp.status, 401, "{} {}: {}", r.method, r.path, resp.body);
        }
    }
}

#[test]
fn a_branch_manager_cannot_see_another_branch() {
    let app = TestApp::start();
    let org = app.org();
    let bm = app.user("bm.zhou", &org.branch_a, &[Role::BranchManager]);
    let other = app.user("rm.shanghai", &org.outlet_b1, &[Role::Rm]);
    app.user("rm.beijing", &org.outlet_a1, &[Role::Rm]);
    let mut c = app.bearer(&bm);
    let list = c.get("/api/v1/staff?page_size=200");
    let names: Vec<String> = list.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["username"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(names.contains(&"rm.beijing".to_string()) && !names.contains(&"rm.shanghai".to_string()), "{names:?}");
    assert_eq!(c.get(&format!("/api/v1/staff/{other}")).status, 404);
    assert_eq!(c.get(&format!("/api/v1/staff?node_id={}", org.branch_b)).status, 404);
    let nodes = c.get("/api/v1/org/nodes").json();
    assert!(nodes["items"].as_array().unwrap().iter().all(|n| n["id"] != org.branch_b.as_str()));
}
