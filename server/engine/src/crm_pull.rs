//! `crm.pull`: pages through the CRM's changed customers and holdings (docs/crm.md) from the last run's high-water
//! mark. Each page is validated whole before anything of it loads, its items go through the batch API's use
//! cases, and where the run stands (the next cursor) is stored after it: a run that fails — the CRM down, a
//! malformed page, a killed process — resumes at the page after the last one loaded.

use crate::job::{JobCtx, JobError, JobHandler};
use siyu_app::crm::{self, PageReport};
use siyu_connectors::crm::{CrmError, PageQuery};
use siyu_store::audit::{self, AuditContext, AuditEvent};
use siyu_store::tx::write_tx;

pub const KIND: &str = "crm.pull";

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Params {
    /// Who asked (the CLI's user, or `schedule`).
    pub actor: String,
}

/// What the job has loaded so far (its checkpoint: the counts survive a retry; the cursor is in the database).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Totals {
    pages: i64,
    customers_created: i64,
    customers_updated: i64,
    holdings_loaded: i64,
    rejected: i64,
}

impl Totals {
    fn add(&mut self, r: &PageReport) {
        self.pages += 1;
        self.customers_created += r.customers_created;
        self.customers_updated += r.customers_updated;
        self.holdings_loaded += r.holdings_loaded;
        self.rejected += r.rejected;
    }

    fn items(&self) -> i64 {
        self.customers_created + self.customers_updated + self.holdings_loaded + self.rejected
    }
}

pub struct CrmPull;

fn app_err(e: siyu_app::AppError) -> JobError {
    match e {
        siyu_app::AppError::Refused { .. } | siyu_app::AppError::Integrity(_) => JobError::Fatal(e.to_string()),
        other => JobError::Retry(other.to_string()),
    }
}

impl JobHandler for CrmPull {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn run(&self, ctx: &mut JobCtx<'_>) -> Result<serde_json::Value, JobError> {
        let p: Params = serde_json::from_value(ctx.params().clone()).map_err(|e| JobError::Fatal(e.to_string()))?;
        let client = crm::client(ctx.env).map_err(|e| JobError::Fatal(e.to_string()))?;
        let limit = ctx.env.settings.crm.page_size.clamp(1, crm::MAX_ITEMS as u32);
        let mut totals: Totals =
            ctx.checkpoint().and_then(|v| serde_json::from_value(v.clone()).ok()).unwrap_or_default();
        let mut state = crm::begin(&mut *ctx.conn()?, ctx.env).map_err(app_err)?;
        let started_at_page = state.pages;
        loop {
            let q = PageQuery { updated_since: state.run_since.clone(), cursor: state.cursor.clone(), limit };
            let body = client.page(&q).map_err(|e| match e {
                CrmError::Unavailable(_) => JobError::Retry(format!("page {}: {e}", state.pages + 1)),
                _ => JobError::Fatal(format!("page {}: {e}", state.pages + 1)),
            })?;
            // A page that breaks the contract loads nothing, and the run stops there: the cursor stays on it.
            let page =
                crm::parse_page(&body).map_err(|why| JobError::Fatal(format!("page {}: {why}", state.pages + 1)))?;
            let total = page.total;
            let job_id = ctx.job.id.clone();
            let report = crm::load_page(&mut *ctx.conn()?, ctx.env, &job_id, &mut state, page).map_err(app_err)?;
            totals.add(&report);
            let done = totals.items();
            ctx.report(done, total.map(|t| t.max(done)), Some(serde_json::to_value(&totals).unwrap_or_default()))?;
            if state.cursor.is_none() {
                break;
            }
        }
        let mut c = ctx.conn()?;
        let actor = AuditContext {
            actor_id: "system:crm.pull".into(),
            actor_name: p.actor.clone(),
            actor_roles: "engine".into(),
            client_addr: "local".into(),
            ..Default::default()
        };
        let now = ctx.env.now();
        let detail = serde_json::json!({
            "pages": totals.pages, "resumed_after_page": started_at_page, "customers_created": totals.customers_created,
            "customers_updated": totals.customers_updated, "holdings_loaded": totals.holdings_loaded,
            "rejected": totals.rejected, "since": state.since,
        });
        write_tx(&mut c, |tx| {
            audit::append(
                tx,
                &actor,
                &AuditEvent::success("crm.pull", "job", &ctx.job.id).with_detail(detail.clone()),
                now,
            )
        })?;
        siyu_app::keys::flush_usage(&mut c, &ctx.env.vault).map_err(|e| JobError::Retry(e.to_string()))?;
        Ok(detail)
    }
}

/// Queues a `crm.pull` every `crm.interval` seconds in `siyu serve` (nothing when 0 or no CRM is configured). The
/// dedupe key is the interval's slot, so any number of replicas queue one job per slot; each replica asks the
/// database once per slot (the slot it last queued is remembered), not at every poll.
#[derive(Default)]
pub struct CrmSchedule {
    last_slot: std::sync::Mutex<Option<i64>>,
}

impl crate::Poller for CrmSchedule {
    fn name(&self) -> &'static str {
        "crm.schedule"
    }

    fn poll(&self, pool: &siyu_store::Pool, env: &siyu_app::Env) -> Result<usize, JobError> {
        let every = env.settings.crm.interval as i64;
        if every <= 0 || env.settings.crm.base_url.is_none() {
            return Ok(0);
        }
        let slot = env.now().timestamp() / every;
        let mut last = self.last_slot.lock().unwrap_or_else(|e| e.into_inner());
        if *last == Some(slot) {
            return Ok(0);
        }
        let key = format!("{KIND}:{slot}");
        let params = serde_json::to_value(Params { actor: "schedule".into() }).unwrap_or_default();
        let new =
            siyu_store::jobs::NewJob { kind: KIND, params, dedupe_key: Some(&key), created_by: None, max_attempts: 3 };
        let mut c = pool.get().map_err(|e| JobError::Retry(format!("database: {e}")))?;
        let ctx = AuditContext { actor_name: "schedule".into(), actor_roles: "engine".into(), ..Default::default() };
        let (_, created) = crate::enqueue(&mut c, env, &ctx, new)?;
        *last = Some(slot);
        Ok(created as usize)
    }
}
