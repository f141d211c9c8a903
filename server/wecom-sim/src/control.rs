//! Test controls under `/__sim/…`: set up corps, members and customers, move the clock, expire tokens, inject
//! errors, play the member confirming a mass send or a customer refusing a transfer, fire callbacks, and read what
//! was "delivered". Not part of WeCom: answers are plain JSON, errors HTTP 400 `{"error": …}`.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};
use siyu_connectors::wecom::xml::XmlValue;

use crate::callbacks::{self, contact_event, EventFields};
use crate::groupmsg;
use crate::state::{
    CallbackCfg, ChatMember, Contact, Corp, Fault, Follow, GroupChat, Sim, User, WelcomeCode, World, WELCOME_CODE_TTL,
};
use crate::transfer;

fn bad(msg: impl Into<String>) -> HttpResponse {
    HttpResponse::BadRequest().json(json!({"error": msg.into()}))
}

fn with_corp(
    sim: &Sim,
    corp_id: &str,
    f: impl FnOnce(&mut Corp, &mut World, i64) -> Result<Value, String>,
) -> HttpResponse {
    let mut w = sim.lock();
    let now = w.now();
    let Some(mut c) = w.corps.remove(corp_id) else {
        return bad(format!("unknown corp {corp_id}"));
    };
    let r = f(&mut c, &mut w, now);
    w.corps.insert(corp_id.to_owned(), c);
    match r {
        Ok(v) => HttpResponse::Ok().json(v),
        Err(e) => bad(e),
    }
}

/// Sends `events` for `corp_id` if a callback URL is configured; returns every attempt.
async fn fire(sim: &web::Data<Sim>, corp_id: &str, events: Vec<EventFields>) -> Vec<Value> {
    let (cfg, now) = {
        let w = sim.lock();
        (w.corps.get(corp_id).and_then(|c| c.callback.clone()), w.now())
    };
    let Some(cfg) = cfg else { return vec![] };
    let mut out = vec![];
    for ev in events {
        let (cfg, corp) = (cfg.clone(), corp_id.to_owned());
        let attempts = web::block(move || callbacks::deliver(&cfg, &corp, &ev, now)).await.unwrap_or_default();
        out.push(json!(attempts));
    }
    sim.lock().callback_log.extend(out.iter().cloned());
    out
}

#[derive(Deserialize)]
pub struct CorpReq {
    corp_id: String,
    secret: String,
    callback: Option<CallbackCfg>,
    rate_per_minute: Option<u32>,
    receipt_per_day: Option<u32>,
}

/// Creates or reconfigures a corp (state kept on reconfiguration).
pub async fn put_corp(sim: web::Data<Sim>, r: web::Json<CorpReq>) -> HttpResponse {
    let r = r.into_inner();
    let mut w = sim.lock();
    let c = w.corps.entry(r.corp_id.clone()).or_insert_with(|| Corp::new(&r.corp_id, &r.secret));
    c.secret = r.secret;
    if r.callback.is_some() {
        c.callback = r.callback;
    }
    if let Some(n) = r.rate_per_minute {
        c.rate_per_minute = n;
    }
    if let Some(n) = r.receipt_per_day {
        c.receipt_per_day = n;
    }
    HttpResponse::Ok().json(json!({"corp_id": r.corp_id}))
}

#[derive(Deserialize)]
pub struct UserReq {
    userid: String,
    #[serde(default)]
    name: String,
}

pub async fn add_user(sim: web::Data<Sim>, path: web::Path<String>, r: web::Json<UserReq>) -> HttpResponse {
    with_corp(&sim, &path, |c, _, _| {
        c.users.insert(r.userid.clone(), User { name: r.name.clone(), resigned: false });
        Ok(json!({"userid": r.userid}))
    })
}

pub async fn resign_user(sim: web::Data<Sim>, path: web::Path<(String, String)>) -> HttpResponse {
    let (corp_id, userid) = path.into_inner();
    with_corp(&sim, &corp_id, |c, _, _| {
        let u = c.users.get_mut(&userid).ok_or("unknown user")?;
        u.resigned = true;
        Ok(json!({"userid": userid, "resigned": true}))
    })
}

#[derive(Deserialize)]
pub struct FollowReq {
    userid: String,
    #[serde(default)]
    remark: String,
    #[serde(default)]
    description: String,
    state: Option<String>,
    #[serde(default = "scan")]
    add_way: i32,
    #[serde(default)]
    tag_ids: Vec<String>,
    #[serde(default)]
    remark_mobiles: Vec<String>,
    createtime: Option<i64>,
}

fn scan() -> i32 {
    1
}

#[derive(Deserialize)]
pub struct ContactReq {
    external_userid: Option<String>,
    name: String,
    #[serde(rename = "type", default = "wechat")]
    kind: i32,
    #[serde(default)]
    gender: i32,
    unionid: Option<String>,
    #[serde(default)]
    follow: Vec<FollowReq>,
}

fn wechat() -> i32 {
    1
}

/// Seeds a customer with their follow users, silently (as if added long before siyu was connected).
pub async fn add_contact(sim: web::Data<Sim>, path: web::Path<String>, r: web::Json<ContactReq>) -> HttpResponse {
    let r = r.into_inner();
    with_corp(&sim, &path, |c, w, now| {
        if let Some(u) = r.follow.iter().find(|f| !c.users.contains_key(&f.userid)) {
            return Err(format!("unknown follow user {}", u.userid));
        }
        let ext = r.external_userid.clone().unwrap_or_else(|| w.id("wm"));
        let follows = r
            .follow
            .into_iter()
            .map(|f| Follow {
                oper_userid: f.userid.clone(),
                userid: f.userid,
                remark: f.remark,
                description: f.description,
                createtime: f.createtime.unwrap_or(now),
                tag_ids: f.tag_ids,
                remark_corp_name: None,
                remark_mobiles: f.remark_mobiles,
                add_way: f.add_way,
                state: f.state,
            })
            .collect();
        let contact = Contact {
            external_userid: ext.clone(),
            name: r.name,
            kind: r.kind,
            gender: r.gender,
            unionid: r.unionid,
            corp_name: None,
            follows,
        };
        c.contacts.insert(ext.clone(), contact);
        Ok(json!({"external_userid": ext}))
    })
}

#[derive(Deserialize)]
pub struct CustomerAddReq {
    /// The member added; or taken from the contact way.
    userid: Option<String>,
    config_id: Option<String>,
    external_userid: Option<String>,
    #[serde(default)]
    name: String,
    state: Option<String>,
    /// `add_half_external_contact`: the customer added the member, who has not accepted yet.
    #[serde(default)]
    half: bool,
}

/// A customer adds a member (scanning a contact way's QR code when `config_id` is given): the relation, a
/// welcome_code valid 20 s, and the `add_external_contact` callback when a callback URL is configured.
pub async fn customer_add(sim: web::Data<Sim>, path: web::Path<String>, r: web::Json<CustomerAddReq>) -> HttpResponse {
    let r = r.into_inner();
    let corp_id = path.into_inner();
    let mut event = None;
    let resp = with_corp(&sim, &corp_id, |c, w, now| {
        let (userid, state) = match &r.config_id {
            Some(id) => {
                let way = c.contact_ways.get(id).ok_or("unknown config_id")?;
                let user = way["user"].get(0).and_then(Value::as_str).ok_or("contact way has no user")?.to_owned();
                (user, way["state"].as_str().map(str::to_owned).or(r.state.clone()))
            }
            None => (r.userid.clone().ok_or("userid or config_id required")?, r.state.clone()),
        };
        if c.users.get(&userid).is_none_or(|u| u.resigned) {
            return Err(format!("unknown or resigned user {userid}"));
        }
        let ext = r.external_userid.clone().unwrap_or_else(|| w.id("wm"));
        let ct = c.contacts.entry(ext.clone()).or_insert_with(|| Contact {
            external_userid: ext.clone(),
            name: if r.name.is_empty() { "Customer".into() } else { r.name.clone() },
            kind: 1,
            ..Default::default()
        });
        if !ct.follows.iter().any(|f| f.userid == userid) {
            ct.follows.push(Follow {
                userid: userid.clone(),
                createtime: now,
                add_way: if r.config_id.is_some() { 1 } else { 6 },
                oper_userid: ext.clone(),
                state: state.clone(),
                ..Default::default()
            });
        }
        let code = hex::encode(rand::random::<[u8; 20]>());
        c.welcome_codes.insert(
            code.clone(),
            WelcomeCode {
                userid: userid.clone(),
                external_userid: ext.clone(),
                expires_at: now + WELCOME_CODE_TTL,
                used: false,
            },
        );
        let mut extra = vec![];
        if let Some(s) = &state {
            extra.push(("State", XmlValue::Text(s.clone())));
        }
        extra.push(("WelcomeCode", XmlValue::Text(code.clone())));
        let change = if r.half { "add_half_external_contact" } else { "add_external_contact" };
        event = Some(contact_event(change, &userid, &ext, extra));
        Ok(json!({"external_userid": ext, "userid": userid, "welcome_code": code, "state": state}))
    });
    with_callbacks(&sim, &corp_id, resp, event.into_iter().collect()).await
}

/// Adds the callback attempts to a successful control answer.
async fn with_callbacks(
    sim: &web::Data<Sim>,
    corp_id: &str,
    resp: HttpResponse,
    events: Vec<EventFields>,
) -> HttpResponse {
    if !resp.status().is_success() {
        return resp;
    }
    let body = actix_web::body::to_bytes(resp.into_body()).await.unwrap_or_default();
    let mut v: Value = serde_json::from_slice(&body).unwrap_or(json!({}));
    v["callbacks"] = json!(fire(sim, corp_id, events).await);
    HttpResponse::Ok().json(v)
}

#[derive(Deserialize)]
pub struct CustomerDeleteReq {
    userid: String,
    external_userid: String,
    /// `customer` (del_follow_user, the default) or `member` (del_external_contact).
    #[serde(default)]
    by: String,
}

pub async fn customer_delete(
    sim: web::Data<Sim>,
    path: web::Path<String>,
    r: web::Json<CustomerDeleteReq>,
) -> HttpResponse {
    let corp_id = path.into_inner();
    let mut event = None;
    let resp = with_corp(&sim, &corp_id, |c, _, _| {
        let ct = c.contacts.get_mut(&r.external_userid).ok_or("unknown customer")?;
        let before = ct.follows.len();
        ct.follows.retain(|f| f.userid != r.userid);
        if ct.follows.len() == before {
            return Err("not a follow user of this customer".into());
        }
        let change = if r.by == "member" { "del_external_contact" } else { "del_follow_user" };
        event = Some(contact_event(change, &r.userid, &r.external_userid, vec![]));
        Ok(json!({"removed": true}))
    });
    with_callbacks(&sim, &corp_id, resp, event.into_iter().collect()).await
}

#[derive(Deserialize)]
pub struct RawEventReq {
    fields: serde_json::Map<String, Value>,
}

/// Fires an arbitrary event (header added): for chat and tag events and malformed-event tests.
pub async fn raw_event(sim: web::Data<Sim>, path: web::Path<String>, r: web::Json<RawEventReq>) -> HttpResponse {
    let mut fields: EventFields = vec![];
    for (k, v) in &r.fields {
        let x = match v {
            Value::Number(n) => XmlValue::Number(n.as_i64().unwrap_or(0)),
            Value::Array(a) => XmlValue::Items(
                a.iter().map(|i| i.as_str().map(str::to_owned).unwrap_or_else(|| i.to_string())).collect(),
            ),
            Value::String(s) => XmlValue::Text(s.clone()),
            other => XmlValue::Text(other.to_string()),
        };
        fields.push((k.clone(), x));
    }
    HttpResponse::Ok().json(json!({"callbacks": fire(&sim, &path, vec![fields]).await}))
}

pub async fn verify_url(sim: web::Data<Sim>, path: web::Path<String>) -> HttpResponse {
    let (cfg, now) = {
        let w = sim.lock();
        (w.corps.get(path.as_str()).and_then(|c| c.callback.clone()), w.now())
    };
    let Some(cfg) = cfg else { return bad("no callback configured") };
    let corp = path.into_inner();
    let v = web::block(move || callbacks::verify_url(&cfg, &corp, now)).await.unwrap_or(json!({"ok": false}));
    HttpResponse::Ok().json(v)
}

pub async fn add_fault(sim: web::Data<Sim>, path: web::Path<String>, f: web::Json<Fault>) -> HttpResponse {
    let mut f = f.into_inner();
    // Accept both `get_follow_user_list` and the full path.
    f.api = f.api.map(|a| a.trim_start_matches("/cgi-bin/externalcontact/").to_owned());
    with_corp(&sim, &path, |c, _, _| {
        c.faults.push(f);
        Ok(json!({"faults": c.faults.len()}))
    })
}

/// Every token of the corp expires now: the next call gets 42001, gettoken issues a new one.
pub async fn expire_tokens(sim: web::Data<Sim>, path: web::Path<String>) -> HttpResponse {
    let mut w = sim.lock();
    let now = w.now();
    let mut n = 0;
    for r in w.tokens.values_mut().filter(|r| r.corp_id == *path && r.expires_at > now) {
        r.expires_at = now;
        n += 1;
    }
    HttpResponse::Ok().json(json!({"expired": n}))
}

/// Every token of the corp is forgotten: the next call gets 40014 (as after a secret reset).
pub async fn revoke_tokens(sim: web::Data<Sim>, path: web::Path<String>) -> HttpResponse {
    let mut w = sim.lock();
    let before = w.tokens.len();
    w.tokens.retain(|_, r| r.corp_id != *path);
    HttpResponse::Ok().json(json!({"revoked": before - w.tokens.len()}))
}

pub async fn clock(sim: web::Data<Sim>) -> HttpResponse {
    HttpResponse::Ok().json(json!({"now": sim.lock().now()}))
}

#[derive(Deserialize)]
pub struct AdvanceReq {
    secs: i64,
}

/// Moves the clock forward and runs what time triggers (transfers completing after 24 h, with their callbacks).
pub async fn advance(sim: web::Data<Sim>, r: web::Json<AdvanceReq>) -> HttpResponse {
    if r.secs < 0 {
        return bad("the clock only moves forward");
    }
    let (now, due) = {
        let mut w = sim.lock();
        w.clock_offset += r.secs;
        let now = w.now();
        let due: Vec<(String, Vec<EventFields>)> =
            w.corps.iter_mut().map(|(id, c)| (id.clone(), transfer::settle(c, now))).collect();
        (now, due)
    };
    let mut cbs = vec![];
    for (corp, events) in due {
        cbs.extend(fire(&sim, &corp, events).await);
    }
    HttpResponse::Ok().json(json!({"now": now, "callbacks": cbs}))
}

#[derive(Deserialize)]
pub struct ConfirmReq {
    userid: String,
}

pub async fn confirm_mass(
    sim: web::Data<Sim>,
    path: web::Path<(String, String)>,
    r: web::Json<ConfirmReq>,
) -> HttpResponse {
    let (corp_id, msgid) = path.into_inner();
    with_corp(&sim, &corp_id, |c, _, now| {
        groupmsg::confirm(c, &msgid, &r.userid, true, now).map_err(|e| format!("{}: {}", e.0, e.1))
    })
}

pub async fn refuse_mass(
    sim: web::Data<Sim>,
    path: web::Path<(String, String)>,
    r: web::Json<ConfirmReq>,
) -> HttpResponse {
    let (corp_id, msgid) = path.into_inner();
    with_corp(&sim, &corp_id, |c, _, now| {
        groupmsg::confirm(c, &msgid, &r.userid, false, now).map_err(|e| format!("{}: {}", e.0, e.1))
    })
}

#[derive(Deserialize)]
pub struct RefuseTransferReq {
    external_userid: String,
}

pub async fn refuse_transfer(
    sim: web::Data<Sim>,
    path: web::Path<String>,
    r: web::Json<RefuseTransferReq>,
) -> HttpResponse {
    let corp_id = path.into_inner();
    let mut event = None;
    let resp = with_corp(&sim, &corp_id, |c, _, _| {
        event = Some(transfer::refuse(c, &r.external_userid).map_err(|e| e.1)?);
        Ok(json!({"status": 3}))
    });
    with_callbacks(&sim, &corp_id, resp, event.into_iter().collect()).await
}

#[derive(Deserialize)]
pub struct ChatMemberReq {
    userid: String,
    #[serde(rename = "type", default = "member")]
    kind: i32,
    #[serde(default = "direct")]
    join_scene: i32,
    state: Option<String>,
}

fn member() -> i32 {
    1
}
fn direct() -> i32 {
    1
}

#[derive(Deserialize)]
pub struct ChatReq {
    chat_id: Option<String>,
    name: String,
    owner: String,
    #[serde(default)]
    notice: String,
    #[serde(default)]
    status: i32,
    #[serde(default)]
    members: Vec<ChatMemberReq>,
    #[serde(default)]
    admins: Vec<String>,
}

pub async fn add_chat(sim: web::Data<Sim>, path: web::Path<String>, r: web::Json<ChatReq>) -> HttpResponse {
    let r = r.into_inner();
    with_corp(&sim, &path, |c, w, now| {
        let chat_id = r.chat_id.unwrap_or_else(|| w.id("wr"));
        let members = r
            .members
            .into_iter()
            .map(|m| ChatMember {
                userid: m.userid,
                kind: m.kind,
                join_time: now,
                join_scene: m.join_scene,
                state: m.state,
            })
            .collect();
        c.chats.insert(
            chat_id.clone(),
            GroupChat {
                chat_id: chat_id.clone(),
                name: r.name,
                owner: r.owner,
                create_time: now,
                notice: r.notice,
                status: r.status,
                members,
                admins: r.admins,
            },
        );
        Ok(json!({"chat_id": chat_id}))
    })
}

pub async fn delivered(
    sim: web::Data<Sim>,
    path: web::Path<String>,
    q: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    with_corp(&sim, &path, |c, _, _| {
        let list: Vec<&crate::state::Delivery> =
            c.delivered.iter().filter(|d| q.get("external_userid").is_none_or(|e| &d.external_userid == e)).collect();
        Ok(json!({"delivered": list}))
    })
}

#[derive(Deserialize)]
pub struct PublishReq {
    userid: String,
}

/// The member publishes a moment task in the WeCom client.
pub async fn publish_moment(
    sim: web::Data<Sim>,
    path: web::Path<(String, String)>,
    r: web::Json<PublishReq>,
) -> HttpResponse {
    let (corp_id, moment_id) = path.into_inner();
    with_corp(&sim, &corp_id, |c, _, now| crate::moments::publish(c, &moment_id, &r.userid, now))
}

#[derive(Deserialize)]
pub struct InteractionReq {
    userid: String,
    external_userid: String,
    /// `comment` or `like`.
    kind: String,
}

/// A customer comments on or likes a member's moment.
pub async fn moment_interaction(
    sim: web::Data<Sim>,
    path: web::Path<(String, String)>,
    r: web::Json<InteractionReq>,
) -> HttpResponse {
    let (corp_id, moment_id) = path.into_inner();
    with_corp(&sim, &corp_id, |c, _, now| {
        crate::moments::interact(c, &moment_id, &r.userid, &r.external_userid, &r.kind, now)
    })
}

pub async fn callback_log(sim: web::Data<Sim>) -> HttpResponse {
    HttpResponse::Ok().json(json!({"callbacks": sim.lock().callback_log}))
}
