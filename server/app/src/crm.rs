//! The CRM pull: pages of changed customers and holdings from the bank's CRM (contract in docs/crm.md), each page
//! validated whole at the edge, its items loaded through the same use cases as the batch API
//! (`customers::upsert_batch`, `holdings::upsert_batch`), and where the run stands stored after every page so a
//! failed run resumes at the page after the last one loaded. Items the use cases reject are listed with the field
//! and the rule (never the value) in the job's reject list, the rest load.

use crate::error::{AppError, Result};
use crate::principal::{Meta, Principal};
use crate::Env;
use chrono::{DateTime, SecondsFormat, Utc};
use diesel::Connection;
use siyu_connectors::crm::{CrmClient, CrmSettings};
use siyu_domain::access::Permission;
use siyu_domain::customer::CustomerInput;
use siyu_domain::holding::HoldingInput;
use siyu_store::crm::{self as store, PullState};
use siyu_store::imports::{insert_rejects, RejectRow};
use siyu_store::time::to_db;
use siyu_store::DbConn;

/// The one source configured today (`[crm]`); the state table is keyed by source for a second CRM later.
pub const SOURCE: &str = "crm";
/// Items per list in one page: the batch API's limit.
pub const MAX_ITEMS: usize = crate::customers::MAX_BATCH;
/// Reject line numbers: page `n`'s items are `n * LINES_PER_PAGE + i` (customers) and `+ HOLDINGS_OFFSET + i`.
const LINES_PER_PAGE: i64 = 10_000;
const HOLDINGS_OFFSET: i64 = 5_000;

/// The client for `[crm]`; refused when no `base_url` is configured.
pub fn client(env: &Env) -> Result<CrmClient> {
    let c = &env.settings.crm;
    let base_url = c
        .base_url
        .clone()
        .ok_or_else(|| AppError::refused("crm_not_configured", "crm.base_url is not set", "未配置 crm.base_url"))?;
    let ca_bundle_pem = match &c.ca_file {
        Some(p) => Some(std::fs::read(p).map_err(|e| AppError::Internal(format!("crm.ca_file {}: {e}", p.display())))?),
        None => None,
    };
    CrmClient::new(&CrmSettings {
        base_url,
        token: c.token.clone(),
        proxy: c.http_proxy.clone(),
        ca_bundle_pem,
        timeout: std::time::Duration::from_secs(c.timeout_secs),
    })
    .map_err(|e| AppError::Internal(e.to_string()))
}

/// A page as the contract allows it: lists of at most [`MAX_ITEMS`], each item still raw JSON (an item that is
/// not a customer or holding is that item's rejection, not the page's).
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub customers: Vec<serde_json::Value>,
    pub holdings: Vec<serde_json::Value>,
    pub next_cursor: Option<String>,
    pub high_water: Option<DateTime<Utc>>,
    pub total: Option<i64>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPage {
    customers: Vec<serde_json::Value>,
    holdings: Vec<serde_json::Value>,
    next_cursor: Option<String>,
    #[serde(default)]
    high_water: Option<String>,
    #[serde(default)]
    total: Option<i64>,
}

/// Checks a page's envelope; the reason names what is wrong, never a value from the page.
pub fn parse_page(body: &str) -> std::result::Result<Page, String> {
    let raw: RawPage = serde_json::from_str(body).map_err(|e| {
        // Line and column only: serde's message can quote the offending value.
        format!("not a page of the contract (JSON error at line {} column {})", e.line(), e.column())
    })?;
    for (what, n) in [("customers", raw.customers.len()), ("holdings", raw.holdings.len())] {
        if n > MAX_ITEMS {
            return Err(format!("{what} holds {n} items, more than {MAX_ITEMS}"));
        }
    }
    if let Some(c) = &raw.next_cursor {
        if c.is_empty() || c.len() > 512 || !c.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("next_cursor must be 1 to 512 visible ASCII characters, or null".into());
        }
    }
    let high_water = match &raw.high_water {
        None => None,
        Some(h) => Some(
            DateTime::parse_from_rfc3339(h)
                .map_err(|_| "high_water is not an RFC 3339 time".to_string())?
                .with_timezone(&Utc),
        ),
    };
    if raw.total.is_some_and(|t| t < 0) {
        return Err("total must not be negative".into());
    }
    Ok(Page {
        customers: raw.customers,
        holdings: raw.holdings,
        next_cursor: raw.next_cursor,
        high_water,
        total: raw.total,
    })
}

/// Where a run starts: the stored state of an unfinished run (resumed at its cursor), or a new run from the last
/// finished run's high-water mark.
pub fn begin(conn: &mut DbConn, env: &Env) -> Result<PullState> {
    let now = to_db(env.now());
    Ok(match store::get(conn, SOURCE)? {
        Some(s) if s.cursor.is_some() => s,
        Some(s) => {
            PullState { run_since: s.since.clone(), next_since: s.since.clone(), pages: 0, updated_at: now, ..s }
        }
        None => PullState { source: SOURCE.into(), pages: 0, updated_at: now, ..Default::default() },
    })
}

/// What one page did.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct PageReport {
    pub customers_created: i64,
    pub customers_updated: i64,
    pub holdings_loaded: i64,
    pub rejected: i64,
}

fn machine(conn: &mut DbConn) -> Result<Principal> {
    let root = siyu_store::org::root(conn)?
        .ok_or_else(|| AppError::refused("no_org", "the org tree is empty", "组织架构为空"))?;
    Ok(Principal::machine("crm.pull", root.id, root.path, &[Permission::CustomerWrite]))
}

/// Items that deserialize, with their index in the page; the others as rejections.
fn typed<T: serde::de::DeserializeOwned>(
    items: Vec<serde_json::Value>,
    what: &str,
    line_base: i64,
    page_no: i64,
    rejects: &mut Vec<RejectRow>,
) -> (Vec<usize>, Vec<T>) {
    let mut at = vec![];
    let mut ok = vec![];
    for (i, v) in items.into_iter().enumerate() {
        match serde_json::from_value::<T>(v) {
            Ok(t) => {
                at.push(i);
                ok.push(t);
            }
            Err(_) => rejects.push(RejectRow {
                line_no: line_base + i as i64,
                field: format!("page {page_no} {what}[{i}]"),
                reason: format!("not a {what} item of the contract (a wrong type or an unknown field)"),
            }),
        }
    }
    (at, ok)
}

/// Loads one validated page (customers first, then holdings, which name them), records its rejections, then
/// stores where the run stands: the next cursor, or — on the last page — the run's high-water mark as the next
/// run's start. A page loaded twice (a crash before its state was stored) changes nothing the second time: the
/// use cases upsert by customer number and product.
pub fn load_page(conn: &mut DbConn, env: &Env, job_id: &str, state: &mut PullState, page: Page) -> Result<PageReport> {
    let p = machine(conn)?;
    let meta = Meta { client_addr: "crm.pull".into(), request_id: job_id.to_string(), user_agent: String::new() };
    let page_no = state.pages + 1;
    let base = page_no * LINES_PER_PAGE;
    let mut rejects = vec![];
    let mut report = PageReport::default();
    let (c_at, customers) = typed::<CustomerInput>(page.customers, "customers", base, page_no, &mut rejects);
    if !customers.is_empty() {
        for r in crate::customers::upsert_batch(conn, env, &meta, &p, customers)? {
            match r.status {
                "created" => report.customers_created += 1,
                "updated" => report.customers_updated += 1,
                _ => rejects.push(RejectRow {
                    line_no: base + c_at[r.index] as i64,
                    field: format!("page {page_no} customers[{}].{}", c_at[r.index], r.field.unwrap_or("item")),
                    reason: r.reason.unwrap_or("rejected").to_string(),
                }),
            }
        }
    }
    let hbase = base + HOLDINGS_OFFSET;
    let (h_at, holdings) = typed::<HoldingInput>(page.holdings, "holdings", hbase, page_no, &mut rejects);
    if !holdings.is_empty() {
        for r in crate::holdings::upsert_batch(conn, env, &meta, &p, holdings)? {
            match r.status {
                "rejected" => rejects.push(RejectRow {
                    line_no: hbase + h_at[r.index] as i64,
                    field: format!("page {page_no} holdings[{}].{}", h_at[r.index], r.field.unwrap_or("item")),
                    reason: r.reason.unwrap_or("rejected").to_string(),
                }),
                _ => report.holdings_loaded += 1,
            }
        }
    }
    report.rejected = rejects.len() as i64;
    let mark = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Micros, true);
    let seen = page.high_water.map(mark);
    let next_since = match (state.next_since.take(), seen) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    state.pages = page_no;
    state.updated_at = to_db(env.now());
    match page.next_cursor {
        Some(c) => {
            state.cursor = Some(c);
            state.next_since = next_since;
        }
        None => {
            state.cursor = None;
            state.since = next_since;
            state.run_since = None;
            state.next_since = None;
        }
    }
    let st = state.clone();
    conn.transaction(|c| -> siyu_store::Result<()> {
        store::clear_rejects(c, job_id, base, base + LINES_PER_PAGE)?;
        insert_rejects(c, job_id, &rejects)?;
        store::put(c, &st)?;
        Ok(())
    })?;
    Ok(report)
}
