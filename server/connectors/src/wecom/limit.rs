//! Staying inside WeCom's frequency limits, and what to do when a call fails anyway. Pure rules (time is a
//! parameter) plus a small shared limiter the client consults before every call.
//!
//! Limits (doc 90454, updated 2023-08-28; protocol notes §2): per corp and per API at most 10 000 calls a minute and
//! 150 000 an hour. A block after 45009 lasts until its window ends (a minute, an hour, the natural day). Each
//! (corp, API path) gets two token buckets, one per window; a call takes one token from both.
//!
//! Retries (doc 90313): −1 (system busy) and 45033 (concurrency limit) are transient: retry with exponential
//! backoff and jitter, at most 3 times. 45009 (frequency limit): wait for the window to end, then carry on. A
//! transport failure or a non-JSON answer (a proxy's 502) is retried like a transient error. Everything else is
//! final.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use super::client::ClientError;
use super::errcode::codes;

/// A token bucket: `capacity` tokens, refilled at `per_sec`; starts full. Time is seconds on any monotonic scale.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenBucket {
    pub capacity: f64,
    pub per_sec: f64,
    tokens: f64,
    last: f64,
}

impl TokenBucket {
    pub fn new(capacity: u64, window: Duration, now: f64) -> Self {
        let capacity = capacity.max(1) as f64;
        TokenBucket { capacity, per_sec: capacity / window.as_secs_f64().max(0.001), tokens: capacity, last: now }
    }

    fn refill(&mut self, now: f64) {
        if now > self.last {
            self.tokens = (self.tokens + (now - self.last) * self.per_sec).min(self.capacity);
            self.last = now;
        }
    }

    /// How long until a token is available at `now` (zero: one is there).
    pub fn wait(&mut self, now: f64) -> Duration {
        self.refill(now);
        if self.tokens >= 1.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((1.0 - self.tokens) / self.per_sec)
        }
    }

    /// Takes a token if one is there.
    pub fn try_take(&mut self, now: f64) -> bool {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Calls allowed per corp and API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub per_minute: u64,
    pub per_hour: u64,
}

impl Default for Limits {
    /// doc 90454 as of 2023-08-28.
    fn default() -> Self {
        Limits { per_minute: 10_000, per_hour: 150_000 }
    }
}

/// The minute and hour buckets of one API.
#[derive(Debug, Clone)]
struct ApiBuckets {
    minute: TokenBucket,
    hour: TokenBucket,
}

/// Token buckets per API path for one corp. Pure: `acquire_at` takes the time and says how long to wait.
#[derive(Debug)]
pub struct RateLimiter {
    limits: Limits,
    apis: Mutex<HashMap<String, ApiBuckets>>,
    origin: std::time::Instant,
}

impl RateLimiter {
    pub fn new(limits: Limits) -> Self {
        RateLimiter { limits, apis: Mutex::new(HashMap::new()), origin: std::time::Instant::now() }
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Takes a token for `api` at `now` (seconds), or says how long to wait before asking again.
    pub fn acquire_at(&self, api: &str, now: f64) -> Result<(), Duration> {
        let mut apis = self.apis.lock().unwrap_or_else(|e| e.into_inner());
        let b = apis.entry(api.to_owned()).or_insert_with(|| ApiBuckets {
            minute: TokenBucket::new(self.limits.per_minute, Duration::from_secs(60), now),
            hour: TokenBucket::new(self.limits.per_hour, Duration::from_secs(3600), now),
        });
        let wait = b.minute.wait(now).max(b.hour.wait(now));
        if wait > Duration::ZERO {
            return Err(wait);
        }
        b.minute.try_take(now);
        b.hour.try_take(now);
        Ok(())
    }

    /// Blocks until `api` may be called.
    pub fn acquire(&self, api: &str) {
        loop {
            match self.acquire_at(api, self.origin.elapsed().as_secs_f64()) {
                Ok(()) => return,
                Err(wait) => std::thread::sleep(wait.min(Duration::from_secs(60))),
            }
        }
    }
}

/// What to do after a failed call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Call again after this long.
    Retry(Duration),
    /// The error is final (or retries are used up).
    GiveUp,
}

/// How failed calls are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries of a transient error (−1, 45033, transport), after the first attempt. WeCom's doc says 3.
    pub max_transient_retries: u32,
    /// First backoff of a transient error; doubled each time, capped at `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// How long a 45009 block is waited out (the minute window: 60 s).
    pub frequency_block: Duration,
    /// 45009s in a row before giving up (a longer window was hit: an hour, the day).
    pub max_frequency_waits: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_transient_retries: 3,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            frequency_block: Duration::from_secs(60),
            max_frequency_waits: 5,
        }
    }
}

/// Which kind of failure, for retry purposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    Transient,
    FrequencyLimit,
    Final,
}

/// Classifies a client error (token errors were already handled by the client's one refresh-and-retry).
pub fn classify(e: &ClientError) -> Failure {
    match e {
        ClientError::Api(w) if w.errcode == codes::API_FREQ_OUT_OF_LIMIT => Failure::FrequencyLimit,
        ClientError::Api(w) if w.is_transient() => Failure::Transient,
        ClientError::Transport(super::transport::TransportError::Connect(_)) => Failure::Transient,
        ClientError::Http { status, .. } if *status >= 500 || *status == 429 => Failure::Transient,
        _ => Failure::Final,
    }
}

impl RetryPolicy {
    /// After the `attempt`-th failure of this kind in a row (1 = the first), with `jitter` in [0, 1): retry or not.
    pub fn decide(&self, failure: Failure, attempt: u32, jitter: f64) -> Decision {
        match failure {
            Failure::Final => Decision::GiveUp,
            Failure::Transient if attempt > self.max_transient_retries => Decision::GiveUp,
            Failure::Transient => {
                let exp = self.base_backoff.saturating_mul(1u32 << (attempt - 1).min(16)).min(self.max_backoff);
                // Up to half again as much, so callers that failed together do not retry together (45033).
                Decision::Retry(exp + exp.mul_f64(jitter.clamp(0.0, 1.0) / 2.0))
            }
            Failure::FrequencyLimit if attempt > self.max_frequency_waits => Decision::GiveUp,
            Failure::FrequencyLimit => Decision::Retry(self.frequency_block),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wecom::transport::TransportError;
    use crate::wecom::WecomError;

    #[test]
    fn a_bucket_allows_its_capacity_then_refills_at_its_rate() {
        let mut b = TokenBucket::new(3, Duration::from_secs(60), 0.0);
        assert!(b.try_take(0.0) && b.try_take(0.0) && b.try_take(0.0));
        assert!(!b.try_take(0.0));
        // 3 a minute: one token every 20 s.
        assert_eq!(b.wait(10.0), Duration::from_secs(10));
        assert!(!b.try_take(19.9));
        assert!(b.try_take(20.0));
        // Never more than the capacity, however long it was idle.
        assert!(b.try_take(10_000.0) && b.try_take(10_000.0) && b.try_take(10_000.0));
        assert!(!b.try_take(10_000.0));
    }

    #[test]
    fn limits_are_per_api_and_both_windows_apply() {
        let l = RateLimiter::new(Limits { per_minute: 2, per_hour: 3 });
        assert!(l.acquire_at("/a", 0.0).is_ok());
        assert!(l.acquire_at("/a", 0.0).is_ok());
        let wait = l.acquire_at("/a", 0.0).unwrap_err();
        assert_eq!(wait, Duration::from_secs(30), "the minute bucket refills one token per 30 s");
        assert!(l.acquire_at("/b", 0.0).is_ok(), "another API has its own buckets");
        assert!(l.acquire_at("/a", 30.0).is_ok());
        // The hour bucket (3 an hour) is now empty although the minute one has refilled.
        let wait = l.acquire_at("/a", 120.0).unwrap_err();
        assert!(wait > Duration::from_secs(1000), "{wait:?}");
    }

    #[test]
    fn the_documented_limits_are_the_default() {
        assert_eq!(Limits::default(), Limits { per_minute: 10_000, per_hour: 150_000 });
    }

    #[test]
    fn errors_are_classified_by_errcode() {
        let api = |c| ClientError::Api(WecomError::new(c, "x"));
        assert_eq!(classify(&api(45009)), Failure::FrequencyLimit);
        assert_eq!(classify(&api(45033)), Failure::Transient);
        assert_eq!(classify(&api(-1)), Failure::Transient);
        assert_eq!(classify(&api(60020)), Failure::Final);
        assert_eq!(classify(&api(40058)), Failure::Final);
        assert_eq!(classify(&ClientError::Transport(TransportError::Connect("reset".into()))), Failure::Transient);
        assert_eq!(classify(&ClientError::Http { status: 502, snippet: String::new() }), Failure::Transient);
        assert_eq!(classify(&ClientError::Http { status: 404, snippet: String::new() }), Failure::Final);
        assert_eq!(
            classify(&ClientError::Refused(crate::wecom::Refused { reason: "mobile".into() })),
            Failure::Final,
            "a refused payload is never retried"
        );
    }

    #[test]
    fn transient_errors_back_off_exponentially_with_jitter_three_times() {
        let p = RetryPolicy::default();
        assert_eq!(p.decide(Failure::Transient, 1, 0.0), Decision::Retry(Duration::from_millis(500)));
        assert_eq!(p.decide(Failure::Transient, 2, 0.0), Decision::Retry(Duration::from_secs(1)));
        assert_eq!(p.decide(Failure::Transient, 3, 0.0), Decision::Retry(Duration::from_secs(2)));
        assert_eq!(p.decide(Failure::Transient, 3, 0.999), Decision::Retry(Duration::from_millis(2999)));
        assert_eq!(p.decide(Failure::Transient, 4, 0.0), Decision::GiveUp);
        let capped = RetryPolicy { max_transient_retries: 30, ..p };
        assert_eq!(capped.decide(Failure::Transient, 20, 0.0), Decision::Retry(Duration::from_secs(30)));
    }

    #[test]
    fn a_frequency_block_is_waited_out_then_given_up() {
        let p = RetryPolicy::default();
        assert_eq!(p.decide(Failure::FrequencyLimit, 1, 0.5), Decision::Retry(Duration::from_secs(60)));
        assert_eq!(p.decide(Failure::FrequencyLimit, 5, 0.5), Decision::Retry(Duration::from_secs(60)));
        assert_eq!(p.decide(Failure::FrequencyLimit, 6, 0.5), Decision::GiveUp);
        assert_eq!(p.decide(Failure::Final, 1, 0.0), Decision::GiveUp);
    }
}
