//! Applies stored WeCom callbacks: polled by the engine between jobs (see [`crate::Poller`]). Each poll drains
//! every corp with due events, batch by batch, and now and then forgets old callback nonces. Which replica does
//! the work does not matter: a lease per corp keeps one at a time on a corp, so events apply in order.

use crate::job::JobError;
use crate::worker::Poller;
use siyu_app::wecom::{channels, inbox};
use siyu_app::Env;
use siyu_store::Pool;
use std::sync::atomic::{AtomicI64, Ordering};

/// Nonces are pruned at most this often (seconds).
const PRUNE_EVERY: i64 = 60;

pub struct WecomInbox {
    owner: String,
    last_prune: AtomicI64,
}

impl Default for WecomInbox {
    fn default() -> Self {
        Self {
            owner: format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple()),
            last_prune: AtomicI64::new(0),
        }
    }
}

impl Poller for WecomInbox {
    fn name(&self) -> &'static str {
        "wecom.inbox"
    }

    fn poll(&self, pool: &Pool, env: &Env) -> Result<usize, JobError> {
        let mut c = pool.get().map_err(|e| JobError::Retry(format!("database: {e}")))?;
        let app = |e: siyu_app::AppError| JobError::Retry(e.to_string());
        let now = env.now().timestamp();
        if now - self.last_prune.load(Ordering::Relaxed) >= PRUNE_EVERY {
            self.last_prune.store(now, Ordering::Relaxed);
            inbox::prune_nonces(&mut c, env).map_err(app)?;
        }
        let mut done = 0;
        for corp in inbox::corps_due(&mut c, env).map_err(app)? {
            // Until the corp has nothing due, another replica holds it, or a batch does nothing new.
            while let Some(report) = inbox::process_batch(&mut c, env, &corp, &self.owner).map_err(app)? {
                if report.total() == 0 {
                    break;
                }
                done += report.total();
                if report.total() < inbox::BATCH as usize {
                    break;
                }
            }
        }
        // Welcome messages planned by the events just applied: their codes live 20 s, so they go out now.
        for corp in channels::corps_with_welcomes(&mut c).map_err(app)? {
            let r = channels::send_welcomes(pool, &mut c, env, &corp).map_err(app)?;
            done += r.sent + r.failed + r.refused;
        }
        Ok(done)
    }
}
