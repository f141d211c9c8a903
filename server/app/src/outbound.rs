//! The outbound folder (`outbound.dir`): the one writer of files siyu delivers to other systems. A file is written
//! under a temporary name (a dot file, which pick-up jobs must ignore), read back and passed through the egress
//! guard (channel `outbound_file`), and only then linked to its final name in one step; a refused file is removed
//! and never appears. An existing file of the same name is never replaced.

use crate::egress;
use crate::error::{AppError, Result};
use crate::Env;
use siyu_domain::egress::Channel;
use siyu_store::audit::AuditContext;
use siyu_store::DbConn;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A name other systems can rely on: 1 to 128 of `[A-Za-z0-9._-]`, not starting with a dot.
fn valid_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(AppError::validation("file_name", "1 to 128 of A-Z a-z 0-9 . _ -, not starting with a dot"))
    }
}

fn io(what: &str, path: &Path, e: std::io::Error) -> AppError {
    AppError::Internal(format!("outbound {what} {}: {e}", path.display()))
}

/// The configured folder, or a refusal when none is.
pub fn dir(env: &Env) -> Result<PathBuf> {
    env.settings.outbound.dir.clone().ok_or_else(|| {
        AppError::refused("outbound_not_configured", "outbound.dir is not set", "未配置外发目录 outbound.dir")
    })
}

/// Delivers `bytes` as `name` in the outbound folder once the egress guard passed them; returns the final path.
/// On a refusal the guard has audited it with a masked sample, and nothing is left in the folder.
pub fn deliver(conn: &mut DbConn, env: &Env, ctx: &AuditContext, name: &str, bytes: &[u8]) -> Result<PathBuf> {
    valid_name(name)?;
    let dir = dir(env)?;
    let target = dir.join(name);
    if target.exists() {
        return Err(AppError::refused(
            "outbound_exists",
            format!("{name} is already in the outbound folder"),
            format!("外发目录中已有文件 {name}"),
        ));
    }
    let temp = dir.join(format!(".{name}.{}.part", uuid::Uuid::now_v7()));
    let result = write_checked(conn, env, ctx, &temp, &target, bytes);
    // Whatever happened, the temporary name is gone afterwards (after a link it is the second name of the file).
    let _ = std::fs::remove_file(&temp);
    result?;
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(target)
}

fn write_checked(
    conn: &mut DbConn,
    env: &Env,
    ctx: &AuditContext,
    temp: &Path,
    target: &Path,
    bytes: &[u8],
) -> Result<()> {
    let mut f =
        std::fs::OpenOptions::new().write(true).create_new(true).open(temp).map_err(|e| io("create", temp, e))?;
    f.write_all(bytes).and_then(|_| f.sync_all()).map_err(|e| io("write", temp, e))?;
    drop(f);
    // What is checked is what was written: the file read back, not the buffer it came from.
    let written = std::fs::read(temp).map_err(|e| io("read", temp, e))?;
    egress::guard(conn, env, ctx, Channel::OutboundFile, &String::from_utf8_lossy(&written))?;
    // A hard link appears whole and fails if the name was taken meanwhile: never a half file, never a replaced one.
    std::fs::hard_link(temp, target).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => AppError::refused(
            "outbound_exists",
            "the file appeared in the outbound folder meanwhile",
            "外发目录中已出现同名文件",
        ),
        _ => io("link", target, e),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_plain() {
        for ok in ["siyu-customers-masked-20261130.csv", "a", "A_b.1"] {
            assert!(super::valid_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", ".hidden", "../x", "a/b", "a b", "名单.csv", &"x".repeat(129)] {
            assert!(super::valid_name(bad).is_err(), "{bad}");
        }
    }
}
