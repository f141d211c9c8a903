//! SMS to a customer through the bank's own gateway (docs/sms.md). An RM asks for a message to a customer in
//! their scope; the request is checked (text, consent, a mobile on record, the egress guard) and written to the
//! SMS outbox in the same transaction as its audit record; the engine sends it. The recipient is always the
//! customer's own mobile, read from the sealed record when needed and never taken from a request or stored
//! beside the message. The guard lets that one mobile through (when `egress.allow_sms_own_mobile` is on) and
//! nothing else: any other mobile, an ID or card number, a customer's name, address or customer number is refused.

use crate::egress;
use crate::error::{AppError, Result};
use crate::keys::{open_value, seal};
use crate::principal::{Meta, Principal};
use crate::Env;
use chrono::{DateTime, Utc};
use siyu_connectors::sms::{GatewayClient, Sms, SmsError, SmsSender, SmsSettings};
use siyu_domain::access::Permission;
use siyu_domain::consent::ConsentChannel;
use siyu_domain::egress::Channel;
use siyu_domain::outbox as outbox_retry;
use siyu_domain::pii;
use siyu_store::audit::{self, AuditContext, AuditEvent};
use siyu_store::customers::{self as customers_store, CustomerRow};
use siyu_store::sealed;
use siyu_store::sms_outbox::{self as store, OutboxSms, Outcome};
use siyu_store::time::{from_db, to_db};
use siyu_store::tx::write_tx;
use siyu_store::DbConn;
use siyu_vault::PurposeKind;

/// The longest text accepted, in characters (a long SMS is split by the gateway; seven parts at most).
pub const MAX_TEXT_CHARS: usize = 469;
/// Messages sent per delivery round.
const BATCH: i64 = 50;

/// The gateway configured in `[sms]`, or `None` when SMS is off.
pub fn gateway(env: &Env) -> Result<Option<GatewayClient>> {
    let s = &env.settings.sms;
    let Some(base_url) = &s.base_url else { return Ok(None) };
    let ca_bundle_pem = match &s.ca_file {
        Some(p) => Some(std::fs::read(p).map_err(|e| AppError::Internal(format!("sms.ca_file {}: {e}", p.display())))?),
        None => None,
    };
    GatewayClient::new(&SmsSettings {
        base_url: base_url.clone(),
        account: s.account.clone(),
        token: s.token.clone(),
        proxy: s.http_proxy.clone(),
        ca_bundle_pem,
        timeout: std::time::Duration::from_secs(s.timeout_secs),
    })
    .map(Some)
    .map_err(|e| AppError::Internal(e.to_string()))
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsRequest {
    /// What the customer reads: 1 to [`MAX_TEXT_CHARS`] characters, line breaks allowed, no other control
    /// characters.
    pub text: String,
}

/// A message as people see it: where it stands, never its text or the number.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SmsView {
    pub id: String,
    pub customer_id: String,
    /// `pending`, `sent`, `blocked`, `cancelled` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub requested_by: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

fn view(m: OutboxSms) -> SmsView {
    SmsView {
        id: m.id,
        customer_id: m.customer_id,
        status: m.status,
        attempts: m.attempts,
        last_error: m.last_error,
        requested_by: m.requested_by,
        created_at: from_db(m.created_at),
        sent_at: m.sent_at.map(from_db),
    }
}

fn valid_text(text: &str) -> Result<&str> {
    let t = text.trim();
    let n = t.chars().count();
    if n == 0 || n > MAX_TEXT_CHARS {
        return Err(AppError::validation("text", format!("give a text of 1 to {MAX_TEXT_CHARS} characters")));
    }
    if t.chars().any(|c| c.is_control() && c != '\n') {
        return Err(AppError::validation("text", "no control characters other than line breaks"));
    }
    Ok(t)
}

/// Why a customer cannot be sent an SMS now, if they cannot: opted out of SMS marketing, or no mobile on record.
fn unreachable(conn: &mut DbConn, row: &CustomerRow) -> Result<Option<&'static str>> {
    if !crate::consent::marketing_allowed(conn, &row.id, ConsentChannel::Sms)? {
        return Ok(Some("opted_out"));
    }
    if row.mobile.is_none() {
        return Ok(Some("no_mobile"));
    }
    Ok(None)
}

/// The customer's mobile, normalised, opened for delivery.
fn mobile_of(env: &Env, row: &CustomerRow) -> Result<String> {
    let sealed_mobile = row.mobile.as_deref().unwrap_or_default();
    let m = open_value(&env.vault, sealed::CUSTOMER_MOBILE, &row.id, sealed_mobile, PurposeKind::Deliver)?;
    Ok(pii::normalize_mobile(&m))
}

/// Queues an SMS to a customer in the caller's scope. Every SMS an RM sends counts as marketing: a customer who
/// refused SMS marketing is not sent one.
pub fn send(
    conn: &mut DbConn,
    env: &Env,
    meta: &Meta,
    p: &Principal,
    customer_id: &str,
    req: &SmsRequest,
) -> Result<SmsView> {
    p.require(Permission::CustomerSms)?;
    let text = valid_text(&req.text)?;
    let row = customers_store::get_in_scope(conn, customer_id, &p.scope)?;
    if let Some(survivor) = customers_store::merged_into(conn, &row.id)? {
        return Err(AppError::refused(
            "customer_merged",
            format!("the customer was merged into {survivor}: send to that record"),
            format!("该客户已合并至 {survivor}，请向合并后的客户发送"),
        ));
    }
    if env.settings.sms.base_url.is_none() {
        return Err(AppError::refused("sms_not_configured", "sms.base_url is not set", "未配置短信网关 sms.base_url"));
    }
    match unreachable(conn, &row)? {
        Some("opted_out") => {
            return Err(AppError::refused("sms_opted_out", "the customer refused SMS marketing", "客户已拒绝短信营销"))
        }
        Some(_) => {
            return Err(AppError::refused("no_mobile", "the customer has no mobile on record", "客户没有登记手机号"))
        }
        None => {}
    }
    let mobile = mobile_of(env, &row)?;
    egress::guard_allowing(conn, env, &p.audit(meta), Channel::Sms, text, egress::sms_allowance(env, &mobile))?;
    let now = env.now();
    let id = uuid::Uuid::now_v7().to_string();
    let m = OutboxSms {
        id: id.clone(),
        customer_id: row.id.clone(),
        requested_by: p.staff_id.clone(),
        text: seal(&env.vault, sealed::SMS_TEXT, &id, text)?,
        status: "pending".into(),
        attempts: 0,
        last_error: None,
        gateway_id: None,
        created_at: to_db(now),
        next_attempt_at: to_db(now),
        sent_at: None,
    };
    write_tx(conn, |c| -> Result<()> {
        store::insert(c, &m)?;
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent::success("customer.sms", "customer", &row.id)
                .with_detail(serde_json::json!({"sms_id": id, "chars": text.chars().count()})),
            now,
        )?;
        Ok(())
    })?;
    crate::keys::flush_usage(conn, &env.vault)?;
    Ok(view(m))
}

/// A customer's messages, newest first (at most 100).
pub fn list(conn: &mut DbConn, p: &Principal, customer_id: &str) -> Result<Vec<SmsView>> {
    p.require(Permission::CustomerRead)?;
    customers_store::get_in_scope(conn, customer_id, &p.scope)?;
    Ok(store::of_customer(conn, customer_id, 100)?.into_iter().map(view).collect())
}

/// What a delivery round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    pub blocked: usize,
    pub cancelled: usize,
    pub retrying: usize,
    pub failed: usize,
}

impl Delivered {
    pub fn total(&self) -> usize {
        self.sent + self.blocked + self.cancelled + self.retrying + self.failed
    }
}

fn system() -> AuditContext {
    AuditContext { actor_name: "system:sms".into(), actor_roles: "system".into(), ..Default::default() }
}

/// An attempt that ended without sending, for a fixed reason (never a value).
fn ended(status: &'static str, reason: &'static str) -> Outcome<'static> {
    Outcome { status, error: Some(reason), gateway_id: None, sent_at: None }
}

/// Sends the messages due now; each is claimed first, so replicas never send one twice at once, and the
/// gateway is given the outbox id as its idempotency key, so a retry after a lost answer is not sent twice.
/// Consent, the mobile and the guard are checked again: the customer may have opted out, or their record changed,
/// since the request.
pub fn deliver_due(conn: &mut DbConn, env: &Env, gateway: &dyn SmsSender) -> Result<Delivered> {
    let now = env.now();
    let mut d = Delivered::default();
    for m in store::due(conn, to_db(now), BATCH)? {
        let retry_at = to_db(now + outbox_retry::backoff(m.attempts));
        if !store::claim(conn, &m.id, m.next_attempt_at, retry_at)? {
            continue;
        }
        let row = customers_store::get(conn, &m.customer_id)?;
        if let Some(why) = unreachable(conn, &row)? {
            store::finish(conn, &m.id, &ended("cancelled", why))?;
            d.cancelled += 1;
            continue;
        }
        let opened = mobile_of(env, &row).and_then(|mobile| {
            Ok((mobile, open_value(&env.vault, sealed::SMS_TEXT, &m.id, &m.text, PurposeKind::Deliver)?))
        });
        let (mobile, text) = match opened {
            Ok(v) => v,
            // A value that does not open (changed, or moved from another row) will not open next time either:
            // that message fails, the rest of the queue goes on.
            Err(AppError::Integrity(e)) => {
                tracing::error!(sms = %m.id, error = %e, "SMS cannot be opened: given up");
                store::finish(conn, &m.id, &ended("failed", "integrity"))?;
                d.failed += 1;
                continue;
            }
            Err(e) => return Err(e),
        };
        let allow = egress::sms_allowance(env, &mobile);
        if egress::guard_allowing(conn, env, &system(), Channel::Sms, &text, allow).is_err() {
            store::finish(conn, &m.id, &ended("blocked", "refused_by_egress_guard"))?;
            d.blocked += 1;
            continue;
        }
        match gateway.send(&Sms { request_id: m.id.clone(), mobile, text }) {
            Ok(gateway_id) => {
                let o = Outcome {
                    status: "sent",
                    error: None,
                    gateway_id: Some(&gateway_id),
                    sent_at: Some(to_db(env.now())),
                };
                store::finish(conn, &m.id, &o)?;
                d.sent += 1;
            }
            Err(SmsError::Transient(e)) if outbox_retry::may_retry(m.attempts) => {
                tracing::warn!(sms = %m.id, error = %e, "SMS gateway: will retry");
                store::finish(
                    conn,
                    &m.id,
                    &Outcome { status: "pending", error: Some(&e), gateway_id: None, sent_at: None },
                )?;
                d.retrying += 1;
            }
            Err(e) => {
                tracing::warn!(sms = %m.id, error = %e, "SMS given up");
                let e = e.to_string();
                store::finish(
                    conn,
                    &m.id,
                    &Outcome { status: "failed", error: Some(&e), gateway_id: None, sent_at: None },
                )?;
                d.failed += 1;
            }
        }
    }
    if d.sent + d.blocked + d.cancelled + d.failed > 0 {
        write_tx(conn, |c| {
            audit::append(
                c,
                &system(),
                &AuditEvent::success("sms.delivery", "sms_outbox", "").with_detail(serde_json::json!({
                    "sent": d.sent, "blocked": d.blocked, "cancelled": d.cancelled, "failed": d.failed,
                    "retrying": d.retrying,
                })),
                now,
            )
        })?;
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_checked() {
        assert!(valid_text("  ").is_err());
        assert!(valid_text(&"字".repeat(MAX_TEXT_CHARS + 1)).is_err());
        assert!(valid_text("a\u{7}b").is_err());
        assert_eq!(valid_text(" 您好\n周末沙龙 ").unwrap(), "您好\n周末沙龙");
    }
}
