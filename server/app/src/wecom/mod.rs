//! WeCom: the encrypted callback (verify, decrypt, store before answering), the inbox applied to the contacts
//! table in the background, and the access-token cache shared by replicas. Protocol facts: `docs/wecom.md`.

pub mod callback;
pub mod channels;
pub mod client;
pub mod inbox;
pub mod links;
pub mod qr;
pub mod stats;
pub mod sync;
pub mod tags;
pub mod tokens;
pub mod transfers;

use siyu_config::WecomCorp;
use siyu_store::audit::AuditContext;

/// The configured corp of this name (the `{name}` of the callback URL).
pub fn corp<'a>(env: &'a crate::Env, name: &str) -> Option<&'a WecomCorp> {
    env.settings.wecom.corps.iter().find(|c| c.name == name)
}

/// A configured corp as the console may know it: its name and WeCom corp id, never a secret.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CorpView {
    pub name: String,
    pub corp_id: String,
}

/// The configured corps, for anyone who reads customers (to choose a corp's tags, channels or contacts).
pub fn corps(env: &crate::Env, p: &crate::Principal) -> crate::error::Result<Vec<CorpView>> {
    p.require(siyu_domain::access::Permission::CustomerRead)?;
    Ok(env.settings.wecom.corps.iter().map(|c| CorpView { name: c.name.clone(), corp_id: c.corp_id.clone() }).collect())
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
