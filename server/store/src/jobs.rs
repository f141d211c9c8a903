//! Jobs leased through the database. Claiming takes the oldest runnable job (queued, or running with an expired
//! lease) and marks it with the claimer's owner id and a lease; every later write by the worker is fenced on that
//! owner, so a worker that lost its lease (it stalled, another replica took over) can no longer change the job.

use crate::conn::DbConn;
use crate::error::{Result, StoreError};
use crate::page::{Page, Paged};
use crate::schema::jobs;
use crate::time::{from_db, to_db};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [JobStatus::Queued, JobStatus::Running, JobStatus::Succeeded, JobStatus::Failed, JobStatus::Cancelled]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    pub fn is_final(self) -> bool {
        matches!(self, JobStatus::Succeeded | JobStatus::Failed | JobStatus::Cancelled)
    }
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = jobs)]
struct Row {
    id: String,
    kind: String,
    status: String,
    params: String,
    checkpoint: Option<String>,
    result: Option<String>,
    done: i64,
    total: Option<i64>,
    attempts: i64,
    max_attempts: i64,
    last_error: Option<String>,
    lease_owner: Option<String>,
    lease_until: Option<NaiveDateTime>,
    run_after: NaiveDateTime,
    dedupe_key: Option<String>,
    created_by: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    finished_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub status: JobStatus,
    pub params: serde_json::Value,
    pub checkpoint: Option<serde_json::Value>,
    pub result: Option<serde_json::Value>,
    pub done: i64,
    pub total: Option<i64>,
    pub attempts: i64,
    pub max_attempts: i64,
    pub last_error: Option<String>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
    pub run_after: DateTime<Utc>,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

fn json(text: Option<String>) -> Option<serde_json::Value> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

impl TryFrom<Row> for Job {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<Self> {
        Ok(Job {
            status: JobStatus::parse(&r.status)
                .ok_or_else(|| StoreError::Corrupt(format!("job status {}", r.status)))?,
            params: serde_json::from_str(&r.params).map_err(|_| StoreError::Corrupt("job params".into()))?,
            id: r.id,
            kind: r.kind,
            checkpoint: json(r.checkpoint),
            result: json(r.result),
            done: r.done,
            total: r.total,
            attempts: r.attempts,
            max_attempts: r.max_attempts,
            last_error: r.last_error,
            lease_owner: r.lease_owner,
            lease_until: r.lease_until.map(from_db),
            run_after: from_db(r.run_after),
            created_by: r.created_by,
            created_at: from_db(r.created_at),
            updated_at: from_db(r.updated_at),
            finished_at: r.finished_at.map(from_db),
        })
    }
}

pub struct NewJob<'a> {
    pub kind: &'a str,
    pub params: serde_json::Value,
    /// Enqueueing the same key twice returns the first job: how "the same file twice" stays one import.
    pub dedupe_key: Option<&'a str>,
    pub created_by: Option<&'a str>,
    pub max_attempts: i64,
}

/// Queues a job; with a dedupe key already present, returns that job and `false`.
pub fn enqueue(conn: &mut DbConn, n: NewJob<'_>, now: DateTime<Utc>) -> Result<(Job, bool)> {
    if let Some(key) = n.dedupe_key {
        let existing: Option<Row> =
            jobs::table.filter(jobs::dedupe_key.eq(key)).select(Row::as_select()).first(conn).optional()?;
        if let Some(r) = existing {
            return Ok((r.try_into()?, false));
        }
    }
    let row = Row {
        id: uuid::Uuid::now_v7().to_string(),
        kind: n.kind.into(),
        status: JobStatus::Queued.as_str().into(),
        params: n.params.to_string(),
        checkpoint: None,
        result: None,
        done: 0,
        total: None,
        attempts: 0,
        max_attempts: n.max_attempts.max(1),
        last_error: None,
        lease_owner: None,
        lease_until: None,
        run_after: to_db(now),
        dedupe_key: n.dedupe_key.map(Into::into),
        created_by: n.created_by.map(Into::into),
        created_at: to_db(now),
        updated_at: to_db(now),
        finished_at: None,
    };
    diesel::insert_into(jobs::table).values(&row).execute(conn)?;
    Ok((row.try_into()?, true))
}

pub fn get(conn: &mut DbConn, id: &str) -> Result<Job> {
    let r: Row = jobs::table.find(id).select(Row::as_select()).first(conn)?;
    r.try_into()
}

/// Claims the oldest runnable job of one of `kinds` for `owner` until `now + lease`.
pub fn claim(
    conn: &mut DbConn,
    owner: &str,
    kinds: &[&str],
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<Option<Job>> {
    let kinds: Vec<String> = kinds.iter().map(|k| k.to_string()).collect();
    let t = to_db(now);
    let runnable = jobs::status
        .eq(JobStatus::Queued.as_str())
        .and(jobs::run_after.le(t))
        .or(jobs::status.eq(JobStatus::Running.as_str()).and(jobs::lease_until.lt(t)));
    // PostgreSQL: skip rows other replicas are claiming right now instead of queueing behind them.
    // SQLite: one writer at a time anyway; the compare-and-set below is the guard.
    let candidate: Option<String> = match conn {
        DbConn::Postgres(c) => c.transaction(|c| {
            jobs::table
                .filter(runnable)
                .filter(jobs::kind.eq_any(&kinds))
                .order((jobs::run_after.asc(), jobs::created_at.asc()))
                .select(jobs::id)
                .for_update()
                .skip_locked()
                .first::<String>(c)
                .optional()
        })?,
        DbConn::Sqlite(c) => jobs::table
            .filter(runnable)
            .filter(jobs::kind.eq_any(&kinds))
            .order((jobs::run_after.asc(), jobs::created_at.asc()))
            .select(jobs::id)
            .first::<String>(c)
            .optional()?,
    };
    let Some(id) = candidate else { return Ok(None) };
    // Compare-and-set: only if it is still runnable, so two claimers can never both win.
    let won = diesel::update(jobs::table.find(&id).filter(runnable))
        .set((
            jobs::status.eq(JobStatus::Running.as_str()),
            jobs::lease_owner.eq(owner),
            jobs::lease_until.eq(to_db(now + lease)),
            jobs::attempts.eq(jobs::attempts + 1),
            jobs::updated_at.eq(t),
        ))
        .execute(conn)?;
    if won == 1 {
        get(conn, &id).map(Some)
    } else {
        Ok(None)
    }
}

/// Where a running job stands.
pub struct Progress<'a> {
    pub done: i64,
    pub total: Option<i64>,
    /// What the job needs to resume from here after a crash.
    pub checkpoint: Option<&'a serde_json::Value>,
}

/// Progress of a running job, renewing its lease until `lease_until`. False when `owner` no longer holds the
/// lease or the job was cancelled: the worker must stop.
pub fn progress(
    conn: &mut DbConn,
    id: &str,
    owner: &str,
    p: Progress<'_>,
    lease_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let Progress { done, total, checkpoint } = p;
    let n = diesel::update(
        jobs::table.find(id).filter(jobs::lease_owner.eq(owner)).filter(jobs::status.eq(JobStatus::Running.as_str())),
    )
    .set((
        jobs::done.eq(done),
        jobs::total.eq(total),
        jobs::checkpoint.eq(checkpoint.map(|c| c.to_string())),
        jobs::lease_until.eq(to_db(lease_until)),
        jobs::updated_at.eq(to_db(now)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Extends a running job's lease, nothing else, if `owner` still holds it; false when it does not.
pub fn renew(conn: &mut DbConn, id: &str, owner: &str, lease_until: DateTime<Utc>, now: DateTime<Utc>) -> Result<bool> {
    let n = diesel::update(
        jobs::table.find(id).filter(jobs::lease_owner.eq(owner)).filter(jobs::status.eq(JobStatus::Running.as_str())),
    )
    .set((jobs::lease_until.eq(to_db(lease_until)), jobs::updated_at.eq(to_db(now))))
    .execute(conn)?;
    Ok(n == 1)
}

/// How a run ended.
pub enum Outcome<'a> {
    Succeeded(&'a serde_json::Value),
    /// Failed; retried at `retry_at` while attempts remain, else failed for good.
    Failed {
        error: &'a str,
        retry_at: DateTime<Utc>,
    },
}

/// Ends a run; false when `owner` no longer holds the lease (another replica finished or took the job).
pub fn finish(conn: &mut DbConn, id: &str, owner: &str, outcome: Outcome<'_>, now: DateTime<Utc>) -> Result<bool> {
    let fenced =
        jobs::table.find(id).filter(jobs::lease_owner.eq(owner)).filter(jobs::status.eq(JobStatus::Running.as_str()));
    let n = match outcome {
        Outcome::Succeeded(result) => diesel::update(fenced)
            .set((
                jobs::status.eq(JobStatus::Succeeded.as_str()),
                jobs::result.eq(Some(result.to_string())),
                jobs::lease_owner.eq(None::<String>),
                jobs::lease_until.eq(None::<NaiveDateTime>),
                jobs::updated_at.eq(to_db(now)),
                jobs::finished_at.eq(Some(to_db(now))),
            ))
            .execute(conn)?,
        Outcome::Failed { error, retry_at } => {
            let job = get(conn, id)?;
            let last = job.attempts >= job.max_attempts;
            let error: String = error.chars().take(2000).collect();
            diesel::update(fenced)
                .set((
                    jobs::status.eq(if last { JobStatus::Failed } else { JobStatus::Queued }.as_str()),
                    jobs::last_error.eq(Some(error)),
                    jobs::lease_owner.eq(None::<String>),
                    jobs::lease_until.eq(None::<NaiveDateTime>),
                    jobs::run_after.eq(to_db(retry_at)),
                    jobs::updated_at.eq(to_db(now)),
                    jobs::finished_at.eq(if last { Some(to_db(now)) } else { None }),
                ))
                .execute(conn)?
        }
    };
    Ok(n == 1)
}

/// Uses up a job's remaining attempts, so the failure being recorded is final.
pub fn exhaust(conn: &mut DbConn, id: &str) -> Result<()> {
    diesel::update(jobs::table.find(id)).set(jobs::max_attempts.eq(jobs::attempts)).execute(conn)?;
    Ok(())
}

/// Cancels a job that has not finished; a running worker notices at its next progress report.
pub fn cancel(conn: &mut DbConn, id: &str, now: DateTime<Utc>) -> Result<bool> {
    let n = diesel::update(
        jobs::table.find(id).filter(jobs::status.eq_any([JobStatus::Queued.as_str(), JobStatus::Running.as_str()])),
    )
    .set((
        jobs::status.eq(JobStatus::Cancelled.as_str()),
        jobs::lease_owner.eq(None::<String>),
        jobs::lease_until.eq(None::<NaiveDateTime>),
        jobs::updated_at.eq(to_db(now)),
        jobs::finished_at.eq(Some(to_db(now))),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Jobs, newest first, optionally of one kind.
pub fn list(conn: &mut DbConn, kind: Option<&str>, page: Page) -> Result<Paged<Job>> {
    let mut count = jobs::table.into_boxed();
    let mut q = jobs::table.into_boxed();
    if let Some(k) = kind {
        count = count.filter(jobs::kind.eq(k.to_string()));
        q = q.filter(jobs::kind.eq(k.to_string()));
    }
    let total: i64 = count.count().get_result(conn)?;
    let rows: Vec<Row> = q
        .order((jobs::created_at.desc(), jobs::id.desc()))
        .offset(page.offset())
        .limit(page.limit())
        .select(Row::as_select())
        .load(conn)?;
    let items = rows.into_iter().map(Job::try_from).collect::<Result<Vec<_>>>()?;
    Ok(page.wrap(items, total))
}

/// The oldest job of `kind` that has not finished, if any: what a resumed command picks up again.
pub fn unfinished(conn: &mut DbConn, kind: &str) -> Result<Option<Job>> {
    let r: Option<Row> = jobs::table
        .filter(jobs::kind.eq(kind))
        .filter(jobs::status.eq_any([JobStatus::Queued.as_str(), JobStatus::Running.as_str()]))
        .order(jobs::created_at.asc())
        .select(Row::as_select())
        .first(conn)
        .optional()?;
    r.map(Job::try_from).transpose()
}
