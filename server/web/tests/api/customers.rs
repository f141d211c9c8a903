//! Customers through the API: sealed at rest, masked on every answer, found by blind index within scope,
//! unmasked only with a reason, audited and limited.

use crate::harness::{Org, TestApp};
use diesel::prelude::*;
use serde_json::json;
use siyu_domain::access::Role;

pub const NAME: &str = "欧阳明华";
pub const MOBILE: &str = "13912345678";
const ID_NUMBER: &str = "11010519491231002X";

/// Two customers, one in each branch's outlet; returns their ids (branch A's first).
pub fn seed(app: &TestApp, _org: &Org) -> (String, String) {
    let hq = app.org_hq_operator();
    let mut c = app.bearer(&hq);
    let r = c.post(
        "/api/v1/customers/batch",
        json!({"items": [
            {"customer_no": "6200000001", "name": NAME, "mobile": MOBILE, "id_number": ID_NUMBER,
             "birth_date": "1949-12-31", "risk_level": "C3", "aum_fen": 88_000_000, "outlet_code": "BJ01"},
            {"customer_no": "6200000002", "name": "李雷", "mobile": "13700000002", "outlet_code": "SH01"},
        ]}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let ids: Vec<String> =
        r.json()["results"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap().to_string()).collect();
    (ids[0].clone(), ids[1].clone())
}

#[test]
fn a_batch_reports_each_item_and_loads_the_valid_ones() {
    let app = TestApp::start();
    let org = app.org();
    let hq = app.org_hq_operator();
    let mut c = app.bearer(&hq);
    let r = c.post(
        "/api/v1/customers/batch",
        json!({"items": [
            {"customer_no": "C1", "name": "张三", "mobile": "13800138000", "outlet_code": "BJ01"},
            {"customer_no": "C2", "name": "李四", "id_number": "110105194912310021", "outlet_code": "BJ01"},
            {"customer_no": "C3", "name": "王五", "outlet_code": "NOWHERE"},
            {"customer_no": "C4", "name": "赵六", "outlet_code": "SH01", "rm_employee_no": "nobody"},
            {"customer_no": "C5", "name": "孙七", "outlet_code": "BJ01", "address": "北京市朝阳区".repeat(40)},
            {"customer_no": "C6", "name": "周八", "outlet_code": "BJ01", "address": "北京市朝阳区建国路88号\u{7}"},
        ]}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let res = r.json()["results"].clone();
    assert_eq!(res[0]["status"], "created");
    assert_eq!((res[1]["status"].as_str(), res[1]["field"].as_str()), (Some("rejected"), Some("id_number")));
    assert_eq!((res[2]["field"].as_str(), res[2]["reason"].as_str()), (Some("outlet_code"), Some("unknown outlet")));
    assert_eq!(res[3]["field"], "rm_employee_no");
    assert_eq!((res[4]["field"].as_str(), res[5]["field"].as_str()), (Some("address"), Some("address")));
    assert!(!r.body.contains("110105194912310021"), "rejections never echo values");
    let again = c.post(
        "/api/v1/customers/batch",
        json!({"items": [{"customer_no": "C1", "name": "张三丰", "outlet_code": "BJ01"}]}),
    );
    assert_eq!(again.json()["results"][0]["status"], "updated");
    assert_eq!(again.json()["results"][0]["id"], res[0]["id"]);
    assert_eq!(app.audit_count("customer.upsert_batch"), 2);
    let too_many: Vec<_> =
        (0..1001).map(|i| json!({"customer_no": format!("X{i}"), "name": "x", "outlet_code": "BJ01"})).collect();
    assert_eq!(c.post("/api/v1/customers/batch", json!({"items": too_many})).status, 400);
    let _ = org;
}

#[test]
fn personal_data_is_sealed_masked_and_found_by_any_spelling() {
    let app = TestApp::start();
    let org = app.org();
    let (a, _) = seed(&app, &org);
    let rm = app.user("rm.bj", &org.outlet_a1, &[Role::Rm]);
    let mut c = app.bearer(&rm);
    for spelling in ["139 1234 5678", "+86 139-1234-5678", "１３９１２３４５６７８", MOBILE] {
        let r = c.post("/api/v1/customers/search", json!({"mobile": spelling}));
        assert_eq!(r.status, 200, "{spelling}: {}", r.body);
        let items = r.json()["items"].as_array().unwrap().clone();
        assert_eq!(items.len(), 1, "{spelling}");
        assert_eq!(items[0]["id"], a.as_str());
    }
    let r = c.get(&format!("/api/v1/customers/{a}"));
    let v = r.json();
    assert_eq!(v["mobile"], "139****5678");
    assert_eq!(v["name"], "欧**华");
    assert_eq!(v["id_number"], "1****************X");
    assert_eq!(v["customer_no"], "******0001");
    assert_eq!(v["birth_date"], "1949-**-**");
    assert_eq!(v["aum_band"], "500K-3M");
    for raw in [NAME, MOBILE, ID_NUMBER, "880000"] {
        assert!(!r.body.contains(raw), "a raw value reached the answer");
    }
    assert_eq!(
        c.post("/api/v1/customers/search", json!({"id_number": "11010519491231002x"})).json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        c.post("/api/v1/customers/search", json!({"customer_no": "6200000001"})).json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(c.post("/api/v1/customers/search", json!({"mobile": MOBILE, "id_number": ID_NUMBER})).status, 400);
    assert!(app.audit_count("pii.search") >= 6);
    // At rest: only ciphertext and keyed indexes.
    use siyu_store::customers::CustomerRow;
    let rows: Vec<CustomerRow> =
        siyu_store::schema::customers::table.select(CustomerRow::as_select()).load(&mut *app.conn()).unwrap();
    let text = format!("{rows:?}");
    for raw in [NAME, MOBILE, ID_NUMBER, "6200000001"] {
        assert!(!text.contains(raw), "stored in clear");
    }
    if let Some(path) = app.sqlite_path() {
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
        for raw in [NAME, MOBILE, ID_NUMBER] {
            assert!(!bytes.windows(raw.len()).any(|w| w == raw.as_bytes()), "raw value in the SQLite file");
        }
    }
}

#[test]
fn another_outlet_cannot_find_or_read_the_customer() {
    let app = TestApp::start();
    let org = app.org();
    let (a, _) = seed(&app, &org);
    let rm = app.user("rm.sh", &org.outlet_b1, &[Role::Rm]);
    let mut c = app.bearer(&rm);
    let r = c.post("/api/v1/customers/search", json!({"mobile": MOBILE}));
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 0);
    assert_eq!(c.get(&format!("/api/v1/customers/{a}")).status, 404);
    assert_eq!(app.audit_count("authz.out_of_scope"), 1);
}

#[test]
fn unmask_needs_a_reason_is_audited_uncached_and_limited() {
    let app = TestApp::start_with(|s| s.vault.unmask_daily_limit = 2);
    let org = app.org();
    let (a, _) = seed(&app, &org);
    let (_, mut c) = app.hq_operator_session();
    let path = format!("/api/v1/customers/{a}/unmask");
    let r = c.post(&path, json!({"fields": ["mobile"], "reason": "short"}));
    assert_eq!((r.status, r.code().as_str()), (400, "validation_failed"));
    let r = c.post(
        &path,
        json!({"fields": ["mobile", "name", "id_number"], "reason": "customer called about a maturing product"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["values"]["mobile"], MOBILE);
    assert_eq!(r.json()["values"]["name"], NAME);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let rec = c.get("/api/v1/audit?action=pii.unmask");
    assert_eq!(rec.status, 403, "the operator is no auditor");
    assert_eq!(app.audit_count("pii.unmask"), 1);
    assert_eq!(c.post(&path, json!({"fields": ["name"], "reason": "second look for the same call"})).status, 200);
    let r = c.post(&path, json!({"fields": ["name"], "reason": "third look is over the limit"}));
    assert_eq!((r.status, r.code().as_str()), (429, "too_many_requests"));
    assert_eq!(app.audit_count("security.unmask_quota"), 1);
    let rm = app.user("rm.bj", &org.outlet_a1, &[Role::Rm]);
    let r = app.bearer(&rm).post(&path, json!({"fields": ["name"], "reason": "an RM may not unmask this"}));
    assert_eq!(r.status, 403);
}

#[test]
fn the_egress_guard_refuses_identifiers_and_customer_names() {
    use siyu_domain::egress::Channel;
    let app = TestApp::start();
    let org = app.org();
    seed(&app, &org);
    let ctx = siyu_app::bootstrap::cli_context();
    let guard = |channel, text: &str| siyu_app::egress::guard(&mut app.conn(), app.env(), &ctx, channel, text);
    assert!(guard(Channel::Wecom, "尊敬的欧阳明华您好，您的理财即将到期").is_err(), "a customer's name");
    assert!(guard(Channel::Wecom, "请回电 139-1234-5678").is_err());
    assert!(guard(Channel::Mail, "证件 11010519491231002X").is_err());
    assert!(guard(Channel::Sms, "您的验证请联系 13912345678").is_err(), "not allowed unless configured");
    for ok in ["尊敬的客户您好，您的理财即将到期", "欧阳先生您好", "订单 12345，证件 110105194912310021"]
    {
        assert!(guard(Channel::Wecom, ok).is_ok(), "{ok}");
    }
    assert_eq!(app.audit_count("egress.blocked"), 4);
    let mut conn = app.conn();
    let recs = siyu_store::audit::list(
        &mut conn,
        &siyu_store::audit::AuditFilter { action: Some("egress.blocked".into()), ..Default::default() },
        siyu_store::page::Page::new(None, None),
    )
    .unwrap();
    let details: Vec<String> = recs.items.iter().map(|r| r.detail.clone()).collect();
    assert!(details.iter().any(|d| d.contains("欧**华")), "{details:?}");
    assert!(details.iter().all(|d| !d.contains(NAME) && !d.contains(MOBILE)), "samples are masked");
    let metrics = app.client().get("/metrics").body;
    for line in [
        r#"siyu_egress_blocked_total{channel="wecom",found="customer_name"}"#,
        r#"siyu_egress_blocked_total{channel="wecom",found="mobile"}"#,
        r#"siyu_egress_blocked_total{channel="mail",found="resident_id"}"#,
    ] {
        assert!(metrics.contains(line), "{line} in /metrics:\n{metrics}");
    }
}

#[test]
fn an_rm_records_a_marketing_refusal_per_channel_within_scope() {
    let app = TestApp::start();
    let org = app.org();
    let (a, b) = seed(&app, &org);
    let rm = app.user("rm.consent", &org.outlet_a1, &[Role::Rm]);
    let mut c = app.bearer(&rm);
    let path = format!("/api/v1/customers/{a}/consent");
    let r = c.get(&path);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.json()["items"].as_array().unwrap().iter().all(|x| x["marketing_allowed"] == true));
    let r = c.send(
        "PUT",
        &path,
        Some(json!({"channels": ["sms", "phone"], "opted_out": true, "source": "customer", "reason": "客户来电要求不再推送营销短信"})),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let items = r.json()["items"].as_array().unwrap().clone();
    let allowed = |ch: &str| items.iter().find(|x| x["channel"] == ch).unwrap()["marketing_allowed"].as_bool();
    assert_eq!((allowed("sms"), allowed("phone"), allowed("wecom")), (Some(false), Some(false), Some(true)));
    assert_eq!(app.audit_count("customer.consent"), 1);
    assert!(
        !siyu_app::consent::marketing_allowed(&mut app.conn(), &a, siyu_domain::consent::ConsentChannel::Sms).unwrap()
    );
    // Withdrawn later: allowed again, and the change is audited too.
    let r = c.send(
        "PUT",
        &path,
        Some(json!({"channels": ["sms"], "opted_out": false, "source": "customer", "reason": "客户重新同意接收"})),
    );
    assert_eq!(
        r.json()["items"].as_array().unwrap().iter().find(|x| x["channel"] == "sms").unwrap()["marketing_allowed"],
        true
    );
    assert_eq!(app.audit_count("customer.consent"), 2);
    let bad = c.send(
        "PUT",
        &path,
        Some(json!({"channels": ["fax"], "opted_out": true, "source": "customer", "reason": "x"})),
    );
    assert_eq!(bad.status, 400);
    // Another outlet's customer is not found.
    let r = c.send(
        "PUT",
        &format!("/api/v1/customers/{b}/consent"),
        Some(json!({"channels": ["sms"], "opted_out": true, "source": "customer", "reason": "not mine"})),
    );
    assert_eq!(r.status, 404);
}

#[test]
fn a_customer_is_found_by_a_linked_wecom_external_userid_within_scope() {
    let app = TestApp::start();
    let org = app.org();
    let (a, _) = seed(&app, &org);
    let now = siyu_store::time::to_db(chrono::Utc::now());
    siyu_store::wecom::links::insert(
        &mut app.conn(),
        &siyu_store::wecom::links::LinkRow {
            id: "link-1".into(),
            corp: "main".into(),
            external_userid: "wmAbC123_xyz".into(),
            name: None,
            contact_type: 1,
            customer_id: Some(a.clone()),
            link_method: Some("confirmed".into()),
            linked_by: None,
            linked_at: Some(now),
            created_at: now,
            updated_at: now,
        },
    )
    .unwrap();
    let rm = app.user("rm.bj.ext", &org.outlet_a1, &[Role::Rm]);
    let r = app.bearer(&rm).post("/api/v1/customers/search", json!({"external_userid": "wmAbC123_xyz"}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["items"][0]["id"], a.as_str());
    let other = app.user("rm.sh.ext", &org.outlet_b1, &[Role::Rm]);
    let r = app.bearer(&other).post("/api/v1/customers/search", json!({"external_userid": "wmAbC123_xyz"}));
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 0, "another outlet's RM finds nothing");
    let r = app.bearer(&rm).post("/api/v1/customers/search", json!({"external_userid": "wm x'; --"}));
    assert_eq!(r.status, 400);
    let r =
        app.bearer(&rm).post("/api/v1/customers/search", json!({"external_userid": "wmAbC123_xyz", "mobile": MOBILE}));
    assert_eq!(r.status, 400);
}
