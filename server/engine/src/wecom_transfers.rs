//! Starts queued WeCom customer transfers and polls the results of started ones (see
//! `siyu_app::wecom::transfers`): a poller run by the engine between jobs. Starting is done at every poll (a
//! queued transfer should reach WeCom quickly); results are read at most every `poll_every` per process, since a
//! transfer takes up to 24 h and `transfer_result` shares the corp's rate limit. A lease per corp keeps one replica
//! at a time on a corp's transfers.

use crate::job::JobError;
use crate::worker::Poller;
use siyu_app::wecom::{client, transfers};
use siyu_app::Env;
use siyu_connectors::wecom::Transport;
use siyu_store::Pool;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

pub struct WecomTransfers {
    owner: String,
    poll_every_secs: i64,
    last_poll: AtomicI64,
    transport: Option<Arc<dyn Transport>>,
}

impl Default for WecomTransfers {
    fn default() -> Self {
        Self::every(300)
    }
}

impl WecomTransfers {
    /// Reads results at most every `secs` seconds (0: at every poll, as the tests do).
    pub fn every(secs: i64) -> Self {
        Self {
            owner: format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple()),
            poll_every_secs: secs,
            last_poll: AtomicI64::new(i64::MIN),
            transport: None,
        }
    }

    /// Over another transport (tests count what reaches the wire).
    pub fn over(mut self, t: Arc<dyn Transport>) -> Self {
        self.transport = Some(t);
        self
    }
}

impl Poller for WecomTransfers {
    fn name(&self) -> &'static str {
        "wecom.transfers"
    }

    fn poll(&self, pool: &Pool, env: &Env) -> Result<usize, JobError> {
        let mut c = pool.get().map_err(|e| JobError::Retry(format!("database: {e}")))?;
        let app = |e: siyu_app::AppError| JobError::Retry(e.to_string());
        let corps = transfers::corps_waiting(&mut c).map_err(app)?;
        if corps.is_empty() {
            return Ok(0);
        }
        let now = env.now().timestamp();
        let last = self.last_poll.load(Ordering::Relaxed);
        let poll = last == i64::MIN || now.saturating_sub(last) >= self.poll_every_secs;
        if poll {
            self.last_poll.store(now, Ordering::Relaxed);
        }
        let mut done = 0;
        for corp in corps {
            if siyu_app::wecom::corp(env, &corp).is_none() {
                continue; // a corp no longer configured: its transfers wait for it to come back
            }
            // Between result polls only queued transfers need WeCom: no lease taken, no client made otherwise.
            if !poll && !transfers::has_queued(&mut c, &corp).map_err(app)? {
                continue;
            }
            let wecom = match &self.transport {
                Some(t) => client::for_corp_over(pool, env, &corp, t.clone()),
                None => client::for_corp(pool, env, &corp),
            }
            .map_err(app)?;
            if let Some(r) = transfers::work(&mut c, env, &wecom, &corp, &self.owner, poll).map_err(app)? {
                done += r.total();
            }
        }
        Ok(done)
    }
}
