//! Customer events: deriving a day's events for a page of customers (the engine job walks every customer), and a
//! customer's events for a caller who may read the customer. The AUM and birth date are opened only to compare
//! (never shown); what the next day needs is remembered sealed in `customer_days`.

use crate::error::Result;
use crate::keys::{open_value, seal};
use crate::principal::Principal;
use crate::Env;
use chrono::{Days, NaiveDate};
use siyu_domain::access::Permission;
use siyu_domain::customer::RiskLevel;
use siyu_domain::events::{self, CustomerDay, HoldingDay, PrevDay, Rules};
use siyu_domain::holding::ProductRisk;
use siyu_domain::pii;
use siyu_store::customers::CustomerRow;
use siyu_store::events::{self as store, DayRow, EventRow};
use siyu_store::sealed;
use siyu_store::time::to_db;
use siyu_store::tx::write_tx;
use siyu_store::DbConn;
use siyu_vault::PurposeKind;
use std::collections::{BTreeSet, HashMap};

/// How long remembered days are kept: a replay of a day within this many days still sees the day before it.
pub const KEEP_DAYS: u64 = 8;

/// What one page of the derivation did.
#[derive(Debug, Clone, Default)]
pub struct PageOutcome {
    pub customers: usize,
    pub new_events: usize,
    /// The last customer id of the page (the checkpoint), None when there were no more customers.
    pub last_id: Option<String>,
}

fn open_opt(env: &Env, col: sealed::SealedColumn, id: &str, v: &Option<String>) -> Result<Option<String>> {
    v.as_deref().map(|t| open_value(&env.vault, col, id, t, PurposeKind::Compare)).transpose()
}

fn customer_day(env: &Env, c: &CustomerRow) -> Result<CustomerDay> {
    Ok(CustomerDay {
        risk_level: c.risk_level.as_deref().and_then(RiskLevel::parse),
        risk_assessed_on: c.risk_assessed_on.as_deref().and_then(|d| d.parse().ok()),
        risk_expires_on: None,
        birth_date: open_opt(env, sealed::CUSTOMER_BIRTH_DATE, &c.id, &c.birth_date)?.and_then(|d| d.parse().ok()),
        aum_fen: open_opt(env, sealed::CUSTOMER_AUM, &c.id, &c.aum)?.and_then(|a| a.parse().ok()),
    })
}

fn prev_day(env: &Env, r: &DayRow) -> Result<PrevDay> {
    Ok(PrevDay {
        aum_fen: open_opt(env, sealed::CUSTOMER_DAY_AUM, &r.id, &r.aum)?.and_then(|a| a.parse().ok()),
        unsuitable: serde_json::from_str(&r.unsuitable).unwrap_or_default(),
    })
}

/// Derives `day`'s events for up to `limit` customers after id `after`, and remembers their day; all in one
/// transaction, so the page is done or not. Events already there (a replay) are left as they are.
pub fn derive_page(
    conn: &mut DbConn,
    env: &Env,
    day: NaiveDate,
    rules: &Rules,
    after: &str,
    limit: i64,
) -> Result<PageOutcome> {
    let customers = siyu_store::customers::page_after(conn, after, limit)?;
    let Some(last) = customers.last() else { return Ok(PageOutcome::default()) };
    let last_id = last.id.clone();
    let ids: Vec<String> = customers.iter().map(|c| c.id.clone()).collect();
    let mut holdings: HashMap<String, Vec<HoldingDay>> = HashMap::new();
    for h in siyu_store::holdings::for_customers(conn, &ids)? {
        let navs = crate::holdings::nav_history(&h);
        holdings.entry(h.customer_id.clone()).or_default().push(HoldingDay {
            product_risk: h.product_risk.as_deref().and_then(ProductRisk::parse),
            maturity_date: h.maturity_date.as_deref().and_then(|d| d.parse().ok()),
            next_open_date: h.next_open_date.as_deref().and_then(|d| d.parse().ok()),
            nav: navs,
            product_code: h.product_code,
        });
    }
    let since = day.checked_sub_days(Days::new(KEEP_DAYS)).unwrap_or(day).to_string();
    let prev = store::days_before(conn, &ids, &day.to_string(), &since)?;
    let now = to_db(env.now());
    let mut event_rows = Vec::new();
    let mut day_rows = Vec::with_capacity(customers.len());
    for c in &customers {
        let today = customer_day(env, c)?;
        let held = holdings.get(&c.id).map(Vec::as_slice).unwrap_or(&[]);
        let before = prev.get(&c.id).map(|r| prev_day(env, r)).transpose()?;
        for e in events::derive(day, &today, held, before.as_ref(), rules, pii::DEFAULT_AUM_BOUNDS_YUAN) {
            event_rows.push(EventRow {
                id: uuid::Uuid::now_v7().to_string(),
                customer_id: c.id.clone(),
                kind: e.kind.as_str().into(),
                event_date: e.date.to_string(),
                reference: e.reference,
                detail: e.detail.to_string(),
                derived_on: day.to_string(),
                created_at: now,
            });
        }
        let id = uuid::Uuid::now_v7().to_string();
        let unsuitable: BTreeSet<String> = events::unsuitable_now(&today, held);
        day_rows.push(DayRow {
            aum: today.aum_fen.map(|a| seal(&env.vault, sealed::CUSTOMER_DAY_AUM, &id, &a.to_string())).transpose()?,
            aum_band: c.aum_band.clone(),
            id,
            customer_id: c.id.clone(),
            day: day.to_string(),
            unsuitable: serde_json::to_string(&unsuitable).unwrap_or_else(|_| "[]".into()),
        });
    }
    let new_events = write_tx(conn, |tx| -> Result<usize> {
        store::put_days(tx, &day_rows)?;
        Ok(store::insert_new(tx, &event_rows)?)
    })?;
    Ok(PageOutcome { customers: customers.len(), new_events, last_id: Some(last_id) })
}

/// An event as the API shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EventView {
    pub id: String,
    pub kind: String,
    pub event_date: String,
    pub reference: String,
    pub detail: serde_json::Value,
    pub derived_on: String,
}

/// A customer's events (newest first, at most 500), from a date on when given.
pub fn list(conn: &mut DbConn, p: &Principal, customer_id: &str, from: Option<NaiveDate>) -> Result<Vec<EventView>> {
    p.require(Permission::CustomerRead)?;
    siyu_store::customers::get_in_scope(conn, customer_id, &p.scope)?;
    let from = from.map(|d| d.to_string());
    Ok(store::for_customer(conn, customer_id, from.as_deref(), 500)?
        .into_iter()
        .map(|e| EventView {
            id: e.id,
            kind: e.kind,
            event_date: e.event_date,
            reference: e.reference,
            detail: serde_json::from_str(&e.detail).unwrap_or_default(),
            derived_on: e.derived_on,
        })
        .collect())
}
