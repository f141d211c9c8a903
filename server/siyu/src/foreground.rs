//! Running a queued job in the foreground of a command, with a progress bar; a job a killed run left behind is
//! picked up once its lease lapses.

use crate::Failure;
use indicatif::{ProgressBar, ProgressStyle};
use siyu_engine::Engine;
use siyu_store::jobs::{self, Job};
use siyu_store::Pool;

/// Runs jobs until `job_id` is final, showing its progress; returns it as it ended.
pub fn run(pool: &Pool, engine: &Engine, job_id: &str, what: &str) -> Result<Job, Failure> {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(&format!("{what} [{{bar:40}}] {{pos}}/{{len}} ({{eta}} left)"))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let on_progress = |done: i64, total: Option<i64>| {
        if let Some(t) = total {
            bar.set_length(t.max(0) as u64);
        }
        bar.set_position(done.max(0) as u64);
    };
    loop {
        let current = jobs::get(&mut *pool.get()?, job_id)?;
        if current.status.is_final() {
            bar.finish_and_clear();
            return Ok(current);
        }
        if engine.run_next_with(Some(&on_progress))?.is_none() {
            // Another process holds the lease (or a retry is waiting): wait for it to end or lapse.
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
    }
}
