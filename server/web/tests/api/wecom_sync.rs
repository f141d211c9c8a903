//! WeCom's client wiring, full sync and One-ID against the emulator: the egress guard refusing a remark with a
//! customer's mobile or name before anything reaches WeCom; a full sync paging through `batch/get_by_user` while
//! the token expires and a 45009 is answered; automatic links by state and by remark mobile; an RM's confirmation
//! and removal of a link; the work queue scoped by the follow members' staff nodes.

use crate::harness::{TestApp, PASSWORD};
use diesel::prelude::*;
use serde_json::{json, Value};
use siyu_config::WecomCorp;
use siyu_connectors::wecom::api::contacts::Remark;
use siyu_connectors::wecom::transport::{HttpRequest, HttpResponse, TransportError};
use siyu_connectors::wecom::{ClientError, HttpSettings, Transport, UreqTransport};
use siyu_domain::access::Role;
use siyu_engine::wecom_sync::{Params, WecomSync, KIND};
use siyu_engine::Engine;
use siyu_store::jobs::{JobStatus, NewJob};
use siyu_store::wecom::{contacts, details, links};
use std::sync::{Arc, Mutex};

pub(crate) const NAME: &str = "main";
pub(crate) const CORP: &str = "wwsiyusync000001";
pub(crate) const SECRET: &str = "sim-secret-sync";

/// The callback token and EncodingAESKey every test corp uses.
pub(crate) const TOKEN: &str = "QDG6eK";
pub(crate) const AES_KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";

/// The emulator (corp `corp_id` with members `users`) sending its callbacks to siyu, and siyu configured to call it
/// as the corp named [`NAME`] with the callback token and key; `adjust` then changes any setting.
pub(crate) fn with_callbacks(
    corp_id: &str,
    secret: &str,
    users: &[&str],
    adjust: impl FnOnce(&mut siyu_config::Settings),
) -> (siyu_wecom_sim::SimHandle, TestApp) {
    let sim = siyu_wecom_sim::spawn("127.0.0.1:0").unwrap();
    let base = sim.base_url();
    let app = TestApp::start_with(|s| {
        s.wecom.corps.push(WecomCorp {
            name: NAME.into(),
            corp_id: corp_id.into(),
            token: Some(TOKEN.into()),
            encoding_aes_key: Some(AES_KEY.into()),
            secret: Some(secret.into()),
            api_base: base,
            ..Default::default()
        });
        adjust(s);
    });
    let url = format!("{}/wecom/callback/{NAME}", app.base);
    control(
        &sim,
        "/corps",
        json!({"corp_id": corp_id, "secret": secret, "callback": {"url": url, "token": TOKEN, "encoding_aes_key": AES_KEY}}),
    );
    for u in users {
        control(&sim, &format!("/corps/{corp_id}/users"), json!({"userid": u}));
    }
    (sim, app)
}

pub(crate) fn control(sim: &siyu_wecom_sim::SimHandle, path: &str, body: Value) -> Value {
    match ureq::post(&format!("{}/__sim{path}", sim.base_url())).send_json(body) {
        Ok(r) => r.into_json().unwrap(),
        Err(ureq::Error::Status(s, r)) => panic!("{path}: {s} {}", r.into_string().unwrap_or_default()),
        Err(e) => panic!("{path}: {e}"),
    }
}

pub(crate) fn stop(sim: siyu_wecom_sim::SimHandle) {
    let h = sim.server.clone();
    let _ = std::thread::spawn(move || actix_web::rt::System::new().block_on(h.stop(false))).join();
}

/// The emulator with members rm1..rm3, and siyu configured to call it (small pages, short waits).
pub(crate) fn setup() -> (siyu_wecom_sim::SimHandle, TestApp) {
    let sim = siyu_wecom_sim::spawn("127.0.0.1:0").unwrap();
    control(&sim, "/corps", json!({"corp_id": CORP, "secret": SECRET}));
    for u in ["rm1", "rm2", "rm3"] {
        control(&sim, &format!("/corps/{CORP}/users"), json!({"userid": u}));
    }
    let base = sim.base_url();
    let app = TestApp::start_with(|s| {
        s.wecom.corps.push(WecomCorp {
            name: NAME.into(),
            corp_id: CORP.into(),
            secret: Some(SECRET.into()),
            api_base: base,
            ..Default::default()
        });
        s.wecom.sync_page_size = 4;
        s.wecom.frequency_block_secs = 1;
        s.wecom.retry_base_ms = 10;
    });
    (sim, app)
}

/// Something to do before a request goes out: (URL, how many times that URL was requested, this one included).
type Before = Box<dyn Fn(&str, usize) + Send + Sync>;

/// The wire under the egress guard: records every request path, and can act before a given call.
pub(crate) struct Wire {
    inner: UreqTransport,
    paths: Mutex<Vec<String>>,
    before: Before,
}

impl Wire {
    pub(crate) fn new(before: impl Fn(&str, usize) + Send + Sync + 'static) -> Arc<Self> {
        Arc::new(Wire {
            inner: UreqTransport::new(&HttpSettings::default()).unwrap(),
            paths: Mutex::new(vec![]),
            before: Box::new(before),
        })
    }

    fn count(&self, suffix: &str) -> usize {
        self.paths.lock().unwrap().iter().filter(|p| p.ends_with(suffix)).count()
    }
}

impl Transport for Wire {
    fn send(&self, req: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let n = {
            let mut p = self.paths.lock().unwrap();
            p.push(req.url.clone());
            p.iter().filter(|u| **u == req.url).count()
        };
        (self.before)(&req.url, n);
        self.inner.send(req)
    }
}

#[test]
fn a_remark_with_a_customer_s_mobile_or_name_is_refused_and_nothing_reaches_wecom() {
    let (sim, app) = setup();
    let org = app.org();
    crate::customers::seed(&app, &org);
    let added = control(
        &sim,
        &format!("/corps/{CORP}/contacts"),
        json!({"name": "微信用户", "follow": [{"userid": "rm1", "remark": "老客户"}]}),
    );
    let ext = added["external_userid"].as_str().unwrap().to_string();
    let wire = Wire::new(|_, _| {});
    let client = siyu_app::wecom::client::for_corp_over(&app.state.pool, app.env(), NAME, wire.clone()).unwrap();
    let remark = |r: &str, d: Option<&str>| Remark {
        userid: "rm1".into(),
        external_userid: ext.clone(),
        remark: Some(r.into()),
        description: d.map(Into::into),
        ..Default::default()
    };
    for (r, d, found) in [
        ("VIP", Some(format!("手机 {}", crate::customers::MOBILE)), "mobile"),
        (crate::customers::NAME, None, "customer_name"),
    ] {
        let e = client.remark(&remark(r, d.as_deref())).unwrap_err();
        let ClientError::Refused(refused) = &e else { panic!("not refused: {e}") };
        assert!(refused.reason.contains(found), "{}", refused.reason);
        assert!(!refused.reason.contains(crate::customers::MOBILE), "the refusal shows a masked sample only");
    }
    assert_eq!(wire.count("/remark"), 0, "a refused body never reaches WeCom");
    assert_eq!(wire.count("/gettoken"), 0, "nor costs a token");
    assert_eq!(app.audit_count("egress.blocked"), 2);
    let shown = app.client().get("/metrics").body;
    assert!(shown.contains("siyu_egress_blocked_total{channel=\"wecom\""), "counted by channel");
    // A harmless remark goes out.
    client.remark(&remark("VIP 客户", Some("周末联系"))).unwrap();
    assert_eq!(wire.count("/remark"), 1);
    // WeCom's ids are not read as personal data, even when a digit run in one passes as a card number (Luhn).
    let luhn = "wm4111111111111111abc";
    control(
        &sim,
        &format!("/corps/{CORP}/contacts"),
        json!({"external_userid": luhn, "name": "微信用户二", "follow": [{"userid": "rm1"}]}),
    );
    client.remark(&Remark { external_userid: luhn.into(), ..remark("VIP 客户", None) }).unwrap();
    assert_eq!(wire.count("/remark"), 2);
    assert_eq!(app.audit_count("egress.blocked"), 2, "no refusal for an id");
    stop(sim);
}

pub(crate) fn user_with_wecom(app: &TestApp, username: &str, node: &str, roles: &[Role], wecom: &str) -> String {
    let id = app.user(username, node, roles);
    use siyu_store::schema::staff;
    diesel::update(staff::table.find(&id)).set(staff::wecom_userid.eq(wecom)).execute(&mut *app.conn()).unwrap();
    id
}

pub(crate) fn run_sync(app: &TestApp, wire: Arc<Wire>) -> siyu_store::jobs::Job {
    let ctx = siyu_app::bootstrap::cli_context();
    let new = NewJob {
        kind: KIND,
        params: serde_json::to_value(Params { corp: NAME.into() }).unwrap(),
        dedupe_key: None,
        created_by: None,
        max_attempts: 1,
    };
    let (job, _) = siyu_engine::enqueue(&mut app.conn(), app.env(), &ctx, new).unwrap();
    let engine = Engine::new(app.state.pool.clone(), app.env().clone(), vec![Arc::new(WecomSync::over(wire))]);
    loop {
        let j = engine.run_next().unwrap().expect("a job to run");
        if j.id == job.id && j.status.is_final() {
            return j;
        }
    }
}

#[test]
fn the_full_sync_pages_through_token_expiry_and_a_frequency_block_and_links_what_it_can() {
    let (sim, app) = setup();
    let org = app.org();
    let (cust_a, cust_b) = crate::customers::seed(&app, &org);
    let state_b = siyu_domain::wecom_link::customer_state(&cust_b.parse().unwrap());
    // 14 customers: rm1 follows the even ones, rm2 the odd ones, rm3 customer 0 as well.
    let mut ext = vec![];
    for i in 0..14 {
        let mut follow = vec![json!({"userid": if i % 2 == 0 { "rm1" } else { "rm2" }, "remark": format!("客户{i}"),
            "description": "理财意向", "add_way": 1, "createtime": 1_700_000_000 + i})];
        if i == 0 {
            follow.push(json!({"userid": "rm3", "remark": "同事推荐"}));
        }
        if i == 1 {
            // The RM wrote the customer's mobile into the description: linked through the blind index.
            follow[0]["description"] = json!(format!("手机 {}", crate::customers::MOBILE));
        }
        if i == 3 {
            follow[0]["state"] = json!(state_b);
        }
        if i == 5 {
            follow[0]["remark_mobiles"] = json!(["13700000002"]);
            follow[0]["state"] = json!("campaign-spring");
        }
        let r =
            control(&sim, &format!("/corps/{CORP}/contacts"), json!({"name": format!("微信{i}"), "follow": follow}));
        ext.push(r["external_userid"].as_str().unwrap().to_string());
    }
    let sim_url = sim.base_url();
    // WeCom expires the token before the third page and answers 45009 on the fifth request for a page.
    let wire = Wire::new(move |url, n| {
        if url.ends_with("/batch/get_by_user") && n == 3 {
            ureq::post(&format!("{sim_url}/__sim/corps/{CORP}/tokens/expire")).send_json(json!({})).unwrap();
        }
        if url.ends_with("/batch/get_by_user") && n == 5 {
            ureq::post(&format!("{sim_url}/__sim/corps/{CORP}/faults"))
                .send_json(json!({"errcode": 45009, "api": "batch/get_by_user", "count": 1}))
                .unwrap();
        }
    });
    let client = siyu_app::wecom::client::for_corp_over(&app.state.pool, app.env(), NAME, wire.clone()).unwrap();
    client
        .add_corp_tag(&siyu_connectors::wecom::api::tags::AddCorpTag {
            group_name: Some("客户分级".into()),
            tag: vec![siyu_connectors::wecom::api::tags::NewTag { name: "高净值".into(), order: None }],
            ..Default::default()
        })
        .unwrap();

    let started = std::time::Instant::now();
    let job = run_sync(&app, wire.clone());
    assert_eq!(job.status, JobStatus::Succeeded, "{:?}", job.last_error);
    let r = job.result.clone().unwrap();
    assert_eq!((r["users"].as_i64(), r["relations"].as_i64(), r["tags"].as_i64()), (Some(3), Some(15), Some(1)), "{r}");
    assert_eq!((job.done, job.total), (15, Some(15)), "done/total in the job row");
    let pages = r["pages"].as_i64().unwrap();
    assert_eq!(pages, 4, "15 relations of 3 members in pages of 4");
    assert_eq!(app.audit_count("wecom.sync_page"), pages);
    // One request per page, one repeated after the expired token, one after the 45009 (waited out: 1 s here).
    assert_eq!(wire.count("/batch/get_by_user") as i64, pages + 2);
    assert_eq!(wire.count("/gettoken"), 2, "the expired token was refreshed once, by itself");
    assert!(started.elapsed() >= std::time::Duration::from_secs(1), "the frequency block was waited out");

    let rows = contacts::list(&mut app.conn(), NAME).unwrap();
    assert_eq!(rows.len(), 15);
    assert!(rows.iter().all(|r| r.status == "active" && r.added_at.is_some()));
    assert_eq!(
        contacts::get(&mut app.conn(), NAME, &ext[5], "rm2").unwrap().unwrap().state.as_deref(),
        Some("campaign-spring")
    );
    let d = details::of_contact(&mut app.conn(), NAME, &ext[1]).unwrap();
    let sealed_description = d[0].description.clone().unwrap();
    assert!(!sealed_description.contains(crate::customers::MOBILE), "the remark is sealed");
    assert!(!d[0].mobile_idxs.contains(crate::customers::MOBILE), "only blind indexes of mobiles");
    assert_eq!(details::tags(&mut app.conn(), NAME).unwrap()[0].group_name, "客户分级");

    // One-ID: the state names customer B, the description holds customer A's mobile, the remark mobile B's.
    let link = |i: usize| links::get(&mut app.conn(), NAME, &ext[i]).unwrap().unwrap();
    assert_eq!((link(1).customer_id, link(1).link_method.as_deref()), (Some(cust_a.clone()), Some("remark_mobile")));
    assert_eq!((link(3).customer_id, link(3).link_method.as_deref()), (Some(cust_b.clone()), Some("state")));
    assert_eq!((link(5).customer_id, link(5).link_method.as_deref()), (Some(cust_b.clone()), Some("remark_mobile")));
    assert_eq!(link(0).customer_id, None);
    assert_eq!(r["linked"].as_i64(), Some(3));
    assert_eq!(app.audit_count("wecom.contact_link"), 3, "each link is audited with its method");
    assert!(link(0).name.is_some_and(|n| !n.contains("微信")), "the WeChat name is sealed");

    // A second sync changes no link and adds no relation.
    let again = run_sync(&app, Wire::new(|_, _| {}));
    assert_eq!(again.status, JobStatus::Succeeded);
    assert_eq!(contacts::list(&mut app.conn(), NAME).unwrap().len(), 15);
    assert_eq!(app.audit_count("wecom.contact_link"), 3);
    stop(sim);
}

#[test]
fn the_work_queue_is_scoped_by_follow_members_and_rms_confirm_or_remove_links() {
    let (sim, app) = setup();
    let org = app.org();
    let (cust_a, cust_b) = crate::customers::seed(&app, &org);
    user_with_wecom(&app, "rm.a", &org.outlet_a1, &[Role::Rm], "rm1");
    user_with_wecom(&app, "rm.b", &org.outlet_b1, &[Role::Rm], "rm2");
    let bm_b = app.user("bm.b", &org.branch_b, &[Role::BranchManager]);
    let mut ext = vec![];
    for (i, users) in [vec!["rm1"], vec!["rm1"], vec!["rm2"], vec!["rm1", "rm2"], vec!["rm3"]].iter().enumerate() {
        let follow: Vec<Value> = users.iter().map(|u| json!({"userid": u, "remark": format!("客户{i}")})).collect();
        let r =
            control(&sim, &format!("/corps/{CORP}/contacts"), json!({"name": format!("微信{i}"), "follow": follow}));
        ext.push(r["external_userid"].as_str().unwrap().to_string());
    }
    assert_eq!(run_sync(&app, Wire::new(|_, _| {})).status, JobStatus::Succeeded);
    let id_of = |i: usize| links::get(&mut app.conn(), NAME, &ext[i]).unwrap().unwrap().id;
    let queue = |c: &mut crate::harness::Client| -> Vec<String> {
        let r = c.get("/api/v1/wecom/contacts?unlinked=true&page_size=50");
        assert_eq!(r.status, 200, "{}", r.body);
        let mut v: Vec<String> =
            r.json()["items"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap().to_string()).collect();
        v.sort();
        v
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let mut rm_a = app.login("rm.a", PASSWORD);
    let mut rm_b = app.login("rm.b", PASSWORD);
    let mut bm = app.bearer(&bm_b);
    assert_eq!(queue(&mut rm_a), sorted(vec![id_of(0), id_of(1), id_of(3)]));
    assert_eq!(queue(&mut rm_b), sorted(vec![id_of(2), id_of(3)]));
    assert_eq!(queue(&mut bm), sorted(vec![id_of(2), id_of(3)]), "the branch sees its outlets' RMs' contacts");
    let paged = rm_a.get("/api/v1/wecom/contacts?unlinked=true&page=2&page_size=2").json();
    assert_eq!((paged["total"].as_i64(), paged["items"].as_array().unwrap().len()), (Some(3), 1), "{paged}");
    assert_eq!(paged["items"][0]["id"], json!(sorted(vec![id_of(0), id_of(1), id_of(3)])[2]));
    let one = rm_a.get(&format!("/api/v1/wecom/contacts/{}", id_of(0))).json();
    assert_eq!(one["follow_users"], json!(["rm1"]));
    assert!(one["name"].as_str().unwrap().contains('*'), "masked: {one}");
    assert_eq!(rm_b.get(&format!("/api/v1/wecom/contacts/{}", id_of(0))).status, 404);

    // Confirmation: the contact and the customer must both be in the RM's scope.
    let link = |c: &mut crate::harness::Client, i: usize, cust: &str| {
        c.post(&format!("/api/v1/wecom/contacts/{}/link", id_of(i)), json!({"customer_id": cust}))
    };
    assert_eq!(link(&mut rm_a, 0, &cust_b).status, 404, "a customer outside the scope");
    assert_eq!(link(&mut rm_b, 0, &cust_b).status, 404, "a contact outside the scope");
    let r = link(&mut rm_a, 0, &cust_a);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.json()["customer_id"].as_str(), r.json()["link_method"].as_str()),
        (Some(cust_a.as_str()), Some("confirmed"))
    );
    assert_eq!(queue(&mut rm_a), sorted(vec![id_of(1), id_of(3)]));
    assert_eq!(app.audit_count("wecom.contact_link"), 1);
    let all = rm_a.get("/api/v1/wecom/contacts").json();
    assert_eq!(all["total"], 3, "without the filter: every contact in scope");

    // Removal: back to the queue, and automatic linking leaves it alone.
    let r = rm_a.delete(&format!("/api/v1/wecom/contacts/{}/link", id_of(0)));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["link_method"], "unlinked");
    assert_eq!(r.json()["customer_id"], Value::Null);
    assert_eq!(app.audit_count("wecom.contact_unlink"), 1);
    assert_eq!(queue(&mut rm_a), sorted(vec![id_of(0), id_of(1), id_of(3)]));
    // Linking needs `wecom.contact.link`: the auditor does not hold it.
    let auditor = app.user("aud", &org.hq, &[Role::Auditor]);
    assert_eq!(link(&mut app.bearer(&auditor), 1, &cust_a).status, 403);
    stop(sim);
}

/// A contact followed by a member of staff at `node` (for the authorisation matrix): its id.
pub fn seed_contact(app: &TestApp, node: &str, wecom_userid: &str, external: &str) -> String {
    let now = app.env().now();
    let db = siyu_store::time::to_db(now);
    let mut c = app.conn();
    siyu_store::staff::insert(
        &mut c,
        siyu_store::staff::NewStaff {
            employee_no: &format!("W-{wecom_userid}"),
            name: "企微成员",
            node_id: node,
            wecom_userid: Some(wecom_userid),
        },
        now,
    )
    .unwrap();
    contacts::save(
        &mut c,
        &contacts::ContactRow {
            corp: NAME.into(),
            external_userid: external.into(),
            follow_userid: wecom_userid.into(),
            status: "active".into(),
            state: None,
            added_at: Some(db),
            deleted_at: None,
            delete_reason: None,
            transfer_failure: None,
            last_event: "sync".into(),
            last_event_at: db,
            updated_at: db,
        },
    )
    .unwrap();
    let id = uuid::Uuid::now_v7().to_string();
    links::insert(
        &mut c,
        &links::LinkRow {
            id: id.clone(),
            corp: NAME.into(),
            external_userid: external.into(),
            name: None,
            contact_type: 1,
            customer_id: None,
            link_method: None,
            linked_by: None,
            linked_at: None,
            created_at: db,
            updated_at: db,
        },
    )
    .unwrap();
    id
}

#[test]
fn a_customer_added_through_their_own_channel_code_is_linked_when_the_callback_is_applied() {
    let (sim, app) = with_callbacks(CORP, SECRET, &["rm1"], |_| {});
    let org = app.org();
    let (cust_a, _) = crate::customers::seed(&app, &org);
    let state = siyu_domain::wecom_link::customer_state(&cust_a.parse().unwrap());
    let added = control(&sim, &format!("/corps/{CORP}/customer_adds"), json!({"userid": "rm1", "state": state}));
    let ext = added["external_userid"].as_str().unwrap().to_string();
    let other = control(&sim, &format!("/corps/{CORP}/customer_adds"), json!({"userid": "rm1", "state": "outlet-a1"}));
    let engine = Engine::new(app.state.pool.clone(), app.env().clone(), vec![])
        .with_pollers(vec![Arc::new(siyu_engine::wecom_inbox::WecomInbox::default())]);
    assert_eq!(engine.poll_once(), 2);
    let l = links::get(&mut app.conn(), NAME, &ext).unwrap().unwrap();
    assert_eq!((l.customer_id, l.link_method.as_deref()), (Some(cust_a), Some("state")));
    let o = links::get(&mut app.conn(), NAME, other["external_userid"].as_str().unwrap()).unwrap().unwrap();
    assert_eq!(o.customer_id, None, "a campaign's state names no customer: the work queue");
    assert_eq!(app.audit_count("wecom.contact_link"), 1);
    stop(sim);
}

#[test]
fn a_full_sync_closes_relations_wecom_no_longer_has_and_keeps_the_rest() {
    let (sim, app) = setup();
    let mut ext = vec![];
    for i in 0..3 {
        let r = control(
            &sim,
            &format!("/corps/{CORP}/contacts"),
            json!({"name": format!("微信{i}"), "follow": [{"userid": "rm1"}, {"userid": "rm2"}]}),
        );
        ext.push(r["external_userid"].as_str().unwrap().to_string());
    }
    assert_eq!(run_sync(&app, Wire::new(|_, _| {})).status, JobStatus::Succeeded);
    let live = |app: &TestApp| {
        contacts::list(&mut app.conn(), NAME).unwrap().into_iter().filter(|r| r.status == "active").count()
    };
    assert_eq!(live(&app), 6);
    // The customer deletes rm1 while siyu hears nothing (no callback is configured): only a full sync can tell.
    let r =
        control(&sim, &format!("/corps/{CORP}/customer_deletes"), json!({"userid": "rm1", "external_userid": ext[0]}));
    assert_eq!(r["removed"], true);
    app.advance(chrono::Duration::seconds(60));
    let job = run_sync(&app, Wire::new(|_, _| {}));
    assert_eq!((job.status, job.result.as_ref().map(|r| r["closed"].clone())), (JobStatus::Succeeded, Some(json!(1))));
    let gone = contacts::get(&mut app.conn(), NAME, &ext[0], "rm1").unwrap().unwrap();
    assert_eq!((gone.status.as_str(), gone.delete_reason.as_deref()), ("deleted", Some("missing")));
    assert_eq!(live(&app), 5, "the other relations stay, rm2's with the same customer too");
    assert_eq!(app.audit_count("wecom.sync_missing"), 1);
    // Nothing else missing: a third sync closes nothing and writes no record of it.
    app.advance(chrono::Duration::seconds(60));
    assert_eq!(run_sync(&app, Wire::new(|_, _| {})).result.unwrap()["closed"], 0);
    assert_eq!(app.audit_count("wecom.sync_missing"), 1);
    stop(sim);
}
