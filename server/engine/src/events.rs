//! `customers.events`: derives one day's customer events, a page of customers at a time (each page committed
//! with its checkpoint, so a killed run resumes after the last page done). Replaying a day adds only events that
//! are not there yet.

use crate::job::{JobCtx, JobError, JobHandler};
use siyu_app::events::{self, KEEP_DAYS};
use siyu_domain::events::Rules;
use siyu_store::audit::{self, AuditContext, AuditEvent};
use siyu_store::tx::write_tx;

pub const KIND: &str = "customers.events";
const PAGE: i64 = 500;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Params {
    pub day: chrono::NaiveDate,
    #[serde(default)]
    pub rules: Rules,
    pub actor: String,
}

pub struct DeriveEvents;

impl JobHandler for DeriveEvents {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn run(&self, ctx: &mut JobCtx<'_>) -> Result<serde_json::Value, JobError> {
        let p: Params = serde_json::from_value(ctx.params().clone()).map_err(|e| JobError::Fatal(e.to_string()))?;
        let cp = ctx.checkpoint().cloned().unwrap_or_default();
        let mut after = cp["after"].as_str().unwrap_or("").to_string();
        let mut done = cp["done"].as_i64().unwrap_or(0);
        let mut new_events = cp["new_events"].as_i64().unwrap_or(0);
        let total = siyu_store::customers::count(&mut *ctx.conn()?)?;
        loop {
            let page = {
                let mut c = ctx.conn()?;
                events::derive_page(&mut c, ctx.env, p.day, &p.rules, &after, PAGE)
                    .map_err(|e| JobError::Retry(e.to_string()))?
            };
            let Some(last) = page.last_id else { break };
            after = last;
            done += page.customers as i64;
            new_events += page.new_events as i64;
            ctx.report(
                done,
                Some(total.max(done)),
                Some(serde_json::json!({"after": after, "done": done, "new_events": new_events})),
            )?;
        }
        let mut c = ctx.conn()?;
        let keep_from = p.day.checked_sub_days(chrono::Days::new(KEEP_DAYS)).unwrap_or(p.day).to_string();
        let pruned = siyu_store::events::prune_days(&mut c, &keep_from)?;
        let actor = AuditContext {
            actor_name: p.actor.clone(),
            actor_roles: "engine".into(),
            client_addr: "local".into(),
            ..Default::default()
        };
        let now = ctx.env.now();
        write_tx(&mut c, |tx| {
            audit::append(
                tx,
                &actor,
                &AuditEvent::success("customer.events_derived", "job", &ctx.job.id).with_detail(serde_json::json!({
                    "day": p.day, "customers": done, "new_events": new_events,
                })),
                now,
            )
        })?;
        siyu_app::keys::flush_usage(&mut c, &ctx.env.vault).map_err(|e| JobError::Retry(e.to_string()))?;
        Ok(serde_json::json!({
            "day": p.day, "customers": done, "new_events": new_events, "pruned_days": pruned,
        }))
    }
}
