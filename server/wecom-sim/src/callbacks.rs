//! The emulator playing WeCom's server: events encrypted with the connector's WXBizMsgCrypt and POSTed to the
//! configured siyu URL; the GET URL-verification handshake. Delivery as WeCom documents it: answer within 5 s or
//! the request is retried, 3 retries in total (the notes §1.6); every attempt is logged for tests.

use std::time::Duration;

use serde_json::{json, Value};
use siyu_connectors::wecom::xml::{cdata, event_xml, XmlValue};
use siyu_connectors::wecom::MsgCrypt;

use crate::state::CallbackCfg;

/// An event's own fields (after the common header).
pub type EventFields = Vec<(String, XmlValue)>;

/// WeCom waits this long for an answer.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(5);
/// Retries after the first attempt.
pub const RETRIES: usize = 3;

/// A `change_external_contact` event.
pub fn contact_event(
    change_type: &str,
    userid: &str,
    external_userid: &str,
    extra: Vec<(&str, XmlValue)>,
) -> EventFields {
    let mut f: EventFields = vec![
        ("Event".into(), XmlValue::Text("change_external_contact".into())),
        ("ChangeType".into(), XmlValue::Text(change_type.into())),
        ("UserID".into(), XmlValue::Text(userid.into())),
        ("ExternalUserID".into(), XmlValue::Text(external_userid.into())),
    ];
    f.extend(extra.into_iter().map(|(k, v)| (k.to_owned(), v)));
    f
}

/// The decrypted document: header (ToUserName, FromUserName `sys`, CreateTime, MsgType `event`) then the fields.
pub fn event_document(corp_id: &str, fields: &EventFields, now: i64) -> String {
    let mut all: Vec<(&str, XmlValue)> = vec![
        ("ToUserName", XmlValue::Text(corp_id.into())),
        ("FromUserName", XmlValue::Text("sys".into())),
        ("CreateTime", XmlValue::Number(now)),
        ("MsgType", XmlValue::Text("event".into())),
    ];
    all.extend(fields.iter().map(|(k, v)| (k.as_str(), v.clone())));
    event_xml(&all)
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new().timeout(ANSWER_TIMEOUT).build()
}

/// Encrypts and POSTs one event; retries on anything but HTTP 200. Blocking: call from `web::block`.
pub fn deliver(cfg: &CallbackCfg, corp_id: &str, fields: &EventFields, now: i64) -> Vec<Value> {
    let doc = event_document(corp_id, fields, now);
    let crypt = match MsgCrypt::new(&cfg.token, &cfg.encoding_aes_key, corp_id) {
        Ok(c) => c,
        Err(e) => return vec![json!({"attempt": 0, "error": e.to_string()})],
    };
    let (ts, nonce) = (now.to_string(), rand::random::<u32>().to_string());
    let sealed = crypt.seal(&doc, &ts, &nonce);
    // Self-built app envelope: ToUserName, Encrypt, AgentID (the customer-contact app has no agent id here).
    let body = format!(
        "<xml><ToUserName>{}</ToUserName><Encrypt>{}</Encrypt><AgentID>{}</AgentID></xml>",
        cdata(corp_id),
        cdata(&sealed.encrypt),
        cdata("")
    );
    let a = agent();
    let mut attempts = vec![];
    for n in 0..=RETRIES {
        let r = a
            .post(&cfg.url)
            .query("msg_signature", &sealed.msg_signature)
            .query("timestamp", &ts)
            .query("nonce", &nonce)
            .set("Content-Type", "text/xml")
            .send_string(&body);
        let (status, text, error) = match r {
            Ok(resp) => (resp.status(), resp.into_string().unwrap_or_default(), None),
            Err(ureq::Error::Status(s, resp)) => (s, resp.into_string().unwrap_or_default(), None),
            Err(ureq::Error::Transport(t)) => (0, String::new(), Some(t.to_string())),
        };
        attempts.push(
            json!({"attempt": n + 1, "status": status, "body": text, "error": error, "nonce": nonce, "timestamp": ts}),
        );
        if status == 200 {
            break;
        }
    }
    attempts
}

/// The URL-verification handshake WeCom runs when an admin saves the callback URL: GET with an encrypted echostr;
/// the receiver must answer the decrypted plaintext exactly. Returns whether it did, with what came back.
pub fn verify_url(cfg: &CallbackCfg, corp_id: &str, now: i64) -> Value {
    let crypt = match MsgCrypt::new(&cfg.token, &cfg.encoding_aes_key, corp_id) {
        Ok(c) => c,
        Err(e) => return json!({"ok": false, "error": e.to_string()}),
    };
    let plain = rand::random::<u64>().to_string();
    let (ts, nonce) = (now.to_string(), rand::random::<u32>().to_string());
    let sealed = crypt.seal(&plain, &ts, &nonce);
    let r = agent()
        .get(&cfg.url)
        .query("msg_signature", &sealed.msg_signature)
        .query("timestamp", &ts)
        .query("nonce", &nonce)
        .query("echostr", &sealed.encrypt)
        .call();
    match r {
        Ok(resp) => {
            let status = resp.status();
            let body = resp.into_string().unwrap_or_default();
            json!({"ok": status == 200 && body == plain, "status": status, "body": body, "expected": plain})
        }
        Err(ureq::Error::Status(s, resp)) => {
            json!({"ok": false, "status": s, "body": resp.into_string().unwrap_or_default()})
        }
        Err(e) => json!({"ok": false, "error": e.to_string()}),
    }
}
