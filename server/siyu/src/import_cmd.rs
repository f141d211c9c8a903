//! `siyu import customers|holdings FILE`: check the file, queue its import (the same file twice is one import),
//! run it in the foreground with a progress bar; exit 0 when the file loaded, non-zero when it was refused whole.

use crate::cli::ImportArgs;
use crate::Failure;
use siyu_app::imports::Encoding;
use siyu_app::Env;
use siyu_domain::layout::{Dataset, Layout};
use siyu_engine::import::{queue, FileImport, Import, QueueError};
use siyu_engine::Engine;
use siyu_store::jobs::JobStatus;
use siyu_store::Pool;
use std::process::ExitCode;
use std::sync::Arc;

pub fn run(dataset: Dataset, args: &ImportArgs, pool: &Pool, env: &Env) -> Result<ExitCode, Failure> {
    let ctx = siyu_app::bootstrap::cli_context();
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
    let f = FileImport {
        dataset,
        path: &path,
        layout,
        encoding,
        require_control: require,
        max_reject_share: args.max_reject_share.unwrap_or(env.settings.import.max_reject_share),
        report_dir: env.settings.data.dir.join("imports"),
    };
    let (job, created) = match queue(&mut *pool.get()?, env, &ctx, f) {
        Ok(x) => x,
        Err(QueueError::Refused(e)) => return Err(Failure(format!("the file was refused whole: {e}"))),
        Err(QueueError::Store(e)) => return Err(e.into()),
    };
    let report = job.params["report"].as_str().unwrap_or("").to_string();
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
            let unchanged = r["unchanged"].as_i64().unwrap_or(0);
            let closed = match dataset {
                Dataset::Holdings => format!(", {} closed", r["closed"].as_i64().unwrap_or(0)),
                Dataset::Customers if unchanged > 0 => format!(", {unchanged} unchanged"),
                Dataset::Customers => String::new(),
            };
            println!(
                "loaded {} row(s) ({} new, {} updated{closed}), rejected {}; reject report: {}",
                r["inserted"].as_i64().unwrap_or(0) + r["updated"].as_i64().unwrap_or(0) + unchanged,
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
            report
        ))),
    }
}
