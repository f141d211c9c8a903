//! The bank's own SMS gateway (an HTTP service inside the bank; contract in docs/sms.md). This module only sends:
//! what is sent, to whom, and whether it may leave (the egress guard) is decided by the SMS outbox in the app layer.

use std::sync::Arc;
use std::time::Duration;

/// How to reach the gateway.
#[derive(Clone, Default)]
pub struct SmsSettings {
    pub base_url: String,
    pub account: String,
    pub token: Option<String>,
    pub proxy: Option<String>,
    /// PEM bundle of CAs to trust instead of the public roots.
    pub ca_bundle_pem: Option<Vec<u8>>,
    pub timeout: Duration,
}

impl std::fmt::Debug for SmsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsSettings").field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

/// One message: its outbox id (the gateway's idempotency key), the recipient and the text.
#[derive(Clone, PartialEq, Eq)]
pub struct Sms {
    pub request_id: String,
    pub mobile: String,
    pub text: String,
}

impl std::fmt::Debug for Sms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The number and the text stay out of logs; the outbox id is what logs name.
        write!(f, "Sms({})", self.request_id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsError {
    /// The gateway refused this message (400, 422: a number it cannot reach, a text it does not take): retrying
    /// will not help. Holds the HTTP status and the gateway's error code, never its message (it may quote the
    /// number).
    #[error("the gateway refused the message: HTTP {0} {1}")]
    Permanent(u16, String),
    /// The gateway could not be reached, answered 5xx or 429, or refused siyu's credentials (a configuration that
    /// an operator can fix): worth trying again later.
    #[error("the gateway did not take the message: {0}")]
    Transient(String),
    #[error("invalid SMS configuration: {0}")]
    Config(String),
}

/// Sends SMS; the outbox holds one and calls it for each due message. Returns the gateway's message id.
pub trait SmsSender: Send + Sync {
    fn send(&self, sms: &Sms) -> Result<String, SmsError>;
}

/// The gateway client: one ureq agent (rustls; proxy and CA bundle as configured).
pub struct GatewayClient {
    agent: ureq::Agent,
    url: String,
    account: String,
    token: Option<String>,
}

impl GatewayClient {
    pub fn new(s: &SmsSettings) -> Result<Self, SmsError> {
        let mut b = ureq::AgentBuilder::new().timeout(s.timeout);
        if let Some(p) = &s.proxy {
            b = b.proxy(ureq::Proxy::new(p).map_err(|e| SmsError::Config(format!("proxy: {e}")))?);
        }
        if let Some(pem) = &s.ca_bundle_pem {
            b = b.tls_config(Arc::new(crate::tls::with_roots(pem).map_err(SmsError::Config)?));
        }
        let url = format!("{}/messages", s.base_url.trim_end_matches('/'));
        Ok(GatewayClient { agent: b.build(), url, account: s.account.clone(), token: s.token.clone() })
    }
}

#[derive(serde::Deserialize)]
struct Accepted {
    message_id: String,
}

#[derive(serde::Deserialize, Default)]
struct Rejected {
    #[serde(default)]
    code: String,
}

/// The gateway's error code if it is a short token (`invalid_mobile`); anything else is dropped.
fn code_of(body: &str) -> String {
    let code = serde_json::from_str::<Rejected>(body).unwrap_or_default().code;
    if code.len() <= 64 && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.') {
        code
    } else {
        String::new()
    }
}

impl SmsSender for GatewayClient {
    fn send(&self, sms: &Sms) -> Result<String, SmsError> {
        let body = serde_json::json!({
            "request_id": sms.request_id, "account": self.account, "mobile": sms.mobile, "text": sms.text,
        });
        let mut r =
            self.agent.post(&self.url).set("Content-Type", "application/json").set("Idempotency-Key", &sms.request_id);
        if let Some(t) = &self.token {
            r = r.set("Authorization", &format!("Bearer {t}"));
        }
        let accepted = |resp: ureq::Response| -> Result<String, SmsError> {
            let text = resp.into_string().map_err(|e| SmsError::Transient(format!("reading the answer: {e}")))?;
            let a: Accepted = serde_json::from_str(&text)
                .map_err(|_| SmsError::Transient("the answer holds no message_id".into()))?;
            if a.message_id.is_empty() || a.message_id.len() > 128 {
                return Err(SmsError::Transient("the answer's message_id is empty or too long".into()));
            }
            Ok(a.message_id)
        };
        match r.send_string(&body.to_string()) {
            Ok(resp) if (200..300).contains(&resp.status()) => accepted(resp),
            Ok(resp) => Err(SmsError::Transient(format!("HTTP {}", resp.status()))),
            // Already accepted under this request id (a retry after a lost answer): sent once, not twice.
            Err(ureq::Error::Status(409, resp)) => accepted(resp),
            Err(ureq::Error::Status(code, resp)) if code == 400 || code == 422 => {
                Err(SmsError::Permanent(code, code_of(&resp.into_string().unwrap_or_default())))
            }
            Err(ureq::Error::Status(code, _)) => Err(SmsError::Transient(format!("HTTP {code}"))),
            // The kind only: the error text may carry the URL.
            Err(ureq::Error::Transport(t)) => Err(SmsError::Transient(t.kind().to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_short_error_code_is_kept() {
        assert_eq!(code_of(r#"{"code":"invalid_mobile","message":"13800138000 is not reachable"}"#), "invalid_mobile");
        assert_eq!(code_of(r#"{"code":"13800138000 bad"}"#), "");
        assert_eq!(code_of("not json"), "");
    }

    #[test]
    fn a_bundle_without_certificates_is_a_configuration_error() {
        let s = SmsSettings {
            base_url: "https://sms".into(),
            ca_bundle_pem: Some(b"not a pem".to_vec()),
            timeout: Duration::from_secs(1),
            ..Default::default()
        };
        assert!(matches!(GatewayClient::new(&s), Err(SmsError::Config(_))));
    }
}
