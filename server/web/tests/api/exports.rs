//! Exports (masked by default, unmasked only under dual control) and the recent re-authentication an unmask
//! needs (REQUIREMENTS B.13, I.61, J.62).

use crate::customers::seed;
use crate::harness::{TestApp, PASSWORD};
use chrono::Duration;
use serde_json::json;
use sha2::{Digest, Sha256};
use siyu_domain::access::Role;

const RAW: [&str; 4] = ["欧阳明华", "13912345678", "11010519491231002X", "6200000001"];

fn last_download_sha(app: &TestApp) -> String {
    use diesel::prelude::*;
    use siyu_store::schema::audit_log;
    let detail: String = audit_log::table
        .filter(audit_log::action.eq("export.download"))
        .order(audit_log::seq.desc())
        .select(audit_log::detail)
        .first(&mut app.conn())
        .unwrap();
    serde_json::from_str::<serde_json::Value>(&detail).unwrap()["sha256"].as_str().unwrap().to_string()
}

#[test]
fn an_unmask_needs_a_recent_authentication() {
    let app = TestApp::start();
    let org = app.org();
    let (a, _) = seed(&app, &org);
    let (hq, mut c) = app.hq_operator_session();
    let path = format!("/api/v1/customers/{a}/unmask");
    let body = json!({"fields": ["mobile"], "reason": "customer called about a maturing product"});
    assert_eq!(c.post(&path, body.clone()).status, 200, "just logged in");
    app.advance(Duration::minutes(6));
    let r = c.post(&path, body.clone());
    assert_eq!((r.status, r.code().as_str()), (403, "reauth_required"), "{}", r.body);
    assert!(!r.body.contains(RAW[1]));

    let r = c.post("/api/v1/auth/reauth", json!({"password": "wrong", "code": app.next_code(&c)}));
    assert_eq!(r.status, 401, "{}", r.body);
    let r = c.post("/api/v1/auth/reauth", json!({"password": PASSWORD}));
    assert_eq!(r.status, 401, "the second factor is part of it: {}", r.body);
    let r = c.post("/api/v1/auth/reauth", json!({"password": PASSWORD, "code": app.next_code(&c)}));
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(app.audit_count("auth.reauth"), 3, "two failures and one success");
    let r = c.post(&path, body.clone());
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["values"]["mobile"], RAW[1]);

    // An API token never qualifies: nobody typed a password or a code for it.
    let r = app.bearer(&hq).post(&path, body);
    assert_eq!((r.status, r.code().as_str()), (403, "reauth_required"));
    let r = app.bearer(&hq).post("/api/v1/auth/reauth", json!({"password": PASSWORD}));
    assert_eq!(r.status, 409, "{}", r.body);
}

#[test]
fn a_masked_export_is_ready_at_once_watermarked_and_masked() {
    let app = TestApp::start();
    let org = app.org();
    seed(&app, &org);
    let (op, mut c) = app.hq_operator_session();
    let r = c.post("/api/v1/exports", json!({"kind": "customers", "reason": "monthly branch review"}));
    assert_eq!(r.status, 201, "{}", r.body);
    let e = r.json();
    assert_eq!((e["status"].as_str(), e["masked"].as_bool(), e["rows"].as_i64()), (Some("ready"), Some(true), Some(2)));
    let id = e["id"].as_str().unwrap().to_string();
    let f = c.get(&format!("/api/v1/exports/{id}/download"));
    assert_eq!(f.status, 200, "{}", f.body);
    assert_eq!(f.header("cache-control"), Some("no-store"));
    assert!(f.header("content-type").unwrap().starts_with("text/csv"));
    let text = f.body.clone();
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    let watermark = lines.next().unwrap();
    assert!(watermark.contains(&id) && watermark.contains("masked"), "{watermark}");
    assert_eq!(lines.next().unwrap(), siyu_app::exports::COLUMNS.join(","));
    assert_eq!(lines.clone().count(), 2);
    for raw in RAW {
        assert!(!text.contains(raw), "{raw} appears in a masked export");
    }
    assert!(text.contains("139****5678") && text.contains("欧**华"), "{text}");
    assert!(!text.contains(",'-,"), "a missing band is empty, not a neutralised dash: {text}");
    let sha = hex::encode(Sha256::digest(f.body.as_bytes()));
    assert_eq!(f.header("x-export-sha256"), Some(sha.as_str()));
    assert_eq!(last_download_sha(&app), sha, "the audit record holds the SHA-256 of what was sent");
    assert_eq!(c.get(&format!("/api/v1/exports/{id}/download")).status, 200, "a masked export may be fetched again");
    assert_eq!(app.audit_count("export.download"), 2);

    app.advance(Duration::hours(25));
    let r = app.bearer(&op).get(&format!("/api/v1/exports/{id}/download"));
    assert_eq!((r.status, r.code().as_str()), (409, "export_expired"));
}

#[test]
fn an_unmasked_export_needs_another_persons_approval_and_downloads_once() {
    let app = TestApp::start();
    let org = app.org();
    seed(&app, &org);
    let (_, mut c) = app.hq_operator_session();
    let r = c.post("/api/v1/exports", json!({"kind": "customers", "masked": false, "reason": "short"}));
    assert_eq!((r.status, r.code().as_str()), (400, "validation_failed"), "a real reason is required");
    let r = c.post(
        "/api/v1/exports",
        json!({"kind": "customers", "masked": false, "reason": "regulator inspection 2026-11, file 17"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(r.json()["status"], "pending_approval");
    let dl = format!("/api/v1/exports/{id}/download");
    assert_eq!(c.get(&dl).code(), "export_not_downloadable", "not before the approval");
    assert_eq!(c.post(&format!("/api/v1/exports/{id}/approve"), json!({})).status, 403, "not by the requester");

    // Someone holding both duties still cannot approve their own request.
    let hq_node = siyu_store::org::root(&mut app.conn()).unwrap().unwrap().id;
    let both = app.user("both.duties", &hq_node, &[Role::HeadOfficeOperator, Role::SecurityAdmin]);
    let mut b = app.bearer(&both);
    let own = b.post(
        "/api/v1/exports",
        json!({"kind": "customers", "masked": false, "reason": "my own request to approve myself"}),
    );
    let own_id = own.json()["id"].as_str().unwrap().to_string();
    let r = b.post(&format!("/api/v1/exports/{own_id}/approve"), json!({}));
    assert_eq!((r.status, r.code().as_str()), (403, "export_own_request"), "{}", r.body);

    let sec = app.user("sec.wang", &org.branch_a, &[Role::SecurityAdmin]);
    let mut s = app.bearer(&sec);
    let pending = s.get("/api/v1/export-approvals").json();
    assert!(pending["items"].as_array().unwrap().iter().any(|e| e["id"] == id.as_str()));
    let r = s.post(&format!("/api/v1/exports/{id}/approve"), json!({"note": "inspection letter checked"}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "approved");
    assert_eq!(s.post(&format!("/api/v1/exports/{id}/reject"), json!({})).code(), "export_not_pending");
    assert_eq!(s.get(&dl).status, 403, "the approver cannot download");

    app.advance(Duration::minutes(10));
    let r = c.get(&dl);
    assert_eq!(r.code(), "reauth_required", "values in clear need a recent authentication");
    let code = app.next_code(&c);
    assert_eq!(c.post("/api/v1/auth/reauth", json!({"password": PASSWORD, "code": code})).status, 204);
    let f = c.get(&dl);
    assert_eq!(f.status, 200, "{}", f.body);
    assert_eq!(f.header("cache-control"), Some("no-store"));
    for raw in RAW {
        assert!(f.body.contains(raw), "{raw} is in the approved unmasked export");
    }
    assert!(f.body.contains("880000.00"), "AUM in yuan, as the import layout has it");
    assert!(f.body.lines().next().unwrap().contains("UNMASKED"));
    assert_eq!(last_download_sha(&app), hex::encode(Sha256::digest(f.body.as_bytes())));
    let again = c.get(&dl);
    assert_eq!((again.status, again.code().as_str()), (409, "export_not_downloadable"), "only once");
    assert_eq!(c.get(&format!("/api/v1/exports/{id}")).json()["status"], "downloaded");
    assert_eq!(app.audit_count("export.approve"), 1);
    assert_eq!(app.audit_count("export.download"), 1);

    // A request nobody decides lapses after 24 hours; a rejected one never downloads.
    let late = c
        .post("/api/v1/exports", json!({"kind": "customers", "masked": false, "reason": "a request that lapses"}))
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let no = c
        .post("/api/v1/exports", json!({"kind": "customers", "masked": false, "reason": "a request to be refused"}))
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        s.post(&format!("/api/v1/exports/{no}/reject"), json!({"note": "no basis"})).json()["status"],
        "rejected"
    );
    assert_eq!(c.get(&format!("/api/v1/exports/{no}/download")).code(), "export_not_downloadable");
    app.advance(Duration::hours(25));
    assert_eq!(s.post(&format!("/api/v1/exports/{late}/approve"), json!({})).code(), "export_expired");
}

#[test]
fn an_export_stays_inside_the_requesters_scope() {
    let app = TestApp::start();
    let org = app.org();
    seed(&app, &org);
    let op = app.user("ho.branch", &org.branch_a, &[Role::HeadOfficeOperator]);
    let mut c = app.bearer(&op);
    let r = c.post("/api/v1/exports", json!({"kind": "customers", "node_id": org.branch_b, "reason": "not mine"}));
    assert_eq!(r.status, 404, "{}", r.body);
    let r = c.post("/api/v1/exports", json!({"kind": "customers", "reason": "my branch"}));
    assert_eq!(r.json()["rows"], 1, "only branch A's customer");
    let rm = app.user("rm.bj", &org.outlet_a1, &[Role::Rm]);
    assert_eq!(app.bearer(&rm).post("/api/v1/exports", json!({"kind": "customers", "reason": "x"})).status, 403);
    let other = app.user("ho.other", &org.branch_b, &[Role::HeadOfficeOperator]);
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(app.bearer(&other).get(&format!("/api/v1/exports/{id}/download")).status, 404);
}
