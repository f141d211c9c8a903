//! 「联系我」 contact ways (doc 92228 / 92572) and the welcome message sent with a callback's welcome_code (92137).
//! The `state` set here comes back in the add callback and in follow_user.state: that is channel attribution.

use serde::{Deserialize, Serialize};

use super::{Attachment, Text};
use crate::wecom::client::{Empty, Result, WecomClient};

/// A contact way to create. `kind` 1 = one member (exactly one `user`), 2 = several; `scene` 1 = mini program,
/// 2 = QR code (only then is a `qr_code` returned).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactWay {
    #[serde(rename = "type")]
    pub kind: i32,
    pub scene: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_verify: Option<bool>,
    /// ≤30 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub party: Vec<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_temp: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_expires_in: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unionid: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ContactWayCreated {
    pub config_id: String,
    #[serde(default)]
    pub qr_code: Option<String>,
}

/// A stored contact way as `get_contact_way` answers.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ContactWayInfo {
    pub config_id: String,
    #[serde(flatten)]
    pub way: ContactWay,
    #[serde(default)]
    pub qr_code: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct ContactWayAnswer {
    contact_way: ContactWayInfo,
}

#[derive(Serialize)]
struct ConfigId<'a> {
    config_id: &'a str,
}

/// Only the fields given change; `user`/`party` replace the lists.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UpdateContactWay {
    pub config_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_verify: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub style: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party: Option<Vec<i64>>,
}

/// A welcome message: `text` and `attachments` (≤9) not both empty.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WelcomeMsg {
    pub welcome_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<Text>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

impl WecomClient {
    pub fn add_contact_way(&self, way: &ContactWay) -> Result<ContactWayCreated> {
        self.post("/cgi-bin/externalcontact/add_contact_way", way)
    }

    pub fn get_contact_way(&self, config_id: &str) -> Result<ContactWayInfo> {
        Ok(self
            .post::<_, ContactWayAnswer>("/cgi-bin/externalcontact/get_contact_way", &ConfigId { config_id })?
            .contact_way)
    }

    pub fn update_contact_way(&self, req: &UpdateContactWay) -> Result<()> {
        self.post::<_, Empty>("/cgi-bin/externalcontact/update_contact_way", req).map(|_| ())
    }

    pub fn del_contact_way(&self, config_id: &str) -> Result<()> {
        self.post::<_, Empty>("/cgi-bin/externalcontact/del_contact_way", &ConfigId { config_id }).map(|_| ())
    }

    /// Single use, valid 20 s after the add callback: 41050 when expired or unknown, 41051 when already used.
    pub fn send_welcome_msg(&self, msg: &WelcomeMsg) -> Result<()> {
        self.post::<_, Empty>("/cgi-bin/externalcontact/send_welcome_msg", msg).map(|_| ())
    }
}
