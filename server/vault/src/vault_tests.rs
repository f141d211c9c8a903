//! Vault: seal/open, integrity, blind indexes, rotation and rewrap. Every test runs for both suites.

use super::*;
use crate::envelope::header;
use crate::kek::{KekProvider, LocalKek};
use crate::keyring::KeyRing;
use crate::secret::{Purpose, PurposeKind};
use crate::suite::Suite;
use std::sync::Arc;

const FIELDS: [&str; 5] =
    ["customer.name", "customer.mobile", "customer.id_number", "customer.card", "customer.address"];

fn vault(suite: Suite) -> Vault {
    let ring = KeyRing::new(suite, Arc::new(LocalKek::generate()));
    for f in FIELDS {
        ring.create_key(f).unwrap();
    }
    Vault::new(ring, IndexKey::generate())
}

fn why() -> Purpose {
    Purpose::system(PurposeKind::Verify, "test").unwrap()
}

const AAD: Aad<'static> = Aad { table: "customers", column: "mobile", row_id: "c-0001" };

#[test]
fn seal_open_round_trip() {
    for suite in Suite::ALL {
        let v = vault(suite);
        for text in ["13812345678", "", "张三", "新疆维吾尔自治区乌鲁木齐市天山区解放北路1号", &"x".repeat(10_000)]
        {
            let s = v.seal("customer.mobile", &AAD, text).unwrap();
            assert_eq!(v.open("customer.mobile", &AAD, s.as_bytes()).unwrap().expose(&why()), text);
            assert!(!s.to_text().contains(text) || text.is_empty());
        }
    }
}

#[test]
fn header_records_suite_key_and_version() {
    for suite in Suite::ALL {
        let v = vault(suite);
        let s = v.seal("customer.card", &AAD, "6222021234567890128").unwrap();
        let h = header(s.as_bytes()).unwrap();
        assert_eq!((h.suite, h.key_id.as_str(), h.key_version), (suite, "customer.card", 1));
        assert_eq!(s.as_bytes()[0], 2, "format v2");
        assert_eq!(s.as_bytes().len(), 3 + 13 + 4 + 12 + 19 + 16);
        let dbg = format!("{s:?}");
        assert!(dbg.contains("customer.card v1") && !dbg.contains("6222"), "{dbg}");
    }
}

/// A value written in format 1 (whole header and u32 lengths in the associated data) still opens,
/// is bound to its place like before, and is due for a rewrap, which moves it to format 2.
#[test]
fn format_v1_still_opens_and_is_rewrapped() {
    for suite in Suite::ALL {
        let v = vault(suite);
        let dk = v.ring.for_encryption("customer.mobile").unwrap();
        let mut env = Vec::new();
        crate::envelope::Header::encode_into(suite, "customer.mobile", dk.version, &mut env);
        env[0] = crate::envelope::FORMAT_V1;
        let header_bytes = env.clone();
        let nonce = [7u8; 12];
        env.extend_from_slice(&nonce);
        AAD.with_bytes(crate::envelope::FORMAT_V1, &header_bytes, |ad| {
            dk.cipher.encrypt_append(&nonce, ad, b"13812345678", &mut env)
        })
        .unwrap();
        assert_eq!(v.open("customer.mobile", &AAD, &env).unwrap().expose(&why()), "13812345678");
        let moved = Aad { row_id: "c-0002", ..AAD };
        assert!(matches!(v.open("customer.mobile", &moved, &env), Err(VaultError::Integrity { .. })));
        assert!(v.rewrap_needed(&env).unwrap());
        let new = v.rewrap("customer.mobile", &AAD, &env).unwrap().expect("rewrapped");
        assert_eq!(new.as_bytes()[0], crate::envelope::FORMAT_V2);
        assert!(!v.rewrap_needed(new.as_bytes()).unwrap());
        assert_eq!(v.open("customer.mobile", &AAD, new.as_bytes()).unwrap().expose(&why()), "13812345678");
    }
}

/// The key version is bound: a header edited to name another version of the same key fails, even
/// when that version exists, and so does an edited suite byte.
#[test]
fn edited_version_or_suite_fails() {
    for suite in Suite::ALL {
        let v = vault(suite);
        let old = v.seal("customer.mobile", &AAD, "13812345678").unwrap();
        v.rotate("customer.mobile").unwrap();
        let mut bytes = v.seal("customer.mobile", &AAD, "13812345678").unwrap().into_bytes();
        let at = 3 + "customer.mobile".len() + 3;
        assert_eq!(bytes[at], 2);
        bytes[at] = 1;
        assert!(v.open("customer.mobile", &AAD, &bytes).is_err());
        let mut other = old.into_bytes();
        other[1] = if suite == Suite::Aes256Gcm { 2 } else { 1 };
        assert!(v.open("customer.mobile", &AAD, &other).is_err());
    }
}

#[test]
fn fresh_nonce_every_time() {
    for suite in Suite::ALL {
        let v = vault(suite);
        let a = v.seal("customer.mobile", &AAD, "13812345678").unwrap();
        let b = v.seal("customer.mobile", &AAD, "13812345678").unwrap();
        assert_ne!(a, b);
        let nonce = |s: &SealedValue| s.as_bytes()[3 + 15 + 4..3 + 15 + 4 + 12].to_vec();
        assert_ne!(nonce(&a), nonce(&b));
    }
}

#[test]
fn every_changed_byte_fails() {
    for suite in Suite::ALL {
        let v = vault(suite);
        let s = v.seal("customer.mobile", &AAD, "13812345678").unwrap().into_bytes();
        for i in 0..s.len() {
            for bit in [0x01u8, 0x80] {
                let mut t = s.clone();
                t[i] ^= bit;
                assert!(v.open("customer.mobile", &AAD, &t).is_err(), "byte {i} bit {bit:#x}");
            }
        }
        let tail = v.open("customer.mobile", &AAD, &s[..s.len() - 1]);
        assert!(matches!(tail, Err(VaultError::Integrity { .. })));
        let mut longer = s.clone();
        longer.push(0);
        assert!(v.open("customer.mobile", &AAD, &longer).is_err());
        let flipped_ct = {
            let mut t = s.clone();
            t[s.len() - 17] ^= 1;
            t
        };
        let err = v.open("customer.mobile", &AAD, &flipped_ct).unwrap_err();
        assert!(matches!(err, VaultError::Integrity { version: 1, .. }), "{err}");
        assert!(err.to_string().contains("moved from another row or column"));
    }
}

#[test]
fn moved_values_fail_integrity() {
    for suite in Suite::ALL {
        let v = vault(suite);
        let s = v.seal("customer.mobile", &AAD, "13812345678").unwrap();
        for other in [
            Aad::new("customers", "mobile", "c-0002"),
            Aad::new("customers", "phone2", "c-0001"),
            Aad::new("prospects", "mobile", "c-0001"),
            Aad::new("customersm", "obile", "c-0001"),
        ] {
            let e = v.open("customer.mobile", &other, s.as_bytes()).unwrap_err();
            assert!(matches!(e, VaultError::Integrity { .. }), "{other:?}: {e}");
        }
        let e = v.open("customer.card", &AAD, s.as_bytes()).unwrap_err();
        assert!(matches!(e, VaultError::WrongKey { .. }), "{e}");
    }
}

#[test]
fn malformed_input_is_an_error_not_a_panic() {
    for suite in Suite::ALL {
        let v = vault(suite);
        for bad in [&b""[..], &[1], &[2, 1, 1, b'k'], &[1, 9, 1, b'k', 0, 0, 0, 1], &[1, 1, 200, 0], &[0u8; 40][..]] {
            assert!(v.open("customer.mobile", &AAD, bad).is_err());
            assert!(v.rewrap_needed(bad).is_err());
        }
        assert!(SealedValue::from_text("***").is_err());
        assert!(v.seal("customer.unknown", &AAD, "x").is_err());
    }
}

#[test]
fn text_and_serde_forms_round_trip() {
    for suite in Suite::ALL {
        let v = vault(suite);
        let s = v.seal("customer.name", &AAD, "张三").unwrap();
        let back = SealedValue::from_text(&s.to_text()).unwrap();
        assert_eq!(back, s);
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, format!("\"{}\"", s.to_text()));
        let de: SealedValue = serde_json::from_str(&json).unwrap();
        assert_eq!(v.open("customer.name", &AAD, de.as_bytes()).unwrap().expose(&why()), "张三");
    }
}

#[test]
fn opened_secret_prints_only_a_mask() {
    for suite in Suite::ALL {
        let v = vault(suite);
        let s = v.seal("customer.mobile", &AAD, "13812345678").unwrap();
        let secret = v.open("customer.mobile", &AAD, s.as_bytes()).unwrap();
        let shown = format!("{secret} {secret:?} {}", serde_json::to_string(&secret).unwrap());
        assert!(!shown.contains("1381234"), "{shown}");
    }
}

fn unkeyed_hex(suite: Suite, data: &[u8]) -> String {
    use sha2::Digest;
    let h: [u8; 32] = match suite {
        Suite::Aes256Gcm => sha2::Sha256::digest(data).into(),
        Suite::Sm4Gcm => sm3::Sm3::digest(data).into(),
    };
    to_hex(&h)
}

#[test]
fn blind_index_is_keyed_per_field_and_stable() {
    use siyu_domain::pii::normalize_mobile;
    for suite in Suite::ALL {
        let v = vault(suite);
        let m = "13800138000";
        let a = v.blind_index("customer.mobile", m).unwrap();
        assert_eq!(a.len(), 32, "128 bits");
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_eq!(a, v.blind_index("customer.mobile", m).unwrap(), "stable");
        assert_ne!(a, v.blind_index("customer.card", m).unwrap(), "per-field key");
        assert_ne!(a, unkeyed_hex(suite, m.as_bytes()), "not the unkeyed hash");
        assert_ne!(a, v.blind_index("customer.mobile", "13800138001").unwrap());
        assert_ne!(a, vault(suite).blind_index("customer.mobile", m).unwrap(), "another index key");
        for spelling in ["138 0013 8000", "１３８００１３８０００", "+86-138-0013-8000"] {
            assert_eq!(v.blind_index("customer.mobile", &normalize_mobile(spelling)).unwrap(), a, "{spelling}");
        }
        assert!(v.blind_index("Bad Field", m).is_err());
    }
}

#[test]
fn blind_index_survives_a_restart_with_the_same_index_key() {
    for suite in Suite::ALL {
        let raw = [11u8; 32];
        let mk = || Vault::new(KeyRing::new(suite, Arc::new(LocalKek::generate())), IndexKey::from_bytes(raw));
        let (a, b) = (mk(), mk());
        assert_eq!(a.index_key_id(), b.index_key_id());
        assert!(a.index_key_id().starts_with(suite.name()));
        assert_eq!(a.blind_index("f", "v").unwrap(), b.blind_index("f", "v").unwrap());
    }
    let aes = Vault::new(KeyRing::new(Suite::Aes256Gcm, Arc::new(LocalKek::generate())), IndexKey::from_bytes([1; 32]));
    let sm = Vault::new(KeyRing::new(Suite::Sm4Gcm, Arc::new(LocalKek::generate())), IndexKey::from_bytes([1; 32]));
    assert_ne!(aes.blind_index("f", "v").unwrap(), sm.blind_index("f", "v").unwrap());
    assert_ne!(aes.index_key_id(), sm.index_key_id());
}

#[test]
fn rotate_then_rewrap_moves_everything_to_the_new_version() {
    for suite in Suite::ALL {
        let v = vault(suite);
        let rows: Vec<(String, String)> = (0..20).map(|i| (format!("c-{i}"), format!("1380013{i:04}"))).collect();
        let mut stored: Vec<SealedValue> = rows
            .iter()
            .map(|(id, m)| v.seal("customer.mobile", &Aad::new("customers", "mobile", id), m).unwrap())
            .collect();
        assert!(stored.iter().all(|s| !v.rewrap_needed(s.as_bytes()).unwrap()));
        assert_eq!(v.rotate("customer.mobile").unwrap().version, 2);
        for ((id, m), s) in rows.iter().zip(stored.iter_mut()) {
            let aad = Aad::new("customers", "mobile", id);
            assert!(v.rewrap_needed(s.as_bytes()).unwrap());
            *s = v.rewrap("customer.mobile", &aad, s.as_bytes()).unwrap().unwrap();
            assert!(v.rewrap("customer.mobile", &aad, s.as_bytes()).unwrap().is_none(), "idempotent");
            assert_eq!(header(s.as_bytes()).unwrap().key_version, 2);
            assert_eq!(v.open("customer.mobile", &aad, s.as_bytes()).unwrap().expose(&why()), m);
        }
        // With everything on v2, v1 can be retired without losing a value.
        v.keyring().set_min_decryption_version("customer.mobile", 2).unwrap();
        let aad = Aad::new("customers", "mobile", &rows[0].0);
        assert!(v.open("customer.mobile", &aad, stored[0].as_bytes()).is_ok());
    }
}

#[test]
fn retired_versions_stop_decrypting_until_restored() {
    for suite in Suite::ALL {
        let v = vault(suite);
        let old = v.seal("customer.mobile", &AAD, "13812345678").unwrap();
        v.rotate("customer.mobile").unwrap();
        v.keyring().set_min_decryption_version("customer.mobile", 2).unwrap();
        let e = v.open("customer.mobile", &AAD, old.as_bytes()).unwrap_err();
        assert!(matches!(e, VaultError::Retired { version: 1, min: 2, .. }), "{e}");
        v.keyring().set_min_decryption_version("customer.mobile", 1).unwrap();
        assert!(v.open("customer.mobile", &AAD, old.as_bytes()).is_ok());
    }
}

#[test]
fn a_reloaded_ring_opens_what_the_first_sealed() {
    for suite in Suite::ALL {
        let kek: Arc<dyn KekProvider> = Arc::new(LocalKek::from_bytes([3; 32]));
        let ring = KeyRing::new(suite, Arc::clone(&kek));
        ring.create_key("customer.mobile").unwrap();
        let v = Vault::new(ring, IndexKey::from_bytes([4; 32]));
        let s = v.seal("customer.mobile", &AAD, "13812345678").unwrap();
        let idx = v.blind_index("customer.mobile", "13812345678").unwrap();
        let (keys, policies) = v.keyring().export();
        let kek2: Arc<dyn KekProvider> = Arc::new(LocalKek::from_bytes([3; 32]));
        let v2 = Vault::new(KeyRing::load(suite, kek2, &keys, &policies).unwrap(), IndexKey::from_bytes([4; 32]));
        assert_eq!(v2.open("customer.mobile", &AAD, s.as_bytes()).unwrap().expose(&why()), "13812345678");
        assert_eq!(v2.blind_index("customer.mobile", "13812345678").unwrap(), idx);
    }
}

#[test]
fn limit_reached_refuses_to_seal() {
    for suite in Suite::ALL {
        let ring = KeyRing::new(suite, Arc::new(LocalKek::generate())).with_encryption_limit(2);
        ring.create_key("k").unwrap();
        let v = Vault::new(ring, IndexKey::generate());
        v.seal("k", &AAD, "a").unwrap();
        v.seal("k", &AAD, "b").unwrap();
        assert!(matches!(v.seal("k", &AAD, "c"), Err(VaultError::KeyExhausted { .. })));
        v.rotate("k").unwrap();
        assert!(v.seal("k", &AAD, "c").is_ok());
    }
}

#[test]
fn vault_is_shared_across_threads() {
    fn assert_sync<T: Send + Sync>() {}
    assert_sync::<Vault>();
    for suite in Suite::ALL {
        let v = Arc::new(vault(suite));
        let handles: Vec<_> = (0..2)
            .map(|t| {
                let v = Arc::clone(&v);
                std::thread::spawn(move || {
                    for i in 0..200 {
                        let id = format!("{t}-{i}");
                        let aad = Aad::new("customers", "name", &id);
                        let s = v.seal("customer.name", &aad, "王小明").unwrap();
                        assert!(v.open("customer.name", &aad, s.as_bytes()).is_ok());
                        v.blind_index("customer.mobile", &id).unwrap();
                    }
                })
            })
            .collect();
        handles.into_iter().for_each(|h| h.join().unwrap());
        assert_eq!(v.keyring().take_usage()[0].delta, 400);
    }
}

/// Stored indexes are lowercase hex of the MAC's first 16 bytes, two digits per byte in order: pin the
/// encoding for every byte value, so a faster encoder cannot change what existing index values match, and
/// so an index is exactly the first 32 characters of the full MAC's hex (what migration 000023 cut the
/// stored ones to).
#[test]
fn blind_index_hex_is_lowercase_two_digits_per_byte() {
    for start in (0..=255u8).step_by(16) {
        let bytes: [u8; 32] = std::array::from_fn(|i| start.wrapping_add(i as u8));
        let full: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(to_hex(&bytes), full[..32]);
    }
}
