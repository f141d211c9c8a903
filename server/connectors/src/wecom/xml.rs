//! The callback envelope (`<xml><ToUserName/><Encrypt/><AgentID/></xml>` or its JSON variant), the reply envelope,
//! and the decrypted customer-contact events as typed enums (doc 96361 / 92277 / 101456; the protocol notes §4).
//!
//! Parsing refuses oversized input before touching it, malformed XML, and events missing a field their type needs.
//! Unknown event or change types are not errors: WeCom adds new ones, and the endpoint must still accept and store
//! them, so they come back as [`CallbackEvent::Unknown`].

use serde::Deserialize;

use super::crypto::Sealed;

/// Largest envelope body accepted. Customer-contact callbacks are well under 4 KiB; group updates with member lists
/// are larger but nowhere near this.
pub const MAX_ENVELOPE_BYTES: usize = 128 * 1024;
/// Largest decrypted event accepted.
pub const MAX_EVENT_BYTES: usize = 96 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    #[error("body is {0} bytes, more than the {1}-byte limit")]
    TooLarge(usize, usize),
    #[error("malformed XML: {0}")]
    Malformed(String),
    #[error("missing field {0}")]
    Missing(&'static str),
    #[error("field {0} has an invalid value")]
    Invalid(&'static str),
}

/// The outer envelope of a POSTed callback. Only `encrypt` matters for decryption; the other two are kept for logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub to_user_name: Option<String>,
    pub encrypt: String,
    pub agent_id: Option<String>,
}

#[derive(Deserialize)]
struct RawXmlEnvelope {
    #[serde(rename = "ToUserName")]
    to_user_name: Option<String>,
    #[serde(rename = "Encrypt")]
    encrypt: Option<String>,
    #[serde(rename = "AgentID")]
    agent_id: Option<String>,
}

#[derive(Deserialize)]
struct RawJsonEnvelope {
    #[serde(alias = "ToUserName")]
    tousername: Option<String>,
    #[serde(alias = "Encrypt")]
    encrypt: Option<String>,
    #[serde(alias = "AgentID")]
    agentid: Option<serde_json::Value>,
}

/// Parses the POST body: XML for self-built apps, JSON for the newer JSON callbacks (detected by the first byte).
pub fn parse_envelope(body: &str) -> Result<Envelope, XmlError> {
    if body.len() > MAX_ENVELOPE_BYTES {
        return Err(XmlError::TooLarge(body.len(), MAX_ENVELOPE_BYTES));
    }
    let trimmed = body.trim_start_matches('\u{feff}').trim();
    let env = if trimmed.starts_with('{') {
        let raw: RawJsonEnvelope = serde_json::from_str(trimmed).map_err(|e| XmlError::Malformed(e.to_string()))?;
        let agent_id = raw.agentid.map(|v| match v {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        });
        Envelope { to_user_name: raw.tousername, encrypt: raw.encrypt.unwrap_or_default(), agent_id }
    } else {
        let raw: RawXmlEnvelope = quick_xml::de::from_str(trimmed).map_err(|e| XmlError::Malformed(e.to_string()))?;
        Envelope { to_user_name: raw.to_user_name, encrypt: raw.encrypt.unwrap_or_default(), agent_id: raw.agent_id }
    };
    if env.encrypt.trim().is_empty() {
        return Err(XmlError::Missing("Encrypt"));
    }
    Ok(env)
}

/// Wraps text in CDATA, splitting any `]]>` so the text cannot close the section early.
pub fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
}

/// The passive-reply envelope, element order as in the official samples.
pub fn reply_envelope(s: &Sealed) -> Result<String, XmlError> {
    if !s.timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(XmlError::Invalid("TimeStamp"));
    }
    Ok(format!(
        "<xml><Encrypt>{}</Encrypt><MsgSignature>{}</MsgSignature><TimeStamp>{}</TimeStamp><Nonce>{}</Nonce></xml>",
        cdata(&s.encrypt),
        cdata(&s.msg_signature),
        s.timestamp,
        cdata(&s.nonce)
    ))
}

/// Builds an event document from (element, value) pairs: what the emulator encrypts and sends. Numbers are written
/// bare and text as CDATA, as WeCom does; a value `Items(list)` becomes `<Item>` children (MemChangeList).
pub fn event_xml(fields: &[(&str, XmlValue)]) -> String {
    let mut out = String::from("<xml>");
    for (name, value) in fields {
        out.push('<');
        out.push_str(name);
        out.push('>');
        match value {
            XmlValue::Text(t) => out.push_str(&cdata(t)),
            XmlValue::Number(n) => out.push_str(&n.to_string()),
            XmlValue::Items(items) => {
                for i in items {
                    out.push_str("<Item>");
                    out.push_str(&cdata(i));
                    out.push_str("</Item>");
                }
            }
        }
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }
    out.push_str("</xml>");
    out
}

/// A value in [`event_xml`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XmlValue {
    Text(String),
    Number(i64),
    Items(Vec<String>),
}

pub use super::events::*;
