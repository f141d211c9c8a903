//! Identity merge and unmerge (One-ID): candidates found by shared identifiers, a merge explained and audited that
//! moves holdings and events and keeps the merged record, and an unmerge that restores exactly the state before.

use crate::harness::TestApp;
use diesel::prelude::*;
use serde_json::{json, Value};
use siyu_domain::access::Role;

fn state(c: &mut crate::harness::Client, id: &str) -> (Value, Value) {
    let h = c.get(&format!("/api/v1/customers/{id}/holdings")).json()["items"].clone();
    let e = c.get(&format!("/api/v1/customers/{id}/events")).json()["items"].clone();
    (h, e)
}

#[test]
fn merge_then_unmerge_restores_the_original_state() {
    let app = TestApp::start();
    let org = app.org();
    let hq = app.org_hq_operator();
    let mut c = app.bearer(&hq);
    // Two records of one person (same mobile, different customer numbers), a third of someone else.
    let r = c.post(
        "/api/v1/customers/batch",
        json!({"items": [
            {"customer_no": "S1", "name": "张三", "mobile": "13900000001", "outlet_code": "BJ01"},
            {"customer_no": "M1", "name": "张三", "mobile": "+86 139 0000 0001", "outlet_code": "BJ01"},
            {"customer_no": "O1", "name": "李四", "mobile": "13900000009", "outlet_code": "BJ01"},
            {"customer_no": "X1", "name": "张三", "mobile": "13900000001", "outlet_code": "SH01"},
        ]}),
    );
    let ids: Vec<String> =
        r.json()["results"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap().to_string()).collect();
    let (survivor, merged, other) = (ids[0].clone(), ids[1].clone(), ids[2].clone());
    let r = c.post(
        "/api/v1/holdings/batch",
        json!({"items": [
            {"customer_no": "S1", "product_code": "DEP-1Y", "product_name": "一年定期", "product_type": "deposit",
             "amount_fen": 100},
            {"customer_no": "M1", "product_code": "DEP-1Y", "product_name": "一年定期", "product_type": "deposit",
             "amount_fen": 200},
            {"customer_no": "M1", "product_code": "FUND-9", "product_name": "稳健债基", "product_type": "fund",
             "amount_fen": 300, "maturity_date": "2026-12-31"},
        ]}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let before = (state(&mut c, &survivor), state(&mut c, &merged));

    // Candidates: the same mobile; never the other person. A branch manager of branch A sees only branch A's.
    let d = c.get(&format!("/api/v1/customers/{merged}/duplicates")).json();
    let items = d["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{d}");
    assert!(items.iter().any(|i| i["customer"]["id"] == json!(survivor) && i["matched"] == json!(["mobile"])));
    assert!(!d.to_string().contains(&other));
    let bm = app.user("bm.a", &org.branch_a, &[Role::BranchManager]);
    assert_eq!(
        app.bearer(&bm).get(&format!("/api/v1/customers/{merged}/duplicates")).json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Records that share nothing are not merged.
    let r = c.post("/api/v1/customers/merge", json!({"survivor": survivor, "merged": other, "reason": "误操作测试"}));
    assert_eq!((r.status, r.code()), (409, "nothing_in_common".to_string()));

    let r = c.post(
        "/api/v1/customers/merge",
        json!({"survivor": survivor, "merged": merged, "reason": "同一客户两个客户号"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let m = r.json();
    assert_eq!(m["matched"], json!(["mobile"]));
    // The survivor already holds DEP-1Y: that one stays on the merged record; FUND-9 moves.
    assert_eq!((m["holdings_moved"].as_u64(), m["holdings_kept"].as_u64()), (Some(1), Some(1)));
    let codes: Vec<String> = c.get(&format!("/api/v1/customers/{survivor}/holdings")).json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["product_code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 2, "{codes:?}");
    assert!(codes.contains(&"FUND-9".to_string()));
    // The merged record is kept, marked, and cannot be merged twice.
    {
        use siyu_store::schema::customers;
        let into: Option<String> =
            customers::table.find(&merged).select(customers::merged_into).first(&mut *app.conn()).unwrap();
        assert_eq!(into.as_deref(), Some(survivor.as_str()));
    }
    let r = c.post("/api/v1/customers/merge", json!({"survivor": survivor, "merged": merged, "reason": "再次合并"}));
    assert_eq!(r.code(), "already_merged");
    assert_eq!(app.audit_count("customer.merge"), 1);

    let r = c.post(&format!("/api/v1/customers/{merged}/unmerge"), json!({"reason": "核实为两位客户"}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["merge_id"], m["merge_id"]);
    let after = (state(&mut c, &survivor), state(&mut c, &merged));
    assert_eq!(after, before, "the unmerge restores exactly what the merge moved");
    {
        use siyu_store::schema::customers;
        let into: Option<String> =
            customers::table.find(&merged).select(customers::merged_into).first(&mut *app.conn()).unwrap();
        assert_eq!(into, None);
    }
    assert_eq!(app.audit_count("customer.unmerge"), 1);
    let again = c.post(&format!("/api/v1/customers/{merged}/unmerge"), json!({"reason": "再撤销一次"}));
    assert_eq!(again.code(), "not_merged");
    // The history tells both steps; a branch manager may not merge.
    let h = c.get(&format!("/api/v1/customers/{merged}/assignments")).json();
    let actions: Vec<&str> = h["items"].as_array().unwrap().iter().map(|i| i["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["merge", "unmerge"]);
    let r = app
        .bearer(&bm)
        .post("/api/v1/customers/merge", json!({"survivor": survivor, "merged": merged, "reason": "分行尝试"}));
    assert_eq!(r.status, 403);
}
