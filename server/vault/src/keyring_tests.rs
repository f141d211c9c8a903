//! Key ring: versions, persistence, limits, wrong KEKs. Every test runs for both suites.

use super::*;
use crate::kek::LocalKek;

fn kek() -> Arc<dyn KekProvider> {
    Arc::new(LocalKek::generate())
}

#[test]
fn create_and_rotate_number_versions() {
    for suite in Suite::ALL {
        let ring = KeyRing::new(suite, kek());
        let w1 = ring.create_key("customer.mobile").unwrap();
        assert_eq!((w1.version, w1.suite, w1.encryptions), (1, suite, 0));
        assert!(matches!(ring.create_key("customer.mobile"), Err(VaultError::KeyExists(_))));
        assert_eq!(ring.ensure_key("customer.mobile").unwrap(), None);
        assert!(ring.ensure_key("customer.name").unwrap().is_some());
        assert_eq!(ring.rotate("customer.mobile").unwrap().version, 2);
        assert_eq!(ring.rotate("customer.mobile").unwrap().version, 3);
        assert_eq!(ring.latest_version("customer.mobile").unwrap(), 3);
        assert_eq!(ring.key_ids(), vec!["customer.mobile", "customer.name"]);
        assert!(matches!(ring.rotate("nope"), Err(VaultError::UnknownKey(_))));
        assert!(matches!(ring.create_key("Bad Id"), Err(VaultError::InvalidKeyId(_))));
        assert!(ring.create_key(&"a".repeat(65)).is_err());
    }
}

#[test]
fn wrapped_keys_hold_no_key_material_and_round_trip_through_serde() {
    for suite in Suite::ALL {
        let k = kek();
        let ring = KeyRing::new(suite, Arc::clone(&k));
        ring.create_key("customer.id_number").unwrap();
        ring.rotate("customer.id_number").unwrap();
        ring.set_min_decryption_version("customer.id_number", 2).unwrap();
        let (keys, policies) = ring.export();
        let json = serde_json::to_string(&(keys.clone(), policies.clone())).unwrap();
        let (keys2, policies2): (Vec<WrappedKey>, Vec<KeyPolicy>) = serde_json::from_str(&json).unwrap();
        assert_eq!((keys2.clone(), policies2.clone()), (keys, policies));
        let loaded = KeyRing::load(suite, k, &keys2, &policies2).unwrap();
        assert_eq!(loaded.latest_version("customer.id_number").unwrap(), 2);
        assert_eq!(loaded.min_decryption_version("customer.id_number").unwrap(), 2);
        let map = ring.read();
        for dk in map["customer.id_number"].versions.values() {
            let dek_b64 = STANDARD.encode(&dk.dek[..]);
            assert!(!json.contains(&dek_b64), "a DEK appears in clear");
        }
    }
}

#[test]
fn tampered_or_renamed_records_do_not_load() {
    for suite in Suite::ALL {
        let k = kek();
        let ring = KeyRing::new(suite, Arc::clone(&k));
        ring.create_key("customer.card").unwrap();
        ring.create_key("customer.mobile").unwrap();
        let (keys, _) = ring.export();
        // A record moved to another key id or version is refused: the wrap is bound to both.
        let mut renamed = keys.clone();
        renamed[0].key_id = "customer.mobile".into();
        renamed[1].key_id = "customer.card".into();
        assert!(matches!(KeyRing::load(suite, Arc::clone(&k), &renamed, &[]), Err(VaultError::WrongKek { .. })));
        let mut renumbered = keys.clone();
        renumbered[0].version = 2;
        assert!(KeyRing::load(suite, Arc::clone(&k), &renumbered, &[]).is_err());
        let mut garbled = keys.clone();
        garbled[0].wrapped = "!!".into();
        assert!(KeyRing::load(suite, Arc::clone(&k), &garbled, &[]).is_err());
        let dup = vec![keys[0].clone(), keys[0].clone()];
        assert!(matches!(KeyRing::load(suite, Arc::clone(&k), &dup, &[]), Err(VaultError::Invalid(_))));
        let orphan = KeyPolicy { key_id: "customer.none".into(), min_decryption_version: 1 };
        assert!(KeyRing::load(suite, k, &keys, &[orphan]).is_err());
    }
}

#[test]
fn min_decryption_version_bounds() {
    for suite in Suite::ALL {
        let ring = KeyRing::new(suite, kek());
        ring.create_key("k").unwrap();
        assert!(ring.set_min_decryption_version("k", 2).is_err(), "cannot retire the latest");
        assert!(ring.set_min_decryption_version("k", 0).is_err());
        ring.rotate("k").unwrap();
        assert_eq!(ring.set_min_decryption_version("k", 2).unwrap().min_decryption_version, 2);
        assert!(matches!(ring.for_decryption("k", 1), Err(VaultError::Retired { min: 2, .. })));
        assert!(ring.for_decryption("k", 2).is_ok());
        assert!(matches!(ring.for_decryption("k", 3), Err(VaultError::UnknownVersion { .. })));
        ring.set_min_decryption_version("k", 1).unwrap();
        assert!(ring.for_decryption("k", 1).is_ok(), "moving the minimum back restores access");
    }
}

#[test]
fn encryption_limit_blocks_a_version_until_rotation() {
    for suite in Suite::ALL {
        let k = kek();
        let ring = KeyRing::new(suite, Arc::clone(&k)).with_encryption_limit(3);
        ring.create_key("k").unwrap();
        for _ in 0..3 {
            ring.for_encryption("k").unwrap();
        }
        let err = ring.for_encryption("k").err().unwrap();
        assert!(matches!(err, VaultError::KeyExhausted { version: 1, limit: 3, .. }), "{err}");
        assert!(ring.for_encryption("k").is_err(), "stays blocked");
        assert_eq!(ring.take_usage(), vec![KeyUsage { key_id: "k".into(), version: 1, delta: 3, total: 3 }]);
        assert!(ring.take_usage().is_empty(), "deltas are taken once");
        // The persisted count survives a restart: the reloaded ring is still blocked.
        let (keys, policies) = ring.export();
        assert_eq!(keys[0].encryptions, 3);
        let reloaded = KeyRing::load(suite, Arc::clone(&k), &keys, &policies).unwrap().with_encryption_limit(3);
        assert!(reloaded.for_encryption("k").is_err());
        reloaded.rotate("k").unwrap();
        assert_eq!(reloaded.for_encryption("k").unwrap().version, 2);
        assert!(reloaded.for_decryption("k", 1).is_ok(), "an exhausted version still decrypts");
    }
}

#[test]
fn kek_rotation_rewraps_keys_without_touching_data_keys() {
    for suite in Suite::ALL {
        let old = kek();
        let ring = KeyRing::new(suite, Arc::clone(&old));
        ring.create_key("k").unwrap();
        ring.rotate("k").unwrap();
        let new: Arc<dyn KekProvider> = Arc::new(LocalKek::generate());
        let rewrapped = ring.rewrap_under(new.as_ref()).unwrap();
        assert!(rewrapped.iter().all(|w| w.kek_id == new.kek_id()));
        let loaded = KeyRing::load(suite, Arc::clone(&new), &rewrapped, &[]).unwrap();
        let a = ring.for_decryption("k", 2).unwrap();
        let b = loaded.for_decryption("k", 2).unwrap();
        assert_eq!(a.dek, b.dek);
        assert!(KeyRing::load(suite, old, &rewrapped, &[]).is_err());
    }
}

#[test]
fn a_ring_may_hold_both_suites_while_migrating() {
    let k = kek();
    let aes = KeyRing::new(Suite::Aes256Gcm, Arc::clone(&k));
    aes.create_key("k").unwrap();
    let (keys, policies) = aes.export();
    let sm = KeyRing::load(Suite::Sm4Gcm, Arc::clone(&k), &keys, &policies).unwrap();
    let w2 = sm.rotate("k").unwrap();
    assert_eq!(w2.suite, Suite::Sm4Gcm);
    assert_eq!(sm.for_decryption("k", 1).unwrap().suite, Suite::Aes256Gcm);
    assert_eq!(sm.for_encryption("k").unwrap().suite, Suite::Sm4Gcm);
}

#[test]
fn debug_shows_ids_only() {
    let ring = KeyRing::new(Suite::Sm4Gcm, kek());
    ring.create_key("customer.mobile").unwrap();
    let dbg = format!("{ring:?}");
    assert!(dbg.contains("customer.mobile") && dbg.contains("local:"), "{dbg}");
}
