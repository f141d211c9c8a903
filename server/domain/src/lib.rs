//! siyu domain: the bank's rules as pure types and functions. No IO, no diesel, no actix.

pub mod access;
pub mod assignment;
pub mod audit;
pub mod consent;
pub mod customer;
pub mod demo;
pub mod egress;
pub mod events;
pub mod export;
pub mod holding;
pub mod identity;
pub mod ids;
pub mod inbound;
pub mod layout;
pub mod org;
pub mod outbox;
pub mod password;
pub mod pii;
pub mod session;
pub mod staff;
pub mod wecom_channel;
pub mod wecom_contact;
pub mod wecom_link;
