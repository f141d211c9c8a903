//! Corp tags kept the same on both sides, against the emulator. siyu → WeCom: head office creates, renames and
//! deletes tags (WeCom first, then siyu's copy, audited); bad names and names carrying personal data change
//! nothing on either side; an RM marks a customer in scope. WeCom → siyu: a tag created in WeCom's own console and
//! reported by a `change_external_tag` callback reaches siyu's catalogue through the tag poller.

use crate::harness::{TestApp, PASSWORD};
use crate::wecom_sync::{control, run_sync, stop, user_with_wecom, with_callbacks, Wire, CORP, NAME, SECRET};
use serde_json::json;
use siyu_connectors::wecom::api::tags::{AddCorpTag, NewTag, TagQuery};
use siyu_domain::access::Role;
use siyu_engine::Engine;
use siyu_store::jobs::JobStatus;
use siyu_store::wecom::links;
use std::sync::Arc;

/// The emulator with member rm1, calling back siyu; siyu configured to call it.
fn setup() -> (siyu_wecom_sim::SimHandle, TestApp) {
    with_callbacks(CORP, SECRET, &["rm1"], |s| s.wecom.retry_base_ms = 10)
}

/// WeCom's catalogue, straight from the emulator: (group name, tag name, tag id) sorted.
fn wecom_tags(app: &TestApp) -> Vec<(String, String, String)> {
    let client = siyu_app::wecom::client::for_corp(&app.state.pool, app.env(), NAME).unwrap();
    let mut v: Vec<_> = client
        .get_corp_tag_list(&TagQuery::default())
        .unwrap()
        .into_iter()
        .flat_map(|g| g.tag.into_iter().map(move |t| (g.group_name.clone(), t.name, t.id)))
        .collect();
    v.sort();
    v
}

/// siyu's copy, through the API: (group name, tag name, tag id) sorted.
fn siyu_tags(c: &mut crate::harness::Client) -> Vec<(String, String, String)> {
    let r = c.get(&format!("/api/v1/wecom/tags?corp={NAME}"));
    assert_eq!(r.status, 200, "{}", r.body);
    let mut v = vec![];
    for g in r.json()["groups"].as_array().unwrap() {
        for t in g["tags"].as_array().unwrap() {
            v.push((
                g["group_name"].as_str().unwrap().to_string(),
                t["name"].as_str().unwrap().to_string(),
                t["tag_id"].as_str().unwrap().to_string(),
            ));
        }
    }
    v.sort();
    v
}

fn names(v: &[(String, String, String)]) -> Vec<(String, String)> {
    v.iter().map(|(g, t, _)| (g.clone(), t.clone())).collect()
}

#[test]
fn head_office_changes_tags_in_wecom_first_and_bad_names_change_nothing() {
    let (sim, app) = setup();
    let org = app.org();
    crate::customers::seed(&app, &org);
    let hq = app.org_hq_operator();
    let mut op = app.bearer(&hq);

    let r = op.post("/api/v1/wecom/tags", json!({"corp": NAME, "group_name": "客户等级", "tags": ["金卡", "白金卡"]}));
    assert_eq!(r.status, 201, "{}", r.body);
    let group_id = r.json()["group_id"].as_str().unwrap().to_string();
    assert_eq!(r.json()["tags"].as_array().unwrap().len(), 2);
    let both = wecom_tags(&app);
    assert_eq!(names(&both), vec![("客户等级".into(), "白金卡".into()), ("客户等级".into(), "金卡".into())]);
    assert_eq!(siyu_tags(&mut op), both, "siyu holds WeCom's ids");
    assert_eq!(app.audit_count("wecom.tag_create"), 1);

    // More tags in the same group, by its id.
    let r = op.post("/api/v1/wecom/tags", json!({"corp": NAME, "group_id": group_id, "tags": ["钻石卡"]}));
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(wecom_tags(&app).len(), 3);

    // Bad input: refused before anything is sent; neither side changes.
    let before = wecom_tags(&app);
    for (body, status, code) in [
        (json!({"corp": NAME, "group_name": "客户等级", "tags": ["超".repeat(31)]}), 400, "validation_failed"),
        (json!({"corp": NAME, "group_name": "客户等级", "tags": []}), 400, "validation_failed"),
        (json!({"corp": NAME, "group_name": "客户等级", "tags": ["重复", "重复"]}), 400, "validation_failed"),
        (json!({"corp": NAME, "tags": ["无组"]}), 400, "validation_failed"),
        (json!({"corp": "nowhere", "group_name": "g", "tags": ["t"]}), 409, "wecom_unknown_corp"),
        (json!({"corp": NAME, "group_id": "etNoSuchGroup", "tags": ["t"]}), 404, "not_found"),
        // Personal data never leaves for WeCom, even as a tag name.
        (
            json!({"corp": NAME, "group_name": "回访", "tags": [format!("回访{}", crate::customers::MOBILE)]}),
            409,
            "egress_blocked",
        ),
        (json!({"corp": NAME, "group_name": crate::customers::NAME, "tags": ["t"]}), 409, "egress_blocked"),
    ] {
        let r = op.post("/api/v1/wecom/tags", body.clone());
        assert_eq!((r.status, r.code().as_str()), (status, code), "{body}: {}", r.body);
    }
    assert_eq!(wecom_tags(&app), before, "WeCom unchanged");
    assert_eq!(siyu_tags(&mut op), before, "siyu unchanged");
    assert_eq!(app.audit_count("wecom.tag_create"), 2);
    assert_eq!(app.audit_count("egress.blocked"), 2);

    // Rename a tag and the group.
    let gold = before.iter().find(|t| t.1 == "金卡").unwrap().2.clone();
    let r = op.send("PUT", &format!("/api/v1/wecom/tags/{gold}"), Some(json!({"corp": NAME, "name": "金卡客户"})));
    assert_eq!(r.status, 204, "{}", r.body);
    let r = op.send("PUT", &format!("/api/v1/wecom/tags/{group_id}"), Some(json!({"corp": NAME, "name": "等级"})));
    assert_eq!(r.status, 204, "{}", r.body);
    let r = op.send("PUT", "/api/v1/wecom/tags/etNoSuchTag", Some(json!({"corp": NAME, "name": "x"})));
    assert_eq!(r.status, 404);
    let after = wecom_tags(&app);
    assert!(after.iter().any(|t| t.0 == "等级" && t.1 == "金卡客户"), "{after:?}");
    assert_eq!(siyu_tags(&mut op), after);

    // Delete one tag, then the rest of the group.
    let r = op.delete(&format!("/api/v1/wecom/tags/{gold}?corp={NAME}"));
    assert_eq!((r.status, r.json()["deleted"].as_i64()), (200, Some(1)), "{}", r.body);
    let r = op.delete(&format!("/api/v1/wecom/tags/{group_id}?corp={NAME}"));
    assert_eq!((r.status, r.json()["deleted"].as_i64()), (200, Some(2)), "{}", r.body);
    assert!(wecom_tags(&app).is_empty());
    assert!(siyu_tags(&mut op).is_empty());
    assert_eq!((app.audit_count("wecom.tag_rename"), app.audit_count("wecom.tag_delete")), (2, 2));

    // An RM may read the corps and the catalogue but not change it.
    let rm = app.user("rm.tags", &org.outlet_a1, &[Role::Rm]);
    let mut rm = app.bearer(&rm);
    let corps = rm.get("/api/v1/wecom/corps");
    assert_eq!(corps.json()["items"], json!([{"name": NAME, "corp_id": CORP}]), "{}", corps.body);
    assert!(!corps.body.contains(SECRET), "never a secret");
    assert_eq!(rm.get(&format!("/api/v1/wecom/tags?corp={NAME}")).status, 200);
    assert_eq!(rm.post("/api/v1/wecom/tags", json!({"corp": NAME, "group_name": "g", "tags": ["t"]})).status, 403);
    stop(sim);
}

#[test]
fn an_rm_marks_a_customer_in_scope_and_a_change_made_in_wecom_reaches_siyu() {
    let (sim, app) = setup();
    let org = app.org();
    user_with_wecom(&app, "rm.a", &org.outlet_a1, &[Role::Rm], "rm1");
    let rm_b = app.user("rm.b", &org.outlet_b1, &[Role::Rm]);
    let added = control(
        &sim,
        &format!("/corps/{CORP}/contacts"),
        json!({"name": "微信用户", "follow": [{"userid": "rm1", "remark": "老客户"}]}),
    );
    let ext = added["external_userid"].as_str().unwrap().to_string();
    assert_eq!(run_sync(&app, Wire::new(|_, _| {})).status, JobStatus::Succeeded);
    let contact = links::get(&mut app.conn(), NAME, &ext).unwrap().unwrap().id;
    let hq = app.org_hq_operator();
    let mut op = app.bearer(&hq);
    let g = op.post("/api/v1/wecom/tags", json!({"corp": NAME, "group_name": "兴趣", "tags": ["理财", "基金"]})).json();
    let tag = |n: &str| -> String {
        g["tags"].as_array().unwrap().iter().find(|t| t["name"] == n).unwrap()["tag_id"].as_str().unwrap().into()
    };
    let (wealth, fund) = (tag("理财"), tag("基金"));

    let mut rm = app.login("rm.a", PASSWORD);
    let path = format!("/api/v1/wecom/contacts/{contact}/tags");
    let r = rm.post(&path, json!({"add": [wealth, fund]}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["follow_userid"], "rm1");
    let r = rm.post(&path, json!({"remove": [fund]}));
    assert_eq!(r.json()["tag_ids"], json!([wealth]), "{}", r.body);
    let client = siyu_app::wecom::client::for_corp(&app.state.pool, app.env(), NAME).unwrap();
    let on_wecom = client.get_external_contact(&ext, "").unwrap();
    let tags_in_wecom: Vec<String> = on_wecom.follow_user[0].tags.iter().filter_map(|t| t.tag_id.clone()).collect();
    assert_eq!(tags_in_wecom, vec![wealth.clone()], "WeCom has the same tags on the relation");
    assert_eq!(app.audit_count("wecom.contact_tag"), 2);
    // Bad marks change nothing; another outlet's RM cannot reach the contact.
    for (body, field) in [
        (json!({"add": ["etNoSuchTag"]}), "add"),
        (json!({}), "add"),
        (json!({"add": [wealth], "remove": [wealth]}), "remove"),
        (json!({"add": [fund], "follow_userid": "rm9"}), "follow_userid"),
    ] {
        let r = rm.post(&path, body.clone());
        let message = r.json()["error"]["message"].as_str().unwrap_or_default().to_string();
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert!(message.starts_with(&format!("{field}:")), "{body}: {message}");
    }
    assert_eq!(app.bearer(&rm_b).post(&path, json!({"add": [fund]})).status, 404);
    assert_eq!(app.audit_count("wecom.contact_tag"), 2);

    // WeCom → siyu: a tag made in WeCom's own console, then its callback.
    let console = client
        .add_corp_tag(&AddCorpTag {
            group_name: Some("兴趣".into()),
            tag: vec![NewTag { name: "保险".into(), order: None }],
            ..Default::default()
        })
        .unwrap();
    let new_id = console.tag[0].id.clone();
    assert!(!siyu_tags(&mut op).iter().any(|t| t.2 == new_id));
    control(
        &sim,
        &format!("/corps/{CORP}/events"),
        json!({"fields": {"Event": "change_external_tag", "ChangeType": "create", "TagType": "tag", "Id": new_id}}),
    );
    let engine = Engine::new(app.state.pool.clone(), app.env().clone(), vec![]).with_pollers(vec![
        Arc::new(siyu_engine::wecom_inbox::WecomInbox::default()),
        Arc::new(siyu_engine::wecom_tags::WecomTags::default()),
    ]);
    engine.poll_once();
    assert!(siyu_tags(&mut op).iter().any(|t| t.2 == new_id && t.1 == "保险"), "pulled after the callback");
    assert_eq!(siyu_tags(&mut op), wecom_tags(&app));
    // Nothing new: no second pull.
    let pulls = app.audit_count("wecom.sync_tags");
    engine.poll_once();
    assert_eq!(app.audit_count("wecom.sync_tags"), pulls);
    stop(sim);
}
