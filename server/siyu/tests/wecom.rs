//! `siyu wecom sync` against the emulator: a full sync, and one killed with SIGKILL part-way that the next run
//! resumes from its last stored page, ending with every relation stored once.

mod common;

use common::*;
use diesel::prelude::*;
use serde_json::json;
use std::process::Stdio;

const CORP: &str = "wwsiyuclisync001";
const SECRET: &str = "sim-secret-cli";

fn control(sim: &siyu_wecom_sim::SimHandle, path: &str, body: serde_json::Value) -> serde_json::Value {
    ureq::post(&format!("{}/__sim{path}", sim.base_url())).send_json(body).unwrap().into_json().unwrap()
}

/// The emulator with `n` customers of rm1 and rm2, and a config file pointing siyu at it (pages of `page`).
fn setup(env: &Env, n: usize, page: u32) -> (siyu_wecom_sim::SimHandle, String) {
    let sim = siyu_wecom_sim::spawn("127.0.0.1:0").unwrap();
    control(&sim, "/corps", json!({"corp_id": CORP, "secret": SECRET}));
    for u in ["rm1", "rm2"] {
        control(&sim, &format!("/corps/{CORP}/users"), json!({"userid": u}));
    }
    for i in 0..n {
        let u = if i % 2 == 0 { "rm1" } else { "rm2" };
        control(
            &sim,
            &format!("/corps/{CORP}/contacts"),
            json!({"name": format!("微信{i}"), "follow": [{"userid": u, "remark": format!("客户{i}")}]}),
        );
    }
    let cfg = format!(
        "[wecom]\nsync_page_size = {page}\n\n[[wecom.corps]]\nname = \"main\"\ncorp_id = \"{CORP}\"\nsecret = \"{SECRET}\"\napi_base = \"{}\"\n",
        sim.base_url()
    );
    let path = env.write("siyu.toml", cfg.as_bytes());
    (sim, path.to_str().unwrap().to_string())
}

fn relations(env: &Env) -> i64 {
    siyu_store::schema::wecom_contacts::table.count().get_result(&mut env.conn()).unwrap()
}

#[test]
fn a_full_sync_reports_what_it_stored() {
    let env = Env::new();
    let (_sim, cfg) = setup(&env, 9, 4);
    let o = env.command(&["--config", &cfg, "wecom", "sync", "--corp", "main"]).output().unwrap();
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("synced main: 2 follow member(s), 0 tag(s), 9 relation(s)"), "{}", out(&o));
    assert_eq!(relations(&env), 9);
    let o = env.command(&["--config", &cfg, "wecom", "sync", "--corp", "nowhere"]).output().unwrap();
    assert!(!o.status.success());
    assert!(out(&o).contains("no WeCom corp named nowhere"), "{}", out(&o));
}

#[test]
fn a_killed_sync_resumes_from_its_last_page() {
    let env = Env::new();
    let n = 240;
    let (_sim, cfg) = setup(&env, n, 1);
    let args = ["--config", cfg.as_str(), "wecom", "sync", "--corp", "main", "--lease-secs", "1"];
    let mut first = Reaped(env.command(&args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap());
    let done_at_kill = first.kill_once_done(&env, "wecom.sync", 30);
    assert!(done_at_kill < n as i64, "killed mid-way: {done_at_kill}");
    let pages_before: i64 = audit_count(&env, "wecom.sync_page");
    assert!(relations(&env) >= done_at_kill && relations(&env) < n as i64);

    let o = env.command(&args).output().unwrap();
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("resuming the sync of main"), "{}", out(&o));
    assert_eq!(relations(&env), n as i64, "every relation, once");
    let (attempts, done, total): (i64, i64, Option<i64>) = siyu_store::schema::jobs::table
        .select((siyu_store::schema::jobs::attempts, siyu_store::schema::jobs::done, siyu_store::schema::jobs::total))
        .first(&mut env.conn())
        .unwrap();
    assert_eq!((attempts, done, total), (2, n as i64, Some(n as i64)));
    // Resumed from the checkpoint: at most the page in flight at the kill is fetched again, not the whole sync.
    let pages = audit_count(&env, "wecom.sync_page");
    assert!(pages <= n as i64 + 1, "{pages} pages for {n} relations");
    assert!(pages - pages_before < n as i64, "the second run did not start over");
}

fn audit_count(env: &Env, action: &str) -> i64 {
    use siyu_store::schema::audit_log;
    audit_log::table.filter(audit_log::action.eq(action)).count().get_result(&mut env.conn()).unwrap()
}
