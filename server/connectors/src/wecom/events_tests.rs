//! Event documents shaped as doc 96361 / 92277 show them (self-built app format) and as the suite format sends them.

use super::*;
use crate::wecom::xml::{event_xml, XmlValue};

fn doc(change_type: &str, extra: &str) -> String {
    format!(
        "<xml>\n  <ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName>\n  <FromUserName><![CDATA[sys]]></FromUserName>\n  \
         <CreateTime>1403610513</CreateTime>\n  <MsgType><![CDATA[event]]></MsgType>\n  \
         <Event><![CDATA[change_external_contact]]></Event>\n  <ChangeType><![CDATA[{change_type}]]></ChangeType>\n  \
         <UserID><![CDATA[zhangsan]]></UserID>\n  <ExternalUserID><![CDATA[woAJ2GCAAAXtWyujaWJHDDGi0mACHAAA]]></ExternalUserID>\n{extra}</xml>"
    )
}

fn contact(xml: &str) -> ExternalContactEvent {
    match parse_event(xml).unwrap().kind {
        CallbackEvent::ExternalContact(e) => e,
        other => panic!("{other:?}"),
    }
}

#[test]
fn add_external_contact_with_state_and_welcome_code() {
    let e = parse_event(&doc(
        "add_external_contact",
        "<State><![CDATA[teststate]]></State><WelcomeCode><![CDATA[WELCOMECODE]]></WelcomeCode>",
    ))
    .unwrap();
    assert_eq!(e.header.to_user_name, "ww1436e0e65a779aee");
    assert_eq!(e.header.from_user_name, "sys");
    assert_eq!(e.header.create_time, 1403610513);
    assert_eq!(
        e.kind,
        CallbackEvent::ExternalContact(ExternalContactEvent::Add {
            user_id: "zhangsan".into(),
            external_user_id: "woAJ2GCAAAXtWyujaWJHDDGi0mACHAAA".into(),
            state: Some("teststate".into()),
            welcome_code: Some("WELCOMECODE".into()),
        })
    );
}

#[test]
fn every_contact_change_type() {
    assert!(matches!(
        contact(&doc("add_half_external_contact", "")),
        ExternalContactEvent::AddHalf { state: None, .. }
    ));
    assert!(matches!(contact(&doc("edit_external_contact", "")), ExternalContactEvent::Edit { .. }));
    assert!(matches!(
        contact(&doc("del_external_contact", "<Source><![CDATA[DELETE_BY_TRANSFER]]></Source>")),
        ExternalContactEvent::Del { by_transfer: true, .. }
    ));
    assert!(matches!(contact(&doc("del_external_contact", "")), ExternalContactEvent::Del { by_transfer: false, .. }));
    assert!(matches!(contact(&doc("del_follow_user", "")), ExternalContactEvent::DelFollowUser { .. }));
    assert!(matches!(
        contact(&doc("transfer_fail", "<FailReason><![CDATA[customer_refused]]></FailReason>")),
        ExternalContactEvent::TransferFail { reason: TransferFailReason::CustomerRefused, .. }
    ));
    assert!(matches!(
        contact(&doc("transfer_fail", "<FailReason><![CDATA[customer_limit_exceed]]></FailReason>")),
        ExternalContactEvent::TransferFail { reason: TransferFailReason::CustomerLimitExceed, .. }
    ));
}

#[test]
fn chat_events() {
    let update = event_xml(&[
        ("ToUserName", XmlValue::Text("ww1".into())),
        ("FromUserName", XmlValue::Text("sys".into())),
        ("CreateTime", XmlValue::Number(1403610513)),
        ("MsgType", XmlValue::Text("event".into())),
        ("Event", XmlValue::Text("change_external_chat".into())),
        ("ChatId", XmlValue::Text("wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA".into())),
        ("ChangeType", XmlValue::Text("update".into())),
        ("UpdateDetail", XmlValue::Text("add_member".into())),
        ("JoinScene", XmlValue::Number(3)),
        ("MemChangeCnt", XmlValue::Number(2)),
        ("MemChangeList", XmlValue::Items(vec!["Jack".into(), "Rose".into()])),
        ("LastMemVer", XmlValue::Text("9c3f97c2ada667dfb5f6d03308d963e1".into())),
        ("CurMemVer", XmlValue::Text("71217227bbd112ecfe3a49c482195cb4".into())),
    ]);
    let e = parse_event(&update).unwrap();
    let CallbackEvent::ExternalChat(ExternalChatEvent::Update { chat_id, detail }) = e.kind else { panic!() };
    assert_eq!(chat_id, "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA");
    let ChatUpdate::AddMember { join_scene, members } = detail else { panic!() };
    assert_eq!(join_scene, Some(3));
    assert_eq!(members.count, Some(2));
    assert_eq!(members.user_ids, vec!["Jack", "Rose"]);
    assert_eq!(members.cur_mem_ver.as_deref(), Some("71217227bbd112ecfe3a49c482195cb4"));

    let create = "<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>\
        <CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_chat]]></Event>\
        <ChatId><![CDATA[wr1]]></ChatId><ChangeType><![CDATA[dismiss]]></ChangeType></xml>";
    assert_eq!(
        parse_event(create).unwrap().kind,
        CallbackEvent::ExternalChat(ExternalChatEvent::Dismiss { chat_id: "wr1".into() })
    );
}

#[test]
fn tag_events_and_suite_format() {
    // Suite (third-party) format: InfoType instead of Event, AuthCorpId instead of ToUserName.
    let x = "<xml><SuiteId><![CDATA[ww4asffe9xxx4c0f4c]]></SuiteId><AuthCorpId><![CDATA[wxf8b4f85f3a794e77]]></AuthCorpId>\
        <InfoType><![CDATA[change_external_tag]]></InfoType><TimeStamp>1403610513</TimeStamp><CreateTime>1403610513</CreateTime>\
        <Id><![CDATA[etm7wjCgAAD5hhvyfhPUpBbCs0CYuQMg]]></Id><TagType><![CDATA[tag]]></TagType>\
        <ChangeType><![CDATA[create]]></ChangeType></xml>";
    let e = parse_event(x).unwrap();
    assert_eq!(e.header.to_user_name, "wxf8b4f85f3a794e77");
    assert_eq!(
        e.kind,
        CallbackEvent::ExternalTag(ExternalTagEvent::Create {
            id: "etm7wjCgAAD5hhvyfhPUpBbCs0CYuQMg".into(),
            tag_type: TagType::Tag,
            strategy_id: None
        })
    );
    let shuffle = "<xml><ToUserName><![CDATA[ww1]]></ToUserName><CreateTime>1</CreateTime>\
        <Event><![CDATA[change_external_tag]]></Event><ChangeType><![CDATA[shuffle]]></ChangeType></xml>";
    assert_eq!(
        parse_event(shuffle).unwrap().kind,
        CallbackEvent::ExternalTag(ExternalTagEvent::Shuffle { id: None, strategy_id: None })
    );
}

#[test]
fn unknown_types_are_accepted_not_acted_on() {
    let x = doc("some_future_change", "");
    assert!(matches!(parse_event(&x).unwrap().kind, CallbackEvent::Unknown { .. }));
    let audit = "<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>\
        <CreateTime>1</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[msgaudit_notify]]></Event>\
        <AgentID>2000004</AgentID></xml>";
    assert_eq!(
        parse_event(audit).unwrap().kind,
        CallbackEvent::Unknown { event: "msgaudit_notify".into(), change_type: None }
    );
}

#[test]
fn malformed_or_incomplete_events_are_refused() {
    assert!(matches!(parse_event("<xml><ToUserName>"), Err(XmlError::Malformed(_))));
    assert!(matches!(parse_event("not xml at all"), Err(XmlError::Malformed(_)) | Err(XmlError::Missing(_))));
    assert_eq!(
        parse_event(&doc("add_external_contact", "").replace("<UserID><![CDATA[zhangsan]]></UserID>", "")),
        Err(XmlError::Missing("UserID"))
    );
    assert_eq!(parse_event(&doc("transfer_fail", "")), Err(XmlError::Missing("FailReason")));
    assert_eq!(
        parse_event(&doc("edit_external_contact", "").replace("1403610513", "yesterday")),
        Err(XmlError::Invalid("CreateTime"))
    );
    let no_event = "<xml><ToUserName>a</ToUserName><CreateTime>1</CreateTime></xml>";
    assert_eq!(parse_event(no_event), Err(XmlError::Missing("Event")));
    let big = doc("edit_external_contact", &format!("<Pad>{}</Pad>", "x".repeat(MAX_EVENT_BYTES)));
    assert!(matches!(parse_event(&big), Err(XmlError::TooLarge(..))));
    let bad_tag = "<xml><ToUserName>a</ToUserName><CreateTime>1</CreateTime><Event>change_external_tag</Event>\
        <ChangeType>create</ChangeType><Id>x</Id><TagType>colour</TagType></xml>";
    assert_eq!(parse_event(bad_tag), Err(XmlError::Invalid("TagType")));
}

#[test]
fn dedupe_key_is_stable_for_retries_and_distinct_for_events() {
    let a = parse_event(&doc("add_external_contact", "")).unwrap();
    let a2 = parse_event(&doc("add_external_contact", "<WelcomeCode>other</WelcomeCode>")).unwrap();
    let d = parse_event(&doc("del_follow_user", "")).unwrap();
    assert_eq!(a.dedupe_key(), a2.dedupe_key());
    assert_ne!(a.dedupe_key(), d.dedupe_key());
}

#[test]
fn cdata_cannot_be_broken_out_of() {
    let x = event_xml(&[
        ("ToUserName", XmlValue::Text("ww1".into())),
        ("CreateTime", XmlValue::Number(5)),
        ("Event", XmlValue::Text("change_external_contact".into())),
        ("ChangeType", XmlValue::Text("add_external_contact".into())),
        ("UserID", XmlValue::Text("a]]><Evil>1</Evil>".into())),
        ("ExternalUserID", XmlValue::Text("wm<&>".into())),
    ]);
    let ExternalContactEvent::Add { user_id, external_user_id, .. } = contact(&x) else { panic!() };
    assert_eq!(user_id, "a]]><Evil>1</Evil>");
    assert_eq!(external_user_id, "wm<&>");
}
