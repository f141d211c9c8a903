//! The worker: claims jobs, runs them, records how they ended.

use crate::job::{JobCtx, JobError, JobHandler, OnProgress};
use chrono::Duration;
use siyu_app::Env;
use siyu_store::audit::{self, AuditContext, AuditEvent};
use siyu_store::jobs::{self, Job, Outcome};
use siyu_store::tx::write_tx;
use siyu_store::{Pool, StoreError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Work the engine looks for between jobs, in its own tables (WeCom's callback inbox): cheaper than a job row per
/// item, and still done by whichever replica polls first. `poll` returns how many items it handled.
pub trait Poller: Send + Sync {
    fn name(&self) -> &'static str;
    fn poll(&self, pool: &Pool, env: &Env) -> Result<usize, JobError>;
}

pub struct Engine {
    pool: Pool,
    env: Env,
    handlers: Vec<Arc<dyn JobHandler>>,
    pollers: Vec<Arc<dyn Poller>>,
    /// This worker's identity in leases: unique per process.
    owner: String,
    lease: Duration,
}

fn engine_context() -> AuditContext {
    AuditContext {
        actor_name: "engine".into(),
        actor_roles: "system".into(),
        client_addr: "local".into(),
        ..Default::default()
    }
}

/// Backoff before the next attempt: 30 s, 1 min, 2 min, … at most an hour.
fn backoff(attempts: i64) -> Duration {
    Duration::seconds((30i64 << attempts.clamp(1, 7).saturating_sub(1)).min(3600))
}

impl Engine {
    pub fn new(pool: Pool, env: Env, handlers: Vec<Arc<dyn JobHandler>>) -> Self {
        Self {
            pool,
            env,
            handlers,
            pollers: vec![],
            owner: format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple()),
            lease: Duration::seconds(60),
        }
    }

    /// Adds pollers, run whenever no job is waiting.
    pub fn with_pollers(mut self, pollers: Vec<Arc<dyn Poller>>) -> Self {
        self.pollers.extend(pollers);
        self
    }

    /// Runs every poller once; how many items they handled. A poller's failure is logged and tried next time.
    pub fn poll_once(&self) -> usize {
        let mut done = 0;
        for p in &self.pollers {
            match p.poll(&self.pool, &self.env) {
                Ok(n) => done += n,
                Err(e) => tracing::warn!(poller = p.name(), error = %e, "poller failed; trying again later"),
            }
        }
        done
    }

    /// A shorter lease, for tests of take-over.
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    fn kinds(&self) -> Vec<&'static str> {
        self.handlers.iter().map(|h| h.kind()).collect()
    }

    /// Claims the oldest runnable job this engine has a handler for and runs it; None when there is none.
    pub fn run_next(&self) -> Result<Option<Job>, StoreError> {
        self.run_next_with(None)
    }

    pub fn run_next_with(&self, on_progress: Option<OnProgress<'_>>) -> Result<Option<Job>, StoreError> {
        let kinds = self.kinds();
        let claimed = {
            let mut c = self.pool.get()?;
            jobs::claim(&mut c, &self.owner, &kinds, self.lease, self.env.now())?
        };
        let Some(job) = claimed else { return Ok(None) };
        let Some(handler) = self.handlers.iter().find(|h| h.kind() == job.kind).cloned() else { return Ok(None) };
        let id = job.id.clone();
        let mut ctx =
            JobCtx { pool: &self.pool, env: &self.env, job, owner: self.owner.clone(), lease: self.lease, on_progress };
        tracing::info!(job = %id, kind = handler.kind(), attempt = ctx.job.attempts, "job started");
        let result = handler.run(&mut ctx);
        let now = self.env.now();
        let mut c = self.pool.get()?;
        let attempts = ctx.job.attempts;
        let recorded = write_tx(&mut c, |c| -> Result<bool, StoreError> {
            let (outcome, event) = match &result {
                Ok(value) => (Outcome::Succeeded(value), AuditEvent::success("job.succeeded", "job", &id)),
                Err(JobError::Stopped) => return Ok(false),
                Err(JobError::Fatal(e)) => (
                    Outcome::Failed { error: e, retry_at: now },
                    AuditEvent::failure("job.failed", "job", &id, "fatal"),
                ),
                Err(JobError::Retry(e)) => (
                    Outcome::Failed { error: e, retry_at: now + backoff(attempts) },
                    AuditEvent::failure("job.failed", "job", &id, "retry"),
                ),
                Err(JobError::Store(e)) => {
                    let text = e.to_string();
                    return jobs::finish(
                        c,
                        &id,
                        &self.owner,
                        Outcome::Failed { error: &text, retry_at: now + backoff(attempts) },
                        now,
                    );
                }
            };
            if matches!(result, Err(JobError::Fatal(_))) {
                // No more attempts for a job that will fail the same way again.
                jobs::exhaust(c, &id)?;
            }
            let held = jobs::finish(c, &id, &self.owner, outcome, now)?;
            if held {
                audit::append(
                    c,
                    &engine_context(),
                    &event.with_detail(serde_json::json!({"kind": handler.kind()})),
                    now,
                )?;
            }
            Ok(held)
        })?;
        match &result {
            Ok(_) => tracing::info!(job = %id, "job succeeded"),
            Err(e) => tracing::warn!(job = %id, error = %e, recorded, "job did not succeed"),
        }
        let mut c = self.pool.get()?;
        jobs::get(&mut c, &id).map(Some)
    }

    /// Runs jobs until `stop` is set, polling every `idle` when there is nothing to do.
    pub fn spawn(self: Arc<Self>, stop: Arc<AtomicBool>, idle: std::time::Duration) -> std::thread::JoinHandle<()> {
        std::thread::Builder::new()
            .name("siyu-engine".into())
            .spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match self.run_next() {
                        Ok(Some(_)) => {}
                        Ok(None) => {
                            if self.poll_once() == 0 {
                                std::thread::sleep(idle);
                            }
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "engine could not claim a job");
                            std::thread::sleep(idle);
                        }
                    }
                }
            })
            .expect("spawn the engine thread")
    }
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1).num_seconds(), 30);
        assert_eq!(backoff(2).num_seconds(), 60);
        assert_eq!(backoff(3).num_seconds(), 120);
        assert_eq!(backoff(50).num_seconds(), 1920);
    }
}
