//! The bank's CRM, asked for pages of changed customers (`GET {base_url}/customers`, docs/crm.md). This module only
//! fetches: what a page must look like, and what is loaded from it, is decided by `siyu_app::crm`.

use std::sync::Arc;
use std::time::Duration;

/// How to reach the CRM.
#[derive(Clone, Default)]
pub struct CrmSettings {
    pub base_url: String,
    pub token: Option<String>,
    pub proxy: Option<String>,
    /// PEM bundle of CAs to trust instead of the public roots.
    pub ca_bundle_pem: Option<Vec<u8>>,
    pub timeout: Duration,
}

impl std::fmt::Debug for CrmSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CrmSettings").field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CrmError {
    /// The CRM could not be reached, or answered 5xx / 429: worth trying again later.
    #[error("the CRM is unavailable: {0}")]
    Unavailable(String),
    /// The CRM refused (401, 403, 404, other 4xx): trying again changes nothing.
    #[error("the CRM refused the request: HTTP {0}")]
    Refused(u16),
    #[error("invalid CRM configuration: {0}")]
    Config(String),
}

/// One page asked for: the run's high-water mark and the cursor of the page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageQuery {
    pub updated_since: Option<String>,
    pub cursor: Option<String>,
    pub limit: u32,
}

/// The CRM client: one ureq agent (rustls; proxy and CA bundle as configured).
pub struct CrmClient {
    agent: ureq::Agent,
    url: String,
    token: Option<String>,
}

impl CrmClient {
    pub fn new(s: &CrmSettings) -> Result<Self, CrmError> {
        let mut b = ureq::AgentBuilder::new().timeout(s.timeout);
        if let Some(p) = &s.proxy {
            b = b.proxy(ureq::Proxy::new(p).map_err(|e| CrmError::Config(format!("proxy: {e}")))?);
        }
        if let Some(pem) = &s.ca_bundle_pem {
            b = b.tls_config(Arc::new(crate::tls::with_roots(pem).map_err(CrmError::Config)?));
        }
        let url = format!("{}/customers", s.base_url.trim_end_matches('/'));
        Ok(CrmClient { agent: b.build(), url, token: s.token.clone() })
    }

    /// The body of one page (the caller validates it). Only 200 is a page.
    pub fn page(&self, q: &PageQuery) -> Result<String, CrmError> {
        let mut r = self.agent.get(&self.url).query("limit", &q.limit.to_string());
        if let Some(s) = &q.updated_since {
            r = r.query("updated_since", s);
        }
        if let Some(c) = &q.cursor {
            r = r.query("cursor", c);
        }
        if let Some(t) = &self.token {
            r = r.set("Authorization", &format!("Bearer {t}"));
        }
        match r.call() {
            Ok(resp) if resp.status() == 200 => {
                resp.into_string().map_err(|e| CrmError::Unavailable(format!("reading the page: {e}")))
            }
            Ok(resp) => Err(CrmError::Unavailable(format!("HTTP {}", resp.status()))),
            Err(ureq::Error::Status(code, _)) if code == 429 || code >= 500 => {
                Err(CrmError::Unavailable(format!("HTTP {code}")))
            }
            Err(ureq::Error::Status(code, _)) => Err(CrmError::Refused(code)),
            // The kind only: the error text may carry the URL with its query.
            Err(ureq::Error::Transport(t)) => Err(CrmError::Unavailable(t.kind().to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_without_certificates_is_a_configuration_error() {
        let s = CrmSettings {
            base_url: "https://crm".into(),
            ca_bundle_pem: Some(b"not a pem".to_vec()),
            timeout: Duration::from_secs(1),
            ..Default::default()
        };
        assert!(matches!(CrmClient::new(&s), Err(CrmError::Config(_))));
    }
}
