//! Login, lockout, throttling, password policy, forced change, the second factor.

use crate::harness::{TestApp, NEW_PASSWORD, PASSWORD};
use chrono::Duration;
use serde_json::json;
use siyu_domain::access::Role;

#[test]
fn login_reaches_the_right_stage() {
    let app = TestApp::start();
    let org = app.org();
    app.user("rm.wang", &org.outlet_a1, &[Role::Rm]);
    app.user_with("rm.new", &org.outlet_a1, &[Role::Rm], true);
    app.user("sec.li", &org.hq, &[Role::SecurityAdmin]);
    let mut c = app.client();
    let r = c.post("/api/v1/auth/login", json!({"username": "rm.wang", "password": PASSWORD}));
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["stage"], "full");
    let cookie = r.header("set-cookie").unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"), "{cookie}");
    assert_eq!(c.get("/api/v1/me").json()["username"], "rm.wang");

    let mut c = app.client();
    let r = c.post("/api/v1/auth/login", json!({"username": "rm.new", "password": PASSWORD}));
    assert_eq!(r.json()["stage"], "password_change");
    let r = c.get("/api/v1/org/nodes");
    assert_eq!((r.status, r.code().as_str()), (403, "password_change_required"));

    let mut c = app.client();
    let r = c.post("/api/v1/auth/login", json!({"username": "sec.li", "password": PASSWORD}));
    assert_eq!(r.json()["stage"], "totp_enroll", "admin duties need a second factor");
    let r = c.get("/api/v1/security/password-policy");
    assert_eq!((r.status, r.code().as_str()), (403, "second_factor_required"));
    assert_eq!(app.audit_count("auth.login"), 3);
}

#[test]
fn unknown_user_and_wrong_password_look_the_same() {
    let app = TestApp::start();
    let org = app.org();
    app.user("rm.wang", &org.outlet_a1, &[Role::Rm]);
    let mut c = app.client();
    let wrong = c.post("/api/v1/auth/login", json!({"username": "rm.wang", "password": "Not-The-Password-1"}));
    let unknown = c.post("/api/v1/auth/login", json!({"username": "nobody.here", "password": "Not-The-Password-1"}));
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.status, unknown.status);
    let strip = |mut v: serde_json::Value| {
        v["error"]["request_id"] = json!(null);
        v
    };
    assert_eq!(strip(wrong.json()), strip(unknown.json()));
    assert_eq!(wrong.code(), "invalid_credentials");
    // Both attempts are audited, with the reason only the audit trail knows.
    assert_eq!(app.audit_count("auth.login"), 2);
}

#[test]
fn five_failures_lock_the_account_for_thirty_minutes() {
    let app = TestApp::start();
    let org = app.org();
    app.user("rm.wang", &org.outlet_a1, &[Role::Rm]);
    let mut c = app.client();
    for i in 0..4 {
        let r = c.post("/api/v1/auth/login", json!({"username": "rm.wang", "password": format!("Wrong-password-{i}")}));
        assert_eq!(r.status, 401);
    }
    let r = c.post("/api/v1/auth/login", json!({"username": "rm.wang", "password": "Wrong-password-5"}));
    assert_eq!((r.status, r.code().as_str()), (423, "account_locked"));
    // Locked: even the right password is refused.
    let r = c.post("/api/v1/auth/login", json!({"username": "rm.wang", "password": PASSWORD}));
    assert_eq!(r.status, 423);
    assert_eq!(app.audit_count("auth.lockout"), 1);
    // An unknown name locks the same way, so a lock reveals nothing.
    for _ in 0..5 {
        c.post("/api/v1/auth/login", json!({"username": "ghost.user", "password": "Wrong-password-x"}));
    }
    assert_eq!(c.post("/api/v1/auth/login", json!({"username": "ghost.user", "password": "x"})).status, 423);

    app.advance(Duration::minutes(29));
    assert_eq!(c.post("/api/v1/auth/login", json!({"username": "rm.wang", "password": PASSWORD})).status, 423);
    app.advance(Duration::minutes(2));
    assert_eq!(c.post("/api/v1/auth/login", json!({"username": "rm.wang", "password": PASSWORD})).status, 200);
}

#[test]
fn failures_outside_the_window_do_not_lock() {
    let app = TestApp::start();
    let org = app.org();
    app.user("rm.wang", &org.outlet_a1, &[Role::Rm]);
    let mut c = app.client();
    for i in 0..4 {
        c.post("/api/v1/auth/login", json!({"username": "rm.wang", "password": format!("Wrong-password-{i}")}));
    }
    app.advance(Duration::minutes(16));
    let r = c.post("/api/v1/auth/login", json!({"username": "rm.wang", "password": "Wrong-password-9"}));
    assert_eq!(r.status, 401, "the first four fell out of the 15-minute window");
}

#[test]
fn an_address_with_many_failures_is_throttled() {
    let app = TestApp::start_with(|s| s.auth.address_max_failures = 6);
    let mut c = app.client();
    for i in 0..6 {
        let r = c.post("/api/v1/auth/login", json!({"username": format!("user{i}"), "password": "Wrong-password-1"}));
        assert_eq!(r.status, 401);
    }
    let r = c.post("/api/v1/auth/login", json!({"username": "user9", "password": "Wrong-password-1"}));
    assert_eq!((r.status, r.code().as_str()), (429, "too_many_requests"));
    assert!(r.header("retry-after").is_some());
}

#[test]
fn the_password_policy_is_enforced_on_change() {
    let app = TestApp::start();
    let org = app.org();
    app.user_with("rm.new", &org.outlet_a1, &[Role::Rm], true);
    let mut c = app.client();
    c.post("/api/v1/auth/login", json!({"username": "rm.new", "password": PASSWORD}));
    let cases = [
        ("Sh0rt!", "too_short"),
        ("alllowercaseletters", "too_few_classes"),
        ("Password1234!", "common"),
        ("Xx-rm.new-2026x", "contains_username"),
        (PASSWORD, "reused"),
    ];
    for (pw, rule) in cases {
        let r = c.post("/api/v1/auth/password", json!({"current_password": PASSWORD, "new_password": pw}));
        assert_eq!((r.status, r.code().as_str()), (400, "password_policy"), "{pw}");
        let rules: Vec<String> = r.json()["error"]["violations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["rule"].as_str().unwrap().to_string())
            .collect();
        assert!(rules.contains(&rule.to_string()), "{pw}: {rules:?}");
    }
    let r = c.post("/api/v1/auth/password", json!({"current_password": "wrong", "new_password": NEW_PASSWORD}));
    assert_eq!(r.status, 401);
    let r = c.post("/api/v1/auth/password", json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}));
    assert_eq!((r.status, r.json()["stage"].as_str()), (200, Some("full")));
    assert_eq!(c.get("/api/v1/org/nodes").status, 200);
    // The old session cookie is gone: the change rotated it.
    let mut again = app.client();
    assert_eq!(
        again.post("/api/v1/auth/login", json!({"username": "rm.new", "password": NEW_PASSWORD})).json()["stage"],
        "full"
    );
}

#[test]
fn expired_passwords_must_be_changed() {
    let app = TestApp::start();
    let org = app.org();
    app.user("rm.wang", &org.outlet_a1, &[Role::Rm]);
    app.advance(Duration::days(91));
    let mut c = app.client();
    let r = c.post("/api/v1/auth/login", json!({"username": "rm.wang", "password": PASSWORD}));
    assert_eq!(r.json()["stage"], "password_change");
}

#[test]
fn second_factor_codes_are_single_use() {
    let app = TestApp::start();
    let org = app.org();
    app.user("aud.zhao", &org.hq, &[Role::Auditor]);
    let c = app.login("aud.zhao", PASSWORD);
    let secret = c.totp_secret.clone().unwrap();
    let now = siyu_app::clock::Clock::now(app.clock.as_ref());
    let used = siyu_app::totp::code_at(&secret, now).unwrap();

    let mut c2 = app.client();
    let r = c2.post("/api/v1/auth/login", json!({"username": "aud.zhao", "password": PASSWORD}));
    assert_eq!(r.json()["stage"], "totp");
    let r = c2.post("/api/v1/auth/totp/verify", json!({"code": used}));
    assert_eq!((r.status, r.code().as_str()), (401, "invalid_code"), "a used code is refused");
    app.advance(Duration::seconds(30));
    let next = siyu_app::totp::code_at(&secret, siyu_app::clock::Clock::now(app.clock.as_ref())).unwrap();
    let r = c2.post("/api/v1/auth/totp/verify", json!({"code": next}));
    assert_eq!((r.status, r.json()["stage"].as_str()), (200, Some("full")));
    assert_eq!(c2.get("/api/v1/audit").status, 200);
}

#[test]
fn weak_hashes_are_upgraded_at_login() {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let app = TestApp::start();
    let org = app.org();
    let id = app.user("rm.old", &org.outlet_a1, &[Role::Rm]);
    let weak = argon2::Argon2::new(
        argon2::Algorithm::Argon2i,
        argon2::Version::V0x13,
        argon2::Params::new(1024, 1, 1, None).unwrap(),
    )
    .hash_password(PASSWORD.as_bytes(), &SaltString::encode_b64(&[9u8; 16]).unwrap())
    .unwrap()
    .to_string();
    siyu_store::accounts::upgrade_hash(&mut app.conn(), &id, &weak).unwrap();
    let mut c = app.client();
    assert_eq!(c.post("/api/v1/auth/login", json!({"username": "rm.old", "password": PASSWORD})).status, 200);
    let stored = siyu_store::accounts::by_staff(&mut app.conn(), &id).unwrap().unwrap().password_hash;
    assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
}
