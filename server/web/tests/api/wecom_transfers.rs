//! Customer transfer against the emulator: an on-duty transfer taken over after 24 h and polled; one refused by
//! the customer (seen by polling) listed for the outlet's manager and retried; the `transfer_fail` callback failing
//! a transfer at once; a resigned RM's customers transferred through the resigned flow after the resignation
//! handed them over; WeCom's limit of two transfers in 90 days surfaced as errcode 40128; scope. Then the weekly
//! figures (adds, deletions by customer and by RM, net) and target progress.

use crate::harness::{Client, TestApp};
use serde_json::{json, Value};
use siyu_domain::access::Role;
use siyu_engine::wecom_inbox::WecomInbox;
use siyu_engine::wecom_transfers::WecomTransfers;
use siyu_engine::Engine;
use siyu_store::wecom::transfers::{self as store, TransferRow};
use std::sync::Arc;

const NAME: &str = "main";
const CORP: &str = "wwsiyuxfer000001";
const SECRET: &str = "sim-secret-xfer";

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
    /// Branch manager of branch A (outlet A1's manager) and of branch B.
    bm_a: Client,
    bm_b: Client,
    rm1: String,
    rm2: String,
}

/// The emulator (members rm1..rm3, callbacks to siyu) and siyu (rm1, rm2 at outlet A1 with their WeCom ids).
fn setup() -> World {
    let (sim, app) = crate::wecom_sync::with_callbacks(CORP, SECRET, &["rm1", "rm2", "rm3", "remote1"], |s| {
        // The emulator's clock runs ahead of siyu's when the tests move it by a day.
        s.wecom.corps[0].callback_max_age_secs = 0;
        s.wecom.retry_base_ms = 10;
    });
    let org = app.org();
    let bm_a = app.user("bm.a", &org.branch_a, &[Role::BranchManager]);
    let bm_b = app.user("bm.b", &org.branch_b, &[Role::BranchManager]);
    let rm1 = with_wecom(&app, "rm1", &org.outlet_a1, Role::Rm);
    let rm2 = with_wecom(&app, "rm2", &org.outlet_a1, Role::Rm);
    let bm_a = app.bearer(&bm_a);
    let bm_b = app.bearer(&bm_b);
    World { sim, app, org, bm_a, bm_b, rm1, rm2 }
}

fn with_wecom(app: &TestApp, username: &str, node: &str, role: Role) -> String {
    use diesel::prelude::*;
    use siyu_store::schema::staff;
    let id = app.user(username, node, &[role]);
    diesel::update(staff::table.find(&id)).set(staff::wecom_userid.eq(username)).execute(&mut *app.conn()).unwrap();
    id
}

fn inbox(app: &TestApp) -> usize {
    Engine::new(app.state.pool.clone(), app.env().clone(), vec![])
        .with_pollers(vec![Arc::new(WecomInbox::default())])
        .poll_once()
}

fn transfers(app: &TestApp) -> usize {
    Engine::new(app.state.pool.clone(), app.env().clone(), vec![])
        .with_pollers(vec![Arc::new(WecomTransfers::every(0))])
        .poll_once()
}

/// A customer adds `userid` in WeCom; siyu applies the callback. Returns (external_userid, contact id).
fn add_customer(w: &World, userid: &str) -> (String, String) {
    // Ids of letters only: the emulator's own carry digit runs that the egress guard may take for a card number.
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let ext: String =
        format!("wmXfer{}", n.to_string().chars().map(|d| (b'a' + d as u8 - b'0') as char).collect::<String>());
    add_customer_as(w, userid, &ext)
}

fn add_customer_as(w: &World, userid: &str, ext: &str) -> (String, String) {
    let r = control(&w.sim, &format!("/corps/{CORP}/customer_adds"), json!({"userid": userid, "external_userid": ext}));
    let ext = r["external_userid"].as_str().unwrap().to_string();
    inbox(&w.app);
    let l = siyu_store::wecom::links::get(&mut w.app.conn(), NAME, &ext).unwrap().expect("the contact is known");
    (ext, l.id)
}

static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn advance_sim(w: &World, secs: i64) {
    control(&w.sim, "/clock/advance", json!({"secs": secs}));
}

fn row(app: &TestApp, id: &str) -> TransferRow {
    store::get(&mut app.conn(), id).unwrap()
}

fn queue(c: &mut Client, contacts: &[&str], to: &str) -> Vec<String> {
    let r = c.post("/api/v1/wecom/transfers", json!({"contact_ids": contacts, "to_staff_id": to}));
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect()
}

/// A failed transfer of an existing contact at `node` (for the authorization matrix).
pub fn seed_failed(app: &TestApp, node: &str, external: &str) -> String {
    let mut c = app.conn();
    let follow = siyu_store::wecom::links::follow_users(&mut c, NAME, external).unwrap();
    let staff = store::staff_of_userid(&mut c, &follow[0]).unwrap().unwrap();
    let now = siyu_store::time::to_db(app.env().now());
    let row = TransferRow {
        id: uuid::Uuid::now_v7().to_string(),
        corp: NAME.into(),
        external_userid: external.into(),
        customer_id: None,
        node_id: node.into(),
        from_staff_id: staff.clone(),
        to_staff_id: staff,
        handover_userid: follow[0].clone(),
        takeover_userid: follow[0].clone(),
        flow: Some("on_duty".into()),
        status: "failed".into(),
        errcode: Some(3),
        reason: Some("customer_refused".into()),
        message: None,
        origin: "api".into(),
        created_by: None,
        created_at: now,
        started_at: Some(now),
        finished_at: Some(now),
        updated_at: now,
    };
    store::insert(&mut c, &row).unwrap();
    row.id
}

#[test]
fn an_on_duty_transfer_is_taken_over_and_a_refused_one_is_listed_for_the_manager_and_retried() {
    let mut w = setup();
    let (ext1, c1) = add_customer(&w, "rm1");
    let (ext2, c2) = add_customer(&w, "rm1");
    let rm2 = w.rm2.clone();
    // Bad input changes nothing.
    for bad in [
        json!({"contact_ids": [], "to_staff_id": rm2}),
        json!({"contact_ids": vec![c1.clone(); 101], "to_staff_id": rm2}),
        json!({"contact_ids": [c1], "to_staff_id": rm2, "message": ""}),
        json!({"contact_ids": [c1], "to_staff_id": rm2, "priority": 1}),
    ] {
        let r = w.bm_a.post("/api/v1/wecom/transfers", bad.clone());
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
    }
    let rm1 = w.rm1.clone();
    let r = w.bm_a.post("/api/v1/wecom/transfers", json!({"contact_ids": [c1], "to_staff_id": rm1}));
    assert_eq!(r.json()["skipped"][0]["reason"], "takeover_already_follows", "{}", r.body);
    assert_eq!(w.bm_a.get("/api/v1/wecom/transfers").json()["total"], 0);
    // Another branch's manager can neither start it nor name the takeover RM.
    let r = w.bm_b.post("/api/v1/wecom/transfers", json!({"contact_ids": [c1], "to_staff_id": rm2}));
    assert_eq!(r.status, 404, "{}", r.body);
    // The success message passes the egress guard.
    let r = w.bm_a.post(
        "/api/v1/wecom/transfers",
        json!({"contact_ids": [c1, c2], "to_staff_id": rm2, "message": "您好，之后由新的客户经理为您服务"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let ids: Vec<String> =
        r.json()["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(w.app.audit_count("wecom.transfer_request"), 1);
    // Queued again while waiting: skipped, not doubled.
    let again = w.bm_a.post("/api/v1/wecom/transfers", json!({"contact_ids": [c1], "to_staff_id": rm2}));
    assert_eq!(again.json()["skipped"][0]["reason"], "transfer_in_progress", "{}", again.body);

    assert!(transfers(&w.app) >= 2);
    let (t1, t2) = (row(&w.app, &ids[0]), row(&w.app, &ids[1]));
    assert_eq!((t1.status.as_str(), t1.flow.as_deref()), ("waiting", Some("on_duty")), "{t1:?}");
    assert!(t1.started_at.is_some() && t2.started_at.is_some());
    assert_eq!(t1.external_userid, ext1);

    // The second customer refuses; the poll sees status 3 before the callback is applied.
    control(&w.sim, &format!("/corps/{CORP}/transfers/refuse"), json!({"external_userid": ext2}));
    // 24 h later the first is taken over (and rm1 gets DELETE_BY_TRANSFER).
    advance_sim(&w, 86_400 + 60);
    transfers(&w.app);
    let (t1, t2) = (row(&w.app, &ids[0]), row(&w.app, &ids[1]));
    assert_eq!(t1.status, "succeeded");
    assert_eq!((t2.status.as_str(), t2.reason.as_deref(), t2.errcode), ("failed", Some("customer_refused"), Some(3)));
    inbox(&w.app);
    let follows = siyu_store::wecom::links::follow_users(&mut w.app.conn(), NAME, &ext1).unwrap();
    assert_eq!(follows, vec!["rm2".to_string()], "the customer is rm2's now");

    // Listed for outlet A1's manager, not for branch B's.
    let failed = w.bm_a.get("/api/v1/wecom/transfers?status=failed").json();
    assert_eq!(failed["total"], 1, "{failed}");
    assert_eq!(failed["items"][0]["external_userid"], ext2.as_str());
    assert_eq!(failed["items"][0]["reason"], "customer_refused");
    assert_eq!(w.bm_b.get("/api/v1/wecom/transfers?status=failed").json()["total"], 0);
    assert_eq!(w.bm_a.get("/api/v1/wecom/transfers?status=lost").status, 400);
    assert_eq!(w.bm_b.post(&format!("/api/v1/wecom/transfers/{}/retry", ids[1]), json!({})).status, 404);
    let retried = w.bm_a.post(&format!("/api/v1/wecom/transfers/{}/retry", ids[1]), json!({}));
    assert_eq!(retried.status, 201, "{}", retried.body);
    assert_eq!(retried.json()["status"], "waiting");
    assert_eq!(w.bm_a.post(&format!("/api/v1/wecom/transfers/{}/retry", ids[0]), json!({})).status, 409);
    assert!(w.app.audit_count("wecom.transfer_result") >= 1);
    stop(w.sim);
}

#[test]
fn a_transfer_fail_callback_fails_the_transfer_and_the_90_day_limit_is_surfaced() {
    let mut w = setup();
    let (ext, c) = add_customer(&w, "rm1");
    let (ext_b, c_b) = add_customer(&w, "rm1");
    let (rm1, rm2) = (w.rm1.clone(), w.rm2.clone());
    // transfer_fail: the callback alone (no poll) fails the transfer.
    let id_b = queue(&mut w.bm_a, &[&c_b], &rm2)[0].clone();
    transfers(&w.app);
    control(&w.sim, &format!("/corps/{CORP}/transfers/refuse"), json!({"external_userid": ext_b}));
    inbox(&w.app);
    let t = row(&w.app, &id_b);
    assert_eq!((t.status.as_str(), t.reason.as_deref()), ("failed", Some("customer_refused")));

    // Twice within 90 days is fine (rm1 → rm2 → rm1), the third time WeCom answers 40128.
    for to in [&rm2, &rm1] {
        let id = queue(&mut w.bm_a, &[&c], to)[0].clone();
        transfers(&w.app);
        advance_sim(&w, 86_400 + 60);
        transfers(&w.app);
        inbox(&w.app);
        let t = row(&w.app, &id);
        assert_eq!(t.status, "succeeded", "{to}: {t:?}");
    }
    let id = queue(&mut w.bm_a, &[&c], &rm2)[0].clone();
    transfers(&w.app);
    let t = row(&w.app, &id);
    assert_eq!((t.status.as_str(), t.errcode, t.reason.as_deref()), ("failed", Some(40128), Some("too_frequent")));
    let failed = w.bm_a.get("/api/v1/wecom/transfers?status=failed").json();
    assert!(failed["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["errcode"] == 40128 && i["external_userid"] == ext.as_str()));
    stop(w.sim);
}

#[test]
fn a_resigned_rm_s_customers_go_through_the_resigned_flow() {
    let mut w = setup();
    let rm3 = with_wecom(&w.app, "rm3", &w.org.outlet_a1, Role::Rm);
    let remote = with_wecom(&w.app, "remote1", &w.org.hq, Role::RemoteRm);
    let (ext, contact) = add_customer(&w, "rm3");
    // A customer managed by rm3, linked to the WeCom contact.
    let hq = w.app.org_hq_operator();
    let r = w.app.bearer(&hq).post(
        "/api/v1/customers/batch",
        json!({"items": [{"customer_no": "7100000001", "name": "王芳", "outlet_code": "BJ01", "rm_employee_no": "E-rm3"}]}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let customer = r.json()["results"][0]["id"].as_str().unwrap().to_string();
    let l = w.bm_a.post(&format!("/api/v1/wecom/contacts/{contact}/link"), json!({"customer_id": customer}));
    assert_eq!(l.status, 200, "{}", l.body);
    // rm3 leaves: WeCom first, then siyu, whose resignation hands the customer to the remote team.
    control(&w.sim, &format!("/corps/{CORP}/users/rm3/resign"), json!({}));
    let admin = w.app.user("sysadmin", &w.org.hq, &[Role::SystemAdmin]);
    let r = w.app.bearer(&admin).post(&format!("/api/v1/staff/{rm3}/resign"), json!({}));
    assert!(r.status < 300, "{}", r.body);
    let queued = w.bm_a.get("/api/v1/wecom/transfers").json();
    assert_eq!(queued["total"], 1, "{queued}");
    let item = &queued["items"][0];
    assert_eq!((item["origin"].as_str(), item["to_staff_id"].as_str()), (Some("reassignment"), Some(remote.as_str())));
    assert_eq!(item["customer_id"], customer.as_str());
    let id = item["id"].as_str().unwrap().to_string();
    transfers(&w.app);
    let t = row(&w.app, &id);
    assert_eq!((t.status.as_str(), t.flow.as_deref(), t.errcode), ("waiting", Some("resigned"), None));
    advance_sim(&w, 86_400 + 60);
    transfers(&w.app);
    assert_eq!(row(&w.app, &id).status, "succeeded");
    let follows = siyu_store::wecom::links::follow_users(&mut w.app.conn(), NAME, &ext).unwrap();
    assert_eq!(follows, vec!["remote1".to_string()]);
    stop(w.sim);
}

#[test]
fn weekly_figures_count_adds_and_deletions_and_show_target_progress() {
    let mut w = setup();
    let mut exts = vec![];
    for u in ["rm1", "rm1", "rm1", "rm2"] {
        exts.push(add_customer(&w, u).0);
    }
    // One of rm1's customers deletes rm1; rm2 deletes their customer.
    control(&w.sim, &format!("/corps/{CORP}/customer_deletes"), json!({"userid": "rm1", "external_userid": exts[0]}));
    control(
        &w.sim,
        &format!("/corps/{CORP}/customer_deletes"),
        json!({"userid": "rm2", "external_userid": exts[3], "by": "member"}),
    );
    inbox(&w.app);
    let a1 = w.org.outlet_a1.clone();
    let (rm1, rm2) = (w.rm1.clone(), w.rm2.clone());
    let r = w.bm_a.send(
        "PUT",
        "/api/v1/wecom/targets",
        Some(json!({"subject_type": "staff", "subject_id": rm1, "target": 4})),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = w.bm_a.send(
        "PUT",
        "/api/v1/wecom/targets",
        Some(json!({"subject_type": "node", "subject_id": a1, "target": 10})),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(w.app.audit_count("wecom.add_target"), 2);
    // Another branch's manager can set no target here, nor read the outlet's figures.
    let r = w.bm_b.send(
        "PUT",
        "/api/v1/wecom/targets",
        Some(json!({"subject_type": "staff", "subject_id": rm1, "target": 1})),
    );
    assert_eq!(r.status, 404);
    assert_eq!(w.bm_b.get(&format!("/api/v1/wecom/stats/weekly?node={a1}")).status, 404);
    assert_eq!(
        w.bm_a
            .send(
                "PUT",
                "/api/v1/wecom/targets",
                Some(json!({"subject_type": "staff", "subject_id": rm1, "target": -1}))
            )
            .status,
        400
    );
    assert_eq!(w.bm_a.get("/api/v1/wecom/stats/weekly?week=2026-W60").status, 400);

    let s = w.bm_a.get(&format!("/api/v1/wecom/stats/weekly?node={a1}")).json();
    let find = |rows: &Value, id: &str| rows.as_array().unwrap().iter().find(|r| r["id"] == id).cloned().unwrap();
    let r1 = find(&s["rms"], &rm1);
    assert_eq!(
        (r1["adds"].as_i64(), r1["deleted_by_customer"].as_i64(), r1["net"].as_i64()),
        (Some(3), Some(1), Some(2))
    );
    assert_eq!((r1["target"].as_i64(), r1["progress"].as_f64()), (Some(4), Some(0.75)));
    let r2 = find(&s["rms"], &rm2);
    assert_eq!((r2["adds"].as_i64(), r2["deleted_by_rm"].as_i64(), r2["net"].as_i64()), (Some(1), Some(1), Some(0)));
    assert_eq!(r2["target"], Value::Null);
    let o = find(&s["outlets"], &a1);
    assert_eq!((o["adds"].as_i64(), o["net"].as_i64(), o["target"].as_i64()), (Some(4), Some(2), Some(10)));
    // Replaying the inbox adds nothing; the figures are the same for the explicit week, and empty a week later.
    inbox(&w.app);
    let week = s["week"].as_str().unwrap().to_string();
    let again = w.bm_a.get(&format!("/api/v1/wecom/stats/weekly?node={a1}&week={week}")).json();
    assert_eq!(find(&again["rms"], &rm1)["adds"], 3);
    stop(w.sim);
}

/// A customer of siyu managed by `rm_username`, linked to the WeCom contact `contact`.
fn linked_customer(w: &mut World, no: &str, rm_username: &str, contact: &str) -> String {
    let hq = w.app.org_hq_operator();
    let r = w.app.bearer(&hq).post(
        "/api/v1/customers/batch",
        json!({"items": [{"customer_no": no, "name": "赵敏", "outlet_code": "BJ01", "rm_employee_no": format!("E-{rm_username}")}]}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let customer = r.json()["results"][0]["id"].as_str().unwrap().to_string();
    let l = w.bm_a.post(&format!("/api/v1/wecom/contacts/{contact}/link"), json!({"customer_id": customer}));
    assert_eq!(l.status, 200, "{}", l.body);
    customer
}

#[test]
fn a_reassignment_queues_the_transfer_and_the_egress_guard_stops_what_may_not_leave() {
    let mut w = setup();
    let (_, contact) = add_customer(&w, "rm1");
    let customer = linked_customer(&mut w, "7100000002", "rm1", &contact);
    let rm2 = w.rm2.clone();
    let r = w.bm_a.post(
        "/api/v1/assignments/apply",
        json!({"filter": {"customer_ids": [customer]}, "target": {"kind": "rm", "staff_id": rm2}, "reason": "客户经理调岗交接"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let list = w.bm_a.get("/api/v1/wecom/transfers?status=waiting").json();
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(
        (list["items"][0]["origin"].as_str(), list["items"][0]["takeover_userid"].as_str()),
        (Some("reassignment"), Some("rm2"))
    );
    let id = list["items"][0]["id"].as_str().unwrap().to_string();
    transfers(&w.app);
    assert!(row(&w.app, &id).started_at.is_some());

    // A message with a mobile number is refused up front, nothing queued.
    let (_, c2) = add_customer(&w, "rm1");
    let before = w.app.audit_count("egress.blocked");
    let r = w.bm_a.post(
        "/api/v1/wecom/transfers",
        json!({"contact_ids": [c2], "to_staff_id": rm2, "message": "有事请打 13800138000"}),
    );
    assert!(r.status == 409 || r.status == 422, "{} {}", r.status, r.body);
    assert_eq!(w.app.audit_count("egress.blocked"), before + 1);
    // WeCom's ids are not customer data: an id with a digit run like a mobile number starts like any other.
    let (_, odd) = add_customer_as(&w, "rm1", "wmA13800138000B");
    let ids = queue(&mut w.bm_a, &[&c2, &odd], &rm2);
    transfers(&w.app);
    let (a, b) = (row(&w.app, &ids[0]), row(&w.app, &ids[1]));
    assert_eq!((a.status.as_str(), a.started_at.is_some()), ("waiting", true), "{a:?}");
    assert_eq!((b.status.as_str(), b.started_at.is_some()), ("waiting", true), "{b:?}");
    assert_eq!(w.app.audit_count("egress.blocked"), before + 1, "no refusal for an id");
    stop(w.sim);
}

#[test]
fn an_rm_resigned_in_siyu_but_not_yet_in_wecom_is_handed_over_through_the_on_duty_flow() {
    let mut w = setup();
    let rm3 = with_wecom(&w.app, "rm3", &w.org.outlet_a1, Role::Rm);
    with_wecom(&w.app, "remote1", &w.org.hq, Role::RemoteRm);
    let (_, contact) = add_customer(&w, "rm3");
    linked_customer(&mut w, "7100000003", "rm3", &contact);
    let admin = w.app.user("sysadmin", &w.org.hq, &[Role::SystemAdmin]);
    let r = w.app.bearer(&admin).post(&format!("/api/v1/staff/{rm3}/resign"), json!({}));
    assert!(r.status < 300, "{}", r.body);
    let id = w.bm_a.get("/api/v1/wecom/transfers").json()["items"][0]["id"].as_str().unwrap().to_string();
    // WeCom answers 40097 (not resigned there) to the resigned flow; the on-duty flow then starts it.
    transfers(&w.app);
    let t = row(&w.app, &id);
    assert_eq!((t.status.as_str(), t.flow.as_deref()), ("waiting", Some("on_duty")), "{t:?}");
    advance_sim(&w, 86_400 + 60);
    transfers(&w.app);
    assert_eq!(row(&w.app, &id).status, "succeeded");
    stop(w.sim);
}
