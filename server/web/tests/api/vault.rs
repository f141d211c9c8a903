//! The vault in the running app: second-factor secrets are sealed at rest, bound to their row, and survive a
//! key rotation and a rewrap.

use crate::harness::{TestApp, PASSWORD};
use diesel::prelude::*;
use serde_json::json;
use siyu_domain::access::Role;
use siyu_store::schema::accounts;
use std::sync::Arc;

fn stored_secret(app: &TestApp, staff_id: &str) -> String {
    accounts::table
        .find(staff_id)
        .select(accounts::totp_secret)
        .first::<Option<String>>(&mut *app.conn())
        .unwrap()
        .unwrap()
}

#[test]
fn second_factor_secrets_are_sealed_at_rest() {
    let app = TestApp::start();
    let org = app.org();
    let id = app.user("aud.zhao", &org.hq, &[Role::Auditor]);
    let c = app.login("aud.zhao", PASSWORD);
    let secret = c.totp_secret.clone().unwrap();
    let stored = stored_secret(&app, &id);
    assert!(!stored.contains(&secret), "the secret is not stored in clear");
    let header = siyu_vault::SealedValue::from_text(&stored).unwrap().header().unwrap();
    assert_eq!((header.key_id.as_str(), header.key_version), ("account.totp_secret", 1));
}

#[test]
fn a_ciphertext_moved_to_another_row_does_not_open_and_is_recorded() {
    let app = TestApp::start();
    let org = app.org();
    let a = app.user("aud.a", &org.hq, &[Role::Auditor]);
    let b = app.user("aud.b", &org.hq, &[Role::Auditor]);
    let ca = app.login("aud.a", PASSWORD);
    app.login("aud.b", PASSWORD);
    // Someone with database access gives B the second factor of A.
    let a_secret = stored_secret(&app, &a);
    diesel::update(accounts::table.find(&b))
        .set(accounts::totp_secret.eq(&a_secret))
        .execute(&mut *app.conn())
        .unwrap();
    let mut cb = app.client();
    cb.post("/api/v1/auth/login", json!({"username": "aud.b", "password": PASSWORD}));
    let code =
        siyu_app::totp::code_at(ca.totp_secret.as_ref().unwrap(), siyu_app::clock::Clock::now(app.clock.as_ref()));
    let r = cb.post("/api/v1/auth/totp/verify", json!({"code": code.unwrap()}));
    assert_eq!((r.status, r.code().as_str()), (500, "integrity_error"), "{}", r.body);
    assert_eq!(app.audit_count("vault.integrity_failure"), 1);
    let report = siyu_app::keys::verify(&mut app.conn(), &app.env().vault).unwrap();
    assert_eq!(report.failed.len(), 1, "{:?}", report.failed);
    assert!(report.failed[0].contains(&b));
}

#[test]
fn rotate_and_rewrap_move_every_value_to_the_new_version() {
    let app = TestApp::start();
    let org = app.org();
    let names = ["aud.1", "aud.2", "aud.3"];
    let ids: Vec<String> = names.iter().map(|n| app.user(n, &org.hq, &[Role::Auditor])).collect();
    let clients: Vec<_> = names.iter().map(|n| app.login(n, PASSWORD)).collect();
    let (customer, _) = crate::customers::seed(&app, &org);
    let vault = app.env().vault.clone();
    let ctx = siyu_app::bootstrap::cli_context();
    let rotated = siyu_app::keys::rotate(&mut app.conn(), &vault, &ctx, None).unwrap();
    assert!(rotated.contains(&("account.totp_secret".to_string(), 2)), "{rotated:?}");
    assert!(rotated.iter().all(|(_, v)| *v == 2), "every data key has a second version: {rotated:?}");
    assert_eq!(app.audit_count("vault.rotate"), rotated.len() as i64, "one record per key");

    let job = siyu_store::jobs::NewJob {
        kind: siyu_engine::rewrap::KIND,
        params: json!({}),
        dedupe_key: None,
        created_by: None,
        max_attempts: 1,
    };
    siyu_engine::enqueue(&mut app.conn(), app.env(), &ctx, job).unwrap();
    let engine = siyu_engine::Engine::new(
        app.state.pool.clone(),
        app.env().clone(),
        vec![Arc::new(siyu_engine::rewrap::Rewrap)],
    );
    let done = engine.run_next().unwrap().unwrap();
    assert_eq!(done.status, siyu_store::jobs::JobStatus::Succeeded, "{:?}", done.last_error);
    // 3 second-factor secrets, 6 sealed fields of the first customer and 3 of the second.
    assert_eq!(done.result.unwrap()["rewrapped"], 12);
    for id in &ids {
        let header = siyu_vault::SealedValue::from_text(&stored_secret(&app, id)).unwrap().header().unwrap();
        assert_eq!(header.key_version, 2, "every value on the new version");
    }
    let report = siyu_app::keys::verify(&mut app.conn(), &vault).unwrap();
    assert!(report.failed.is_empty() && report.checked == 12, "{report:?}");
    for (key, versions) in &report.by_key {
        assert_eq!(versions.keys().collect::<Vec<_>>(), vec![&2], "{key} is wholly on version 2");
    }
    // The customer still reads the same, masked.
    let hq = app.org_hq_operator();
    assert_eq!(app.bearer(&hq).get(&format!("/api/v1/customers/{customer}")).json()["mobile"], "139****5678");
    // And the second factor still works for each of them.
    for (name, c) in names.iter().zip(&clients) {
        app.advance(chrono::Duration::seconds(30));
        let mut again = app.client();
        again.post("/api/v1/auth/login", json!({"username": name, "password": PASSWORD}));
        let code =
            siyu_app::totp::code_at(c.totp_secret.as_ref().unwrap(), siyu_app::clock::Clock::now(app.clock.as_ref()));
        let r = again.post("/api/v1/auth/totp/verify", json!({"code": code.unwrap()}));
        assert_eq!(r.status, 200, "{name}: {}", r.body);
    }
}
