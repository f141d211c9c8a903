//! The one way to get a WeCom API client for a configured corp: its API base, the egress proxy and CA bundle,
//! the access-token cache shared through the database, the corp's per-API rate limiter (shared by every client of
//! the corp in this process) and the retry policy, and a transport whose guard is the vault's egress guard, so
//! every outbound body is checked (channel `wecom`) and a refused one is never sent.

use crate::error::{AppError, Result};
use crate::Env;
use siyu_connectors::wecom::transport::{HttpRequest, HttpResponse, TransportError};
use siyu_connectors::wecom::{
    HttpSettings, Limits, RateLimiter, Refused, RetryPolicy, Transport, UreqTransport, WecomClient,
};
use siyu_domain::egress::Channel;
use siyu_store::Pool;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Passes every body through `egress::guard` before the inner transport may send anything.
pub struct GuardedTransport {
    inner: Arc<dyn Transport>,
    pool: Pool,
    env: Env,
}

impl GuardedTransport {
    pub fn new(inner: Arc<dyn Transport>, pool: Pool, env: Env) -> Self {
        GuardedTransport { inner, pool, env }
    }
}

impl Transport for GuardedTransport {
    fn guard(&self, payload: &str) -> std::result::Result<(), Refused> {
        // Fails closed: a payload the guard could not check is not sent.
        let mut c = self.pool.get().map_err(|e| Refused { reason: format!("the egress guard is unavailable: {e}") })?;
        // Only what people typed is read: ids WeCom issued and staff ids are not customer data.
        let text = siyu_domain::egress::wecom_free_text(payload);
        crate::egress::guard(&mut c, &self.env, &super::system_context(), Channel::Wecom, &text)
            .map_err(|e| Refused { reason: e.to_string() })
    }

    fn send(&self, req: &HttpRequest) -> std::result::Result<HttpResponse, TransportError> {
        self.inner.send(req)
    }
}

/// The HTTP settings of `[wecom]`: the egress proxy and the CA bundle.
pub fn http_settings(env: &Env) -> Result<HttpSettings> {
    let w = &env.settings.wecom;
    let ca_bundle_pem = match &w.ca_file {
        Some(p) => {
            Some(std::fs::read(p).map_err(|e| AppError::Internal(format!("wecom.ca_file {}: {e}", p.display())))?)
        }
        None => None,
    };
    Ok(HttpSettings { proxy: w.http_proxy.clone(), ca_bundle_pem, timeout: None })
}

/// The retry policy of `[wecom]`.
pub fn retry_policy(env: &Env) -> RetryPolicy {
    let w = &env.settings.wecom;
    RetryPolicy {
        max_transient_retries: w.max_retries,
        base_backoff: Duration::from_millis(w.retry_base_ms),
        frequency_block: Duration::from_secs(w.frequency_block_secs),
        ..RetryPolicy::default()
    }
}

/// Rate limiters by corp name, shared by every client of the corp in this process.
static LIMITERS: Mutex<Option<HashMap<String, Arc<RateLimiter>>>> = Mutex::new(None);

/// The corp's limiter (one per process; configured limits taken when first asked).
pub fn limiter(env: &Env, corp: &str) -> Arc<RateLimiter> {
    let w = &env.settings.wecom;
    let limits = Limits { per_minute: w.rate_per_minute, per_hour: w.rate_per_hour };
    let mut all = LIMITERS.lock().unwrap_or_else(|e| e.into_inner());
    let map = all.get_or_insert_with(HashMap::new);
    let l = map.entry(corp.to_string()).or_insert_with(|| Arc::new(RateLimiter::new(limits)));
    if l.limits() != limits {
        // The configuration changed (tests do this): a new limiter for the new limits.
        *l = Arc::new(RateLimiter::new(limits));
    }
    l.clone()
}

/// The client of the configured corp `name`.
pub fn for_corp(pool: &Pool, env: &Env, name: &str) -> Result<WecomClient> {
    let inner: Arc<dyn Transport> =
        Arc::new(UreqTransport::new(&http_settings(env)?).map_err(|e| AppError::Internal(e.to_string()))?);
    for_corp_over(pool, env, name, inner)
}

/// The same over another transport (tests count what reaches the wire).
pub fn for_corp_over(pool: &Pool, env: &Env, name: &str, inner: Arc<dyn Transport>) -> Result<WecomClient> {
    let corp = super::corp(env, name).ok_or_else(|| unknown_corp(name))?;
    let secret = corp.secret.as_deref().filter(|s| !s.is_empty()).ok_or_else(|| {
        AppError::refused(
            "wecom_no_secret",
            format!("WeCom corp {name} has no secret configured (secret_file)"),
            format!("企业微信 {name} 未配置 secret（secret_file）"),
        )
    })?;
    let transport = Arc::new(GuardedTransport::new(inner, pool.clone(), env.clone()));
    Ok(WecomClient::new(transport, &corp.api_base, &corp.corp_id, secret)
        .with_token_cache(Arc::new(super::tokens::DbTokenCache::new(pool.clone(), env.clone(), name)))
        .with_limiter(limiter(env, name))
        .with_retry(retry_policy(env)))
}

/// A failed WeCom call as a use-case error, the same for every route: the egress guard's refusal (nothing was sent),
/// WeCom's errcode, or WeCom out of reach. Nothing was changed in siyu.
pub(crate) fn failed(e: siyu_connectors::wecom::ClientError) -> AppError {
    use siyu_connectors::wecom::ClientError;
    match e {
        ClientError::Refused(r) => AppError::refused(
            "egress_blocked",
            format!("not sent to WeCom: {}", r.reason),
            format!("未发送到企业微信：{}", r.reason),
        ),
        ClientError::Api(w) => AppError::refused(
            "wecom_refused",
            format!("WeCom refused the request: errcode {} ({})", w.errcode, w.errmsg),
            format!("企业微信拒绝了请求：errcode {}（{}）", w.errcode, w.errmsg),
        ),
        other => AppError::refused(
            "wecom_unavailable",
            format!("WeCom could not be reached: {other}"),
            format!("无法连接企业微信：{other}"),
        ),
    }
}

pub(crate) fn unknown_corp(name: &str) -> AppError {
    AppError::refused(
        "wecom_unknown_corp",
        format!("no WeCom corp named {name} is configured"),
        format!("未配置名为 {name} 的企业微信"),
    )
}
