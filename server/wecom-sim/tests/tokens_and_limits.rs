//! Tokens (7200 s, same token while valid, 40013/40001, 42001 and 40014 answered and recovered from by the client)
//! and frequency limits (45009 injected and reached, 45033 injected).

mod common;

use common::*;
use serde_json::json;

#[test]
fn gettoken_same_token_while_valid_and_credentials_checked() {
    let e = env();
    let t1 = e.client.fetch_token().unwrap();
    let t2 = e.client.fetch_token().unwrap();
    assert_eq!(t1.access_token, t2.access_token);
    assert!(t1.expires_in <= 7200 && t1.expires_in > 7100);

    let err = client_for(&e.sim, "wrong").fetch_token().unwrap_err();
    assert_eq!(err.errcode(), Some(40001));
    let other = siyu_connectors::wecom::WecomClient::new(
        std::sync::Arc::new(siyu_connectors::wecom::UreqTransport::new(&Default::default()).unwrap()),
        &e.sim.base_url(),
        "wwnosuchcorp",
        SECRET,
    );
    assert_eq!(other.fetch_token().unwrap_err().errcode(), Some(40013));

    // The token expires on the sim clock after 7200 s: a new one is issued.
    advance(&e.sim, 7201);
    assert_ne!(e.client.fetch_token().unwrap().access_token, t1.access_token);
}

#[test]
fn expired_token_mid_session_is_refreshed_once() {
    let e = env();
    assert_eq!(e.client.get_follow_user_list().unwrap(), vec!["rm1", "rm2", "rm3"]);
    let before = e.client.access_token().unwrap();
    // WeCom answers 42001 for the cached token; the client refetches and retries transparently.
    control(&e.sim, &format!("/corps/{CORP}/tokens/expire"), json!({}));
    assert_eq!(e.client.get_follow_user_list().unwrap().len(), 3);
    let after = e.client.access_token().unwrap();
    assert_ne!(before, after);
    // 40014 (token revoked, e.g. after a secret reset) likewise.
    control(&e.sim, &format!("/corps/{CORP}/tokens/revoke"), json!({}));
    assert_eq!(e.client.get_follow_user_list().unwrap().len(), 3);
    assert_ne!(e.client.access_token().unwrap(), after);
}

#[test]
fn raw_token_errors_have_wecom_shape() {
    let e = env();
    let url = format!("{}/cgi-bin/externalcontact/get_follow_user_list", e.sim.base_url());
    let v: serde_json::Value = ureq::get(&url).call().unwrap().into_json().unwrap();
    assert_eq!(v["errcode"], 41001);
    let v: serde_json::Value = ureq::get(&url).query("access_token", "nope").call().unwrap().into_json().unwrap();
    assert_eq!(v["errcode"], 40014);
    assert!(v["errmsg"]
        .as_str()
        .unwrap()
        .contains("more info at https://open.work.weixin.qq.com/devtool/query?e=40014"));
    let t = e.client.access_token().unwrap();
    control(&e.sim, &format!("/corps/{CORP}/tokens/expire"), json!({}));
    let v: serde_json::Value = ureq::get(&url).query("access_token", &t).call().unwrap().into_json().unwrap();
    assert_eq!(v["errcode"], 42001);
}

#[test]
fn injected_45009_and_45033_surface_as_rate_limited() {
    let e = env();
    control(
        &e.sim,
        &format!("/corps/{CORP}/faults"),
        json!({"errcode": 45009, "api": "get_follow_user_list", "count": 1}),
    );
    let err = e.client.get_follow_user_list().unwrap_err();
    let we = err.wecom().unwrap();
    assert!(we.is_rate_limited());
    assert_eq!(we.suggested_backoff_secs(), Some(60));
    // Only the named API and only once.
    assert!(e.client.get_follow_user_list().is_ok());
    control(&e.sim, &format!("/corps/{CORP}/faults"), json!({"errcode": 45033, "count": 2}));
    assert_eq!(e.client.list_external_contacts("rm1").unwrap_err().errcode(), Some(45033));
    assert_eq!(e.client.get_follow_user_list().unwrap_err().errcode(), Some(45033));
    assert!(e.client.get_follow_user_list().is_ok());
}

#[test]
fn frequency_limit_blocks_until_the_minute_window_ends() {
    let e = env();
    control(&e.sim, "/corps", json!({"corp_id": CORP, "secret": SECRET, "rate_per_minute": 3}));
    // Align to the start of a sim minute so the window does not roll over mid-test.
    let now = control_get(&e.sim, "/clock")["now"].as_i64().unwrap();
    advance(&e.sim, 60 - now % 60);
    for _ in 0..3 {
        e.client.list_external_contacts("rm1").unwrap();
    }
    assert_eq!(e.client.list_external_contacts("rm1").unwrap_err().errcode(), Some(45009));
    // Another API has its own counter.
    assert!(e.client.get_follow_user_list().is_ok());
    advance(&e.sim, 30);
    assert_eq!(e.client.list_external_contacts("rm1").unwrap_err().errcode(), Some(45009));
    advance(&e.sim, 31);
    assert!(e.client.list_external_contacts("rm1").is_ok());
}
