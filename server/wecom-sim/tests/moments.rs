//! Moments 客户朋友圈: the asynchronous job (1 → 2 → 3), invalid senders and tags reported, members publishing in
//! the client, who received it, comments and likes, cancellation, the 10-a-minute limit and bad requests.

mod common;

use common::*;
use serde_json::json;
use siyu_connectors::wecom::api::moments::{
    ExternalContactList, MomentListQuery, MomentQuery, MomentTask, SenderList, VisibleRange,
};
use siyu_connectors::wecom::api::tags::{AddCorpTag, MarkTag, NewTag};
use siyu_connectors::wecom::api::Text;

fn text(s: &str) -> Option<Text> {
    Some(Text { content: s.into() })
}

/// Adds a task and polls its job to the end: (the statuses seen, the outcome).
fn run_job(e: &Env, task: &MomentTask) -> (Vec<i32>, siyu_connectors::wecom::api::moments::MomentJobOutcome) {
    let jobid = e.client.add_moment_task(task).unwrap();
    let mut seen = vec![];
    loop {
        let j = e.client.get_moment_task_result(&jobid).unwrap();
        seen.push(j.status);
        if j.status == 3 {
            return (seen, j.result.unwrap());
        }
    }
}

fn delivered_to(e: &Env, ext: &str) -> usize {
    control_get(&e.sim, &format!("/corps/{CORP}/delivered?external_userid={ext}"))["delivered"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "moment")
        .count()
}

#[test]
fn a_moment_reaches_the_customers_of_the_members_who_publish_it() {
    let e = env();
    let a = seed_contact(&e.sim, "A", &["rm1"]);
    let b = seed_contact(&e.sim, "B", &["rm1", "rm2"]);
    let c = seed_contact(&e.sim, "C", &["rm3"]);
    let task = MomentTask {
        text: text("本周理财沙龙"),
        visible_range: Some(VisibleRange {
            sender_list: Some(SenderList {
                user_list: vec!["rm1".into(), "rm2".into(), "ghost".into()],
                ..Default::default()
            }),
            external_contact_list: None,
        }),
        ..Default::default()
    };
    let (statuses, out) = run_job(&e, &task);
    assert_eq!(statuses, vec![1, 2, 3], "started, running, done");
    assert_eq!(out.errcode, 0);
    assert!(out.moment_id.starts_with("mom"));
    assert_eq!(out.invalid_sender_list.user_list, vec!["ghost".to_string()]);
    let q = |userid: Option<&str>| MomentQuery {
        moment_id: out.moment_id.clone(),
        userid: userid.map(Into::into),
        ..Default::default()
    };
    let tasks = e.client.get_moment_task(&q(None)).unwrap().task_list;
    assert_eq!(
        tasks.iter().map(|t| (t.userid.as_str(), t.publish_status)).collect::<Vec<_>>(),
        vec![("rm1", 0), ("rm2", 0)]
    );
    let meant: Vec<String> = e
        .client
        .get_moment_customer_list(&q(Some("rm1")))
        .unwrap()
        .customer_list
        .into_iter()
        .map(|c| c.external_userid)
        .collect();
    assert_eq!(meant.len(), 2);
    assert!(meant.contains(&a) && meant.contains(&b));
    // Nothing reaches anyone before a member publishes.
    assert_eq!(delivered_to(&e, &a), 0);
    assert!(e.client.get_moment_send_result(&q(Some("rm1"))).unwrap().customer_list.is_empty());
    let published =
        control(&e.sim, &format!("/corps/{CORP}/moments/{}/publish", out.moment_id), json!({"userid": "rm1"}));
    assert_eq!(published["delivered"], 2);
    assert_eq!((delivered_to(&e, &a), delivered_to(&e, &b), delivered_to(&e, &c)), (1, 1, 0));
    assert_eq!(e.client.get_moment_send_result(&q(Some("rm1"))).unwrap().customer_list.len(), 2);
    let tasks = e.client.get_moment_task(&q(None)).unwrap().task_list;
    assert_eq!(tasks[0].publish_status, 1);
    // Comments and likes on rm1's moment.
    let path = format!("/corps/{CORP}/moments/{}/interactions", out.moment_id);
    control(&e.sim, &path, json!({"userid": "rm1", "external_userid": a, "kind": "comment"}));
    control(&e.sim, &path, json!({"userid": "rm1", "external_userid": b, "kind": "like"}));
    let cm = e.client.get_moment_comments(&out.moment_id, "rm1").unwrap();
    assert_eq!((cm.comment_list.len(), cm.like_list.len()), (1, 1));
    assert_eq!(cm.comment_list[0].external_userid, a);
    // Listed by time; cancelled moments no longer are, and can no longer be published.
    let now = control_get(&e.sim, "/clock")["now"].as_i64().unwrap();
    let list = |e: &Env| {
        e.client
            .get_moment_list(&MomentListQuery { start_time: now - 3600, end_time: now + 60, ..Default::default() })
            .unwrap()
            .moment_list
    };
    assert_eq!(list(&e).len(), 1);
    e.client.cancel_moment_task(&out.moment_id).unwrap();
    assert!(list(&e).is_empty());
    let refused = ureq::post(&format!("{}/__sim/corps/{CORP}/moments/{}/publish", e.sim.base_url(), out.moment_id))
        .send_json(json!({"userid": "rm2"}));
    assert!(refused.is_err(), "a cancelled moment cannot be published");
    assert_eq!(delivered_to(&e, &b), 1);
}

#[test]
fn a_tag_range_narrows_the_audience_and_unknown_tags_are_reported() {
    let e = env();
    let vip = seed_contact(&e.sim, "VIP", &["rm1"]);
    let other = seed_contact(&e.sim, "Other", &["rm1"]);
    let g = e
        .client
        .add_corp_tag(&AddCorpTag {
            group_name: Some("等级".into()),
            tag: vec![NewTag { name: "VIP".into(), order: None }],
            ..Default::default()
        })
        .unwrap();
    let tag = g.tag[0].id.clone();
    e.client
        .mark_tag(&MarkTag {
            userid: "rm1".into(),
            external_userid: vip.clone(),
            add_tag: vec![tag.clone()],
            remove_tag: vec![],
        })
        .unwrap();
    let task = MomentTask {
        text: text("VIP 专享"),
        visible_range: Some(VisibleRange {
            sender_list: None,
            external_contact_list: Some(ExternalContactList { tag_list: vec![tag, "etNoSuchTag".into()] }),
        }),
        ..Default::default()
    };
    let (_, out) = run_job(&e, &task);
    assert_eq!(out.invalid_external_contact_list.tag_list, vec!["etNoSuchTag".to_string()]);
    control(&e.sim, &format!("/corps/{CORP}/moments/{}/publish", out.moment_id), json!({"userid": "rm1"}));
    assert_eq!((delivered_to(&e, &vip), delivered_to(&e, &other)), (1, 0));
}

#[test]
fn bad_tasks_are_refused_and_ten_a_minute_is_the_limit() {
    let e = env();
    let code = |t: MomentTask| e.client.add_moment_task(&t).unwrap_err().errcode();
    assert_eq!(code(MomentTask::default()), Some(41003), "neither text nor attachments");
    assert_eq!(code(MomentTask { text: text(&"字".repeat(2001)), ..Default::default() }), Some(40058));
    assert_eq!(e.client.get_moment_task_result("jobNoSuchJob").unwrap_err().errcode(), Some(40058));
    assert_eq!(
        e.client
            .get_moment_task(&MomentQuery { moment_id: "momNoSuch".into(), ..Default::default() })
            .unwrap_err()
            .errcode(),
        Some(40058)
    );
    let ok = || MomentTask { text: text("t"), ..Default::default() };
    for _ in 0..10 {
        e.client.add_moment_task(&ok()).unwrap();
    }
    assert_eq!(e.client.add_moment_task(&ok()).unwrap_err().errcode(), Some(45009), "the 11th in a minute");
    advance(&e.sim, 61);
    e.client.add_moment_task(&ok()).unwrap();
}
