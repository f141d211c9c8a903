//! Random secrets, their digests, and password hashing (argon2id).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// OWASP's argon2id minimum: 19 MiB, 2 passes, 1 lane.
const M_KIB: u32 = 19 * 1024;
const T: u32 = 2;
const P: u32 = 1;

fn hasher() -> Argon2<'static> {
    // The parameters are constants known to be valid.
    let params = Params::new(M_KIB, T, P, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// An argon2id PHC string with a fresh 16-byte salt.
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    hasher().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

/// Whether `password` matches `phc` (any argon2 variant or parameters, so old hashes still verify).
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// Whether a stored hash is weaker than today's parameters and should be replaced at the next login.
pub fn needs_upgrade(phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return true;
    };
    if parsed.algorithm.as_str() != "argon2id" || parsed.version != Some(0x13) {
        return true;
    }
    let get = |k: &str| parsed.params.get_decimal(k).unwrap_or(0);
    get("m") < M_KIB || get("t") < T || get("p") != P || parsed.salt.map(|s| s.len() < 22).unwrap_or(true)
}

/// A hash that never matches, verified when the user does not exist so both answers take the same time.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("siyu-timing-equaliser-not-a-password").unwrap_or_default())
}

/// 32 random bytes as URL-safe base64: 256 bits for session ids, CSRF tokens and API tokens.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    OsRng.fill_bytes(&mut b);
    b
}

/// How secrets are kept at rest: their SHA-256, hex.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Constant-time comparison of two secrets.
pub fn same(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_meet_the_minimum() {
        let h = hash_password("Lantern-river-42").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password("Lantern-river-42", &h));
        assert!(!verify_password("lantern-river-42", &h), "never case-folded");
        assert!(!needs_upgrade(&h));
    }

    #[test]
    fn weak_hashes_need_upgrade() {
        let weak = Argon2::new(Algorithm::Argon2i, Version::V0x13, Params::new(4096, 1, 1, None).unwrap());
        let salt = SaltString::encode_b64(&[7u8; 16]).unwrap();
        let h = weak.hash_password(b"Lantern-river-42", &salt).unwrap().to_string();
        assert!(verify_password("Lantern-river-42", &h));
        assert!(needs_upgrade(&h));
        assert!(needs_upgrade("garbage"));
    }

    #[test]
    fn tokens() {
        let a = random_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token());
        assert!(same(&a, &a.clone()));
        assert!(!same(&a, &random_token()));
        assert_eq!(digest("x").len(), 64);
    }
}
