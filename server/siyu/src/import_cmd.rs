//! `siyu import customers|holdings FILE`: check the file, queue its import (the same file twice is one import),
//! run it in the foreground with a progress bar; exit 0 when the file loaded, non-zero when it was refused whole.

use crate::cli::ImportArgs;
use crate::Failure;
use siyu_app::imports::{self, Encoding};
use siyu_app::Env;
use siyu_domain::layout::{Dataset, Layout};
use siyu_engine::import::{kind_of, Import, Params};
use siyu_engine::Engine;
use siyu_store::audit::{self, AuditEvent};
use siyu_store::jobs::{JobStatus, NewJob};
use siyu_store::tx::write_tx;
use siyu_store::Pool;
use std::process::ExitCode;
use std::sync::Arc;

pub fn run(dataset: Dataset, args: &ImportArgs, pool: &Pool, env: &Env) -> Result<ExitCode, Failure> {
    let ctx = siyu_app::bootstrap::cli_context();
    let kind = kind_of(dataset);
    let layout = match &args.layout {
        None => Layout::default_for(dataset),
        Some(p) => Layout::from_toml(
            &std::fs::read_to_string(p).map_err(|e| Failure(format!("--layout {}: {e}", p.display())))?,
            dataset,
        )
        .map_err(Failure)?,
    };
    let encoding =
        Encoding::parse(&args.encoding).ok_or_else(|| Failure(format!("unknown encoding {}", args.encoding)))?;
    let path = std::fs::canonicalize(&args.file).map_err(|e| Failure(format!("{}: {e}", args.file.display())))?;
    let require = args.require_control || env.settings.import.require_control;
    let file = match imports::check_file(&path, encoding, &layout, require) {
        Ok(f) => f,
        Err(e) => {
            // The refusal is recorded; nothing else is written, and no value of the file.
            let now = env.now();
            let ev = AuditEvent::failure(kind, "file", path.display().to_string(), "file_rejected");
            write_tx(&mut *pool.get()?, |c| audit::append(c, &ctx, &ev, now))?;
            return Err(Failure(format!("the file was refused whole: {e}")));
        }
    };
    let mut c = pool.get()?;
    let report =
        env.settings.data.dir.join("imports").join(format!("{}-{}-rejects.csv", dataset.as_str(), &file.sha256[..16]));
    let params = Params {
        path: path.clone(),
        layout,
        encoding,
        max_reject_share: args.max_reject_share.unwrap_or(env.settings.import.max_reject_share),
        report,
        actor: ctx.actor_name.clone(),
        file: file.clone(),
    };
    let key = format!("{kind}:{}", file.sha256);
    let new = NewJob {
        kind,
        params: serde_json::to_value(&params).map_err(|e| Failure(e.to_string()))?,
        dedupe_key: Some(&key),
        created_by: None,
        max_attempts: 3,
    };
    let (job, created) = siyu_engine::enqueue(&mut c, env, &ctx, new)?;
    drop(c);
    if !created && job.status == JobStatus::Succeeded {
        println!("this file was already imported (job {}): nothing changed", job.id);
        return Ok(ExitCode::SUCCESS);
    }
    if !created && !job.status.is_final() {
        eprintln!("resuming import job {} from row {}", job.id, job.done);
    }
    let engine = Engine::new(pool.clone(), env.clone(), vec![Arc::new(Import(dataset))])
        .with_lease(chrono::Duration::seconds(args.lease_secs));
    let done = crate::foreground::run(pool, &engine, &job.id, "import")?;
    match done.status {
        JobStatus::Succeeded => {
            let r = done.result.unwrap_or_default();
            let closed = match dataset {
                Dataset::Holdings => format!(", {} closed", r["closed"].as_i64().unwrap_or(0)),
                Dataset::Customers => String::new(),
            };
            println!(
                "loaded {} row(s) ({} new, {} updated{closed}), rejected {}; reject report: {}",
                r["inserted"].as_i64().unwrap_or(0) + r["updated"].as_i64().unwrap_or(0),
                r["inserted"],
                r["updated"],
                r["rejected"],
                r["report"].as_str().unwrap_or("")
            );
            Ok(ExitCode::SUCCESS)
        }
        _ => Err(Failure(format!(
            "the file was refused whole: {}; reject report: {}",
            done.last_error.unwrap_or_default(),
            params.report.display()
        ))),
    }
}
