//! Customers: follow users, customer lists and details, batch details, remarks (docs 92571, 92113, 92114, 92994,
//! 92115).

use serde::{Deserialize, Serialize};

use crate::wecom::client::{Empty, Result, WecomClient};

#[derive(Debug, Clone, Default, Deserialize)]
pub struct FollowUserList {
    #[serde(default)]
    pub follow_user: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ExternalUserIds {
    #[serde(default)]
    pub external_userid: Vec<String>,
}

/// The customer as WeCom describes them. `kind`: 1 WeChat user, 2 WeCom user. `gender`: 0 unknown, 1 male, 2 female.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalContact {
    pub external_userid: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corp_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corp_full_name: Option<String>,
    #[serde(rename = "type", default)]
    pub kind: i32,
    #[serde(default)]
    pub gender: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unionid: Option<String>,
}

/// A tag on a follow relation as `get` reports it. `kind`: 1 corp tag, 2 personal tag (no tag_id), 3 rule-group tag.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct FollowTag {
    #[serde(default)]
    pub group_name: String,
    #[serde(default)]
    pub tag_name: String,
    #[serde(default)]
    pub tag_id: Option<String>,
    #[serde(rename = "type", default)]
    pub kind: i32,
}

/// One member's relation to the customer, from `get`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct FollowUser {
    pub userid: String,
    #[serde(default)]
    pub remark: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub createtime: i64,
    #[serde(default)]
    pub tags: Vec<FollowTag>,
    #[serde(default)]
    pub remark_corp_name: Option<String>,
    #[serde(default)]
    pub remark_mobiles: Vec<String>,
    #[serde(default)]
    pub add_way: i32,
    #[serde(default)]
    pub oper_userid: Option<String>,
    /// The contact way's `state`: channel attribution.
    #[serde(default)]
    pub state: Option<String>,
}

/// The same relation from `batch/get_by_user`: tag ids instead of tag objects.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct FollowInfo {
    pub userid: String,
    #[serde(default)]
    pub remark: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub createtime: i64,
    #[serde(default)]
    pub tag_id: Vec<String>,
    #[serde(default)]
    pub remark_corp_name: Option<String>,
    #[serde(default)]
    pub remark_mobiles: Vec<String>,
    #[serde(default)]
    pub add_way: i32,
    #[serde(default)]
    pub oper_userid: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ContactDetail {
    pub external_contact: ExternalContact,
    #[serde(default)]
    pub follow_user: Vec<FollowUser>,
    /// Present only when the customer has more than 500 follow users.
    #[serde(default)]
    pub next_cursor: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct BatchGetByUser {
    /// At most 100.
    pub userid_list: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cursor: String,
    /// 1..=100, WeCom's default 50.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct BatchItem {
    pub external_contact: ExternalContact,
    pub follow_info: FollowInfo,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct BatchPage {
    #[serde(default)]
    pub external_contact_list: Vec<BatchItem>,
    /// Empty on the last page.
    #[serde(default)]
    pub next_cursor: String,
}

/// `remark`: remark ≤20, description ≤150, remark_mobiles replaces the list (`[""]` clears).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Remark {
    pub userid: String,
    pub external_userid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remark_company: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remark_mobiles: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remark_pic_mediaid: Option<String>,
}

impl WecomClient {
    /// Members with the customer-contact licence.
    pub fn get_follow_user_list(&self) -> Result<Vec<String>> {
        Ok(self.get::<FollowUserList>("/cgi-bin/externalcontact/get_follow_user_list", &[])?.follow_user)
    }

    /// The external_userids of one member's customers.
    pub fn list_external_contacts(&self, userid: &str) -> Result<Vec<String>> {
        Ok(self.get::<ExternalUserIds>("/cgi-bin/externalcontact/list", &[("userid", userid)])?.external_userid)
    }

    /// One customer with their follow users; pass the previous `next_cursor` for customers with >500 of them.
    pub fn get_external_contact(&self, external_userid: &str, cursor: &str) -> Result<ContactDetail> {
        let mut q = vec![("external_userid", external_userid)];
        if !cursor.is_empty() {
            q.push(("cursor", cursor));
        }
        self.get("/cgi-bin/externalcontact/get", &q)
    }

    /// One page of customers (with that member's follow_info) for up to 100 members.
    pub fn batch_get_by_user(&self, req: &BatchGetByUser) -> Result<BatchPage> {
        self.post("/cgi-bin/externalcontact/batch/get_by_user", req)
    }

    pub fn remark(&self, req: &Remark) -> Result<()> {
        self.post::<_, Empty>("/cgi-bin/externalcontact/remark", req).map(|_| ())
    }
}
