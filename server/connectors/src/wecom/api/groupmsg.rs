//! Mass messages 企业群发 (docs 92135, 93338). `add_msg_template` only creates a task: nothing is sent until each
//! member confirms it in the WeCom client, so delivery is learned from `get_groupmsg_task` / `_send_result`.

use serde::{Deserialize, Serialize};

use super::{lenient_i64, Attachment, Text};
use crate::wecom::client::{Empty, Result, WecomClient};

#[derive(Debug, Clone, Default, Serialize)]
pub struct MsgTemplate {
    /// `single` (default) or `group`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat_type: Option<String>,
    /// ≤10 000, single only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub external_userid: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub chat_id_list: Vec<String>,
    /// Alone: all of that member's customers. Required for group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_select: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<Text>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MsgTemplateCreated {
    /// Customers WeCom could not include (not a customer of anyone visible, or of `sender`).
    #[serde(default)]
    pub fail_list: Vec<String>,
    pub msgid: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct GroupMsgListQuery {
    pub chat_type: String,
    pub start_time: i64,
    pub end_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator: Option<String>,
    /// 0 corp, 1 personal, 2 all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter_type: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cursor: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct GroupMsg {
    pub msgid: String,
    #[serde(default)]
    pub creator: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64::deserialize")]
    pub create_time: i64,
    #[serde(default)]
    pub create_type: i32,
    #[serde(default)]
    pub text: Option<Text>,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct GroupMsgPage {
    #[serde(default)]
    pub group_msg_list: Vec<GroupMsg>,
    #[serde(default)]
    pub next_cursor: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct TaskQuery {
    pub msgid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cursor: String,
}

/// One member's part of a mass send. Status 0 not sent; the doc names 2 for sent but its own example shows 1,
/// so [`GroupMsgTask::sent`] treats both as sent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct GroupMsgTask {
    pub userid: String,
    #[serde(default)]
    pub status: i32,
    #[serde(default, deserialize_with = "lenient_i64::deserialize")]
    pub send_time: i64,
}

impl GroupMsgTask {
    pub fn sent(&self) -> bool {
        self.status == 1 || self.status == 2
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TaskPage {
    #[serde(default)]
    pub task_list: Vec<GroupMsgTask>,
    #[serde(default)]
    pub next_cursor: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SendResultQuery {
    pub msgid: String,
    pub userid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cursor: String,
}

/// Status: 0 not sent, 1 sent, 2 failed (not a friend any more), 3 failed (customer already got a mass message
/// within the receipt limit).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SendResult {
    #[serde(default)]
    pub external_userid: Option<String>,
    #[serde(default)]
    pub chat_id: Option<String>,
    pub userid: String,
    #[serde(default)]
    pub status: i32,
    #[serde(default, deserialize_with = "lenient_i64::deserialize")]
    pub send_time: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SendResultPage {
    #[serde(default)]
    pub send_list: Vec<SendResult>,
    #[serde(default)]
    pub next_cursor: String,
}

#[derive(Serialize)]
struct MsgId<'a> {
    msgid: &'a str,
}

impl WecomClient {
    pub fn add_msg_template(&self, req: &MsgTemplate) -> Result<MsgTemplateCreated> {
        self.post("/cgi-bin/externalcontact/add_msg_template", req)
    }

    pub fn get_groupmsg_list_v2(&self, q: &GroupMsgListQuery) -> Result<GroupMsgPage> {
        self.post("/cgi-bin/externalcontact/get_groupmsg_list_v2", q)
    }

    pub fn get_groupmsg_task(&self, q: &TaskQuery) -> Result<TaskPage> {
        self.post("/cgi-bin/externalcontact/get_groupmsg_task", q)
    }

    pub fn get_groupmsg_send_result(&self, q: &SendResultQuery) -> Result<SendResultPage> {
        self.post("/cgi-bin/externalcontact/get_groupmsg_send_result", q)
    }

    /// Stops a mass send members have not confirmed yet.
    pub fn cancel_groupmsg_send(&self, msgid: &str) -> Result<()> {
        self.post::<_, Empty>("/cgi-bin/externalcontact/cancel_groupmsg_send", &MsgId { msgid }).map(|_| ())
    }
}
