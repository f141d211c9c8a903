//! The vault's pure API: seal, open, blind-index, rewrap. No database: the store decides where
//! values live and passes that in as associated data.

use crate::envelope::{parse, Aad, SealedValue};
use crate::error::{Result, VaultError};
use crate::kek::{parse_root_key, read_root_key_env, read_root_key_file};
use crate::keyring::{validate_key_id, ClassMap, DataKey, KeyRing, WrappedKey};
use crate::secret::Secret;
use crate::suite::{derive_key, fingerprint, KeyedMac, NONCE_LEN, ROOT_KEY_LEN, TAG_LEN};
use rand::RngCore;
use std::path::Path;
use std::sync::{Arc, RwLock};
use zeroize::Zeroizing;

/// The root of all blind-index keys (`vault.index_key_file`). Separate from the KEK and from every
/// data key, so an index value says nothing about any ciphertext (REQUIREMENTS A.7).
pub struct IndexKey {
    key: Zeroizing<[u8; ROOT_KEY_LEN]>,
}

impl IndexKey {
    pub fn from_bytes(key: [u8; ROOT_KEY_LEN]) -> Self {
        IndexKey { key: Zeroizing::new(key) }
    }

    fn from_root(key: Zeroizing<[u8; ROOT_KEY_LEN]>) -> Self {
        IndexKey { key }
    }

    pub fn generate() -> Self {
        let mut key = Zeroizing::new([0u8; ROOT_KEY_LEN]);
        rand::rngs::OsRng.fill_bytes(&mut key[..]);
        IndexKey::from_root(key)
    }

    pub fn from_base64(text: &str) -> Result<Self> {
        parse_root_key(text, "index key").map(IndexKey::from_root)
    }

    pub fn from_file(path: &Path) -> Result<Self> {
        read_root_key_file(path).map(IndexKey::from_root)
    }

    pub fn from_env(var: &str) -> Result<Self> {
        read_root_key_env(var).map(IndexKey::from_root)
    }
}

impl std::fmt::Debug for IndexKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IndexKey(..)")
    }
}

/// Seals and opens PII under the key ring, and computes blind indexes.
pub struct Vault {
    ring: KeyRing,
    index_root: Zeroizing<[u8; ROOT_KEY_LEN]>,
    index_key_id: String,
    /// Keyed MAC state per field class, derived on first use.
    index_macs: RwLock<ClassMap<KeyedMac>>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("ring", &self.ring)
            .field("index_key_id", &self.index_key_id)
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// Blind indexes use the ring's suite (HMAC-SHA-256 or HMAC-SM3).
    pub fn new(ring: KeyRing, index_key: IndexKey) -> Self {
        let suite = ring.suite();
        let index_key_id = format!("{}:{}", suite.name(), fingerprint(suite, &index_key.key[..], b"index"));
        Vault { ring, index_root: index_key.key, index_key_id, index_macs: RwLock::new(ClassMap::default()) }
    }

    pub fn keyring(&self) -> &KeyRing {
        &self.ring
    }

    /// Names the index key and suite. The store persists it beside the indexes and refuses to
    /// start when it changes, since every lookup would then silently find nothing.
    pub fn index_key_id(&self) -> &str {
        &self.index_key_id
    }

    /// Encrypts `plaintext` under the latest version of `field_class`'s key, bound to `aad`.
    pub fn seal(&self, field_class: &str, aad: &Aad<'_>, plaintext: &str) -> Result<SealedValue> {
        self.ring.with_encryption_key(field_class, |dk| seal_with(dk, aad, plaintext))
    }

    /// `field_class`'s latest key, looked up once for a batch of values: a seal through it skips
    /// the key ring's lock and lookup. Hold it for one batch, not longer: values it seals after a
    /// rotation are still on the version it was made with (and a rewrap would move them).
    pub fn sealer(&self, field_class: &str) -> Result<Sealer> {
        let (key, limit) = self.ring.encryption_key(field_class)?;
        Ok(Sealer { key, limit })
    }

    /// `field_class`'s blind-index MAC, looked up once for a batch of values.
    pub fn indexer(&self, field_class: &str) -> Result<Indexer> {
        if let Some(m) = self.index_macs.read().unwrap_or_else(|e| e.into_inner()).get(field_class) {
            return Ok(Indexer { mac: m.clone() });
        }
        Ok(Indexer { mac: self.derive_index_mac(field_class)? })
    }

    /// Derives `field_class`'s blind-index MAC and caches it. Validated once, here; cached classes are known to be
    /// valid.
    fn derive_index_mac(&self, field_class: &str) -> Result<KeyedMac> {
        validate_key_id(field_class)?;
        let suite = self.ring.suite();
        let key = derive_key(suite, &self.index_root[..], &[b"blind-index", field_class.as_bytes()]);
        let m = KeyedMac::new(suite, &key[..]);
        self.index_macs.write().unwrap_or_else(|e| e.into_inner()).entry(field_class.to_string()).or_insert(m.clone());
        Ok(m)
    }

    /// Decrypts a value sealed for `field_class` at `aad`. A changed byte, a value moved from
    /// another row or column, or a value of another field class fails.
    pub fn open(&self, field_class: &str, aad: &Aad<'_>, sealed: &[u8]) -> Result<Secret> {
        let p = parse(sealed)?;
        if p.header.key_id != field_class {
            return Err(VaultError::WrongKey { expected: field_class.to_string(), found: p.header.key_id });
        }
        let integrity = || VaultError::Integrity { key_id: field_class.to_string(), version: p.header.key_version };
        let dk = self.ring.for_decryption(field_class, p.header.key_version)?;
        if dk.suite != p.header.suite {
            return Err(integrity());
        }
        let plain = aad
            .with_bytes(p.format, p.header_bytes, |ad| dk.cipher.decrypt(p.nonce, ad, p.ct_and_tag))
            .ok_or_else(integrity)?;
        let text = String::from_utf8(plain.to_vec()).map_err(|e| {
            zeroize::Zeroize::zeroize(&mut e.into_bytes());
            VaultError::Malformed("plaintext is not UTF-8")
        })?;
        Ok(Secret::new(text))
    }

    /// Keyed MAC of an already-normalised value (normalise with `siyu_domain::pii`), its first
    /// [`INDEX_BYTES`] as 32 lowercase hex characters. Each field class has its own key, derived from the index root,
    /// so equal values in different fields do not share an index.
    pub fn blind_index(&self, field_class: &str, normalized: &str) -> Result<String> {
        let mut mac = [0u8; 32];
        let found = {
            let macs = self.index_macs.read().unwrap_or_else(|e| e.into_inner());
            macs.get(field_class).map(|m| mac = m.compute(&[normalized.as_bytes()])).is_some()
        };
        if !found {
            mac = self.derive_index_mac(field_class)?.compute(&[normalized.as_bytes()]);
        }
        Ok(to_hex(&mac))
    }

    /// True when the value is sealed under an older version than the latest, another suite than
    /// the configured one or an older format, i.e. a rewrap job should re-seal it. Reads the header
    /// only.
    pub fn rewrap_needed(&self, sealed: &[u8]) -> Result<bool> {
        let p = parse(sealed)?;
        let h = p.header;
        Ok(h.key_version < self.ring.latest_version(&h.key_id)?
            || h.suite != self.ring.suite()
            || p.format != crate::envelope::FORMAT_V2)
    }

    /// Re-seals a value under the latest version; `None` when it already is there.
    pub fn rewrap(&self, field_class: &str, aad: &Aad<'_>, sealed: &[u8]) -> Result<Option<SealedValue>> {
        if !self.rewrap_needed(sealed)? {
            return Ok(None);
        }
        let plain = self.open(field_class, aad, sealed)?;
        let why = crate::secret::Purpose::system(crate::secret::PurposeKind::Rewrap, "rewrap")?;
        self.seal(field_class, aad, plain.expose(&why)).map(Some)
    }

    /// Adds a key version for `field_class`; returns the record for the store to persist.
    pub fn rotate(&self, field_class: &str) -> Result<WrappedKey> {
        self.ring.rotate(field_class)
    }
}

fn seal_with(dk: &DataKey, aad: &Aad<'_>, plaintext: &str) -> Result<SealedValue> {
    let header = &dk.header[..];
    let mut out = Vec::with_capacity(header.len() + NONCE_LEN + plaintext.len() + TAG_LEN);
    out.extend_from_slice(header);
    let mut nonce = [0u8; NONCE_LEN];
    // ThreadRng is a ChaCha CSPRNG reseeded from the OS: a syscall per value would cost more than
    // the encryption for no gain in nonce quality.
    rand::thread_rng().fill_bytes(&mut nonce);
    out.extend_from_slice(&nonce);
    aad.with_bytes(crate::envelope::FORMAT_V2, header, |ad| {
        dk.cipher.encrypt_append(&nonce, ad, plaintext.as_bytes(), &mut out)
    })?;
    Ok(SealedValue::from_bytes(out))
}

/// Seals values of one field class under the key version current when it was made.
pub struct Sealer {
    key: Arc<DataKey>,
    limit: u64,
}

impl Sealer {
    /// As `Vault::seal`, without looking the key up again.
    pub fn seal(&self, aad: &Aad<'_>, plaintext: &str) -> Result<SealedValue> {
        self.key.count_one(self.limit)?;
        seal_with(&self.key, aad, plaintext)
    }
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sealer(v{})", self.key.version)
    }
}

/// Computes blind indexes of one field class.
#[derive(Clone)]
pub struct Indexer {
    mac: KeyedMac,
}

impl Indexer {
    /// As `Vault::blind_index`, without looking the key up again.
    pub fn index(&self, normalized: &str) -> String {
        to_hex(&self.mac.compute(&[normalized.as_bytes()]))
    }
}

impl std::fmt::Debug for Indexer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Indexer(..)")
    }
}

/// Lowercase hex digit pairs of every byte value, so encoding a byte is one lookup and one 2-byte
/// store instead of two nibble lookups.
static HEX_PAIRS: [[u8; 2]; 256] = {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut t = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = [HEX[i >> 4], HEX[i & 15]];
        i += 1;
    }
    t
};

/// How much of the 32-byte MAC a blind index keeps: 128 bits, as NIST SP 800-107 allows for a truncated HMAC.
/// Two values share an index only by chance, and with 128 bits that takes about 2^64 values; every stored index,
/// and every btree entry of one, is half the size of the full MAC's.
pub const INDEX_BYTES: usize = 16;

fn to_hex(mac: &[u8; 32]) -> String {
    let bytes = &mac[..INDEX_BYTES];
    let mut out = [[0u8; 2]; INDEX_BYTES];
    for (pair, &b) in out.iter_mut().zip(bytes) {
        *pair = HEX_PAIRS[usize::from(b)];
    }
    // Always ASCII; the fallback only keeps a panic path out of library code.
    std::str::from_utf8(out.as_flattened()).map(str::to_owned).unwrap_or_default()
}

#[cfg(test)]
#[path = "vault_tests.rs"]
mod tests;
