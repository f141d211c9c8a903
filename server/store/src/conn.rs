//! One connection type for both databases, chosen at run time from the URL — one binary, one compile.

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use std::path::PathBuf;
use std::time::Duration;

/// A connection to either backend. Queries written once in diesel's DSL run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

impl DbConn {
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Postgres(_) => Backend::Postgres,
            DbConn::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Where a database URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Target {
    /// `sqlite:///abs/path.db`, `sqlite://relative.db`, `postgres://…` or `postgresql://…`.
    pub fn parse(url: &str) -> Result<Self, String> {
        if let Some(rest) = url.strip_prefix("sqlite://") {
            if rest.is_empty() {
                return Err("sqlite:// needs a file path".into());
            }
            return Ok(Target::Sqlite(PathBuf::from(rest)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Target::Postgres(url.to_string()));
        }
        Err("the database URL must start with sqlite:// or postgres://".into())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Target::Sqlite(_) => Backend::Sqlite,
            Target::Postgres(_) => Backend::Postgres,
        }
    }
}

/// SQLite settings applied to every new connection: WAL so readers never block the writer, a busy timeout so
/// writers queue instead of failing, foreign keys on, and freed pages overwritten so deleted data does not linger.
/// The busy timeout comes first so that even switching to WAL waits for a concurrent opener.
const SQLITE_INIT: &str = "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                           PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON;";

/// An r2d2 manager that opens the backend the URL names (diesel's derived `establish` would try each backend in
/// turn, and SQLite accepts any string as a file name).
#[derive(Debug, Clone)]
pub struct Manager {
    target: Target,
}

impl Manager {
    pub fn new(target: Target) -> Self {
        Self { target }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot open the database: {0}")]
    Connection(#[from] diesel::ConnectionError),
    #[error("cannot prepare the database connection: {0}")]
    Init(#[from] diesel::result::Error),
    #[error("cannot create the database directory {0}: {1}")]
    Directory(String, std::io::Error),
}

pub fn establish(target: &Target) -> Result<DbConn, ConnectError> {
    match target {
        Target::Sqlite(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| ConnectError::Directory(dir.display().to_string(), e))?;
            }
            let mut c = SqliteConnection::establish(&path.to_string_lossy())?;
            c.batch_execute(SQLITE_INIT)?;
            Ok(DbConn::Sqlite(c))
        }
        Target::Postgres(url) => {
            let mut c = PgConnection::establish(url)?;
            // Timestamps are stored as UTC without a zone; make the session agree.
            c.batch_execute("SET TIME ZONE 'UTC'")?;
            Ok(DbConn::Postgres(c))
        }
    }
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConn, ConnectError> {
        establish(&self.target)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), ConnectError> {
        conn.ping().map(|_| ()).map_err(ConnectError::Init)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        conn.is_broken()
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// Opens a pool. SQLite in WAL mode takes one writer at a time; the busy timeout queues the rest.
pub fn pool(url: &str, size: u32, connect_timeout: Duration) -> Result<Pool, String> {
    let target = Target::parse(url)?;
    r2d2::Pool::builder()
        .max_size(size)
        // Open a connection only when a caller asks for one, on its behalf: none at start, and none in the
        // background to keep a spare. A spare being opened when a command ends raced the process's exit: libpq's
        // Kerberos library, mid-connect on the pool's worker thread, aborted in its exit handlers
        // (`k5_mutex_lock` assertion) after the command's work had committed.
        .min_idle(Some(0))
        .connection_timeout(connect_timeout)
        .build(Manager::new(target))
        .map_err(|e| format!("cannot open the database: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Taking the only connection must not start opening another in the background (see `pool`).
    #[test]
    fn the_pool_opens_no_spare_connection_in_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("p.db").display());
        let pool = pool(&url, 4, Duration::from_secs(5)).unwrap();
        assert_eq!(pool.state().connections, 0, "none at start");
        let c = pool.get().unwrap();
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(pool.state().connections, 1, "only the one asked for");
        drop(c);
        let again = pool.get().unwrap();
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(pool.state().connections, 1, "the idle one is reused");
        drop(again);
    }

    #[test]
    fn parses_urls() {
        assert_eq!(Target::parse("sqlite:///abs/siyu.db"), Ok(Target::Sqlite("/abs/siyu.db".into())));
        assert_eq!(Target::parse("sqlite://rel.db"), Ok(Target::Sqlite("rel.db".into())));
        assert_eq!(Target::parse("postgres://u@h/d").unwrap().backend(), Backend::Postgres);
        assert!(Target::parse("sqlite://").is_err());
        assert!(Target::parse("mysql://x").is_err());
    }
}
