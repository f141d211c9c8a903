//! Transfers (24 h wait, customer refusal, 2 per 90 days, resigned form) and encrypted callbacks received and
//! decrypted by a receiver built on the connector's crypto, including WeCom's retries and the URL handshake.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpResponse, HttpServer};
use common::*;
use serde_json::json;
use siyu_connectors::wecom::api::transfer::{status, TransferCustomer, TransferResultQuery};
use siyu_connectors::wecom::xml::{parse_event, CallbackEvent, ExternalContactEvent, TransferFailReason};
use siyu_connectors::wecom::MsgCrypt;

const TOKEN: &str = "simcbtoken";
const AES_KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";

#[derive(Default)]
struct Inbox {
    events: Vec<CallbackEvent>,
    /// Answer HTTP 500 to this many POSTs first (to see WeCom's retries).
    fail_first: usize,
    posts: usize,
}

/// A stand-in for siyu's callback endpoint: verifies, decrypts and parses with the connector.
fn receiver(inbox: Arc<Mutex<Inbox>>) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let crypt = web::Data::new(MsgCrypt::new(TOKEN, AES_KEY, CORP).unwrap());
            let inbox = web::Data::new(inbox);
            let srv = HttpServer::new(move || {
                App::new()
                    .app_data(crypt.clone())
                    .app_data(inbox.clone())
                    .route(
                        "/cb",
                        web::get().to(|c: web::Data<MsgCrypt>, q: web::Query<HashMap<String, String>>| async move {
                            match c.verify_url(&q["msg_signature"], &q["timestamp"], &q["nonce"], &q["echostr"]) {
                                Ok(p) => HttpResponse::Ok().body(p),
                                Err(e) => HttpResponse::BadRequest().body(e.to_string()),
                            }
                        }),
                    )
                    .route(
                        "/cb",
                        web::post().to(
                            |c: web::Data<MsgCrypt>,
                             i: web::Data<Arc<Mutex<Inbox>>>,
                             q: web::Query<HashMap<String, String>>,
                             body: String| async move {
                                let mut inbox = i.lock().unwrap();
                                inbox.posts += 1;
                                if inbox.posts <= inbox.fail_first {
                                    return HttpResponse::InternalServerError().finish();
                                }
                                let msg =
                                    match c.decrypt_message(&q["msg_signature"], &q["timestamp"], &q["nonce"], &body) {
                                        Ok(m) => m,
                                        Err(e) => return HttpResponse::BadRequest().body(e.to_string()),
                                    };
                                inbox.events.push(parse_event(&msg).unwrap().kind);
                                HttpResponse::Ok().finish()
                            },
                        ),
                    )
            })
            .workers(1)
            .disable_signals()
            .bind("127.0.0.1:0")
            .unwrap();
            tx.send(srv.addrs()[0]).unwrap();
            srv.run().await.unwrap();
        })
    });
    format!("http://{}/cb", rx.recv().unwrap())
}

fn env_with_callbacks() -> (Env, Arc<Mutex<Inbox>>) {
    let e = env();
    let inbox = Arc::new(Mutex::new(Inbox::default()));
    let url = receiver(inbox.clone());
    control(
        &e.sim,
        "/corps",
        json!({"corp_id": CORP, "secret": SECRET, "callback": {"url": url, "token": TOKEN, "encoding_aes_key": AES_KEY}}),
    );
    (e, inbox)
}

#[test]
fn url_verification_handshake() {
    let (e, _) = env_with_callbacks();
    let v = control(&e.sim, &format!("/corps/{CORP}/verify_url"), json!({}));
    assert_eq!(v["ok"], true, "{v}");
}

#[test]
fn add_and_delete_callbacks_arrive_encrypted_and_parse() {
    let (e, inbox) = env_with_callbacks();
    let add = control(&e.sim, &format!("/corps/{CORP}/customer_adds"), json!({"userid": "rm1", "state": "campaign-7"}));
    assert_eq!(add["callbacks"][0][0]["status"], 200);
    let ext = add["external_userid"].as_str().unwrap().to_owned();
    control(&e.sim, &format!("/corps/{CORP}/customer_deletes"), json!({"userid": "rm1", "external_userid": ext}));
    let events = inbox.lock().unwrap().events.clone();
    assert_eq!(
        events[0],
        CallbackEvent::ExternalContact(ExternalContactEvent::Add {
            user_id: "rm1".into(),
            external_user_id: ext.clone(),
            state: Some("campaign-7".into()),
            welcome_code: add["welcome_code"].as_str().map(str::to_owned),
        })
    );
    assert_eq!(
        events[1],
        CallbackEvent::ExternalContact(ExternalContactEvent::DelFollowUser {
            user_id: "rm1".into(),
            external_user_id: ext
        })
    );
    // A raw chat event.
    control(
        &e.sim,
        &format!("/corps/{CORP}/events"),
        json!({"fields": {"Event": "change_external_chat", "ChatId": "wr123", "ChangeType": "create"}}),
    );
    assert!(matches!(inbox.lock().unwrap().events[2], CallbackEvent::ExternalChat(_)));
}

#[test]
fn failed_deliveries_are_retried_three_times() {
    let (e, inbox) = env_with_callbacks();
    inbox.lock().unwrap().fail_first = 2;
    let add = control(&e.sim, &format!("/corps/{CORP}/customer_adds"), json!({"userid": "rm1"}));
    let attempts = add["callbacks"][0].as_array().unwrap();
    assert_eq!(attempts.len(), 3);
    assert_eq!(attempts[2]["status"], 200);
    assert_eq!(inbox.lock().unwrap().events.len(), 1);
    // Never accepted: 1 attempt + 3 retries, then WeCom gives up.
    inbox.lock().unwrap().fail_first = 100;
    let add = control(&e.sim, &format!("/corps/{CORP}/customer_adds"), json!({"userid": "rm2"}));
    assert_eq!(add["callbacks"][0].as_array().unwrap().len(), 4);
}

#[test]
fn on_duty_transfer_waits_24h_and_refusal_fails_it() {
    let (e, inbox) = env_with_callbacks();
    let a = seed_contact(&e.sim, "A", &["rm1"]);
    let b = seed_contact(&e.sim, "B", &["rm1"]);
    let other = seed_contact(&e.sim, "O", &["rm3"]);
    let started = e
        .client
        .transfer_customer(&TransferCustomer {
            handover_userid: "rm1".into(),
            takeover_userid: "rm2".into(),
            external_userid: vec![a.clone(), b.clone(), other.clone(), "wmghost".into()],
            transfer_success_msg: None,
        })
        .unwrap();
    let codes: HashMap<_, _> = started.customer.iter().map(|c| (c.external_userid.clone(), c.errcode)).collect();
    assert_eq!(codes[&a], 0);
    assert_eq!(codes[&b], 0);
    assert_eq!(codes[&other], 40131, "handover is not a follower");
    assert_eq!(codes["wmghost"], 40096);

    let q = TransferResultQuery { handover_userid: "rm1".into(), takeover_userid: "rm2".into(), cursor: String::new() };
    let r = e.client.transfer_result(&q).unwrap();
    assert!(r.customer.iter().all(|c| c.status == status::WAITING && c.takeover_time > 0));

    // B refuses: status 3 and a transfer_fail callback naming the takeover member.
    control(&e.sim, &format!("/corps/{CORP}/transfers/refuse"), json!({"external_userid": b}));
    // 24 h later A is taken over: rm1 loses A with Source DELETE_BY_TRANSFER.
    advance(&e.sim, 24 * 3600 + 1);
    let r = e.client.transfer_result(&q).unwrap();
    let st: HashMap<_, _> = r.customer.iter().map(|c| (c.external_userid.clone(), c.status)).collect();
    assert_eq!(st[&a], status::DONE);
    assert_eq!(st[&b], status::REFUSED);
    let d = e.client.get_external_contact(&a, "").unwrap();
    assert_eq!(d.follow_user.iter().map(|f| f.userid.as_str()).collect::<Vec<_>>(), vec!["rm2"]);
    let events = inbox.lock().unwrap().events.clone();
    assert!(events.contains(&CallbackEvent::ExternalContact(ExternalContactEvent::TransferFail {
        user_id: "rm2".into(),
        external_user_id: b.clone(),
        reason: TransferFailReason::CustomerRefused,
    })));
    assert!(events.contains(&CallbackEvent::ExternalContact(ExternalContactEvent::Del {
        user_id: "rm1".into(),
        external_user_id: a.clone(),
        by_transfer: true,
    })));

    // A back to rm1 would be A's second transfer in 90 days (allowed); a third is refused with 40128.
    let back = |from: &str, to: &str| {
        e.client
            .transfer_customer(&TransferCustomer {
                handover_userid: from.into(),
                takeover_userid: to.into(),
                external_userid: vec![a.clone()],
                transfer_success_msg: None,
            })
            .unwrap()
            .customer[0]
            .errcode
    };
    assert_eq!(back("rm2", "rm3"), 0);
    assert_eq!(back("rm2", "rm3"), 40100, "already being transferred");
    advance(&e.sim, 24 * 3600 + 1);
    assert_eq!(back("rm3", "rm1"), 40128);
    // Same member on both sides.
    let same = TransferCustomer {
        handover_userid: "rm1".into(),
        takeover_userid: "rm1".into(),
        external_userid: vec![a],
        transfer_success_msg: None,
    };
    assert_eq!(e.client.transfer_customer(&same).unwrap_err().errcode(), Some(40130));
}

#[test]
fn resigned_transfer_needs_a_resigned_handover() {
    let e = env();
    let a = seed_contact(&e.sim, "A", &["rm1"]);
    let req = TransferCustomer {
        handover_userid: "rm1".into(),
        takeover_userid: "rm2".into(),
        external_userid: vec![a.clone()],
        transfer_success_msg: None,
    };
    assert_eq!(e.client.resigned_transfer_customer(&req).unwrap_err().errcode(), Some(40097));
    control(&e.sim, &format!("/corps/{CORP}/users/rm1/resign"), json!({}));
    assert!(!e.client.get_follow_user_list().unwrap().contains(&"rm1".to_owned()));
    assert_eq!(e.client.resigned_transfer_customer(&req).unwrap().customer[0].errcode, 0);
    let q = TransferResultQuery { handover_userid: "rm1".into(), takeover_userid: "rm2".into(), cursor: String::new() };
    assert_eq!(e.client.resigned_transfer_result(&q).unwrap().customer[0].status, status::WAITING);
    // The on-duty result does not list resigned transfers.
    assert!(e.client.transfer_result(&q).unwrap().customer.is_empty());
    advance(&e.sim, 24 * 3600 + 1);
    assert_eq!(e.client.resigned_transfer_result(&q).unwrap().customer[0].status, status::DONE);
    assert_eq!(e.client.list_external_contacts("rm2").unwrap(), vec![a]);
}
