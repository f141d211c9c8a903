//! Middleware: `observe` wraps every request (request id, log line, metrics, error bodies); `authz` wraps every
//! API resource and is the one place where access is decided.

pub mod authz;
pub mod observe;
