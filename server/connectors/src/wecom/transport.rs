//! How requests reach WeCom. The client speaks to a [`Transport`]; the real one is [`UreqTransport`] (blocking,
//! rustls, optional HTTP CONNECT proxy and custom CA bundle), tests may plug their own.
//!
//! Why ureq rather than awc: the engine and store are synchronous (diesel), so a blocking client is called directly
//! from a job without an async runtime; ureq is a few small crates on rustls, supports an authenticated HTTP proxy
//! and takes a caller-built `rustls::ClientConfig` (the bank's CA bundle). awc needs an actix system per thread
//! and its futures are `!Send`, which fits request handlers but not a job runner.

use std::sync::Arc;
use std::time::Duration;

/// The egress guard's refusal: the payload holds something that may not leave the bank.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("refused by the egress guard: {reason}")]
pub struct Refused {
    /// What was found, with a masked sample; never the value itself.
    pub reason: String,
}

/// One outgoing request. `url` is the full URL without query; `query` pairs are encoded by the transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    pub query: Vec<(String, String)>,
    /// JSON body for POST.
    pub body: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

/// The answer: WeCom answers 200 with errcode/errmsg even for errors; other statuses are transport trouble.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("invalid transport configuration: {0}")]
    Config(String),
}

/// Sends requests to WeCom. Implementations must be shareable between threads (one per corp, many jobs).
pub trait Transport: Send + Sync {
    /// The egress guard: called with every outbound body before it is sent. The default lets everything pass;
    /// siyu's wiring replaces it with the vault's guard, which refuses personal financial information.
    fn guard(&self, payload: &str) -> Result<(), Refused> {
        let _ = payload;
        Ok(())
    }

    fn send(&self, req: &HttpRequest) -> Result<HttpResponse, TransportError>;
}

impl<T: Transport + ?Sized> Transport for Arc<T> {
    fn guard(&self, payload: &str) -> Result<(), Refused> {
        (**self).guard(payload)
    }
    fn send(&self, req: &HttpRequest) -> Result<HttpResponse, TransportError> {
        (**self).send(req)
    }
}

/// Settings for [`UreqTransport`].
#[derive(Debug, Clone, Default)]
pub struct HttpSettings {
    /// `http://user:pass@proxy.bank:3128` — WeCom reached through the bank's forward proxy (HTTP CONNECT).
    pub proxy: Option<String>,
    /// PEM bundle of CAs to trust instead of the public roots (a TLS-inspecting proxy or a private WeCom).
    pub ca_bundle_pem: Option<Vec<u8>>,
    pub timeout: Option<Duration>,
}

/// The real transport: ureq over rustls.
pub struct UreqTransport {
    agent: ureq::Agent,
}

impl UreqTransport {
    pub fn new(settings: &HttpSettings) -> Result<Self, TransportError> {
        let mut b = ureq::AgentBuilder::new().timeout(settings.timeout.unwrap_or(Duration::from_secs(15)));
        if let Some(p) = &settings.proxy {
            b = b.proxy(ureq::Proxy::new(p).map_err(|e| TransportError::Config(format!("proxy: {e}")))?);
        }
        if let Some(pem) = &settings.ca_bundle_pem {
            b = b.tls_config(Arc::new(tls_config_with_roots(pem)?));
        }
        Ok(UreqTransport { agent: b.build() })
    }
}

/// A rustls client config trusting only the CAs in `pem`: a bank that inspects TLS at its proxy hands us its CA.
fn tls_config_with_roots(pem: &[u8]) -> Result<rustls::ClientConfig, TransportError> {
    let mut roots = rustls::RootCertStore::empty();
    let mut reader = std::io::BufReader::new(pem);
    for cert in rustls_pemfile::certs(&mut reader) {
        let cert = cert.map_err(|e| TransportError::Config(format!("CA bundle: {e}")))?;
        roots.add(cert).map_err(|e| TransportError::Config(format!("CA bundle: {e}")))?;
    }
    if roots.is_empty() {
        return Err(TransportError::Config("CA bundle holds no certificate".into()));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TransportError::Config(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(cfg)
}

impl Transport for UreqTransport {
    fn send(&self, req: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let mut r = match req.method {
            Method::Get => self.agent.get(&req.url),
            Method::Post => self.agent.post(&req.url),
        };
        for (k, v) in &req.query {
            r = r.query(k, v);
        }
        let result = match &req.body {
            Some(b) => r.set("Content-Type", "application/json; charset=utf-8").send_string(b),
            None => r.call(),
        };
        let resp = match result {
            Ok(resp) => resp,
            // A non-2xx status still has a body worth showing (a proxy's error page, a gateway's 502).
            Err(ureq::Error::Status(_, resp)) => resp,
            // The error text may contain the URL with the access token: never pass it on.
            Err(ureq::Error::Transport(t)) => return Err(TransportError::Connect(t.kind().to_string())),
        };
        let status = resp.status();
        let body = resp.into_string().map_err(|e| TransportError::Connect(e.to_string()))?;
        Ok(HttpResponse { status, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_ca_bundle_is_a_config_error() {
        let s = HttpSettings { ca_bundle_pem: Some(b"not a pem".to_vec()), ..Default::default() };
        assert!(matches!(UreqTransport::new(&s), Err(TransportError::Config(_))));
    }

    #[test]
    fn proxy_url_is_accepted() {
        let s = HttpSettings { proxy: Some("http://user:pw@127.0.0.1:3128".into()), ..Default::default() };
        assert!(UreqTransport::new(&s).is_ok());
    }
}
