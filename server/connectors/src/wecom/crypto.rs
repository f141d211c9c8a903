//! WeCom callback encryption (WXBizMsgCrypt), written from the protocol description (doc 90968) and checked against
//! the official samples' vectors (see the tests).
//!
//! * `AESKey = base64(EncodingAESKey + "=")`, 32 bytes; IV = the key's first 16 bytes; AES-256-CBC.
//! * Plaintext = 16 random bytes ‖ u32 BE length ‖ msg ‖ receiveid, padded PKCS#7-style to a **32-byte** block
//!   (pad values 1..=32). Real traffic has pad bytes above 16, so a stock 16-byte PKCS#7 unpadder would fail.
//! * `msg_signature = hex(sha1(concat(sort([token, timestamp, nonce, encrypt]))))`.
//!
//! Errors carry the SDK's −400xx codes so logs and tests speak the same language as WeCom's samples.

use aes::cipher::{block_padding::NoPadding, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use rand::RngCore;
use sha1::{Digest, Sha1};

use super::xml;

type Aes256CbcEnc = cbc::Encryptor<aes::Aes256>;
type Aes256CbcDec = cbc::Decryptor<aes::Aes256>;

/// Standard alphabet, tolerant of non-zero trailing bits (see [`decode_aes_key`]).
const KEY_ENGINE: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// WeCom pads to 32 bytes, not to the AES block size.
const PAD_BLOCK: usize = 32;
/// random(16) + length(4): the least a plaintext can hold.
const HEADER_LEN: usize = 20;

/// The official samples' error codes (`errorCode.php` / `ierror.py`), one variant each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("signature check failed (-40001)")]
    ValidateSignature,
    #[error("malformed envelope XML/JSON (-40002)")]
    ParseXml,
    #[error("could not compute the signature (-40003)")]
    ComputeSignature,
    #[error("EncodingAESKey must be 43 characters [A-Za-z0-9] decoding to 32 bytes (-40004)")]
    IllegalAesKey,
    #[error("receiveid in the plaintext does not match (-40005)")]
    ValidateReceiveId,
    #[error("AES encryption failed (-40006)")]
    EncryptAes,
    #[error("AES decryption failed (-40007)")]
    DecryptAes,
    #[error("decrypted buffer is malformed: padding or length (-40008)")]
    IllegalBuffer,
    #[error("base64 encoding failed (-40009)")]
    EncodeBase64,
    #[error("ciphertext is not valid base64 (-40010)")]
    DecodeBase64,
    #[error("could not build the reply XML (-40011)")]
    GenReturnXml,
}

impl CryptoError {
    /// The numeric code the official SDKs return for this error.
    pub fn code(self) -> i32 {
        match self {
            CryptoError::ValidateSignature => -40001,
            CryptoError::ParseXml => -40002,
            CryptoError::ComputeSignature => -40003,
            CryptoError::IllegalAesKey => -40004,
            CryptoError::ValidateReceiveId => -40005,
            CryptoError::EncryptAes => -40006,
            CryptoError::DecryptAes => -40007,
            CryptoError::IllegalBuffer => -40008,
            CryptoError::EncodeBase64 => -40009,
            CryptoError::DecodeBase64 => -40010,
            CryptoError::GenReturnXml => -40011,
        }
    }
}

/// Decodes and checks an EncodingAESKey. Stricter than the samples (which only check the length): a 43-character
/// string with `=`, `+`, `/` or other characters is a configuration mistake better caught at start-up.
pub fn decode_aes_key(encoding_aes_key: &str) -> Result<[u8; 32], CryptoError> {
    if encoding_aes_key.len() != 43 || !encoding_aes_key.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(CryptoError::IllegalAesKey);
    }
    // 43 base64 characters carry 258 bits; the last 2 are dropped. WeCom's console generates the 43 characters at
    // random, so those bits are often set (doc 90968's own example key ends in `C`): the decoder must allow them.
    let raw = KEY_ENGINE.decode(format!("{encoding_aes_key}=")).map_err(|_| CryptoError::IllegalAesKey)?;
    raw.try_into().map_err(|_| CryptoError::IllegalAesKey)
}

/// `msg_signature` over the four values, sorted byte-wise and concatenated without separators.
pub fn signature(token: &str, timestamp: &str, nonce: &str, encrypt: &str) -> String {
    let mut parts = [token, timestamp, nonce, encrypt];
    parts.sort_unstable();
    let mut h = Sha1::new();
    for p in parts {
        h.update(p.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Compares without an early exit, so response timing tells an attacker nothing about a forged signature.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A decrypted payload with the receiveid found in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decrypted {
    pub msg: String,
    pub receive_id: String,
}

/// One corp's (or suite's) callback crypto settings.
#[derive(Clone)]
pub struct MsgCrypt {
    token: String,
    key: [u8; 32],
    receive_id: String,
}

impl std::fmt::Debug for MsgCrypt {
    // Never print the token or the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MsgCrypt").field("receive_id", &self.receive_id).finish_non_exhaustive()
    }
}

/// The reply (or emulator-sent) envelope fields: what WeCom's `EncryptMsg` returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub encrypt: String,
    pub msg_signature: String,
    pub timestamp: String,
    pub nonce: String,
}

impl MsgCrypt {
    /// `receive_id` is the corpid for a self-built app's callbacks (the suiteid for a suite's). An empty
    /// `receive_id` skips the plaintext check, as the official samples do for personal-entity apps.
    pub fn new(token: &str, encoding_aes_key: &str, receive_id: &str) -> Result<Self, CryptoError> {
        Ok(MsgCrypt {
            token: token.to_owned(),
            key: decode_aes_key(encoding_aes_key)?,
            receive_id: receive_id.to_owned(),
        })
    }

    pub fn receive_id(&self) -> &str {
        &self.receive_id
    }

    pub fn signature(&self, timestamp: &str, nonce: &str, encrypt: &str) -> String {
        signature(&self.token, timestamp, nonce, encrypt)
    }

    /// Checks `msg_signature` (case-insensitively: it is hex) against our own computation.
    pub fn verify_signature(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypt: &str,
    ) -> Result<(), CryptoError> {
        let expected = self.signature(timestamp, nonce, encrypt);
        if constant_time_eq(expected.as_bytes(), msg_signature.to_ascii_lowercase().as_bytes()) {
            Ok(())
        } else {
            Err(CryptoError::ValidateSignature)
        }
    }

    /// GET URL verification: `echostr` already URL-decoded. Returns the plaintext to answer with, as the raw
    /// HTTP body. The signature is checked first, before any decryption work.
    pub fn verify_url(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        echostr: &str,
    ) -> Result<String, CryptoError> {
        self.verify_signature(msg_signature, timestamp, nonce, echostr)?;
        Ok(self.decrypt(echostr)?.msg)
    }

    /// POST callback: parses the envelope body (XML, or the JSON variant), checks the signature over its
    /// `Encrypt`, decrypts, checks the receiveid. Returns the plaintext message (XML for customer-contact events).
    pub fn decrypt_message(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        body: &str,
    ) -> Result<String, CryptoError> {
        let env = xml::parse_envelope(body).map_err(|_| CryptoError::ParseXml)?;
        self.verify_signature(msg_signature, timestamp, nonce, &env.encrypt)?;
        Ok(self.decrypt(&env.encrypt)?.msg)
    }

    /// Decrypts a base64 `Encrypt` value and checks its receiveid (unless ours is empty).
    pub fn decrypt(&self, encrypt: &str) -> Result<Decrypted, CryptoError> {
        let d = self.decrypt_unchecked(encrypt)?;
        if !self.receive_id.is_empty() && d.receive_id != self.receive_id {
            return Err(CryptoError::ValidateReceiveId);
        }
        Ok(d)
    }

    /// Decrypts without comparing the receiveid (for tools that must show which receiveid a payload names).
    pub fn decrypt_unchecked(&self, encrypt: &str) -> Result<Decrypted, CryptoError> {
        let mut buf = STANDARD.decode(encrypt.trim()).map_err(|_| CryptoError::DecodeBase64)?;
        if buf.is_empty() || buf.len() % 16 != 0 {
            return Err(CryptoError::DecryptAes);
        }
        let plain = Aes256CbcDec::new(&self.key.into(), self.key[..16].into())
            .decrypt_padded_mut::<NoPadding>(&mut buf)
            .map_err(|_| CryptoError::DecryptAes)?;
        let unpadded = unpad32(plain)?;
        if unpadded.len() < HEADER_LEN {
            return Err(CryptoError::IllegalBuffer);
        }
        let len = u32::from_be_bytes([unpadded[16], unpadded[17], unpadded[18], unpadded[19]]) as usize;
        let rest = &unpadded[HEADER_LEN..];
        if len > rest.len() {
            return Err(CryptoError::IllegalBuffer);
        }
        let msg = std::str::from_utf8(&rest[..len]).map_err(|_| CryptoError::IllegalBuffer)?;
        let receive_id = std::str::from_utf8(&rest[len..]).map_err(|_| CryptoError::IllegalBuffer)?;
        Ok(Decrypted { msg: msg.to_owned(), receive_id: receive_id.to_owned() })
    }

    /// Encrypts `msg` with a fresh random prefix. Binary random bytes, as the real server sends, so our own
    /// decoder is exercised with non-ASCII prefixes (the SDK samples use ASCII letters).
    pub fn encrypt(&self, msg: &str) -> String {
        let mut random = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut random);
        self.encrypt_with_random(msg, &random)
    }

    /// Deterministic form of [`MsgCrypt::encrypt`] for tests and reproducible fixtures.
    pub fn encrypt_with_random(&self, msg: &str, random: &[u8; 16]) -> String {
        let body_len = HEADER_LEN + msg.len() + self.receive_id.len();
        let pad = PAD_BLOCK - body_len % PAD_BLOCK; // 1..=32: a full block when already aligned
        let mut buf = Vec::with_capacity(body_len + pad);
        buf.extend_from_slice(random);
        buf.extend_from_slice(&(msg.len() as u32).to_be_bytes());
        buf.extend_from_slice(msg.as_bytes());
        buf.extend_from_slice(self.receive_id.as_bytes());
        buf.resize(body_len + pad, pad as u8);
        let n = buf.len();
        let ct = Aes256CbcEnc::new(&self.key.into(), self.key[..16].into())
            .encrypt_padded_mut::<NoPadding>(&mut buf, n)
            .expect("buffer is a whole number of blocks");
        STANDARD.encode(ct)
    }

    /// Encrypts and signs: the four values of a reply (or of a callback the emulator sends).
    pub fn seal(&self, msg: &str, timestamp: &str, nonce: &str) -> Sealed {
        let encrypt = self.encrypt(msg);
        let msg_signature = self.signature(timestamp, nonce, &encrypt);
        Sealed { encrypt, msg_signature, timestamp: timestamp.to_owned(), nonce: nonce.to_owned() }
    }

    /// `EncryptMsg`: the passive-reply XML envelope (`Encrypt`, `MsgSignature`, `TimeStamp`, `Nonce`).
    pub fn encrypt_message(&self, msg: &str, timestamp: &str, nonce: &str) -> Result<String, CryptoError> {
        let s = self.seal(msg, timestamp, nonce);
        xml::reply_envelope(&s).map_err(|_| CryptoError::GenReturnXml)
    }
}

/// Removes WeCom's 32-byte PKCS#7 padding, refusing a pad value outside 1..=32 or pad bytes that disagree
/// (a wrong key decrypts to noise and almost always fails here rather than yielding garbage).
fn unpad32(plain: &[u8]) -> Result<&[u8], CryptoError> {
    let pad = *plain.last().ok_or(CryptoError::IllegalBuffer)? as usize;
    if pad == 0 || pad > PAD_BLOCK || pad > plain.len() {
        return Err(CryptoError::IllegalBuffer);
    }
    let (body, tail) = plain.split_at(plain.len() - pad);
    if tail.iter().any(|&b| b as usize != pad) {
        return Err(CryptoError::IllegalBuffer);
    }
    Ok(body)
}

#[cfg(test)]
#[path = "crypto_tests.rs"]
mod tests;
