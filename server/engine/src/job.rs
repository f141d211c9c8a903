//! What a job handler sees and does.

use siyu_app::Env;
use siyu_store::audit::{self, AuditContext, AuditEvent};
use siyu_store::jobs::{self, Job, NewJob, Progress};
use siyu_store::tx::write_tx;
use siyu_store::{DbConn, Pool, StoreError};

/// Runs the jobs of one kind. `run` must be resumable: it reads `ctx.checkpoint()` and carries on from there.
pub trait JobHandler: Send + Sync {
    fn kind(&self) -> &'static str;
    fn run(&self, ctx: &mut JobCtx<'_>) -> Result<serde_json::Value, JobError>;
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The lease was lost or the job cancelled: stop at once, write nothing more.
    #[error("the job was taken over or cancelled")]
    Stopped,
    /// Worth another attempt later (a connection dropped, a peer was busy).
    #[error("{0}")]
    Retry(String),
    /// Will fail the same way again (bad input): no more attempts.
    #[error("{0}")]
    Fatal(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Progress callback for a foreground run (the CLI's bar): done and total.
pub type OnProgress<'a> = &'a dyn Fn(i64, Option<i64>);

pub struct JobCtx<'a> {
    pub pool: &'a Pool,
    pub env: &'a Env,
    pub job: Job,
    pub(crate) owner: String,
    pub(crate) lease: chrono::Duration,
    pub(crate) on_progress: Option<OnProgress<'a>>,
}

impl<'a> JobCtx<'a> {
    pub fn params(&self) -> &serde_json::Value {
        &self.job.params
    }

    /// Where the last run of this job stopped, if it ran before.
    pub fn checkpoint(&self) -> Option<&serde_json::Value> {
        self.job.checkpoint.as_ref()
    }

    /// What keeps this job's lease while a long step runs without reporting.
    pub fn keeper(&self) -> LeaseKeeper<'a> {
        LeaseKeeper {
            pool: self.pool,
            env: self.env,
            id: self.job.id.clone(),
            owner: self.owner.clone(),
            lease: self.lease,
        }
    }

    pub fn conn(&self) -> Result<siyu_store::PooledConn, JobError> {
        self.pool.get().map_err(|e| JobError::Retry(format!("database: {e}")))
    }

    /// Records progress and the checkpoint to resume from, renewing the lease. Call it after each durable step
    /// (a committed batch): the checkpoint must describe work that is already in the database.
    pub fn report(
        &mut self,
        done: i64,
        total: Option<i64>,
        checkpoint: Option<serde_json::Value>,
    ) -> Result<(), JobError> {
        let now = self.env.now();
        let mut c = self.conn()?;
        let held = jobs::progress(
            &mut c,
            &self.job.id,
            &self.owner,
            Progress { done, total, checkpoint: checkpoint.as_ref() },
            now + self.lease,
            now,
        )?;
        if !held {
            return Err(JobError::Stopped);
        }
        self.job.done = done;
        self.job.total = total;
        self.job.checkpoint = checkpoint;
        if let Some(f) = self.on_progress {
            f(done, total);
        }
        Ok(())
    }
}

/// Keeps a job's lease while one long step runs without reporting progress: publishing millions of rows, or
/// rebuilding a table's indexes, can outlast a lease (a minute), after which another worker would take the job over
/// while this one still runs it. A thread renews the lease every third of it until the step returns; it stops on
/// its own if the lease was lost anyway (the step's own writes are then fenced as always).
pub struct LeaseKeeper<'a> {
    pool: &'a Pool,
    env: &'a Env,
    id: String,
    owner: String,
    lease: chrono::Duration,
}

impl LeaseKeeper<'_> {
    /// Runs `step` on this thread, the lease renewed beside it.
    pub fn hold<T>(&self, step: impl FnOnce() -> T) -> T {
        let every = (self.lease / 3).to_std().unwrap_or_default().max(std::time::Duration::from_millis(100));
        std::thread::scope(|s| {
            let (stop, stopped) = std::sync::mpsc::channel::<()>();
            s.spawn(move || {
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
                    // A failed renewal (the database busy for a moment) is tried again at the next tick.
                    let Ok(mut c) = self.pool.get() else { continue };
                    let now = self.env.now();
                    if let Ok(false) = jobs::renew(&mut c, &self.id, &self.owner, now + self.lease, now) {
                        return;
                    }
                }
            });
            let out = step();
            drop(stop);
            out
        })
    }
}

/// Queues a job and audits it in one transaction. The same `dedupe_key` twice gives the first job back.
pub fn enqueue(conn: &mut DbConn, env: &Env, ctx: &AuditContext, job: NewJob<'_>) -> Result<(Job, bool), StoreError> {
    let now = env.now();
    write_tx(conn, |c| {
        let (j, created) = jobs::enqueue(c, job, now)?;
        if created {
            audit::append(
                c,
                ctx,
                &AuditEvent::success("job.enqueue", "job", &j.id).with_detail(serde_json::json!({"kind": j.kind})),
                now,
            )?;
        }
        Ok((j, created))
    })
}
