//! The two algorithm suites and the primitives each one lends the vault: an AEAD for sealing and
//! wrapping, and a MAC for blind indexes and key derivation.
//!
//! Both AEADs are the same GCM construction (96-bit nonce, 128-bit tag) over different block
//! ciphers, so the envelope, nonce handling and tests are shared; only the block cipher and the
//! hash differ. GB/T 39786 assessments require SM4/SM3; everyone else gets AES/SHA-256.

use crate::error::{Result, VaultError};
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::generic_array::GenericArray;
use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::AesGcm;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use sm3::Sm3;
use sm4::Sm4;
use std::mem::MaybeUninit;
use zeroize::{Zeroize, Zeroizing};

/// SM4 in GCM mode with the standard 96-bit nonce.
type Sm4Gcm = AesGcm<Sm4, U12>;

pub(crate) const NONCE_LEN: usize = 12;
pub(crate) const TAG_LEN: usize = 16;
/// Root keys (KEK, blind-index key) and derived MAC keys are 256 bits in both suites.
pub const ROOT_KEY_LEN: usize = 32;

/// An algorithm suite, chosen by configuration and recorded in every ciphertext and wrapped key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Suite {
    /// AES-256-GCM, blind index HMAC-SHA-256.
    Aes256Gcm,
    /// SM4-GCM (GB/T 32907 + GCM), blind index HMAC-SM3 (GB/T 32905).
    Sm4Gcm,
}

impl Suite {
    pub const ALL: [Suite; 2] = [Suite::Aes256Gcm, Suite::Sm4Gcm];

    /// The byte recorded in envelopes; never reuse a retired value.
    pub fn id(self) -> u8 {
        match self {
            Suite::Aes256Gcm => 1,
            Suite::Sm4Gcm => 2,
        }
    }

    pub fn from_id(id: u8) -> Option<Suite> {
        Suite::ALL.into_iter().find(|s| s.id() == id)
    }

    /// The configuration name (`vault.suite`).
    pub fn name(self) -> &'static str {
        match self {
            Suite::Aes256Gcm => "aes-256-gcm",
            Suite::Sm4Gcm => "sm4-gcm",
        }
    }

    /// Data-key length: AES-256 takes 32 bytes, SM4 16.
    pub fn dek_len(self) -> usize {
        match self {
            Suite::Aes256Gcm => 32,
            Suite::Sm4Gcm => 16,
        }
    }
}

impl std::fmt::Display for Suite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Suite {
    type Err = VaultError;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "aes-256-gcm" | "aes256gcm" | "aes" => Ok(Suite::Aes256Gcm),
            "sm4-gcm" | "sm4gcm" | "sm4" | "sm" => Ok(Suite::Sm4Gcm),
            _ => Err(VaultError::Invalid(format!("unknown vault suite {s:?}: use aes-256-gcm or sm4-gcm"))),
        }
    }
}

/// A keyed AEAD instance. The key schedule is computed once per data key, not per value.
pub(crate) enum Cipher {
    /// ring's AES-GCM (BoringSSL's assembly: AES-NI/VAES with CLMUL/VPCLMULQDQ GHASH over a table of
    /// H powers). The same standard AES-256-GCM as the `aes-gcm` crate, so values sealed before the
    /// switch open unchanged (checked against `aes-gcm` in the tests).
    Aes(WipedBox<ring::aead::LessSafeKey>),
    Sm4(Box<Sm4Gcm>),
}

/// A boxed key schedule whose bytes are overwritten with zeros when it is dropped. ring does not
/// zeroize its keys; the `aes` and `aes-gcm` crates did (their `zeroize` feature), and a data key's
/// schedule should not outlive it in freed memory either way.
pub(crate) struct WipedBox<T>(Box<MaybeUninit<T>>);

impl<T> WipedBox<T> {
    fn new(value: T) -> Self {
        WipedBox(Box::new(MaybeUninit::new(value)))
    }
}

impl<T> std::ops::Deref for WipedBox<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: initialised in `new` and only de-initialised in `drop`.
        unsafe { self.0.assume_init_ref() }
    }
}

impl<T> Drop for WipedBox<T> {
    fn drop(&mut self) {
        // SAFETY: initialised in `new`; dropped exactly once, here, and not read afterwards.
        unsafe { self.0.assume_init_drop() };
        // Volatile zeroing of the now dead bytes (any byte pattern is a valid `MaybeUninit`).
        self.0.zeroize();
    }
}

impl Cipher {
    pub(crate) fn new(suite: Suite, key: &[u8]) -> Result<Self> {
        if key.len() != suite.dek_len() {
            return Err(VaultError::Invalid(format!("a {suite} key has {} bytes", suite.dek_len())));
        }
        Ok(match suite {
            Suite::Aes256Gcm => {
                let key = ring::aead::UnboundKey::new(&ring::aead::AES_256_GCM, key).map_err(|_| VaultError::Crypto)?;
                Cipher::Aes(WipedBox::new(ring::aead::LessSafeKey::new(key)))
            }
            Suite::Sm4Gcm => Cipher::Sm4(Box::new(Sm4Gcm::new(GenericArray::from_slice(key)))),
        })
    }

    /// Appends `plaintext`'s ciphertext and tag to `out`, encrypting in place there so a seal
    /// costs one allocation.
    pub(crate) fn encrypt_append(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let start = out.len();
        out.extend_from_slice(plaintext);
        let buf = &mut out[start..];
        let tag: [u8; TAG_LEN] = match self {
            Cipher::Aes(c) => {
                let nonce = ring::aead::Nonce::assume_unique_for_key(*nonce);
                let tag = c.seal_in_place_separate_tag(nonce, ring::aead::Aad::from(aad), buf);
                tag.map_err(|_| VaultError::Crypto)?.as_ref().try_into().map_err(|_| VaultError::Crypto)?
            }
            Cipher::Sm4(c) => c
                .encrypt_in_place_detached(GenericArray::from_slice(nonce), aad, buf)
                .map_err(|_| VaultError::Crypto)?
                .into(),
        };
        out.extend_from_slice(&tag);
        Ok(())
    }

    /// Decrypts `ct_and_tag`; `None` when the tag does not verify.
    pub(crate) fn decrypt(&self, nonce: &[u8], aad: &[u8], ct_and_tag: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        if nonce.len() != NONCE_LEN || ct_and_tag.len() < TAG_LEN {
            return None;
        }
        let (ct, tag) = ct_and_tag.split_at(ct_and_tag.len() - TAG_LEN);
        let mut buf = Zeroizing::new(ct.to_vec());
        let ok = match self {
            Cipher::Aes(c) => {
                let nonce = ring::aead::Nonce::try_assume_unique_for_key(nonce).ok()?;
                let tag = ring::aead::Tag::try_from(tag).ok()?;
                c.open_in_place_separate_tag(nonce, ring::aead::Aad::from(aad), tag, &mut buf, 0..).is_ok()
            }
            Cipher::Sm4(c) => c
                .decrypt_in_place_detached(
                    GenericArray::from_slice(nonce),
                    aad,
                    &mut buf,
                    GenericArray::from_slice(tag),
                )
                .is_ok(),
        };
        ok.then_some(buf)
    }
}

/// A keyed MAC with its inner and outer pads already absorbed, so a blind index costs the message
/// blocks only.
#[derive(Clone)]
pub(crate) enum KeyedMac {
    Sha256(PrekeyedSha256),
    Sm3(Hmac<Sm3>),
}

impl KeyedMac {
    pub(crate) fn new(suite: Suite, key: &[u8]) -> Self {
        // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
        const ANY_LEN: &str = "HMAC takes keys of any length";
        match suite {
            Suite::Aes256Gcm => KeyedMac::Sha256(PrekeyedSha256::new(key)),
            Suite::Sm4Gcm => KeyedMac::Sm3(<Hmac<Sm3> as Mac>::new_from_slice(key).expect(ANY_LEN)),
        }
    }

    /// MAC over the concatenation of `parts`.
    pub(crate) fn compute(&self, parts: &[&[u8]]) -> [u8; 32] {
        match self {
            KeyedMac::Sha256(m) => m.compute(parts),
            KeyedMac::Sm3(m) => {
                let mut m = m.clone();
                parts.iter().for_each(|p| m.update(p));
                let mut out = [0u8; 32];
                out.copy_from_slice(&m.finalize().into_bytes());
                out
            }
        }
    }
}

/// HMAC-SHA-256 (RFC 2104) whose two padded-key blocks are compressed once, at key set-up. A message
/// that fits one SHA-256 block after padding (55 bytes or less — every normalised identifier)
/// then costs exactly two compressions of `sha2`'s own (SHA-NI where the CPU has it) and no
/// buffering or cloning; longer messages go through the `hmac` crate. Both paths are checked
/// against each other and against RFC 4231 in the tests.
#[derive(Clone)]
pub(crate) struct PrekeyedSha256 {
    inner: [u32; 8],
    outer: [u32; 8],
    full: Hmac<Sha256>,
}

/// The SHA-256 initial hash value (FIPS 180-4 §5.3.3).
const SHA256_IV: [u32; 8] =
    [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

impl PrekeyedSha256 {
    fn new(key: &[u8]) -> Self {
        use sha2::Digest;
        const ANY_LEN: &str = "HMAC takes keys of any length";
        let mut k0 = Zeroizing::new([0u8; 64]);
        if key.len() > 64 {
            k0[..32].copy_from_slice(&Sha256::digest(key));
        } else {
            k0[..key.len()].copy_from_slice(key);
        }
        let pad = |byte: u8| {
            let mut block = Zeroizing::new([0u8; 64]);
            block.iter_mut().zip(k0.iter()).for_each(|(b, k)| *b = k ^ byte);
            let mut state = SHA256_IV;
            sha2::compress256(&mut state, &[GenericArray::clone_from_slice(&block[..])]);
            state
        };
        PrekeyedSha256 {
            inner: pad(0x36),
            outer: pad(0x5c),
            full: <Hmac<Sha256> as Mac>::new_from_slice(key).expect(ANY_LEN),
        }
    }

    fn compute(&self, parts: &[&[u8]]) -> [u8; 32] {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        if len > 55 {
            let mut m = self.full.clone();
            parts.iter().for_each(|p| m.update(p));
            let mut out = [0u8; 32];
            out.copy_from_slice(&m.finalize().into_bytes());
            return out;
        }
        // Inner hash: the message after the 64-byte padded key, so its bit length counts 64 more.
        let mut block = GenericArray::<u8, sha2::digest::consts::U64>::default();
        let mut at = 0;
        for p in parts {
            block[at..at + p.len()].copy_from_slice(p);
            at += p.len();
        }
        block[at] = 0x80;
        block[56..].copy_from_slice(&(((64 + len) as u64) * 8).to_be_bytes());
        let mut state = self.inner;
        sha2::compress256(&mut state, std::slice::from_ref(&block));
        // Outer hash: the 32-byte inner digest after the other padded key.
        let mut outer = GenericArray::<u8, sha2::digest::consts::U64>::default();
        for (chunk, word) in outer[..32].chunks_exact_mut(4).zip(state) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        outer[32] = 0x80;
        outer[56..].copy_from_slice(&(96u64 * 8).to_be_bytes());
        let mut state = self.outer;
        sha2::compress256(&mut state, std::slice::from_ref(&outer));
        let mut out = [0u8; 32];
        for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        out
    }
}

/// Derives a 256-bit subkey from a root key: MAC(root, "siyu/v1" ‖ len ‖ label …). Labels are
/// length-prefixed so no two label lists produce the same input. One MAC block of output is all
/// any caller needs, which makes this HKDF-Expand with a single step and no salt; the root keys
/// are uniformly random, so the extract step would add nothing.
pub(crate) fn derive_key(suite: Suite, root: &[u8], labels: &[&[u8]]) -> Zeroizing<[u8; ROOT_KEY_LEN]> {
    let mac = KeyedMac::new(suite, root);
    let mut input = Vec::with_capacity(64);
    input.extend_from_slice(b"siyu/v1");
    for l in labels {
        input.extend_from_slice(&(l.len() as u32).to_be_bytes());
        input.extend_from_slice(l);
    }
    Zeroizing::new(mac.compute(&[&input]))
}

/// A short public name of a root key: the first 8 bytes of a derived value, hex. Lets an error or
/// a stored record say *which* key without revealing anything usable about it.
pub(crate) fn fingerprint(suite: Suite, root: &[u8], what: &[u8]) -> String {
    let d = derive_key(suite, root, &[b"fingerprint", what]);
    d[..8].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suite_names_round_trip() {
        for s in Suite::ALL {
            assert_eq!(Suite::from_id(s.id()), Some(s));
            assert_eq!(s.name().parse::<Suite>().unwrap(), s);
        }
        assert_eq!(Suite::from_id(0), None);
        assert!("des".parse::<Suite>().is_err());
    }

    /// GB/T 32907 appendix A example 1, through the `sm4` crate, so we know which cipher runs
    /// inside our GCM.
    #[test]
    fn sm4_known_answer() {
        use sm4::cipher::{BlockEncrypt, KeyInit as _};
        let key: [u8; 16] =
            [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10];
        let c = Sm4::new(GenericArray::from_slice(&key));
        let mut block = GenericArray::clone_from_slice(&key);
        c.encrypt_block(&mut block);
        let expect: [u8; 16] =
            [0x68, 0x1e, 0xdf, 0x34, 0xd2, 0x06, 0x96, 0x5e, 0x86, 0xb3, 0xe9, 0x4f, 0x53, 0x6e, 0x42, 0x46];
        assert_eq!(block.as_slice(), &expect);
    }

    /// GB/T 32905 example "abc", so the blind-index hash of the SM suite is really SM3.
    #[test]
    fn sm3_known_answer() {
        use sha2::Digest;
        let h = Sm3::digest(b"abc");
        let hex: String = h.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    }

    #[test]
    fn aead_round_trip_and_tamper() {
        for s in Suite::ALL {
            let key = vec![7u8; s.dek_len()];
            let c = Cipher::new(s, &key).unwrap();
            let nonce = [1u8; NONCE_LEN];
            let mut out = Vec::new();
            c.encrypt_append(&nonce, b"aad", b"hello", &mut out).unwrap();
            assert_eq!(out.len(), 5 + TAG_LEN);
            assert_eq!(&c.decrypt(&nonce, b"aad", &out).unwrap()[..], b"hello");
            assert!(c.decrypt(&nonce, b"aaD", &out).is_none());
            out[0] ^= 1;
            assert!(c.decrypt(&nonce, b"aad", &out).is_none());
            assert!(c.decrypt(&nonce, b"aad", &out[..3]).is_none());
            assert!(Cipher::new(s, &[0u8; 5]).is_err());
        }
    }

    /// The AES suite runs on ring, values sealed before that on the `aes-gcm` crate: both are the
    /// same AES-256-GCM, byte for byte, so either opens the other's output.
    #[test]
    fn aes_suite_matches_aes_gcm_crate() {
        use aes_gcm::Aes256Gcm;
        let key: Vec<u8> = (0..32u8).map(|i| i.wrapping_mul(37) ^ 0x5a).collect();
        let ours = Cipher::new(Suite::Aes256Gcm, &key).unwrap();
        let theirs = Aes256Gcm::new(GenericArray::from_slice(&key));
        for len in 0..=80usize {
            let plain: Vec<u8> = (0..len).map(|i| (i * 13 + 1) as u8).collect();
            let aad: Vec<u8> = (0..(len * 7) % 50).map(|i| (i * 3) as u8).collect();
            let nonce = [len as u8; NONCE_LEN];
            let mut out = Vec::new();
            ours.encrypt_append(&nonce, &aad, &plain, &mut out).unwrap();
            let mut want = plain.clone();
            let tag = theirs.encrypt_in_place_detached(GenericArray::from_slice(&nonce), &aad, &mut want).unwrap();
            want.extend_from_slice(&tag);
            assert_eq!(out, want, "length {len}");
            assert_eq!(&ours.decrypt(&nonce, &aad, &want).unwrap()[..], &plain[..]);
        }
    }

    /// The two-compression path and the `hmac` crate agree for every message length either side
    /// of the one-block limit, for keys shorter than, equal to and longer than a block.
    #[test]
    fn prekeyed_hmac_sha256_matches_hmac_crate() {
        for key_len in [0usize, 1, 32, 64, 65, 100] {
            let key: Vec<u8> = (0..key_len).map(|i| (i * 7 + 3) as u8).collect();
            let fast = PrekeyedSha256::new(&key);
            for len in 0..=130usize {
                let msg: Vec<u8> = (0..len).map(|i| (i * 31 + key_len) as u8).collect();
                let mut h = <Hmac<Sha256> as Mac>::new_from_slice(&key).unwrap();
                h.update(&msg);
                let want: [u8; 32] = h.finalize().into_bytes().into();
                assert_eq!(fast.compute(&[&msg]), want, "key {key_len} msg {len}");
                let (a, b) = msg.split_at(len / 3);
                assert_eq!(fast.compute(&[a, b]), want, "split key {key_len} msg {len}");
            }
        }
    }

    /// RFC 4231 test case 2 ("what do ya want for nothing?" under key "Jefe").
    #[test]
    fn prekeyed_hmac_sha256_rfc4231() {
        let mac = PrekeyedSha256::new(b"Jefe").compute(&[b"what do ya want ", b"for nothing?"]);
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    #[test]
    fn derivation_separates_labels_and_suites() {
        let root = [9u8; 32];
        let a = derive_key(Suite::Aes256Gcm, &root, &[b"ab", b"c"]);
        let b = derive_key(Suite::Aes256Gcm, &root, &[b"a", b"bc"]);
        let c = derive_key(Suite::Sm4Gcm, &root, &[b"ab", b"c"]);
        assert_ne!(*a, *b);
        assert_ne!(*a, *c);
        assert_eq!(*a, *derive_key(Suite::Aes256Gcm, &root, &[b"ab", b"c"]));
    }
}
