//! Managing staff: records, moves, status, roles and their accounts.

use crate::error::{check_text, AppError, Result};
use crate::principal::{Meta, Principal};
use crate::{secrets, Env};
use siyu_domain::access::{check_grant, Permission, Role};
use siyu_domain::password::one_time_password;
use siyu_domain::staff::{is_reserved_username, is_valid_username, StaffStatus};
use siyu_store::audit::{self, AuditEvent};
use siyu_store::history::{self, Change, Subject};
use siyu_store::org as org_store;
use siyu_store::staff::{self as store, NewStaff, Staff};
use siyu_store::tx::write_tx;
use siyu_store::{accounts, login, sessions, DbConn};

pub struct NewStaffInput<'a> {
    pub employee_no: &'a str,
    pub name: &'a str,
    pub node_id: &'a str,
    pub wecom_userid: Option<&'a str>,
    pub username: Option<&'a str>,
}

/// A new member of staff, with the one-time password of their account when one was made.
pub struct Created {
    pub staff: Staff,
    pub initial_password: Option<String>,
}

fn check_employee_no(v: &str) -> Result<()> {
    if !(1..=32).contains(&v.len()) || !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(AppError::validation("employee_no", "must be 1 to 32 letters, digits, '-' or '_'"));
    }
    Ok(())
}

fn check_wecom_userid(v: Option<&str>) -> Result<()> {
    if let Some(w) = v {
        if !(1..=64).contains(&w.len()) || !w.chars().all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c)) {
            return Err(AppError::validation("wecom_userid", "must be 1 to 64 letters, digits or . _ - @"));
        }
    }
    Ok(())
}

pub fn check_username(username: &str) -> Result<()> {
    if !is_valid_username(username) {
        return Err(AppError::validation("username", "must be 3 to 64 letters, digits, '.', '_' or '-'"));
    }
    if is_reserved_username(username) {
        return Err(AppError::validation("username", "is a reserved name and cannot be used"));
    }
    Ok(())
}

pub fn create(conn: &mut DbConn, env: &Env, meta: &Meta, p: &Principal, input: NewStaffInput<'_>) -> Result<Created> {
    p.require(Permission::StaffWrite)?;
    check_employee_no(input.employee_no)?;
    check_text("name", input.name, 1, 64)?;
    check_wecom_userid(input.wecom_userid)?;
    let account = match input.username {
        Some(u) => {
            check_username(u)?;
            let password = one_time_password(&secrets::random_bytes::<16>());
            let hash = secrets::hash_password(&password).map_err(AppError::Internal)?;
            Some((u, password, hash))
        }
        None => None,
    };
    let now = env.now();
    write_tx(conn, |c| {
        let node = org_store::get_in_scope(c, input.node_id, &p.scope)?;
        let id = store::insert(
            c,
            NewStaff {
                employee_no: input.employee_no,
                name: input.name.trim(),
                node_id: &node.id,
                wecom_userid: input.wecom_userid,
            },
            now,
        )?;
        if let Some((u, _, hash)) = &account {
            accounts::insert(c, &id, u, hash, true, now)?;
        }
        history::record(
            c,
            Subject::Staff,
            &id,
            Change { action: "create", from: None, to: Some(&node.id), by: Some(&p.staff_id), reason: None },
            now,
        )?;
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent::success("staff.create", "staff", &id)
                .with_detail(serde_json::json!({"node_id": node.id, "account": account.is_some()})),
            now,
        )?;
        Ok(Created { staff: store::get(c, &id)?, initial_password: account.as_ref().map(|a| a.1.clone()) })
    })
}

pub fn get(conn: &mut DbConn, p: &Principal, id: &str) -> Result<(Staff, Vec<Role>)> {
    p.require(Permission::StaffRead)?;
    let s = store::get_in_scope(conn, id, &p.scope)?;
    let roles = accounts::roles(conn, id)?;
    Ok((s, roles))
}

pub fn update(
    conn: &mut DbConn,
    env: &Env,
    meta: &Meta,
    p: &Principal,
    id: &str,
    name: Option<&str>,
    wecom_userid: Option<Option<&str>>,
) -> Result<Staff> {
    p.require(Permission::StaffWrite)?;
    if let Some(n) = name {
        check_text("name", n, 1, 64)?;
    }
    if let Some(w) = wecom_userid {
        check_wecom_userid(w)?;
    }
    let now = env.now();
    write_tx(conn, |c| {
        store::get_in_scope(c, id, &p.scope)?;
        store::update_profile(c, id, name.map(str::trim), wecom_userid, now)?;
        let fields: Vec<&str> =
            [name.map(|_| "name"), wecom_userid.map(|_| "wecom_userid")].into_iter().flatten().collect();
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent::success("staff.update", "staff", id).with_detail(serde_json::json!({"fields": fields})),
            now,
        )?;
        Ok(store::get(c, id)?)
    })
}

pub fn move_to(conn: &mut DbConn, env: &Env, meta: &Meta, p: &Principal, id: &str, node_id: &str) -> Result<Staff> {
    p.require(Permission::StaffWrite)?;
    let now = env.now();
    write_tx(conn, |c| {
        let s = store::get_in_scope(c, id, &p.scope)?;
        let node = org_store::get_in_scope(c, node_id, &p.scope)?;
        store::set_node(c, id, &node.id, now)?;
        history::record(
            c,
            Subject::Staff,
            id,
            Change { action: "move", from: Some(&s.node_id), to: Some(&node.id), by: Some(&p.staff_id), reason: None },
            now,
        )?;
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent::success("staff.move", "staff", id)
                .with_detail(serde_json::json!({"from": s.node_id, "to": node.id})),
            now,
        )?;
        Ok(store::get(c, id)?)
    })
}

/// Suspends, reactivates or resigns. Leaving active ends every session at once.
pub fn set_status(
    conn: &mut DbConn,
    env: &Env,
    meta: &Meta,
    p: &Principal,
    id: &str,
    to: StaffStatus,
) -> Result<Staff> {
    p.require(Permission::StaffWrite)?;
    if id == p.staff_id {
        return Err(AppError::refused("forbidden", "you cannot change your own status", "不能更改自己的状态"));
    }
    let now = env.now();
    write_tx(conn, |c| {
        let s = store::get_in_scope(c, id, &p.scope)?;
        let from = StaffStatus::parse(&s.status).ok_or_else(|| AppError::Internal("stored staff status".into()))?;
        if !from.can_become(to) {
            return Err(AppError::refused(
                "invalid_transition",
                format!("a member of staff who is {} cannot become {}", from.as_str(), to.as_str()),
                format!("状态为{}的员工不能变为{}", from.label_zh(), to.label_zh()),
            ));
        }
        // No customer is ever left without an owner: a resigning RM's customers go to the remote team, or the
        // resignation is refused (see assignments::hand_over_on_resignation).
        let handed_over =
            if to == StaffStatus::Resigned { crate::assignments::hand_over_on_resignation(c, p, &s, now)? } else { 0 };
        store::set_status(c, id, to, now)?;
        let ended = if to == StaffStatus::Active { 0 } else { sessions::revoke_all(c, id, now)? };
        history::record(
            c,
            Subject::Staff,
            id,
            Change {
                action: "status",
                from: Some(from.as_str()),
                to: Some(to.as_str()),
                by: Some(&p.staff_id),
                reason: None,
            },
            now,
        )?;
        let action = match to {
            StaffStatus::Active => "staff.reactivate",
            StaffStatus::Suspended => "staff.suspend",
            StaffStatus::Resigned => "staff.resign",
        };
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent::success(action, "staff", id)
                .with_detail(serde_json::json!({"sessions_ended": ended, "customers_reassigned": handed_over})),
            now,
        )?;
        Ok(store::get(c, id)?)
    })
}

pub fn grant(conn: &mut DbConn, env: &Env, meta: &Meta, p: &Principal, id: &str, role: &str) -> Result<Vec<Role>> {
    p.require(Permission::RoleAssign)?;
    let role = Role::parse(role).ok_or_else(|| AppError::validation("role", "is not a role"))?;
    let now = env.now();
    write_tx(conn, |c| {
        store::get_in_scope(c, id, &p.scope)?;
        let held = accounts::roles(c, id)?;
        if let Err(e) = check_grant(&held, role, id == p.staff_id) {
            let code = match e {
                siyu_domain::access::GrantError::SeparationOfDuties { .. } => "separation_of_duties",
                siyu_domain::access::GrantError::OwnRoles => "own_roles",
                siyu_domain::access::GrantError::AlreadyHeld => "already_held",
            };
            return Err(AppError::refused(code, e.to_string(), e.message_zh()));
        }
        accounts::grant(c, id, role, Some(&p.staff_id), now)?;
        // New privileges take effect in fresh sessions only.
        sessions::revoke_all(c, id, now)?;
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent::success("role.grant", "staff", id)
                .with_detail(serde_json::json!({"role": role.code(), "grantor": p.staff_id})),
            now,
        )?;
        Ok(accounts::roles(c, id)?)
    })
}

pub fn revoke(conn: &mut DbConn, env: &Env, meta: &Meta, p: &Principal, id: &str, role: &str) -> Result<Vec<Role>> {
    p.require(Permission::RoleAssign)?;
    let role = Role::parse(role).ok_or(AppError::NotFound)?;
    if id == p.staff_id {
        return Err(AppError::refused("own_roles", "nobody may change their own roles", "任何人都不能更改自己的角色"));
    }
    let now = env.now();
    write_tx(conn, |c| {
        store::get_in_scope(c, id, &p.scope)?;
        if !accounts::revoke(c, id, role)? {
            return Err(AppError::NotFound);
        }
        sessions::revoke_all(c, id, now)?;
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent::success("role.revoke", "staff", id)
                .with_detail(serde_json::json!({"role": role.code(), "grantor": p.staff_id})),
            now,
        )?;
        Ok(accounts::roles(c, id)?)
    })
}

/// Gives an account a new one-time password that must be changed at the next login.
pub fn reset_password(conn: &mut DbConn, env: &Env, meta: &Meta, p: &Principal, id: &str) -> Result<String> {
    p.require(Permission::AccountReset)?;
    if id == p.staff_id {
        return Err(AppError::refused("forbidden", "change your own password instead", "请通过修改密码更改自己的密码"));
    }
    let password = one_time_password(&secrets::random_bytes::<16>());
    let hash = secrets::hash_password(&password).map_err(AppError::Internal)?;
    let now = env.now();
    write_tx(conn, |c| {
        store::get_in_scope(c, id, &p.scope)?;
        let account = accounts::by_staff(c, id)?.ok_or(AppError::NotFound)?;
        accounts::set_password(c, id, &hash, true, now)?;
        sessions::revoke_all(c, id, now)?;
        login::unlock(c, &account.username)?;
        audit::append(c, &p.audit(meta), &AuditEvent::success("account.reset_password", "staff", id), now)?;
        Ok(password.clone())
    })
}

pub fn unlock(conn: &mut DbConn, env: &Env, meta: &Meta, p: &Principal, id: &str) -> Result<()> {
    p.require(Permission::AccountReset)?;
    let now = env.now();
    write_tx(conn, |c| {
        store::get_in_scope(c, id, &p.scope)?;
        let account = accounts::by_staff(c, id)?.ok_or(AppError::NotFound)?;
        login::unlock(c, &account.username)?;
        audit::append(c, &p.audit(meta), &AuditEvent::success("account.unlock", "staff", id), now)?;
        Ok(())
    })
}

pub fn end_sessions(conn: &mut DbConn, env: &Env, meta: &Meta, p: &Principal, id: &str) -> Result<usize> {
    p.require(Permission::SessionRevoke)?;
    let now = env.now();
    write_tx(conn, |c| {
        store::get_in_scope(c, id, &p.scope)?;
        let n = sessions::revoke_all(c, id, now)?;
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent::success("account.end_sessions", "staff", id).with_detail(serde_json::json!({"ended": n})),
            now,
        )?;
        Ok(n)
    })
}
