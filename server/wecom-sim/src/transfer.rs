//! Customer transfer (docs 92125, 94088, 94081, 94082): a started transfer waits 24 h (status 2) for the customer
//! to refuse (status 3, `transfer_fail` callback) and then completes (status 1; for on-duty transfers the old member
//! loses the customer with a `del_external_contact` callback whose Source is DELETE_BY_TRANSFER). A customer may be
//! transferred at most twice in 90 days (40128).

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};
use siyu_connectors::wecom::xml::XmlValue;

use crate::api::{corp, err, page, run_json, ApiErr};
use crate::callbacks::{contact_event, EventFields};
use crate::state::{Corp, Sim, Transfer, TRANSFER_WAIT};

type Q = web::Query<HashMap<String, String>>;

const NINETY_DAYS: i64 = 90 * 86400;

#[derive(Deserialize)]
pub struct TransferReq {
    handover_userid: String,
    takeover_userid: String,
    #[serde(default)]
    external_userid: Vec<String>,
}

fn start(c: &mut Corp, r: TransferReq, resigned: bool, now: i64) -> Result<Value, ApiErr> {
    if r.external_userid.is_empty() || r.external_userid.len() > 100 {
        return Err(err(40058, "external_userid must hold 1..100 ids"));
    }
    if r.handover_userid == r.takeover_userid {
        return Err(err(40130, "handover and takeover are the same member"));
    }
    if c.users.get(&r.takeover_userid).is_none_or(|u| u.resigned) {
        return Err(err(60111, "invalid takeover userid"));
    }
    let handover_resigned = c.users.get(&r.handover_userid).is_some_and(|u| u.resigned);
    if resigned && !handover_resigned {
        return Err(err(40097, "handover member has not resigned"));
    }
    let mut out = vec![];
    for ext in r.external_userid {
        let recent = c
            .transfers
            .iter()
            .filter(|t| t.external_userid == ext && now - (t.takeover_time - TRANSFER_WAIT) < NINETY_DAYS)
            .count();
        let code = if !c.contacts.contains_key(&ext) {
            40096
        } else if !c.is_follower(&ext, &r.handover_userid) {
            40131
        } else if c.transfers.iter().any(|t| t.external_userid == ext && t.status == 2) {
            40100
        } else if recent >= 2 {
            40128
        } else {
            c.transfers.push(Transfer {
                resigned,
                handover: r.handover_userid.clone(),
                takeover: r.takeover_userid.clone(),
                external_userid: ext.clone(),
                status: 2,
                takeover_time: now + TRANSFER_WAIT,
            });
            0
        };
        out.push(json!({"external_userid": ext, "errcode": code}));
    }
    Ok(json!({"customer": out}))
}

pub async fn transfer_customer(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "transfer_customer", &q, &body, |w, corp_id, r: TransferReq, now| {
        start(corp(w, corp_id), r, false, now)
    })
}

pub async fn resigned_transfer_customer(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "resigned/transfer_customer", &q, &body, |w, corp_id, r: TransferReq, now| {
        start(corp(w, corp_id), r, true, now)
    })
}

#[derive(Deserialize)]
pub struct ResultReq {
    handover_userid: String,
    takeover_userid: String,
    #[serde(default)]
    cursor: String,
}

fn result(c: &Corp, r: ResultReq, resigned: bool) -> Result<Value, ApiErr> {
    let rows: Vec<Value> = c
        .transfers
        .iter()
        .filter(|t| t.resigned == resigned && t.handover == r.handover_userid && t.takeover == r.takeover_userid)
        .map(|t| json!({"external_userid": t.external_userid, "status": t.status, "takeover_time": t.takeover_time}))
        .collect();
    let (items, next) = page(&rows, &r.cursor, 1000)?;
    Ok(json!({"customer": items, "next_cursor": next}))
}

pub async fn transfer_result(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "transfer_result", &q, &body, |w, corp_id, r: ResultReq, _| result(corp(w, corp_id), r, false))
}

pub async fn resigned_transfer_result(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "resigned/transfer_result", &q, &body, |w, corp_id, r: ResultReq, _| {
        result(corp(w, corp_id), r, true)
    })
}

/// Completes every waiting transfer whose 24 h are over; returns the callbacks WeCom would send.
pub fn settle(c: &mut Corp, now: i64) -> Vec<EventFields> {
    let mut events = vec![];
    let due: Vec<usize> =
        (0..c.transfers.len()).filter(|&i| c.transfers[i].status == 2 && c.transfers[i].takeover_time <= now).collect();
    for i in due {
        let t = c.transfers[i].clone();
        c.transfers[i].status = 1;
        if let Some(ct) = c.contacts.get_mut(&t.external_userid) {
            let old = ct.follows.iter().position(|f| f.userid == t.handover);
            if let Some(pos) = old {
                let mut f = ct.follows.remove(pos);
                if !ct.follows.iter().any(|x| x.userid == t.takeover) {
                    f.userid = t.takeover.clone();
                    f.createtime = now;
                    f.add_way = 202;
                    f.oper_userid = t.takeover.clone();
                    ct.follows.push(f);
                }
            }
        }
        if !t.resigned {
            events.push(contact_event(
                "del_external_contact",
                &t.handover,
                &t.external_userid,
                vec![("Source", XmlValue::Text("DELETE_BY_TRANSFER".into()))],
            ));
        }
    }
    events
}

/// The customer refuses the waiting transfer: status 3 and a `transfer_fail` callback naming the takeover member.
pub fn refuse(c: &mut Corp, external_userid: &str) -> Result<EventFields, ApiErr> {
    let t = c
        .transfers
        .iter_mut()
        .find(|t| t.external_userid == external_userid && t.status == 2)
        .ok_or_else(|| err(40058, "no waiting transfer for this customer"))?;
    t.status = 3;
    Ok(contact_event(
        "transfer_fail",
        &t.takeover.clone(),
        external_userid,
        vec![("FailReason", XmlValue::Text("customer_refused".into()))],
    ))
}
