//! The emulator's in-memory world: corps with their members, customers, tags, contact ways, welcome codes, mass
//! sends, transfers and group chats; the simulated clock; injected faults and per-API frequency counters.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Token lifetime WeCom answers in `expires_in` (doc 91039).
pub const TOKEN_TTL: i64 = 7200;
/// A welcome_code is valid this long after the add event (doc 92137).
pub const WELCOME_CODE_TTL: i64 = 20;
/// An on-duty or resigned transfer completes automatically after 24 h unless the customer refuses (doc 92125).
pub const TRANSFER_WAIT: i64 = 24 * 3600;
/// Per corp per API per minute (doc 90454, 2023 figures). Tests lower it through `/__sim/corps`.
pub const DEFAULT_RATE_PER_MINUTE: u32 = 10_000;

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct CallbackCfg {
    pub url: String,
    pub token: String,
    pub encoding_aes_key: String,
}

#[derive(Debug, Clone, Default)]
pub struct User {
    pub name: String,
    pub resigned: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Follow {
    pub userid: String,
    pub remark: String,
    pub description: String,
    pub createtime: i64,
    pub tag_ids: Vec<String>,
    pub remark_corp_name: Option<String>,
    pub remark_mobiles: Vec<String>,
    pub add_way: i32,
    pub oper_userid: String,
    pub state: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Contact {
    pub external_userid: String,
    pub name: String,
    pub kind: i32,
    pub gender: i32,
    pub unionid: Option<String>,
    pub corp_name: Option<String>,
    pub follows: Vec<Follow>,
}

#[derive(Debug, Clone, Default)]
pub struct TagDef {
    pub id: String,
    pub name: String,
    pub create_time: i64,
    pub order: u32,
}

#[derive(Debug, Clone, Default)]
pub struct TagGroupDef {
    pub group_id: String,
    pub group_name: String,
    pub create_time: i64,
    pub order: u32,
    pub tags: Vec<TagDef>,
}

#[derive(Debug, Clone)]
pub struct WelcomeCode {
    pub userid: String,
    pub external_userid: String,
    pub expires_at: i64,
    pub used: bool,
}

/// One message the emulator "delivered" to a customer: what tests count.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub external_userid: String,
    pub userid: String,
    /// `welcome`, `mass` or `moment`.
    pub kind: &'static str,
    pub msgid: Option<String>,
    pub content: Value,
    pub at: i64,
}

/// A moment (客户朋友圈) task: made by `add_moment_task`, published by each member in the WeCom client (here: a
/// test control), seen by the member's customers within the visible range.
#[derive(Debug, Clone)]
pub struct Moment {
    pub moment_id: String,
    pub jobid: String,
    /// `get_moment_task_result` polls so far: the job answers 1 (started), 2 (running), then 3 (done).
    pub job_polls: u32,
    pub create_time: i64,
    pub content: Value,
    /// 0: a customer tag list narrows who sees it; 1: every customer of the members.
    pub visible_type: i32,
    pub tag_list: Vec<String>,
    /// Members asked to publish → published (0/1).
    pub senders: BTreeMap<String, i32>,
    pub invalid_senders: Vec<String>,
    pub invalid_tags: Vec<String>,
    pub cancelled: bool,
    /// (member, customer, at, `comment` or `like`).
    pub interactions: Vec<(String, String, i64, &'static str)>,
}

#[derive(Debug, Clone)]
pub struct MassTask {
    pub msgid: String,
    pub chat_type: String,
    pub creator: Option<String>,
    pub create_time: i64,
    pub content: Value,
    /// userid → (status 0/2, send_time, recipients with per-customer status 0..3)
    pub per_user: BTreeMap<String, MassUser>,
    pub cancelled: bool,
}

#[derive(Debug, Clone, Default)]
pub struct MassUser {
    pub status: i32,
    pub send_time: i64,
    pub recipients: Vec<(String, i32, i64)>,
}

#[derive(Debug, Clone)]
pub struct Transfer {
    pub resigned: bool,
    pub handover: String,
    pub takeover: String,
    pub external_userid: String,
    pub status: i32,
    pub takeover_time: i64,
}

#[derive(Debug, Clone, Default)]
pub struct ChatMember {
    pub userid: String,
    pub kind: i32,
    pub join_time: i64,
    pub join_scene: i32,
    pub state: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct GroupChat {
    pub chat_id: String,
    pub name: String,
    pub owner: String,
    pub create_time: i64,
    pub notice: String,
    pub status: i32,
    pub members: Vec<ChatMember>,
    pub admins: Vec<String>,
}

/// A fault to inject: the next `remaining` calls to `api` (any API when `None`) answer `errcode`.
#[derive(Debug, Clone, Deserialize)]
pub struct Fault {
    pub errcode: i64,
    #[serde(default)]
    pub api: Option<String>,
    #[serde(default = "one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Default)]
pub struct Corp {
    pub corp_id: String,
    pub secret: String,
    pub callback: Option<CallbackCfg>,
    pub rate_per_minute: u32,
    /// Mass messages one customer may receive per natural day (the notes §3.9: configurable, it changed over time).
    pub receipt_per_day: u32,
    pub users: BTreeMap<String, User>,
    pub contacts: BTreeMap<String, Contact>,
    pub tag_groups: Vec<TagGroupDef>,
    pub contact_ways: BTreeMap<String, Value>,
    pub welcome_codes: HashMap<String, WelcomeCode>,
    pub mass: Vec<MassTask>,
    pub delivered: Vec<Delivery>,
    pub transfers: Vec<Transfer>,
    pub chats: BTreeMap<String, GroupChat>,
    pub moments: Vec<Moment>,
    /// Start of the minute window and the moment tasks added in it (≤ 10 a minute per corp).
    pub moment_window: (i64, u32),
    pub faults: Vec<Fault>,
    /// api → (minute window start, calls in it, blocked until)
    pub counters: HashMap<String, (i64, u32, i64)>,
}

#[derive(Debug, Clone)]
pub struct TokenRec {
    pub corp_id: String,
    pub expires_at: i64,
}

#[derive(Debug, Default)]
pub struct World {
    pub clock_offset: i64,
    pub corps: BTreeMap<String, Corp>,
    pub tokens: HashMap<String, TokenRec>,
    pub seq: u64,
    /// Every callback attempt, for tests to inspect.
    pub callback_log: Vec<Value>,
}

impl World {
    pub fn now(&self) -> i64 {
        let real = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        real + self.clock_offset
    }

    /// A fresh id with WeCom's prefix and roughly its length.
    pub fn id(&mut self, prefix: &str) -> String {
        self.seq += 1;
        let r: u64 = rand::thread_rng().gen();
        format!("{prefix}{:010}{r:016x}", self.seq)
    }
}

/// Shared state behind the actix app.
#[derive(Debug, Default)]
pub struct Sim {
    pub world: Mutex<World>,
}

impl Sim {
    pub fn lock(&self) -> std::sync::MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Corp {
    pub fn new(corp_id: &str, secret: &str) -> Self {
        Corp {
            corp_id: corp_id.to_owned(),
            secret: secret.to_owned(),
            rate_per_minute: DEFAULT_RATE_PER_MINUTE,
            receipt_per_day: 1,
            ..Default::default()
        }
    }

    pub fn follow_mut(&mut self, external_userid: &str, userid: &str) -> Option<&mut Follow> {
        self.contacts.get_mut(external_userid)?.follows.iter_mut().find(|f| f.userid == userid)
    }

    pub fn is_follower(&self, external_userid: &str, userid: &str) -> bool {
        self.contacts.get(external_userid).is_some_and(|c| c.follows.iter().any(|f| f.userid == userid))
    }

    pub fn tag_exists(&self, tag_id: &str) -> bool {
        self.tag_groups.iter().any(|g| g.tags.iter().any(|t| t.id == tag_id))
    }
}
