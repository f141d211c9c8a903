//! Search by name prefix (keyed prefix indexes, within scope, paged, audited), the backfill of those indexes for
//! rows written before them, and merged records hidden from searches while their id points at the survivor.

use crate::harness::TestApp;
use diesel::prelude::*;
use serde_json::{json, Value};
use siyu_domain::access::Role;

fn ids(v: &Value) -> Vec<String> {
    v["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect()
}

/// Customers in BJ01 and one in SH01; returns the batch's ids in order.
fn seed(app: &TestApp) -> Vec<String> {
    let hq = app.org_hq_operator();
    let r = app.bearer(&hq).post(
        "/api/v1/customers/batch",
        json!({"items": [
            {"customer_no": "N1", "name": "张三", "mobile": "13900000001", "outlet_code": "BJ01"},
            {"customer_no": "N2", "name": "张三丰", "outlet_code": "BJ01"},
            {"customer_no": "N3", "name": "张伟", "outlet_code": "BJ01"},
            {"customer_no": "N4", "name": "欧阳明华", "outlet_code": "BJ01"},
            {"customer_no": "N5", "name": "李雷", "outlet_code": "BJ01"},
            {"customer_no": "N6", "name": "张三", "outlet_code": "SH01"},
        ]}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["results"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap().to_string()).collect()
}

#[test]
fn a_name_prefix_finds_customers_in_scope_only_paged_and_audited() {
    let app = TestApp::start();
    let org = app.org();
    let all = seed(&app);
    let rm = app.user("rm.bj", &org.outlet_a1, &[Role::Rm]);
    let mut c = app.bearer(&rm);
    let search = |c: &mut crate::harness::Client, body: Value| {
        let r = c.post("/api/v1/customers/search", body);
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()
    };
    let mut zhang = ids(&search(&mut c, json!({"name_prefix": "张"})));
    zhang.sort();
    let mut want = vec![all[0].clone(), all[1].clone(), all[2].clone()];
    want.sort();
    assert_eq!(zhang, want, "surname: every 张 of the RM's outlet, not SH01's");
    let two = ids(&search(&mut c, json!({"name_prefix": "张三"})));
    assert_eq!(two.len(), 2);
    assert_eq!(ids(&search(&mut c, json!({"name_prefix": "张三丰"}))), vec![all[1].clone()]);
    assert_eq!(ids(&search(&mut c, json!({"name_prefix": " 欧阳 "}))), vec![all[3].clone()]);
    assert_eq!(ids(&search(&mut c, json!({"name_prefix": "王"}))).len(), 0);
    let found = search(&mut c, json!({"name_prefix": "张三"}));
    assert_eq!(found["items"][0]["name"].as_str().unwrap().chars().next(), Some('张'), "masked, surname shown");
    assert!(!found.to_string().contains("张三丰"), "names stay masked");

    // Pages of 2: the first has a `next`, the second ends.
    let p1 = search(&mut c, json!({"name_prefix": "张", "limit": 2}));
    assert_eq!(ids(&p1).len(), 2);
    let next = p1["next"].as_str().expect("a next page").to_string();
    let p2 = search(&mut c, json!({"name_prefix": "张", "limit": 2, "after": next}));
    assert_eq!(ids(&p2).len(), 1);
    assert!(p2["next"].is_null());
    let mut paged = [ids(&p1), ids(&p2)].concat();
    paged.sort();
    assert_eq!(paged, want);

    // Another outlet's RM finds only their own 张三, never BJ01's.
    let other = app.user("rm.sh", &org.outlet_b1, &[Role::Rm]);
    let theirs = ids(&search(&mut app.bearer(&other), json!({"name_prefix": "张"})));
    assert_eq!(theirs, vec![all[5].clone()]);

    // Bad requests change nothing and say why.
    for bad in [
        json!({"name_prefix": ""}),
        json!({"name_prefix": "   "}),
        json!({"name_prefix": "张".repeat(21)}),
        json!({"name_prefix": "张", "mobile": "13900000001"}),
        json!({"name_prefix": "张", "limit": 0}),
        json!({"name_prefix": "张", "limit": 101}),
        json!({}),
    ] {
        let r = c.post("/api/v1/customers/search", bad.clone());
        assert_eq!((r.status, r.code().as_str()), (400, "validation_failed"), "{bad}: {}", r.body);
    }
    // Audited like every search, without the prefix.
    let details: Vec<String> = {
        use siyu_store::schema::audit_log;
        audit_log::table
            .filter(audit_log::action.eq("pii.search"))
            .select(audit_log::detail)
            .load::<String>(&mut *app.conn())
            .unwrap()
    };
    assert!(details.iter().filter(|d| d.contains("name_prefix")).count() >= 8, "{details:?}");
    assert!(details.iter().all(|d| !d.contains('张') && !d.contains("欧阳")));

    // At rest: keyed indexes of their own class (a prefix's index is not a whole name's).
    use siyu_store::schema::customers;
    let (p2_of_zsf, name_of_zs): (Option<String>, String) = (
        customers::table.find(&all[1]).select(customers::name_p2_idx).first(&mut *app.conn()).unwrap(),
        customers::table.find(&all[0]).select(customers::name_idx).first(&mut *app.conn()).unwrap(),
    );
    assert_ne!(p2_of_zsf.as_deref(), Some(name_of_zs.as_str()));
    assert!(!p2_of_zsf.unwrap().contains('张'));
}

#[test]
fn rows_written_before_the_prefix_indexes_are_backfilled() {
    let app = TestApp::start();
    let org = app.org();
    let all = seed(&app);
    {
        use siyu_store::schema::customers;
        diesel::update(customers::table)
            .set((customers::name_p1_idx.eq(None::<String>), customers::name_p2_idx.eq(None::<String>)))
            .execute(&mut *app.conn())
            .unwrap();
    }
    let rm = app.user("rm.bj", &org.outlet_a1, &[Role::Rm]);
    let mut c = app.bearer(&rm);
    assert_eq!(ids(&c.post("/api/v1/customers/search", json!({"name_prefix": "张"})).json()).len(), 0);
    let filled = siyu_app::customers::backfill_name_prefixes(&mut app.conn(), app.env()).unwrap();
    assert_eq!(filled, all.len());
    assert_eq!(siyu_app::customers::backfill_name_prefixes(&mut app.conn(), app.env()).unwrap(), 0, "once only");
    assert_eq!(ids(&c.post("/api/v1/customers/search", json!({"name_prefix": "张"})).json()).len(), 3);
    assert_eq!(app.audit_count("customer.name_index_backfill"), 1);
}

#[test]
fn a_merged_record_leaves_searches_and_points_at_its_survivor_until_unmerged() {
    let app = TestApp::start();
    let org = app.org();
    let hq = app.org_hq_operator();
    let mut c = app.bearer(&hq);
    let r = c.post(
        "/api/v1/customers/batch",
        json!({"items": [
            {"customer_no": "S1", "name": "张三", "mobile": "13900000001", "outlet_code": "BJ01"},
            {"customer_no": "M1", "name": "张三", "mobile": "139 0000 0001", "outlet_code": "BJ01"},
        ]}),
    );
    let v = r.json();
    let (survivor, merged) =
        (v["results"][0]["id"].as_str().unwrap().to_string(), v["results"][1]["id"].as_str().unwrap().to_string());
    let rm = app.user("rm.bj", &org.outlet_a1, &[Role::Rm]);
    let mut rc = app.bearer(&rm);
    let find = |rc: &mut crate::harness::Client, body: Value| {
        let mut v = ids(&rc.post("/api/v1/customers/search", body).json());
        v.sort();
        v
    };
    let mut both = vec![survivor.clone(), merged.clone()];
    both.sort();
    assert_eq!(find(&mut rc, json!({"mobile": "13900000001"})), both);

    let r = c.post("/api/v1/customers/merge", json!({"survivor": survivor, "merged": merged, "reason": "同一客户"}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(find(&mut rc, json!({"mobile": "13900000001"})), vec![survivor.clone()]);
    assert_eq!(find(&mut rc, json!({"name_prefix": "张三"})), vec![survivor.clone()]);
    assert_eq!(find(&mut rc, json!({"customer_no": "M1"})), Vec::<String>::new());
    let g = rc.get(&format!("/api/v1/customers/{merged}"));
    assert_eq!(g.status, 200, "{}", g.body);
    assert_eq!(g.json()["merged_into"], json!(survivor), "the merged id points at the survivor");
    assert!(rc.get(&format!("/api/v1/customers/{survivor}")).json()["merged_into"].is_null());
    // Out of scope stays out of scope, merged or not.
    let other = app.user("rm.sh", &org.outlet_b1, &[Role::Rm]);
    assert_eq!(app.bearer(&other).get(&format!("/api/v1/customers/{merged}")).status, 404);

    let r = c.post(&format!("/api/v1/customers/{merged}/unmerge"), json!({"reason": "核实为两位客户"}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(find(&mut rc, json!({"mobile": "13900000001"})), both);
    assert_eq!(find(&mut rc, json!({"name_prefix": "张"})), both);
    assert!(rc.get(&format!("/api/v1/customers/{merged}")).json()["merged_into"].is_null());
}
