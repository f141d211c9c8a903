//! Pulls a corp's tag catalogue again after someone changed it in WeCom (a `change_external_tag` callback was
//! stored since the last pull): polled by the engine between jobs. A pull that fails (WeCom unreachable) is tried
//! again after a pause rather than at every poll.

use crate::job::JobError;
use crate::worker::Poller;
use siyu_app::wecom::tags;
use siyu_app::Env;
use siyu_store::Pool;
use std::collections::HashMap;
use std::sync::Mutex;

/// Seconds to wait after a failed pull of a corp's catalogue.
const PAUSE_AFTER_FAILURE: i64 = 60;

#[derive(Default)]
pub struct WecomTags {
    failed_at: Mutex<HashMap<String, i64>>,
}

impl Poller for WecomTags {
    fn name(&self) -> &'static str {
        "wecom.tags"
    }

    fn poll(&self, pool: &Pool, env: &Env) -> Result<usize, JobError> {
        let mut c = pool.get().map_err(|e| JobError::Retry(format!("database: {e}")))?;
        let now = env.now().timestamp();
        let mut done = 0;
        for corp in tags::refresh_due(&mut c, env).map_err(|e| JobError::Retry(e.to_string()))? {
            let paused = self.failed_at.lock().unwrap_or_else(|e| e.into_inner()).get(&corp).copied();
            if paused.is_some_and(|at| now - at < PAUSE_AFTER_FAILURE) {
                continue;
            }
            let pulled = tags::client(pool, env, &corp).and_then(|client| tags::refresh(&mut c, &client, env, &corp));
            let mut failed = self.failed_at.lock().unwrap_or_else(|e| e.into_inner());
            match pulled {
                Ok(n) => {
                    failed.remove(&corp);
                    tracing::info!(corp = %corp, tags = n, "WeCom tag catalogue pulled after a tag callback");
                    done += 1;
                }
                Err(e) => {
                    failed.insert(corp.clone(), now);
                    tracing::warn!(corp = %corp, error = %e, "WeCom tag catalogue not pulled; trying again later");
                }
            }
        }
        Ok(done)
    }
}
