//! The WeCom access-token cache shared by replicas through the database (`wecom_tokens`), for the connector's
//! [`TokenCache`] trait. The token is a secret: sealed by the vault (`wecom.access_token`), opened only to call
//! WeCom, never logged. One replica at a time calls gettoken for a corp (a lease in `wecom_locks`); the others
//! wait for the token it stores. A token WeCom calls invalid (40014/42001) is dropped only if it is still the
//! stored one, so a fresh token another replica just stored survives.

use crate::keys::{flush_usage, open_value, seal};
use crate::Env;
use chrono::Duration as ChronoDuration;
use siyu_connectors::wecom::client::TOKEN_EARLY_REFRESH;
use siyu_connectors::wecom::{ClientError, TokenCache, TokenResponse};
use siyu_store::audit::{self, AuditEvent};
use siyu_store::sealed::WECOM_ACCESS_TOKEN;
use siyu_store::tx::write_tx;
use siyu_store::wecom::{locks, tokens};
use siyu_store::{Pool, PooledConn};
use siyu_vault::PurposeKind;
use std::time::{Duration, Instant};

/// How long a replica may hold the refresh lease: longer than one gettoken with its timeouts.
const REFRESH_LEASE_SECS: i64 = 30;

pub struct DbTokenCache {
    pool: Pool,
    env: Env,
    corp: String,
    owner: String,
    /// How long a caller waits for another replica's refresh before giving up.
    wait: Duration,
}

impl DbTokenCache {
    /// The cache of the configured corp `corp` (its name).
    pub fn new(pool: Pool, env: Env, corp: &str) -> Self {
        DbTokenCache {
            pool,
            env,
            corp: corp.to_string(),
            owner: format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple()),
            wait: Duration::from_secs(REFRESH_LEASE_SECS as u64 + 5),
        }
    }

    fn conn(&self) -> Result<PooledConn, ClientError> {
        self.pool.get().map_err(|e| ClientError::Cache(format!("database: {e}")))
    }

    fn stored(&self) -> Result<Option<(String, String)>, ClientError> {
        let mut c = self.conn()?;
        let Some(t) = tokens::get_valid(&mut c, &self.corp, self.env.now()).map_err(cache_err)? else {
            return Ok(None);
        };
        let plain = open_value(&self.env.vault, WECOM_ACCESS_TOKEN, &self.corp, &t.sealed, PurposeKind::Deliver)
            .map_err(|e| ClientError::Cache(e.to_string()))?;
        Ok(Some((plain, t.sealed)))
    }

    fn store(&self, token: &str, expires_in: Duration) -> Result<(), ClientError> {
        let mut c = self.conn()?;
        let now = self.env.now();
        let life = expires_in.saturating_sub(TOKEN_EARLY_REFRESH).max(Duration::from_secs(1));
        let expires_at = now + ChronoDuration::from_std(life).unwrap_or(ChronoDuration::seconds(1));
        let sealed = seal(&self.env.vault, WECOM_ACCESS_TOKEN, &self.corp, token)
            .map_err(|e| ClientError::Cache(e.to_string()))?;
        write_tx(&mut c, |c| -> Result<(), siyu_store::StoreError> {
            tokens::put(c, &self.corp, &sealed, expires_at, now)?;
            audit::append(
                c,
                &super::system_context(),
                &AuditEvent::success("wecom.token_refresh", "wecom_corp", &self.corp)
                    .with_detail(serde_json::json!({"expires_at": expires_at})),
                now,
            )?;
            Ok(())
        })
        .map_err(cache_err)?;
        flush_usage(&mut c, &self.env.vault).map_err(|e| ClientError::Cache(e.to_string()))
    }

    fn lock_name(&self) -> String {
        format!("token/{}", self.corp)
    }
}

fn cache_err(e: siyu_store::StoreError) -> ClientError {
    ClientError::Cache(e.to_string())
}

impl TokenCache for DbTokenCache {
    fn get(&self) -> Option<String> {
        match self.stored() {
            Ok(t) => t.map(|(plain, _)| plain),
            Err(e) => {
                tracing::warn!(corp = %self.corp, error = %e, "WeCom token cache unreadable");
                None
            }
        }
    }

    fn put(&self, token: &str, expires_in: Duration) {
        if let Err(e) = self.store(token, expires_in) {
            tracing::warn!(corp = %self.corp, error = %e, "WeCom token not cached");
        }
    }

    fn invalidate(&self, token: &str) {
        let dropped = self.stored().and_then(|cur| match cur {
            Some((plain, sealed)) if plain == token => {
                let mut c = self.conn()?;
                tokens::invalidate(&mut c, &self.corp, &sealed, self.env.now()).map_err(cache_err)
            }
            _ => Ok(false),
        });
        match dropped {
            Ok(true) => tracing::info!(corp = %self.corp, "WeCom token invalidated; the next call refreshes it"),
            Ok(false) => {}
            Err(e) => tracing::warn!(corp = %self.corp, error = %e, "WeCom token not invalidated"),
        }
    }

    fn get_or_fetch(&self, fetch: &dyn Fn() -> Result<TokenResponse, ClientError>) -> Result<String, ClientError> {
        let deadline = Instant::now() + self.wait;
        loop {
            if let Some((t, _)) = self.stored()? {
                return Ok(t);
            }
            let now = self.env.now();
            let won = {
                let mut c = self.conn()?;
                locks::acquire(
                    &mut c,
                    &self.lock_name(),
                    &self.owner,
                    now + ChronoDuration::seconds(REFRESH_LEASE_SECS),
                    now,
                )
                .map_err(cache_err)?
            };
            if won {
                let result = self.refresh(fetch);
                let mut c = self.conn()?;
                locks::release(&mut c, &self.lock_name(), &self.owner).map_err(cache_err)?;
                return result;
            }
            if Instant::now() >= deadline {
                return Err(ClientError::Cache("another replica is refreshing the token and has not finished".into()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl DbTokenCache {
    /// Under the lease: another replica may have stored a token between our read and the lease.
    fn refresh(&self, fetch: &dyn Fn() -> Result<TokenResponse, ClientError>) -> Result<String, ClientError> {
        if let Some((t, _)) = self.stored()? {
            return Ok(t);
        }
        let t = fetch()?;
        self.store(&t.access_token, Duration::from_secs(t.expires_in))?;
        Ok(t.access_token)
    }
}
