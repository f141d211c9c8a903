//! What every emulated API shares: token check (41001 / 40014 / 42001), injected faults, the per-minute frequency
//! limit (45009 with a block until the window ends), WeCom's answer shape (HTTP 200, errcode/errmsg, a hint in the
//! errmsg), JSON body decoding and opaque cursors.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::state::{Corp, Sim, World};

/// An API error: errcode and the errmsg text before WeCom's hint.
#[derive(Debug)]
pub struct ApiErr(pub i64, pub String);

pub type ApiResult = Result<Value, ApiErr>;

pub fn err(code: i64, msg: &str) -> ApiErr {
    ApiErr(code, msg.to_owned())
}

/// WeCom's answer for an error: the hint and "more info" link change per call, so clients must key on errcode.
pub fn error_body(code: i64, msg: &str, now: i64) -> Value {
    let hint = format!("{now}_{}_{:032x}", rand::random::<u8>() % 100, rand::random::<u128>());
    json!({
        "errcode": code,
        "errmsg": format!(
            "{msg}, hint: [{hint}], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e={code}"
        ),
    })
}

fn ok_body(v: Value) -> Value {
    let mut out = json!({"errcode": 0, "errmsg": "ok"});
    if let (Value::Object(o), Value::Object(extra)) = (&mut out, v) {
        o.extend(extra);
    }
    out
}

/// Resolves the corp from `access_token`, then applies faults and limits for `api`.
fn admit(w: &mut World, api: &str, q: &HashMap<String, String>) -> Result<String, ApiErr> {
    let now = w.now();
    let Some(token) = q.get("access_token").filter(|t| !t.is_empty()) else {
        return Err(err(41001, "access_token missing"));
    };
    let Some(rec) = w.tokens.get(token) else {
        return Err(err(40014, "invalid access_token"));
    };
    if rec.expires_at <= now {
        return Err(err(42001, "access_token expired"));
    }
    let corp_id = rec.corp_id.clone();
    let corp = w.corps.get_mut(&corp_id).ok_or_else(|| err(40014, "invalid access_token"))?;
    if let Some(i) = corp.faults.iter().position(|f| f.api.as_deref().is_none_or(|a| a == api)) {
        let code = corp.faults[i].errcode;
        corp.faults[i].count -= 1;
        if corp.faults[i].count == 0 {
            corp.faults.remove(i);
        }
        return Err(err(code, fault_text(code)));
    }
    let limit = corp.rate_per_minute;
    let c = corp.counters.entry(api.to_owned()).or_insert((now - now % 60, 0, 0));
    if c.2 > now {
        return Err(err(45009, "api freq out of limit"));
    }
    if now - c.0 >= 60 {
        *c = (now - now % 60, 0, 0);
    }
    c.1 += 1;
    if c.1 > limit {
        // Blocked for the rest of the minute window (doc 90454).
        c.2 = c.0 + 60;
        return Err(err(45009, "api freq out of limit"));
    }
    Ok(corp_id)
}

fn fault_text(code: i64) -> &'static str {
    match code {
        -1 => "system busy",
        45009 => "api freq out of limit",
        45033 => "api concurrent out of limit",
        48002 => "api forbidden",
        60011 => "no privilege to access/modify contact/party/agent",
        60020 => "not allow to access from your ip",
        _ => "injected error",
    }
}

fn respond(r: ApiResult, now: i64) -> HttpResponse {
    let body = match r {
        Ok(v) => ok_body(v),
        Err(ApiErr(code, msg)) => error_body(code, &msg, now),
    };
    HttpResponse::Ok().json(body)
}

/// Runs a GET-style API (parameters in the query).
pub fn run_query(
    sim: &web::Data<Sim>,
    api: &str,
    q: &HashMap<String, String>,
    f: impl FnOnce(&mut Corp, i64) -> ApiResult,
) -> HttpResponse {
    let mut w = sim.lock();
    let now = w.now();
    let r = admit(&mut w, api, q).and_then(|corp_id| {
        let corp = w.corps.get_mut(&corp_id).expect("admitted corp exists");
        f(corp, now)
    });
    respond(r, now)
}

/// Runs a POST API: the body is decoded as `T` (WeCom answers 47001 for a body that is not the expected JSON).
pub fn run_json<T: DeserializeOwned>(
    sim: &web::Data<Sim>,
    api: &str,
    q: &HashMap<String, String>,
    body: &[u8],
    f: impl FnOnce(&mut World, &str, T, i64) -> ApiResult,
) -> HttpResponse {
    let mut w = sim.lock();
    let now = w.now();
    let r = admit(&mut w, api, q).and_then(|corp_id| {
        let req: T = serde_json::from_slice(body).map_err(|e| err(47001, &format!("data format error: {e}")))?;
        f(&mut w, &corp_id, req, now)
    });
    respond(r, now)
}

pub fn corp<'a>(w: &'a mut World, corp_id: &str) -> &'a mut Corp {
    w.corps.get_mut(corp_id).expect("admitted corp exists")
}

/// Opaque cursors: WeCom's look like random base64; ours hide an offset the same way.
pub fn cursor_to_offset(cursor: &str) -> Result<usize, ApiErr> {
    if cursor.is_empty() {
        return Ok(0);
    }
    let bytes = hex::decode(cursor).map_err(|_| err(40058, "invalid cursor"))?;
    let s = String::from_utf8(bytes).map_err(|_| err(40058, "invalid cursor"))?;
    s.strip_prefix("sim:").and_then(|n| n.parse().ok()).ok_or_else(|| err(40058, "invalid cursor"))
}

pub fn offset_to_cursor(offset: usize, total: usize) -> String {
    if offset >= total {
        String::new()
    } else {
        hex::encode(format!("sim:{offset}"))
    }
}

/// One page of `items` from `cursor`, and the cursor of the next page (empty at the end).
pub fn page<T: Clone>(items: &[T], cursor: &str, limit: usize) -> Result<(Vec<T>, String), ApiErr> {
    let start = cursor_to_offset(cursor)?.min(items.len());
    let end = (start + limit).min(items.len());
    Ok((items[start..end].to_vec(), offset_to_cursor(end, items.len())))
}

/// `limit` rules: absent → `default`, 0 or above `max` → 40058 (WeCom refuses out-of-range limits).
pub fn limit(given: Option<u32>, default: u32, max: u32) -> Result<usize, ApiErr> {
    match given {
        None => Ok(default as usize),
        Some(n) if n == 0 || n > max => Err(err(40058, "invalid limit")),
        Some(n) => Ok(n as usize),
    }
}
