//! The vault's persisted keys: wrapped data-key versions, decryption policies and usage counters.

use crate::conn::DbConn;
use crate::error::{Result, StoreError};
use crate::schema::{vault_key_policies, vault_keys, vault_meta};
use crate::time::{from_db, to_db};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use siyu_vault::{KeyPolicy, KeyUsage, Suite, WrappedKey};

type KeyRow = (String, i64, String, String, String, i64, NaiveDateTime);

/// Every data-key version and every policy.
pub fn load(conn: &mut DbConn) -> Result<(Vec<WrappedKey>, Vec<KeyPolicy>)> {
    let rows: Vec<KeyRow> = vault_keys::table
        .order((vault_keys::key_id.asc(), vault_keys::version.asc()))
        .select((
            vault_keys::key_id,
            vault_keys::version,
            vault_keys::suite,
            vault_keys::kek_id,
            vault_keys::wrapped,
            vault_keys::encryptions,
            vault_keys::created_at,
        ))
        .load(conn)?;
    let keys = rows
        .into_iter()
        .map(|(key_id, version, suite, kek_id, wrapped, encryptions, created_at)| {
            Ok(WrappedKey {
                suite: suite.parse::<Suite>().map_err(|_| StoreError::Corrupt(format!("vault key {key_id} suite")))?,
                version: u32::try_from(version).map_err(|_| StoreError::Corrupt("vault key version".into()))?,
                key_id,
                kek_id,
                wrapped,
                created_at: from_db(created_at).timestamp(),
                encryptions: encryptions.max(0) as u64,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let policies: Vec<(String, i64)> = vault_key_policies::table
        .select((vault_key_policies::key_id, vault_key_policies::min_decryption_version))
        .load(conn)?;
    let policies = policies
        .into_iter()
        .map(|(key_id, min)| KeyPolicy { key_id, min_decryption_version: min.max(0) as u32 })
        .collect();
    Ok((keys, policies))
}

pub fn insert(conn: &mut DbConn, k: &WrappedKey) -> Result<()> {
    let created = DateTime::from_timestamp(k.created_at, 0).unwrap_or_default();
    diesel::insert_into(vault_keys::table)
        .values((
            vault_keys::key_id.eq(&k.key_id),
            vault_keys::version.eq(k.version as i64),
            vault_keys::suite.eq(k.suite.name()),
            vault_keys::kek_id.eq(&k.kek_id),
            vault_keys::wrapped.eq(&k.wrapped),
            vault_keys::encryptions.eq(k.encryptions as i64),
            vault_keys::created_at.eq(to_db(created)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Replaces a key's wrapped form (after the KEK was rotated): same key, same version, new wrapping.
pub fn rewrapped(conn: &mut DbConn, k: &WrappedKey) -> Result<()> {
    diesel::update(vault_keys::table.find((&k.key_id, k.version as i64)))
        .set((vault_keys::kek_id.eq(&k.kek_id), vault_keys::wrapped.eq(&k.wrapped)))
        .execute(conn)?;
    Ok(())
}

pub fn set_policy(conn: &mut DbConn, p: &KeyPolicy, now: DateTime<Utc>) -> Result<()> {
    diesel::delete(vault_key_policies::table.find(&p.key_id)).execute(conn)?;
    diesel::insert_into(vault_key_policies::table)
        .values((
            vault_key_policies::key_id.eq(&p.key_id),
            vault_key_policies::min_decryption_version.eq(p.min_decryption_version as i64),
            vault_key_policies::updated_at.eq(to_db(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Adds encryption counts (deltas, so replicas never overwrite each other's counts).
pub fn add_usage(conn: &mut DbConn, usage: &[KeyUsage]) -> Result<()> {
    for u in usage.iter().filter(|u| u.delta > 0) {
        diesel::update(vault_keys::table.find((&u.key_id, u.version as i64)))
            .set(vault_keys::encryptions.eq(vault_keys::encryptions + u.delta as i64))
            .execute(conn)?;
    }
    Ok(())
}

pub fn meta(conn: &mut DbConn, name: &str) -> Result<Option<String>> {
    Ok(vault_meta::table.find(name).select(vault_meta::value).first(conn).optional()?)
}

pub fn set_meta(conn: &mut DbConn, name: &str, value: &str) -> Result<()> {
    diesel::delete(vault_meta::table.find(name)).execute(conn)?;
    diesel::insert_into(vault_meta::table)
        .values((vault_meta::name.eq(name), vault_meta::value.eq(value)))
        .execute(conn)?;
    Ok(())
}
