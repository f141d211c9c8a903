//! The change history of things that move or change state, for the screens: one table for every kind.

use crate::conn::DbConn;
use crate::error::Result;
use crate::schema::change_history;
use crate::time::{from_db, to_db};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

/// What a history entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    OrgNode,
    Staff,
    /// A customer's managing RM (action `rm`) and outlet (action `outlet`): the 管户 history.
    Customer,
}

impl Subject {
    fn as_str(self) -> &'static str {
        match self {
            Subject::OrgNode => "org_node",
            Subject::Staff => "staff",
            Subject::Customer => "customer",
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub action: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub by: Option<String>,
    pub reason: Option<String>,
}

/// One change: `action` on the subject, from one value to another, by an actor (none for the system).
pub struct Change<'a> {
    pub action: &'a str,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub by: Option<&'a str>,
    /// Why (the assignment's reason, the import job, the resignation); none where the audit record suffices.
    pub reason: Option<&'a str>,
}

pub fn record(conn: &mut DbConn, subject: Subject, id: &str, change: Change<'_>, now: DateTime<Utc>) -> Result<()> {
    diesel::insert_into(change_history::table)
        .values((
            change_history::id.eq(uuid::Uuid::now_v7().to_string()),
            change_history::subject_type.eq(subject.as_str()),
            change_history::subject_id.eq(id),
            change_history::at.eq(to_db(now)),
            change_history::action.eq(change.action),
            change_history::from_value.eq(change.from),
            change_history::to_value.eq(change.to),
            change_history::actor_id.eq(change.by),
            change_history::reason.eq(change.reason),
        ))
        .execute(conn)?;
    Ok(())
}

type Row = (NaiveDateTime, String, Option<String>, Option<String>, Option<String>, Option<String>);

/// The subject's history, oldest first.
pub fn list(conn: &mut DbConn, subject: Subject, id: &str) -> Result<Vec<HistoryEntry>> {
    let rows: Vec<Row> = change_history::table
        .filter(change_history::subject_type.eq(subject.as_str()))
        .filter(change_history::subject_id.eq(id))
        .order((change_history::at.asc(), change_history::id.asc()))
        .select((
            change_history::at,
            change_history::action,
            change_history::from_value,
            change_history::to_value,
            change_history::actor_id,
            change_history::reason,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(at, action, from, to, by, reason)| HistoryEntry { at: from_db(at), action, from, to, by, reason })
        .collect())
}
