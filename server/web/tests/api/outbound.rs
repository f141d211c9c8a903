//! The outbound folder (REQUIREMENTS C.17): files appear only once the egress guard passed them (a refused file
//! never appears, not even under its temporary name, and a name is never replaced); a masked export is delivered,
//! an unmasked one never is.

use crate::customers::seed;
use crate::egress::{ctx, with_address, ADDRESS};
use crate::harness::{TestApp, PASSWORD};
use chrono::Duration;
use serde_json::json;
use sha2::{Digest, Sha256};
use siyu_domain::access::Role;

fn files(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[test]
fn a_masked_export_is_delivered_guarded_and_an_unmasked_one_never_is() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_path_buf();
    let app = TestApp::start_with(|s| s.outbound.dir = Some(dir));
    let org = app.org();
    seed(&app, &org);
    with_address(&app);
    let (_, mut c) = app.hq_operator_session();
    let id = c.post("/api/v1/exports", json!({"kind": "customers", "reason": "CRM reconciliation"})).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = c.post(&format!("/api/v1/exports/{id}/deliver"), json!({}));
    assert_eq!(r.status, 201, "{}", r.body);
    let name = r.json()["file_name"].as_str().unwrap().to_string();
    assert_eq!(files(out.path()), vec![name.clone()], "the file only, no temporary left");
    let bytes = std::fs::read(out.path().join(&name)).unwrap();
    assert_eq!(r.json()["sha256"].as_str().unwrap(), hex::encode(Sha256::digest(&bytes)));
    assert_eq!(r.json()["rows"], 3);
    let text = String::from_utf8(bytes).unwrap();
    for raw in ["欧阳明华", "13912345678", "11010519491231002X", "6200000001", ADDRESS] {
        assert!(!text.contains(raw), "{raw} in a delivered file");
    }
    assert_eq!(app.audit_count("export.deliver"), 1);
    assert_eq!(app.audit_count("egress.blocked"), 0);

    // An unmasked export, approved under dual control, is for its requester to download: never delivered.
    let id = c
        .post(
            "/api/v1/exports",
            json!({"kind": "customers", "masked": false, "reason": "regulator inspection file 17"}),
        )
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let sec = app.user("sec.out", &org.branch_a, &[Role::SecurityAdmin]);
    assert_eq!(app.bearer(&sec).post(&format!("/api/v1/exports/{id}/approve"), json!({})).status, 200);
    app.advance(Duration::minutes(10));
    let code = app.next_code(&c);
    assert_eq!(c.post("/api/v1/auth/reauth", json!({"password": PASSWORD, "code": code})).status, 204);
    let r = c.post(&format!("/api/v1/exports/{id}/deliver"), json!({}));
    assert_eq!((r.status, r.code().as_str()), (409, "export_download_only"), "{}", r.body);
    assert_eq!(files(out.path()).len(), 1);
    assert_eq!(c.get(&format!("/api/v1/exports/{id}/download")).status, 200, "still downloadable, once");
    assert_eq!(app.audit_count("export.deliver"), 1);

    // No folder configured: refused, nothing written anywhere.
    let off = TestApp::start();
    let org = off.org();
    seed(&off, &org);
    let (_, mut c) = off.hq_operator_session();
    let id = c.post("/api/v1/exports", json!({"kind": "customers", "reason": "CRM reconciliation"})).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(c.post(&format!("/api/v1/exports/{id}/deliver"), json!({})).code(), "outbound_not_configured");
}

#[test]
fn a_refused_file_never_appears_and_a_name_is_never_replaced() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_path_buf();
    let app = TestApp::start_with(|s| s.outbound.dir = Some(dir));
    let org = app.org();
    seed(&app, &org);
    with_address(&app);
    for (content, found) in [
        ("客户,备注\n韩**,寄往上海市浦东新区世纪大道100号环球金融中心58层\n", "customer_address"),
        ("no;name\n6200000009;x\n", "customer_no"),
        ("欧阳明华 到访\n", "customer_name"),
        ("联系 13900139000\n", "mobile"),
    ] {
        let e = siyu_app::outbound::deliver(&mut app.conn(), app.env(), &ctx(), "batch.csv", content.as_bytes());
        let e = e.unwrap_err().to_string();
        assert!(e.contains(found), "{content}: {e}");
        assert!(files(out.path()).is_empty(), "nothing appears, not even a temporary file");
    }
    assert_eq!(app.audit_count("egress.blocked"), 4);
    // Near-misses pass; an existing name is not replaced; a name with a path in it is refused.
    let ok = "分行,人数,日期\n上海分行,3人,2026-11-30\n总数 12345\n";
    siyu_app::outbound::deliver(&mut app.conn(), app.env(), &ctx(), "batch.csv", ok.as_bytes()).unwrap();
    let again = siyu_app::outbound::deliver(&mut app.conn(), app.env(), &ctx(), "batch.csv", b"other");
    assert!(again.unwrap_err().to_string().contains("already"));
    assert!(siyu_app::outbound::deliver(&mut app.conn(), app.env(), &ctx(), "../x.csv", b"x").is_err());
    assert_eq!(files(out.path()), vec!["batch.csv".to_string()]);
    assert_eq!(std::fs::read_to_string(out.path().join("batch.csv")).unwrap(), ok);
}
