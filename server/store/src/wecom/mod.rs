//! WeCom's tables: the callback inbox and nonces, the contacts the callbacks maintain, the shared access tokens,
//! and the short leases that let one replica at a time refresh a token or drain a corp's inbox.

/// Runs one diesel statement on the concrete connection, for clauses the run-time `DbConn` cannot express
/// (`ON CONFLICT … DO NOTHING`, which both backends have with the same syntax).
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::conn::DbConn::Postgres($c) => $body,
            $crate::conn::DbConn::Sqlite($c) => $body,
        }
    };
}

pub mod channels;
pub mod contacts;
pub mod details;
pub mod inbox;
pub mod links;
pub mod locks;
pub mod tags;
pub mod tokens;
pub mod transfers;
