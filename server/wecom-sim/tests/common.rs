//! Shared set-up: an emulator on 127.0.0.1:0, a typed client against it, and a helper for `/__sim` controls.

#![allow(dead_code)]

use std::sync::Arc;

use serde_json::{json, Value};
use siyu_connectors::wecom::{HttpSettings, UreqTransport, WecomClient};
use siyu_wecom_sim::SimHandle;

pub const CORP: &str = "wwsimcorp0000001";
pub const SECRET: &str = "sim-secret-for-tests";

pub struct Env {
    pub sim: SimHandle,
    pub client: WecomClient,
}

pub fn control(sim: &SimHandle, path: &str, body: Value) -> Value {
    let r = ureq::post(&format!("{}/__sim{path}", sim.base_url())).send_json(body);
    match r {
        Ok(resp) => resp.into_json().unwrap(),
        Err(ureq::Error::Status(s, resp)) => {
            panic!("control {path}: HTTP {s} {}", resp.into_string().unwrap_or_default())
        }
        Err(e) => panic!("control {path}: {e}"),
    }
}

pub fn control_get(sim: &SimHandle, path: &str) -> Value {
    ureq::get(&format!("{}/__sim{path}", sim.base_url())).call().unwrap().into_json().unwrap()
}

pub fn client_for(sim: &SimHandle, secret: &str) -> WecomClient {
    let t = Arc::new(UreqTransport::new(&HttpSettings::default()).unwrap());
    WecomClient::new(t, &sim.base_url(), CORP, secret)
}

/// A corp with members `rm1`, `rm2`, `rm3`.
pub fn env() -> Env {
    let sim = siyu_wecom_sim::spawn("127.0.0.1:0").unwrap();
    control(&sim, "/corps", json!({"corp_id": CORP, "secret": SECRET}));
    for u in ["rm1", "rm2", "rm3"] {
        control(&sim, &format!("/corps/{CORP}/users"), json!({"userid": u, "name": format!("RM {u}")}));
    }
    let client = client_for(&sim, SECRET);
    Env { sim, client }
}

pub fn seed_contact(sim: &SimHandle, name: &str, followers: &[&str]) -> String {
    let follow: Vec<Value> = followers.iter().map(|u| json!({"userid": u})).collect();
    control(sim, &format!("/corps/{CORP}/contacts"), json!({"name": name, "follow": follow}))["external_userid"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub fn advance(sim: &SimHandle, secs: i64) -> Value {
    control(sim, "/clock/advance", json!({"secs": secs}))
}
