//! Who is asking: the principal of a request, with its roles, permissions and org scope.

use crate::error::{AppError, Result};
use siyu_domain::access::{permissions_of, Permission, Role};
use siyu_domain::org::Scope;
use siyu_domain::session::Stage;
use siyu_domain::staff::StaffStatus;
use siyu_store::audit::AuditContext;
use siyu_store::{accounts, org, staff, DbConn};
use std::collections::BTreeSet;

/// Facts about the request that the audit trail records.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    pub client_addr: String,
    pub request_id: String,
    pub user_agent: String,
}

/// How the principal authenticated.
#[derive(Clone)]
pub enum Via {
    Session {
        id_hash: String,
        stage: Stage,
        csrf_token: String,
        authenticated_at: chrono::DateTime<chrono::Utc>,
    },
    Token {
        id: String,
    },
    /// The command line, run by whoever can read the configuration and the database.
    Cli,
}

impl std::fmt::Debug for Via {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Via::Session { stage, .. } => write!(f, "Session({})", stage.as_str()),
            Via::Token { id } => write!(f, "Token({id})"),
            Via::Cli => f.write_str("Cli"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Principal {
    pub staff_id: String,
    pub username: String,
    pub name: String,
    pub node_id: String,
    pub node_path: String,
    pub roles: Vec<Role>,
    pub permissions: BTreeSet<Permission>,
    pub scope: Scope,
    pub via: Via,
}

impl Principal {
    /// Loads the principal for a member of staff; only active staff with an account are principals.
    pub fn load(conn: &mut DbConn, staff_id: &str, via: Via) -> Result<Option<Principal>> {
        let s = match staff::get(conn, staff_id) {
            Ok(s) => s,
            Err(siyu_store::StoreError::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        if s.status != StaffStatus::Active.as_str() {
            return Ok(None);
        }
        let Some(account) = accounts::by_staff(conn, staff_id)? else {
            return Ok(None);
        };
        let node = org::get(conn, &s.node_id)?;
        let roles = accounts::roles(conn, staff_id)?;
        Ok(Some(Principal {
            staff_id: s.id,
            username: account.username,
            name: s.name,
            node_id: node.id,
            scope: Scope::subtree(node.path.clone()),
            node_path: node.path,
            permissions: permissions_of(&roles),
            roles,
            via,
        }))
    }

    pub fn can(&self, p: Permission) -> bool {
        self.permissions.contains(&p)
    }

    pub fn require(&self, p: Permission) -> Result<()> {
        if self.can(p) {
            Ok(())
        } else {
            Err(AppError::refused("forbidden", format!("this needs the permission {p}"), format!("需要权限 {p}")))
        }
    }

    /// Refuses unless the principal proved who they are within the last `minutes` (REQUIREMENTS B.13): a
    /// session re-authenticates through `auth::reauthenticate`; an API token never qualifies, since nobody
    /// typed a password or a code for it; the command line is its operator's.
    pub fn require_recent_auth(&self, now: chrono::DateTime<chrono::Utc>, minutes: i64) -> Result<()> {
        let recent = match &self.via {
            Via::Session { authenticated_at, .. } => now - *authenticated_at <= chrono::Duration::minutes(minutes),
            Via::Token { .. } => false,
            Via::Cli => true,
        };
        if recent {
            Ok(())
        } else {
            Err(AppError::refused(
                "reauth_required",
                format!("confirm your password (and second factor) first: this needs an authentication within the last {minutes} minutes"),
                format!("请先重新验证密码（及第二因素）：此操作要求 {minutes} 分钟内完成身份验证"),
            ))
        }
    }

    pub fn stage(&self) -> Stage {
        match &self.via {
            Via::Session { stage, .. } => *stage,
            _ => Stage::Full,
        }
    }

    pub fn session_hash(&self) -> &str {
        match &self.via {
            Via::Session { id_hash, .. } => id_hash,
            _ => "",
        }
    }

    /// A machine principal for an engine job that calls the use cases a person would (the CRM pull upserts
    /// through the batch API's use cases): the whole bank in scope, only `permissions`, named `system:<name>` in
    /// the audit trail and the history. Never built from a request.
    pub fn machine(name: &str, root_id: String, root_path: String, permissions: &[Permission]) -> Principal {
        Principal {
            staff_id: format!("system:{name}"),
            username: name.to_string(),
            name: name.to_string(),
            node_id: root_id,
            scope: Scope::subtree(root_path.clone()),
            node_path: root_path,
            roles: vec![],
            permissions: permissions.iter().copied().collect(),
            via: Via::Cli,
        }
    }

    pub fn roles_text(&self) -> String {
        self.roles.iter().map(|r| r.code()).collect::<Vec<_>>().join(",")
    }

    pub fn audit(&self, meta: &Meta) -> AuditContext {
        AuditContext {
            actor_id: self.staff_id.clone(),
            actor_name: self.username.clone(),
            actor_roles: self.roles_text(),
            org_node_id: self.node_id.clone(),
            client_addr: meta.client_addr.clone(),
            request_id: meta.request_id.clone(),
            session_hash: self.session_hash().to_string(),
        }
    }
}

/// The audit context of an anonymous actor (a login attempt), named by the user name they typed.
pub fn anonymous(username: &str, meta: &Meta) -> AuditContext {
    AuditContext {
        actor_name: username.chars().take(64).collect(),
        client_addr: meta.client_addr.clone(),
        request_id: meta.request_id.clone(),
        ..Default::default()
    }
}
