//! Decrypted callback events (self-built app format; the suite format's `InfoType` is accepted for `Event`).

use serde::Deserialize;

use super::xml::{XmlError, MAX_EVENT_BYTES};

/// Fields common to every event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventHeader {
    /// The corpid (or suite id) the event is for.
    pub to_user_name: String,
    /// `sys` for system events.
    pub from_user_name: String,
    pub create_time: i64,
}

/// One decrypted callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub header: EventHeader,
    pub kind: CallbackEvent,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackEvent {
    ExternalContact(ExternalContactEvent),
    ExternalChat(ExternalChatEvent),
    ExternalTag(ExternalTagEvent),
    /// An event or change type this code does not know: accepted and stored, not acted on.
    Unknown {
        event: String,
        change_type: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExternalContactEvent {
    /// A member added a customer. `state` is the contact way's (or acquisition link's) state.
    Add { user_id: String, external_user_id: String, state: Option<String>, welcome_code: Option<String> },
    /// A member edited remark, description or tags.
    Edit { user_id: String, external_user_id: String },
    /// The customer added a member (skip_verify) before the member accepted.
    AddHalf { user_id: String, external_user_id: String, state: Option<String>, welcome_code: Option<String> },
    /// The member deleted the customer; `by_transfer` when WeCom removed the old member after an on-duty transfer.
    Del { user_id: String, external_user_id: String, by_transfer: bool },
    /// The customer deleted the member.
    DelFollowUser { user_id: String, external_user_id: String },
    /// A transfer was not taken over; `user_id` is the takeover member.
    TransferFail { user_id: String, external_user_id: String, reason: TransferFailReason },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferFailReason {
    CustomerRefused,
    CustomerLimitExceed,
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExternalChatEvent {
    Create { chat_id: String },
    Dismiss { chat_id: String },
    Update { chat_id: String, detail: ChatUpdate },
}

/// What changed in a group; member changes carry the scene and, in newer callbacks, the member ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatUpdate {
    AddMember { join_scene: Option<i64>, members: MemberChange },
    DelMember { quit_scene: Option<i64>, members: MemberChange },
    ChangeOwner,
    ChangeName,
    ChangeNotice,
    Other(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberChange {
    pub count: Option<i64>,
    pub user_ids: Vec<String>,
    pub last_mem_ver: Option<String>,
    pub cur_mem_ver: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagType {
    Tag,
    TagGroup,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExternalTagEvent {
    Create {
        id: String,
        tag_type: TagType,
        strategy_id: Option<String>,
    },
    Update {
        id: String,
        tag_type: TagType,
        strategy_id: Option<String>,
    },
    Delete {
        id: String,
        tag_type: TagType,
        strategy_id: Option<String>,
    },
    /// Tags were reordered; `id` is the group, `None` for all groups.
    Shuffle {
        id: Option<String>,
        strategy_id: Option<String>,
    },
}

#[derive(Deserialize, Default)]
struct Items {
    #[serde(rename = "Item", default)]
    item: Vec<String>,
}

// Every field optional here; each event type then demands its own. Names as WeCom spells them.
#[derive(Deserialize)]
#[allow(non_snake_case)]
struct Raw {
    ToUserName: Option<String>,
    FromUserName: Option<String>,
    CreateTime: Option<String>,
    Event: Option<String>,
    InfoType: Option<String>,
    AuthCorpId: Option<String>,
    ChangeType: Option<String>,
    UserID: Option<String>,
    ExternalUserID: Option<String>,
    State: Option<String>,
    WelcomeCode: Option<String>,
    Source: Option<String>,
    FailReason: Option<String>,
    ChatId: Option<String>,
    UpdateDetail: Option<String>,
    JoinScene: Option<String>,
    QuitScene: Option<String>,
    MemChangeCnt: Option<String>,
    MemChangeList: Option<Items>,
    LastMemVer: Option<String>,
    CurMemVer: Option<String>,
    Id: Option<String>,
    TagType: Option<String>,
    StrategyId: Option<String>,
}

fn nonempty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn need(v: Option<String>, name: &'static str) -> Result<String, XmlError> {
    nonempty(v).ok_or(XmlError::Missing(name))
}

fn int(v: Option<String>, name: &'static str) -> Result<Option<i64>, XmlError> {
    match nonempty(v) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| XmlError::Invalid(name)),
    }
}

/// Parses a decrypted event document.
pub fn parse_event(xml: &str) -> Result<Event, XmlError> {
    if xml.len() > MAX_EVENT_BYTES {
        return Err(XmlError::TooLarge(xml.len(), MAX_EVENT_BYTES));
    }
    let r: Raw = quick_xml::de::from_str(xml.trim()).map_err(|e| XmlError::Malformed(e.to_string()))?;
    let header = EventHeader {
        to_user_name: need(r.ToUserName.or(r.AuthCorpId), "ToUserName")?,
        from_user_name: nonempty(r.FromUserName).unwrap_or_default(),
        create_time: int(r.CreateTime, "CreateTime")?.ok_or(XmlError::Missing("CreateTime"))?,
    };
    let event = need(r.Event.or(r.InfoType), "Event")?;
    let change_type = nonempty(r.ChangeType);
    let ct = change_type.as_deref().unwrap_or("");
    let kind = match event.as_str() {
        "change_external_contact" => {
            let (user_id, external_user_id) = (r.UserID, r.ExternalUserID);
            let ids = || -> Result<(String, String), XmlError> {
                Ok((need(user_id.clone(), "UserID")?, need(external_user_id.clone(), "ExternalUserID")?))
            };
            let e = match ct {
                "add_external_contact" | "add_half_external_contact" => {
                    let (user_id, external_user_id) = ids()?;
                    let (state, welcome_code) = (nonempty(r.State), nonempty(r.WelcomeCode));
                    if ct == "add_external_contact" {
                        ExternalContactEvent::Add { user_id, external_user_id, state, welcome_code }
                    } else {
                        ExternalContactEvent::AddHalf { user_id, external_user_id, state, welcome_code }
                    }
                }
                "edit_external_contact" => {
                    let (user_id, external_user_id) = ids()?;
                    ExternalContactEvent::Edit { user_id, external_user_id }
                }
                "del_external_contact" => {
                    let (user_id, external_user_id) = ids()?;
                    let by_transfer = nonempty(r.Source).as_deref() == Some("DELETE_BY_TRANSFER");
                    ExternalContactEvent::Del { user_id, external_user_id, by_transfer }
                }
                "del_follow_user" => {
                    let (user_id, external_user_id) = ids()?;
                    ExternalContactEvent::DelFollowUser { user_id, external_user_id }
                }
                "transfer_fail" => {
                    let (user_id, external_user_id) = ids()?;
                    let reason = match need(r.FailReason, "FailReason")?.as_str() {
                        "customer_refused" => TransferFailReason::CustomerRefused,
                        "customer_limit_exceed" => TransferFailReason::CustomerLimitExceed,
                        other => TransferFailReason::Other(other.to_owned()),
                    };
                    ExternalContactEvent::TransferFail { user_id, external_user_id, reason }
                }
                _ => return Ok(Event { header, kind: CallbackEvent::Unknown { event, change_type } }),
            };
            CallbackEvent::ExternalContact(e)
        }
        "change_external_chat" => {
            let chat_id = need(r.ChatId, "ChatId")?;
            let e = match ct {
                "create" => ExternalChatEvent::Create { chat_id },
                "dismiss" => ExternalChatEvent::Dismiss { chat_id },
                "update" => {
                    let members = MemberChange {
                        count: int(r.MemChangeCnt, "MemChangeCnt")?,
                        user_ids: r.MemChangeList.unwrap_or_default().item,
                        last_mem_ver: nonempty(r.LastMemVer),
                        cur_mem_ver: nonempty(r.CurMemVer),
                    };
                    let detail = match need(r.UpdateDetail, "UpdateDetail")?.as_str() {
                        "add_member" => ChatUpdate::AddMember { join_scene: int(r.JoinScene, "JoinScene")?, members },
                        "del_member" => ChatUpdate::DelMember { quit_scene: int(r.QuitScene, "QuitScene")?, members },
                        "change_owner" => ChatUpdate::ChangeOwner,
                        "change_name" => ChatUpdate::ChangeName,
                        "change_notice" => ChatUpdate::ChangeNotice,
                        other => ChatUpdate::Other(other.to_owned()),
                    };
                    ExternalChatEvent::Update { chat_id, detail }
                }
                _ => return Ok(Event { header, kind: CallbackEvent::Unknown { event, change_type } }),
            };
            CallbackEvent::ExternalChat(e)
        }
        "change_external_tag" => {
            let strategy_id = nonempty(r.StrategyId);
            if ct == "shuffle" {
                CallbackEvent::ExternalTag(ExternalTagEvent::Shuffle { id: nonempty(r.Id), strategy_id })
            } else {
                let tag_type = match need(r.TagType, "TagType")?.as_str() {
                    "tag" => TagType::Tag,
                    "tag_group" => TagType::TagGroup,
                    _ => return Err(XmlError::Invalid("TagType")),
                };
                let id = need(r.Id, "Id")?;
                let e = match ct {
                    "create" => ExternalTagEvent::Create { id, tag_type, strategy_id },
                    "update" => ExternalTagEvent::Update { id, tag_type, strategy_id },
                    "delete" => ExternalTagEvent::Delete { id, tag_type, strategy_id },
                    _ => return Ok(Event { header, kind: CallbackEvent::Unknown { event, change_type } }),
                };
                CallbackEvent::ExternalTag(e)
            }
        }
        _ => CallbackEvent::Unknown { event, change_type },
    };
    Ok(Event { header, kind })
}

impl Event {
    /// A key that is equal for WeCom's retries of one event and different for distinct events. WeCom documents
    /// `FromUserName + CreateTime` for events, but several events from `sys` share a second, so the ids are added.
    pub fn dedupe_key(&self) -> String {
        let detail = match &self.kind {
            CallbackEvent::ExternalContact(e) => match e {
                ExternalContactEvent::Add { user_id, external_user_id, .. } => {
                    format!("add/{user_id}/{external_user_id}")
                }
                ExternalContactEvent::Edit { user_id, external_user_id } => {
                    format!("edit/{user_id}/{external_user_id}")
                }
                ExternalContactEvent::AddHalf { user_id, external_user_id, .. } => {
                    format!("add_half/{user_id}/{external_user_id}")
                }
                ExternalContactEvent::Del { user_id, external_user_id, .. } => {
                    format!("del/{user_id}/{external_user_id}")
                }
                ExternalContactEvent::DelFollowUser { user_id, external_user_id } => {
                    format!("del_follow/{user_id}/{external_user_id}")
                }
                ExternalContactEvent::TransferFail { user_id, external_user_id, .. } => {
                    format!("transfer_fail/{user_id}/{external_user_id}")
                }
            },
            CallbackEvent::ExternalChat(e) => match e {
                ExternalChatEvent::Create { chat_id } => format!("chat_create/{chat_id}"),
                ExternalChatEvent::Dismiss { chat_id } => format!("chat_dismiss/{chat_id}"),
                ExternalChatEvent::Update { chat_id, detail } => {
                    let ver = match detail {
                        ChatUpdate::AddMember { members, .. } | ChatUpdate::DelMember { members, .. } => {
                            members.cur_mem_ver.clone().unwrap_or_default()
                        }
                        _ => String::new(),
                    };
                    format!("chat_update/{chat_id}/{detail:?}/{ver}")
                }
            },
            CallbackEvent::ExternalTag(e) => format!("tag/{e:?}"),
            CallbackEvent::Unknown { event, change_type } => {
                format!("unknown/{event}/{}", change_type.as_deref().unwrap_or(""))
            }
        };
        format!("{}|{}|{}|{}", self.header.to_user_name, self.header.from_user_name, self.header.create_time, detail)
    }
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
