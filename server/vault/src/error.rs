//! Everything that can go wrong in the vault. Messages name keys by id and version, never by
//! content, and never include plaintext: they end up in logs and audit records.

/// A vault failure.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The AEAD tag did not verify: the value was changed, or copied from another row or column.
    #[error("sealed value failed authentication under key {key_id} v{version}: it was changed, or moved from another row or column")]
    Integrity { key_id: String, version: u32 },
    #[error("malformed sealed value: {0}")]
    Malformed(&'static str),
    #[error("unknown data key {0}")]
    UnknownKey(String),
    #[error("data key {key_id} has no version {version}")]
    UnknownVersion { key_id: String, version: u32 },
    #[error("data key {0} already exists")]
    KeyExists(String),
    #[error("invalid key id {0:?}: 1-64 characters of a-z, 0-9, '.', '_', ':' or '-'")]
    InvalidKeyId(String),
    /// REQUIREMENTS A.6: a version below the minimum decryption version is refused.
    #[error("data key {key_id} v{version} is retired: the minimum decryption version is {min}")]
    Retired { key_id: String, version: u32, min: u32 },
    /// REQUIREMENTS A.9: the caller raises the alert event and rotates.
    #[error("data key {key_id} v{version} reached its encryption limit of {limit}: rotate the key")]
    KeyExhausted { key_id: String, version: u32, limit: u64 },
    /// The envelope names a different field class than the caller expects.
    #[error("sealed value belongs to key {found}, not {expected}")]
    WrongKey { expected: String, found: String },
    /// REQUIREMENTS A.8: start fails closed with a clear message, naming keys, not key material.
    #[error("cannot unwrap data key {key_id} v{version} with KEK {kek_id} (it was wrapped under KEK {wrapped_by}): the configured key-encryption key is wrong or the key record is damaged")]
    WrongKek { key_id: String, version: u32, kek_id: String, wrapped_by: String },
    #[error("key file {path}: {reason}")]
    KeyFile { path: String, reason: String },
    #[error("invalid purpose: {0}")]
    Purpose(String),
    #[error("{0}")]
    Invalid(String),
    /// The cipher refused to work (only on impossible lengths); no detail can leak key material.
    #[error("cryptographic operation failed")]
    Crypto,
}

pub type Result<T, E = VaultError> = std::result::Result<T, E>;
