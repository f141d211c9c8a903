//! Marketing consent: read per channel within scope, and record a customer's choice (audited with its source and
//! reason). Campaigns and journeys ask `marketing_allowed` before reaching a customer on a channel.

use crate::error::{AppError, Result};
use crate::principal::{Meta, Principal};
use crate::Env;
use siyu_domain::access::Permission;
use siyu_domain::consent::{self as rules, ConsentChannel, ConsentSource};
use siyu_store::audit::{self, AuditEvent};
use siyu_store::consents::{self as store, ConsentRow};
use siyu_store::time::{from_db, to_db};
use siyu_store::tx::write_tx;
use siyu_store::DbConn;

/// One channel's state as people see it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ChannelConsent {
    pub channel: &'static str,
    pub marketing_allowed: bool,
    /// Who told the bank and when, once anyone recorded a choice.
    pub source: Option<String>,
    pub reason: Option<String>,
    pub updated_by: Option<String>,
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn recorded(rows: &[ConsentRow]) -> Vec<(ConsentChannel, bool)> {
    rows.iter().filter_map(|r| ConsentChannel::parse(&r.channel).map(|c| (c, r.opted_out))).collect()
}

/// Every channel, refused or not.
pub fn get(conn: &mut DbConn, p: &Principal, customer_id: &str) -> Result<Vec<ChannelConsent>> {
    p.require(Permission::CustomerRead)?;
    siyu_store::customers::get_in_scope(conn, customer_id, &p.scope)?;
    let rows = store::of(conn, customer_id)?;
    let rec = recorded(&rows);
    Ok(ConsentChannel::ALL
        .into_iter()
        .map(|c| {
            let row = rows.iter().find(|r| r.channel == c.as_str());
            ChannelConsent {
                channel: c.as_str(),
                marketing_allowed: rules::marketing_allowed(&rec, c),
                source: row.map(|r| r.source.clone()),
                reason: row.map(|r| r.reason.clone()),
                updated_by: row.map(|r| r.updated_by.clone()),
                updated_at: row.map(|r| from_db(r.updated_at)),
            }
        })
        .collect())
}

/// A customer's choice for some channels, as the RM or the CRM records it.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentChange {
    /// Among wecom, sms, phone, email, post.
    pub channels: Vec<String>,
    /// true: no more marketing on these channels; false: the customer withdrew an earlier refusal.
    pub opted_out: bool,
    /// customer, crm or unsubscribe.
    pub source: String,
    pub reason: String,
}

/// Records a customer's choice for some channels.
pub fn set(
    conn: &mut DbConn,
    env: &Env,
    meta: &Meta,
    p: &Principal,
    customer_id: &str,
    change: &ConsentChange,
) -> Result<Vec<ChannelConsent>> {
    p.require(Permission::CustomerConsent)?;
    let (channels, opted_out, source, reason) = (&change.channels, change.opted_out, &change.source, &change.reason);
    let source = ConsentSource::parse(source)
        .ok_or_else(|| AppError::validation("source", "one of customer, crm, unsubscribe"))?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AppError::validation("reason", "give a reason of 1 to 500 characters"));
    }
    let channels = channels
        .iter()
        .map(|c| {
            ConsentChannel::parse(c)
                .ok_or_else(|| AppError::validation("channels", format!("{c} is not wecom, sms, phone, email or post")))
        })
        .collect::<Result<Vec<_>>>()?;
    if channels.is_empty() {
        return Err(AppError::validation("channels", "name at least one channel"));
    }
    siyu_store::customers::get_in_scope(conn, customer_id, &p.scope)?;
    let now = env.now();
    write_tx(conn, |c| -> Result<()> {
        for ch in &channels {
            store::set(
                c,
                &ConsentRow {
                    customer_id: customer_id.into(),
                    channel: ch.as_str().into(),
                    opted_out,
                    source: source.as_str().into(),
                    reason: reason.into(),
                    updated_by: p.staff_id.clone(),
                    updated_at: to_db(now),
                },
            )?;
        }
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent { reason: reason.into(), ..AuditEvent::success("customer.consent", "customer", customer_id) }
                .with_detail(serde_json::json!({
                    "channels": channels.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                    "opted_out": opted_out,
                    "source": source.as_str(),
                })),
            now,
        )?;
        Ok(())
    })?;
    get(conn, p, customer_id)
}

/// Whether marketing may reach the customer on `channel` (no scope: for the engine's sends).
pub fn marketing_allowed(conn: &mut DbConn, customer_id: &str, channel: ConsentChannel) -> Result<bool> {
    Ok(rules::marketing_allowed(&recorded(&store::of(conn, customer_id)?), channel))
}
