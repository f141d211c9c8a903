//! Moments 客户朋友圈 (docs 95094, 93333; the notes §3.10). `add_moment_task` is asynchronous: it answers a jobid,
//! and `get_moment_task_result` moves the job 1 (started) → 2 (running) → 3 (done, with the moment_id) on
//! successive polls. Like mass messages, nothing reaches a customer until each member publishes in the WeCom client
//! (here: `/__sim/corps/{corp}/moments/{moment_id}/publish`); customers within the visible range of a member who
//! published count as deliveries. At most 10 tasks a minute per corp.

use std::collections::{BTreeMap, HashMap};

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{corp, err, limit, page, run_json, run_query, ApiErr};
use crate::state::{Corp, Delivery, Moment, Sim};

type Q = web::Query<HashMap<String, String>>;

/// Tasks a corp may add per minute (doc 95094).
pub const TASKS_PER_MINUTE: u32 = 10;
/// Longest text of a moment, in characters.
const TEXT_MAX: usize = 2000;

#[derive(Deserialize, Default)]
struct UserList {
    #[serde(default)]
    user_list: Vec<String>,
    #[serde(default)]
    department_list: Vec<Value>,
}

#[derive(Deserialize, Default)]
struct TagList {
    #[serde(default)]
    tag_list: Vec<String>,
}

#[derive(Deserialize, Default)]
struct VisibleRange {
    #[serde(default)]
    sender_list: Option<UserList>,
    #[serde(default)]
    external_contact_list: Option<TagList>,
}

#[derive(Deserialize)]
pub struct AddReq {
    text: Option<Value>,
    #[serde(default)]
    attachments: Vec<Value>,
    #[serde(default)]
    visible_range: Option<VisibleRange>,
}

fn check_attachments(a: &[Value]) -> Result<(), ApiErr> {
    let kinds: Vec<&str> = a.iter().map(|x| x.get("msgtype").and_then(Value::as_str).unwrap_or("")).collect();
    let images = kinds.iter().filter(|k| **k == "image").count();
    let ok = match kinds.as_slice() {
        [] => true,
        ["video"] | ["link"] => true,
        _ => images == kinds.len() && images <= 9,
    };
    if !ok {
        return Err(err(40058, "attachments: up to 9 images, or one video, or one link"));
    }
    Ok(())
}

pub async fn add_moment_task(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "add_moment_task", &q, &body, |w, corp_id, r: AddReq, now| {
        let text = r.text.as_ref().and_then(|t| t.get("content")).and_then(Value::as_str).unwrap_or("");
        if text.is_empty() && r.attachments.is_empty() {
            return Err(err(41003, "text and attachments both empty"));
        }
        if text.chars().count() > TEXT_MAX {
            return Err(err(40058, "text content too long"));
        }
        check_attachments(&r.attachments)?;
        let (jobid, moment_id) = (w.id("job"), w.id("mom"));
        let c = corp(w, corp_id);
        if now - c.moment_window.0 >= 60 {
            c.moment_window = (now - now % 60, 0);
        }
        if c.moment_window.1 >= TASKS_PER_MINUTE {
            return Err(err(45009, "api freq out of limit"));
        }
        c.moment_window.1 += 1;
        let range = r.visible_range.unwrap_or_default();
        let asked: Vec<String> = match range.sender_list {
            Some(s) if !s.user_list.is_empty() || !s.department_list.is_empty() => s.user_list,
            // No sender list: every member with the customer-contact permission.
            _ => c.users.iter().filter(|(_, u)| !u.resigned).map(|(id, _)| id.clone()).collect(),
        };
        let (mut senders, mut invalid_senders) = (BTreeMap::new(), vec![]);
        for u in asked {
            if c.users.get(&u).is_some_and(|x| !x.resigned) {
                senders.insert(u, 0);
            } else {
                invalid_senders.push(u);
            }
        }
        let tags = range.external_contact_list.map(|t| t.tag_list).unwrap_or_default();
        let (tag_list, invalid_tags): (Vec<String>, Vec<String>) = tags.into_iter().partition(|t| c.tag_exists(t));
        c.moments.push(Moment {
            moment_id,
            jobid: jobid.clone(),
            job_polls: 0,
            create_time: now,
            content: json!({"text": r.text, "attachments": r.attachments}),
            visible_type: if tag_list.is_empty() { 1 } else { 0 },
            tag_list,
            senders,
            invalid_senders,
            invalid_tags,
            cancelled: false,
            interactions: vec![],
        });
        Ok(json!({"jobid": jobid}))
    })
}

pub async fn get_moment_task_result(sim: web::Data<Sim>, q: Q) -> HttpResponse {
    let jobid = q.get("jobid").cloned().unwrap_or_default();
    run_query(&sim, "get_moment_task_result", &q, |c, _| {
        let m = c.moments.iter_mut().find(|m| m.jobid == jobid).ok_or_else(|| err(40058, "invalid jobid"))?;
        m.job_polls += 1;
        let status = m.job_polls.min(3);
        let mut v = json!({"status": status, "type": "add_moment_task"});
        if status == 3 {
            v["result"] = json!({
                "errcode": 0, "errmsg": "ok", "moment_id": m.moment_id,
                "invalid_sender_list": {"user_list": m.invalid_senders, "department_list": []},
                "invalid_external_contact_list": {"tag_list": m.invalid_tags},
            });
        }
        Ok(v)
    })
}

/// A moment whose job is done (before that its id is not known to anyone).
fn moment<'a>(c: &'a mut Corp, moment_id: &str) -> Result<&'a mut Moment, ApiErr> {
    c.moments
        .iter_mut()
        .find(|m| m.moment_id == moment_id && m.job_polls >= 3)
        .ok_or_else(|| err(40058, "invalid moment_id"))
}

/// The customers of `userid` who may see the moment: its followers, narrowed by the moment's tags on the relation.
fn audience(c: &Corp, m: &Moment, userid: &str) -> Vec<String> {
    c.contacts
        .values()
        .filter_map(|ct| ct.follows.iter().find(|f| f.userid == userid).map(|f| (ct, f)))
        .filter(|(_, f)| m.tag_list.is_empty() || f.tag_ids.iter().any(|t| m.tag_list.contains(t)))
        .map(|(ct, _)| ct.external_userid.clone())
        .collect()
}

#[derive(Deserialize)]
pub struct MomentIdReq {
    moment_id: String,
}

pub async fn cancel_moment_task(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "cancel_moment_task", &q, &body, |w, corp_id, r: MomentIdReq, _| {
        let m = moment(corp(w, corp_id), &r.moment_id)?;
        m.cancelled = true;
        Ok(json!({}))
    })
}

#[derive(Deserialize)]
pub struct ListReq {
    start_time: Option<i64>,
    end_time: Option<i64>,
    creator: Option<String>,
    filter_type: Option<i32>,
    limit: Option<u32>,
    #[serde(default)]
    cursor: String,
}

pub async fn get_moment_list(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "get_moment_list", &q, &body, |w, corp_id, r: ListReq, _| {
        let (from, to) = (
            r.start_time.ok_or_else(|| err(40058, "start_time required"))?,
            r.end_time.ok_or_else(|| err(40058, "end_time required"))?,
        );
        if to < from || to - from > 30 * 86400 {
            return Err(err(40058, "time span must be within 30 days"));
        }
        let limit = limit(r.limit, 20, 20)?;
        let rows: Vec<Value> = corp(w, corp_id)
            .moments
            .iter()
            .filter(|m| m.job_polls >= 3 && !m.cancelled && m.create_time >= from && m.create_time <= to)
            // Every moment here is the corp's (create_type 0); personal ones are asked with filter_type 1.
            .filter(|_| r.filter_type != Some(1) && r.creator.is_none())
            .map(|m| {
                let mut v = json!({"moment_id": m.moment_id, "creator": "", "create_time": m.create_time,
                                   "create_type": 0, "visible_type": m.visible_type});
                if let Some(t) = m.content.get("text").filter(|t| !t.is_null()) {
                    v["text"] = t.clone();
                }
                v
            })
            .collect();
        let (items, next) = page(&rows, &r.cursor, limit)?;
        Ok(json!({"moment_list": items, "next_cursor": next}))
    })
}

#[derive(Deserialize)]
pub struct TaskReq {
    moment_id: String,
    limit: Option<u32>,
    #[serde(default)]
    cursor: String,
}

pub async fn get_moment_task(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "get_moment_task", &q, &body, |w, corp_id, r: TaskReq, _| {
        let limit = limit(r.limit, 500, 1000)?;
        let m = moment(corp(w, corp_id), &r.moment_id)?;
        let rows: Vec<Value> = m.senders.iter().map(|(u, s)| json!({"userid": u, "publish_status": s})).collect();
        let (items, next) = page(&rows, &r.cursor, limit)?;
        Ok(json!({"task_list": items, "next_cursor": next}))
    })
}

#[derive(Deserialize)]
pub struct MemberReq {
    moment_id: String,
    userid: String,
    limit: Option<u32>,
    #[serde(default)]
    cursor: String,
}

/// `get_moment_customer_list`: the customers the member's moment is meant for.
pub async fn get_moment_customer_list(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "get_moment_customer_list", &q, &body, |w, corp_id, r: MemberReq, _| {
        let limit = limit(r.limit, 500, 1000)?;
        let c = corp(w, corp_id);
        let m = moment(c, &r.moment_id)?.clone();
        if !m.senders.contains_key(&r.userid) {
            return Err(err(40058, "the member is not a sender of this moment"));
        }
        let rows: Vec<Value> =
            audience(c, &m, &r.userid).into_iter().map(|e| json!({"userid": r.userid, "external_userid": e})).collect();
        let (items, next) = page(&rows, &r.cursor, limit)?;
        Ok(json!({"customer_list": items, "next_cursor": next}))
    })
}

/// `get_moment_send_result`: the customers who received it (the member published).
pub async fn get_moment_send_result(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "get_moment_send_result", &q, &body, |w, corp_id, r: MemberReq, _| {
        let limit = limit(r.limit, 500, 5000)?;
        let c = corp(w, corp_id);
        let m = moment(c, &r.moment_id)?.clone();
        let rows: Vec<Value> = c
            .delivered
            .iter()
            .filter(|d| d.kind == "moment" && d.msgid.as_deref() == Some(&m.moment_id) && d.userid == r.userid)
            .map(|d| json!({"external_userid": d.external_userid}))
            .collect();
        let (items, next) = page(&rows, &r.cursor, limit)?;
        Ok(json!({"customer_list": items, "next_cursor": next}))
    })
}

#[derive(Deserialize)]
pub struct CommentsReq {
    moment_id: String,
    userid: String,
}

pub async fn get_moment_comments(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "get_moment_comments", &q, &body, |w, corp_id, r: CommentsReq, _| {
        let m = moment(corp(w, corp_id), &r.moment_id)?;
        let of = |kind: &str| -> Vec<Value> {
            m.interactions
                .iter()
                .filter(|i| i.0 == r.userid && i.3 == kind)
                .map(|i| json!({"external_userid": i.1, "create_time": i.2}))
                .collect()
        };
        Ok(json!({"comment_list": of("comment"), "like_list": of("like")}))
    })
}

/// The member publishes the moment in the WeCom client: each customer in range receives it once.
pub fn publish(c: &mut Corp, moment_id: &str, userid: &str, now: i64) -> Result<Value, String> {
    let m = moment(c, moment_id).map_err(|e| format!("{}: {}", e.0, e.1))?.clone();
    if m.cancelled {
        return Err("41093: the moment task was cancelled".into());
    }
    match m.senders.get(userid) {
        None => return Err("the member is not a sender of this moment".into()),
        Some(1) => return Err("already published".into()),
        Some(_) => {}
    }
    let audience = audience(c, &m, userid);
    for ext in &audience {
        c.delivered.push(Delivery {
            external_userid: ext.clone(),
            userid: userid.to_owned(),
            kind: "moment",
            msgid: Some(moment_id.to_owned()),
            content: m.content.clone(),
            at: now,
        });
    }
    if let Some(x) = c.moments.iter_mut().find(|x| x.moment_id == moment_id) {
        x.senders.insert(userid.to_owned(), 1);
    }
    Ok(json!({"delivered": audience.len()}))
}

/// A customer comments on or likes a member's moment.
pub fn interact(c: &mut Corp, moment_id: &str, userid: &str, ext: &str, kind: &str, now: i64) -> Result<Value, String> {
    let kind: &'static str = match kind {
        "comment" => "comment",
        "like" => "like",
        other => return Err(format!("kind must be comment or like, not {other}")),
    };
    let received = c.delivered.iter().any(|d| {
        d.kind == "moment" && d.msgid.as_deref() == Some(moment_id) && d.userid == userid && d.external_userid == ext
    });
    if !received {
        return Err("the customer has not received this member's moment".into());
    }
    let m = moment(c, moment_id).map_err(|e| format!("{}: {}", e.0, e.1))?;
    m.interactions.push((userid.to_owned(), ext.to_owned(), now, kind));
    Ok(json!({"ok": true}))
}
