//! Customer transfer: on-duty 在职继承 (docs 92125, 94088) and resigned 离职继承 (94081, 94082). An accepted
//! transfer is only started: the customer has 24 h to refuse, and the outcome is polled from `transfer_result`.

use serde::{Deserialize, Serialize};

use crate::wecom::client::{Result, WecomClient};

#[derive(Debug, Clone, Default, Serialize)]
pub struct TransferCustomer {
    pub handover_userid: String,
    pub takeover_userid: String,
    /// ≤100.
    pub external_userid: Vec<String>,
    /// On-duty only, ≤200 characters; WeCom's default text when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transfer_success_msg: Option<String>,
}

/// Per customer: errcode 0 means the transfer started.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TransferItem {
    pub external_userid: String,
    #[serde(default)]
    pub errcode: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TransferStarted {
    #[serde(default)]
    pub customer: Vec<TransferItem>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct TransferResultQuery {
    pub handover_userid: String,
    pub takeover_userid: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cursor: String,
}

/// Status 1 taken over, 2 waiting (takeover_time = when it becomes automatic), 3 refused by the customer,
/// 4 takeover member's customer limit reached, 5 no transfer record.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TransferStatus {
    pub external_userid: String,
    pub status: i32,
    #[serde(default)]
    pub takeover_time: i64,
}

pub mod status {
    pub const DONE: i32 = 1;
    pub const WAITING: i32 = 2;
    pub const REFUSED: i32 = 3;
    pub const LIMIT: i32 = 4;
    pub const NO_RECORD: i32 = 5;
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TransferResultPage {
    #[serde(default)]
    pub customer: Vec<TransferStatus>,
    #[serde(default)]
    pub next_cursor: String,
}

impl WecomClient {
    pub fn transfer_customer(&self, req: &TransferCustomer) -> Result<TransferStarted> {
        self.post("/cgi-bin/externalcontact/transfer_customer", req)
    }

    pub fn transfer_result(&self, q: &TransferResultQuery) -> Result<TransferResultPage> {
        self.post("/cgi-bin/externalcontact/transfer_result", q)
    }

    /// The handover member must have left the corp (40097 otherwise).
    pub fn resigned_transfer_customer(&self, req: &TransferCustomer) -> Result<TransferStarted> {
        self.post("/cgi-bin/externalcontact/resigned/transfer_customer", req)
    }

    pub fn resigned_transfer_result(&self, q: &TransferResultQuery) -> Result<TransferResultPage> {
        self.post("/cgi-bin/externalcontact/resigned/transfer_result", q)
    }
}
