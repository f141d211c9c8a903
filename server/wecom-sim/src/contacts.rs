//! Customers: follow users, list, get, batch/get_by_user (cursor paging), remark (docs 92571, 92113, 92114, 92994,
//! 92115).

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{corp, err, limit, page, run_json, run_query};
use crate::state::{Contact, Corp, Follow, Sim};

type Q = web::Query<HashMap<String, String>>;

pub async fn get_follow_user_list(sim: web::Data<Sim>, q: Q) -> HttpResponse {
    run_query(&sim, "get_follow_user_list", &q, |c, _| {
        let users: Vec<&String> = c.users.iter().filter(|(_, u)| !u.resigned).map(|(id, _)| id).collect();
        Ok(json!({"follow_user": users}))
    })
}

pub async fn list(sim: web::Data<Sim>, q: Q) -> HttpResponse {
    let userid = q.get("userid").cloned().unwrap_or_default();
    run_query(&sim, "list", &q, |c, _| {
        if !c.users.contains_key(&userid) {
            return Err(err(60111, "invalid userid"));
        }
        let ids: Vec<&String> = c
            .contacts
            .values()
            .filter(|ct| ct.follows.iter().any(|f| f.userid == userid))
            .map(|ct| &ct.external_userid)
            .collect();
        Ok(json!({"external_userid": ids}))
    })
}

pub fn contact_json(ct: &Contact) -> Value {
    let mut v = json!({
        "external_userid": ct.external_userid,
        "name": ct.name,
        "avatar": format!("http://wx.qlogo.cn/mmhead/{}/0", ct.external_userid),
        "type": ct.kind,
        "gender": ct.gender,
    });
    if let Some(u) = &ct.unionid {
        v["unionid"] = json!(u);
    }
    if let Some(n) = &ct.corp_name {
        v["corp_name"] = json!(n);
    }
    v
}

fn follow_common(f: &Follow) -> Value {
    let mut v = json!({
        "userid": f.userid,
        "remark": f.remark,
        "description": f.description,
        "createtime": f.createtime,
        "remark_mobiles": f.remark_mobiles,
        "add_way": f.add_way,
        "oper_userid": f.oper_userid,
    });
    if let Some(s) = &f.state {
        v["state"] = json!(s);
    }
    if let Some(n) = &f.remark_corp_name {
        v["remark_corp_name"] = json!(n);
    }
    v
}

fn tag_objects(c: &Corp, f: &Follow) -> Vec<Value> {
    let mut out = vec![];
    for g in &c.tag_groups {
        for t in g.tags.iter().filter(|t| f.tag_ids.contains(&t.id)) {
            out.push(json!({"group_name": g.group_name, "tag_name": t.name, "tag_id": t.id, "type": 1}));
        }
    }
    out
}

/// More than this many follow users and `get` pages them (doc 92114).
const GET_FOLLOW_PAGE: usize = 500;

pub async fn get(sim: web::Data<Sim>, q: Q) -> HttpResponse {
    let ext = q.get("external_userid").cloned().unwrap_or_default();
    let cursor = q.get("cursor").cloned().unwrap_or_default();
    run_query(&sim, "get", &q, |c, _| {
        let ct = c.contacts.get(&ext).ok_or_else(|| err(84061, "not external contact"))?;
        let follows: Vec<Value> = ct
            .follows
            .iter()
            .map(|f| {
                let mut v = follow_common(f);
                v["tags"] = json!(tag_objects(c, f));
                v
            })
            .collect();
        let (items, next) = page(&follows, &cursor, GET_FOLLOW_PAGE)?;
        Ok(json!({"external_contact": contact_json(ct), "follow_user": items, "next_cursor": next}))
    })
}

#[derive(Deserialize)]
pub struct BatchReq {
    #[serde(default)]
    userid_list: Vec<String>,
    #[serde(default)]
    cursor: String,
    limit: Option<u32>,
}

pub async fn batch_get_by_user(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "batch/get_by_user", &q, &body, |w, corp_id, r: BatchReq, _| {
        let c = corp(w, corp_id);
        if r.userid_list.is_empty() || r.userid_list.len() > 100 {
            return Err(err(40058, "userid_list must hold 1..100 userids"));
        }
        let limit = limit(r.limit, 50, 100)?;
        // Stable order: by member as listed, then by customer id, so cursors stay valid between pages.
        let mut rows = vec![];
        for u in &r.userid_list {
            for ct in c.contacts.values() {
                if let Some(f) = ct.follows.iter().find(|f| &f.userid == u) {
                    let mut fi = follow_common(f);
                    fi["tag_id"] = json!(f.tag_ids);
                    rows.push(json!({"external_contact": contact_json(ct), "follow_info": fi}));
                }
            }
        }
        let (items, next) = page(&rows, &r.cursor, limit)?;
        Ok(json!({"external_contact_list": items, "next_cursor": next}))
    })
}

#[derive(Deserialize)]
pub struct RemarkReq {
    userid: String,
    external_userid: String,
    remark: Option<String>,
    description: Option<String>,
    remark_company: Option<String>,
    remark_mobiles: Option<Vec<String>>,
    remark_pic_mediaid: Option<String>,
}

pub async fn remark(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "remark", &q, &body, |w, corp_id, r: RemarkReq, _| {
        let c = corp(w, corp_id);
        if r.remark.is_none()
            && r.description.is_none()
            && r.remark_company.is_none()
            && r.remark_mobiles.is_none()
            && r.remark_pic_mediaid.is_none()
        {
            return Err(err(41003, "remark fields all empty"));
        }
        if r.remark.as_ref().is_some_and(|s| s.chars().count() > 20)
            || r.description.as_ref().is_some_and(|s| s.chars().count() > 150)
            || r.remark_company.as_ref().is_some_and(|s| s.chars().count() > 20)
        {
            return Err(err(40058, "field too long"));
        }
        let f = c.follow_mut(&r.external_userid, &r.userid).ok_or_else(|| err(84061, "not external contact"))?;
        if let Some(s) = r.remark {
            f.remark = s;
        }
        if let Some(s) = r.description {
            f.description = s;
        }
        if let Some(s) = r.remark_company {
            f.remark_corp_name = Some(s);
        }
        if let Some(m) = r.remark_mobiles {
            f.remark_mobiles = m.into_iter().filter(|s| !s.is_empty()).collect();
        }
        Ok(json!({}))
    })
}
