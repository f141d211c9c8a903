//! siyu's connectors to the outside world. For now: WeCom (API client, callback crypto and events). Free-standing on
//! purpose: no other siyu crate is needed, and the egress guard plugs in through [`wecom::Transport::guard`].

pub mod crm;
pub mod mail;
pub mod sms;
mod tls;
pub mod wecom;
