//! siyu app: the use cases. Each state change and its audit record are written in one transaction; reads of
//! other people's data go through the caller's scope. Synchronous: the web layer runs these on its blocking
//! pool, the CLI calls them directly.

pub mod assignments;
pub mod auth;
pub mod bootstrap;
pub mod clock;
pub mod consent;
pub mod crm;
pub mod customers;
pub mod demo;
pub mod egress;
pub mod error;
pub mod events;
pub mod exports;
pub mod holdings;
pub mod imports;
pub mod keys;
pub mod mail;
pub mod merges;
pub mod org;
pub mod outbound;
pub mod principal;
pub mod secrets;
pub mod sms;
pub mod staff;
pub mod tokens;
pub mod totp;
pub mod wecom;

pub use error::{AppError, Result};
pub use principal::{Meta, Principal, Via};

use chrono::Duration;
use clock::Clock;
use siyu_config::Settings;
use siyu_domain::access::Role;
use siyu_domain::password::{CommonList, PasswordPolicy};
use siyu_domain::session::{LockoutRule, SessionTimeouts};
use std::sync::Arc;

/// What every use case needs besides the database: configuration, time, the common-password list.
#[derive(Clone)]
pub struct Env {
    pub settings: Arc<Settings>,
    pub clock: Arc<dyn Clock>,
    pub common: Arc<CommonList>,
    /// Seals and opens personal and secret values; see `keys::open`.
    pub vault: Arc<siyu_vault::Vault>,
}

impl Env {
    pub fn new(
        settings: Arc<Settings>,
        clock: Arc<dyn Clock>,
        vault: Arc<siyu_vault::Vault>,
    ) -> std::result::Result<Self, String> {
        let common = match &settings.auth.password.common_list_file {
            Some(p) => CommonList::with_extra(
                &std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?,
            ),
            None => CommonList::default(),
        };
        Ok(Self { settings, clock, common: Arc::new(common), vault })
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    pub fn policy(&self) -> PasswordPolicy {
        self.settings.auth.password.policy()
    }

    /// Session timeouts for someone holding `roles`: the admin duties get the shorter idle timeout.
    pub fn timeouts(&self, roles: &[Role]) -> SessionTimeouts {
        let a = &self.settings.auth;
        let idle =
            if roles.iter().any(|r| r.is_admin_duty()) { a.admin_session_idle_minutes } else { a.session_idle_minutes };
        SessionTimeouts { idle: Duration::minutes(idle), absolute: Duration::hours(a.session_absolute_hours) }
    }

    pub fn lockout(&self) -> LockoutRule {
        let a = &self.settings.auth;
        LockoutRule {
            threshold: a.lockout_threshold,
            window: Duration::minutes(a.lockout_window_minutes),
            lock_for: Duration::minutes(a.lockout_minutes),
        }
    }
}
