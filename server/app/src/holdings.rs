//! Holdings: the CRM's batch upsert and a customer's holdings as the caller may see them (amounts as bands,
//! each flagged when the product's risk exceeds the customer's). Plaintext amounts exist only on their way into
//! the vault.

use crate::customers::{customer_no_index, ItemResult, MAX_BATCH};
use crate::error::{AppError, Result};
use crate::keys::seal;
use crate::principal::{Meta, Principal};
use crate::Env;
use chrono::NaiveDate;
use siyu_domain::access::Permission;
use siyu_domain::customer::{Rejection, RiskLevel};
use siyu_domain::holding::{HoldingInput, Nav, NavHistory, ProductRisk, ValidHolding};
use siyu_domain::pii;
use siyu_store::audit::{self, AuditEvent};
use siyu_store::holdings::{self as store, HoldingRow};
use siyu_store::sealed;
use siyu_store::time::to_db;
use siyu_store::tx::write_tx;
use siyu_store::DbConn;
use siyu_vault::Vault;

fn date_text(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.to_string())
}

fn date_of(s: &Option<String>) -> Option<NaiveDate> {
    s.as_deref().and_then(|s| s.parse().ok())
}

fn nav_of(s: &Option<String>) -> Option<Nav> {
    s.as_deref().and_then(Nav::parse)
}

/// The net values a stored holding remembers.
pub fn nav_history(r: &HoldingRow) -> NavHistory {
    NavHistory {
        nav: nav_of(&r.nav),
        nav_date: date_of(&r.nav_date),
        prev_nav: nav_of(&r.prev_nav),
        prev_nav_date: date_of(&r.prev_nav_date),
        purchase_nav: nav_of(&r.purchase_nav),
    }
}

/// The row a valid holding becomes, merged with the stored one when there is one (same id and creation time,
/// net values moved forward, purchase NAV kept). The amount is sealed to the row.
pub(crate) fn row_of(
    vault: &Vault,
    v: &ValidHolding,
    customer_id: &str,
    existing: Option<&HoldingRow>,
    now: chrono::NaiveDateTime,
) -> Result<HoldingRow> {
    row_with(v, customer_id, existing, now, |id, amount| seal(vault, sealed::HOLDING_AMOUNT, id, amount))
}

/// As `row_of`, the amount sealed by `seal_amount(row id, plaintext)` (a batch's sealer).
pub(crate) fn row_with(
    v: &ValidHolding,
    customer_id: &str,
    existing: Option<&HoldingRow>,
    now: chrono::NaiveDateTime,
    seal_amount: impl Fn(&str, &str) -> Result<String>,
) -> Result<HoldingRow> {
    let id = existing.map(|e| e.id.clone()).unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let navs = existing.map(nav_history).unwrap_or_default().after(v.nav, v.nav_date);
    let nav_text = |n: Option<Nav>| n.map(Nav::to_text);
    Ok(HoldingRow {
        amount: seal_amount(&id, &v.amount_fen.to_string())?,
        amount_band: pii::aum_band(v.amount_fen, pii::DEFAULT_AUM_BOUNDS_YUAN),
        id,
        customer_id: customer_id.to_string(),
        product_code: v.product_code.clone(),
        product_name: v.product_name.clone(),
        product_type: v.product_type.as_str().into(),
        product_risk: v.product_risk.map(|r| r.as_str().into()),
        start_date: date_text(v.start_date),
        maturity_date: date_text(v.maturity_date),
        next_open_date: date_text(v.next_open_date),
        nav: nav_text(navs.nav),
        nav_date: date_text(navs.nav_date),
        prev_nav: nav_text(navs.prev_nav),
        prev_nav_date: date_text(navs.prev_nav_date),
        purchase_nav: nav_text(navs.purchase_nav),
        created_at: existing.map(|e| e.created_at).unwrap_or(now),
        updated_at: now,
    })
}

/// Creates or updates holdings by (customer number, product code), each item judged on its own; the valid ones
/// are written in one transaction with one audit record. Unlike a file, a batch closes nothing: it is not a
/// snapshot of the customers it names.
pub fn upsert_batch(
    conn: &mut DbConn,
    env: &Env,
    meta: &Meta,
    p: &Principal,
    items: Vec<HoldingInput>,
) -> Result<Vec<ItemResult>> {
    p.require(Permission::CustomerWrite)?;
    if items.len() > MAX_BATCH {
        return Err(AppError::validation("items", format!("at most {MAX_BATCH} items per batch")));
    }
    let now = env.now();
    let t = to_db(now);
    let vault = env.vault.clone();
    let results = write_tx(conn, |c| -> Result<Vec<ItemResult>> {
        let mut results = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let rejected = |r: Rejection| ItemResult {
                index: i,
                status: "rejected",
                id: None,
                field: Some(r.field),
                reason: Some(r.reason),
            };
            let v = match item.validate() {
                Ok(v) => v,
                Err(r) => {
                    results.push(rejected(r));
                    continue;
                }
            };
            let idx = customer_no_index(&vault, &v.customer_no)?;
            let found = siyu_store::customers::in_scope_by_idx(c, std::slice::from_ref(&idx), &p.scope)?;
            let Some(customer_id) = found.get(&idx) else {
                results.push(rejected(Rejection { field: "customer_no", reason: "unknown customer" }));
                continue;
            };
            let existing = store::find(c, customer_id, &v.product_code)?;
            let row = row_of(&vault, &v, customer_id, existing.as_ref(), t)?;
            let status = if existing.is_some() {
                store::update(c, &row)?;
                "updated"
            } else {
                store::insert(c, &row)?;
                "created"
            };
            results.push(ItemResult { index: i, status, id: Some(row.id), field: None, reason: None });
        }
        let count = |s: &str| results.iter().filter(|r| r.status == s).count();
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent::success("holding.upsert_batch", "holding", "").with_detail(serde_json::json!({
                "created": count("created"), "updated": count("updated"), "rejected": count("rejected"),
            })),
            now,
        )?;
        Ok(results)
    })?;
    crate::keys::flush_usage(conn, &vault)?;
    Ok(results)
}

/// A holding as everyone sees it: the amount as a band.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HoldingView {
    pub id: String,
    pub product_code: String,
    pub product_name: String,
    pub product_type: String,
    pub product_risk: Option<String>,
    pub amount_band: String,
    pub start_date: Option<String>,
    pub maturity_date: Option<String>,
    pub next_open_date: Option<String>,
    pub nav: Option<String>,
    pub nav_date: Option<String>,
    pub purchase_nav: Option<String>,
    /// The product's risk exceeds the customer's assessed level (or the customer has none and it is above R1).
    pub unsuitable: bool,
}

/// A customer's holdings, for a caller who may read the customer (out of scope: not found).
pub fn list(conn: &mut DbConn, p: &Principal, customer_id: &str) -> Result<Vec<HoldingView>> {
    p.require(Permission::CustomerRead)?;
    let customer = siyu_store::customers::get_in_scope(conn, customer_id, &p.scope)?;
    let level = customer.risk_level.as_deref().and_then(RiskLevel::parse);
    Ok(store::for_customer(conn, customer_id)?
        .into_iter()
        .map(|h| HoldingView {
            unsuitable: h.product_risk.as_deref().and_then(ProductRisk::parse).is_some_and(|r| r.exceeds(level)),
            id: h.id,
            product_code: h.product_code,
            product_name: h.product_name,
            product_type: h.product_type,
            product_risk: h.product_risk,
            amount_band: h.amount_band,
            start_date: h.start_date,
            maturity_date: h.maturity_date,
            next_open_date: h.next_open_date,
            nav: h.nav,
            nav_date: h.nav_date,
            purchase_nav: h.purchase_nav,
        })
        .collect())
}
