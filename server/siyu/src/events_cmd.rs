//! `siyu events derive [--date YYYY-MM-DD]`: derive a day's customer events in the foreground with a progress
//! bar. An unfinished derivation of the same day (a killed run) is resumed rather than started again; a finished
//! day can be derived again at any time and adds only what is new.

use crate::Failure;
use siyu_app::Env;
use siyu_engine::events::{DeriveEvents, Params, KIND};
use siyu_engine::Engine;
use siyu_store::jobs::{self, JobStatus, NewJob};
use siyu_store::Pool;
use std::process::ExitCode;
use std::sync::Arc;

pub fn derive(date: Option<chrono::NaiveDate>, lease_secs: i64, pool: &Pool, env: &Env) -> Result<ExitCode, Failure> {
    let ctx = siyu_app::bootstrap::cli_context();
    // The bank's day: China Standard Time.
    let day = date.unwrap_or_else(|| (env.now() + chrono::Duration::hours(8)).date_naive());
    let mut c = pool.get()?;
    let resumable =
        jobs::unfinished(&mut c, KIND)?.filter(|j| j.params["day"].as_str() == Some(day.to_string().as_str()));
    let job = match resumable {
        Some(j) => {
            eprintln!("resuming the derivation of {day} (job {}) after {} customer(s)", j.id, j.done);
            j
        }
        None => {
            let params = Params { day, rules: Default::default(), actor: ctx.actor_name.clone() };
            let new = NewJob {
                kind: KIND,
                params: serde_json::to_value(&params).map_err(|e| Failure(e.to_string()))?,
                dedupe_key: None,
                created_by: None,
                max_attempts: 3,
            };
            siyu_engine::enqueue(&mut c, env, &ctx, new)?.0
        }
    };
    drop(c);
    let engine = Engine::new(pool.clone(), env.clone(), vec![Arc::new(DeriveEvents)])
        .with_lease(chrono::Duration::seconds(lease_secs));
    let done = crate::foreground::run(pool, &engine, &job.id, "events")?;
    match done.status {
        JobStatus::Succeeded => {
            let r = done.result.unwrap_or_default();
            println!("derived {day}: {} customer(s), {} new event(s)", r["customers"], r["new_events"]);
            Ok(ExitCode::SUCCESS)
        }
        _ => Err(Failure(format!("the derivation of {day} failed: {}", done.last_error.unwrap_or_default()))),
    }
}
