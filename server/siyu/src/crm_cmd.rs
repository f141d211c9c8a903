//! `siyu crm pull`: one pull from the CRM (docs/crm.md) in the foreground with a progress bar. A run that fails
//! (the CRM down, a malformed page) exits non-zero and the next `siyu crm pull` resumes at the page after the last
//! one loaded; items the CRM sent that were rejected are listed with the field and the reason.

use crate::Failure;
use siyu_app::Env;
use siyu_engine::crm_pull::{CrmPull, Params, KIND};
use siyu_engine::Engine;
use siyu_store::jobs::{self, JobStatus, NewJob};
use siyu_store::Pool;
use std::process::ExitCode;
use std::sync::Arc;

pub fn pull(lease_secs: i64, pool: &Pool, env: &Env) -> Result<ExitCode, Failure> {
    if env.settings.crm.base_url.is_none() {
        return Err(Failure("no CRM is configured (crm.base_url)".into()));
    }
    let ctx = siyu_app::bootstrap::cli_context();
    let mut c = pool.get()?;
    let job = match jobs::unfinished(&mut c, KIND)? {
        Some(j) => {
            eprintln!("resuming the CRM pull (job {}) after {} item(s)", j.id, j.done);
            j
        }
        None => {
            let new = NewJob {
                kind: KIND,
                params: serde_json::to_value(Params { actor: ctx.actor_name.clone() })
                    .map_err(|e| Failure(e.to_string()))?,
                dedupe_key: None,
                created_by: None,
                // One attempt: a failure ends this command; the next one resumes from the stored cursor.
                max_attempts: 1,
            };
            siyu_engine::enqueue(&mut c, env, &ctx, new)?.0
        }
    };
    if let Some(s) = siyu_store::crm::get(&mut c, siyu_app::crm::SOURCE)? {
        if s.cursor.is_some() {
            eprintln!("resuming the unfinished run after page {}", s.pages);
        }
    }
    drop(c);
    let engine = Engine::new(pool.clone(), env.clone(), vec![Arc::new(CrmPull)])
        .with_lease(chrono::Duration::seconds(lease_secs));
    let done = crate::foreground::run(pool, &engine, &job.id, "crm")?;
    let rejects = siyu_store::imports::rejects(&mut *pool.get()?, &job.id)?;
    for (_, field, reason) in &rejects {
        println!("rejected {field}: {reason}");
    }
    match done.status {
        JobStatus::Succeeded => {
            let r = done.result.unwrap_or_default();
            println!(
                "pulled {} page(s): {} customer(s) created, {} updated, {} holding(s) loaded, {} item(s) rejected; \
                 next pull from {}",
                r["pages"],
                r["customers_created"],
                r["customers_updated"],
                r["holdings_loaded"],
                r["rejected"],
                r["since"].as_str().unwrap_or("the beginning"),
            );
            Ok(ExitCode::SUCCESS)
        }
        _ => Err(Failure(format!(
            "the CRM pull stopped: {} (run `siyu crm pull` again to resume)",
            done.last_error.unwrap_or_default()
        ))),
    }
}
