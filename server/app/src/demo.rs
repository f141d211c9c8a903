//! Seeding a demonstration bank (`siyu demo seed`): the organisation and staff are written here, audited as one
//! change; customers and holdings go through the import pipeline like any bank file, so they are sealed and
//! indexed exactly as real data; WeCom contact states are added for customers with an RM.

use crate::error::{AppError, Result};
use crate::Env;
use siyu_domain::access::Role;
use siyu_domain::demo::{DemoCustomer, DemoOrg, Rng};
use siyu_domain::org::NodeKind;
use siyu_store::audit::{self, AuditContext, AuditEvent};
use siyu_store::org::{self as org_store, NewNode};
use siyu_store::staff::{self as staff_store, NewStaff};
use siyu_store::tx::write_tx;
use siyu_store::wecom::contacts::{self, ContactRow};
use siyu_store::{accounts, DbConn};
use std::collections::HashMap;

/// What seeding the organisation added (a second run adds nothing).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeededOrg {
    pub nodes: usize,
    pub staff: usize,
}

/// Creates the demo organisation under the head office (created when there is none) and its staff with their
/// roles; nodes and staff that already exist (by code, by employee number) are kept. One transaction, one audit
/// record.
pub fn seed_org(conn: &mut DbConn, env: &Env, ctx: &AuditContext, org: &DemoOrg) -> Result<SeededOrg> {
    let now = env.now();
    write_tx(conn, |c| {
        let mut added = SeededOrg::default();
        let root = match org_store::root(c)? {
            Some(r) => r,
            None => {
                added.nodes += 1;
                org_store::insert(
                    c,
                    NewNode { parent: None, code: "HQ", name: "总行", kind: NodeKind::HeadOffice },
                    now,
                )?
            }
        };
        let mut nodes = HashMap::new();
        for n in &org.nodes {
            let node = match org_store::by_code(c, &n.code)? {
                Some(x) => x,
                None => {
                    let parent = match &n.parent {
                        None => &root,
                        Some(p) => nodes
                            .get(p)
                            .ok_or_else(|| AppError::Internal(format!("demo node {} before its parent", n.code)))?,
                    };
                    let kind = NodeKind::parse(n.kind).ok_or_else(|| AppError::Internal(n.kind.into()))?;
                    added.nodes += 1;
                    org_store::insert(c, NewNode { parent: Some(parent), code: &n.code, name: &n.name, kind }, now)?
                }
            };
            nodes.insert(n.code.clone(), node);
        }
        for s in &org.staff {
            if staff_store::by_employee_no(c, &s.employee_no)?.is_some() {
                continue;
            }
            let node = nodes.get(&s.node).ok_or_else(|| AppError::Internal(format!("demo node {}", s.node)))?;
            let id = staff_store::insert(
                c,
                NewStaff {
                    employee_no: &s.employee_no,
                    name: &s.name,
                    node_id: &node.id,
                    wecom_userid: Some(&s.wecom_userid),
                },
                now,
            )?;
            for r in &s.roles {
                let role = Role::parse(r).ok_or_else(|| AppError::Internal(format!("role {r}")))?;
                accounts::grant(c, &id, role, None, now)?;
            }
            added.staff += 1;
        }
        audit::append(
            c,
            ctx,
            &AuditEvent::success("demo.seed_org", "org_node", &root.id)
                .with_detail(serde_json::json!({"nodes": added.nodes, "staff": added.staff})),
            now,
        )?;
        Ok(added)
    })
}

/// The WeCom corp the demo contacts belong to: the first configured corp, or a placeholder.
pub fn demo_corp(env: &Env) -> String {
    env.settings.wecom.corps.first().map(|c| c.corp_id.clone()).filter(|c| !c.is_empty()).unwrap_or("wwdemo".into())
}

/// The WeCom relation of one demo customer with their RM, when they have one: most are active, some half-added,
/// deleted by either side, or a failed transfer. Deterministic per (seed, customer).
pub fn contact_of(
    corp: &str,
    seed: u64,
    i: u64,
    c: &DemoCustomer,
    wecom_of: &HashMap<String, String>,
    now: chrono::NaiveDateTime,
) -> Option<ContactRow> {
    let follow = wecom_of.get(c.rm.as_ref()?)?;
    let mut r = Rng::for_item(seed ^ 0xC0_47AC, i);
    if r.below(100) >= 65 {
        return None;
    }
    let added = now - chrono::Duration::days(1 + r.below(900) as i64);
    let (status, event, deleted, reason, failure) = match r.below(100) {
        0..=84 => ("active", "add_external_contact", None, None, None),
        85..=89 => ("half", "add_half_external_contact", None, None, None),
        90..=94 => ("deleted", "del_follow_user", Some(now), Some("customer"), None),
        95..=97 => ("deleted", "del_external_contact", Some(now), Some("member"), None),
        _ => ("transfer_failed", "transfer_fail", None, None, Some("customer_refused")),
    };
    Some(ContactRow {
        corp: corp.to_string(),
        external_userid: format!("wmDemo{:016x}", Rng::for_item(seed, i).next_u64()),
        follow_userid: follow.clone(),
        status: status.into(),
        state: Some("demo".into()),
        added_at: Some(added),
        deleted_at: deleted,
        delete_reason: reason.map(Into::into),
        transfer_failure: failure.map(Into::into),
        last_event: event.into(),
        last_event_at: deleted.unwrap_or(added),
        updated_at: now,
    })
}

/// Writes a batch of demo contacts in one transaction (an existing relation is replaced: a re-seed changes
/// nothing).
pub fn save_contacts(conn: &mut DbConn, rows: &[ContactRow]) -> Result<()> {
    write_tx(conn, |c| {
        for r in rows {
            contacts::save(c, r)?;
        }
        Ok(())
    })
}
