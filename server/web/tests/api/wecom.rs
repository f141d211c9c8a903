//! WeCom's callback URL over real HTTP: the URL check, every refusal (each changing nothing), retries and
//! duplicates stored once, replayed nonces refused, events stored before the answer and then applied to
//! `wecom_contacts` by the engine; the emulator sending real encrypted callbacks; the token cache shared through
//! the database recovering from an expired token by itself.

use crate::harness::{Resp, TestApp};
use serde_json::{json, Value};
use siyu_config::WecomCorp;
use siyu_connectors::wecom::xml::{cdata, event_xml, XmlValue};
use siyu_connectors::wecom::{HttpSettings, MsgCrypt, Transport, UreqTransport, WecomClient};
use siyu_engine::wecom_inbox::WecomInbox;
use siyu_engine::Engine;
use siyu_store::wecom::{contacts, inbox};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const NAME: &str = "main";
const CORP: &str = "wwsiyutest000001";
const TOKEN: &str = "QDG6eK";
// The doc 90968 example key (43 characters; trailing bits set, as WeCom's console makes them).
const AES_KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const SECRET: &str = "sim-secret-main";

fn app() -> TestApp {
    TestApp::start_with(|s| {
        s.wecom.corps.push(WecomCorp {
            name: NAME.into(),
            corp_id: CORP.into(),
            token: Some(TOKEN.into()),
            encoding_aes_key: Some(AES_KEY.into()),
            secret: Some(SECRET.into()),
            ..Default::default()
        })
    })
}

fn crypt() -> MsgCrypt {
    MsgCrypt::new(TOKEN, AES_KEY, CORP).unwrap()
}

fn enc(v: &str) -> String {
    v.replace('%', "%25").replace('+', "%2B").replace('/', "%2F").replace('=', "%3D")
}

/// A change_external_contact document as WeCom sends it.
fn contact_doc(change: &str, user: &str, external: &str, at: i64, extra: &[(&str, &str)]) -> String {
    let mut f: Vec<(&str, XmlValue)> = vec![
        ("ToUserName", XmlValue::Text(CORP.into())),
        ("FromUserName", XmlValue::Text("sys".into())),
        ("CreateTime", XmlValue::Number(at)),
        ("MsgType", XmlValue::Text("event".into())),
        ("Event", XmlValue::Text("change_external_contact".into())),
        ("ChangeType", XmlValue::Text(change.into())),
        ("UserID", XmlValue::Text(user.into())),
        ("ExternalUserID", XmlValue::Text(external.into())),
    ];
    f.extend(extra.iter().map(|(k, v)| (*k, XmlValue::Text(v.to_string()))));
    event_xml(&f)
}

/// A signed POST: (query path, XML body).
struct Signed {
    path: String,
    body: String,
}

fn seal_with(c: &MsgCrypt, doc: &str, ts: i64, nonce: &str) -> Signed {
    let s = c.seal(doc, &ts.to_string(), nonce);
    Signed {
        path: format!("/wecom/callback/{NAME}?msg_signature={}&timestamp={ts}&nonce={nonce}", s.msg_signature),
        body: format!(
            "<xml><ToUserName>{}</ToUserName><Encrypt>{}</Encrypt><AgentID>{}</AgentID></xml>",
            cdata(CORP),
            cdata(&s.encrypt),
            cdata("")
        ),
    }
}

fn now(app: &TestApp) -> i64 {
    app.env().now().timestamp()
}

fn post(app: &TestApp, s: &Signed) -> Resp {
    app.client().raw("POST", &s.path, Some(("text/xml", s.body.clone().into_bytes())))
}

fn inbox_rows(app: &TestApp) -> Vec<inbox::InboxRow> {
    inbox::list(&mut app.conn(), NAME).unwrap()
}

fn nonces(app: &TestApp) -> i64 {
    inbox::nonce_count(&mut app.conn(), NAME).unwrap()
}

fn engine(app: &TestApp) -> Engine {
    Engine::new(app.state.pool.clone(), app.env().clone(), vec![]).with_pollers(vec![Arc::new(WecomInbox::default())])
}

fn metric(app: &TestApp, needle: &str) -> bool {
    app.client().get("/metrics").body.lines().any(|l| l.starts_with(needle))
}

#[test]
fn the_url_check_answers_the_decrypted_echostr() {
    let app = app();
    let c = crypt();
    let plain = "1616140317555161061";
    let s = c.seal(plain, "1409659589", "263014780");
    let path = format!(
        "/wecom/callback/{NAME}?msg_signature={}&timestamp=1409659589&nonce=263014780&echostr={}",
        s.msg_signature,
        enc(&s.encrypt)
    );
    // No timestamp window on the check: this one is from 2014.
    let r = app.client().get(&path);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, plain, "the raw plaintext, nothing around it");
    assert!(r.header("content-type").unwrap().starts_with("text/plain"));

    let forged = path.replace(&s.msg_signature, &"0".repeat(40));
    assert_eq!(app.client().get(&forged).status, 401);
    assert_eq!(app.client().get(&path.replace("/main?", "/other?")).status, 404);
    assert_eq!(app.client().get(&format!("/wecom/callback/{NAME}?timestamp=1")).status, 400);
}

#[test]
fn every_refusal_stores_nothing_and_is_counted() {
    let app = app();
    let c = crypt();
    let t = now(&app);
    let doc = contact_doc("add_external_contact", "rm1", "wmEXT0001", t, &[]);
    let audit_before = app.audit_total();

    let mut cases: Vec<(&str, Signed, u16, &str)> = vec![];
    let good = seal_with(&c, &doc, t, "n-good");
    cases.push((
        "unknown corp",
        Signed { path: good.path.replace("/main?", "/nope?"), body: good.body.clone() },
        404,
        "not_found",
    ));
    let mut bad_sig = seal_with(&c, &doc, t, "n-sig");
    bad_sig.path = bad_sig.path.replace("msg_signature=", "msg_signature=0");
    cases.push(("bad signature", bad_sig, 401, "wecom_bad_signature"));
    let tampered = seal_with(&c, &doc, t, "n-tamper");
    let body = tampered.body.clone();
    let enc_start = body.find("<Encrypt><![CDATA[").unwrap() + 18;
    let mut b = body.clone().into_bytes();
    b[enc_start] = if b[enc_start] == b'A' { b'B' } else { b'A' };
    cases.push((
        "ciphertext changed after signing",
        Signed { path: tampered.path.clone(), body: String::from_utf8(b).unwrap() },
        401,
        "wecom_bad_signature",
    ));
    let other_receiver = MsgCrypt::new(TOKEN, AES_KEY, "wwsomebodyelse01").unwrap();
    cases.push(("wrong receiveid", seal_with(&other_receiver, &doc, t, "n-recv"), 403, "wecom_wrong_receiver"));
    cases.push(("too old", seal_with(&c, &doc, t - 301, "n-old"), 403, "wecom_stale"));
    cases.push(("from the future", seal_with(&c, &doc, t + 301, "n-future"), 403, "wecom_stale"));
    cases.push((
        "malformed envelope",
        Signed { path: good.path.clone(), body: "<xml><Encrypt>unclosed".into() },
        400,
        "wecom_malformed",
    ));
    // Correctly signed, but not a ciphertext: the signature passes, decryption does not.
    let junk = "bm90IGEgY2lwaGVydGV4dA==";
    let sig = c.signature(&t.to_string(), "n-junk", junk);
    cases.push((
        "undecryptable",
        Signed {
            path: format!("/wecom/callback/{NAME}?msg_signature={sig}&timestamp={t}&nonce=n-junk"),
            body: format!("<xml><Encrypt><![CDATA[{junk}]]></Encrypt></xml>"),
        },
        400,
        "wecom_undecryptable",
    ));
    cases.push((
        "malformed event",
        seal_with(&c, "<xml><ToUserName>unclosed", t, "n-event"),
        400,
        "wecom_malformed_event",
    ));
    let mut huge = seal_with(&c, &doc, t, "n-huge");
    huge.body = format!("{}{}", huge.body, " ".repeat(70 * 1024));
    cases.push(("oversized", huge, 413, "payload_too_large"));
    cases.push((
        "missing nonce",
        Signed { path: format!("/wecom/callback/{NAME}?msg_signature=00&timestamp={t}"), body: good.body.clone() },
        400,
        "wecom_bad_query",
    ));

    for (what, s, status, code) in &cases {
        let r = post(&app, s);
        assert_eq!(r.status, *status, "{what}: {}", r.body);
        assert_eq!(r.code(), *code, "{what}");
        assert!(inbox_rows(&app).is_empty(), "{what}: nothing stored");
        assert_eq!(nonces(&app), 0, "{what}: no nonce remembered");
    }
    assert_eq!(app.audit_total(), audit_before, "refusals write nothing, not even audit records");
    for reason in ["bad_signature", "wrong_receiver", "stale", "malformed", "undecryptable", "too_large"] {
        assert!(
            metric(&app, &format!("siyu_wecom_callback_rejections_total{{corp=\"main\",reason=\"{reason}\"}}")),
            "{reason} counted"
        );
    }
    assert!(metric(&app, "siyu_wecom_callback_rejections_total{corp=\"-\",reason=\"unknown_corp\"}"));
    // The same, correct request still goes through afterwards.
    let r = post(&app, &good);
    assert_eq!((r.status, r.body.as_str()), (200, "success"));
    assert_eq!(inbox_rows(&app).len(), 1);
}

#[test]
fn retries_and_duplicates_are_stored_once_and_replayed_nonces_refused() {
    let app = app();
    let c = crypt();
    let t = now(&app);
    let doc = contact_doc("add_external_contact", "rm1", "wmEXT0002", t, &[("State", "outlet-a1")]);
    let first = seal_with(&c, &doc, t, "nonce-1");
    for _ in 0..3 {
        // WeCom's retry: the same request again.
        let r = post(&app, &first);
        assert_eq!((r.status, r.body.as_str()), (200, "success"));
    }
    // The same event re-encrypted under another nonce (another delivery of it).
    let r = post(&app, &seal_with(&c, &doc, t, "nonce-2"));
    assert_eq!((r.status, r.body.as_str()), (200, "success"));
    assert_eq!(inbox_rows(&app).len(), 1, "one event stored");

    // nonce-1 again, with another event: a replay.
    let other = contact_doc("del_follow_user", "rm1", "wmEXT0002", t, &[]);
    let r = post(&app, &seal_with(&c, &other, t, "nonce-1"));
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(r.code(), "wecom_replay");
    assert_eq!(inbox_rows(&app).len(), 1, "the replay stored nothing");
    assert!(metric(&app, "siyu_wecom_callback_rejections_total{corp=\"main\",reason=\"replay\"}"));

    // A distinct event in the same second is a new event.
    let r = post(&app, &seal_with(&c, &other, t, "nonce-3"));
    assert_eq!(r.status, 200);
    assert_eq!(inbox_rows(&app).len(), 2);
}

#[test]
fn the_json_envelope_is_accepted_too() {
    let app = app();
    let t = now(&app);
    let doc = contact_doc("add_external_contact", "rm1", "wmEXTjson0001", t, &[]);
    let s = crypt().seal(&doc, &t.to_string(), "j1");
    let path = format!("/wecom/callback/{NAME}?msg_signature={}&timestamp={t}&nonce=j1", s.msg_signature);
    let body = json!({"tousername": CORP, "encrypt": s.encrypt, "agentid": "218"}).to_string();
    let r = app.client().raw("POST", &path, Some(("application/json", body.into_bytes())));
    assert_eq!((r.status, r.body.as_str()), (200, "success"));
    assert_eq!(inbox_rows(&app).len(), 1);
}

#[test]
fn nonces_are_pruned_after_the_window() {
    let app = app();
    let t = now(&app);
    let r = post(&app, &seal_with(&crypt(), &contact_doc("edit_external_contact", "rm1", "wmE3", t, &[]), t, "n1"));
    assert_eq!(r.status, 200);
    assert_eq!(nonces(&app), 1);
    let e = engine(&app);
    e.poll_once();
    assert_eq!(nonces(&app), 1, "kept inside the window");
    app.advance(chrono::Duration::seconds(2 * 300 + 61));
    // The poller prunes at most once a minute; it has not run in this window yet.
    e.poll_once();
    assert_eq!(nonces(&app), 0, "forgotten after twice the window");
}

#[test]
fn events_are_stored_before_the_answer_then_applied_in_order_by_the_engine() {
    let app = app();
    let c = crypt();
    let t = now(&app);
    let ext = "wmEXTcustomer0004";
    let welcome = "WELCOME-CODE-SECRET-77";
    let steps = [
        contact_doc("add_half_external_contact", "rm1", ext, t, &[("State", "campaign-9")]),
        contact_doc("add_external_contact", "rm1", ext, t + 1, &[("WelcomeCode", welcome)]),
        contact_doc("edit_external_contact", "rm1", ext, t + 2, &[]),
        contact_doc("add_external_contact", "rm2", ext, t + 3, &[]),
        contact_doc("del_follow_user", "rm2", ext, t + 4, &[]),
        contact_doc("del_external_contact", "rm1", ext, t + 5, &[("Source", "DELETE_BY_TRANSFER")]),
        contact_doc("transfer_fail", "rm3", ext, t + 6, &[("FailReason", "customer_refused")]),
    ];
    // Delivered out of order: the engine applies them in WeCom's CreateTime order.
    for (i, doc) in steps.iter().enumerate().rev() {
        let r = post(&app, &seal_with(&c, doc, t, &format!("n{i}")));
        assert_eq!((r.status, r.body.as_str()), (200, "success"));
        // Stored before the answer came back.
        assert_eq!(inbox_rows(&app).len(), steps.len() - i);
    }
    assert!(inbox_rows(&app).iter().all(|r| r.status == "pending"));
    assert!(contacts::list(&mut app.conn(), NAME).unwrap().is_empty(), "nothing applied on the hot path");
    let batches_before = app.audit_count("wecom.inbox_batch");

    assert_eq!(engine(&app).poll_once(), steps.len());
    assert!(inbox_rows(&app).iter().all(|r| r.status == "processed"), "{:?}", inbox_rows(&app));
    assert_eq!(app.audit_count("wecom.inbox_batch"), batches_before + 1, "one audit record for the batch");
    let rows = contacts::list(&mut app.conn(), NAME).unwrap();
    let by = |u: &str| rows.iter().find(|r| r.follow_userid == u).unwrap().clone();
    let rm1 = by("rm1");
    assert_eq!(rm1.status, "deleted");
    assert_eq!(rm1.delete_reason.as_deref(), Some("transfer"));
    assert_eq!(rm1.state.as_deref(), Some("campaign-9"), "the channel state stays with the relation");
    assert_eq!(rm1.added_at.map(|a| a.and_utc().timestamp()), Some(t + 1), "added when the member confirmed");
    let rm2 = by("rm2");
    assert_eq!((rm2.status.as_str(), rm2.delete_reason.as_deref()), ("deleted", Some("customer")));
    let rm3 = by("rm3");
    assert_eq!((rm3.status.as_str(), rm3.transfer_failure.as_deref()), ("transfer_failed", Some("customer_refused")));
    assert_eq!(rm3.last_event, "transfer_fail");

    // Nothing left to do; a late retry of an applied event stores nothing and changes nothing.
    assert_eq!(engine(&app).poll_once(), 0);
    let r = post(&app, &seal_with(&c, &steps[1], t, "late"));
    assert_eq!(r.status, 200);
    assert_eq!(inbox_rows(&app).len(), steps.len());
    assert!(!crate::harness::logs().contains(welcome), "the welcome code is never logged");
}

#[test]
fn other_events_are_stored_and_ignored() {
    let app = app();
    let t = now(&app);
    let doc = event_xml(&[
        ("ToUserName", XmlValue::Text(CORP.into())),
        ("FromUserName", XmlValue::Text("sys".into())),
        ("CreateTime", XmlValue::Number(t)),
        ("MsgType", XmlValue::Text("event".into())),
        ("Event", XmlValue::Text("change_external_tag".into())),
        ("ChangeType", XmlValue::Text("create".into())),
        ("Id", XmlValue::Text("etTAG01".into())),
        ("TagType", XmlValue::Text("tag".into())),
    ]);
    assert_eq!(post(&app, &seal_with(&crypt(), &doc, t, "x1")).status, 200);
    assert_eq!(engine(&app).poll_once(), 1);
    let rows = inbox_rows(&app);
    assert_eq!((rows[0].status.as_str(), rows[0].event_type.as_str()), ("ignored", "change_external_tag"));
}

/// The emulator, pointed at the test server, playing WeCom.
fn sim_for(app: &TestApp) -> siyu_wecom_sim::SimHandle {
    let sim = siyu_wecom_sim::spawn("127.0.0.1:0").unwrap();
    let url = format!("{}/wecom/callback/{NAME}", app.base);
    control(
        &sim,
        "/corps",
        json!({"corp_id": CORP, "secret": SECRET, "callback": {"url": url, "token": TOKEN, "encoding_aes_key": AES_KEY}}),
    );
    for u in ["rm1", "rm2"] {
        control(&sim, &format!("/corps/{CORP}/users"), json!({"userid": u}));
    }
    sim
}

/// Stops the emulator's server (its handle's future needs an actix system).
fn stop(sim: siyu_wecom_sim::SimHandle) {
    let h = sim.server.clone();
    let _ = std::thread::spawn(move || actix_web::rt::System::new().block_on(h.stop(false))).join();
}

fn control(sim: &siyu_wecom_sim::SimHandle, path: &str, body: Value) -> Value {
    match ureq::post(&format!("{}/__sim{path}", sim.base_url())).send_json(body) {
        Ok(r) => r.into_json().unwrap(),
        Err(ureq::Error::Status(s, r)) => panic!("{path}: {s} {}", r.into_string().unwrap_or_default()),
        Err(e) => panic!("{path}: {e}"),
    }
}

#[test]
fn the_emulator_s_encrypted_callbacks_are_accepted_and_applied() {
    let app = app();
    let sim = sim_for(&app);
    let check = control(&sim, &format!("/corps/{CORP}/verify_url"), json!({}));
    assert_eq!(check["ok"], true, "{check}");

    let added = control(&sim, &format!("/corps/{CORP}/customer_adds"), json!({"userid": "rm1", "state": "outlet-a1"}));
    let ext = added["external_userid"].as_str().unwrap().to_string();
    let attempts = added["callbacks"].to_string();
    assert!(attempts.contains("\"status\":200"), "{attempts}");
    control(
        &sim,
        &format!("/corps/{CORP}/customer_deletes"),
        json!({"userid": "rm1", "external_userid": ext, "by": "customer"}),
    );
    assert_eq!(inbox_rows(&app).len(), 2);
    assert_eq!(engine(&app).poll_once(), 2);
    let c = contacts::get(&mut app.conn(), NAME, &ext, "rm1").unwrap().unwrap();
    assert_eq!(
        (c.status.as_str(), c.state.as_deref(), c.delete_reason.as_deref()),
        ("deleted", Some("outlet-a1"), Some("customer"))
    );
    stop(sim);
}

/// Counts gettoken calls on their way to the emulator.
struct Counting {
    inner: UreqTransport,
    gettoken: AtomicUsize,
}

impl Transport for Counting {
    fn send(
        &self,
        req: &siyu_connectors::wecom::transport::HttpRequest,
    ) -> Result<siyu_connectors::wecom::transport::HttpResponse, siyu_connectors::wecom::transport::TransportError>
    {
        if req.url.ends_with("/cgi-bin/gettoken") {
            self.gettoken.fetch_add(1, Ordering::SeqCst);
        }
        self.inner.send(req)
    }
}

#[test]
fn the_token_cache_is_shared_through_the_database_and_recovers_from_expiry() {
    let app = app();
    let sim = siyu_wecom_sim::spawn("127.0.0.1:0").unwrap();
    control(&sim, "/corps", json!({"corp_id": CORP, "secret": SECRET}));
    control(&sim, &format!("/corps/{CORP}/users"), json!({"userid": "rm1"}));
    let transport = Arc::new(Counting {
        inner: UreqTransport::new(&HttpSettings::default()).unwrap(),
        gettoken: AtomicUsize::new(0),
    });
    // Two "replicas": separate clients and caches over one database.
    let replica = || {
        WecomClient::new(transport.clone(), &sim.base_url(), CORP, SECRET).with_token_cache(Arc::new(
            siyu_app::wecom::tokens::DbTokenCache::new(app.state.pool.clone(), app.env().clone(), NAME),
        ))
    };
    let (a, b) = (replica(), replica());
    assert_eq!(a.get_follow_user_list().unwrap(), vec!["rm1".to_string()]);
    assert_eq!(b.get_follow_user_list().unwrap(), vec!["rm1".to_string()]);
    assert_eq!(transport.gettoken.load(Ordering::SeqCst), 1, "the second replica used the stored token");
    assert_eq!(app.audit_count("wecom.token_refresh"), 1);

    // Stored sealed, never in clear.
    let token = a.access_token().unwrap();
    let stored: Option<String> = {
        use diesel::prelude::*;
        use siyu_store::schema::wecom_tokens;
        wecom_tokens::table.find(NAME).select(wecom_tokens::access_token).first(&mut *app.conn()).unwrap()
    };
    assert!(!stored.unwrap().contains(&token));

    // WeCom expires the token in the middle of a sequence of calls: each call still succeeds.
    for i in 0..6 {
        if i == 2 {
            control(&sim, &format!("/corps/{CORP}/tokens/expire"), json!({}));
        }
        if i == 4 {
            control(&sim, &format!("/corps/{CORP}/tokens/revoke"), json!({}));
        }
        let c = if i % 2 == 0 { &a } else { &b };
        assert_eq!(c.get_follow_user_list().unwrap().len(), 1, "call {i}");
    }
    assert_eq!(transport.gettoken.load(Ordering::SeqCst), 3, "one refresh per invalidation, shared by both");

    // Our own expiry (7200 s less the early refresh) also refreshes.
    app.advance(chrono::Duration::seconds(7200));
    assert_eq!(a.get_follow_user_list().unwrap().len(), 1);
    assert_eq!(transport.gettoken.load(Ordering::SeqCst), 4);
    stop(sim);
}

#[test]
fn concurrent_callers_on_separate_replicas_fetch_one_token() {
    let app = app();
    let sim = siyu_wecom_sim::spawn("127.0.0.1:0").unwrap();
    control(&sim, "/corps", json!({"corp_id": CORP, "secret": SECRET}));
    control(&sim, &format!("/corps/{CORP}/users"), json!({"userid": "rm1"}));
    let transport = Arc::new(Counting {
        inner: UreqTransport::new(&HttpSettings::default()).unwrap(),
        gettoken: AtomicUsize::new(0),
    });
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let client = WecomClient::new(transport.clone(), &sim.base_url(), CORP, SECRET).with_token_cache(Arc::new(
                siyu_app::wecom::tokens::DbTokenCache::new(app.state.pool.clone(), app.env().clone(), NAME),
            ));
            std::thread::spawn(move || client.get_follow_user_list().map(|l| l.len()))
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap().unwrap(), 1);
    }
    assert_eq!(transport.gettoken.load(Ordering::SeqCst), 1, "one gettoken for four concurrent callers");
    stop(sim);
}

#[test]
fn the_running_engine_applies_callbacks_by_itself() {
    let app = app();
    let stop_flag = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let worker = Arc::new(engine(&app)).spawn(stop_flag.clone(), std::time::Duration::from_millis(20));
    let t = now(&app);
    let doc = contact_doc("add_external_contact", "rm1", "wmEXTrunning01", t, &[]);
    assert_eq!(post(&app, &seal_with(&crypt(), &doc, t, "r1")).status, 200);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let applied = loop {
        if let Some(c) = contacts::get(&mut app.conn(), NAME, "wmEXTrunning01", "rm1").unwrap() {
            break c;
        }
        assert!(std::time::Instant::now() < deadline, "not applied within 10 s");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(applied.status, "active");
    stop_flag.store(true, Ordering::Relaxed);
    worker.join().unwrap();
}
