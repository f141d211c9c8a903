//! The API's integration tests: one binary, run on SQLite and again on PostgreSQL by the test script.

mod harness;

mod assignments;
mod audit;
mod auth;
mod authz;
mod crm;
mod customer_search;
mod customers;
mod egress;
mod exports;
mod holdings;
mod input;
mod leaks;
mod mail;
mod merges;
mod org_staff;
mod outbound;
mod sessions;
mod sms;
mod surface;
mod tokens;
mod vault;
mod wecom;
mod wecom_channels;
mod wecom_sync;
mod wecom_tags;
mod wecom_transfers;
