//! Mass messages 企业群发 (docs 92135, 93338). `add_msg_template` creates a task per member; nothing reaches a
//! customer until that member confirms in the WeCom client (here: `/__sim/…/groupmsg/{msgid}/confirm`).
//! Per-customer results: 0 not sent, 1 sent, 2 not a friend any more, 3 over the receipt limit (configurable per
//! day: the limit changed over the years, the notes §3.9).

use std::collections::{BTreeMap, HashMap};

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{corp, err, limit, page, run_json, ApiErr};
use crate::state::{Corp, Delivery, MassTask, MassUser, Sim};

type Q = web::Query<HashMap<String, String>>;

/// The natural day in China Standard Time, which WeCom's daily limits follow.
fn cst_day(t: i64) -> i64 {
    (t + 8 * 3600).div_euclid(86400)
}

#[derive(Deserialize)]
pub struct TemplateReq {
    chat_type: Option<String>,
    #[serde(default)]
    external_userid: Vec<String>,
    #[serde(default)]
    chat_id_list: Vec<String>,
    sender: Option<String>,
    text: Option<Value>,
    #[serde(default)]
    attachments: Vec<Value>,
}

pub async fn add_msg_template(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "add_msg_template", &q, &body, |w, corp_id, r: TemplateReq, now| {
        let chat_type = r.chat_type.clone().unwrap_or_else(|| "single".into());
        let text_empty =
            r.text.as_ref().and_then(|t| t.get("content")).and_then(Value::as_str).is_none_or(str::is_empty);
        if text_empty && r.attachments.is_empty() {
            return Err(err(41003, "text and attachments both empty"));
        }
        if r.attachments.len() > 9 || r.external_userid.len() > 10_000 {
            return Err(err(40058, "too many attachments or customers"));
        }
        let msgid = w.id("msg");
        let c = corp(w, corp_id);
        let mut per_user: BTreeMap<String, MassUser> = BTreeMap::new();
        let mut fail_list = vec![];
        match chat_type.as_str() {
            "single" => {
                let targets: Vec<String> = match (&r.sender, r.external_userid.is_empty()) {
                    (Some(s), true) => c
                        .contacts
                        .values()
                        .filter(|ct| ct.follows.iter().any(|f| &f.userid == s))
                        .map(|ct| ct.external_userid.clone())
                        .collect(),
                    _ => r.external_userid.clone(),
                };
                for ext in targets {
                    // Without a sender, WeCom pushes to the member most recently in touch: the latest follower here.
                    let owner = c.contacts.get(&ext).and_then(|ct| match &r.sender {
                        Some(s) => ct.follows.iter().find(|f| &f.userid == s).map(|f| f.userid.clone()),
                        None => ct.follows.iter().max_by_key(|f| f.createtime).map(|f| f.userid.clone()),
                    });
                    match owner {
                        Some(u) => per_user.entry(u).or_default().recipients.push((ext, 0, 0)),
                        None => fail_list.push(ext),
                    }
                }
            }
            "group" => {
                let sender = r.sender.clone().ok_or_else(|| err(40058, "sender required for group"))?;
                let chats: Vec<String> = if r.chat_id_list.is_empty() {
                    c.chats.values().filter(|ch| ch.owner == sender).map(|ch| ch.chat_id.clone()).collect()
                } else {
                    r.chat_id_list.clone()
                };
                for ch in chats {
                    if c.chats.get(&ch).is_some_and(|x| x.owner == sender) {
                        per_user.entry(sender.clone()).or_default().recipients.push((ch, 0, 0));
                    } else {
                        fail_list.push(ch);
                    }
                }
            }
            _ => return Err(err(40058, "invalid chat_type")),
        }
        if per_user.is_empty() {
            return Err(err(41048, "no customer to send"));
        }
        let content = json!({"text": r.text, "attachments": r.attachments});
        c.mass.push(MassTask {
            msgid: msgid.clone(),
            chat_type,
            creator: r.sender,
            create_time: now,
            content,
            per_user,
            cancelled: false,
        });
        Ok(json!({"fail_list": fail_list, "msgid": msgid}))
    })
}

/// The member's answer in the client: `accept` sends to each recipient still a friend and under the receipt limit.
pub fn confirm(c: &mut Corp, msgid: &str, userid: &str, accept: bool, now: i64) -> Result<Value, ApiErr> {
    let receipt_limit = c.receipt_per_day as usize;
    let ti = c.mass.iter().position(|m| m.msgid == msgid).ok_or_else(|| err(40058, "invalid msgid"))?;
    if c.mass[ti].cancelled {
        return Err(err(41093, "already cancelled"));
    }
    let recipients = match c.mass[ti].per_user.get(userid) {
        Some(u) if u.status == 0 => u.recipients.clone(),
        Some(_) => return Err(err(40058, "already confirmed")),
        None => return Err(err(40058, "member has no part in this mass send")),
    };
    if !accept {
        return Ok(json!({"sent": 0}));
    }
    let (is_group, content) = (c.mass[ti].chat_type == "group", c.mass[ti].content.clone());
    let mut results = vec![];
    let mut sent = 0;
    for (target, _, _) in recipients {
        let status = if is_group {
            1
        } else if !c.is_follower(&target, userid) {
            2
        } else if c
            .delivered
            .iter()
            .filter(|d| d.kind == "mass" && d.external_userid == target && cst_day(d.at) == cst_day(now))
            .count()
            >= receipt_limit
        {
            3
        } else {
            1
        };
        if status == 1 {
            sent += 1;
            c.delivered.push(Delivery {
                external_userid: target.clone(),
                userid: userid.to_owned(),
                kind: "mass",
                msgid: Some(msgid.to_owned()),
                content: content.clone(),
                at: now,
            });
        }
        results.push((target, status, if status == 1 { now } else { 0 }));
    }
    let u = c.mass[ti].per_user.get_mut(userid).expect("checked above");
    u.status = 2;
    u.send_time = now;
    u.recipients = results;
    Ok(json!({"sent": sent}))
}

#[derive(Deserialize)]
pub struct ListReq {
    chat_type: Option<String>,
    start_time: Option<i64>,
    end_time: Option<i64>,
    creator: Option<String>,
    filter_type: Option<i32>,
    limit: Option<u32>,
    #[serde(default)]
    cursor: String,
}

pub async fn get_groupmsg_list_v2(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "get_groupmsg_list_v2", &q, &body, |w, corp_id, r: ListReq, _| {
        let chat_type = r.chat_type.ok_or_else(|| err(40058, "chat_type required"))?;
        let (from, to) = (
            r.start_time.ok_or_else(|| err(40058, "start_time required"))?,
            r.end_time.ok_or_else(|| err(40058, "end_time required"))?,
        );
        if to < from || to - from > 31 * 86400 {
            return Err(err(40058, "time span must be within one month"));
        }
        let limit = limit(r.limit, 50, 100)?;
        let rows: Vec<Value> = corp(w, corp_id)
            .mass
            .iter()
            .filter(|m| m.chat_type == chat_type && m.create_time >= from && m.create_time <= to)
            .filter(|m| r.creator.is_none() || m.creator == r.creator)
            // Every task here is made through the API: create_type 0 (corp), shown unless only personal is asked.
            .filter(|_| r.filter_type != Some(1))
            .map(|m| {
                let mut v = json!({"msgid": m.msgid, "create_time": m.create_time.to_string(), "create_type": 0});
                if let Some(t) = m.content.get("text").filter(|t| !t.is_null()) {
                    v["text"] = t.clone();
                }
                v["attachments"] = m.content["attachments"].clone();
                v
            })
            .collect();
        let (items, next) = page(&rows, &r.cursor, limit)?;
        Ok(json!({"group_msg_list": items, "next_cursor": next}))
    })
}

#[derive(Deserialize)]
pub struct TaskReq {
    msgid: String,
    limit: Option<u32>,
    #[serde(default)]
    cursor: String,
}

pub async fn get_groupmsg_task(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "get_groupmsg_task", &q, &body, |w, corp_id, r: TaskReq, _| {
        let limit = limit(r.limit, 500, 1000)?;
        let m = corp(w, corp_id).mass.iter().find(|m| m.msgid == r.msgid).ok_or_else(|| err(40058, "invalid msgid"))?;
        let rows: Vec<Value> = m
            .per_user
            .iter()
            .map(|(u, t)| {
                let mut v = json!({"userid": u, "status": t.status});
                if t.status != 0 {
                    v["send_time"] = json!(t.send_time);
                }
                v
            })
            .collect();
        let (items, next) = page(&rows, &r.cursor, limit)?;
        Ok(json!({"task_list": items, "next_cursor": next}))
    })
}

#[derive(Deserialize)]
pub struct ResultReq {
    msgid: String,
    userid: String,
    limit: Option<u32>,
    #[serde(default)]
    cursor: String,
}

pub async fn get_groupmsg_send_result(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "get_groupmsg_send_result", &q, &body, |w, corp_id, r: ResultReq, _| {
        let limit = limit(r.limit, 500, 1000)?;
        let m = corp(w, corp_id).mass.iter().find(|m| m.msgid == r.msgid).ok_or_else(|| err(40058, "invalid msgid"))?;
        let group = m.chat_type == "group";
        let rows: Vec<Value> = m
            .per_user
            .get(&r.userid)
            .map(|u| {
                u.recipients
                    .iter()
                    // For group mass messages WeCom lists only what was sent.
                    .filter(|(_, st, _)| !group || *st == 1)
                    .map(|(id, st, t)| {
                        let key = if group { "chat_id" } else { "external_userid" };
                        let mut v = json!({key: id, "userid": r.userid, "status": st});
                        if *st == 1 {
                            v["send_time"] = json!(t);
                        }
                        v
                    })
                    .collect()
            })
            .unwrap_or_default();
        let (items, next) = page(&rows, &r.cursor, limit)?;
        Ok(json!({"send_list": items, "next_cursor": next}))
    })
}

#[derive(Deserialize)]
pub struct MsgId {
    msgid: String,
}

pub async fn cancel_groupmsg_send(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "cancel_groupmsg_send", &q, &body, |w, corp_id, r: MsgId, _| {
        let m =
            corp(w, corp_id).mass.iter_mut().find(|m| m.msgid == r.msgid).ok_or_else(|| err(40058, "invalid msgid"))?;
        if m.cancelled {
            return Err(err(41093, "already cancelled"));
        }
        m.cancelled = true;
        Ok(json!({}))
    })
}
