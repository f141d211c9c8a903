//! The key-encryption key (KEK): the one secret that unlocks every data key.
//!
//! It lives outside the database and the data volume (a mounted file or an environment variable
//! today, an HSM or KMS later), so a stolen database or backup holds only wrapped data keys. The
//! vault talks to it only through [`KekProvider`], which is all an HSM binding has to implement.

use crate::error::{Result, VaultError};
use crate::suite::{derive_key, fingerprint, Cipher, Suite, NONCE_LEN, ROOT_KEY_LEN};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;
use std::path::Path;
use zeroize::Zeroizing;

/// Wraps and unwraps data keys. Implementations must authenticate `aad` (the key's id, version
/// and suite), so a wrapped key cannot be swapped for another key's record.
pub trait KekProvider: Send + Sync {
    /// A stable, public name of this KEK (a fingerprint, or an HSM key label). It is stored beside
    /// every wrapped key so that a mismatch is reported by name.
    fn kek_id(&self) -> String;
    fn wrap(&self, suite: Suite, dek: &[u8], aad: &[u8]) -> Result<Vec<u8>>;
    /// `None` when the wrapped key does not authenticate under this KEK.
    fn unwrap(&self, suite: Suite, wrapped: &[u8], aad: &[u8]) -> Option<Zeroizing<Vec<u8>>>;
}

/// A 32-byte root key given as base64 text, as in the KEK and blind-index key files.
pub(crate) fn parse_root_key(text: &str, origin: &str) -> Result<Zeroizing<[u8; ROOT_KEY_LEN]>> {
    let bad = |reason: String| VaultError::KeyFile { path: origin.to_string(), reason };
    let bytes = Zeroizing::new(
        STANDARD
            .decode(text.trim())
            .map_err(|_| bad("not valid base64 (expected 32 random bytes, base64-encoded)".into()))?,
    );
    if bytes.len() != ROOT_KEY_LEN {
        return Err(bad(format!("holds {} bytes, expected {ROOT_KEY_LEN}", bytes.len())));
    }
    let mut key = Zeroizing::new([0u8; ROOT_KEY_LEN]);
    key.copy_from_slice(&bytes);
    Ok(key)
}

pub(crate) fn read_root_key_file(path: &Path) -> Result<Zeroizing<[u8; ROOT_KEY_LEN]>> {
    let origin = path.display().to_string();
    let text = Zeroizing::new(
        std::fs::read_to_string(path)
            .map_err(|e| VaultError::KeyFile { path: origin.clone(), reason: format!("cannot read: {}", e.kind()) })?,
    );
    parse_root_key(&text, &origin)
}

pub(crate) fn read_root_key_env(var: &str) -> Result<Zeroizing<[u8; ROOT_KEY_LEN]>> {
    let origin = format!("${var}");
    let text = Zeroizing::new(
        std::env::var(var).map_err(|_| VaultError::KeyFile { path: origin.clone(), reason: "not set".into() })?,
    );
    parse_root_key(&text, &origin)
}

/// A KEK held in process memory, read from a file or the environment.
///
/// Each suite wraps under its own subkey derived from the KEK, so the same KEK serves both
/// suites without ever using one key with two ciphers.
pub struct LocalKek {
    key: Zeroizing<[u8; ROOT_KEY_LEN]>,
    id: String,
}

impl LocalKek {
    pub fn from_bytes(key: [u8; ROOT_KEY_LEN]) -> Self {
        LocalKek::from_root(Zeroizing::new(key))
    }

    fn from_root(key: Zeroizing<[u8; ROOT_KEY_LEN]>) -> Self {
        // The fingerprint uses the AES suite's MAC whatever the data suite, so a KEK keeps one name.
        let id = format!("local:{}", fingerprint(Suite::Aes256Gcm, &key[..], b"kek"));
        LocalKek { key, id }
    }

    /// 32 random bytes from the operating system; for `vault init` and tests.
    pub fn generate() -> Self {
        let mut key = Zeroizing::new([0u8; ROOT_KEY_LEN]);
        OsRng.fill_bytes(&mut key[..]);
        LocalKek::from_root(key)
    }

    /// The KEK as base64 text (32 bytes).
    pub fn from_base64(text: &str) -> Result<Self> {
        parse_root_key(text, "KEK").map(LocalKek::from_root)
    }

    /// `vault.kek_file`: a file holding the base64 text.
    pub fn from_file(path: &Path) -> Result<Self> {
        read_root_key_file(path).map(LocalKek::from_root)
    }

    /// An environment variable holding the base64 text.
    pub fn from_env(var: &str) -> Result<Self> {
        read_root_key_env(var).map(LocalKek::from_root)
    }

    fn wrapping_cipher(&self, suite: Suite) -> Result<Cipher> {
        let sub = derive_key(suite, &self.key[..], &[b"kek-wrap", suite.name().as_bytes()]);
        Cipher::new(suite, &sub[..suite.dek_len()])
    }
}

impl std::fmt::Debug for LocalKek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalKek").field("id", &self.id).finish_non_exhaustive()
    }
}

impl KekProvider for LocalKek {
    fn kek_id(&self) -> String {
        self.id.clone()
    }

    /// nonce ‖ AEAD(dek) ‖ tag. A random nonce is safe: a KEK wraps a handful of keys.
    fn wrap(&self, suite: Suite, dek: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let mut out = nonce.to_vec();
        self.wrapping_cipher(suite)?.encrypt_append(&nonce, aad, dek, &mut out)?;
        Ok(out)
    }

    fn unwrap(&self, suite: Suite, wrapped: &[u8], aad: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        if wrapped.len() < NONCE_LEN {
            return None;
        }
        let (nonce, rest) = wrapped.split_at(NONCE_LEN);
        self.wrapping_cipher(suite).ok()?.decrypt(nonce, aad, rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_unwrap_each_suite() {
        let kek = LocalKek::generate();
        for s in Suite::ALL {
            let dek = vec![3u8; s.dek_len()];
            let w = kek.wrap(s, &dek, b"k|1").unwrap();
            assert_eq!(&kek.unwrap(s, &w, b"k|1").unwrap()[..], &dek[..]);
            assert!(kek.unwrap(s, &w, b"k|2").is_none(), "bound to its key id and version");
            assert!(LocalKek::generate().unwrap(s, &w, b"k|1").is_none(), "another KEK");
            assert!(kek.unwrap(s, &w[..5], b"k|1").is_none());
        }
    }

    #[test]
    fn id_is_stable_and_debug_hides_the_key() {
        let raw = [5u8; 32];
        let a = LocalKek::from_bytes(raw);
        let b = LocalKek::from_base64(&STANDARD.encode(raw)).unwrap();
        assert_eq!(a.kek_id(), b.kek_id());
        assert!(a.kek_id().starts_with("local:"));
        let dbg = format!("{a:?}");
        assert!(!dbg.contains("5, 5") && !dbg.contains(&STANDARD.encode(raw)), "{dbg}");
    }

    #[test]
    fn bad_key_text_is_refused_without_echoing_it() {
        let short = STANDARD.encode([1u8; 16]);
        let e = LocalKek::from_base64(&short).unwrap_err().to_string();
        assert!(e.contains("16 bytes") && !e.contains(&short), "{e}");
        let e = LocalKek::from_base64("not base64 !!").unwrap_err().to_string();
        assert!(!e.contains("!!"), "{e}");
    }
}
