//! The egress guard's findings by equality and by shape (REQUIREMENTS C.17, C.18): outbound text holding a
//! customer's whole address is refused (addresses written before their index existed too, once filled at start),
//! parts of it pass; amounts never leave in a WeCom external-contact call, dates, counts and codes do.

use crate::customers::seed;
use crate::harness::TestApp;
use diesel::prelude::*;
use serde_json::json;
use siyu_app::egress::guard;
use siyu_domain::egress::{wecom_free_text, Channel};
use siyu_store::audit::AuditContext;

pub const ADDRESS: &str = "上海市浦东新区世纪大道100号环球金融中心58层";

/// A customer at SH01 with [`ADDRESS`].
pub fn with_address(app: &TestApp) {
    let hq = app.org_hq_operator();
    let r = app.bearer(&hq).post(
        "/api/v1/customers/batch",
        json!({"items": [{"customer_no": "6200000009", "name": "韩梅梅", "outlet_code": "SH01", "address": ADDRESS}]}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
}

pub fn ctx() -> AuditContext {
    AuditContext { actor_name: "test".into(), actor_roles: "test".into(), ..Default::default() }
}

#[test]
fn addresses_written_before_their_index_are_backfilled_and_then_refused() {
    let app = TestApp::start();
    let org = app.org();
    seed(&app, &org);
    with_address(&app);
    let text = format!("地址：{ADDRESS}");
    let e = guard(&mut app.conn(), app.env(), &ctx(), Channel::Mail, &text).unwrap_err();
    assert!(e.to_string().contains("customer_address") && e.to_string().contains("上海市浦东新区****"), "{e}");
    {
        use siyu_store::schema::customers;
        diesel::update(customers::table)
            .set(customers::address_idx.eq(None::<String>))
            .execute(&mut *app.conn())
            .unwrap();
    }
    assert!(guard(&mut app.conn(), app.env(), &ctx(), Channel::Mail, &text).is_ok(), "no index, no match");
    assert_eq!(siyu_app::customers::backfill_address_index(&mut app.conn(), app.env()).unwrap(), 1);
    assert_eq!(siyu_app::customers::backfill_address_index(&mut app.conn(), app.env()).unwrap(), 0, "once only");
    assert_eq!(app.audit_count("customer.address_index_backfill"), 1);
    assert!(guard(&mut app.conn(), app.env(), &ctx(), Channel::Mail, &text).is_err());
    // Inside a longer text it is still found; a part of it, or another floor, is not equal to it.
    let longer = format!("{ADDRESS}A室");
    assert!(guard(&mut app.conn(), app.env(), &ctx(), Channel::Mail, &longer).is_err());
    for near in ["上海市浦东新区世纪大道100号", "上海市浦东新区世纪大道100号环球金融中心59层"]
    {
        assert!(guard(&mut app.conn(), app.env(), &ctx(), Channel::Mail, near).is_ok(), "{near}");
    }
}

#[test]
fn wecom_external_contact_calls_carry_no_amount() {
    let app = TestApp::start();
    let org = app.org();
    seed(&app, &org);
    for body in [
        r#"{"userid":"rm1","external_userid":"wmX","remark":"资产50万以上"}"#,
        r#"{"external_userid":"wmX","description":"上月存入 50000元"}"#,
        r#"{"text":{"content":"开户即送¥1,234.56"},"external_userid":["wmX"]}"#,
        r#"{"welcome_code":"c","text":{"content":"人民币3万起购"}}"#,
        r#"{"group_id":"g","tag":[{"name":"RMB 10000"}]}"#,
    ] {
        let e = guard(&mut app.conn(), app.env(), &ctx(), Channel::Wecom, &wecom_free_text(body)).unwrap_err();
        assert!(e.to_string().contains("amount"), "{body}: {e}");
    }
    for body in [
        r#"{"remark":"VIP 客户 R2"}"#,
        r#"{"text":{"content":"12月1日 10:30 沙龙，限30人"}}"#,
        r#"{"text":{"content":"产品 DEP-1Y 年化3.2%"}}"#,
    ] {
        assert!(guard(&mut app.conn(), app.env(), &ctx(), Channel::Wecom, &wecom_free_text(body)).is_ok(), "{body}");
    }
    assert_eq!(app.audit_count("egress.blocked"), 5);
}
