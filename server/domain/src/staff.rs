//! Staff: the people of the bank who use siyu.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffStatus {
    Active,
    Suspended,
    Resigned,
}

impl StaffStatus {
    pub const ALL: [StaffStatus; 3] = [StaffStatus::Active, StaffStatus::Suspended, StaffStatus::Resigned];

    pub fn as_str(self) -> &'static str {
        match self {
            StaffStatus::Active => "active",
            StaffStatus::Suspended => "suspended",
            StaffStatus::Resigned => "resigned",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            StaffStatus::Active => "在职",
            StaffStatus::Suspended => "停用",
            StaffStatus::Resigned => "离职",
        }
    }

    /// Whether moving from `self` to `to` is allowed: resignation is final.
    pub fn can_become(self, to: StaffStatus) -> bool {
        !matches!(self, StaffStatus::Resigned) && self != to
    }
}

/// User names that can never log in: built-in names attackers try first (GB/T 22239 8.1.4.1).
pub fn is_reserved_username(name: &str) -> bool {
    const RESERVED: &[&str] =
        &["admin", "administrator", "root", "sa", "system", "sysadmin", "superuser", "guest", "test", "siyu"];
    RESERVED.contains(&name.to_ascii_lowercase().as_str())
}

/// A user name: 3–64 characters of letters, digits, `.`, `_`, `-`.
pub fn is_valid_username(name: &str) -> bool {
    (3..=64).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_transitions() {
        assert!(StaffStatus::Active.can_become(StaffStatus::Suspended));
        assert!(StaffStatus::Suspended.can_become(StaffStatus::Active));
        assert!(StaffStatus::Active.can_become(StaffStatus::Resigned));
        assert!(!StaffStatus::Resigned.can_become(StaffStatus::Active));
        assert!(!StaffStatus::Active.can_become(StaffStatus::Active));
    }

    #[test]
    fn usernames() {
        assert!(is_reserved_username("Admin"));
        assert!(!is_reserved_username("zhang.san"));
        assert!(is_valid_username("zhang.san"));
        assert!(!is_valid_username("zs"));
        assert!(!is_valid_username("张三"));
        assert!(!is_valid_username("a b c"));
    }
}
