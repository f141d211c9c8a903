//! `siyu crm pull` against a small CRM served on loopback by the test: pages loaded through the batch use cases,
//! a CRM failing mid-way then a resumed run, a malformed page that loads nothing, bad items listed with reasons,
//! and the high-water mark carried to the next run.

mod common;

use common::*;
use diesel::prelude::*;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// What the fake CRM answers per cursor (`""` for the first page): a queue of (status, body); the last entry
/// repeats. Every request's query and Authorization header are kept.
#[derive(Default)]
struct Crm {
    pages: HashMap<String, Vec<(u16, String)>>,
    seen: Vec<(String, String)>,
}

fn serve(crm: Arc<Mutex<Crm>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
            let mut auth = String::new();
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap() == 0 || h == "\r\n" {
                    break;
                }
                if let Some(v) = h.strip_prefix("Authorization: ").or_else(|| h.strip_prefix("authorization: ")) {
                    auth = v.trim().to_string();
                }
            }
            let query = target.split_once('?').map(|(_, q)| q.to_string()).unwrap_or_default();
            let cursor = query.split('&').find_map(|kv| kv.strip_prefix("cursor=")).unwrap_or("").to_string();
            let (status, body) = {
                let mut crm = crm.lock().unwrap();
                crm.seen.push((query.clone(), auth));
                match crm.pages.get_mut(&cursor) {
                    Some(q) if q.len() > 1 => q.remove(0),
                    Some(q) => q[0].clone(),
                    None => (404, "{}".into()),
                }
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{addr}")
}

fn page(customers: Value, holdings: Value, next: Option<&str>, high_water: Option<&str>) -> (u16, String) {
    let mut p = json!({"customers": customers, "holdings": holdings, "next_cursor": next, "total": 6});
    if let Some(h) = high_water {
        p["high_water"] = json!(h);
    }
    (200, p.to_string())
}

fn customer(no: &str, name: &str) -> Value {
    json!({"customer_no": no, "name": name, "mobile": "13900000001", "outlet_code": "BJ01"})
}

fn setup(env: &Env, crm: Arc<Mutex<Crm>>) -> String {
    let base = serve(crm);
    let token = env.write("crm.token", b"crm-secret-token\n");
    let cfg = format!("[crm]\nbase_url = \"{base}/api\"\ntoken_file = \"{}\"\npage_size = 2\n", token.display());
    env.write("siyu.toml", cfg.as_bytes()).to_str().unwrap().to_string()
}

#[test]
fn a_pull_fails_mid_way_resumes_lists_bad_items_and_moves_its_high_water_mark() {
    let env = Env::new();
    let crm = Arc::new(Mutex::new(Crm::default()));
    {
        let mut c = crm.lock().unwrap();
        c.pages.insert(
            "".into(),
            vec![page(
                json!([customer("P1", "张三"), customer("P2", "李四")]),
                json!([]),
                Some("c2"),
                Some("2026-11-29T08:00:00+08:00"),
            )],
        );
        // Page 2 fails once (the CRM is down), then answers: one good customer, one with a bad mobile, a holding.
        let mut bad = customer("P4", "王五");
        bad["mobile"] = json!("12345");
        c.pages.insert(
            "c2".into(),
            vec![
                (503, "{}".into()),
                page(
                    json!([customer("P3", "赵六"), bad]),
                    json!([{"customer_no": "P1", "product_code": "DEP-1Y", "product_name": "一年定期",
                            "product_type": "deposit", "amount_fen": 100}]),
                    Some("c3"),
                    None,
                ),
            ],
        );
        c.pages.insert(
            "c3".into(),
            vec![page(
                json!([]),
                json!([{"customer_no": "P1", "product_code": "X", "colour": "red"}]),
                None,
                Some("2026-11-30T02:00:00Z"),
            )],
        );
    }
    let cfg = setup(&env, crm.clone());
    let o = env.command(&["--config", &cfg, "crm", "pull"]).output().unwrap();
    assert!(!o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("page 2: the CRM is unavailable: HTTP 503"), "{}", out(&o));
    assert!(out(&o).contains("run `siyu crm pull` again to resume"), "{}", out(&o));
    assert_eq!(env.customers(), 2, "page 1 stays loaded");

    let o = env.command(&["--config", &cfg, "crm", "pull"]).output().unwrap();
    assert!(o.status.success(), "{}", out(&o));
    let text = out(&o);
    assert!(text.contains("resuming the unfinished run after page 1"), "{text}");
    assert!(text.contains("rejected page 2 customers[1].mobile: "), "{text}");
    assert!(text.contains("rejected page 3 holdings[0]: not a holdings item of the contract"), "{text}");
    assert!(!text.contains("12345"), "rejections never echo values");
    assert!(
        text.contains("2 page(s): 1 customer(s) created, 0 updated, 1 holding(s) loaded, 2 item(s) rejected"),
        "{text}"
    );
    assert!(text.contains("next pull from 2026-11-30T02:00:00.000000Z"), "{text}");
    assert_eq!(env.customers(), 3);
    assert_eq!(env.holdings(), 1);
    {
        let c = crm.lock().unwrap();
        assert!(c.seen.iter().all(|(_, auth)| auth == "Bearer crm-secret-token"), "{:?}", c.seen);
        let first_run: Vec<&String> = c.seen.iter().map(|(q, _)| q).collect();
        assert!(first_run.iter().all(|q| !q.contains("updated_since")), "no mark before a run finished: {first_run:?}");
        assert!(first_run.iter().all(|q| q.contains("limit=2")));
    }
    // Loaded through the batch use cases: audited per batch, and the run once.
    let actions: Vec<String> = siyu_store::schema::audit_log::table
        .select(siyu_store::schema::audit_log::action)
        .load(&mut env.conn())
        .unwrap();
    assert_eq!(actions.iter().filter(|a| *a == "crm.pull").count(), 1);
    assert!(actions.iter().filter(|a| *a == "customer.upsert_batch").count() >= 2);

    // The next run asks from the stored mark; the CRM has nothing new.
    {
        let mut c = crm.lock().unwrap();
        c.pages.insert("".into(), vec![page(json!([]), json!([]), None, None)]);
        c.seen.clear();
    }
    let o = env.command(&["--config", &cfg, "crm", "pull"]).output().unwrap();
    assert!(o.status.success(), "{}", out(&o));
    let c = crm.lock().unwrap();
    assert!(c.seen[0].0.contains("updated_since=2026-11-30T02%3A00%3A00.000000Z"), "{:?}", c.seen);
    assert!(out(&o).contains("next pull from 2026-11-30T02:00:00.000000Z"), "{}", out(&o));
}

#[test]
fn a_malformed_page_loads_nothing_and_the_next_run_retries_it() {
    let env = Env::new();
    let crm = Arc::new(Mutex::new(Crm::default()));
    let too_many: Vec<Value> = (0..1001).map(|i| customer(&format!("T{i}"), "张三")).collect();
    {
        let mut c = crm.lock().unwrap();
        c.pages.insert("".into(), vec![page(json!([customer("Q1", "张三")]), json!([]), Some("c2"), None)]);
        c.pages.insert(
            "c2".into(),
            vec![
                (200, r#"{"customers": "13900000001", "holdings": [], "next_cursor": null}"#.into()),
                page(json!(too_many), json!([]), None, None),
                (200, "<html>proxy error</html>".into()),
                page(json!([customer("Q2", "李四")]), json!([]), None, Some("2026-11-30T00:00:00Z")),
            ],
        );
    }
    let cfg = setup(&env, crm.clone());
    for why in [
        "page 2: not a page of the contract",
        "page 2: customers holds 1001 items, more than 1000",
        "page 2: not a page of the contract",
    ] {
        let o = env.command(&["--config", &cfg, "crm", "pull"]).output().unwrap();
        assert!(!o.status.success(), "{}", out(&o));
        assert!(out(&o).contains(why), "{why}: {}", out(&o));
        assert!(!out(&o).contains("13900000001"), "the reason quotes nothing from the page");
        assert_eq!(env.customers(), 1, "nothing of the bad page loaded");
    }
    let o = env.command(&["--config", &cfg, "crm", "pull"]).output().unwrap();
    assert!(o.status.success(), "{}", out(&o));
    assert_eq!(env.customers(), 2);
    let cursors: Vec<String> = crm.lock().unwrap().seen.iter().map(|(q, _)| q.clone()).collect();
    assert_eq!(cursors.iter().filter(|q| !q.contains("cursor=")).count(), 1, "page 1 asked once: {cursors:?}");
}

#[test]
fn without_a_configured_crm_the_pull_says_so() {
    let env = Env::new();
    let o = env.command(&["crm", "pull"]).output().unwrap();
    assert!(!o.status.success());
    assert!(out(&o).contains("no CRM is configured (crm.base_url)"), "{}", out(&o));
}

#[test]
fn imported_and_seeded_customers_carry_their_name_prefix_indexes() {
    use siyu_store::schema::customers;
    let env = Env::with_customers(10);
    let o =
        env.command(&["demo", "seed", "--customers", "40", "--seed", "7", "--as-of", "2026-11-30"]).output().unwrap();
    assert!(o.status.success(), "{}", out(&o));
    assert!(env.customers() >= 50);
    let missing: i64 = customers::table
        .filter(customers::name_p1_idx.is_null().or(customers::name_p2_idx.is_null()))
        .count()
        .get_result(&mut env.conn())
        .unwrap();
    assert_eq!(missing, 0, "every imported or seeded name is indexed by its first one and two characters");
    // The same surname, the same first-character index; a different one, a different index.
    let rows: Vec<(String, String)> = customers::table
        .filter(customers::id.is_not_null())
        .select((customers::name_p1_idx.assume_not_null(), customers::name_p2_idx.assume_not_null()))
        .load(&mut env.conn())
        .unwrap();
    let p1: std::collections::HashSet<&String> = rows.iter().map(|r| &r.0).collect();
    assert!(p1.len() > 1 && p1.len() < rows.len(), "surnames repeat: {} classes for {} rows", p1.len(), rows.len());
}
