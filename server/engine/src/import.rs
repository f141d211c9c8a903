//! `import.customers` and `import.holdings`: stage a checked file's rows batch by batch (each batch committed with
//! a checkpoint, so a killed import resumes where it stopped), then publish them whole in one transaction, or
//! refuse the file. One handler per dataset, the same pipeline.

use crate::job::{JobCtx, JobError, JobHandler};
use siyu_app::imports::{self, CheckedFile, Encoding, Lines, Resolver};
use siyu_app::{AppError, Env};
use siyu_domain::layout::{Dataset, Layout};
use siyu_domain::org::Scope;
use siyu_store::audit::{self, AuditContext, AuditEvent};
use siyu_store::jobs::{Job, NewJob};
use siyu_store::tx::write_tx;
use siyu_store::{DbConn, StoreError};
use std::path::{Path, PathBuf};

pub const KIND: &str = "import.customers";
pub const HOLDINGS_KIND: &str = "import.holdings";
const BATCH: usize = 1000;

/// What the job needs, fixed when it is queued.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Params {
    pub path: PathBuf,
    pub layout: Layout,
    pub encoding: Encoding,
    pub file: CheckedFile,
    pub max_reject_share: f64,
    pub report: PathBuf,
    /// Who queued it, for the audit record of the publication.
    pub actor: String,
}

/// A file to import, as the command line or the inbound folder found it.
pub struct FileImport<'a> {
    pub dataset: Dataset,
    pub path: &'a Path,
    pub layout: Layout,
    pub encoding: Encoding,
    pub require_control: bool,
    pub max_reject_share: f64,
    /// Where the reject report goes: `DIR/<dataset>-<sha256 prefix>-rejects.csv`.
    pub report_dir: PathBuf,
}

/// Why a file was not queued.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// Refused whole before any write (control file, authentication column, layout); the refusal is audited.
    #[error("{0}")]
    Refused(AppError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks a file and queues its import (the same file twice, under any name, is one job): the job and whether it
/// is new. A refused file is audited, without any value of the file.
pub fn queue(conn: &mut DbConn, env: &Env, ctx: &AuditContext, f: FileImport<'_>) -> Result<(Job, bool), QueueError> {
    let kind = kind_of(f.dataset);
    let file = match imports::check_file(f.path, f.encoding, &f.layout, f.require_control) {
        Ok(file) => file,
        Err(e) => {
            let now = env.now();
            let ev = AuditEvent::failure(kind, "file", f.path.display().to_string(), "file_rejected");
            write_tx(conn, |c| audit::append(c, ctx, &ev, now))?;
            return Err(QueueError::Refused(e));
        }
    };
    let key = format!("{kind}:{}", file.sha256);
    let report = f.report_dir.join(format!("{}-{}-rejects.csv", f.dataset.as_str(), &file.sha256[..16]));
    let params = Params {
        path: f.path.to_path_buf(),
        layout: f.layout,
        encoding: f.encoding,
        file,
        max_reject_share: f.max_reject_share,
        report,
        actor: ctx.actor_name.clone(),
    };
    let new = NewJob {
        kind,
        params: serde_json::to_value(&params).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        dedupe_key: Some(&key),
        created_by: None,
        max_attempts: 3,
    };
    Ok(crate::enqueue(conn, env, ctx, new)?)
}

/// The import of one dataset's files.
pub struct Import(pub Dataset);

/// The job kind that imports `dataset`.
pub fn kind_of(dataset: Dataset) -> &'static str {
    match dataset {
        Dataset::Customers => KIND,
        Dataset::Holdings => HOLDINGS_KIND,
    }
}

fn fail(e: impl std::fmt::Display) -> JobError {
    JobError::Fatal(e.to_string())
}

/// A prepared batch and the file line it ends on (the checkpoint once it is written).
type Prepared = Result<(imports::Prepared, i64), JobError>;

impl Import {
    /// Runs the file's lines from where `lines` stands through `write`, batch by batch, two at a time: one thread
    /// reads, validates and seals the next batch (CPU, and reads of the database) while this one writes the batch
    /// before it (the database). Batches are written in file order, as when it was one loop. The reader is at most
    /// two batches ahead, so memory stays bounded; when either side fails the other stops. `fresh`: the table is
    /// known to be empty (the direct load).
    #[allow(clippy::too_many_arguments)]
    fn pump(
        &self,
        ctx: &mut JobCtx<'_>,
        p: &Params,
        scope: &Scope,
        fresh: bool,
        mut lines: Lines,
        mut write: impl FnMut(&mut JobCtx<'_>, imports::Prepared, i64) -> Result<(), JobError>,
    ) -> Result<(), JobError> {
        let (pool, env, dataset) = (ctx.pool, ctx.env, self.0);
        std::thread::scope(|s| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Prepared>(1);
            s.spawn(move || {
                let mut resolver = Resolver::default();
                loop {
                    let batch = match lines.next_batch(BATCH) {
                        Ok(b) if b.is_empty() => return,
                        Ok(b) => b,
                        Err(e) => {
                            let _ = tx.send(Err(fail(e)));
                            return;
                        }
                    };
                    let prepared = pool
                        .get()
                        .map_err(|e| JobError::Retry(format!("database: {e}")))
                        .and_then(|mut c| {
                            imports::prepare_batch(
                                &mut c,
                                env,
                                scope,
                                dataset,
                                fresh,
                                &p.file,
                                &p.layout,
                                p.encoding,
                                &batch,
                                &mut resolver,
                            )
                            .map_err(|e| JobError::Retry(e.to_string()))
                        })
                        .map(|b| (b, lines.line_no()));
                    let failed = prepared.is_err();
                    if tx.send(prepared).is_err() || failed {
                        return;
                    }
                }
            });
            for prepared in rx {
                let (batch, line) = prepared?;
                write(ctx, batch, line)?;
            }
            Ok(())
        })
    }

    /// Stages the file from where `lines` stands, each batch committed with its checkpoint, so a resume starts
    /// after the last written batch.
    fn stage(
        &self,
        ctx: &mut JobCtx<'_>,
        p: &Params,
        job_id: &str,
        scope: &Scope,
        lines: Lines,
    ) -> Result<(), JobError> {
        let header_lines = p.layout.header_lines();
        self.pump(ctx, p, scope, false, lines, |ctx, batch, line| {
            let mut c = ctx.conn()?;
            imports::write_batch(&mut c, job_id, &batch).map_err(|e| JobError::Retry(e.to_string()))?;
            drop(c);
            let done = (line - header_lines).min(p.file.rows);
            ctx.report(done, Some(p.file.rows), Some(serde_json::json!({"line": line})))
        })
    }

    /// The direct first load (`imports::load_direct`) when the file may take it: `None` when it may not, or when
    /// the attempt failed and was rolled back (a repeated customer or holding, say), so the file is staged instead.
    /// Its checkpoint always says the first line: a crash loses the attempt's transaction, so it starts again.
    fn direct(
        &self,
        ctx: &mut JobCtx<'_>,
        p: &Params,
        job_id: &str,
        scope: &Scope,
        audit_ctx: &AuditContext,
    ) -> Result<Option<imports::Direct>, JobError> {
        let header_lines = p.layout.header_lines();
        let retry = |e: AppError| JobError::Retry(e.to_string());
        let mut c = ctx.conn()?;
        // Four connections at once: this load's, the reader's, the rejects' and the progress's.
        if ctx.pool.max_size() < 4 || !imports::direct_eligible(&mut c, self.0, p.file.rows).map_err(retry)? {
            return Ok(None);
        }
        let mut side = ctx.conn()?;
        imports::restart(&mut side, self.0, job_id).map_err(retry)?;
        ctx.report(0, Some(p.file.rows), Some(serde_json::json!({"line": header_lines, "direct": true})))?;
        let lines = Lines::open(&p.path, header_lines).map_err(fail)?;
        let mut stopped: Option<JobError> = None;
        let env = ctx.env;
        // Batches renew the lease as they are written; the indexes rebuilt at the end can outlast it.
        let keeper = ctx.keeper();
        let outcome = keeper.hold(|| {
            imports::load_direct(&mut c, env, audit_ctx, self.0, job_id, &p.file, p.max_reject_share, |copy| {
                let mut done = 0i64;
                let pumped = self.pump(ctx, p, scope, true, lines, |ctx, batch, _line| {
                    let rejects = match &batch {
                        imports::Prepared::Customers { rows, rejects, unchanged } => {
                            done += (rows.len() + rejects.len() + unchanged.len()) as i64;
                            rejects
                        }
                        imports::Prepared::Holdings { rows, rejects } => {
                            done += (rows.len() + rejects.len()) as i64;
                            rejects
                        }
                    };
                    // Committed as they come, apart from the load: the report outlives a refusal.
                    siyu_store::imports::record_rejects(&mut side, job_id, rejects).map_err(|e| retry(e.into()))?;
                    copy(batch).map_err(retry)?;
                    let checkpoint = serde_json::json!({"line": header_lines, "direct": true});
                    ctx.report(done.min(p.file.rows), Some(p.file.rows), Some(checkpoint))
                });
                pumped.map_err(|e| {
                    let message = e.to_string();
                    stopped = Some(e);
                    AppError::Internal(message)
                })
            })
        });
        match (outcome, stopped) {
            (Ok(done), _) => Ok(Some(done)),
            // The job itself stopped (its lease lost, say): no fallback, the error as it was.
            (Err(_), Some(stop)) => Err(stop),
            (Err(e), None) => {
                tracing::warn!(job = %job_id, error = %e, "the direct load was rolled back: staging the file instead");
                imports::restart(&mut side, self.0, job_id).map_err(retry)?;
                ctx.report(0, Some(p.file.rows), Some(serde_json::json!({"line": header_lines})))?;
                Ok(None)
            }
        }
    }
}

impl JobHandler for Import {
    fn kind(&self) -> &'static str {
        kind_of(self.0)
    }

    fn run(&self, ctx: &mut JobCtx<'_>) -> Result<serde_json::Value, JobError> {
        let p: Params = serde_json::from_value(ctx.params().clone()).map_err(fail)?;
        let job_id = ctx.job.id.clone();
        let header_lines = p.layout.header_lines();
        let after = ctx.checkpoint().and_then(|c| c["line"].as_i64()).unwrap_or(header_lines);
        // The file must still be the file that was checked: a replaced file is never half-loaded.
        let again = imports::check_file(&p.path, p.encoding, &p.layout, false).map_err(fail)?;
        if again.sha256 != p.file.sha256 {
            return Err(JobError::Fatal("the file changed since it was checked: import it again".into()));
        }
        // A direct load that crashed left its table's foreign keys aside: they come back before anything else.
        imports::restore_foreign_keys(&mut *ctx.conn()?).map_err(|e| JobError::Retry(e.to_string()))?;
        let scope = Scope::subtree("/");
        let audit_ctx = AuditContext {
            actor_name: p.actor.clone(),
            actor_roles: "import".into(),
            client_addr: "local".into(),
            ..Default::default()
        };
        let mut from = after;
        // A file that starts (or starts again) from its first line may take the direct first load; a staged run
        // that stopped part-way resumes where it stopped.
        let direct_before = ctx.checkpoint().and_then(|c| c["direct"].as_bool()).unwrap_or(false);
        if after == header_lines || direct_before {
            let outcome = self.direct(ctx, &p, &job_id, &scope, &audit_ctx)?;
            let mut c = ctx.conn()?;
            match outcome {
                Some(imports::Direct::Published(published)) => {
                    imports::write_report(&mut c, &job_id, &p.report).map_err(|e| JobError::Retry(e.to_string()))?;
                    return Ok(result(&p, &published));
                }
                Some(imports::Direct::Refused(e)) => {
                    imports::write_report(&mut c, &job_id, &p.report).map_err(|e| JobError::Retry(e.to_string()))?;
                    return Err(fail(e));
                }
                None => from = header_lines,
            }
        }
        // At most twice: a stage that lost rows (PostgreSQL empties its unlogged stage after a crash) is staged
        // again from the start, so what is published is always the whole file.
        for attempt in 0..2 {
            let lines = Lines::open(&p.path, from).map_err(fail)?;
            self.stage(ctx, &p, &job_id, &scope, lines)?;
            let mut c = ctx.conn()?;
            let accounted = imports::accounted(&mut c, self.0, &job_id).map_err(|e| JobError::Retry(e.to_string()))?;
            if accounted == p.file.rows {
                break;
            }
            if attempt == 1 {
                return Err(JobError::Retry(format!("{accounted} of {} rows staged: trying again", p.file.rows)));
            }
            tracing::warn!(job = %job_id, accounted, rows = p.file.rows, "the stage lost rows: staging again");
            imports::restart(&mut c, self.0, &job_id).map_err(|e| JobError::Retry(e.to_string()))?;
            drop(c);
            ctx.report(0, Some(p.file.rows), Some(serde_json::json!({"line": header_lines})))?;
            from = header_lines;
        }
        let mut c = ctx.conn()?;
        // Publishing millions of rows (and rebuilding their indexes) can outlast the lease.
        let published = ctx.keeper().hold(|| {
            imports::publish(&mut c, ctx.env, &audit_ctx, self.0, &job_id, &p.file, p.max_reject_share).map_err(fail)
        });
        imports::write_report(&mut c, &job_id, &p.report).map_err(|e| JobError::Retry(e.to_string()))?;
        Ok(result(&p, &published?))
    }
}

/// What a finished import job reports.
fn result(p: &Params, published: &imports::Published) -> serde_json::Value {
    serde_json::json!({
        "rows": p.file.rows,
        "inserted": published.inserted,
        "updated": published.updated,
        "unchanged": published.unchanged,
        "closed": published.closed,
        "rejected": published.rejected,
        "report": p.report,
    })
}
