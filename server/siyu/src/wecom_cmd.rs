//! `siyu wecom sync [--corp NAME]`: the full sync of a configured WeCom corp (every corp when none is named) in
//! the foreground with a progress bar (relations stored / relations WeCom listed). An unfinished sync of the same
//! corp (a killed run) is resumed from its last stored page rather than started again.

use crate::Failure;
use siyu_app::Env;
use siyu_engine::wecom_sync::{Params, WecomSync, KIND};
use siyu_engine::Engine;
use siyu_store::jobs::{self, JobStatus, NewJob};
use siyu_store::Pool;
use std::process::ExitCode;
use std::sync::Arc;

pub fn sync(corp: Option<&str>, lease_secs: i64, pool: &Pool, env: &Env) -> Result<ExitCode, Failure> {
    let names: Vec<String> = match corp {
        Some(n) => {
            if siyu_app::wecom::corp(env, n).is_none() {
                return Err(Failure(format!("no WeCom corp named {n} is configured ([[wecom.corps]])")));
            }
            vec![n.to_string()]
        }
        None => env.settings.wecom.corps.iter().map(|c| c.name.clone()).collect(),
    };
    if names.is_empty() {
        return Err(Failure("no WeCom corp is configured ([[wecom.corps]])".into()));
    }
    for name in names {
        sync_one(&name, lease_secs, pool, env)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn sync_one(name: &str, lease_secs: i64, pool: &Pool, env: &Env) -> Result<(), Failure> {
    let ctx = siyu_app::bootstrap::cli_context();
    let mut c = pool.get()?;
    let resumable = jobs::unfinished(&mut c, KIND)?.filter(|j| j.params["corp"].as_str() == Some(name));
    let job = match resumable {
        Some(j) => {
            eprintln!("resuming the sync of {name} (job {}) after {} relation(s)", j.id, j.done);
            j
        }
        None => {
            let new = NewJob {
                kind: KIND,
                params: serde_json::to_value(Params { corp: name.to_string() }).map_err(|e| Failure(e.to_string()))?,
                dedupe_key: None,
                created_by: None,
                max_attempts: 3,
            };
            siyu_engine::enqueue(&mut c, env, &ctx, new)?.0
        }
    };
    drop(c);
    let engine = Engine::new(pool.clone(), env.clone(), vec![Arc::new(WecomSync::default())])
        .with_lease(chrono::Duration::seconds(lease_secs));
    let done = crate::foreground::run(pool, &engine, &job.id, &format!("wecom {name}"))?;
    match done.status {
        JobStatus::Succeeded => {
            let r = done.result.unwrap_or_default();
            println!(
                "synced {name}: {} follow member(s), {} tag(s), {} relation(s) in {} page(s), {} contact(s) linked",
                r["users"], r["tags"], r["relations"], r["pages"], r["linked"]
            );
            Ok(())
        }
        _ => Err(Failure(format!("the sync of {name} failed: {}", done.last_error.unwrap_or_default()))),
    }
}
