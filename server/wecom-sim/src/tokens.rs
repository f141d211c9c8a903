//! `gettoken` (doc 91039): the same token while it is valid, a new one after it expired or was revoked;
//! 40013 for an unknown corpid, 40001 for a wrong secret.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::api::error_body;
use crate::state::{Sim, TokenRec, TOKEN_TTL};

pub async fn gettoken(sim: web::Data<Sim>, q: web::Query<HashMap<String, String>>) -> HttpResponse {
    let mut w = sim.lock();
    let now = w.now();
    let corp_id = q.get("corpid").cloned().unwrap_or_default();
    let secret = q.get("corpsecret").cloned().unwrap_or_default();
    let Some(corp) = w.corps.get(&corp_id) else {
        return HttpResponse::Ok().json(error_body(40013, "invalid corpid", now));
    };
    if corp.secret != secret {
        return HttpResponse::Ok().json(error_body(40001, "invalid credential", now));
    }
    let current = w
        .tokens
        .iter()
        .find(|(_, r)| r.corp_id == corp_id && r.expires_at > now)
        .map(|(t, r)| (t.clone(), r.expires_at));
    let (token, expires_at) = match current {
        Some(t) => t,
        None => {
            let t = format!("simtoken-{}", hex::encode(rand::random::<[u8; 24]>()));
            w.tokens.insert(t.clone(), TokenRec { corp_id, expires_at: now + TOKEN_TTL });
            (t, now + TOKEN_TTL)
        }
    };
    HttpResponse::Ok()
        .json(json!({"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": expires_at - now}))
}
