//! Cursor paging, remarks, tags, contact ways with state, welcome codes (single use, 20 s), mass sends confirmed by
//! the member, group chats, and the egress guard refusing a body before it is sent.

mod common;

use std::collections::HashSet;
use std::sync::Arc;

use common::*;
use serde_json::json;
use siyu_connectors::wecom::api::contact_way::{ContactWay, UpdateContactWay, WelcomeMsg};
use siyu_connectors::wecom::api::contacts::{BatchGetByUser, Remark};
use siyu_connectors::wecom::api::groupchat::GroupChatListQuery;
use siyu_connectors::wecom::api::groupmsg::{GroupMsgListQuery, MsgTemplate, SendResultQuery, TaskQuery};
use siyu_connectors::wecom::api::tags::{AddCorpTag, MarkTag, NewTag, TagQuery};
use siyu_connectors::wecom::api::Text;
use siyu_connectors::wecom::transport::{HttpRequest, HttpResponse, TransportError};
use siyu_connectors::wecom::{ClientError, HttpSettings, Refused, Transport, UreqTransport, WecomClient};

#[test]
fn batch_get_by_user_pages_with_cursor() {
    let e = env();
    for i in 0..120 {
        seed_contact(&e.sim, &format!("C{i}"), &["rm1"]);
    }
    seed_contact(&e.sim, "other", &["rm2"]);
    let mut seen = HashSet::new();
    let mut cursor = String::new();
    let mut pages = vec![];
    loop {
        let p = e
            .client
            .batch_get_by_user(&BatchGetByUser {
                userid_list: vec!["rm1".into()],
                cursor: cursor.clone(),
                limit: Some(50),
            })
            .unwrap();
        pages.push(p.external_contact_list.len());
        for it in &p.external_contact_list {
            assert_eq!(it.follow_info.userid, "rm1");
            assert!(seen.insert(it.external_contact.external_userid.clone()));
        }
        if p.next_cursor.is_empty() {
            break;
        }
        cursor = p.next_cursor;
    }
    assert_eq!(pages, vec![50, 50, 20]);
    assert_eq!(e.client.list_external_contacts("rm1").unwrap().len(), 120);
    // limit over 100 and a forged cursor are refused.
    let bad = BatchGetByUser { userid_list: vec!["rm1".into()], cursor: String::new(), limit: Some(101) };
    assert_eq!(e.client.batch_get_by_user(&bad).unwrap_err().errcode(), Some(40058));
    let bad = BatchGetByUser { userid_list: vec!["rm1".into()], cursor: "zz".into(), limit: None };
    assert_eq!(e.client.batch_get_by_user(&bad).unwrap_err().errcode(), Some(40058));
}

#[test]
fn remark_and_tags_show_in_get() {
    let e = env();
    let ext = seed_contact(&e.sim, "Zhang", &["rm1"]);
    let g = e
        .client
        .add_corp_tag(&AddCorpTag {
            group_name: Some("Tier".into()),
            tag: vec![NewTag { name: "Gold".into(), order: None }, NewTag { name: "Gold".into(), order: None }],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(g.tag.len(), 1, "duplicate names collapse to one");
    let gold = g.tag[0].id.clone();
    e.client
        .mark_tag(&MarkTag {
            userid: "rm1".into(),
            external_userid: ext.clone(),
            add_tag: vec![gold.clone()],
            remove_tag: vec![],
        })
        .unwrap();
    e.client
        .remark(&Remark {
            userid: "rm1".into(),
            external_userid: ext.clone(),
            remark: Some("VIP".into()),
            description: Some("met at branch".into()),
            ..Default::default()
        })
        .unwrap();
    let d = e.client.get_external_contact(&ext, "").unwrap();
    assert_eq!(d.external_contact.name, "Zhang");
    let f = &d.follow_user[0];
    assert_eq!((f.remark.as_str(), f.description.as_str()), ("VIP", "met at branch"));
    assert_eq!(f.tags[0].tag_id.as_deref(), Some(gold.as_str()));
    assert_eq!(f.tags[0].group_name, "Tier");
    let all = e.client.get_corp_tag_list(&TagQuery::default()).unwrap();
    assert_eq!(all.len(), 1);
    e.client.del_corp_tag(&TagQuery { tag_id: vec![gold], group_id: vec![] }).unwrap();
    assert!(e.client.get_corp_tag_list(&TagQuery::default()).unwrap().is_empty(), "empty group removed");
    // Remark with nothing to change is refused.
    let empty = Remark { userid: "rm1".into(), external_userid: ext, ..Default::default() };
    assert!(e.client.remark(&empty).is_err());
}

#[test]
fn contact_way_state_attributes_the_customer_and_welcome_code_is_single_use() {
    let e = env();
    let way = ContactWay {
        kind: 1,
        scene: 2,
        state: Some("branch-0101".into()),
        user: vec!["rm2".into()],
        ..Default::default()
    };
    let created = e.client.add_contact_way(&way).unwrap();
    assert!(created.qr_code.is_some());
    let got = e.client.get_contact_way(&created.config_id).unwrap();
    assert_eq!(got.way.state.as_deref(), Some("branch-0101"));
    e.client
        .update_contact_way(&UpdateContactWay {
            config_id: created.config_id.clone(),
            remark: Some("lobby".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(e.client.get_contact_way(&created.config_id).unwrap().way.remark.as_deref(), Some("lobby"));

    let add =
        control(&e.sim, &format!("/corps/{CORP}/customer_adds"), json!({"config_id": created.config_id, "name": "Li"}));
    let ext = add["external_userid"].as_str().unwrap().to_owned();
    let code = add["welcome_code"].as_str().unwrap().to_owned();
    let d = e.client.get_external_contact(&ext, "").unwrap();
    assert_eq!(d.follow_user[0].userid, "rm2");
    assert_eq!(d.follow_user[0].state.as_deref(), Some("branch-0101"));

    let msg =
        WelcomeMsg { welcome_code: code.clone(), text: Some(Text { content: "Welcome".into() }), attachments: vec![] };
    e.client.send_welcome_msg(&msg).unwrap();
    assert_eq!(e.client.send_welcome_msg(&msg).unwrap_err().errcode(), Some(41051));
    let delivered = control_get(&e.sim, &format!("/corps/{CORP}/delivered?external_userid={ext}"));
    assert_eq!(delivered["delivered"].as_array().unwrap().len(), 1);
    assert_eq!(delivered["delivered"][0]["kind"], "welcome");

    // A second customer: the code has expired 21 s later.
    let add = control(&e.sim, &format!("/corps/{CORP}/customer_adds"), json!({"userid": "rm1", "name": "Wang"}));
    let late = WelcomeMsg { welcome_code: add["welcome_code"].as_str().unwrap().into(), ..msg.clone() };
    advance(&e.sim, 21);
    assert_eq!(e.client.send_welcome_msg(&late).unwrap_err().errcode(), Some(41050));
    let unknown = WelcomeMsg { welcome_code: "nope".into(), ..msg };
    assert_eq!(e.client.send_welcome_msg(&unknown).unwrap_err().errcode(), Some(41050));

    e.client.del_contact_way(&created.config_id).unwrap();
    assert_eq!(e.client.get_contact_way(&created.config_id).unwrap_err().errcode(), Some(41044));
}

#[test]
fn mass_send_waits_for_member_confirmation() {
    let e = env();
    let a = seed_contact(&e.sim, "A", &["rm1"]);
    let b = seed_contact(&e.sim, "B", &["rm1"]);
    let c = seed_contact(&e.sim, "C", &["rm2"]);
    let tpl = MsgTemplate {
        external_userid: vec![a.clone(), b.clone(), c.clone(), "wmnotacustomer".into()],
        text: Some(Text { content: "Quarterly report".into() }),
        ..Default::default()
    };
    let created = e.client.add_msg_template(&tpl).unwrap();
    assert_eq!(created.fail_list, vec!["wmnotacustomer"]);
    let msgid = created.msgid;

    let tasks = e.client.get_groupmsg_task(&TaskQuery { msgid: msgid.clone(), ..Default::default() }).unwrap();
    assert_eq!(tasks.task_list.len(), 2);
    assert!(tasks.task_list.iter().all(|t| !t.sent()));
    assert!(control_get(&e.sim, &format!("/corps/{CORP}/delivered"))["delivered"].as_array().unwrap().is_empty());

    // rm1 confirms, but B deleted rm1 in the meantime; rm2 refuses.
    control(&e.sim, &format!("/corps/{CORP}/customer_deletes"), json!({"userid": "rm1", "external_userid": b}));
    control(&e.sim, &format!("/corps/{CORP}/groupmsg/{msgid}/confirm"), json!({"userid": "rm1"}));
    control(&e.sim, &format!("/corps/{CORP}/groupmsg/{msgid}/refuse"), json!({"userid": "rm2"}));
    let tasks = e.client.get_groupmsg_task(&TaskQuery { msgid: msgid.clone(), ..Default::default() }).unwrap();
    let by: std::collections::HashMap<_, _> = tasks.task_list.iter().map(|t| (t.userid.as_str(), t.sent())).collect();
    assert!(by["rm1"]);
    assert!(!by["rm2"]);
    let res = e
        .client
        .get_groupmsg_send_result(&SendResultQuery { msgid: msgid.clone(), userid: "rm1".into(), ..Default::default() })
        .unwrap();
    let st: std::collections::HashMap<_, _> =
        res.send_list.iter().map(|r| (r.external_userid.clone().unwrap(), r.status)).collect();
    assert_eq!(st[&a], 1);
    assert_eq!(st[&b], 2, "not a friend any more");

    // A second mass send the same day: over the per-day receipt limit (1) for A.
    let again = e.client.add_msg_template(&MsgTemplate { external_userid: vec![a.clone()], ..tpl.clone() }).unwrap();
    control(&e.sim, &format!("/corps/{CORP}/groupmsg/{}/confirm", again.msgid), json!({"userid": "rm1"}));
    let res = e
        .client
        .get_groupmsg_send_result(&SendResultQuery { msgid: again.msgid, userid: "rm1".into(), ..Default::default() })
        .unwrap();
    assert_eq!(res.send_list[0].status, 3);
    let delivered = control_get(&e.sim, &format!("/corps/{CORP}/delivered?external_userid={a}"));
    assert_eq!(delivered["delivered"].as_array().unwrap().len(), 1, "A got exactly one message");

    let now = control_get(&e.sim, "/clock")["now"].as_i64().unwrap();
    let list = e
        .client
        .get_groupmsg_list_v2(&GroupMsgListQuery {
            chat_type: "single".into(),
            start_time: now - 3600,
            end_time: now + 60,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(list.group_msg_list.len(), 2);
    assert!(list.group_msg_list[0].create_time > 0);

    // Nobody to send to.
    let none = MsgTemplate { external_userid: vec!["wmnobody".into()], ..tpl };
    assert_eq!(e.client.add_msg_template(&none).unwrap_err().errcode(), Some(41048));
}

#[test]
fn group_chats_list_and_get() {
    let e = env();
    let ext = seed_contact(&e.sim, "Member", &["rm1"]);
    for i in 0..3 {
        control(
            &e.sim,
            &format!("/corps/{CORP}/group_chats"),
            json!({"name": format!("Club {i}"), "owner": if i == 2 {"rm2"} else {"rm1"},
                   "members": [{"userid": "rm1"}, {"userid": ext, "type": 2, "join_scene": 3, "state": "club"}]}),
        );
    }
    let p = e.client.groupchat_list(&GroupChatListQuery { limit: 2, ..Default::default() }).unwrap();
    assert_eq!(p.group_chat_list.len(), 2);
    assert!(!p.next_cursor.is_empty());
    let rest =
        e.client.groupchat_list(&GroupChatListQuery { limit: 2, cursor: p.next_cursor, ..Default::default() }).unwrap();
    assert_eq!(rest.group_chat_list.len(), 1);
    assert!(rest.next_cursor.is_empty());
    assert_eq!(
        e.client.groupchat_list(&GroupChatListQuery { limit: 0, ..Default::default() }).unwrap_err().errcode(),
        Some(40058)
    );
    let chat = e.client.groupchat_get(&p.group_chat_list[0].chat_id, true).unwrap();
    assert_eq!(chat.member_list.len(), 2);
    let m = chat.member_list.iter().find(|m| m.kind == 2).unwrap();
    assert_eq!(m.name.as_deref(), Some("Member"));
    assert_eq!(m.state.as_deref(), Some("club"));
}

/// A transport whose guard refuses any body with an 11-digit mobile-like number, counting what it sent.
struct Guarded {
    inner: UreqTransport,
    sent: std::sync::atomic::AtomicUsize,
}

impl Transport for Guarded {
    fn guard(&self, payload: &str) -> Result<(), Refused> {
        if payload.contains("13800138000") {
            return Err(Refused { reason: "mobile 138****8000".into() });
        }
        Ok(())
    }
    fn send(&self, req: &HttpRequest) -> Result<HttpResponse, TransportError> {
        self.sent.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.send(req)
    }
}

#[test]
fn egress_guard_refuses_before_anything_is_sent() {
    let e = env();
    let ext = seed_contact(&e.sim, "Zhao", &["rm1"]);
    let t =
        Arc::new(Guarded { inner: UreqTransport::new(&HttpSettings::default()).unwrap(), sent: Default::default() });
    let client = WecomClient::new(t.clone(), &e.sim.base_url(), CORP, SECRET);
    let bad = Remark {
        userid: "rm1".into(),
        external_userid: ext.clone(),
        remark: Some("call 13800138000".into()),
        ..Default::default()
    };
    assert!(matches!(client.remark(&bad), Err(ClientError::Refused(_))));
    assert_eq!(t.sent.load(std::sync::atomic::Ordering::SeqCst), 0, "no token fetch, no call");
    let ok =
        Remark { userid: "rm1".into(), external_userid: ext.clone(), remark: Some("VIP".into()), ..Default::default() };
    client.remark(&ok).unwrap();
    assert_eq!(client.get_external_contact(&ext, "").unwrap().follow_user[0].remark, "VIP");
}
