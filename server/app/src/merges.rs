//! Identity merge and unmerge (One-ID): two records found to be one person become one — the merged record's
//! holdings and events move to the survivor and the merged record is marked, never deleted — explained by the
//! identifiers that matched, audited, and undone exactly by an unmerge.

use crate::customers::{masked, MaskedCustomer};
use crate::error::{check_text, AppError, Result};
use crate::principal::{Meta, Principal};
use crate::Env;
use siyu_domain::access::Permission;
use siyu_domain::identity::{check_merge, matched, movable};
use siyu_store::audit::{self, AuditEvent};
use siyu_store::history::{self, Change, Subject};
use siyu_store::merges::{self as store, MergeRow};
use siyu_store::time::to_db;
use siyu_store::tx::write_tx;
use siyu_store::{customers, DbConn};

/// A record that looks like the same person, and why.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Candidate {
    pub customer: MaskedCustomer,
    pub matched: Vec<&'static str>,
}

/// Records in the caller's scope that share a customer number, mobile or ID number with this one.
pub fn candidates(conn: &mut DbConn, env: &Env, p: &Principal, id: &str) -> Result<Vec<Candidate>> {
    p.require(Permission::CustomerRead)?;
    customers::get_in_scope(conn, id, &p.scope)?;
    let me = store::identifiers(conn, id)?;
    let mut out = vec![];
    for other in store::duplicates(conn, &me, &p.scope)? {
        let row = customers::get_in_scope(conn, &other.id, &p.scope)?;
        out.push(Candidate { customer: masked(&env.vault, row)?, matched: matched(&me, &other) });
    }
    Ok(out)
}

/// What a merge did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Merged {
    pub merge_id: String,
    pub survivor: String,
    pub merged: String,
    /// The identifiers the two records share: the merge's explanation.
    pub matched: Vec<&'static str>,
    pub holdings_moved: usize,
    pub events_moved: usize,
    /// Rows the survivor already had a match for: left on the merged record.
    pub holdings_kept: usize,
    pub events_kept: usize,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Moved {
    holdings: Vec<String>,
    events: Vec<String>,
}

fn refused(e: siyu_domain::identity::MergeRefusal) -> AppError {
    AppError::refused(e.code(), e.to_string(), e.message_zh())
}

pub fn merge(
    conn: &mut DbConn,
    env: &Env,
    meta: &Meta,
    p: &Principal,
    survivor: &str,
    merged: &str,
    reason: &str,
) -> Result<Merged> {
    p.require(Permission::CustomerWrite)?;
    check_text("reason", reason.trim(), 4, 500)?;
    let now = env.now();
    write_tx(conn, |c| {
        customers::get_in_scope(c, survivor, &p.scope)?;
        customers::get_in_scope(c, merged, &p.scope)?;
        let (s, m) = (store::identifiers(c, survivor)?, store::identifiers(c, merged)?);
        let why = check_merge(&s, &m).map_err(refused)?;
        let keys = |rows: Vec<(String, String)>| rows.into_iter().map(|r| r.1).collect::<Vec<_>>();
        let (h_moved, h_kept) = movable(&keys(store::holdings_of(c, survivor)?), &store::holdings_of(c, merged)?);
        let (e_moved, e_kept) = movable(&keys(store::events_of(c, survivor)?), &store::events_of(c, merged)?);
        store::move_rows(c, &h_moved, &e_moved, survivor)?;
        store::set_merged_into(c, merged, Some(survivor), now)?;
        let merge_id = uuid::Uuid::now_v7().to_string();
        let moved = Moved { holdings: h_moved.clone(), events: e_moved.clone() };
        store::insert(
            c,
            &MergeRow {
                id: merge_id.clone(),
                survivor_id: survivor.into(),
                merged_id: merged.into(),
                matched: serde_json::to_string(&why).map_err(|e| AppError::Internal(e.to_string()))?,
                moved: serde_json::to_string(&moved).map_err(|e| AppError::Internal(e.to_string()))?,
                reason: reason.trim().into(),
                merged_by: Some(p.staff_id.clone()),
                merged_at: to_db(now),
                undone_by: None,
                undone_at: None,
            },
        )?;
        let change = Change {
            action: "merge",
            from: None,
            to: Some(survivor),
            by: Some(&p.staff_id),
            reason: Some(reason.trim()),
        };
        history::record(c, Subject::Customer, merged, change, now)?;
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent { reason: reason.trim().into(), ..AuditEvent::success("customer.merge", "customer", merged) }
                .with_detail(serde_json::json!({
                    "merge_id": merge_id, "survivor": survivor, "matched": why,
                    "holdings_moved": h_moved.len(), "events_moved": e_moved.len(),
                    "holdings_kept": h_kept.len(), "events_kept": e_kept.len(),
                })),
            now,
        )?;
        Ok(Merged {
            merge_id,
            survivor: survivor.into(),
            merged: merged.into(),
            matched: why,
            holdings_moved: h_moved.len(),
            events_moved: e_moved.len(),
            holdings_kept: h_kept.len(),
            events_kept: e_kept.len(),
        })
    })
}

/// Undoes the merge that took `merged` away: exactly the rows it moved go back, and the record stands alone again.
pub fn unmerge(conn: &mut DbConn, env: &Env, meta: &Meta, p: &Principal, merged: &str, reason: &str) -> Result<String> {
    p.require(Permission::CustomerWrite)?;
    check_text("reason", reason.trim(), 4, 500)?;
    let now = env.now();
    write_tx(conn, |c| {
        customers::get_in_scope(c, merged, &p.scope)?;
        let Some(m) = store::active_for(c, merged)? else {
            return Err(AppError::refused("not_merged", "this record is not merged", "该记录未被合并"));
        };
        let moved: Moved = serde_json::from_str(&m.moved).map_err(|e| AppError::Internal(e.to_string()))?;
        store::move_rows(c, &moved.holdings, &moved.events, merged)?;
        store::set_merged_into(c, merged, None, now)?;
        store::mark_undone(c, &m.id, Some(&p.staff_id), now)?;
        let change = Change {
            action: "unmerge",
            from: Some(&m.survivor_id),
            to: None,
            by: Some(&p.staff_id),
            reason: Some(reason.trim()),
        };
        history::record(c, Subject::Customer, merged, change, now)?;
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent { reason: reason.trim().into(), ..AuditEvent::success("customer.unmerge", "customer", merged) }
                .with_detail(serde_json::json!({
                    "merge_id": m.id, "survivor": m.survivor_id,
                    "holdings_restored": moved.holdings.len(), "events_restored": moved.events.len(),
                })),
            now,
        )?;
        Ok(m.id)
    })
}
