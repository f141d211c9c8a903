//! Jobs on both backends: claimed once, resumed from their checkpoint after a crash, fenced after a take-over,
//! retried with backoff, deduplicated, cancelled.

use chrono::Duration;
use serde_json::json;
use siyu_app::clock::{Clock, ManualClock};
use siyu_app::Env;
use siyu_engine::{enqueue, Engine, JobCtx, JobError, JobHandler};
use siyu_store::audit::AuditContext;
use siyu_store::jobs::{self, JobStatus, NewJob};
use siyu_store::testing;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

struct Fixture {
    pool: siyu_store::Pool,
    env: Env,
    clock: Arc<ManualClock>,
    _db: testing::TestDb,
    _keys: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let db = testing::fresh();
    let pool = siyu_store::conn::pool(&db.url, 8, std::time::Duration::from_secs(30)).unwrap();
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let keys = tempfile::tempdir().unwrap();
    let mut settings = siyu_config::Settings::default();
    settings.data.dir = keys.path().to_path_buf();
    let opened = siyu_app::keys::open(&mut pool.get().unwrap(), &settings, true, &AuditContext::default()).unwrap();
    let env = Env::new(Arc::new(settings), clock.clone(), opened.vault).unwrap();
    Fixture { pool, env, clock, _db: db, _keys: keys }
}

/// Counts items 0..n in batches of 10, recording which items it handled how many times. It can be told to
/// "crash" (stop without finishing) after some batches, or to fail.
#[derive(Default)]
struct Counter {
    seen: Mutex<BTreeMap<i64, u32>>,
    crash_after_batches: Mutex<Option<u32>>,
    fail_first: Mutex<Option<JobError>>,
}

impl JobHandler for Counter {
    fn kind(&self) -> &'static str {
        "test.count"
    }

    fn run(&self, ctx: &mut JobCtx<'_>) -> Result<serde_json::Value, JobError> {
        if let Some(e) = self.fail_first.lock().unwrap().take() {
            return Err(e);
        }
        let n = ctx.params()["n"].as_i64().unwrap();
        let mut next = ctx.checkpoint().and_then(|c| c["next"].as_i64()).unwrap_or(0);
        let mut batches = 0;
        while next < n {
            let end = (next + 10).min(n);
            for i in next..end {
                *self.seen.lock().unwrap().entry(i).or_default() += 1;
            }
            next = end;
            ctx.report(next, Some(n), Some(json!({"next": next})))?;
            batches += 1;
            let crash = *self.crash_after_batches.lock().unwrap();
            if crash == Some(batches) {
                *self.crash_after_batches.lock().unwrap() = None;
                return Err(JobError::Stopped);
            }
        }
        Ok(json!({"counted": n}))
    }
}

fn queue(f: &Fixture, n: i64, key: Option<&str>) -> String {
    let mut c = f.pool.get().unwrap();
    let job =
        NewJob { kind: "test.count", params: json!({"n": n}), dedupe_key: key, created_by: None, max_attempts: 3 };
    enqueue(&mut c, &f.env, &AuditContext::default(), job).unwrap().0.id
}

fn status(f: &Fixture, id: &str) -> jobs::Job {
    jobs::get(&mut f.pool.get().unwrap(), id).unwrap()
}

#[test]
fn a_job_runs_to_the_end_with_progress() {
    let f = fixture();
    let counter = Arc::new(Counter::default());
    let engine = Engine::new(f.pool.clone(), f.env.clone(), vec![counter.clone()]);
    let id = queue(&f, 35, None);
    let bars = Mutex::new(Vec::new());
    let progress = |done: i64, total: Option<i64>| bars.lock().unwrap().push((done, total));
    let job = engine.run_next_with(Some(&progress)).unwrap().unwrap();
    assert_eq!(job.id, id);
    assert_eq!(job.status, JobStatus::Succeeded);
    assert_eq!((job.done, job.total), (35, Some(35)));
    assert_eq!(job.result.unwrap()["counted"], 35);
    assert_eq!(*bars.lock().unwrap(), vec![(10, Some(35)), (20, Some(35)), (30, Some(35)), (35, Some(35))]);
    assert!(engine.run_next().unwrap().is_none(), "nothing left");
}

#[test]
fn a_crashed_job_is_taken_over_and_resumed_once_its_lease_runs_out() {
    let f = fixture();
    let counter = Arc::new(Counter::default());
    *counter.crash_after_batches.lock().unwrap() = Some(2);
    let first = Engine::new(f.pool.clone(), f.env.clone(), vec![counter.clone()]);
    let id = queue(&f, 50, None);
    first.run_next().unwrap();
    let j = status(&f, &id);
    assert_eq!((j.status, j.done), (JobStatus::Running, 20), "the dead worker left it running at its checkpoint");
    let second = Engine::new(f.pool.clone(), f.env.clone(), vec![counter.clone()]);
    assert!(second.run_next().unwrap().is_none(), "not while the lease holds");
    f.clock.advance(Duration::seconds(61));
    let j = second.run_next().unwrap().unwrap();
    assert_eq!(j.status, JobStatus::Succeeded);
    assert_eq!(j.attempts, 2);
    let seen = counter.seen.lock().unwrap();
    assert_eq!(seen.len(), 50);
    assert!(seen.values().all(|n| *n == 1), "resumed from the checkpoint: no item twice");
}

#[test]
fn a_worker_that_lost_its_lease_cannot_write() {
    let f = fixture();
    let id = queue(&f, 10, None);
    let mut c = f.pool.get().unwrap();
    let now = f.env.now();
    let a = jobs::claim(&mut c, "worker-a", &["test.count"], Duration::seconds(10), now).unwrap().unwrap();
    assert_eq!(a.id, id);
    assert!(jobs::claim(&mut c, "worker-b", &["test.count"], Duration::seconds(10), now).unwrap().is_none());
    let later = now + Duration::seconds(11);
    assert!(jobs::claim(&mut c, "worker-b", &["test.count"], Duration::seconds(10), later).unwrap().is_some());
    let p = jobs::Progress { done: 5, total: Some(10), checkpoint: None };
    assert!(!jobs::progress(&mut c, &id, "worker-a", p, later, later).unwrap(), "fenced");
    let done = json!({});
    assert!(!jobs::finish(&mut c, &id, "worker-a", jobs::Outcome::Succeeded(&done), later).unwrap());
    assert!(jobs::finish(&mut c, &id, "worker-b", jobs::Outcome::Succeeded(&done), later).unwrap());
}

#[test]
fn failures_are_retried_with_backoff_or_not_at_all() {
    let f = fixture();
    let counter = Arc::new(Counter::default());
    *counter.fail_first.lock().unwrap() = Some(JobError::Retry("peer busy".into()));
    let engine = Engine::new(f.pool.clone(), f.env.clone(), vec![counter.clone()]);
    let id = queue(&f, 5, None);
    let j = engine.run_next().unwrap().unwrap();
    assert_eq!((j.status, j.last_error.as_deref()), (JobStatus::Queued, Some("peer busy")));
    assert!(engine.run_next().unwrap().is_none(), "waits for its backoff");
    f.clock.advance(Duration::seconds(31));
    assert_eq!(engine.run_next().unwrap().unwrap().status, JobStatus::Succeeded);

    *counter.fail_first.lock().unwrap() = Some(JobError::Fatal("bad input".into()));
    let id2 = queue(&f, 5, None);
    let j = engine.run_next().unwrap().unwrap();
    assert_eq!((j.id.as_str(), j.status), (id2.as_str(), JobStatus::Failed));
    f.clock.advance(Duration::hours(2));
    assert!(engine.run_next().unwrap().is_none(), "a fatal failure is not retried");
    assert_eq!(status(&f, &id).attempts, 2);
}

#[test]
fn the_same_key_queues_one_job_and_cancel_stops_it() {
    let f = fixture();
    let a = queue(&f, 5, Some("file-sha256-abc"));
    let b = queue(&f, 5, Some("file-sha256-abc"));
    assert_eq!(a, b);
    let mut c = f.pool.get().unwrap();
    assert_eq!(jobs::list(&mut c, Some("test.count"), siyu_store::page::Page::new(None, None)).unwrap().total, 1);
    assert!(jobs::cancel(&mut c, &a, f.env.now()).unwrap());
    assert!(!jobs::cancel(&mut c, &a, f.env.now()).unwrap(), "already final");
    let engine = Engine::new(f.pool.clone(), f.env.clone(), vec![Arc::new(Counter::default())]);
    assert!(engine.run_next().unwrap().is_none());
    assert_eq!(status(&f, &a).status, JobStatus::Cancelled);
}

#[test]
fn competing_workers_run_each_job_exactly_once() {
    let f = fixture();
    let counter = Arc::new(Counter::default());
    for _ in 0..20 {
        let mut c = f.pool.get().unwrap();
        let job =
            NewJob { kind: "test.count", params: json!({"n": 1}), dedupe_key: None, created_by: None, max_attempts: 1 };
        jobs::enqueue(&mut c, job, f.env.now()).unwrap();
    }
    // Each item is item 0 of its own job, so count the runs instead.
    let runs = Arc::new(Mutex::new(Vec::new()));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let engine = Engine::new(f.pool.clone(), f.env.clone(), vec![counter.clone()]);
            let runs = runs.clone();
            std::thread::spawn(move || {
                while let Some(j) = engine.run_next().unwrap() {
                    runs.lock().unwrap().push(j.id);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let mut ids = runs.lock().unwrap().clone();
    ids.sort();
    let before = ids.len();
    ids.dedup();
    assert_eq!((before, ids.len()), (20, 20));
    assert_eq!(*counter.seen.lock().unwrap().get(&0).unwrap(), 20);
}

/// One long step that reports nothing (a publish, an index rebuild) while the clock moves past its lease; in the
/// middle of it, another worker tries to claim the job.
struct LongStep {
    clock: Arc<ManualClock>,
    pool: siyu_store::Pool,
    claimed_by_other: Mutex<Option<bool>>,
}

impl JobHandler for LongStep {
    fn kind(&self) -> &'static str {
        "test.long"
    }

    fn run(&self, ctx: &mut JobCtx<'_>) -> Result<serde_json::Value, JobError> {
        // Claimed with a 3-second lease, renewed every second of real time.
        ctx.keeper().hold(|| {
            self.clock.advance(Duration::seconds(2));
            std::thread::sleep(std::time::Duration::from_millis(1_600));
            self.clock.advance(Duration::seconds(2));
            let mut c = self.pool.get().unwrap();
            let other = jobs::claim(&mut c, "worker-b", &["test.long"], Duration::seconds(3), self.clock.now());
            *self.claimed_by_other.lock().unwrap() = Some(other.unwrap().is_some());
        });
        Ok(json!({}))
    }
}

#[test]
fn a_long_step_keeps_its_lease_so_no_other_worker_takes_the_job_over() {
    let f = fixture();
    let long = Arc::new(LongStep { clock: f.clock.clone(), pool: f.pool.clone(), claimed_by_other: Mutex::new(None) });
    let mut c = f.pool.get().unwrap();
    let job = NewJob { kind: "test.long", params: json!({}), dedupe_key: None, created_by: None, max_attempts: 3 };
    let id = enqueue(&mut c, &f.env, &AuditContext::default(), job).unwrap().0.id;
    let engine = Engine::new(f.pool.clone(), f.env.clone(), vec![long.clone()]).with_lease(Duration::seconds(3));
    let done = engine.run_next().unwrap().unwrap();
    assert_eq!(
        *long.claimed_by_other.lock().unwrap(),
        Some(false),
        "4 s into a 3-second lease, renewed as the step ran, no other worker can claim the job"
    );
    assert_eq!(done.status, JobStatus::Succeeded);
    assert_eq!(status(&f, &id).attempts, 1);
}
