//! Weekly add targets and churn: every add and delete the callbacks apply to `wecom_contacts` is kept with WeCom's
//! time (`wecom_contact_events`), so each RM's and outlet's week — adds, deletions by the customer, deletions by
//! the RM, net — can be recomputed at any time. Weeks are ISO weeks in Asia/Shanghai time ("2026-W49"). A branch
//! manager or head office sets a weekly add target per RM or outlet, in force from a week on (audited).

use crate::error::{AppError, Result};
use crate::principal::{Meta, Principal};
use crate::Env;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc, Weekday};
use siyu_domain::access::Permission;
use siyu_domain::wecom_contact::{Change, DeleteReason, Status};
use siyu_store::audit::{self, AuditEvent};
use siyu_store::time::to_db;
use siyu_store::tx::write_tx;
use siyu_store::wecom::transfers::{self as store, ContactEventRow, TargetRow};
use siyu_store::{org, staff, DbConn};

/// China Standard Time: UTC+8 all year (no daylight saving), so a fixed offset is exact.
fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8")
}

/// The ISO week of an instant in Asia/Shanghai time, as "YYYY-Www".
pub fn week_of(at: DateTime<Utc>) -> String {
    let w = at.with_timezone(&shanghai()).iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

/// A well-formed, existing ISO week ("2026-W49").
pub fn parse_week(s: &str) -> Result<String> {
    let bad = || AppError::validation("week", "an ISO week such as 2026-W49");
    let (y, w) = s.split_once("-W").ok_or_else(bad)?;
    if y.len() != 4 || w.len() != 2 {
        return Err(bad());
    }
    let (y, w): (i32, u32) = (y.parse().map_err(|_| bad())?, w.parse().map_err(|_| bad())?);
    NaiveDate::from_isoywd_opt(y, w, Weekday::Mon).ok_or_else(bad)?;
    Ok(s.to_string())
}

/// Keeps an add or a deletion the inbox just applied (inside its transaction); `prev` is the relation's status
/// before. An add of a live relation, or a deletion of an ended one, is no new fact and is not counted.
#[allow(clippy::too_many_arguments)]
pub(crate) fn record(
    c: &mut DbConn,
    inbox_id: &str,
    corp: &str,
    external: &str,
    follow: &str,
    prev: Option<Status>,
    change: &Change,
    at: DateTime<Utc>,
) -> Result<()> {
    let live = matches!(prev, Some(Status::Active | Status::Half));
    let kind = match change {
        Change::Add { .. } | Change::AddHalf { .. } if !live => "add",
        Change::Delete(DeleteReason::Customer) if live => "delete_by_customer",
        Change::Delete(DeleteReason::Member) if live => "delete_by_rm",
        Change::Delete(DeleteReason::Transfer) if live => "delete_by_transfer",
        _ => return Ok(()),
    };
    store::record_event(
        c,
        &ContactEventRow {
            inbox_id: inbox_id.into(),
            corp: corp.into(),
            external_userid: external.into(),
            follow_userid: follow.into(),
            kind: kind.into(),
            occurred_at: to_db(at),
            week: week_of(at),
        },
    )?;
    Ok(())
}

/// One RM's or outlet's week.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct WeekRow {
    pub id: String,
    pub name: String,
    /// The outlet of an RM row.
    pub node_id: Option<String>,
    pub adds: i64,
    pub deleted_by_customer: i64,
    pub deleted_by_rm: i64,
    /// Adds minus both kinds of deletion (transfers move a customer, they lose none).
    pub net: i64,
    pub target: Option<i64>,
    /// Adds over target, when there is a target above zero.
    pub progress: Option<f64>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct WeeklyStats {
    pub week: String,
    pub node_id: String,
    pub rms: Vec<WeekRow>,
    pub outlets: Vec<WeekRow>,
}

fn finish(mut r: WeekRow, target: Option<i64>) -> WeekRow {
    r.net = r.adds - r.deleted_by_customer - r.deleted_by_rm;
    r.target = target;
    r.progress = target.filter(|t| *t > 0).map(|t| r.adds as f64 / t as f64);
    r
}

/// The week's figures of the RMs and outlets under `node` (the caller's scope root when none).
pub fn weekly(
    conn: &mut DbConn,
    env: &Env,
    p: &Principal,
    node: Option<&str>,
    week: Option<&str>,
) -> Result<WeeklyStats> {
    p.require(Permission::CustomerRead)?;
    let week = match week {
        Some(w) => parse_week(w)?,
        None => week_of(env.now()),
    };
    let root = match node {
        Some(id) => org::get_in_scope(conn, id, &p.scope)?,
        None => org::list_subtree(conn, &p.scope)?.into_iter().min_by_key(|n| n.depth).ok_or(AppError::NotFound)?,
    };
    let counts = store::week_counts(conn, &week, &root.path)?;
    let staff_rows = store::wecom_staff_under(conn, &root.path)?;
    let outlets: Vec<_> = org::list_subtree(conn, &siyu_domain::org::Scope::subtree(root.path.clone()))?
        .into_iter()
        .filter(|n| n.kind == "outlet")
        .collect();
    let staff_ids: Vec<String> = staff_rows.iter().map(|s| s.0.clone()).collect();
    let node_ids: Vec<String> = outlets.iter().map(|n| n.id.clone()).collect();
    let staff_targets = store::targets_in_force(conn, "staff", &staff_ids, &week)?;
    let node_targets = store::targets_in_force(conn, "node", &node_ids, &week)?;
    let add = |r: &mut WeekRow, kind: &str, n: i64| match kind {
        "add" => r.adds += n,
        "delete_by_customer" => r.deleted_by_customer += n,
        "delete_by_rm" => r.deleted_by_rm += n,
        _ => {}
    };
    let rms = staff_rows
        .iter()
        .map(|(id, name, node_id)| {
            let mut r =
                WeekRow { id: id.clone(), name: name.clone(), node_id: Some(node_id.clone()), ..Default::default() };
            for (_, _, kind, n) in counts.iter().filter(|c| c.0 == *id) {
                add(&mut r, kind, *n);
            }
            finish(r, staff_targets.iter().find(|t| t.0 == *id).map(|t| t.1))
        })
        .collect();
    let outlets = outlets
        .iter()
        .map(|o| {
            let mut r = WeekRow { id: o.id.clone(), name: o.name.clone(), ..Default::default() };
            for (_, _, kind, n) in counts.iter().filter(|c| c.1 == o.id) {
                add(&mut r, kind, *n);
            }
            finish(r, node_targets.iter().find(|t| t.0 == o.id).map(|t| t.1))
        })
        .collect();
    Ok(WeeklyStats { week, node_id: root.id, rms, outlets })
}

/// A weekly add target for an RM (`staff`) or an outlet (`node`), from `week` on (the current week when none).
#[derive(Debug, Clone)]
pub struct TargetRequest {
    pub subject_type: String,
    pub subject_id: String,
    pub week: Option<String>,
    pub target: i64,
}

pub fn set_target(conn: &mut DbConn, env: &Env, meta: &Meta, p: &Principal, req: &TargetRequest) -> Result<TargetRow> {
    p.require(Permission::WecomTargetWrite)?;
    if !(0..=10_000).contains(&req.target) {
        return Err(AppError::validation("target", "from 0 to 10000 adds a week"));
    }
    let week = match &req.week {
        Some(w) => parse_week(w)?,
        None => week_of(env.now()),
    };
    match req.subject_type.as_str() {
        "staff" => {
            staff::get_in_scope(conn, &req.subject_id, &p.scope)?;
        }
        "node" => {
            org::get_in_scope(conn, &req.subject_id, &p.scope)?;
        }
        _ => return Err(AppError::validation("subject_type", "staff or node")),
    }
    let now = env.now();
    let row = TargetRow {
        subject_type: req.subject_type.clone(),
        subject_id: req.subject_id.clone(),
        week: week.clone(),
        target: req.target,
        set_by: p.staff_id.clone(),
        set_at: to_db(now),
    };
    write_tx(conn, |c| {
        store::set_target(c, &row)?;
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent::success("wecom.add_target", &row.subject_type, &row.subject_id)
                .with_detail(serde_json::json!({"week": week, "target": row.target})),
            now,
        )?;
        Ok::<_, AppError>(())
    })?;
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn weeks_are_iso_weeks_in_shanghai_time() {
        // Sunday 2026-11-29 20:00 UTC is Monday 04:00 in Shanghai: the next ISO week.
        assert_eq!(week_of(Utc.with_ymd_and_hms(2026, 11, 29, 15, 59, 59).unwrap()), "2026-W48");
        assert_eq!(week_of(Utc.with_ymd_and_hms(2026, 11, 29, 16, 0, 0).unwrap()), "2026-W49");
        // 2027-01-01 belongs to 2026's last ISO week (W53).
        assert_eq!(week_of(Utc.with_ymd_and_hms(2027, 1, 1, 4, 0, 0).unwrap()), "2026-W53");
        assert!(parse_week("2026-W49").is_ok());
        for bad in ["2026-W54", "2026W49", "2026-W5", "x"] {
            assert!(parse_week(bad).is_err(), "{bad}");
        }
        assert!(parse_week("2025-W53").is_err(), "2025 has 52 ISO weeks");
    }
}
