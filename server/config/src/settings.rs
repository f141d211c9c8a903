//! The typed configuration and its defaults. Every key is documented in docs/configuration.md.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Generates missing development keys, human-readable logs.
    #[default]
    Development,
    /// Missing keys stop the start; JSON logs.
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub mode: Mode,
    pub server: Server,
    pub database: Database,
    pub log: Log,
    pub data: Data,
    pub auth: Auth,
    pub vault: Vault,
    pub egress: Egress,
    pub import: Import,
    pub smtp: Smtp,
    pub wecom: Wecom,
    pub crm: Crm,
    pub sms: Sms,
    pub outbound: Outbound,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Server {
    pub bind: String,
    /// The largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    pub tls: Tls,
    /// Number of actix worker threads; 0 means one per core.
    pub workers: usize,
}

impl Default for Server {
    fn default() -> Self {
        Self { bind: "127.0.0.1:8080".into(), body_limit_bytes: 1024 * 1024, tls: Tls::default(), workers: 0 }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Tls {
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
}

impl Tls {
    pub fn enabled(&self) -> bool {
        self.cert_file.is_some()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Database {
    /// `sqlite:///abs/path.db`, `sqlite://relative.db` or `postgres://…`. A secret (it may hold a password).
    pub url: String,
    pub url_file: Option<PathBuf>,
    pub pool_size: u32,
    pub connect_timeout_secs: u64,
    /// Apply pending migrations when `serve` starts.
    pub migrate_on_start: bool,
}

impl Default for Database {
    fn default() -> Self {
        Self {
            url: "sqlite://./data/siyu.db".into(),
            url_file: None,
            pool_size: 10,
            connect_timeout_secs: 10,
            migrate_on_start: true,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Log {
    /// `pretty` or `json`; when unset, `json` in production and `pretty` in development.
    pub format: Option<LogFormat>,
    /// A tracing filter, e.g. `info` or `siyu_web=debug,info`.
    pub level: String,
}

impl Default for Log {
    fn default() -> Self {
        Self { format: None, level: "info".into() }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Data {
    /// Where siyu keeps files of its own (development keys, import work files).
    pub dir: PathBuf,
}

impl Default for Data {
    fn default() -> Self {
        Self { dir: PathBuf::from("./data") }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Auth {
    pub session_idle_minutes: i64,
    /// Idle timeout for the admin duties (system, security, audit), stricter than for others.
    pub admin_session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    pub lockout_threshold: usize,
    pub lockout_window_minutes: i64,
    pub lockout_minutes: i64,
    /// Failed logins from one client address within the lockout window before it is throttled.
    pub address_max_failures: usize,
    /// The issuer shown in authenticator apps.
    pub totp_issuer: String,
    /// How recent an authentication (password and second factor) must be for an unmask or an unmasked export
    /// (REQUIREMENTS B.13); older sessions are asked to re-authenticate first.
    pub reauth_minutes: i64,
    pub password: Password,
}

impl Default for Auth {
    fn default() -> Self {
        Self {
            session_idle_minutes: 30,
            admin_session_idle_minutes: 15,
            session_absolute_hours: 12,
            lockout_threshold: 5,
            lockout_window_minutes: 15,
            lockout_minutes: 30,
            address_max_failures: 20,
            totp_issuer: "siyu".into(),
            reauth_minutes: 5,
            password: Password::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Password {
    pub min_length: usize,
    pub max_length: usize,
    pub min_classes: usize,
    pub history: usize,
    /// 0 turns expiry off.
    pub max_age_days: u32,
    /// A file of further common passwords (one a line) the bank forbids, e.g. its own name.
    pub common_list_file: Option<PathBuf>,
}

impl Default for Password {
    fn default() -> Self {
        let p = siyu_domain::password::PasswordPolicy::default();
        Self {
            min_length: p.min_length,
            max_length: p.max_length,
            min_classes: p.min_classes,
            history: p.history,
            max_age_days: p.max_age_days,
            common_list_file: None,
        }
    }
}

impl Password {
    pub fn policy(&self) -> siyu_domain::password::PasswordPolicy {
        siyu_domain::password::PasswordPolicy {
            min_length: self.min_length,
            max_length: self.max_length,
            min_classes: self.min_classes,
            history: self.history,
            max_age_days: self.max_age_days,
            reject_common: true,
            reject_username: true,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Vault {
    /// The key-encryption key: a file holding 32 random bytes in base64.
    pub kek_file: Option<PathBuf>,
    /// The blind-index key, same form, distinct from the KEK.
    pub index_key_file: Option<PathBuf>,
    /// `aes256gcm` or `sm4gcm`.
    pub suite: String,
    /// Unmasks one person may make in 24 hours; past it they are refused and the security admin alerted.
    pub unmask_daily_limit: u32,
}

impl Default for Vault {
    fn default() -> Self {
        Self { kek_file: None, index_key_file: None, suite: "aes256gcm".into(), unmask_daily_limit: 50 }
    }
}

/// Batch-file imports.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Import {
    /// The share of invalid rows above which a whole file is refused (0.01 = 1%).
    pub max_reject_share: f64,
    /// Refuse files without a control file `FILE.ctl`.
    pub require_control: bool,
    /// A folder the engine watches: complete files whose names match a pattern below are imported, then moved to
    /// `done/` or `rejected/` with their report. None: no watched folder.
    pub inbound_dir: Option<PathBuf>,
    /// File-name pattern (`*` any run of characters, `?` one) of customer files in the inbound folder.
    pub inbound_customers: String,
    /// File-name pattern of holdings files in the inbound folder.
    pub inbound_holdings: String,
    /// Layout files (TOML) of the inbound folder's customer and holdings files; the default layouts when unset.
    pub inbound_customers_layout: Option<PathBuf>,
    pub inbound_holdings_layout: Option<PathBuf>,
    /// The inbound folder's files' encoding (utf-8, gbk, gb18030).
    pub inbound_encoding: String,
    /// A file without a control file is taken once its size has not changed for this long (seconds).
    pub inbound_stable_secs: u64,
}

impl Default for Import {
    fn default() -> Self {
        Self {
            max_reject_share: 0.01,
            require_control: false,
            inbound_dir: None,
            inbound_customers: "customers*".into(),
            inbound_holdings: "holdings*".into(),
            inbound_customers_layout: None,
            inbound_holdings_layout: None,
            inbound_encoding: "utf-8".into(),
            inbound_stable_secs: 10,
        }
    }
}

/// Exceptions to the egress guard, configured explicitly.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Egress {
    /// Let an SMS through the bank's gateway carry the recipient customer's own mobile number, and no other.
    pub allow_sms_own_mobile: bool,
}

impl Default for Egress {
    fn default() -> Self {
        Self { allow_sms_own_mobile: true }
    }
}

/// The bank's own SMS gateway (an HTTP service inside the bank): the contract is in docs/sms.md.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Sms {
    /// `https://sms-gw.bank.internal/api`; siyu posts to `{base_url}/messages`. Unset: no SMS.
    pub base_url: Option<String>,
    /// The account siyu sends as, issued by the gateway's operators.
    pub account: String,
    /// The bearer token sent to the gateway (prefer `token_file`).
    pub token: Option<String>,
    pub token_file: Option<PathBuf>,
    pub http_proxy: Option<String>,
    /// PEM bundle of CAs to trust instead of the public roots (the bank's internal CA).
    pub ca_file: Option<PathBuf>,
    pub timeout_secs: u64,
}

impl Default for Sms {
    fn default() -> Self {
        Self {
            base_url: None,
            account: "siyu".into(),
            token: None,
            token_file: None,
            http_proxy: None,
            ca_file: None,
            timeout_secs: 10,
        }
    }
}

/// Files siyu delivers to other systems.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Outbound {
    /// The folder other systems pick files up from (it must exist). Unset: nothing is delivered, exports are
    /// downloaded only.
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Smtp {
    pub host: Option<String>,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
    pub password_file: Option<PathBuf>,
    pub from: Option<String>,
    /// `starttls` (required), `tls` (from the first byte) or `none` (a relay on the same host only).
    pub tls: String,
    /// Where security alerts go (an unmask quota exceeded, …): the security administrators' mailbox.
    pub security_alert_to: Vec<String>,
}

impl Default for Smtp {
    fn default() -> Self {
        Self {
            host: None,
            port: 587,
            username: None,
            password: None,
            password_file: None,
            from: None,
            tls: "starttls".into(),
            security_alert_to: vec![],
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Wecom {
    pub corps: Vec<WecomCorp>,
    pub http_proxy: Option<String>,
    pub ca_file: Option<PathBuf>,
    /// Calls per corp and API per minute and per hour (doc 90454: 10 000 and 150 000).
    pub rate_per_minute: u64,
    pub rate_per_hour: u64,
    /// How long a frequency block (45009) is waited out before calling again: the minute window.
    pub frequency_block_secs: u64,
    /// First backoff after a transient error (−1, 45033, a dropped connection), doubled each retry.
    pub retry_base_ms: u64,
    /// Retries of a transient error (WeCom's doc: at most 3).
    pub max_retries: u32,
    /// Customers per page of the full sync (`batch/get_by_user`, 1..=100).
    pub sync_page_size: u32,
}

impl Default for Wecom {
    fn default() -> Self {
        Self {
            corps: vec![],
            http_proxy: None,
            ca_file: None,
            rate_per_minute: 10_000,
            rate_per_hour: 150_000,
            frequency_block_secs: 60,
            retry_base_ms: 500,
            max_retries: 3,
            sync_page_size: 100,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WecomCorp {
    pub name: String,
    pub corp_id: String,
    pub token: Option<String>,
    pub token_file: Option<PathBuf>,
    pub encoding_aes_key: Option<String>,
    pub encoding_aes_key_file: Option<PathBuf>,
    pub secret: Option<String>,
    pub secret_file: Option<PathBuf>,
    pub api_base: String,
    /// Accepted age of a callback's timestamp; 0 turns the window off.
    pub callback_max_age_secs: u64,
}

impl Default for WecomCorp {
    fn default() -> Self {
        Self {
            name: String::new(),
            corp_id: String::new(),
            token: None,
            token_file: None,
            encoding_aes_key: None,
            encoding_aes_key_file: None,
            secret: None,
            secret_file: None,
            api_base: "https://qyapi.weixin.qq.com".into(),
            callback_max_age_secs: 300,
        }
    }
}

impl Settings {
    pub fn log_format(&self) -> LogFormat {
        self.log.format.unwrap_or(match self.mode {
            Mode::Production => LogFormat::Json,
            Mode::Development => LogFormat::Pretty,
        })
    }
}

/// The CRM pull client (`crm.pull`, `siyu crm pull`): the contract is in docs/crm.md.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Crm {
    /// `https://crm.bank.internal/api/siyu`; the client asks `{base_url}/customers`. Unset: no pull.
    pub base_url: Option<String>,
    /// The bearer token sent to the CRM (prefer `token_file`).
    pub token: Option<String>,
    pub token_file: Option<PathBuf>,
    /// Items asked for per page (1..=1000, the batch API's limit).
    pub page_size: u32,
    /// Seconds between scheduled pulls in `siyu serve`; 0 pulls only on demand (`siyu crm pull`).
    pub interval: u64,
    pub http_proxy: Option<String>,
    /// PEM bundle of CAs to trust instead of the public roots (the bank's internal CA).
    pub ca_file: Option<PathBuf>,
    pub timeout_secs: u64,
}

impl Default for Crm {
    fn default() -> Self {
        Self {
            base_url: None,
            token: None,
            token_file: None,
            page_size: 500,
            interval: 0,
            http_proxy: None,
            ca_file: None,
            timeout_secs: 30,
        }
    }
}
