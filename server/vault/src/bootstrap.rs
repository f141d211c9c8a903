//! Development key bootstrap and the start-up KEK check.
//!
//! In development mode siyu creates its KEK and blind-index key under its data directory on first
//! start so that `siyu serve` works with no setup; production refuses to start without configured
//! keys (that decision is the caller's). Files are owner-only from the moment they exist.

use crate::error::{Result, VaultError};
use crate::kek::KekProvider;
use crate::keyring::{KeyRing, WrappedKey};
use crate::suite::{Suite, ROOT_KEY_LEN};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use zeroize::Zeroizing;

pub const DEV_KEK_FILE: &str = "vault-kek.key";
pub const DEV_INDEX_KEY_FILE: &str = "vault-index.key";

/// Where the development keys are, and whether this call created them (the caller warns loudly
/// either way: these keys sit next to the data they protect).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevKeyFiles {
    pub kek_file: PathBuf,
    pub index_key_file: PathBuf,
    pub created: bool,
}

fn io_err(path: &Path, what: &str, e: std::io::Error) -> VaultError {
    VaultError::KeyFile { path: path.display().to_string(), reason: format!("{what}: {}", e.kind()) }
}

/// Creates `path` holding 32 random bytes in base64, mode 0600, unless it exists. Returns whether
/// it was created. The key is written to a private temporary file and linked into place, so a
/// concurrent start never reads a half-written key and an existing key is never replaced.
pub fn ensure_key_file(path: &Path) -> Result<bool> {
    if path.exists() {
        return Ok(false);
    }
    let mut raw = Zeroizing::new([0u8; ROOT_KEY_LEN]);
    OsRng.fill_bytes(&mut raw[..]);
    let text = Zeroizing::new(format!("{}\n", STANDARD.encode(&raw[..])));
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let written = opts.open(&tmp).and_then(|mut f| {
        f.write_all(text.as_bytes())?;
        f.sync_all()
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_err(path, "cannot create", e));
    }
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(io_err(path, "cannot create", e)),
    }
}

/// Creates the development KEK and index key files in `dir` (made 0700 if missing).
pub fn ensure_dev_key_files(dir: &Path) -> Result<DevKeyFiles> {
    if !dir.exists() {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(dir).map_err(|e| io_err(dir, "cannot create directory", e))?;
    }
    let kek_file = dir.join(DEV_KEK_FILE);
    let index_key_file = dir.join(DEV_INDEX_KEY_FILE);
    let a = ensure_key_file(&kek_file)?;
    let b = ensure_key_file(&index_key_file)?;
    Ok(DevKeyFiles { kek_file, index_key_file, created: a || b })
}

/// True when group or others may read the key file: worth a warning at start. (Not refused:
/// Kubernetes mounts Secrets 0644 unless the chart sets `defaultMode`.)
pub fn key_file_too_open(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).map(|m| m.permissions().mode() & 0o077 != 0).unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// Unwraps every persisted key with `kek` and discards the result: the start-up check that a
/// wrong KEK stops siyu before it serves or writes anything. The error names the first key that
/// failed and both KEK ids.
pub fn check_kek(kek: Arc<dyn KekProvider>, keys: &[WrappedKey]) -> Result<()> {
    KeyRing::load(Suite::Aes256Gcm, kek, keys, &[]).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kek::LocalKek;

    #[test]
    fn dev_keys_are_created_once_and_owner_only() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data/keys");
        let first = ensure_dev_key_files(&dir).unwrap();
        assert!(first.created);
        let kek_text = std::fs::read_to_string(&first.kek_file).unwrap();
        let again = ensure_dev_key_files(&dir).unwrap();
        assert!(!again.created);
        assert_eq!(std::fs::read_to_string(&again.kek_file).unwrap(), kek_text, "never replaced");
        assert!(!key_file_too_open(&first.kek_file));
        assert!(!key_file_too_open(&first.index_key_file));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&first.kek_file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
        }
        assert!(LocalKek::from_file(&first.kek_file).is_ok());
        assert!(crate::vault::IndexKey::from_file(&first.index_key_file).is_ok());
        assert_ne!(kek_text, std::fs::read_to_string(&first.index_key_file).unwrap());
        let leftovers = std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(leftovers, 2, "no temporary files left behind");
    }

    #[test]
    fn wrong_kek_is_named_not_shown() {
        let right: Arc<dyn KekProvider> = Arc::new(LocalKek::generate());
        let ring = KeyRing::new(Suite::Aes256Gcm, Arc::clone(&right));
        ring.create_key("customer.mobile").unwrap();
        let (keys, _) = ring.export();
        assert!(check_kek(Arc::clone(&right), &keys).is_ok());
        let wrong_bytes = [42u8; 32];
        let wrong: Arc<dyn KekProvider> = Arc::new(LocalKek::from_bytes(wrong_bytes));
        let msg = check_kek(Arc::clone(&wrong), &keys).unwrap_err().to_string();
        assert!(msg.contains("customer.mobile v1"), "{msg}");
        assert!(msg.contains(&wrong.kek_id()) && msg.contains(&right.kek_id()), "{msg}");
        assert!(!msg.contains(&STANDARD.encode(wrong_bytes)), "{msg}");
    }

    #[test]
    fn missing_key_file_is_a_clear_error() {
        let e = LocalKek::from_file(Path::new("/nonexistent/kek")).unwrap_err().to_string();
        assert!(e.contains("/nonexistent/kek") && e.contains("cannot read"), "{e}");
    }
}
