//! siyu store: the only place that knows SQL.
//!
//! Queries are written once in diesel's DSL and run on SQLite and PostgreSQL alike through [`conn::DbConn`];
//! where the backends differ, the difference stays inside one function here. Nothing in this crate logs a
//! value or returns a database message to callers.

pub mod accounts;
pub mod assignments;
pub mod audit;
pub mod bulk;
pub mod conn;
pub mod consents;
pub mod crm;
pub mod customers;
pub mod error;
pub mod events;
pub mod exports;
pub mod history;
pub mod holding_imports;
pub mod holdings;
pub mod imports;
pub mod jobs;
pub mod login;
pub mod merges;
pub mod migrate;
pub mod org;
pub mod outbox;
pub mod page;
pub mod schema;
pub mod sealed;
pub mod sessions;
pub mod sms_outbox;
pub mod staff;
#[cfg(feature = "testing")]
pub mod testing;
pub mod time;
pub mod tokens;
pub mod tx;
pub mod vault_keys;
pub mod wecom;

pub use conn::{Backend, DbConn, Pool, PooledConn};
pub use error::{Result, StoreError};
