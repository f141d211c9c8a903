//! siyu domain: the bank's rules as pure types and functions. No IO, no diesel, no actix.

pub mod pii;
