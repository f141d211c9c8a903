//! The watched inbound folder (`import.inbound_dir`), polled by the engine between jobs: a complete file (its
//! control file is there, or its size has stayed the same for `import.inbound_stable_secs`) whose name matches
//! the customers or holdings pattern is moved to `processing/` and its import queued; once the import job has
//! ended the file (with its control file) goes to `done/` or `rejected/`, with the reject report and a result
//! note (`FILE.result.json`) beside it. A file refused before any write goes to `rejected/` at once.
//!
//! Several replicas may watch the same folder: the move to `processing/` is a rename, so one of them wins.

use crate::import::{kind_of, queue, FileImport, QueueError};
use crate::job::JobError;
use crate::worker::Poller;
use siyu_app::imports::Encoding;
use siyu_app::Env;
use siyu_domain::inbound::{complete, dataset_of};
use siyu_domain::layout::{Dataset, Layout};
use siyu_store::audit::AuditContext;
use siyu_store::jobs::{self, JobStatus};
use siyu_store::Pool;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// The poller; it remembers each waiting file's size and since when it has had it.
#[derive(Default)]
pub struct Inbound {
    seen: Mutex<HashMap<PathBuf, (u64, Instant)>>,
}

fn retry(e: impl std::fmt::Display) -> JobError {
    JobError::Retry(e.to_string())
}

fn context() -> AuditContext {
    AuditContext {
        actor_name: "engine:inbound".into(),
        actor_roles: "import".into(),
        client_addr: "local".into(),
        ..Default::default()
    }
}

fn name_of(p: &Path) -> String {
    p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string()
}

fn ctl_of(p: &Path) -> PathBuf {
    p.with_file_name(format!("{}.ctl", name_of(p)))
}

/// Moves a file and its control file (when there is one) into `dir`.
fn move_with_ctl(file: &Path, dir: &Path) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let to = dir.join(name_of(file));
    std::fs::rename(file, &to)?;
    let ctl = ctl_of(file);
    if ctl.exists() {
        std::fs::rename(&ctl, ctl_of(&to))?;
    }
    Ok(to)
}

fn layout_of(env: &Env, dataset: Dataset) -> Result<Layout, String> {
    layout_in(&env.settings.import, dataset)
}

fn layout_in(s: &siyu_config::Import, dataset: Dataset) -> Result<Layout, String> {
    let file = match dataset {
        Dataset::Customers => &s.inbound_customers_layout,
        Dataset::Holdings => &s.inbound_holdings_layout,
    };
    match file {
        None => Ok(Layout::default_for(dataset)),
        Some(p) => {
            Layout::from_toml(&std::fs::read_to_string(p).map_err(|e| format!("layout {}: {e}", p.display()))?, dataset)
        }
    }
}

/// Checks the folder's layout files at start: a missing or invalid one would otherwise refuse every file of its
/// dataset, one by one, long after. The error names the key.
pub fn check_layouts(s: &siyu_config::Import) -> Result<(), String> {
    if s.inbound_dir.is_none() {
        return Ok(());
    }
    for (dataset, key) in
        [(Dataset::Customers, "import.inbound_customers_layout"), (Dataset::Holdings, "import.inbound_holdings_layout")]
    {
        layout_in(s, dataset).map_err(|e| format!("{key}: {e}"))?;
    }
    Ok(())
}

impl Inbound {
    /// Files in `processing/` whose import has ended: moved on with their report.
    fn finish(&self, pool: &Pool, root: &Path) -> Result<usize, JobError> {
        let processing = root.join("processing");
        let Ok(entries) = std::fs::read_dir(&processing) else { return Ok(0) };
        let mut done = 0;
        for e in entries.flatten() {
            let marker = e.path();
            let Some(file) = marker.to_str().and_then(|s| s.strip_suffix(".job")).map(PathBuf::from) else {
                continue;
            };
            let job_id = std::fs::read_to_string(&marker).map_err(retry)?;
            let job = jobs::get(&mut *pool.get().map_err(retry)?, job_id.trim()).map_err(retry)?;
            if !job.status.is_final() {
                continue;
            }
            let to = root.join(if job.status == JobStatus::Succeeded { "done" } else { "rejected" });
            let moved = move_with_ctl(&file, &to).map_err(retry)?;
            let report = job.params["report"].as_str().map(PathBuf::from);
            if let Some(r) = report.filter(|r| r.exists()) {
                std::fs::rename(&r, to.join(format!("{}.rejects.csv", name_of(&moved)))).map_err(retry)?;
            }
            let note = serde_json::json!({
                "job": job.id, "status": job.status.as_str(), "result": job.result, "error": job.last_error,
            });
            std::fs::write(to.join(format!("{}.result.json", name_of(&moved))), note.to_string()).map_err(retry)?;
            std::fs::remove_file(&marker).map_err(retry)?;
            tracing::info!(file = %name_of(&moved), status = job.status.as_str(), "inbound file processed");
            done += 1;
        }
        Ok(done)
    }

    /// Complete files in the folder: moved to `processing/` and queued (or refused at once).
    fn take(&self, pool: &Pool, env: &Env, root: &Path) -> Result<usize, JobError> {
        let s = &env.settings.import;
        let mut taken = 0;
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let mut present = Vec::new();
        for e in std::fs::read_dir(root).map_err(retry)?.flatten() {
            let path = e.path();
            let Ok(meta) = e.metadata() else { continue };
            let Some(dataset) = dataset_of(&name_of(&path), &s.inbound_customers, &s.inbound_holdings) else {
                continue;
            };
            if !meta.is_file() {
                continue;
            }
            present.push(path.clone());
            let size = meta.len();
            let since = seen.entry(path.clone()).or_insert((size, Instant::now()));
            let unchanged = if since.0 == size {
                Some(since.1.elapsed().as_secs())
            } else {
                *since = (size, Instant::now());
                None
            };
            let require = s.require_control;
            if !complete(ctl_of(&path).exists(), require, unchanged, s.inbound_stable_secs) {
                continue;
            }
            seen.remove(&path);
            // A rename: when several replicas watch the folder, one takes the file.
            let Ok(file) = move_with_ctl(&path, &root.join("processing")) else { continue };
            taken += 1;
            self.queue_one(pool, env, root, dataset, &file)?;
        }
        seen.retain(|p, _| present.contains(p));
        Ok(taken)
    }

    fn queue_one(&self, pool: &Pool, env: &Env, root: &Path, dataset: Dataset, file: &Path) -> Result<(), JobError> {
        let s = &env.settings.import;
        let reject = |why: String| -> Result<(), JobError> {
            let to = root.join("rejected");
            let moved = move_with_ctl(file, &to).map_err(retry)?;
            let note = serde_json::json!({"kind": kind_of(dataset), "status": "refused", "error": why});
            std::fs::write(to.join(format!("{}.result.json", name_of(&moved))), note.to_string()).map_err(retry)?;
            tracing::warn!(file = %name_of(&moved), "inbound file refused whole");
            Ok(())
        };
        let layout = match layout_of(env, dataset) {
            Ok(l) => l,
            Err(e) => return reject(e),
        };
        let Some(encoding) = Encoding::parse(&s.inbound_encoding) else {
            return reject(format!("unknown encoding {}", s.inbound_encoding));
        };
        let f = FileImport {
            dataset,
            path: file,
            layout,
            encoding,
            require_control: s.require_control,
            max_reject_share: s.max_reject_share,
            report_dir: root.join("processing"),
        };
        match queue(&mut *pool.get().map_err(retry)?, env, &context(), f) {
            Ok((job, _)) => {
                // Finished on a later poll, when the job has ended (at once when this file was imported before).
                std::fs::write(file.with_file_name(format!("{}.job", name_of(file))), &job.id).map_err(retry)
            }
            Err(QueueError::Refused(e)) => reject(e.to_string()),
            Err(QueueError::Store(e)) => Err(retry(e)),
        }
    }
}

impl Poller for Inbound {
    fn name(&self) -> &'static str {
        "import.inbound"
    }

    fn poll(&self, pool: &Pool, env: &Env) -> Result<usize, JobError> {
        let Some(root) = env.settings.import.inbound_dir.clone() else { return Ok(0) };
        if !root.is_dir() {
            return Ok(0);
        }
        let finished = self.finish(pool, &root)?;
        Ok(finished + self.take(pool, env, &root)?)
    }
}
