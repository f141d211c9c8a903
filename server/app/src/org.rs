//! Managing the organisation tree.

use crate::error::{check_text, AppError, Result};
use crate::principal::{Meta, Principal};
use crate::Env;
use siyu_domain::access::Permission;
use siyu_domain::org::{check_move, NodeKind};
use siyu_store::audit::{self, AuditEvent};
use siyu_store::history::{self, Change, Subject};
use siyu_store::org::{self as store, NewNode, OrgNode};
use siyu_store::tx::write_tx;
use siyu_store::DbConn;

fn check_code(code: &str) -> Result<()> {
    if !(1..=32).contains(&code.len()) || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(AppError::validation("code", "must be 1 to 32 letters, digits, '-' or '_'"));
    }
    Ok(())
}

/// A node to create under `parent_id`.
pub struct NewNodeInput<'a> {
    pub parent_id: &'a str,
    pub code: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
}

pub fn create(conn: &mut DbConn, env: &Env, meta: &Meta, p: &Principal, input: NewNodeInput<'_>) -> Result<OrgNode> {
    let NewNodeInput { parent_id, code, name, kind } = input;
    p.require(Permission::OrgWrite)?;
    check_code(code)?;
    check_text("name", name, 1, 100)?;
    let kind = NodeKind::parse(kind).ok_or_else(|| AppError::validation("kind", "is not a node kind"))?;
    if kind == NodeKind::HeadOffice {
        return Err(AppError::validation("kind", "there is only one head office, the root"));
    }
    let now = env.now();
    write_tx(conn, |c| {
        let parent = store::get_in_scope(c, parent_id, &p.scope)?;
        let node = store::insert(c, NewNode { parent: Some(&parent), code, name: name.trim(), kind }, now)?;
        history::record(
            c,
            Subject::OrgNode,
            &node.id,
            Change { action: "create", from: None, to: Some(&parent.id), by: Some(&p.staff_id), reason: None },
            now,
        )?;
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent::success("org.create", "org_node", &node.id)
                .with_detail(serde_json::json!({"code": code, "parent_id": parent.id, "kind": kind.as_str()})),
            now,
        )?;
        Ok(node)
    })
}

pub fn rename(conn: &mut DbConn, env: &Env, meta: &Meta, p: &Principal, id: &str, name: &str) -> Result<OrgNode> {
    p.require(Permission::OrgWrite)?;
    check_text("name", name, 1, 100)?;
    let now = env.now();
    write_tx(conn, |c| {
        let node = store::get_in_scope(c, id, &p.scope)?;
        store::rename(c, id, name.trim(), now)?;
        history::record(
            c,
            Subject::OrgNode,
            id,
            Change {
                action: "rename",
                from: Some(&node.name),
                to: Some(name.trim()),
                by: Some(&p.staff_id),
                reason: None,
            },
            now,
        )?;
        audit::append(c, &p.audit(meta), &AuditEvent::success("org.rename", "org_node", id), now)?;
        Ok(store::get(c, id)?)
    })
}

pub fn move_to(
    conn: &mut DbConn,
    env: &Env,
    meta: &Meta,
    p: &Principal,
    id: &str,
    new_parent_id: &str,
) -> Result<OrgNode> {
    p.require(Permission::OrgWrite)?;
    let now = env.now();
    write_tx(conn, |c| {
        let node = store::get_in_scope(c, id, &p.scope)?;
        let parent = store::get_in_scope(c, new_parent_id, &p.scope)?;
        check_move(&node.path, &parent.path, node.parent_id.is_none())
            .map_err(|e| AppError::refused("invalid_move", e.to_string(), e.message_zh()))?;
        // Moving the principal's own scope root would move it outside their reach.
        if node.path == p.scope.prefix() {
            return Err(AppError::refused("invalid_move", "you cannot move your own node", "不能移动自己所在的机构"));
        }
        store::move_node(c, &node, &parent, now)?;
        history::record(
            c,
            Subject::OrgNode,
            id,
            Change {
                action: "move",
                from: node.parent_id.as_deref(),
                to: Some(&parent.id),
                by: Some(&p.staff_id),
                reason: None,
            },
            now,
        )?;
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent::success("org.move", "org_node", id)
                .with_detail(serde_json::json!({"from": node.parent_id, "to": parent.id})),
            now,
        )?;
        Ok(store::get(c, id)?)
    })
}
