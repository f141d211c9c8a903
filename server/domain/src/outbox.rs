//! How an outbox (mail, SMS) retries a message its relay or gateway refused for the moment: the next attempt waits
//! 1, 2, 4 … minutes, at most an hour, and after `MAX_ATTEMPTS` the message is given up (`failed`).

use chrono::Duration;

/// Attempts before a message the relay or gateway keeps refusing is given up.
pub const MAX_ATTEMPTS: i64 = 8;

/// The wait after the `attempt`-th failure: 1, 2, 4 … minutes, at most an hour.
pub fn backoff(attempt: i64) -> Duration {
    Duration::minutes((1i64 << attempt.clamp(0, 6)).min(60))
}

/// Whether a message that failed for the moment on attempt `attempts + 1` is tried again.
pub fn may_retry(attempts: i64) -> bool {
    attempts + 1 < MAX_ATTEMPTS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_an_hour() {
        let m = |a| backoff(a).num_minutes();
        assert_eq!((m(0), m(1), m(2), m(5), m(6), m(20)), (1, 2, 4, 32, 60, 60));
    }

    #[test]
    fn the_eighth_attempt_is_the_last() {
        assert!(may_retry(6));
        assert!(!may_retry(7));
    }
}
