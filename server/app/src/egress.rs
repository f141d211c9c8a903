//! The egress guard: the one function every connector calls before anything leaves siyu (WeCom API calls, SMS,
//! mail, outbound files). It refuses payloads holding personal identifiers or a customer's name, and records each
//! refusal with a masked sample.

use crate::error::{AppError, Result};
use crate::Env;
use siyu_domain::egress::{self, Allow, Channel, Refusal};
use siyu_domain::pii;
use siyu_store::audit::{self, AuditContext, AuditEvent};
use siyu_store::sealed;
use siyu_store::tx::write_tx;
use siyu_store::DbConn;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Refusals since the process started, by channel and finding, for `/metrics` (`siyu_egress_blocked_total`).
static BLOCKED: Mutex<BTreeMap<(&'static str, &'static str), u64>> = Mutex::new(BTreeMap::new());

/// Each (channel, finding) the guard refused in this process, with how often.
pub fn blocked_counts() -> Vec<((&'static str, &'static str), u64)> {
    BLOCKED.lock().unwrap_or_else(|e| e.into_inner()).iter().map(|(k, v)| (*k, *v)).collect()
}

fn allow(env: &Env) -> Allow {
    Allow { mobile_in_sms: env.settings.egress.allow_mobile_in_sms }
}

/// Passes `payload` for `channel`, or refuses it (an audit record with a masked sample, and an error).
pub fn guard(conn: &mut DbConn, env: &Env, ctx: &AuditContext, channel: Channel, payload: &str) -> Result<()> {
    let refusal = match egress::check_identifiers(payload, channel, allow(env)) {
        Err(r) => Some(r),
        Ok(()) => {
            let candidates = egress::name_candidates(payload);
            let idxs = candidates
                .iter()
                .map(|c| env.vault.blind_index(sealed::CUSTOMER_NAME.field_class, c))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|e| AppError::Internal(e.to_string()))?;
            if siyu_store::customers::any_name(conn, &idxs)? {
                let hit = candidates
                    .iter()
                    .zip(&idxs)
                    .find(|(_, i)| siyu_store::customers::any_name(conn, std::slice::from_ref(*i)).unwrap_or(false))
                    .map(|(c, _)| pii::mask_name(c))
                    .unwrap_or_default();
                Some(Refusal { found: "customer_name", masked_sample: hit })
            } else {
                None
            }
        }
    };
    let Some(r) = refusal else { return Ok(()) };
    *BLOCKED.lock().unwrap_or_else(|e| e.into_inner()).entry((channel.as_str(), r.found)).or_default() += 1;
    let now = env.now();
    write_tx(conn, |c| {
        audit::append(
            c,
            ctx,
            &AuditEvent::failure("egress.blocked", "egress", channel.as_str(), r.found).with_detail(
                serde_json::json!({"channel": channel.as_str(), "found": r.found, "sample": r.masked_sample}),
            ),
            now,
        )
    })?;
    tracing::warn!(channel = channel.as_str(), found = r.found, "egress guard refused a payload");
    Err(AppError::refused(
        "egress_blocked",
        format!("personal data ({}) may not leave the bank: {}", r.found, r.masked_sample),
        format!("个人信息（{}）不得发送出行：{}", r.found, r.masked_sample),
    ))
}
