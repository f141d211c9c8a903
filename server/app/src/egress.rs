//! The egress guard: the one function every connector calls before anything leaves siyu (WeCom API calls, SMS,
//! mail, outbound files). It refuses payloads holding personal identifiers (ID, card and mobile numbers; amounts on
//! WeCom) or a string equal to a customer's name, address or customer number, and records each refusal with a
//! masked sample.

use crate::error::{AppError, Result};
use crate::Env;
use siyu_domain::egress::{self, Allow, Channel, Refusal};
use siyu_domain::pii;
use siyu_store::audit::{self, AuditContext, AuditEvent};
use siyu_store::customers::{self, Compared};
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

/// Passes `payload` for `channel`, or refuses it (an audit record with a masked sample, and an error).
pub fn guard(conn: &mut DbConn, env: &Env, ctx: &AuditContext, channel: Channel, payload: &str) -> Result<()> {
    guard_allowing(conn, env, ctx, channel, payload, Allow::default())
}

/// As [`guard`], with the one exception the caller is entitled to (an SMS may carry its recipient's own mobile
/// when `egress.allow_sms_own_mobile` is on; the caller checks the setting, see [`sms_allowance`]).
pub fn guard_allowing(
    conn: &mut DbConn,
    env: &Env,
    ctx: &AuditContext,
    channel: Channel,
    payload: &str,
    allow: Allow<'_>,
) -> Result<()> {
    let Some(r) = refusal(conn, env, channel, payload, allow)? else { return Ok(()) };
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

/// The exception for an SMS to `normalized_mobile`, if the bank allows it.
pub fn sms_allowance<'a>(env: &Env, normalized_mobile: &'a str) -> Allow<'a> {
    Allow { sms_recipient_mobile: env.settings.egress.allow_sms_own_mobile.then_some(normalized_mobile) }
}

/// A sealed value the guard finds by equality: the strings of a payload that could be one, compared through the
/// keyed index the customer row keeps of it, and how a hit is shown.
struct Equality {
    kind: Compared,
    field_class: &'static str,
    found: &'static str,
    candidates: fn(&str) -> Vec<String>,
    mask: fn(&str) -> String,
}

const EQUALITIES: [Equality; 3] = [
    Equality {
        kind: Compared::Name,
        field_class: sealed::CUSTOMER_NAME.field_class,
        found: "customer_name",
        candidates: egress::name_candidates,
        mask: pii::mask_name,
    },
    Equality {
        kind: Compared::Address,
        field_class: sealed::CUSTOMER_ADDRESS.field_class,
        found: "customer_address",
        candidates: egress::address_candidates,
        mask: pii::mask_address,
    },
    Equality {
        kind: Compared::CustomerNo,
        field_class: sealed::CUSTOMER_NO.field_class,
        found: "customer_no",
        candidates: egress::customer_no_candidates,
        mask: siyu_domain::customer::mask_customer_no,
    },
];

/// What the guard refuses in `payload`, if anything: identifiers and amounts by their shape (pure), then names,
/// addresses and customer numbers by equality with a customer's keyed index (no value is decrypted).
fn refusal(conn: &mut DbConn, env: &Env, channel: Channel, payload: &str, allow: Allow<'_>) -> Result<Option<Refusal>> {
    if let Err(r) = egress::check_identifiers(payload, channel, allow) {
        return Ok(Some(r));
    }
    for e in EQUALITIES {
        let candidates = (e.candidates)(payload);
        if candidates.is_empty() {
            continue;
        }
        let indexer = env.vault.indexer(e.field_class).map_err(|err| AppError::Internal(err.to_string()))?;
        let idxs: Vec<String> = candidates.iter().map(|c| indexer.index(c)).collect();
        if let Some(hit) = customers::present(conn, e.kind, &idxs, 1)?.into_iter().next() {
            let sample = idxs.iter().position(|i| *i == hit).map(|k| (e.mask)(&candidates[k])).unwrap_or_default();
            return Ok(Some(Refusal { found: e.found, masked_sample: sample }));
        }
    }
    Ok(None)
}
