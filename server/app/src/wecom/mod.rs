//! WeCom: the encrypted callback (verify, decrypt, store before answering), the inbox applied to the contacts
//! table in the background, and the access-token cache shared by replicas. Protocol facts: `docs/wecom.md`.

pub mod callback;
pub mod client;
pub mod inbox;
pub mod links;
pub mod stats;
pub mod sync;
pub mod tokens;
pub mod transfers;

use siyu_config::WecomCorp;
use siyu_store::audit::AuditContext;

/// The configured corp of this name (the `{name}` of the callback URL).
pub fn corp<'a>(env: &'a crate::Env, name: &str) -> Option<&'a WecomCorp> {
    env.settings.wecom.corps.iter().find(|c| c.name == name)
}

/// Who WeCom's background work is recorded as in the audit chain.
pub(crate) fn system_context() -> AuditContext {
    AuditContext {
        actor_name: "wecom".into(),
        actor_roles: "system".into(),
        client_addr: "local".into(),
        ..Default::default()
    }
}
