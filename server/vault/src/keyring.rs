//! The key ring: per field class a data key (DEK) in numbered versions, each wrapped by the KEK.
//!
//! The ring holds unwrapped keys in memory only; what persists is [`WrappedKey`] and
//! [`KeyPolicy`] records, which the store keeps in its tables. Rotation adds a version and makes it
//! the one new values are sealed with; old versions keep decrypting until the minimum decryption
//! version passes them (REQUIREMENTS A.5, A.6). Every version counts its encryptions and refuses
//! to seal past a limit (A.9), because GCM's random-nonce bound is per key.

use crate::envelope::Header;
use crate::error::{Result, VaultError};
use crate::kek::KekProvider;
use crate::suite::{Cipher, Suite};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use zeroize::Zeroizing;

/// NIST SP 800-38D limits random 96-bit nonces to 2^32 invocations per key.
pub const DEFAULT_ENCRYPTION_LIMIT: u64 = 1 << 32;

/// A data key version as persisted: wrapped by the KEK, never in clear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrappedKey {
    /// The field class this key seals (e.g. `customer.mobile`); also recorded in every envelope.
    pub key_id: String,
    pub version: u32,
    pub suite: Suite,
    /// Which KEK wrapped it, so a wrong KEK is reported by name.
    pub kek_id: String,
    /// base64 of nonce ‖ wrapped key ‖ tag, authenticated with the key id, version and suite.
    pub wrapped: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Encryptions counted under this version when the record was exported.
    pub encryptions: u64,
}

/// Per key: versions below `min_decryption_version` are refused (REQUIREMENTS A.6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyPolicy {
    pub key_id: String,
    pub min_decryption_version: u32,
}

/// Encryptions since the last [`KeyRing::take_usage`], for the store to add to its persisted
/// counter (adding deltas keeps replicas from overwriting each other's counts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyUsage {
    pub key_id: String,
    pub version: u32,
    pub delta: u64,
    /// What this process believes the total is.
    pub total: u64,
}

/// Word-at-a-time multiplicative hash (the Fx hash of rustc): every seal looks its key up by a
/// short, trusted field-class name, where SipHash's flooding resistance buys nothing, and hashing
/// byte by byte (FNV) cost a fifth of a seal's own work.
#[derive(Default)]
pub(crate) struct ClassHasher(u64);

impl ClassHasher {
    const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::K);
    }
}

impl Hasher for ClassHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }
}

/// Maps keyed by field class.
pub(crate) type ClassMap<V> = HashMap<String, V, BuildHasherDefault<ClassHasher>>;

/// One unwrapped key version.
pub(crate) struct DataKey {
    pub(crate) version: u32,
    pub(crate) suite: Suite,
    pub(crate) cipher: Cipher,
    /// The envelope header every value sealed under this version starts with, encoded once.
    pub(crate) header: Vec<u8>,
    dek: Zeroizing<Vec<u8>>,
    record: WrappedKey,
    /// Encryptions so far, including those persisted before this process loaded the key.
    used: AtomicU64,
    /// `used` as of the last `take_usage`, so a seal costs one atomic operation, not two.
    reported: AtomicU64,
}

impl DataKey {
    /// Counts one encryption against `limit`, refusing past it (GCM's random-nonce bound is per key).
    pub(crate) fn count_one(&self, limit: u64) -> Result<()> {
        if self.used.fetch_add(1, Ordering::Relaxed) >= limit {
            self.used.fetch_sub(1, Ordering::Relaxed);
            return Err(VaultError::KeyExhausted { key_id: self.record.key_id.clone(), version: self.version, limit });
        }
        Ok(())
    }
}

struct KeyEntry {
    versions: BTreeMap<u32, Arc<DataKey>>,
    min_decryption_version: u32,
}

impl KeyEntry {
    fn latest(&self) -> Option<&Arc<DataKey>> {
        self.versions.values().next_back()
    }
}

/// Key ids go into envelopes and error messages, so they are short and plain.
pub fn validate_key_id(key_id: &str) -> Result<()> {
    let ok = !key_id.is_empty()
        && key_id.len() <= 64
        && key_id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._:-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(VaultError::InvalidKeyId(key_id.to_string()))
    }
}

/// What a wrapped key is bound to: a record cannot be renamed, renumbered or re-suited.
fn wrap_aad(key_id: &str, version: u32, suite: Suite) -> Vec<u8> {
    let mut aad = b"siyu-dek/v1".to_vec();
    aad.push(suite.id());
    aad.push(key_id.len() as u8);
    aad.extend_from_slice(key_id.as_bytes());
    aad.extend_from_slice(&version.to_be_bytes());
    aad
}

fn now_unix() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// Data keys for all field classes, unwrapped in memory.
pub struct KeyRing {
    suite: Suite,
    kek: Arc<dyn KekProvider>,
    limit: u64,
    keys: RwLock<ClassMap<KeyEntry>>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("suite", &self.suite)
            .field("kek_id", &self.kek.kek_id())
            .field("keys", &self.key_ids())
            .finish_non_exhaustive()
    }
}

impl KeyRing {
    /// An empty ring; new keys and versions use `suite`.
    pub fn new(suite: Suite, kek: Arc<dyn KekProvider>) -> Self {
        KeyRing { suite, kek, limit: DEFAULT_ENCRYPTION_LIMIT, keys: RwLock::new(ClassMap::default()) }
    }

    /// Lowers (or raises) the per-version encryption limit; tests use a small one.
    pub fn with_encryption_limit(mut self, limit: u64) -> Self {
        self.limit = limit;
        self
    }

    /// Unwraps persisted keys. Any key that does not unwrap stops the load with an error naming
    /// the key and both KEK ids: a wrong KEK must stop the start before anything is written.
    /// Versions may be of either suite, so a move between suites is a rotate and a rewrap.
    pub fn load(suite: Suite, kek: Arc<dyn KekProvider>, keys: &[WrappedKey], policies: &[KeyPolicy]) -> Result<Self> {
        let ring = KeyRing::new(suite, kek);
        {
            let mut map = ring.write();
            for w in keys {
                let dk = ring.unwrap_record(w)?;
                let entry = map
                    .entry(w.key_id.clone())
                    .or_insert_with(|| KeyEntry { versions: BTreeMap::new(), min_decryption_version: 1 });
                if entry.versions.insert(w.version, Arc::new(dk)).is_some() {
                    return Err(VaultError::Invalid(format!("data key {} v{} appears twice", w.key_id, w.version)));
                }
            }
            for p in policies {
                let entry = map.get_mut(&p.key_id).ok_or_else(|| VaultError::UnknownKey(p.key_id.clone()))?;
                entry.min_decryption_version = p.min_decryption_version;
            }
        }
        Ok(ring)
    }

    fn read(&self) -> RwLockReadGuard<'_, ClassMap<KeyEntry>> {
        // Writers only insert whole entries, so a panic elsewhere cannot leave a half-made one.
        self.keys.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, ClassMap<KeyEntry>> {
        self.keys.write().unwrap_or_else(|e| e.into_inner())
    }

    fn unwrap_record(&self, w: &WrappedKey) -> Result<DataKey> {
        validate_key_id(&w.key_id)?;
        let wrong = || VaultError::WrongKek {
            key_id: w.key_id.clone(),
            version: w.version,
            kek_id: self.kek.kek_id(),
            wrapped_by: w.kek_id.clone(),
        };
        let blob = STANDARD.decode(&w.wrapped).map_err(|_| wrong())?;
        let dek = self.kek.unwrap(w.suite, &blob, &wrap_aad(&w.key_id, w.version, w.suite)).ok_or_else(wrong)?;
        let cipher = Cipher::new(w.suite, &dek).map_err(|_| wrong())?;
        Ok(DataKey {
            version: w.version,
            suite: w.suite,
            cipher,
            header: Header::encoded(w.suite, &w.key_id, w.version),
            dek,
            record: w.clone(),
            used: AtomicU64::new(w.encryptions),
            reported: AtomicU64::new(w.encryptions),
        })
    }

    fn new_version(&self, key_id: &str, version: u32) -> Result<DataKey> {
        let mut dek = Zeroizing::new(vec![0u8; self.suite.dek_len()]);
        OsRng.fill_bytes(&mut dek);
        let wrapped = self.kek.wrap(self.suite, &dek, &wrap_aad(key_id, version, self.suite))?;
        let record = WrappedKey {
            key_id: key_id.to_string(),
            version,
            suite: self.suite,
            kek_id: self.kek.kek_id(),
            wrapped: STANDARD.encode(wrapped),
            created_at: now_unix(),
            encryptions: 0,
        };
        Ok(DataKey {
            version,
            suite: self.suite,
            cipher: Cipher::new(self.suite, &dek)?,
            header: Header::encoded(self.suite, key_id, version),
            dek,
            record,
            used: AtomicU64::new(0),
            reported: AtomicU64::new(0),
        })
    }

    /// The suite new keys and versions use.
    pub fn suite(&self) -> Suite {
        self.suite
    }

    pub fn kek_id(&self) -> String {
        self.kek.kek_id()
    }

    pub fn key_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.read().keys().cloned().collect();
        ids.sort();
        ids
    }

    /// Creates version 1 of a new data key; returns the record to persist.
    pub fn create_key(&self, key_id: &str) -> Result<WrappedKey> {
        validate_key_id(key_id)?;
        let mut map = self.write();
        if map.contains_key(key_id) {
            return Err(VaultError::KeyExists(key_id.to_string()));
        }
        let dk = self.new_version(key_id, 1)?;
        let record = dk.record.clone();
        let mut versions = BTreeMap::new();
        versions.insert(1, Arc::new(dk));
        map.insert(key_id.to_string(), KeyEntry { versions, min_decryption_version: 1 });
        Ok(record)
    }

    /// Creates the key if it is missing; `None` when it already existed.
    pub fn ensure_key(&self, key_id: &str) -> Result<Option<WrappedKey>> {
        match self.create_key(key_id) {
            Ok(w) => Ok(Some(w)),
            Err(VaultError::KeyExists(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Adds a version; from now on values are sealed with it. Returns the record to persist.
    pub fn rotate(&self, key_id: &str) -> Result<WrappedKey> {
        let mut map = self.write();
        let entry = map.get_mut(key_id).ok_or_else(|| VaultError::UnknownKey(key_id.to_string()))?;
        let next = entry.latest().map_or(1, |k| k.version + 1);
        let dk = self.new_version(key_id, next)?;
        let record = dk.record.clone();
        entry.versions.insert(next, Arc::new(dk));
        Ok(record)
    }

    pub fn latest_version(&self, key_id: &str) -> Result<u32> {
        let map = self.read();
        let entry = map.get(key_id).ok_or_else(|| VaultError::UnknownKey(key_id.to_string()))?;
        entry.latest().map(|k| k.version).ok_or_else(|| VaultError::UnknownKey(key_id.to_string()))
    }

    pub fn min_decryption_version(&self, key_id: &str) -> Result<u32> {
        let map = self.read();
        Ok(map.get(key_id).ok_or_else(|| VaultError::UnknownKey(key_id.to_string()))?.min_decryption_version)
    }

    /// Retires versions below `min` (or restores them by moving it back). The latest version
    /// can never be retired, or nothing could be sealed or read. Returns the policy to persist.
    pub fn set_min_decryption_version(&self, key_id: &str, min: u32) -> Result<KeyPolicy> {
        let mut map = self.write();
        let entry = map.get_mut(key_id).ok_or_else(|| VaultError::UnknownKey(key_id.to_string()))?;
        let latest = entry.latest().map_or(1, |k| k.version);
        if min == 0 || min > latest {
            return Err(VaultError::Invalid(format!(
                "minimum decryption version of {key_id} must be between 1 and the latest version {latest}"
            )));
        }
        entry.min_decryption_version = min;
        Ok(KeyPolicy { key_id: key_id.to_string(), min_decryption_version: min })
    }

    /// Runs `f` with the latest version, one encryption counted against its limit.
    pub(crate) fn with_encryption_key<R>(&self, key_id: &str, f: impl FnOnce(&DataKey) -> Result<R>) -> Result<R> {
        let map = self.read();
        let entry = map.get(key_id).ok_or_else(|| VaultError::UnknownKey(key_id.to_string()))?;
        let dk = entry.latest().ok_or_else(|| VaultError::UnknownKey(key_id.to_string()))?;
        dk.count_one(self.limit)?;
        f(dk)
    }

    /// The latest version and the limit, for a caller that seals a batch under one lookup.
    pub(crate) fn encryption_key(&self, key_id: &str) -> Result<(Arc<DataKey>, u64)> {
        let map = self.read();
        let entry = map.get(key_id).ok_or_else(|| VaultError::UnknownKey(key_id.to_string()))?;
        let dk = entry.latest().ok_or_else(|| VaultError::UnknownKey(key_id.to_string()))?;
        Ok((Arc::clone(dk), self.limit))
    }

    #[cfg(test)]
    pub(crate) fn for_encryption(&self, key_id: &str) -> Result<Arc<DataKey>> {
        let version = self.with_encryption_key(key_id, |dk| Ok(dk.version))?;
        let map = self.read();
        Ok(Arc::clone(&map[key_id].versions[&version]))
    }

    /// A version for decryption, refused below the minimum decryption version.
    pub(crate) fn for_decryption(&self, key_id: &str, version: u32) -> Result<Arc<DataKey>> {
        let map = self.read();
        let entry = map.get(key_id).ok_or_else(|| VaultError::UnknownKey(key_id.to_string()))?;
        if version < entry.min_decryption_version {
            return Err(VaultError::Retired { key_id: key_id.to_string(), version, min: entry.min_decryption_version });
        }
        entry
            .versions
            .get(&version)
            .cloned()
            .ok_or_else(|| VaultError::UnknownVersion { key_id: key_id.to_string(), version })
    }

    /// Encryption counts since the last call, for the store to add to its records.
    pub fn take_usage(&self) -> Vec<KeyUsage> {
        let map = self.read();
        let mut out = Vec::new();
        for (key_id, entry) in map.iter() {
            for dk in entry.versions.values() {
                let total = dk.used.load(Ordering::Relaxed);
                let delta = total.saturating_sub(dk.reported.swap(total, Ordering::Relaxed));
                if delta > 0 {
                    out.push(KeyUsage { key_id: key_id.clone(), version: dk.version, delta, total });
                }
            }
        }
        out.sort_by(|a, b| (&a.key_id, a.version).cmp(&(&b.key_id, b.version)));
        out
    }

    /// Everything to persist: every version (with its current count) and every policy.
    pub fn export(&self) -> (Vec<WrappedKey>, Vec<KeyPolicy>) {
        let map = self.read();
        let mut keys = Vec::new();
        let mut policies = Vec::new();
        for (key_id, entry) in map.iter() {
            for dk in entry.versions.values() {
                let mut w = dk.record.clone();
                w.encryptions = dk.used.load(Ordering::Relaxed);
                keys.push(w);
            }
            policies.push(KeyPolicy { key_id: key_id.clone(), min_decryption_version: entry.min_decryption_version });
        }
        keys.sort_by(|a, b| (&a.key_id, a.version).cmp(&(&b.key_id, b.version)));
        policies.sort_by(|a, b| a.key_id.cmp(&b.key_id));
        (keys, policies)
    }

    /// Every version wrapped again under another KEK (KEK rotation): the data keys and so the
    /// sealed data stay as they are. Persist the result, then start with the new KEK.
    pub fn rewrap_under(&self, new_kek: &dyn KekProvider) -> Result<Vec<WrappedKey>> {
        let (records, _) = self.export();
        let map = self.read();
        records
            .into_iter()
            .map(|mut w| {
                let dk = map
                    .get(&w.key_id)
                    .and_then(|e| e.versions.get(&w.version))
                    .ok_or_else(|| VaultError::UnknownVersion { key_id: w.key_id.clone(), version: w.version })?;
                let blob = new_kek.wrap(dk.suite, &dk.dek, &wrap_aad(&w.key_id, w.version, dk.suite))?;
                w.wrapped = STANDARD.encode(blob);
                w.kek_id = new_kek.kek_id();
                Ok(w)
            })
            .collect()
    }
}

#[cfg(test)]
#[path = "keyring_tests.rs"]
mod tests;
