//! WeCom's `errcode`/`errmsg` answers. Every API answers HTTP 200 with these two fields; the errmsg carries a
//! changing hint (`…, hint: [...], from ip: …, more info at …?e=42001`), so decisions key on `errcode` only.
//! Codes and their client actions: doc 90313 (global error codes) as collected in the protocol notes §2–§3.

use serde::Deserialize;

/// Codes this connector acts on. Named so call sites and tests do not scatter magic numbers.
pub mod codes {
    pub const SYSTEM_BUSY: i64 = -1;
    pub const INVALID_SECRET: i64 = 40001;
    pub const INVALID_CORPID: i64 = 40013;
    pub const INVALID_ACCESS_TOKEN: i64 = 40014;
    pub const INVALID_EXTERNAL_USERID: i64 = 40096;
    pub const NOT_RESIGNED: i64 = 40097;
    pub const CUSTOMER_LIMIT: i64 = 40099;
    pub const ALREADY_IN_TRANSFER: i64 = 40100;
    pub const TOO_MANY_TAGS: i64 = 40126;
    pub const TRANSFER_TOO_FREQUENT: i64 = 40128;
    pub const TRANSFERRING: i64 = 40129;
    pub const SAME_HANDOVER_TAKEOVER: i64 = 40130;
    pub const HANDOVER_NOT_FOLLOWER: i64 = 40131;
    pub const MISSING_ACCESS_TOKEN: i64 = 41001;
    pub const MISSING_WELCOME_CODE: i64 = 41049;
    pub const INVALID_WELCOME_CODE: i64 = 41050;
    pub const WELCOME_CODE_USED: i64 = 41051;
    pub const NO_CUSTOMER_TO_SEND: i64 = 41048;
    pub const ACCESS_TOKEN_EXPIRED: i64 = 42001;
    pub const API_FREQ_OUT_OF_LIMIT: i64 = 45009;
    pub const API_CONCURRENT_OUT_OF_LIMIT: i64 = 45033;
    pub const NO_PRIVILEGE: i64 = 48002;
    pub const NO_PRIVILEGE_FOR_MEMBER: i64 = 60011;
    pub const UNTRUSTED_IP: i64 = 60020;
    pub const INVALID_PARAMETER: i64 = 40058;
}

/// A WeCom API error: the `errcode` and `errmsg` exactly as answered.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, thiserror::Error)]
#[error("WeCom errcode {errcode}: {errmsg}")]
pub struct WecomError {
    pub errcode: i64,
    #[serde(default)]
    pub errmsg: String,
}

impl WecomError {
    pub fn new(errcode: i64, errmsg: impl Into<String>) -> Self {
        WecomError { errcode, errmsg: errmsg.into() }
    }

    /// The cached token is no good: drop it, fetch a new one, retry once. 40001 is included because WeCom also
    /// answers it for a token issued under a secret that was since reset (doc 90313); a wrong secret then fails
    /// again on gettoken, and that error is final.
    pub fn is_token_invalid(&self) -> bool {
        matches!(self.errcode, codes::INVALID_ACCESS_TOKEN | codes::ACCESS_TOKEN_EXPIRED | codes::INVALID_SECRET)
    }

    /// Frequency (45009) or concurrency (45033) limit: back off; retrying at once only extends a block.
    pub fn is_rate_limited(&self) -> bool {
        matches!(self.errcode, codes::API_FREQ_OUT_OF_LIMIT | codes::API_CONCURRENT_OUT_OF_LIMIT)
    }

    /// Transient on WeCom's side: retry with backoff (the doc says at most 3 times).
    pub fn is_transient(&self) -> bool {
        self.errcode == codes::SYSTEM_BUSY || self.errcode == codes::API_CONCURRENT_OUT_OF_LIMIT
    }

    /// Our configuration is wrong (secret, corpid, app permissions, trusted IP): alert an operator, do not retry.
    pub fn is_configuration(&self) -> bool {
        matches!(
            self.errcode,
            codes::INVALID_SECRET
                | codes::INVALID_CORPID
                | codes::NO_PRIVILEGE
                | codes::NO_PRIVILEGE_FOR_MEMBER
                | codes::UNTRUSTED_IP
        )
    }

    /// How long to stay away after a limit error. 45009 blocks for the rest of its window; WeCom does not say
    /// which window was hit, so the minute window is assumed first and the caller's backoff grows from there.
    pub fn suggested_backoff_secs(&self) -> Option<u64> {
        match self.errcode {
            codes::API_FREQ_OUT_OF_LIMIT => Some(60),
            codes::API_CONCURRENT_OUT_OF_LIMIT => Some(1),
            codes::SYSTEM_BUSY => Some(1),
            _ => None,
        }
    }
}

/// The two fields every answer has; success is errcode 0 (absent counts as 0: some answers omit it).
#[derive(Debug, Deserialize)]
pub(crate) struct Status {
    #[serde(default)]
    pub errcode: i64,
    #[serde(default)]
    pub errmsg: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        for c in [40014, 42001, 40001] {
            assert!(WecomError::new(c, "x").is_token_invalid(), "{c}");
        }
        assert!(!WecomError::new(45009, "x").is_token_invalid());
        assert!(WecomError::new(45009, "x").is_rate_limited());
        assert!(WecomError::new(45033, "x").is_rate_limited());
        assert!(WecomError::new(-1, "x").is_transient());
        assert!(WecomError::new(60020, "x").is_configuration());
        assert_eq!(WecomError::new(45009, "x").suggested_backoff_secs(), Some(60));
    }

    #[test]
    fn parses_errmsg_with_hint() {
        let e: WecomError = serde_json::from_str(
            r#"{"errcode":42001,"errmsg":"access_token expired, hint: [1576065934_28_e0fae07666aa64636023c1fa7e8f49a4], from ip: 9.30.0.138, more info at https://open.work.weixin.qq.com/devtool/query?e=42001"}"#,
        )
        .unwrap();
        assert!(e.is_token_invalid());
    }
}
