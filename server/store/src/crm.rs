//! Where the CRM pull stands, per source: the high-water mark of the last finished run and, for an unfinished run,
//! the cursor of its next page. Written after each page is loaded, so a run that fails resumes at the page after
//! the last one loaded.

use crate::conn::DbConn;
use crate::error::Result;
use crate::schema::crm_pull_state as t;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone, Default, PartialEq, Eq)]
#[diesel(table_name = t, treat_none_as_null = true)]
pub struct PullState {
    pub source: String,
    /// The high-water mark of the last finished run: the next run asks for changes since it.
    pub since: Option<String>,
    /// The next page's cursor of a run that has not finished.
    pub cursor: Option<String>,
    /// The mark the unfinished run started from (it keeps asking with it).
    pub run_since: Option<String>,
    /// The mark the unfinished run will store when it finishes (the highest the CRM reported).
    pub next_since: Option<String>,
    /// Pages loaded by the unfinished run (or the last one).
    pub pages: i64,
    pub updated_at: NaiveDateTime,
}

pub fn get(conn: &mut DbConn, source: &str) -> Result<Option<PullState>> {
    Ok(t::table.find(source).select(PullState::as_select()).first(conn).optional()?)
}

pub fn put(conn: &mut DbConn, s: &PullState) -> Result<()> {
    let n = diesel::update(t::table.find(&s.source)).set(s).execute(conn)?;
    if n == 0 {
        diesel::insert_into(t::table).values(s).execute(conn)?;
    }
    Ok(())
}

/// Forgets a job's rejects numbered `from..to` (a page loaded again after a crash lists its rejects once).
pub fn clear_rejects(conn: &mut DbConn, job_id: &str, from: i64, to: i64) -> Result<()> {
    use crate::schema::import_rejects as r;
    diesel::delete(r::table.filter(r::job_id.eq(job_id)).filter(r::line_no.ge(from)).filter(r::line_no.lt(to)))
        .execute(conn)?;
    Ok(())
}
