//! Holdings and derived events through the API: the CRM's batch with a result per item, amounts sealed at rest
//! and shown as bands, unsuitable holdings flagged, events derived once per fact (a replay adds nothing), and
//! another outlet's RM reads neither.

use crate::harness::{Org, TestApp};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::json;
use siyu_domain::access::Role;
use siyu_domain::events::Rules;

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn derive(app: &TestApp, on: NaiveDate) -> usize {
    let mut c = app.conn();
    let mut after = String::new();
    let mut new = 0;
    loop {
        let page = siyu_app::events::derive_page(&mut c, app.env(), on, &Rules::default(), &after, 1).unwrap();
        let Some(last) = page.last_id else { return new };
        after = last;
        new += page.new_events;
    }
}

fn holdings(app: &TestApp) -> (Org, String, String) {
    let org = app.org();
    let (a, b) = crate::customers::seed(app, &org);
    let hq = app.org_hq_operator();
    let mut c = app.bearer(&hq);
    let r = c.post(
        "/api/v1/holdings/batch",
        json!({"items": [
            {"customer_no": "6200000001", "product_code": "DEP-3M", "product_name": "三个月定期", "product_type": "存款",
             "product_risk": "R1", "amount_fen": 12_345_678, "start_date": "2026-09-05", "maturity_date": "2026-12-05"},
            {"customer_no": "6200000001", "product_code": "FUND-R4", "product_name": "成长混合", "product_type": "fund",
             "product_risk": "R4", "amount_fen": 3_000_000, "nav": "1.0000", "nav_date": "2026-11-30"},
            {"customer_no": "6299999999", "product_code": "X", "product_name": "x", "product_type": "deposit",
             "amount_fen": 1},
            {"customer_no": "6200000001", "product_code": "Y", "product_name": "y", "product_type": "crypto",
             "amount_fen": 1},
            {"customer_no": "6200000002", "product_code": "DEP-1Y", "product_name": "一年定期", "product_type": "deposit",
             "amount_fen": 50_000_000},
        ]}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let res = r.json()["results"].clone();
    assert_eq!((res[0]["status"].as_str(), res[1]["status"].as_str()), (Some("created"), Some("created")));
    assert_eq!((res[2]["field"].as_str(), res[2]["reason"].as_str()), (Some("customer_no"), Some("unknown customer")));
    assert_eq!(
        (res[3]["field"].as_str(), res[3]["reason"].as_str()),
        (Some("product_type"), Some("unknown product type"))
    );
    assert_eq!(res[4]["status"], "created");
    assert_eq!(app.audit_count("holding.upsert_batch"), 1);
    (org, a, b)
}

#[test]
fn holdings_are_sealed_banded_and_flagged_when_unsuitable() {
    let app = TestApp::start();
    let (org, a, _) = holdings(&app);
    let rm = app.user("rm.bj", &org.outlet_a1, &[Role::Rm]);
    let r = app.bearer(&rm).get(&format!("/api/v1/customers/{a}/holdings"));
    assert_eq!(r.status, 200, "{}", r.body);
    let items = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    assert_eq!(
        (items[0]["product_code"].as_str(), items[0]["amount_band"].as_str()),
        (Some("DEP-3M"), Some("50K-500K"))
    );
    assert_eq!((items[0]["unsuitable"].as_bool(), items[1]["unsuitable"].as_bool()), (Some(false), Some(true)));
    assert_eq!(items[1]["purchase_nav"], "1.0000");
    for raw in ["12345678", "123456.78", "3000000"] {
        assert!(!r.body.contains(raw), "an amount reached the answer");
    }
    // Without unmask: the band only. With it: the amount in fen, for a reason, audited.
    let unmask = json!({"fields": ["holding:DEP-3M"], "reason": "customer asked about the deposit"});
    assert_eq!(app.bearer(&rm).post(&format!("/api/v1/customers/{a}/unmask"), unmask.clone()).status, 403);
    let hq = app.org_hq_operator();
    let (_, mut session) = app.hq_operator_session();
    let r = session.post(&format!("/api/v1/customers/{a}/unmask"), unmask);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["values"]["holding:DEP-3M"], "12345678");
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let none = json!({"fields": ["holding:NOPE"], "reason": "customer asked about the deposit"});
    assert_eq!(session.post(&format!("/api/v1/customers/{a}/unmask"), none).status, 400);
    let stored: Vec<String> = siyu_store::schema::holdings::table
        .select(siyu_store::schema::holdings::amount)
        .load(&mut *app.conn())
        .unwrap();
    assert!(stored.iter().all(|s| !s.contains("12345678")), "amounts are sealed at rest");
    // The same holding again updates it; a later NAV moves the current one to `prev` and keeps the purchase NAV.
    let r = app.bearer(&hq).post(
        "/api/v1/holdings/batch",
        json!({"items": [{"customer_no": "6200000001", "product_code": "FUND-R4", "product_name": "成长混合",
            "product_type": "fund", "product_risk": "R4", "amount_fen": 2_800_000, "nav": "0.9400", "nav_date": "2026-12-01"}]}),
    );
    assert_eq!(r.json()["results"][0]["status"], "updated");
    let h = siyu_store::holdings::find(&mut app.conn(), &a, "FUND-R4").unwrap().unwrap();
    assert_eq!(
        (h.nav.as_deref(), h.prev_nav.as_deref(), h.purchase_nav.as_deref()),
        (Some("0.9400"), Some("1.0000"), Some("1.0000"))
    );
}

#[test]
fn events_are_derived_once_per_fact_and_carry_no_amounts() {
    let app = TestApp::start();
    let (_, a, b) = holdings(&app);
    let hq = app.org_hq_operator();
    let mut c = app.bearer(&hq);
    c.post(
        "/api/v1/holdings/batch",
        json!({"items": [{"customer_no": "6200000001", "product_code": "FUND-R4", "product_name": "成长混合",
            "product_type": "fund", "product_risk": "R4", "amount_fen": 2_800_000, "nav": "0.9400", "nav_date": "2026-12-01"}]}),
    );
    let first = derive(&app, day(12, 1));
    assert!(first >= 3, "{first}");
    assert_eq!(derive(&app, day(12, 1)), 0, "a replay of the day adds nothing");
    let r = c.get(&format!("/api/v1/customers/{a}/events"));
    assert_eq!(r.status, 200, "{}", r.body);
    let items = r.json()["items"].as_array().unwrap().clone();
    let kinds: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["event_date"].as_str().unwrap(), e["reference"].as_str().unwrap()))
        .collect();
    assert!(kinds.contains(&("holding_matures", "2026-12-05", "DEP-3M")), "{kinds:?}");
    assert!(kinds.contains(&("unsuitable_holding", "2026-12-01", "FUND-R4")), "{kinds:?}");
    assert!(kinds.contains(&("nav_dropped", "2026-12-01", "FUND-R4")), "{kinds:?}");
    // The next day: the maturity is the same fact (no new event); the AUM rose by a quarter.
    c.post(
        "/api/v1/customers/batch",
        json!({"items": [{"customer_no": "6200000001", "name": "欧阳明华", "risk_level": "C3", "aum_fen": 110_000_000,
            "outlet_code": "BJ01"}]}),
    );
    assert_eq!(derive(&app, day(12, 2)), 1);
    let r = c.get(&format!("/api/v1/customers/{a}/events?from=2026-12-02"));
    let items = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2, "{}", r.body); // the AUM change, and the maturity dated 5 December
    let aum = items.iter().find(|e| e["kind"] == "aum_changed").unwrap();
    assert_eq!((aum["detail"]["direction"].as_str(), aum["detail"]["to_band"].as_str()), (Some("up"), Some("500K-3M")));
    for raw in ["110000000", "1100000", "88000000", "880000"] {
        assert!(!r.body.contains(raw), "an amount reached the events");
    }
    let days: Vec<Option<String>> = siyu_store::schema::customer_days::table
        .select(siyu_store::schema::customer_days::aum)
        .load(&mut *app.conn())
        .unwrap();
    assert!(days.iter().flatten().all(|s| !s.contains("110000000")), "remembered AUM is sealed");
    assert_eq!(c.get(&format!("/api/v1/customers/{b}/events?from=someday")).status, 400);
}

#[test]
fn another_outlet_reads_neither_holdings_nor_events() {
    let app = TestApp::start();
    let (org, a, _) = holdings(&app);
    derive(&app, day(12, 1));
    let rm = app.user("rm.sh", &org.outlet_b1, &[Role::Rm]);
    let mut c = app.bearer(&rm);
    assert_eq!(c.get(&format!("/api/v1/customers/{a}/holdings")).status, 404);
    assert_eq!(c.get(&format!("/api/v1/customers/{a}/events")).status, 404);
    // Nor can the RM write holdings of a customer outside the outlet: it is unknown to them.
    let w = app.user("ops.sh", &org.outlet_b1, &[Role::HeadOfficeOperator]);
    let r = app.bearer(&w).post(
        "/api/v1/holdings/batch",
        json!({"items": [{"customer_no": "6200000001", "product_code": "Z", "product_name": "z", "product_type": "other",
            "amount_fen": 1}]}),
    );
    if r.status == 200 {
        assert_eq!(r.json()["results"][0]["reason"], "unknown customer");
    } else {
        assert_eq!(r.status, 403);
    }
}
