//! WeCom (企业微信) customer-contact connector: callback crypto, callback events, the typed API client.
//! Protocol facts and their sources: `docs/wecom.md`.

pub mod api;
pub mod client;
pub mod crypto;
pub mod errcode;
mod events;
pub mod limit;
pub mod transport;
pub mod xml;

pub use client::{ClientError, MemoryTokenCache, TokenCache, TokenResponse, WecomClient, DEFAULT_API_BASE};
pub use crypto::{CryptoError, MsgCrypt};
pub use errcode::WecomError;
pub use limit::{Limits, RateLimiter, RetryPolicy};
pub use transport::{HttpSettings, Refused, Transport, UreqTransport};
