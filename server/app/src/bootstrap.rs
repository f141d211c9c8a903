//! The first system administrator, created from the command line on an empty installation.

use crate::error::{AppError, Result};
use crate::{secrets, Env};
use siyu_domain::access::Role;
use siyu_domain::org::NodeKind;
use siyu_store::audit::{self, AuditContext, AuditEvent};
use siyu_store::org::{self as org_store, NewNode};
use siyu_store::staff::{self as staff_store, NewStaff};
use siyu_store::tx::write_tx;
use siyu_store::{accounts, DbConn};

pub struct BootstrapInput<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub name: &'a str,
    pub employee_no: &'a str,
    pub org_code: &'a str,
    pub org_name: &'a str,
}

/// The audit context of the command line.
pub fn cli_context() -> AuditContext {
    let user = std::env::var("USER").unwrap_or_default();
    AuditContext {
        actor_name: format!("cli:{}", user.chars().take(32).collect::<String>()),
        actor_roles: "cli".into(),
        client_addr: "local".into(),
        ..Default::default()
    }
}

/// Creates the head office (when there is none) and the first system administrator, who must change the
/// password at first login. Refused once any system administrator exists.
pub fn bootstrap(conn: &mut DbConn, env: &Env, input: BootstrapInput<'_>) -> Result<String> {
    crate::staff::check_username(input.username)?;
    let violations = env.policy().check(input.password, input.username, &env.common, false);
    if !violations.is_empty() {
        return Err(AppError::PasswordPolicy(violations));
    }
    let hash = secrets::hash_password(input.password).map_err(AppError::Internal)?;
    let now = env.now();
    let ctx = cli_context();
    write_tx(conn, |c| {
        if accounts::any_with_role(c, Role::SystemAdmin)? {
            return Err(AppError::refused(
                "already_bootstrapped",
                "a system administrator already exists; bootstrap runs only once",
                "系统管理员已存在；初始化只能执行一次",
            ));
        }
        let root = match org_store::root(c)? {
            Some(r) => r,
            None => {
                let r = org_store::insert(
                    c,
                    NewNode { parent: None, code: input.org_code, name: input.org_name, kind: NodeKind::HeadOffice },
                    now,
                )?;
                audit::append(c, &ctx, &AuditEvent::success("org.create", "org_node", &r.id), now)?;
                r
            }
        };
        let id = staff_store::insert(
            c,
            NewStaff { employee_no: input.employee_no, name: input.name, node_id: &root.id, wecom_userid: None },
            now,
        )?;
        accounts::insert(c, &id, input.username, &hash, true, now)?;
        accounts::grant(c, &id, Role::SystemAdmin, None, now)?;
        audit::append(
            c,
            &ctx,
            &AuditEvent::success("admin.bootstrap", "staff", &id)
                .with_detail(serde_json::json!({"username": input.username, "role": Role::SystemAdmin.code()})),
            now,
        )?;
        Ok(id)
    })
}
