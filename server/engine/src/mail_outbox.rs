//! Delivers queued mail to the bank's relay: polled by the engine between jobs (see [`crate::Poller`]).

use crate::job::JobError;
use crate::worker::Poller;
use siyu_app::Env;
use siyu_connectors::mail::MailSender;
use siyu_store::Pool;

pub struct MailOutbox {
    relay: Box<dyn MailSender>,
}

impl MailOutbox {
    pub fn new(relay: Box<dyn MailSender>) -> Self {
        MailOutbox { relay }
    }
}

impl Poller for MailOutbox {
    fn name(&self) -> &'static str {
        "mail.outbox"
    }

    fn poll(&self, pool: &Pool, env: &Env) -> Result<usize, JobError> {
        let mut c = pool.get().map_err(|e| JobError::Retry(format!("database: {e}")))?;
        let done = siyu_app::mail::deliver_due(&mut c, env, self.relay.as_ref())
            .map_err(|e| JobError::Retry(e.to_string()))?;
        Ok(done.total())
    }
}
