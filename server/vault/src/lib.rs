//! siyu's vault: envelope encryption, the key ring, blind indexes and types that cannot leak.
//!
//! It knows keys and ciphertext and nothing about customers: the store tells it which field class
//! and which row a value belongs to, persists the wrapped keys it hands out, and audits every
//! exposure. See `docs/vault.md` for the format and the key hierarchy.
//!
//! ```text
//! KEK (file/env/HSM) ──wraps──▶ DEK per field class, versioned ──seals──▶ envelope per value
//! index key (file)   ──derives─▶ MAC key per field class        ──▶ blind index per value
//! ```

mod bootstrap;
mod envelope;
mod error;
mod kek;
mod keyring;
mod secret;
mod suite;
mod vault;

pub use bootstrap::{
    check_kek, ensure_dev_key_files, ensure_key_file, key_file_too_open, DevKeyFiles, DEV_INDEX_KEY_FILE, DEV_KEK_FILE,
};
pub use envelope::{header, Aad, Header, SealedValue, FORMAT_V1, FORMAT_V2};
pub use error::{Result, VaultError};
pub use kek::{KekProvider, LocalKek};
pub use keyring::{validate_key_id, KeyPolicy, KeyRing, KeyUsage, WrappedKey, DEFAULT_ENCRYPTION_LIMIT};
pub use secret::{Purpose, PurposeKind, Secret, DEFAULT_MASK, MIN_REASON_CHARS};
pub use suite::{Suite, ROOT_KEY_LEN};
pub use vault::{IndexKey, Indexer, Sealer, Vault, INDEX_BYTES};
