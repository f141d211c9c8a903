//! SMS to a customer through the bank's gateway, played by a small HTTP server on loopback: an RM queues a
//! message to a customer in scope (consent, a mobile on record and the egress guard checked), the engine sends it
//! to the customer's own mobile, read from the sealed record; any other mobile, an ID or card number, a customer's
//! name, address or number is refused and nothing is queued; a failing gateway is retried, a refusal is final,
//! an opt-out after the request cancels it.

use crate::customers::{seed, MOBILE};
use crate::harness::TestApp;
use chrono::Duration;
use diesel::prelude::*;
use serde_json::{json, Value};
use siyu_domain::access::Role;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// What the fake gateway answers, in turn (the last repeats), and what it was sent: (Authorization, body).
#[derive(Default)]
struct Gateway {
    answers: Vec<(u16, String)>,
    seen: Vec<(String, Value)>,
}

fn serve(gw: Arc<Mutex<Gateway>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let (mut auth, mut len) = (String::new(), 0usize);
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap() == 0 || h == "\r\n" {
                    break;
                }
                let (k, v) = h.split_once(':').unwrap_or(("", ""));
                match k.to_ascii_lowercase().as_str() {
                    "authorization" => auth = v.trim().to_string(),
                    "content-length" => len = v.trim().parse().unwrap_or(0),
                    _ => {}
                }
            }
            let mut body = vec![0u8; len];
            reader.read_exact(&mut body).unwrap();
            let (status, answer) = {
                let mut g = gw.lock().unwrap();
                assert!(line.starts_with("POST /api/messages "), "{line}");
                g.seen.push((auth, serde_json::from_slice(&body).unwrap_or(Value::Null)));
                if g.answers.len() > 1 {
                    g.answers.remove(0)
                } else {
                    g.answers.first().cloned().unwrap_or((200, r#"{"message_id":"gw-1"}"#.into()))
                }
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    format!("http://{addr}/api")
}

struct World {
    app: TestApp,
    gw: Arc<Mutex<Gateway>>,
    a: String,
    b: String,
    rm: String,
    org: crate::harness::Org,
}

fn world_with(adjust: impl FnOnce(&mut siyu_config::Settings)) -> World {
    let gw = Arc::new(Mutex::new(Gateway::default()));
    let base = serve(gw.clone());
    let app = TestApp::start_with(|s| {
        s.sms.base_url = Some(base);
        s.sms.token = Some("sms-gw-token".into());
        s.sms.account = "siyu-test".into();
        adjust(s);
    });
    let org = app.org();
    let (a, b) = seed(&app, &org);
    let rm = app.user("rm.sms", &org.outlet_a1, &[Role::Rm]);
    World { app, gw, a, b, rm, org }
}

fn world() -> World {
    world_with(|_| {})
}

fn deliver(app: &TestApp) -> siyu_app::sms::Delivered {
    let gateway = siyu_app::sms::gateway(app.env()).unwrap().unwrap();
    siyu_app::sms::deliver_due(&mut app.conn(), app.env(), &gateway).unwrap()
}

fn outbox(app: &TestApp) -> Vec<(String, String)> {
    use siyu_store::schema::sms_outbox;
    sms_outbox::table
        .order(sms_outbox::created_at.asc())
        .select((sms_outbox::status, sms_outbox::text))
        .load(&mut *app.conn())
        .unwrap()
}

#[test]
fn an_rm_texts_a_customer_at_their_own_mobile_through_the_gateway() {
    let w = world();
    let mut c = w.app.bearer(&w.rm);
    let text = "您好，本周六有理财沙龙，如需预约请回电，您登记的手机 139 1234 5678 可接收提醒";
    let r = c.post(&format!("/api/v1/customers/{}/sms", w.a), json!({"text": text}));
    assert_eq!(r.status, 202, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(r.json()["status"], "pending");
    assert_eq!(w.app.audit_count("customer.sms"), 1);
    let rows = outbox(&w.app);
    assert_eq!(rows.len(), 1);
    assert!(!rows[0].1.contains("理财") && !rows[0].1.contains("5678"), "the stored text is sealed");

    let d = deliver(&w.app);
    assert_eq!((d.sent, d.blocked, d.failed), (1, 0, 0));
    {
        let g = w.gw.lock().unwrap();
        assert_eq!(g.seen.len(), 1);
        let (auth, body) = &g.seen[0];
        assert_eq!(auth, "Bearer sms-gw-token");
        assert_eq!(body["mobile"], MOBILE, "the customer's own mobile, from the sealed record");
        assert_eq!((body["text"].as_str(), body["request_id"].as_str()), (Some(text), Some(id.as_str())));
        assert_eq!(body["account"], "siyu-test");
    }
    assert_eq!(w.app.audit_count("sms.delivery"), 1);
    assert_eq!(deliver(&w.app).total(), 0, "sent once");
    let list = c.get(&format!("/api/v1/customers/{}/sms", w.a));
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.json()["items"][0]["status"], "sent");
    assert!(!list.body.contains("5678") && !list.body.contains("沙龙"), "status only: {}", list.body);
}

#[test]
fn anything_but_the_own_mobile_is_refused_and_nothing_is_queued() {
    let w = world();
    // A third customer with an address, in the RM's outlet.
    let hq = w.app.org_hq_operator();
    let r = w.app.bearer(&hq).post(
        "/api/v1/customers/batch",
        json!({"items": [{"customer_no": "6200000003", "name": "王小明", "outlet_code": "BJ01",
                          "address": "北京市朝阳区建国路88号3单元501"}]}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let mut c = w.app.bearer(&w.rm);
    let path = format!("/api/v1/customers/{}/sms", w.a);
    for (text, found) in [
        ("请联系客户经理 13800138000", "mobile"),
        ("身份证 11010519491231002X 已更新", "resident_id"),
        ("卡号 6222 0212 3456 7894 到期", "bank_card"),
        ("欧阳明华您好，沙龙周六举行", "customer_name"),
        ("李雷也报名了", "customer_name"),
        ("快递寄往北京市朝阳区 建国路88号3单元501，请查收", "customer_address"),
        ("客户号 6200000002 已更新", "customer_no"),
        ("本机 13912345678，也可拨 13700000002", "mobile"),
    ] {
        let r = c.post(&path, json!({"text": text}));
        assert_eq!((r.status, r.code().as_str()), (409, "egress_blocked"), "{text}: {}", r.body);
        assert!(r.body.contains(found), "{text}: {}", r.body);
    }
    assert_eq!(w.app.audit_count("egress.blocked"), 8);
    assert_eq!(w.app.audit_count("customer.sms"), 0);
    assert!(outbox(&w.app).is_empty());

    // Without the configured exception the customer's own mobile is refused too.
    let w = world_with(|s| s.egress.allow_sms_own_mobile = false);
    let r = w.app.bearer(&w.rm).post(&format!("/api/v1/customers/{}/sms", w.a), json!({"text": "本机 13912345678"}));
    assert_eq!((r.status, r.code().as_str()), (409, "egress_blocked"), "{}", r.body);
}

#[test]
fn scope_permission_consent_and_bad_input_change_nothing() {
    let w = world();
    let mut c = w.app.bearer(&w.rm);
    let r = c.post(&format!("/api/v1/customers/{}/sms", w.b), json!({"text": "您好"}));
    assert!(matches!(r.status, 403 | 404), "out of scope: {}", r.body);
    for body in
        [json!({"text": "  "}), json!({"text": "字".repeat(470)}), json!({"text": "a", "mobile": "13800138000"})]
    {
        let r = c.post(&format!("/api/v1/customers/{}/sms", w.a), body);
        assert_eq!(r.status, 400, "{}", r.body);
    }
    let auditor = w.app.user("aud.sms", &w.org.hq, &[Role::Auditor]);
    assert_eq!(
        w.app.bearer(&auditor).post(&format!("/api/v1/customers/{}/sms", w.a), json!({"text": "您好"})).status,
        403
    );

    // The customer refuses SMS marketing: refused when asked, and a message queued before is cancelled.
    let r = c.post(&format!("/api/v1/customers/{}/sms", w.a), json!({"text": "您好，周末沙龙"}));
    assert_eq!(r.status, 202, "{}", r.body);
    let consent = json!({"channels": ["sms"], "opted_out": true, "source": "customer", "reason": "客户来电要求"});
    assert_eq!(c.send("PUT", &format!("/api/v1/customers/{}/consent", w.a), Some(consent)).status, 200);
    let r = c.post(&format!("/api/v1/customers/{}/sms", w.a), json!({"text": "您好"}));
    assert_eq!((r.status, r.code().as_str()), (409, "sms_opted_out"), "{}", r.body);
    let d = deliver(&w.app);
    assert_eq!((d.cancelled, d.sent), (1, 0));
    assert!(w.gw.lock().unwrap().seen.is_empty(), "nothing reached the gateway");
    assert_eq!(outbox(&w.app).iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), vec!["cancelled"]);
    assert_eq!(w.app.audit_count("customer.sms"), 1);

    // SMS off: refused, nothing queued.
    let off = TestApp::start();
    let org = off.org();
    let (a, _) = seed(&off, &org);
    let rm = off.user("rm.off", &org.outlet_a1, &[Role::Rm]);
    let r = off.bearer(&rm).post(&format!("/api/v1/customers/{a}/sms"), json!({"text": "您好"}));
    assert_eq!((r.status, r.code().as_str()), (409, "sms_not_configured"), "{}", r.body);
}

#[test]
fn a_failing_gateway_is_retried_a_refusal_is_final_and_a_repeat_is_not_sent_twice() {
    let w = world();
    w.gw.lock().unwrap().answers = vec![
        (503, "{}".into()),
        (409, r#"{"message_id":"gw-dup"}"#.into()),
        (422, r#"{"code":"invalid_mobile","message":"13912345678 unreachable"}"#.into()),
    ];
    let mut c = w.app.bearer(&w.rm);
    let r = c.post(&format!("/api/v1/customers/{}/sms", w.a), json!({"text": "您好，周末沙龙"}));
    assert_eq!(r.status, 202);
    let d = deliver(&w.app);
    assert_eq!((d.retrying, d.sent), (1, 0));
    assert_eq!(deliver(&w.app).total(), 0, "not before the backoff");
    w.app.advance(Duration::minutes(3));
    // The gateway had taken it already (its answer was lost): 409 with its id counts as sent, once.
    assert_eq!(deliver(&w.app).sent, 1);
    let r = c.post(&format!("/api/v1/customers/{}/sms", w.a), json!({"text": "您好，理财到期提醒"}));
    assert_eq!(r.status, 202);
    let d = deliver(&w.app);
    assert_eq!(d.failed, 1, "a refusal is not retried");
    let list = c.get(&format!("/api/v1/customers/{}/sms", w.a)).json();
    let failed = &list["items"][0];
    assert_eq!(failed["status"], "failed");
    let err = failed["last_error"].as_str().unwrap();
    assert!(err.contains("422") && err.contains("invalid_mobile") && !err.contains("13912345678"), "{err}");
    let g = w.gw.lock().unwrap();
    let ids: Vec<&str> = g.seen.iter().map(|s| s.1["request_id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(ids[0], ids[1], "the retry carries the same request id, the gateway's idempotency key");
}

#[test]
fn a_message_that_does_not_open_fails_alone_and_the_queue_goes_on() {
    use siyu_store::schema::sms_outbox;
    let w = world();
    let mut c = w.app.bearer(&w.rm);
    let first = c.post(&format!("/api/v1/customers/{}/sms", w.a), json!({"text": "您好，第一条"})).json();
    w.app.advance(Duration::seconds(1));
    let second = c.post(&format!("/api/v1/customers/{}/sms", w.a), json!({"text": "您好，第二条"})).json();
    let (first, second) = (first["id"].as_str().unwrap(), second["id"].as_str().unwrap());
    // The second message's sealed text copied onto the first row: bound to its own row, it does not open there.
    let other: String = sms_outbox::table.find(second).select(sms_outbox::text).first(&mut *w.app.conn()).unwrap();
    diesel::update(sms_outbox::table.find(first)).set(sms_outbox::text.eq(other)).execute(&mut *w.app.conn()).unwrap();
    let d = deliver(&w.app);
    assert_eq!((d.failed, d.sent), (1, 1));
    let g = w.gw.lock().unwrap();
    assert_eq!(g.seen.len(), 1);
    assert_eq!(
        (g.seen[0].1["request_id"].as_str(), g.seen[0].1["text"].as_str()),
        (Some(second), Some("您好，第二条"))
    );
    let list = c.get(&format!("/api/v1/customers/{}/sms", w.a)).json();
    let failed = list["items"].as_array().unwrap().iter().find(|i| i["id"] == first).unwrap().clone();
    assert_eq!((failed["status"].as_str(), failed["last_error"].as_str()), (Some("failed"), Some("integrity")));
}
