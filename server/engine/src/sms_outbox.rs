//! Delivers queued SMS to the bank's gateway: polled by the engine between jobs (see [`crate::Poller`]).

use crate::job::JobError;
use crate::worker::Poller;
use siyu_app::Env;
use siyu_connectors::sms::SmsSender;
use siyu_store::Pool;

pub struct SmsOutbox {
    gateway: Box<dyn SmsSender>,
}

impl SmsOutbox {
    pub fn new(gateway: Box<dyn SmsSender>) -> Self {
        SmsOutbox { gateway }
    }
}

impl Poller for SmsOutbox {
    fn name(&self) -> &'static str {
        "sms.outbox"
    }

    fn poll(&self, pool: &Pool, env: &Env) -> Result<usize, JobError> {
        let mut c = pool.get().map_err(|e| JobError::Retry(format!("database: {e}")))?;
        let done = siyu_app::sms::deliver_due(&mut c, env, self.gateway.as_ref())
            .map_err(|e| JobError::Retry(e.to_string()))?;
        Ok(done.total())
    }
}
