//! Customer group chats (docs 92120, 92122).

use serde::{Deserialize, Serialize};

use crate::wecom::client::{Result, WecomClient};

#[derive(Debug, Clone, Default, Serialize)]
pub struct OwnerFilter {
    pub userid_list: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct GroupChatListQuery {
    /// 0 all, 1 owner resigned awaiting transfer, 2 transfer in progress, 3 transfer done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_filter: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_filter: Option<OwnerFilter>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cursor: String,
    /// Required, 1..=1000.
    pub limit: u32,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct GroupChatRef {
    pub chat_id: String,
    #[serde(default)]
    pub status: i32,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct GroupChatPage {
    #[serde(default)]
    pub group_chat_list: Vec<GroupChatRef>,
    #[serde(default)]
    pub next_cursor: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Invitor {
    pub userid: String,
}

/// `kind` 1 member, 2 external contact. `join_scene` 1 direct invite, 2 link, 3 QR code.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ChatMember {
    pub userid: String,
    #[serde(rename = "type", default)]
    pub kind: i32,
    #[serde(default)]
    pub unionid: Option<String>,
    #[serde(default)]
    pub join_time: i64,
    #[serde(default)]
    pub join_scene: i32,
    #[serde(default)]
    pub invitor: Option<Invitor>,
    #[serde(default)]
    pub group_nickname: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ChatAdmin {
    pub userid: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct GroupChat {
    pub chat_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub create_time: i64,
    #[serde(default)]
    pub notice: Option<String>,
    #[serde(default)]
    pub member_list: Vec<ChatMember>,
    #[serde(default)]
    pub admin_list: Vec<ChatAdmin>,
    #[serde(default)]
    pub member_version: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct GroupChatAnswer {
    group_chat: GroupChat,
}

#[derive(Serialize)]
struct GroupChatGet<'a> {
    chat_id: &'a str,
    need_name: i32,
}

impl WecomClient {
    pub fn groupchat_list(&self, q: &GroupChatListQuery) -> Result<GroupChatPage> {
        self.post("/cgi-bin/externalcontact/groupchat/list", q)
    }

    pub fn groupchat_get(&self, chat_id: &str, need_name: bool) -> Result<GroupChat> {
        let body = GroupChatGet { chat_id, need_name: i32::from(need_name) };
        Ok(self.post::<_, GroupChatAnswer>("/cgi-bin/externalcontact/groupchat/get", &body)?.group_chat)
    }
}
