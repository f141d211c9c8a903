//! Opening the vault at start, and its key management: init, rotate, status, verify.
//!
//! The key-encryption key (KEK) and the blind-index key come from files (or, in development mode only,
//! are created under the data directory with a loud warning); the data keys live in the database wrapped by the
//! KEK. A KEK that does not open the stored keys stops siyu before it serves or writes anything.

use crate::error::{AppError, Result};
use siyu_config::{Mode, Settings};
use siyu_store::audit::{self, AuditContext, AuditEvent};
use siyu_store::sealed::{self, SealedColumn};
use siyu_store::tx::write_tx;
use siyu_store::{vault_keys, DbConn, StoreError};
use siyu_vault::{Aad, IndexKey, KekProvider, KeyRing, LocalKek, Purpose, PurposeKind, SealedValue, Suite, Vault};
use std::collections::BTreeMap;
use std::sync::Arc;

const INDEX_KEY_META: &str = "index_key_id";

/// The data keys siyu needs: one per sealed field class.
pub fn field_classes() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = sealed::ALL.iter().map(|c| c.field_class).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The vault, ready, and what the operator should be told about how it was opened.
pub struct Opened {
    pub vault: Arc<Vault>,
    pub warnings: Vec<String>,
    pub created_keys: Vec<String>,
}

/// A vault error as a use-case error: a value that fails authentication (changed, or moved from another row or
/// column) is an integrity failure, recorded by the web layer; anything else is internal.
pub(crate) fn vault_err(e: siyu_vault::VaultError) -> AppError {
    match e {
        siyu_vault::VaultError::Integrity { .. } | siyu_vault::VaultError::WrongKey { .. } => {
            AppError::Integrity(e.to_string())
        }
        other => AppError::Internal(other.to_string()),
    }
}

/// The KEK and index key named by the configuration; in development mode, generated ones under the data
/// directory when none is configured.
struct RootKeys {
    kek: Arc<dyn KekProvider>,
    index: IndexKey,
    warnings: Vec<String>,
}

fn root_keys(s: &Settings) -> std::result::Result<RootKeys, String> {
    let v = &s.vault;
    match (&v.kek_file, &v.index_key_file) {
        (Some(k), Some(i)) => {
            let kek = LocalKek::from_file(k).map_err(|e| format!("vault.kek_file: {e}"))?;
            let index = IndexKey::from_file(i).map_err(|e| format!("vault.index_key_file: {e}"))?;
            let mut warnings = vec![];
            for (key, path) in [("vault.kek_file", k), ("vault.index_key_file", i)] {
                if siyu_vault::key_file_too_open(path) {
                    warnings.push(format!(
                        "{key} {} can be read by others: make it owner-only (chmod 600)",
                        path.display()
                    ));
                }
            }
            Ok(RootKeys { kek: Arc::new(kek), index, warnings })
        }
        (Some(_), None) => Err("vault.index_key_file is required with vault.kek_file".into()),
        (None, Some(_)) => Err("vault.kek_file is required with vault.index_key_file".into()),
        (None, None) if s.mode == Mode::Production => {
            Err("vault.kek_file and vault.index_key_file are required in production mode (mount them from a Secret)"
                .into())
        }
        (None, None) => {
            let dir = s.data.dir.join("keys");
            let files = siyu_vault::ensure_dev_key_files(&dir).map_err(|e| format!("development keys: {e}"))?;
            let kek = LocalKek::from_file(&files.kek_file).map_err(|e| e.to_string())?;
            let index = IndexKey::from_file(&files.index_key_file).map_err(|e| e.to_string())?;
            let warning = format!(
                "DEVELOPMENT KEYS in use: the vault's keys are {} and {}, beside the data they protect. \
                 Configure vault.kek_file and vault.index_key_file (and mode = \"production\") before real data.",
                files.kek_file.display(),
                files.index_key_file.display()
            );
            Ok(RootKeys { kek: Arc::new(kek), index, warnings: vec![warning] })
        }
    }
}

/// Opens the vault: the root keys from the configuration, the data keys from the database (a wrong KEK fails
/// here), the blind-index key checked against the one the indexes were made with. With `create_missing`, data
/// keys that do not exist yet are created (idempotent across replicas).
pub fn open(
    conn: &mut DbConn,
    s: &Settings,
    create_missing: bool,
    ctx: &AuditContext,
) -> std::result::Result<Opened, String> {
    let suite: Suite = s.vault.suite.parse().map_err(|e| format!("vault.suite: {e}"))?;
    let mut created_keys = vec![];
    for attempt in 0..3 {
        // Read on every attempt: the index key is consumed by the vault it makes.
        let RootKeys { kek, index, warnings } = root_keys(s)?;
        let (keys, policies) = vault_keys::load(conn).map_err(|e| format!("cannot read the vault's keys: {e}"))?;
        let ring =
            KeyRing::load(suite, kek, &keys, &policies).map_err(|e| format!("the vault cannot open its keys: {e}"))?;
        let vault = Vault::new(ring, index);
        match vault_keys::meta(conn, INDEX_KEY_META).map_err(|e| e.to_string())? {
            Some(id) if id != vault.index_key_id() => {
                return Err(format!(
                    "vault.index_key_file is not the blind-index key this database was indexed with \
                     (expected {id}, configured {}): every lookup would find nothing",
                    vault.index_key_id()
                ))
            }
            _ => {}
        }
        let missing: Vec<&str> =
            field_classes().into_iter().filter(|c| !vault.keyring().key_ids().iter().any(|k| k == c)).collect();
        if missing.is_empty() {
            return Ok(Opened { vault: Arc::new(vault), warnings, created_keys });
        }
        if !create_missing {
            return Err(format!("the vault has no data keys for {}: run `siyu vault init`", missing.join(", ")));
        }
        let now = chrono::Utc::now();
        let created = write_tx(conn, |c| -> std::result::Result<Vec<String>, StoreError> {
            if vault_keys::meta(c, INDEX_KEY_META)?.is_none() {
                vault_keys::set_meta(c, INDEX_KEY_META, vault.index_key_id())?;
            }
            let mut made = vec![];
            for class in &missing {
                let k = vault.keyring().create_key(class).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                vault_keys::insert(c, &k)?;
                audit::append(
                    c,
                    ctx,
                    &AuditEvent::success("vault.key_create", "vault_key", class)
                        .with_detail(serde_json::json!({"version": k.version, "suite": k.suite.name()})),
                    now,
                )?;
                made.push(class.to_string());
            }
            Ok(made)
        });
        match created {
            Ok(made) => created_keys.extend(made),
            // Another replica created them first: read them again.
            Err(StoreError::Conflict(_)) if attempt < 2 => continue,
            Err(e) => return Err(format!("cannot create the vault's keys: {e}")),
        }
    }
    Err("the vault's keys kept changing while starting; try again".into())
}

/// Persists the encryption counters accumulated since the last call.
pub fn flush_usage(conn: &mut DbConn, vault: &Vault) -> Result<()> {
    let usage = vault.keyring().take_usage();
    if !usage.is_empty() {
        vault_keys::add_usage(conn, &usage)?;
    }
    Ok(())
}

/// Adds a new version to each named data key (all when `only` is None); new values are sealed with it, old
/// ones stay readable until `vault rewrap` moves them.
pub fn rotate(conn: &mut DbConn, vault: &Vault, ctx: &AuditContext, only: Option<&str>) -> Result<Vec<(String, u32)>> {
    let classes: Vec<String> = match only {
        Some(k) if vault.keyring().key_ids().iter().any(|x| x == k) => vec![k.to_string()],
        Some(k) => return Err(AppError::validation("key", format!("there is no data key {k}"))),
        None => vault.keyring().key_ids(),
    };
    let now = chrono::Utc::now();
    write_tx(conn, |c| {
        let mut out = vec![];
        for class in &classes {
            let k = vault.rotate(class).map_err(vault_err)?;
            vault_keys::insert(c, &k)?;
            audit::append(
                c,
                ctx,
                &AuditEvent::success("vault.rotate", "vault_key", class)
                    .with_detail(serde_json::json!({"version": k.version})),
                now,
            )?;
            out.push((class.clone(), k.version));
        }
        Ok(out)
    })
}

/// One data key's state.
#[derive(Debug, serde::Serialize)]
pub struct KeyStatus {
    pub key_id: String,
    pub latest_version: u32,
    pub min_decryption_version: u32,
    /// Sealed values per key version, across every sealed column.
    pub values_by_version: BTreeMap<u32, i64>,
}

/// Decrypts every sealed value; the values that fail and why.
#[derive(Debug, Default, serde::Serialize)]
pub struct VerifyReport {
    pub checked: i64,
    pub failed: Vec<String>,
    pub by_key: BTreeMap<String, BTreeMap<u32, i64>>,
}

/// Walks every sealed column, page by page, calling `f` with each (column, row id, sealed text).
pub fn walk(conn: &mut DbConn, mut f: impl FnMut(SealedColumn, &str, &str) -> Result<()>) -> Result<()> {
    for col in sealed::ALL {
        let mut after = String::new();
        loop {
            let page = sealed::page(conn, *col, &after, 500)?;
            let Some((last, _)) = page.last() else { break };
            let last = last.clone();
            for (id, text) in &page {
                f(*col, id, text)?;
            }
            after = last;
        }
    }
    Ok(())
}

pub fn verify(conn: &mut DbConn, vault: &Vault) -> Result<VerifyReport> {
    let mut report = VerifyReport::default();
    let purpose = Purpose::system(PurposeKind::Verify, "vault verify").map_err(vault_err)?;
    walk(conn, |col, id, text| {
        report.checked += 1;
        let opened = SealedValue::from_text(text).and_then(|v| {
            let h = v.header()?;
            *report.by_key.entry(h.key_id.clone()).or_default().entry(h.key_version).or_default() += 1;
            vault.open(col.field_class, &Aad::new(col.table, col.column, id), v.as_bytes())
        });
        match opened {
            Ok(secret) => {
                let _ = secret.expose(&purpose).len();
            }
            Err(e) => report.failed.push(format!("{}.{} row {id}: {e}", col.table, col.column)),
        }
        Ok(())
    })?;
    Ok(report)
}

pub fn status(conn: &mut DbConn, vault: &Vault) -> Result<Vec<KeyStatus>> {
    let report = verify(conn, vault)?;
    let ring = vault.keyring();
    ring.key_ids()
        .into_iter()
        .map(|k| {
            Ok(KeyStatus {
                latest_version: ring.latest_version(&k).map_err(vault_err)?,
                min_decryption_version: ring.min_decryption_version(&k).map_err(vault_err)?,
                values_by_version: report.by_key.get(&k).cloned().unwrap_or_default(),
                key_id: k,
            })
        })
        .collect()
}

/// Seals `plaintext` for a sealed column's row.
pub fn seal(vault: &Vault, col: SealedColumn, row_id: &str, plaintext: &str) -> Result<String> {
    vault
        .seal(col.field_class, &Aad::new(col.table, col.column, row_id), plaintext)
        .map(|v| v.to_text())
        .map_err(vault_err)
}

/// Opens a sealed column's value for a system purpose (never an unmask: those need a person and a reason).
pub fn open_value(vault: &Vault, col: SealedColumn, row_id: &str, text: &str, kind: PurposeKind) -> Result<String> {
    let purpose = Purpose::system(kind, col.field_class).map_err(vault_err)?;
    open_for(vault, col, row_id, text, &purpose)
}

/// Opens a sealed column's value for `why`; an integrity failure names the table, column and row.
pub fn open_for(vault: &Vault, col: SealedColumn, row_id: &str, text: &str, why: &Purpose) -> Result<String> {
    let v = SealedValue::from_text(text).map_err(vault_err)?;
    let secret =
        vault.open(col.field_class, &Aad::new(col.table, col.column, row_id), v.as_bytes()).map_err(
            |e| match vault_err(e) {
                AppError::Integrity(m) => {
                    AppError::Integrity(format!("{}.{} row {row_id}: {m}", col.table, col.column))
                }
                other => other,
            },
        )?;
    Ok(secret.expose(why).to_string())
}

/// KEK rotation: every data-key version is wrapped again under `new_kek`, in one transaction; sealed data is
/// untouched. Afterwards siyu must start with the new KEK (the old one no longer opens the keys).
pub fn rotate_kek(
    conn: &mut DbConn,
    vault: &Vault,
    ctx: &AuditContext,
    new_kek: Arc<dyn KekProvider>,
) -> Result<usize> {
    let rewrapped = vault.keyring().rewrap_under(new_kek.as_ref()).map_err(vault_err)?;
    // Prove the new KEK opens every key before anything is written.
    siyu_vault::check_kek(new_kek.clone(), &rewrapped).map_err(vault_err)?;
    let now = chrono::Utc::now();
    write_tx(conn, |c| {
        for k in &rewrapped {
            vault_keys::rewrapped(c, k)?;
        }
        audit::append(
            c,
            ctx,
            &AuditEvent::success("vault.rotate_kek", "vault", new_kek.kek_id())
                .with_detail(serde_json::json!({"keys": rewrapped.len()})),
            now,
        )?;
        Ok(rewrapped.len())
    })
}
