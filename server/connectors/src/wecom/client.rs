//! The typed WeCom API client's core: access tokens, the egress guard on every body, errcode handling.
//! Endpoint methods live in `api/` by area; each is a thin typed wrapper over [`WecomClient::get`] and
//! [`WecomClient::post`].
//!
//! Token rules (doc 91039, protocol notes §2): one token per (corpid, secret), valid `expires_in` (7200 s); WeCom
//! may invalidate it early, so 40014/42001 drop the cached token and the call is retried once with a fresh one.
//! The token only ever travels in the query string (in a body WeCom answers 41001).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::errcode::{Status, WecomError};
use super::limit::{classify, Decision, RateLimiter, RetryPolicy};
use super::transport::{HttpRequest, Method, Refused, Transport, TransportError};

/// Where tokens are kept between calls. The in-memory one serves a single process; siyu's store-backed cache (shared
/// by replicas through the database) implements the same trait.
pub trait TokenCache: Send + Sync {
    fn get(&self) -> Option<String>;
    fn put(&self, token: &str, expires_in: Duration);
    /// Drops `token` if it is still the cached one: another thread (or replica) may already have replaced it, and
    /// that fresh token must not be thrown away.
    fn invalidate(&self, token: &str);
    /// The cached token, or a fresh one from `fetch` (gettoken), cached. A cache shared by replicas overrides this
    /// so that only one caller at a time fetches and the others wait for its token.
    fn get_or_fetch(&self, fetch: &dyn Fn() -> Result<TokenResponse>) -> Result<String> {
        if let Some(t) = self.get() {
            return Ok(t);
        }
        let t = fetch()?;
        self.put(&t.access_token, Duration::from_secs(t.expires_in));
        Ok(t.access_token)
    }
}

/// Refreshes this long before WeCom's stated expiry, so a token is never used in its last seconds.
pub const TOKEN_EARLY_REFRESH: Duration = Duration::from_secs(300);

#[derive(Default)]
pub struct MemoryTokenCache {
    slot: Mutex<Option<(String, Instant)>>,
}

impl TokenCache for MemoryTokenCache {
    fn get(&self) -> Option<String> {
        let slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        slot.as_ref().filter(|(_, until)| Instant::now() < *until).map(|(t, _)| t.clone())
    }
    fn put(&self, token: &str, expires_in: Duration) {
        let until = Instant::now() + expires_in.saturating_sub(TOKEN_EARLY_REFRESH).max(Duration::from_secs(1));
        *self.slot.lock().unwrap_or_else(|e| e.into_inner()) = Some((token.to_owned(), until));
    }
    fn invalidate(&self, token: &str) {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        if slot.as_ref().is_some_and(|(t, _)| t == token) {
            *slot = None;
        }
    }
}

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// WeCom answered with a non-zero errcode.
    #[error(transparent)]
    Api(#[from] WecomError),
    /// The egress guard refused the body; nothing was sent.
    #[error(transparent)]
    Refused(#[from] Refused),
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// Not WeCom's JSON: a proxy error page, a gateway failure.
    #[error("HTTP {status} from WeCom endpoint: {snippet}")]
    Http { status: u16, snippet: String },
    #[error("unexpected answer from WeCom: {0}")]
    Decode(String),
    /// The token cache failed (a shared cache's database, a lock never released).
    #[error("token cache: {0}")]
    Cache(String),
}

impl ClientError {
    pub fn wecom(&self) -> Option<&WecomError> {
        match self {
            ClientError::Api(e) => Some(e),
            _ => None,
        }
    }
    pub fn errcode(&self) -> Option<i64> {
        self.wecom().map(|e| e.errcode)
    }
}

pub type Result<T> = std::result::Result<T, ClientError>;

/// Default API base; a bank points this at its egress gateway or a privately deployed WeCom.
pub const DEFAULT_API_BASE: &str = "https://qyapi.weixin.qq.com";

/// The gettoken answer.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub expires_in: u64,
}

/// The client for one (corp, app secret).
pub struct WecomClient {
    transport: Arc<dyn Transport>,
    api_base: String,
    corp_id: String,
    secret: String,
    tokens: Arc<dyn TokenCache>,
    /// Shared by every client of the corp in the process; None: no limiting (tests of the bare client).
    limiter: Option<Arc<RateLimiter>>,
    retry: RetryPolicy,
}

impl std::fmt::Debug for WecomClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WecomClient")
            .field("api_base", &self.api_base)
            .field("corp_id", &self.corp_id)
            .finish_non_exhaustive()
    }
}

impl WecomClient {
    pub fn new(transport: Arc<dyn Transport>, api_base: &str, corp_id: &str, secret: &str) -> Self {
        WecomClient {
            transport,
            api_base: api_base.trim_end_matches('/').to_owned(),
            corp_id: corp_id.to_owned(),
            secret: secret.to_owned(),
            tokens: Arc::new(MemoryTokenCache::default()),
            limiter: None,
            retry: RetryPolicy { max_transient_retries: 0, max_frequency_waits: 0, ..RetryPolicy::default() },
        }
    }

    /// Calls wait for the corp's per-API token buckets before they go out.
    pub fn with_limiter(mut self, limiter: Arc<RateLimiter>) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Retries transient failures and waits out frequency blocks (the bare client gives up at once).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Replaces the in-memory token cache (siyu passes its database-backed one).
    pub fn with_token_cache(mut self, tokens: Arc<dyn TokenCache>) -> Self {
        self.tokens = tokens;
        self
    }

    pub fn corp_id(&self) -> &str {
        &self.corp_id
    }

    /// `GET /cgi-bin/gettoken`, bypassing the cache.
    pub fn fetch_token(&self) -> Result<TokenResponse> {
        let req = HttpRequest {
            method: Method::Get,
            url: format!("{}/cgi-bin/gettoken", self.api_base),
            query: vec![("corpid".into(), self.corp_id.clone()), ("corpsecret".into(), self.secret.clone())],
            body: None,
        };
        let resp = self.transport.send(&req)?;
        decode(resp.status, &resp.body)
    }

    /// The cached token, or a fresh one.
    pub fn access_token(&self) -> Result<String> {
        self.tokens.get_or_fetch(&|| self.fetch_token())
    }

    /// `GET {base}{path}?access_token=…&query…`.
    pub fn get<R: DeserializeOwned>(&self, path: &str, query: &[(&str, &str)]) -> Result<R> {
        self.call(Method::Get, path, query, None)
    }

    /// `POST {base}{path}?access_token=…` with a JSON body that first passes the egress guard.
    pub fn post<B: Serialize, R: DeserializeOwned>(&self, path: &str, body: &B) -> Result<R> {
        let json = serde_json::to_string(body).map_err(|e| ClientError::Decode(e.to_string()))?;
        self.call(Method::Post, path, &[], Some(json))
    }

    fn call<R: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<String>,
    ) -> Result<R> {
        // The guard sees the body once, before any token work, so a refused payload costs no API call.
        if let Some(b) = &body {
            self.transport.guard(b)?;
        }
        let (mut transient, mut blocked) = (0u32, 0u32);
        loop {
            let err = match self.call_once(method, path, query, &body) {
                Ok(r) => return Ok(r),
                Err(e) => e,
            };
            let failure = classify(&err);
            let attempt = match failure {
                super::limit::Failure::FrequencyLimit => {
                    blocked += 1;
                    blocked
                }
                _ => {
                    transient += 1;
                    transient
                }
            };
            match self.retry.decide(failure, attempt, jitter()) {
                Decision::GiveUp => return Err(err),
                Decision::Retry(wait) => {
                    tracing::warn!(path, errcode = ?err.errcode(), attempt, wait_ms = wait.as_millis() as u64,
                        "WeCom call failed; retrying");
                    std::thread::sleep(wait);
                }
            }
        }
    }

    /// One call, with the one refresh-and-retry of a token WeCom calls invalid.
    fn call_once<R: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: &Option<String>,
    ) -> Result<R> {
        let mut retried = false;
        loop {
            let token = self.access_token()?;
            if let Some(l) = &self.limiter {
                l.acquire(path);
            }
            let mut q = vec![("access_token".to_owned(), token.clone())];
            q.extend(query.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
            let req = HttpRequest { method, url: format!("{}{}", self.api_base, path), query: q, body: body.clone() };
            let resp = self.transport.send(&req)?;
            match decode::<R>(resp.status, &resp.body) {
                Err(ClientError::Api(e)) if e.is_token_invalid() && !retried => {
                    self.tokens.invalidate(&token);
                    retried = true;
                }
                other => return other,
            }
        }
    }
}

/// A number in [0, 1) that differs between callers, for backoff jitter (no need for a strong source).
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(Instant::now().elapsed().as_nanos());
    (h.finish() % 10_000) as f64 / 10_000.0
}

/// Checks the status and errcode, then decodes the typed answer.
fn decode<R: DeserializeOwned>(status: u16, body: &str) -> Result<R> {
    let st: Status = serde_json::from_str(body).map_err(|_| ClientError::Http { status, snippet: snippet(body) })?;
    if st.errcode != 0 {
        return Err(ClientError::Api(WecomError { errcode: st.errcode, errmsg: st.errmsg }));
    }
    if status != 200 {
        return Err(ClientError::Http { status, snippet: snippet(body) });
    }
    serde_json::from_str(body).map_err(|e| ClientError::Decode(e.to_string()))
}

fn snippet(body: &str) -> String {
    body.chars().take(200).collect()
}

/// For endpoints whose success answer has nothing beyond errcode/errmsg.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Empty {}
