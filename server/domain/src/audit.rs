//! The tamper-evident audit chain: each record carries the hash of the one before it.
//!
//! `hash = SHA-256(prev_hash ‖ canonical JSON of the record's fields)`. Changing, removing, inserting or
//! reordering any record breaks the chain from that point on, which `verify` reports.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash the first record links to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "success" => Some(Outcome::Success),
            "failure" => Some(Outcome::Failure),
            _ => None,
        }
    }
}

/// One audit record as stored. Every field takes part in the hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub seq: i64,
    pub event_id: String,
    pub at: DateTime<Utc>,
    /// Staff id of the actor; empty for anonymous actors (a failed login by an unknown name).
    pub actor_id: String,
    pub actor_name: String,
    /// The actor's roles at the time, comma-separated codes.
    pub actor_roles: String,
    pub org_node_id: String,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub outcome: Outcome,
    pub error_code: String,
    pub reason: String,
    pub client_addr: String,
    pub request_id: String,
    /// SHA-256 of the session id, so records of one session can be tied together without storing the secret.
    pub session_hash: String,
    /// Extra facts as JSON text: never personal data.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Timestamps are hashed at microsecond precision: what both databases store exactly.
pub fn canonical_time(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The hash of `r` given its `prev_hash`, ignoring its stored `hash`.
pub fn compute_hash(r: &AuditRecord) -> String {
    // A fixed field order: an array, not an object, so nothing depends on map ordering.
    let fields = serde_json::json!([
        r.seq,
        r.event_id,
        canonical_time(&r.at),
        r.actor_id,
        r.actor_name,
        r.actor_roles,
        r.org_node_id,
        r.action,
        r.target_type,
        r.target_id,
        r.outcome.as_str(),
        r.error_code,
        r.reason,
        r.client_addr,
        r.request_id,
        r.session_hash,
        r.detail,
    ]);
    let mut h = Sha256::new();
    h.update(r.prev_hash.as_bytes());
    h.update(b"\n");
    h.update(fields.to_string().as_bytes());
    hex::encode(h.finalize())
}

/// Why the chain is broken at a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Break {
    /// A record is missing or out of order.
    Gap { expected_seq: i64 },
    /// The record does not link to the hash of the one before it.
    Link,
    /// The record's content does not match its hash.
    Content,
    /// The chain ends before the recorded head: records were cut off the end.
    Truncated { head_seq: i64 },
}

impl Break {
    pub fn describe(&self) -> String {
        match self {
            Break::Gap { expected_seq } => {
                format!("expected record {expected_seq}: a record is missing or out of order")
            }
            Break::Link => "does not link to the hash of the record before it".into(),
            Break::Content => "its content does not match its hash: it was changed".into(),
            Break::Truncated { head_seq } => {
                format!("the chain ends before its recorded head {head_seq}")
            }
        }
    }
}

/// Walks the chain incrementally, page by page, so a chain of millions needs no more memory than one page.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    next_seq: i64,
    prev_hash: String,
    checked: i64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self { next_seq: 1, prev_hash: GENESIS_HASH.to_string(), checked: 0 }
    }
}

impl ChainVerifier {
    /// Checks the next record; on a break returns the sequence number it names and why.
    pub fn check(&mut self, r: &AuditRecord) -> Result<(), (i64, Break)> {
        if r.seq != self.next_seq {
            return Err((r.seq.min(self.next_seq), Break::Gap { expected_seq: self.next_seq }));
        }
        if r.prev_hash != self.prev_hash {
            return Err((r.seq, Break::Link));
        }
        if compute_hash(r) != r.hash {
            return Err((r.seq, Break::Content));
        }
        self.prev_hash = r.hash.clone();
        self.next_seq += 1;
        self.checked += 1;
        Ok(())
    }

    /// After the last record: the head (last sequence number and hash kept beside the chain) must match.
    pub fn finish(&self, head_seq: i64, head_hash: &str) -> Result<i64, (i64, Break)> {
        if head_seq != self.next_seq - 1 || head_hash != self.prev_hash {
            let at = self.next_seq.min(head_seq.max(1));
            return Err((at, Break::Truncated { head_seq }));
        }
        Ok(self.checked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let mut r = AuditRecord {
                    seq,
                    event_id: format!("e{seq}"),
                    at: DateTime::from_timestamp(1_700_000_000 + seq, 1000).unwrap(),
                    actor_id: "a".into(),
                    actor_name: "zhang".into(),
                    actor_roles: "system_admin".into(),
                    org_node_id: "n".into(),
                    action: "staff.create".into(),
                    target_type: "staff".into(),
                    target_id: format!("t{seq}"),
                    outcome: Outcome::Success,
                    error_code: String::new(),
                    reason: String::new(),
                    client_addr: "127.0.0.1".into(),
                    request_id: "r".into(),
                    session_hash: String::new(),
                    detail: "{}".into(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                r.hash = compute_hash(&r);
                prev = r.hash.clone();
                r
            })
            .collect()
    }

    fn verify(records: &[AuditRecord], head: (i64, &str)) -> Result<i64, (i64, Break)> {
        let mut v = ChainVerifier::default();
        for r in records {
            v.check(r)?;
        }
        v.finish(head.0, head.1)
    }

    #[test]
    fn whole_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify(&c, (5, &c[4].hash)), Ok(5));
        assert_eq!(verify(&[], (0, GENESIS_HASH)), Ok(0));
    }

    #[test]
    fn detects_each_kind_of_tampering() {
        let c = chain(6);
        let head = (6, c[5].hash.as_str());

        let mut changed = c.clone();
        changed[2].actor_name = "li".into();
        assert_eq!(verify(&changed, head).unwrap_err(), (3, Break::Content));

        let mut deleted = c.clone();
        deleted.remove(3);
        assert_eq!(verify(&deleted, head).unwrap_err().0, 4);

        let mut swapped = c.clone();
        swapped.swap(1, 2);
        assert_eq!(verify(&swapped, head).unwrap_err().0, 2);

        let truncated = &c[..4];
        assert!(matches!(verify(truncated, head).unwrap_err().1, Break::Truncated { .. }));

        // Rewriting a record and re-hashing it breaks the link of the next one.
        let mut rehashed = c.clone();
        rehashed[1].reason = "x".into();
        rehashed[1].hash = compute_hash(&rehashed[1]);
        assert_eq!(verify(&rehashed, head).unwrap_err(), (3, Break::Link));
    }
}
