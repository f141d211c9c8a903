//! siyu engine: long-running work. A job is queued in the database, claimed by whichever replica's worker asks
//! first, run by the handler of its kind, and reports its progress (done/total, for bars in the CLI and the
//! console) and a checkpoint (to resume from after a crash). A replica can die at any moment: its lease runs
//! out and another replica claims the job and resumes from the last checkpoint.

pub mod crm_pull;
pub mod events;
pub mod import;
pub mod inbound;
mod job;
pub mod mail_outbox;
pub mod rewrap;
pub mod sms_outbox;
pub mod wecom_inbox;
pub mod wecom_sync;
pub mod wecom_tags;
pub mod wecom_transfers;
mod worker;

pub use job::{enqueue, JobCtx, JobError, JobHandler, LeaseKeeper};
pub use worker::{Engine, Poller};
