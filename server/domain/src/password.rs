//! The password policy (MLPS 2.0 level 3, OWASP ASVS V6): which new passwords are acceptable.
//!
//! Hashing is not here (it is CPU work, done by the web layer with argon2); this module only judges text.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::OnceLock;

/// The policy's rules. Each one is configurable; the defaults follow GB/T 22239 and ASVS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    pub min_length: usize,
    pub max_length: usize,
    /// How many of the four classes (lower, upper, digit, other) a password needs.
    pub min_classes: usize,
    /// How many previous passwords may not be reused.
    pub history: usize,
    /// Days before a password must be changed; 0 turns expiry off.
    pub max_age_days: u32,
    pub reject_common: bool,
    pub reject_username: bool,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_length: 12,
            max_length: 128,
            min_classes: 3,
            history: 5,
            max_age_days: 90,
            reject_common: true,
            reject_username: true,
        }
    }
}

/// One rule a candidate password breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Violation {
    TooShort { min: usize },
    TooLong { max: usize },
    TooFewClasses { min: usize },
    Common,
    ContainsUsername,
    Reused { history: usize },
}

impl Violation {
    pub fn message(&self) -> String {
        match self {
            Violation::TooShort { min } => format!("the password must have at least {min} characters"),
            Violation::TooLong { max } => format!("the password must have at most {max} characters"),
            Violation::TooFewClasses { min } => format!(
                "the password must mix at least {min} of: lower-case letters, upper-case letters, digits, symbols"
            ),
            Violation::Common => "the password is on the list of common passwords".into(),
            Violation::ContainsUsername => "the password must not contain the user name".into(),
            Violation::Reused { history } => format!("the password must differ from the last {history}"),
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            Violation::TooShort { min } => format!("密码至少需要 {min} 个字符"),
            Violation::TooLong { max } => format!("密码最多 {max} 个字符"),
            Violation::TooFewClasses { min } => {
                format!("密码需包含小写字母、大写字母、数字、符号中的至少 {min} 类")
            }
            Violation::Common => "该密码属于常见密码，请换一个".into(),
            Violation::ContainsUsername => "密码不能包含用户名".into(),
            Violation::Reused { history } => format!("不能与最近 {history} 次使用过的密码相同"),
        }
    }
}

fn builtin_common() -> &'static HashSet<String> {
    static LIST: OnceLock<HashSet<String>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("../data/common-passwords.txt")
            .lines()
            .map(|l| l.trim().to_lowercase())
            .filter(|l| !l.is_empty())
            .collect()
    })
}

/// A list of common passwords: the built-in 10,000 plus any the bank adds.
#[derive(Debug, Clone, Default)]
pub struct CommonList {
    extra: HashSet<String>,
}

impl CommonList {
    pub fn with_extra(text: &str) -> Self {
        let extra =
            text.lines().map(|l| l.trim().to_lowercase()).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
        Self { extra }
    }

    /// Whether `password`, or the password with its leading/trailing digits and symbols removed
    /// (`Password123!` → `password`), is common. Case does not help: the list is compared lower-case.
    pub fn contains(&self, password: &str) -> bool {
        let lower = password.to_lowercase();
        let core = lower.trim_matches(|c: char| !c.is_alphabetic());
        [lower.as_str(), core]
            .iter()
            .filter(|c| !c.is_empty())
            .any(|c| builtin_common().contains(*c) || self.extra.contains(*c))
    }
}

fn classes(password: &str) -> usize {
    let mut lower = false;
    let mut upper = false;
    let mut digit = false;
    let mut other = false;
    for c in password.chars() {
        if c.is_lowercase() {
            lower = true
        } else if c.is_uppercase() {
            upper = true
        } else if c.is_numeric() {
            digit = true
        } else {
            other = true
        }
    }
    [lower, upper, digit, other].iter().filter(|b| **b).count()
}

impl PasswordPolicy {
    /// Every rule `password` breaks, for `username`. `reused` says whether it matches one of the last
    /// `history` passwords (checking that needs the hashes, so the caller does it).
    pub fn check(&self, password: &str, username: &str, common: &CommonList, reused: bool) -> Vec<Violation> {
        let mut out = Vec::new();
        // Characters, not bytes: a Chinese passphrase is as long as it looks.
        let len = password.chars().count();
        if len < self.min_length {
            out.push(Violation::TooShort { min: self.min_length });
        }
        if len > self.max_length {
            out.push(Violation::TooLong { max: self.max_length });
        }
        if classes(password) < self.min_classes {
            out.push(Violation::TooFewClasses { min: self.min_classes });
        }
        if self.reject_common && common.contains(password) {
            out.push(Violation::Common);
        }
        if self.reject_username
            && username.chars().count() >= 3
            && password.to_lowercase().contains(&username.to_lowercase())
        {
            out.push(Violation::ContainsUsername);
        }
        if reused && self.history > 0 {
            out.push(Violation::Reused { history: self.history });
        }
        out
    }
}

/// A one-time password for a new or reset account: 16 characters from every class. Takes its randomness from
/// the caller so this stays pure.
pub fn one_time_password(random: &[u8; 16]) -> String {
    const LOWER: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGIT: &[u8] = b"23456789";
    const OTHER: &[u8] = b"#%+=@?!";
    let sets = [LOWER, UPPER, DIGIT, OTHER];
    random
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let set = sets[i % 4];
            set[*b as usize % set.len()] as char
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(p: &str) -> Vec<Violation> {
        PasswordPolicy::default().check(p, "zhangsan", &CommonList::default(), false)
    }

    #[test]
    fn accepts_a_good_password() {
        assert!(check("Lantern-river-42").is_empty());
        assert!(check(&"Ab1!".repeat(16)).is_empty(), "64 characters must work");
        assert!(check("长江黄河Abc12345").is_empty());
    }

    #[test]
    fn rejects_each_rule() {
        assert!(check("Short1!").contains(&Violation::TooShort { min: 12 }));
        assert!(check(&"Ab1!".repeat(33)).contains(&Violation::TooLong { max: 128 }));
        assert!(check("alllowercaseletters").contains(&Violation::TooFewClasses { min: 3 }));
        assert!(check("Password1234!").contains(&Violation::Common));
        assert!(check("Qwertyuiop12").contains(&Violation::Common));
        assert!(check("xx-ZhangSan-2026").contains(&Violation::ContainsUsername));
        let reused = PasswordPolicy::default().check("Lantern-river-42", "u", &CommonList::default(), true);
        assert_eq!(reused, vec![Violation::Reused { history: 5 }]);
    }

    #[test]
    fn bank_list_extends_builtin() {
        let list = CommonList::with_extra("# bank words\nchinabank\n");
        assert!(list.contains("ChinaBank2026!"));
        assert!(!CommonList::default().contains("ChinaBank2026!"));
    }

    #[test]
    fn one_time_passwords_meet_the_default_policy() {
        for seed in 0..50u8 {
            let bytes = [seed.wrapping_mul(37); 16].map(|b| b.wrapping_add(seed));
            let p = one_time_password(&bytes);
            assert_eq!(p.chars().count(), 16);
            assert_eq!(classes(&p), 4);
        }
    }
}
