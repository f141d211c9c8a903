//! Roles, permissions and separation of duties (三权分立).
//!
//! Permissions are named constants; a role is a fixed set of them. What a principal may do is decided from its
//! roles here, and what it may see from its org scope (`org::Scope`). Nothing else grants access.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

macro_rules! enum_with_codes {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "&'static str")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn parse(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl From<$name> for &'static str {
            fn from(v: $name) -> Self { v.code() }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                Self::parse(&s).ok_or_else(|| format!("unknown {}: {s}", stringify!($name)))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

enum_with_codes!(
    /// One thing a principal may do. Routes name the permission they need.
    Permission {
        OrgRead => "org.read",
        OrgWrite => "org.write",
        StaffRead => "staff.read",
        StaffWrite => "staff.write",
        RoleAssign => "role.assign",
        AccountReset => "account.reset",
        SessionRevoke => "session.revoke",
        SecurityPolicyRead => "security.policy.read",
        AuditRead => "audit.read",
        AuditVerify => "audit.verify",
        SystemStatus => "system.status",
        CustomerRead => "customer.read",
        CustomerWrite => "customer.write",
        PiiUnmask => "pii.unmask",
        DataExport => "data.export",
        ExportApprove => "export.approve",
        CustomerConsent => "customer.consent",
        CustomerAssign => "customer.assign",
        CustomerSms => "customer.sms",
        WecomContactLink => "wecom.contact.link",
        WecomTagManage => "wecom.tag.manage",
        WecomContactTag => "wecom.contact.tag",
        WecomChannelManage => "wecom.channel.manage",
        WecomTransfer => "wecom.transfer",
        WecomTargetWrite => "wecom.target.write",
    }
);

enum_with_codes!(
    /// A built-in role.
    Role {
        SystemAdmin => "system_admin",
        SecurityAdmin => "security_admin",
        Auditor => "auditor",
        HeadOfficeOperator => "head_office_operator",
        BranchManager => "branch_manager",
        Rm => "rm",
        RemoteRm => "remote_rm",
    }
);

impl Role {
    /// The permissions this role grants. The three admin duties are disjoint (GB/T 22239 8.1.4.2 d):
    /// the system admin runs the organisation and accounts, the security admin runs accounts' security,
    /// the auditor reads and verifies the audit trail and nothing else.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::SystemAdmin => &[OrgRead, OrgWrite, StaffRead, StaffWrite, RoleAssign, SystemStatus],
            Role::SecurityAdmin => &[StaffRead, AccountReset, SessionRevoke, SecurityPolicyRead, ExportApprove],
            Role::Auditor => &[AuditRead, AuditVerify],
            Role::HeadOfficeOperator => &[
                OrgRead,
                StaffRead,
                CustomerRead,
                CustomerWrite,
                CustomerAssign,
                CustomerConsent,
                CustomerSms,
                PiiUnmask,
                DataExport,
                WecomContactLink,
                WecomTagManage,
                WecomContactTag,
                WecomChannelManage,
                WecomTransfer,
                WecomTargetWrite,
            ],
            Role::BranchManager => &[
                OrgRead,
                StaffRead,
                CustomerRead,
                CustomerAssign,
                CustomerConsent,
                CustomerSms,
                WecomContactLink,
                WecomContactTag,
                WecomChannelManage,
                WecomTransfer,
                WecomTargetWrite,
            ],
            Role::Rm | Role::RemoteRm => {
                &[OrgRead, CustomerRead, CustomerConsent, CustomerSms, WecomContactLink, WecomContactTag]
            }
        }
    }

    /// One of the three duties that must never be held together.
    pub fn is_admin_duty(self) -> bool {
        matches!(self, Role::SystemAdmin | Role::SecurityAdmin | Role::Auditor)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Role::SystemAdmin => "系统管理员",
            Role::SecurityAdmin => "安全管理员",
            Role::Auditor => "审计管理员",
            Role::HeadOfficeOperator => "总行运营",
            Role::BranchManager => "分支行管理者",
            Role::Rm => "客户经理",
            Role::RemoteRm => "远程直营客户经理",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Role::SystemAdmin => "System administrator",
            Role::SecurityAdmin => "Security administrator",
            Role::Auditor => "Auditor",
            Role::HeadOfficeOperator => "Head-office operator",
            Role::BranchManager => "Branch manager",
            Role::Rm => "Relationship manager",
            Role::RemoteRm => "Remote-team relationship manager",
        }
    }
}

/// The union of the permissions of `roles`.
pub fn permissions_of(roles: &[Role]) -> BTreeSet<Permission> {
    roles.iter().flat_map(|r| r.permissions().iter().copied()).collect()
}

/// Whether someone holding `roles` must pass a second factor: the admin duties and anyone who may see or take
/// personal data out.
pub fn requires_second_factor(roles: &[Role]) -> bool {
    roles.iter().any(|r| r.is_admin_duty())
        || permissions_of(roles)
            .iter()
            .any(|p| matches!(p, Permission::PiiUnmask | Permission::DataExport | Permission::ExportApprove))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    #[error("separation of duties: {held} and {wanted} cannot be held by one person")]
    SeparationOfDuties { held: Role, wanted: Role },
    #[error("nobody may change their own roles")]
    OwnRoles,
    #[error("the role is already held")]
    AlreadyHeld,
}

impl GrantError {
    pub fn message_zh(&self) -> String {
        match self {
            GrantError::SeparationOfDuties { held, wanted } => {
                format!("职责分离：{}与{}不能由同一人担任", held.name_zh(), wanted.name_zh())
            }
            GrantError::OwnRoles => "任何人都不能更改自己的角色".into(),
            GrantError::AlreadyHeld => "已拥有该角色".into(),
        }
    }
}

/// Checks granting `wanted` to a person who holds `held`, by `grantor_is_grantee`.
pub fn check_grant(held: &[Role], wanted: Role, grantor_is_grantee: bool) -> Result<(), GrantError> {
    if grantor_is_grantee {
        return Err(GrantError::OwnRoles);
    }
    if held.contains(&wanted) {
        return Err(GrantError::AlreadyHeld);
    }
    if wanted.is_admin_duty() {
        if let Some(h) = held.iter().find(|h| h.is_admin_duty()) {
            return Err(GrantError::SeparationOfDuties { held: *h, wanted });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_duties_are_disjoint() {
        let duties = [Role::SystemAdmin, Role::SecurityAdmin, Role::Auditor];
        for a in duties {
            for b in duties {
                if a != b {
                    let pa: BTreeSet<_> = a.permissions().iter().collect();
                    let pb: BTreeSet<_> = b.permissions().iter().collect();
                    // The security admin may look staff up to act on accounts; nothing else is shared.
                    let shared: Vec<_> = pa.intersection(&pb).filter(|p| ***p != Permission::StaffRead).collect();
                    assert!(shared.is_empty(), "{a} and {b} share {shared:?}");
                }
            }
        }
        assert_eq!(Role::Auditor.permissions(), &[Permission::AuditRead, Permission::AuditVerify]);
    }

    #[test]
    fn separation_of_duties() {
        assert!(check_grant(&[Role::SystemAdmin], Role::BranchManager, false).is_ok());
        assert_eq!(
            check_grant(&[Role::SystemAdmin], Role::Auditor, false),
            Err(GrantError::SeparationOfDuties { held: Role::SystemAdmin, wanted: Role::Auditor })
        );
        assert!(check_grant(&[Role::Rm], Role::Auditor, false).is_ok());
        assert_eq!(check_grant(&[], Role::Rm, true), Err(GrantError::OwnRoles));
        assert_eq!(check_grant(&[Role::Rm], Role::Rm, false), Err(GrantError::AlreadyHeld));
    }

    #[test]
    fn second_factor() {
        assert!(requires_second_factor(&[Role::Auditor]));
        assert!(requires_second_factor(&[Role::Rm, Role::SecurityAdmin]));
        assert!(!requires_second_factor(&[Role::Rm, Role::BranchManager]));
    }

    #[test]
    fn codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.code()), Some(*r));
            let json = serde_json::to_string(r).unwrap();
            assert_eq!(serde_json::from_str::<Role>(&json).unwrap(), *r);
        }
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.code()), Some(*p));
        }
        assert!(serde_json::from_str::<Role>("\"root\"").is_err());
    }
}
