//! Session and lockout rules: pure time arithmetic, so they are tested without a clock.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How far a session has got through authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The password must be changed before anything else (first login, reset, expiry).
    PasswordChange,
    /// A second factor is required and the account has none yet.
    TotpEnroll,
    /// A second factor is required.
    Totp,
    /// Fully authenticated.
    Full,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::PasswordChange => "password_change",
            Stage::TotpEnroll => "totp_enroll",
            Stage::Totp => "totp",
            Stage::Full => "full",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Stage::PasswordChange, Stage::TotpEnroll, Stage::Totp, Stage::Full].into_iter().find(|st| st.as_str() == s)
    }

    /// The stage after the password step: what still stands between the user and a full session.
    pub fn after_password(must_change: bool, needs_second_factor: bool, has_totp: bool) -> Stage {
        if must_change {
            Stage::PasswordChange
        } else {
            Stage::after_password_change(needs_second_factor, has_totp)
        }
    }

    pub fn after_password_change(needs_second_factor: bool, has_totp: bool) -> Stage {
        match (needs_second_factor, has_totp) {
            (false, _) => Stage::Full,
            (true, true) => Stage::Totp,
            (true, false) => Stage::TotpEnroll,
        }
    }
}

/// Session timeouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimeouts {
    pub idle: Duration,
    pub absolute: Duration,
}

impl SessionTimeouts {
    pub fn is_expired(&self, created_at: DateTime<Utc>, last_seen_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        now - last_seen_at >= self.idle || now - created_at >= self.absolute
    }
}

/// Account lockout after repeated failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutRule {
    pub threshold: usize,
    pub window: Duration,
    pub lock_for: Duration,
}

impl LockoutRule {
    /// Given the times of recent failures for one name (including the one just made), whether the name is now
    /// locked and until when.
    pub fn lock_after(&self, failures: &[DateTime<Utc>], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let recent = failures.iter().filter(|t| now - **t < self.window).count();
        (recent >= self.threshold).then(|| now + self.lock_for)
    }
}

/// A password's expiry date, or none when expiry is off.
pub fn password_expires_at(changed_at: DateTime<Utc>, max_age_days: u32) -> Option<DateTime<Utc>> {
    (max_age_days > 0).then(|| changed_at + Duration::days(max_age_days as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(min: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + min * 60, 0).unwrap()
    }

    #[test]
    fn stages() {
        assert_eq!(Stage::after_password(true, true, true), Stage::PasswordChange);
        assert_eq!(Stage::after_password(false, false, false), Stage::Full);
        assert_eq!(Stage::after_password(false, true, false), Stage::TotpEnroll);
        assert_eq!(Stage::after_password(false, true, true), Stage::Totp);
        assert_eq!(Stage::parse("full"), Some(Stage::Full));
    }

    #[test]
    fn timeouts() {
        let to = SessionTimeouts { idle: Duration::minutes(30), absolute: Duration::hours(12) };
        assert!(!to.is_expired(t(0), t(0), t(29)));
        assert!(to.is_expired(t(0), t(0), t(30)));
        assert!(!to.is_expired(t(0), t(700), t(710)));
        assert!(to.is_expired(t(0), t(719), t(720)));
    }

    #[test]
    fn lockout() {
        let rule = LockoutRule { threshold: 5, window: Duration::minutes(15), lock_for: Duration::minutes(30) };
        let four = [t(0), t(1), t(2), t(3)];
        assert_eq!(rule.lock_after(&four, t(4)), None);
        let five = [t(0), t(1), t(2), t(3), t(4)];
        assert_eq!(rule.lock_after(&five, t(4)), Some(t(34)));
        // Old failures fall out of the window.
        assert_eq!(rule.lock_after(&five, t(16)), None);
    }

    #[test]
    fn expiry() {
        assert_eq!(password_expires_at(t(0), 0), None);
        assert_eq!(password_expires_at(t(0), 90), Some(t(0) + Duration::days(90)));
    }
}
