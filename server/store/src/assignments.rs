//! Assignment (管户): the customers a rule matches, the RMs a target stands for, and changing a customer's managing
//! RM together with its history entry.

use crate::conn::{DbConn, MultiBackend};
use crate::error::Result;
use crate::history::{self, Change, Subject};
use crate::page::escape_like;
use crate::schema::{customers, org_nodes, role_assignments, staff};
use crate::time::to_db;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use siyu_domain::assignment::CurrentRm;

/// What a rule takes: customers under `node_path` (a path prefix inside the caller's scope), in these AUM bands
/// and risk levels (empty: any), owned as `current_rm` says, or exactly the listed ids. Merged records never.
#[derive(Debug, Clone)]
pub struct Candidates {
    pub node_path: String,
    pub aum_bands: Option<Vec<String>>,
    pub risk_levels: Vec<String>,
    pub current_rm: CurrentRm,
    pub ids: Option<Vec<String>>,
}

/// (customer id, current RM) of every customer matching `f`.
pub fn candidates(conn: &mut DbConn, f: &Candidates) -> Result<Vec<(String, Option<String>)>> {
    let base = || {
        let mut q = customers::table
            .inner_join(org_nodes::table)
            .filter(org_nodes::path.like(format!("{}%", escape_like(&f.node_path))).escape('\\'))
            .filter(customers::merged_into.is_null())
            .select((customers::id, customers::rm_staff_id))
            .into_boxed::<MultiBackend>();
        if let Some(b) = &f.aum_bands {
            q = q.filter(customers::aum_band.eq_any(b.clone()));
        }
        if !f.risk_levels.is_empty() {
            q = q.filter(customers::risk_level.eq_any(f.risk_levels.clone()));
        }
        let with_status = |s: &'static str| staff::table.filter(staff::status.eq(s)).select(staff::id.nullable());
        q = match &f.current_rm {
            CurrentRm::Any => q,
            CurrentRm::None => q.filter(customers::rm_staff_id.is_null()),
            CurrentRm::Resigned => q.filter(customers::rm_staff_id.eq_any(with_status("resigned"))),
            CurrentRm::NoActive => q.filter(
                customers::rm_staff_id
                    .is_null()
                    .or(diesel::dsl::not(customers::rm_staff_id.eq_any(with_status("active")))),
            ),
            CurrentRm::Staff(id) => q.filter(customers::rm_staff_id.eq(id.clone())),
        };
        q.order(customers::id.asc())
    };
    match &f.ids {
        None => Ok(base().load(conn)?),
        Some(ids) => {
            let mut out = vec![];
            for chunk in ids.chunks(500) {
                out.extend(base().filter(customers::id.eq_any(chunk.to_vec())).load::<(String, Option<String>)>(conn)?);
            }
            Ok(out)
        }
    }
}

const RM_ROLES: [&str; 2] = ["rm", "remote_rm"];

/// Active staff holding an RM role (`rm` or `remote_rm`) in the subtree at `node_path`, by id.
pub fn team(conn: &mut DbConn, node_path: &str) -> Result<Vec<String>> {
    Ok(staff::table
        .inner_join(org_nodes::table)
        .inner_join(role_assignments::table)
        .filter(org_nodes::path.like(format!("{}%", escape_like(node_path))).escape('\\'))
        .filter(staff::status.eq("active"))
        .filter(role_assignments::role.eq_any(RM_ROLES))
        .select(staff::id)
        .distinct()
        .order(staff::id.asc())
        .load(conn)?)
}

/// The remote direct-operations team: active staff holding `remote_rm`, wherever they sit.
pub fn remote_team(conn: &mut DbConn) -> Result<Vec<String>> {
    Ok(staff::table
        .inner_join(role_assignments::table)
        .filter(staff::status.eq("active"))
        .filter(role_assignments::role.eq("remote_rm"))
        .select(staff::id)
        .distinct()
        .order(staff::id.asc())
        .load(conn)?)
}

/// Whether `staff_id` is active and holds an RM role.
pub fn is_active_rm(conn: &mut DbConn, staff_id: &str) -> Result<bool> {
    let n: i64 = staff::table
        .inner_join(role_assignments::table)
        .filter(staff::id.eq(staff_id))
        .filter(staff::status.eq("active"))
        .filter(role_assignments::role.eq_any(RM_ROLES))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// How many customers (not merged away) `staff_id` manages.
pub fn count_managed(conn: &mut DbConn, staff_id: &str) -> Result<i64> {
    Ok(customers::table
        .filter(customers::rm_staff_id.eq(staff_id))
        .filter(customers::merged_into.is_null())
        .count()
        .get_result(conn)?)
}

/// Who changed an owner, and why.
#[derive(Debug, Clone, Copy)]
pub struct By<'a> {
    pub actor: Option<&'a str>,
    pub reason: &'a str,
}

/// Gives a customer a new managing RM and records the change — only if their RM is still `from` (someone may have
/// changed it since the plan was made). Returns whether it changed.
pub fn set_rm(
    conn: &mut DbConn,
    customer_id: &str,
    from: Option<&str>,
    to: Option<&str>,
    by: By<'_>,
    now: DateTime<Utc>,
) -> Result<bool> {
    if from == to {
        return Ok(false);
    }
    let target = customers::table.filter(customers::id.eq(customer_id)).into_boxed::<MultiBackend>();
    let target = match from {
        Some(f) => target.filter(customers::rm_staff_id.eq(f)),
        None => target.filter(customers::rm_staff_id.is_null()),
    };
    let ids: Vec<String> = target.select(customers::id).load(conn)?;
    if ids.is_empty() {
        return Ok(false);
    }
    diesel::update(customers::table.find(customer_id))
        // The row no longer holds what the last import wrote: the next file that names it rewrites it.
        .set((
            customers::rm_staff_id.eq(to),
            customers::updated_at.eq(to_db(now)),
            customers::row_digest.eq(None::<String>),
        ))
        .execute(conn)?;
    record_owner(conn, customer_id, "rm", from, to, by, now)?;
    Ok(true)
}

/// Records a change of a customer's RM (`rm`) or outlet (`outlet`) made elsewhere; nothing when nothing changed.
pub fn record_owner(
    conn: &mut DbConn,
    customer_id: &str,
    action: &str,
    from: Option<&str>,
    to: Option<&str>,
    by: By<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    if from == to {
        return Ok(());
    }
    history::record(
        conn,
        Subject::Customer,
        customer_id,
        Change { action, from, to, by: by.actor, reason: Some(by.reason) },
        now,
    )
}
