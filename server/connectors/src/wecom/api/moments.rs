//! Moments 客户朋友圈 (docs 95094, 93333; the notes §3.10). `add_moment_task` is asynchronous: poll
//! `get_moment_task_result` with its jobid until status 3 gives the moment_id. Like mass messages, each member must
//! still publish the moment in the WeCom client; `get_moment_task` tells who did.

use serde::{Deserialize, Serialize};

use super::{Attachment, Text};
use crate::wecom::client::{Empty, Result, WecomClient};

#[derive(Debug, Clone, Default, Serialize)]
pub struct SenderList {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub user_list: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub department_list: Vec<u64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ExternalContactList {
    pub tag_list: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct VisibleRange {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender_list: Option<SenderList>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_contact_list: Option<ExternalContactList>,
}

/// Text (≤2000 characters) and/or attachments: up to 9 images, or one video, or one link.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MomentTask {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<Text>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visible_range: Option<VisibleRange>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct Job {
    jobid: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct InvalidSenders {
    #[serde(default)]
    pub user_list: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct InvalidContacts {
    #[serde(default)]
    pub tag_list: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MomentJobOutcome {
    #[serde(default)]
    pub errcode: i64,
    #[serde(default)]
    pub moment_id: String,
    #[serde(default)]
    pub invalid_sender_list: InvalidSenders,
    #[serde(default)]
    pub invalid_external_contact_list: InvalidContacts,
}

/// 1 started, 2 running, 3 done (then `result`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MomentJob {
    pub status: i32,
    #[serde(default)]
    pub result: Option<MomentJobOutcome>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct MomentListQuery {
    pub start_time: i64,
    /// Within 30 days of `start_time`.
    pub end_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator: Option<String>,
    /// 0 corp, 1 personal, 2 all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter_type: Option<i32>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cursor: String,
    /// ≤20.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MomentItem {
    pub moment_id: String,
    #[serde(default)]
    pub creator: String,
    #[serde(default)]
    pub create_time: i64,
    /// 0 corp, 1 personal.
    #[serde(default)]
    pub create_type: i32,
    /// 0 partial, 1 public.
    #[serde(default)]
    pub visible_type: i32,
    #[serde(default)]
    pub text: Option<Text>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MomentList {
    #[serde(default)]
    pub moment_list: Vec<MomentItem>,
    #[serde(default)]
    pub next_cursor: String,
}

/// `moment_id` with paging; `userid` for the per-member lists.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MomentQuery {
    pub moment_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub userid: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cursor: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MomentTaskStatus {
    pub userid: String,
    /// 0 not published, 1 published.
    pub publish_status: i32,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MomentTasks {
    #[serde(default)]
    pub task_list: Vec<MomentTaskStatus>,
    #[serde(default)]
    pub next_cursor: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MomentCustomer {
    #[serde(default)]
    pub userid: String,
    pub external_userid: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MomentCustomers {
    #[serde(default)]
    pub customer_list: Vec<MomentCustomer>,
    #[serde(default)]
    pub next_cursor: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Interaction {
    #[serde(default)]
    pub external_userid: String,
    #[serde(default)]
    pub userid: String,
    #[serde(default)]
    pub create_time: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MomentComments {
    #[serde(default)]
    pub comment_list: Vec<Interaction>,
    #[serde(default)]
    pub like_list: Vec<Interaction>,
}

#[derive(Serialize)]
struct MomentId<'a> {
    moment_id: &'a str,
}

#[derive(Serialize)]
struct MemberOf<'a> {
    moment_id: &'a str,
    userid: &'a str,
}

impl WecomClient {
    /// Starts the task; answers its jobid.
    pub fn add_moment_task(&self, req: &MomentTask) -> Result<String> {
        Ok(self.post::<_, Job>("/cgi-bin/externalcontact/add_moment_task", req)?.jobid)
    }

    pub fn get_moment_task_result(&self, jobid: &str) -> Result<MomentJob> {
        self.get("/cgi-bin/externalcontact/get_moment_task_result", &[("jobid", jobid)])
    }

    pub fn cancel_moment_task(&self, moment_id: &str) -> Result<()> {
        self.post::<_, Empty>("/cgi-bin/externalcontact/cancel_moment_task", &MomentId { moment_id }).map(|_| ())
    }

    pub fn get_moment_list(&self, q: &MomentListQuery) -> Result<MomentList> {
        self.post("/cgi-bin/externalcontact/get_moment_list", q)
    }

    /// Which members published.
    pub fn get_moment_task(&self, q: &MomentQuery) -> Result<MomentTasks> {
        self.post("/cgi-bin/externalcontact/get_moment_task", q)
    }

    /// The customers a member's moment is meant for.
    pub fn get_moment_customer_list(&self, q: &MomentQuery) -> Result<MomentCustomers> {
        self.post("/cgi-bin/externalcontact/get_moment_customer_list", q)
    }

    /// The customers who received a member's moment.
    pub fn get_moment_send_result(&self, q: &MomentQuery) -> Result<MomentCustomers> {
        self.post("/cgi-bin/externalcontact/get_moment_send_result", q)
    }

    pub fn get_moment_comments(&self, moment_id: &str, userid: &str) -> Result<MomentComments> {
        self.post("/cgi-bin/externalcontact/get_moment_comments", &MemberOf { moment_id, userid })
    }
}
