//! 「联系我」 contact ways (docs 92228 / 92572) and welcome messages (92137). A welcome_code is issued with the add
//! event, valid 20 s on the sim clock and usable once: 41050 when unknown or expired, 41051 when already used.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{corp, err, limit, page, run_json};
use crate::state::{Delivery, Sim};

type Q = web::Query<HashMap<String, String>>;

fn check_way(v: &Value, users_known: &dyn Fn(&str) -> bool) -> Result<(), crate::api::ApiErr> {
    let kind = v.get("type").and_then(Value::as_i64).ok_or_else(|| err(41037, "missing type"))?;
    let scene = v.get("scene").and_then(Value::as_i64).ok_or_else(|| err(41038, "missing scene"))?;
    if !(1..=2).contains(&kind) {
        return Err(err(41039, "invalid type"));
    }
    if !(1..=2).contains(&scene) {
        return Err(err(41040, "invalid scene"));
    }
    let users: Vec<&str> = v
        .get("user")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if kind == 1 && users.len() != 1 {
        return Err(err(40058, "type 1 needs exactly one user"));
    }
    if users.len() > 100 {
        return Err(err(41041, "too many users"));
    }
    if let Some(u) = users.iter().find(|u| !users_known(u)) {
        return Err(err(60111, &format!("invalid userid {u}")));
    }
    if v.get("state").and_then(Value::as_str).is_some_and(|s| s.chars().count() > 30) {
        return Err(err(40058, "state longer than 30 characters"));
    }
    Ok(())
}

pub async fn add_contact_way(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "add_contact_way", &q, &body, |w, corp_id, mut v: Value, now| {
        {
            let c = corp(w, corp_id);
            check_way(&v, &|u| c.users.get(u).is_some_and(|x| !x.resigned))?;
        }
        let config_id = hex::encode(rand::random::<[u8; 16]>());
        let scene = v["scene"].as_i64().unwrap_or(2);
        let qr = (scene == 2).then(|| format!("http://p.qpic.cn/wwpic/sim/{config_id}/0"));
        v["config_id"] = json!(config_id);
        v["create_time"] = json!(now);
        if let Some(q) = &qr {
            v["qr_code"] = json!(q);
        }
        corp(w, corp_id).contact_ways.insert(config_id.clone(), v);
        let mut out = json!({"config_id": config_id});
        if let Some(q) = qr {
            out["qr_code"] = json!(q);
        }
        Ok(out)
    })
}

#[derive(Deserialize)]
pub struct ConfigId {
    config_id: String,
}

pub async fn get_contact_way(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "get_contact_way", &q, &body, |w, corp_id, r: ConfigId, _| {
        let mut v =
            corp(w, corp_id).contact_ways.get(&r.config_id).cloned().ok_or_else(|| err(41044, "invalid config_id"))?;
        if let Some(o) = v.as_object_mut() {
            o.remove("create_time");
        }
        Ok(json!({"contact_way": v}))
    })
}

pub async fn update_contact_way(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "update_contact_way", &q, &body, |w, corp_id, patch: Value, _| {
        let id =
            patch.get("config_id").and_then(Value::as_str).ok_or_else(|| err(41043, "missing config_id"))?.to_owned();
        let c = corp(w, corp_id);
        let mut v = c.contact_ways.get(&id).cloned().ok_or_else(|| err(41044, "invalid config_id"))?;
        for key in [
            "remark",
            "skip_verify",
            "style",
            "state",
            "user",
            "party",
            "expires_in",
            "chat_expires_in",
            "unionid",
            "conclusions",
        ] {
            if let Some(x) = patch.get(key) {
                v[key] = x.clone();
            }
        }
        check_way(&v, &|u| c.users.get(u).is_some_and(|x| !x.resigned))?;
        c.contact_ways.insert(id, v);
        Ok(json!({}))
    })
}

pub async fn del_contact_way(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "del_contact_way", &q, &body, |w, corp_id, r: ConfigId, _| {
        corp(w, corp_id).contact_ways.remove(&r.config_id).ok_or_else(|| err(41044, "invalid config_id"))?;
        Ok(json!({}))
    })
}

#[derive(Deserialize)]
pub struct ListReq {
    start_time: Option<i64>,
    end_time: Option<i64>,
    #[serde(default)]
    cursor: String,
    limit: Option<u32>,
}

pub async fn list_contact_way(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "list_contact_way", &q, &body, |w, corp_id, r: ListReq, now| {
        let limit = limit(r.limit, 100, 1000)?;
        let (from, to) = (r.start_time.unwrap_or(now - 90 * 86400), r.end_time.unwrap_or(now));
        let ids: Vec<Value> = corp(w, corp_id)
            .contact_ways
            .iter()
            .filter(|(_, v)| v["create_time"].as_i64().is_some_and(|t| t >= from && t <= to))
            .map(|(id, _)| json!({"config_id": id}))
            .collect();
        let (items, next) = page(&ids, &r.cursor, limit)?;
        Ok(json!({"contact_way": items, "next_cursor": next}))
    })
}

pub async fn send_welcome_msg(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "send_welcome_msg", &q, &body, |w, corp_id, v: Value, now| {
        let code = v.get("welcome_code").and_then(Value::as_str).unwrap_or_default().to_owned();
        if code.is_empty() {
            return Err(err(41049, "missing welcome_code"));
        }
        let text_empty = v.pointer("/text/content").and_then(Value::as_str).is_none_or(str::is_empty);
        let att = v.get("attachments").and_then(Value::as_array).map_or(0, Vec::len);
        if text_empty && att == 0 {
            return Err(err(41003, "text and attachments both empty"));
        }
        if att > 9 {
            return Err(err(40058, "more than 9 attachments"));
        }
        if v.pointer("/text/content").and_then(Value::as_str).is_some_and(|s| s.len() > 4000) {
            return Err(err(40058, "text longer than 4000 bytes"));
        }
        let c = corp(w, corp_id);
        let wc = c.welcome_codes.get_mut(&code).ok_or_else(|| err(41050, "invalid welcome_code"))?;
        if wc.used {
            return Err(err(41051, "customer and user already chatting or welcome_code used"));
        }
        if now > wc.expires_at {
            return Err(err(41050, "welcome_code expired"));
        }
        wc.used = true;
        let (userid, external_userid) = (wc.userid.clone(), wc.external_userid.clone());
        let mut content = v.clone();
        if let Some(o) = content.as_object_mut() {
            o.remove("welcome_code");
        }
        c.delivered.push(Delivery { external_userid, userid, kind: "welcome", msgid: None, content, at: now });
        Ok(json!({}))
    })
}
