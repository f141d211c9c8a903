//! The sealed-value format and what it is bound to.
//!
//! ```text
//! byte 0      format version (2; 1 is still read)
//! byte 1      suite id (1 = AES-256-GCM, 2 = SM4-GCM)
//! byte 2      key id length L (1..=64)
//! 3..3+L      key id (ASCII, the field class)
//! +4          key version, u32 big-endian
//! +12         nonce, 96 random bits
//! rest        ciphertext ‖ 16-byte GCM tag
//! ```
//! The associated data binds the format, the suite and the key version, then the table, column and
//! row id, each prefixed by its length (LEB128), so changing the header, the ciphertext, or the place
//! the value is stored breaks the tag (REQUIREMENTS A.4). The key id is not repeated in the
//! associated data: it selects the data key, and no other key verifies the tag. Format 1 put the whole
//! header and u32 lengths there; it cost GCM two to three more GHASH blocks per value for no more
//! binding, and is still opened (a rewrap moves such values to format 2). The header is readable
//! without any key, which is what lets a rewrap job find values on old versions cheaply.

use crate::error::{Result, VaultError};
use crate::keyring::validate_key_id;
use crate::suite::{Suite, NONCE_LEN, TAG_LEN};
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub const FORMAT_V1: u8 = 1;
/// The format `seal` writes.
pub const FORMAT_V2: u8 = 2;

/// Where a sealed value lives. The row id must be known before sealing (use the row's UUID or
/// business key, not an autoincrement assigned on insert).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Aad<'a> {
    pub table: &'a str,
    pub column: &'a str,
    pub row_id: &'a str,
}

impl<'a> Aad<'a> {
    pub fn new(table: &'a str, column: &'a str, row_id: &'a str) -> Self {
        Aad { table, column, row_id }
    }

    /// Runs `f` over the associated data of a value in `format` (see the module comment), built on
    /// the stack when it fits, as it does for every real table.
    pub(crate) fn with_bytes<R>(&self, format: u8, header: &[u8], f: impl FnOnce(&[u8]) -> R) -> R {
        let parts = [self.table, self.column, self.row_id];
        let mut stack = [0u8; 160];
        let mut heap = Vec::new();
        let len = match format {
            FORMAT_V1 => header.len() + 4 + parts.iter().map(|p| 4 + p.len()).sum::<usize>(),
            _ => 6 + parts.iter().map(|p| leb128_len(p.len()) + p.len()).sum::<usize>(),
        };
        let buf: &mut [u8] = if len <= stack.len() {
            &mut stack[..len]
        } else {
            heap.resize(len, 0);
            &mut heap
        };
        let mut at;
        if format == FORMAT_V1 {
            buf[..header.len()].copy_from_slice(header);
            at = header.len();
            buf[at..at + 4].copy_from_slice(b"|ctx");
            at += 4;
            for part in parts {
                buf[at..at + 4].copy_from_slice(&(part.len() as u32).to_be_bytes());
                buf[at + 4..at + 4 + part.len()].copy_from_slice(part.as_bytes());
                at += 4 + part.len();
            }
        } else {
            // format, suite, then the u32 version: bytes 0, 1 and the last four of the header.
            buf[0] = format;
            buf[1] = header[1];
            buf[2..6].copy_from_slice(&header[header.len() - 4..]);
            at = 6;
            for part in parts {
                at += write_leb128(part.len(), &mut buf[at..]);
                buf[at..at + part.len()].copy_from_slice(part.as_bytes());
                at += part.len();
            }
        }
        f(&buf[..at])
    }
}

fn leb128_len(mut n: usize) -> usize {
    let mut len = 1;
    while n >= 0x80 {
        n >>= 7;
        len += 1;
    }
    len
}

fn write_leb128(mut n: usize, out: &mut [u8]) -> usize {
    let mut i = 0;
    while n >= 0x80 {
        out[i] = (n as u8 & 0x7f) | 0x80;
        n >>= 7;
        i += 1;
    }
    out[i] = n as u8;
    i + 1
}

/// The public part of an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub suite: Suite,
    pub key_id: String,
    pub key_version: u32,
}

impl Header {
    pub(crate) fn encoded(suite: Suite, key_id: &str, version: u32) -> Vec<u8> {
        let mut out = Vec::with_capacity(3 + key_id.len() + 4);
        Header::encode_into(suite, key_id, version, &mut out);
        out
    }

    pub(crate) fn encode_into(suite: Suite, key_id: &str, version: u32, out: &mut Vec<u8>) {
        out.push(FORMAT_V2);
        out.push(suite.id());
        out.push(key_id.len() as u8);
        out.extend_from_slice(key_id.as_bytes());
        out.extend_from_slice(&version.to_be_bytes());
    }
}

/// A parsed envelope borrowing its bytes.
pub(crate) struct Parsed<'a> {
    pub(crate) format: u8,
    pub(crate) header: Header,
    pub(crate) header_bytes: &'a [u8],
    pub(crate) nonce: &'a [u8],
    pub(crate) ct_and_tag: &'a [u8],
}

pub(crate) fn parse(env: &[u8]) -> Result<Parsed<'_>> {
    let (&format, rest) = env.split_first().ok_or(VaultError::Malformed("empty"))?;
    if format != FORMAT_V1 && format != FORMAT_V2 {
        return Err(VaultError::Malformed("unknown format version"));
    }
    let (&suite, rest) = rest.split_first().ok_or(VaultError::Malformed("truncated"))?;
    let suite = Suite::from_id(suite).ok_or(VaultError::Malformed("unknown suite"))?;
    let (&len, rest) = rest.split_first().ok_or(VaultError::Malformed("truncated"))?;
    let len = usize::from(len);
    if rest.len() < len + 4 + NONCE_LEN + TAG_LEN {
        return Err(VaultError::Malformed("truncated"));
    }
    let key_id = std::str::from_utf8(&rest[..len]).map_err(|_| VaultError::Malformed("key id"))?;
    validate_key_id(key_id).map_err(|_| VaultError::Malformed("key id"))?;
    let mut v = [0u8; 4];
    v.copy_from_slice(&rest[len..len + 4]);
    let header_len = 3 + len + 4;
    Ok(Parsed {
        format,
        header: Header { suite, key_id: key_id.to_string(), key_version: u32::from_be_bytes(v) },
        header_bytes: &env[..header_len],
        nonce: &env[header_len..header_len + NONCE_LEN],
        ct_and_tag: &env[header_len + NONCE_LEN..],
    })
}

/// Reads the header of an envelope without decrypting it.
pub fn header(env: &[u8]) -> Result<Header> {
    parse(env).map(|p| p.header)
}

/// A sealed value: ciphertext only, so it may be stored, serialised and logged freely. Serialises
/// as unpadded standard base64; `Debug` shows only the header.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedValue(Vec<u8>);

impl SealedValue {
    /// Wraps envelope bytes read from storage (checked when opened).
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        SealedValue(bytes)
    }

    pub fn from_text(text: &str) -> Result<Self> {
        STANDARD_NO_PAD
            .decode(text.trim_end_matches('='))
            .map(SealedValue)
            .map_err(|_| VaultError::Malformed("not base64"))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    /// Text form for TEXT columns and JSON.
    pub fn to_text(&self) -> String {
        STANDARD_NO_PAD.encode(&self.0)
    }

    pub fn header(&self) -> Result<Header> {
        header(&self.0)
    }
}

impl std::fmt::Debug for SealedValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.header() {
            Ok(h) => write!(f, "Sealed({} v{} {}, {} bytes)", h.key_id, h.key_version, h.suite, self.0.len()),
            Err(_) => write!(f, "Sealed(malformed, {} bytes)", self.0.len()),
        }
    }
}

impl Serialize for SealedValue {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_text())
    }
}

impl<'de> Deserialize<'de> for SealedValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        SealedValue::from_text(&text).map_err(serde::de::Error::custom)
    }
}
