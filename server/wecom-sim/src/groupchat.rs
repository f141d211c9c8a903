//! Customer group chats (docs 92120, 92122): list with status/owner filters and a required limit 1..=1000, get with
//! members and admins.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{corp, err, page, run_json};
use crate::state::Sim;

type Q = web::Query<HashMap<String, String>>;

#[derive(Deserialize)]
pub struct OwnerFilter {
    #[serde(default)]
    userid_list: Vec<String>,
}

#[derive(Deserialize)]
pub struct ListReq {
    status_filter: Option<i32>,
    owner_filter: Option<OwnerFilter>,
    #[serde(default)]
    cursor: String,
    limit: Option<u32>,
}

pub async fn list(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "groupchat/list", &q, &body, |w, corp_id, r: ListReq, _| {
        let limit = match r.limit {
            Some(n @ 1..=1000) => n as usize,
            _ => return Err(err(40058, "limit must be 1..1000")),
        };
        let owners = r.owner_filter.map(|o| o.userid_list).unwrap_or_default();
        if owners.len() > 100 {
            return Err(err(40058, "owner_filter holds more than 100 userids"));
        }
        let status = r.status_filter.unwrap_or(0);
        let rows: Vec<Value> = corp(w, corp_id)
            .chats
            .values()
            .filter(|c| status == 0 || c.status == status)
            .filter(|c| owners.is_empty() || owners.contains(&c.owner))
            .map(|c| json!({"chat_id": c.chat_id, "status": c.status}))
            .collect();
        let (items, next) = page(&rows, &r.cursor, limit)?;
        Ok(json!({"group_chat_list": items, "next_cursor": next}))
    })
}

#[derive(Deserialize)]
pub struct GetReq {
    chat_id: String,
    #[serde(default)]
    need_name: i32,
}

pub async fn get(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "groupchat/get", &q, &body, |w, corp_id, r: GetReq, _| {
        let c = corp(w, corp_id);
        let chat = c.chats.get(&r.chat_id).ok_or_else(|| err(40050, "chatid not found"))?;
        let members: Vec<Value> = chat
            .members
            .iter()
            .map(|m| {
                let mut v = json!({"userid": m.userid, "type": m.kind, "join_time": m.join_time, "join_scene": m.join_scene,
                    "invitor": {"userid": chat.owner}, "group_nickname": ""});
                if r.need_name == 1 {
                    let name = if m.kind == 2 {
                        c.contacts.get(&m.userid).map(|x| x.name.clone())
                    } else {
                        c.users.get(&m.userid).map(|x| x.name.clone())
                    };
                    v["name"] = json!(name.unwrap_or_default());
                }
                if let Some(s) = &m.state {
                    v["state"] = json!(s);
                }
                v
            })
            .collect();
        let admins: Vec<Value> = chat.admins.iter().map(|a| json!({"userid": a})).collect();
        Ok(json!({"group_chat": {"chat_id": chat.chat_id, "name": chat.name, "owner": chat.owner,
            "create_time": chat.create_time, "notice": chat.notice, "member_list": members, "admin_list": admins,
            "member_version": format!("{:032x}", chat.members.len())}}))
    })
}
