//! Channel live codes (渠道活码) against the WeCom emulator: created, edited and deactivated with WeCom's contact
//! way, inside the caller's org scope; bad input changing nothing; the QR image decoding back to WeCom's URL; the
//! adds and deletions attributed by the code's state; the welcome message sent once per welcome_code, recorded
//! failed when the code expired, and refused by the egress guard when it holds a mobile number.

use crate::harness::{TestApp, PASSWORD};
use diesel::prelude::*;
use serde_json::{json, Value};
use siyu_config::WecomCorp;
use siyu_domain::access::Role;
use siyu_engine::Engine;
use siyu_store::wecom::{channels, links};
use std::sync::Arc;

const NAME: &str = "main";
const CORP: &str = "wwsiyuchan0000001";
const SECRET: &str = "sim-secret-chan";

fn control(sim: &siyu_wecom_sim::SimHandle, path: &str, body: Value) -> Value {
    match ureq::post(&format!("{}/__sim{path}", sim.base_url())).send_json(body) {
        Ok(r) => r.into_json().unwrap(),
        Err(ureq::Error::Status(s, r)) => panic!("{path}: {s} {}", r.into_string().unwrap_or_default()),
        Err(e) => panic!("{path}: {e}"),
    }
}

fn stop(sim: siyu_wecom_sim::SimHandle) {
    let h = sim.server.clone();
    let _ = std::thread::spawn(move || actix_web::rt::System::new().block_on(h.stop(false))).join();
}

struct World {
    sim: siyu_wecom_sim::SimHandle,
    app: TestApp,
    org: crate::harness::Org,
    /// Staff ids of the RMs with WeCom userids rm1 (outlet A1) and rm2 (outlet B1).
    rm_a: String,
    rm_b: String,
}

/// The emulator (members rm1, rm2, callbacks to siyu) and siyu configured for it, with an org and two RMs.
fn setup() -> World {
    let (sim, app) =
        crate::wecom_sync::with_callbacks(CORP, SECRET, &["rm1", "rm2", "rm3"], |s| s.wecom.retry_base_ms = 10);
    let org = app.org();
    let rm_a = with_wecom(&app, "rm.a", &org.outlet_a1, "rm1");
    let rm_b = with_wecom(&app, "rm.b", &org.outlet_b1, "rm2");
    World { sim, app, org, rm_a, rm_b }
}

fn with_wecom(app: &TestApp, username: &str, node: &str, wecom: &str) -> String {
    let id = app.user(username, node, &[Role::Rm]);
    use siyu_store::schema::staff;
    diesel::update(staff::table.find(&id)).set(staff::wecom_userid.eq(wecom)).execute(&mut *app.conn()).unwrap();
    id
}

fn ways(sim: &siyu_wecom_sim::SimHandle) -> Vec<Value> {
    sim.sim.lock().corps.get(CORP).map(|c| c.contact_ways.values().cloned().collect()).unwrap_or_default()
}

fn welcomes_delivered(sim: &siyu_wecom_sim::SimHandle, external: &str) -> usize {
    let c = sim.sim.lock();
    c.corps[CORP].delivered.iter().filter(|d| d.kind == "welcome" && d.external_userid == external).count()
}

fn engine(app: &TestApp) -> Engine {
    Engine::new(app.state.pool.clone(), app.env().clone(), vec![])
        .with_pollers(vec![Arc::new(siyu_engine::wecom_inbox::WecomInbox::default())])
}

/// A channel row written directly (the authorisation matrix has no WeCom): its id.
pub fn seed_channel(app: &TestApp, node: &str, state: &str) -> String {
    let db = siyu_store::time::to_db(app.env().now());
    let id = uuid::Uuid::now_v7().to_string();
    channels::insert(
        &mut app.conn(),
        &channels::ChannelRow {
            id: id.clone(),
            corp: NAME.into(),
            name: "矩阵渠道".into(),
            kind: "outlet".into(),
            node_id: node.into(),
            rm_staff_ids: "[]".into(),
            follow_userids: "[]".into(),
            state: state.into(),
            config_id: Some("cfg-matrix".into()),
            qr_code: Some("http://p.qpic.cn/wwpic/sim/matrix/0".into()),
            welcome_text: None,
            status: "active".into(),
            created_by: "matrix".into(),
            created_at: db,
            updated_at: db,
        },
    )
    .unwrap();
    id
}

fn channel_count(app: &TestApp) -> i64 {
    use siyu_store::schema::wecom_channels;
    wecom_channels::table.count().get_result(&mut *app.conn()).unwrap()
}

#[test]
fn channels_are_made_at_wecom_within_scope_and_bad_input_changes_nothing() {
    let w = setup();
    let (app, org) = (&w.app, &w.org);
    let bm_a = app.user("bm.a", &org.branch_a, &[Role::BranchManager]);
    let bm_b = app.user("bm.b", &org.branch_b, &[Role::BranchManager]);
    let ho = app.org_hq_operator();
    let mut a = app.bearer(&bm_a);
    let body = |name: &str, rms: Vec<&str>| {
        json!({"corp": NAME, "name": name, "kind": "outlet", "node_id": org.outlet_a1, "rm_staff_ids": rms,
               "welcome_text": "您好，欢迎添加北京分行客户经理"})
    };

    // Bad input: nothing reaches WeCom, nothing is written.
    let audits = app.audit_count("wecom.channel_create");
    for (what, b, code) in [
        ("empty name", body("  ", vec![&w.rm_a]), "validation_failed"),
        ("unknown RM", body("网点码", vec!["0190f0c0-0000-7000-8000-000000000000"]), "validation_failed"),
        ("an RM outside the scope", body("网点码", vec![&w.rm_b]), "validation_failed"),
        ("no RM", body("网点码", vec![]), "validation_failed"),
        (
            "bad kind",
            {
                let mut b = body("网点码", vec![&w.rm_a]);
                b["kind"] = json!("shop");
                b
            },
            "validation_failed",
        ),
        (
            "state too long",
            {
                let mut b = body("网点码", vec![&w.rm_a]);
                b["code"] = json!("x".repeat(28));
                b
            },
            "validation_failed",
        ),
        (
            "unknown corp",
            {
                let mut b = body("网点码", vec![&w.rm_a]);
                b["corp"] = json!("nope");
                b
            },
            "wecom_unknown_corp",
        ),
    ] {
        let r = a.post("/api/v1/wecom/channels", b);
        assert!([400, 409, 422].contains(&r.status), "{what}: {} {}", r.status, r.body);
        assert_eq!(r.code(), code, "{what}: {}", r.body);
    }
    let r = a.post("/api/v1/wecom/channels", {
        let mut b = body("网点码", vec![&w.rm_a]);
        b["node_id"] = json!(org.outlet_b1);
        b
    });
    assert_eq!(r.status, 404, "a node outside the scope: {}", r.body);
    assert_eq!((channel_count(app), ways(&w.sim).len()), (0, 0), "nothing written, nothing made at WeCom");
    assert_eq!(app.audit_count("wecom.channel_create"), audits);
    // An RM reads channels but does not manage them.
    assert_eq!(app.bearer(&w.rm_a).post("/api/v1/wecom/channels", body("网点码", vec![&w.rm_a])).status, 403);

    // Created: a QR contact way (multi-member type, so members can change later) whose state is the channel's.
    let r = a.post("/api/v1/wecom/channels", {
        let mut b = body("北京一支行网点码", vec![&w.rm_a]);
        b["code"] = json!("bj01-outlet");
        b
    });
    assert_eq!(r.status, 201, "{}", r.body);
    let ch = r.json();
    let id = ch["id"].as_str().unwrap().to_string();
    assert_eq!(ch["state"], "ch_bj01-outlet");
    assert_eq!(ch["follow_userids"], json!(["rm1"]));
    let way = ways(&w.sim).pop().unwrap();
    assert_eq!((way["type"].as_i64(), way["scene"].as_i64()), (Some(2), Some(2)));
    assert_eq!((way["state"].as_str(), way["user"].clone()), (Some("ch_bj01-outlet"), json!(["rm1"])));
    assert_eq!(ch["config_id"], way["config_id"]);
    assert_eq!(app.audit_count("wecom.channel_create"), audits + 1);
    // The same code again: a conflict, nothing made.
    let r = a.post("/api/v1/wecom/channels", {
        let mut b = body("重复", vec![&w.rm_a]);
        b["code"] = json!("bj01-outlet");
        b
    });
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(ways(&w.sim).len(), 1);
    // A generated state fits WeCom's 30 characters.
    let gen = a.post("/api/v1/wecom/channels", body("活动码", vec![&w.rm_a])).json();
    let state = gen["state"].as_str().unwrap();
    assert!(state.starts_with("ch_") && state.chars().count() <= 30, "{state}");

    // Scope: branch B sees none of branch A's channels; head office sees all.
    let mut b = app.bearer(&bm_b);
    assert_eq!(b.get("/api/v1/wecom/channels").json()["total"], 0);
    assert_eq!(b.get(&format!("/api/v1/wecom/channels/{id}")).status, 404);
    assert_eq!(b.send("PATCH", &format!("/api/v1/wecom/channels/{id}"), Some(json!({"name": "x"}))).status, 404);
    assert_eq!(b.get(&format!("/api/v1/wecom/channels/{id}/qr.png")).status, 404);
    assert_eq!(app.bearer(&ho).get("/api/v1/wecom/channels").json()["total"], 2);
    assert_eq!(a.get("/api/v1/wecom/channels?status=active").json()["total"], 2);
    assert_eq!(app.bearer(&w.rm_a).get(&format!("/api/v1/wecom/channels/{id}")).status, 200);

    // The QR image: a PNG whose code reads back as WeCom's URL.
    let resp = ureq::get(&format!("{}/api/v1/wecom/channels/{id}/qr.png", app.base))
        .set("Authorization", &format!("Bearer {}", a.bearer.clone().unwrap()))
        .call()
        .unwrap();
    assert_eq!(resp.header("Content-Type"), Some("image/png"));
    let mut bytes = vec![];
    std::io::Read::read_to_end(&mut resp.into_reader(), &mut bytes).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let decoder = png::Decoder::new(std::io::Cursor::new(&bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    let (wd, ht) = (info.width as usize, info.height as usize);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(wd, ht, |x, y| pixels[y * wd + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1);
    let (_, text) = grids[0].decode().unwrap();
    assert_eq!(text, ch["qr_code"].as_str().unwrap());

    // Edit: the members change at WeCom too; bad input changes nothing.
    let path = format!("/api/v1/wecom/channels/{id}");
    let rm_a2 = with_wecom(app, "rm.a2", &org.outlet_a1, "rm3");
    let r = a.send("PATCH", &path, Some(json!({"rm_staff_ids": ["0190f0c0-0000-7000-8000-000000000000"]})));
    assert_eq!(r.status, 400, "{}", r.body);
    let r = a.send("PATCH", &path, Some(json!({"name": ""})));
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(app.audit_count("wecom.channel_update"), 0);
    let r = a.send("PATCH", &path, Some(json!({"name": "北京一支行", "rm_staff_ids": [w.rm_a, rm_a2]})));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["follow_userids"], json!(["rm1", "rm3"]));
    let way = ways(&w.sim).into_iter().find(|x| x["config_id"] == ch["config_id"]).unwrap();
    assert_eq!((way["user"].clone(), way["remark"].as_str()), (json!(["rm1", "rm3"]), Some("北京一支行")));
    assert_eq!(app.audit_count("wecom.channel_update"), 1);

    // Deactivated: gone at WeCom, kept here; no QR any more.
    let r = a.delete(&path);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "inactive");
    assert!(ways(&w.sim).iter().all(|x| x["config_id"] != ch["config_id"]));
    assert_eq!(a.get(&format!("{path}/qr.png")).status, 409);
    assert_eq!(a.send("PATCH", &path, Some(json!({"name": "再改"}))).status, 409);
    assert_eq!(a.get("/api/v1/wecom/channels?status=inactive").json()["total"], 1);
    assert_eq!(app.audit_count("wecom.channel_deactivate"), 1);
    stop(w.sim);
}

fn create(app: &TestApp, org: &crate::harness::Org, rm: &str, welcome: &str) -> Value {
    let bm = app.user(&format!("bm.{}", uuid::Uuid::now_v7().simple()), &org.branch_a, &[Role::BranchManager]);
    let r = app.bearer(&bm).post(
        "/api/v1/wecom/channels",
        json!({"corp": NAME, "name": "网点活码", "kind": "outlet", "node_id": org.outlet_a1, "rm_staff_ids": [rm],
               "welcome_text": welcome}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()
}

fn welcome_rows(app: &TestApp) -> Vec<(String, String)> {
    channels::welcomes(&mut app.conn(), NAME).unwrap().into_iter().map(|w| (w.external_userid, w.status)).collect()
}

#[test]
fn adds_through_a_channel_are_counted_linked_and_welcomed_once() {
    let w = setup();
    let (app, org, sim) = (&w.app, &w.org, &w.sim);
    let (cust_a, _) = crate::customers::seed(app, org);
    let ch = create(app, org, &w.rm_a, "您好，我是您的客户经理，欢迎咨询理财产品。");
    let (id, config) = (ch["id"].as_str().unwrap(), ch["config_id"].as_str().unwrap());
    let adds: Vec<Value> =
        (0..3).map(|_| control(sim, &format!("/corps/{CORP}/customer_adds"), json!({"config_id": config}))).collect();
    for a in &adds {
        assert_eq!(a["state"], ch["state"], "the emulator echoes the code's state");
        assert_eq!(a["callbacks"][0][0]["status"], 200, "{a}");
    }
    let ext: Vec<String> = adds.iter().map(|a| a["external_userid"].as_str().unwrap().to_string()).collect();
    // An add through another code (a customer's own) keeps its One-ID link and is not this channel's.
    let own = siyu_domain::wecom_link::customer_state(&cust_a.parse().unwrap());
    let other = control(sim, &format!("/corps/{CORP}/customer_adds"), json!({"userid": "rm1", "state": own}));
    let e = engine(app);
    assert_eq!(e.poll_once(), 4 + 3, "four events applied, three welcomes sent");
    for x in &ext {
        assert_eq!(welcomes_delivered(sim, x), 1, "{x}");
    }
    assert_eq!(welcomes_delivered(sim, other["external_userid"].as_str().unwrap()), 0, "no channel, no welcome");
    let l = links::get(&mut app.conn(), NAME, other["external_userid"].as_str().unwrap()).unwrap().unwrap();
    assert_eq!(l.link_method.as_deref(), Some("state"), "customer codes still link");
    assert_eq!(app.audit_count("wecom.welcome_send"), 3);

    // WeCom's retry of the first add (same event, same welcome_code) sends nothing more.
    let first = &adds[0];
    let fields = json!({"ToUserName": CORP, "MsgType": "event", "Event": "change_external_contact",
        "ChangeType": "add_external_contact", "UserID": "rm1", "ExternalUserID": ext[0],
        "State": ch["state"], "WelcomeCode": first["welcome_code"]});
    control(sim, &format!("/corps/{CORP}/events"), json!({"fields": fields}));
    e.poll_once();
    assert_eq!(welcomes_delivered(sim, &ext[0]), 1, "never twice for one code");
    assert_eq!(welcome_rows(app).len(), 3);

    // Deletions: one by the customer, one by the RM.
    control(sim, &format!("/corps/{CORP}/customer_deletes"), json!({"userid": "rm1", "external_userid": ext[1]}));
    control(
        sim,
        &format!("/corps/{CORP}/customer_deletes"),
        json!({"userid": "rm1", "external_userid": ext[2], "by": "member"}),
    );
    e.poll_once();
    // The RM confirms who the first one is.
    let rm = app.login("rm.a", PASSWORD);
    let contact = links::get(&mut app.conn(), NAME, &ext[0]).unwrap().unwrap().id;
    let mut rm = rm;
    let r = rm.post(&format!("/api/v1/wecom/contacts/{contact}/link"), json!({"customer_id": cust_a}));
    assert_eq!(r.status, 200, "{}", r.body);

    let s = rm.get(&format!("/api/v1/wecom/channels/{id}/stats?days=366"));
    assert_eq!(s.status, 200, "{}", s.body);
    let s = s.json();
    let got: Vec<i64> =
        ["adds", "deleted_by_customer", "deleted_by_rm", "following", "linked_customers", "welcomes_sent"]
            .iter()
            .map(|k| s[k].as_i64().unwrap())
            .collect();
    assert_eq!(got, vec![3, 1, 1, 1, 1, 3], "{s}");
    let per_day: i64 = s["days"].as_array().unwrap().iter().map(|d| d["adds"].as_i64().unwrap()).sum();
    assert_eq!(per_day, 3, "{s}");
    assert_eq!(rm.get(&format!("/api/v1/wecom/channels/{id}/stats?days=0")).status, 400);
    let bm_b = app.user("bm.b", &org.branch_b, &[Role::BranchManager]);
    assert_eq!(app.bearer(&bm_b).get(&format!("/api/v1/wecom/channels/{id}/stats")).status, 404);
    stop(w.sim);
}

#[test]
fn a_welcome_with_a_mobile_is_refused_when_saved_and_one_naming_a_customer_is_refused_when_sent() {
    let w = setup();
    let (app, org, sim) = (&w.app, &w.org, &w.sim);
    let bm = app.user("bm.x", &org.branch_a, &[Role::BranchManager]);
    let mut c = app.bearer(&bm);
    // A mobile number in the text: refused when saved, nothing made at WeCom, the refusal recorded.
    let r = c.post(
        "/api/v1/wecom/channels",
        json!({"corp": NAME, "name": "网点活码", "kind": "outlet", "node_id": org.outlet_a1, "rm_staff_ids": [w.rm_a],
               "welcome_text": "欢迎！有事请拨打 13800138000 联系我"}),
    );
    assert_eq!((r.status, r.code()), (409, "egress_blocked".to_string()), "{}", r.body);
    assert!(!r.body.contains("13800138000"), "the answer shows a masked sample only");
    assert_eq!((channel_count(app), ways(sim).len()), (0, 0));
    assert_eq!(app.audit_count("egress.blocked"), 1);
    assert_eq!(app.audit_count("wecom.channel_create"), 0);

    // A text naming 李雷 passes while no customer has that name…
    let ch = create(app, org, &w.rm_a, "李雷您好，欢迎添加");
    let r = c.send(
        "PATCH",
        &format!("/api/v1/wecom/channels/{}", ch["id"].as_str().unwrap()),
        Some(json!({"welcome_text": "您好 13900139000"})),
    );
    assert_eq!((r.status, r.code()), (409, "egress_blocked".to_string()), "{}", r.body);
    assert_eq!(app.audit_count("wecom.channel_update"), 0, "nothing changed");
    // …then the customer 李雷 is imported: the same text is refused when it would leave, recorded, never sent.
    crate::customers::seed(app, org);
    let config = ch["config_id"].as_str().unwrap();
    let a = control(sim, &format!("/corps/{CORP}/customer_adds"), json!({"config_id": config}));
    let ext = a["external_userid"].as_str().unwrap().to_string();
    engine(app).poll_once();
    assert_eq!(welcomes_delivered(sim, &ext), 0);
    assert_eq!(welcome_rows(app), vec![(ext.clone(), "refused".to_string())]);
    assert_eq!(app.audit_count("egress.blocked"), 3);
    stop(w.sim);
}

#[test]
fn an_expired_welcome_code_is_recorded_failed() {
    let w = setup();
    let (app, org, sim) = (&w.app, &w.org, &w.sim);
    let ch = create(app, org, &w.rm_a, "欢迎添加，祝您生活愉快");
    let config = ch["config_id"].as_str().unwrap();
    // The code has expired (20 s) before siyu sends: WeCom's 41050, recorded failed, nothing delivered.
    let b = control(sim, &format!("/corps/{CORP}/customer_adds"), json!({"config_id": config}));
    let ext = b["external_userid"].as_str().unwrap().to_string();
    control(sim, "/clock/advance", json!({"secs": 30}));
    engine(app).poll_once();
    assert_eq!(welcomes_delivered(sim, &ext), 0);
    let row = channels::welcomes(&mut app.conn(), NAME).unwrap().pop().unwrap();
    assert_eq!((row.external_userid.as_str(), row.status.as_str()), (ext.as_str(), "failed"));
    assert!(row.error.as_deref().unwrap_or("").starts_with("41050"), "{:?}", row.error);
    // Not retried: the code is single-use and gone.
    engine(app).poll_once();
    assert_eq!(welcome_rows(app), vec![(ext, "failed".to_string())]);
    let bm = app.user("bm.y", &org.branch_a, &[Role::BranchManager]);
    let s = app.bearer(&bm).get(&format!("/api/v1/wecom/channels/{}/stats", ch["id"].as_str().unwrap())).json();
    assert_eq!(
        (s["welcomes_failed"].as_i64(), s["welcomes_sent"].as_i64(), s["adds"].as_i64()),
        (Some(1), Some(0), Some(1)),
        "{s}"
    );
    stop(w.sim);
}

#[test]
fn welcomes_of_a_corp_without_a_client_are_recorded_failed_not_retried() {
    // A corp whose secret is gone: no client, so the planned welcome cannot go out before its code expires.
    let app = TestApp::start_with(|s| {
        s.wecom.corps.push(WecomCorp { name: NAME.into(), corp_id: CORP.into(), ..Default::default() })
    });
    let org = app.org();
    let ch = seed_channel(&app, &org.outlet_a1, "ch_nosecret");
    let db = siyu_store::time::to_db(app.env().now());
    let planned = channels::plan_welcome(
        &mut app.conn(),
        &channels::WelcomeRow {
            id: uuid::Uuid::now_v7().to_string(),
            corp: NAME.into(),
            welcome_code: "code-1".into(),
            channel_id: ch.clone(),
            external_userid: "wm-1".into(),
            follow_userid: "rm1".into(),
            status: "pending".into(),
            error: None,
            created_at: db,
            updated_at: db,
        },
    )
    .unwrap();
    assert!(planned);
    let mut c = app.conn();
    let r = siyu_app::wecom::channels::send_welcomes(&app.state.pool, &mut c, app.env(), NAME).unwrap();
    assert_eq!((r.sent, r.failed, r.refused), (0, 1, 0));
    let row = channels::welcomes(&mut c, NAME).unwrap().pop().unwrap();
    assert_eq!(row.status, "failed");
    assert!(row.error.unwrap_or_default().contains("secret"));
    assert!(siyu_app::wecom::channels::corps_with_welcomes(&mut c).unwrap().is_empty(), "nothing left to retry");
    drop(c);
    assert_eq!(app.audit_count("wecom.welcome_send"), 1);
}
