//! Second factor: TOTP (RFC 6238), SHA-1, 6 digits, 30-second steps, one step of clock skew either way.
//! Each code is accepted once: the step it matched is recorded and later codes must be newer.

use chrono::{DateTime, Utc};
use totp_rs::{Algorithm, Secret, TOTP};

const STEP: u64 = 30;
const DIGITS: usize = 6;

fn totp(secret_b32: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret_b32.to_string()).to_bytes().ok()?;
    TOTP::new(Algorithm::SHA1, DIGITS, 1, STEP, bytes).ok()
}

/// A new secret: 20 random bytes (160 bits, as RFC 4226 recommends), base32.
pub fn new_secret() -> String {
    match Secret::Raw(crate::secrets::random_bytes::<20>().to_vec()).to_encoded() {
        Secret::Encoded(s) => s,
        Secret::Raw(_) => String::new(),
    }
}

/// The `otpauth://` URI an authenticator app scans.
pub fn otpauth_uri(secret_b32: &str, issuer: &str, account: &str) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret_b32}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP}",
        enc(issuer),
        enc(account),
        enc(issuer)
    )
}

/// The time step a code matches at `now` (±1 step), if any.
pub fn matching_step(secret_b32: &str, code: &str, now: DateTime<Utc>) -> Option<i64> {
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = totp(secret_b32)?;
    let now = now.timestamp().max(0) as u64;
    let step = now / STEP;
    [step.saturating_sub(1), step, step + 1]
        .into_iter()
        .find(|s| crate::secrets::same(&t.generate(s * STEP), code))
        .map(|s| s as i64)
}

/// The code for `now`: used by tests and the CLI's self-check.
pub fn code_at(secret_b32: &str, now: DateTime<Utc>) -> Option<String> {
    totp(secret_b32).map(|t| t.generate(now.timestamp().max(0) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_vector() {
        // RFC 6238 appendix B: secret "12345678901234567890", T = 59 s → 94287082 (8 digits); 6 digits: 287082.
        let secret = match Secret::Raw(b"12345678901234567890".to_vec()).to_encoded() {
            Secret::Encoded(s) => s,
            Secret::Raw(_) => unreachable!(),
        };
        let at = DateTime::from_timestamp(59, 0).unwrap();
        assert_eq!(code_at(&secret, at).unwrap(), "287082");
        assert_eq!(matching_step(&secret, "287082", at), Some(1));
    }

    #[test]
    fn window_and_format() {
        let s = new_secret();
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let code = code_at(&s, now).unwrap();
        assert!(matching_step(&s, &code, now + chrono::Duration::seconds(30)).is_some());
        assert!(matching_step(&s, &code, now + chrono::Duration::seconds(90)).is_none());
        assert!(matching_step(&s, "12345", now).is_none());
        assert!(matching_step(&s, "abcdef", now).is_none());
        assert!(otpauth_uri(&s, "siyu", "zhang.san").starts_with("otpauth://totp/siyu:zhang.san?secret="));
    }
}
