//! How a WeCom customer–member relation changes with each `change_external_contact` callback (doc 92277; the
//! protocol notes §4). Pure: the caller loads the current relation, applies one change, stores the result.
//!
//! Events are applied in WeCom's CreateTime order, but a late delivery can still carry an older event than the
//! one last applied: such an event changes nothing (the newer state wins).

use chrono::{DateTime, Utc};

/// Where a relation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Both sides are contacts.
    Active,
    /// The customer added the member (skip_verify) and the member has not confirmed yet.
    Half,
    /// Ended; see [`DeleteReason`].
    Deleted,
    /// A transfer to this member was not taken over (the relation never formed).
    TransferFailed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Half => "half",
            Status::Deleted => "deleted",
            Status::TransferFailed => "transfer_failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Status::Active, Status::Half, Status::Deleted, Status::TransferFailed].into_iter().find(|x| x.as_str() == s)
    }
}

/// Who ended a relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteReason {
    /// The member deleted the customer (`del_external_contact`).
    Member,
    /// WeCom removed the old member after an on-duty transfer (`Source=DELETE_BY_TRANSFER`).
    Transfer,
    /// The customer deleted the member (`del_follow_user`).
    Customer,
    /// A full sync no longer found the relation (a callback was lost, or came before siyu listened): who ended it
    /// is unknown, so it counts as churn of neither side.
    Missing,
}

impl DeleteReason {
    pub fn as_str(self) -> &'static str {
        match self {
            DeleteReason::Member => "member",
            DeleteReason::Transfer => "transfer",
            DeleteReason::Customer => "customer",
            DeleteReason::Missing => "missing",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [DeleteReason::Member, DeleteReason::Transfer, DeleteReason::Customer, DeleteReason::Missing]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// One `change_external_contact` callback, as far as the relation is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Add {
        state: Option<String>,
    },
    AddHalf {
        state: Option<String>,
    },
    Edit,
    Delete(DeleteReason),
    /// `customer_refused` or `customer_limit_exceed` (or a reason WeCom added later).
    TransferFail {
        reason: String,
    },
}

impl Change {
    /// The ChangeType this stands for, recorded as the relation's last event.
    pub fn name(&self) -> &'static str {
        match self {
            Change::Add { .. } => "add_external_contact",
            Change::AddHalf { .. } => "add_half_external_contact",
            Change::Edit => "edit_external_contact",
            Change::Delete(DeleteReason::Customer) => "del_follow_user",
            Change::Delete(DeleteReason::Missing) => "sync_missing",
            Change::Delete(_) => "del_external_contact",
            Change::TransferFail { .. } => "transfer_fail",
        }
    }
}

/// A relation's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    pub status: Status,
    /// The channel code's `state` the customer came through, kept once known.
    pub state: Option<String>,
    pub added_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub delete_reason: Option<DeleteReason>,
    pub transfer_failure: Option<String>,
    pub last_event: String,
    pub last_event_at: DateTime<Utc>,
}

/// The relation after `change`, which happened `at` (WeCom's CreateTime). `None` in means no relation yet.
/// Returns `None` when the change is older than what the relation already reflects.
pub fn apply(prev: Option<&Relation>, change: &Change, at: DateTime<Utc>) -> Option<Relation> {
    if prev.is_some_and(|p| p.last_event_at > at) {
        return None;
    }
    let mut r = prev.cloned().unwrap_or(Relation {
        status: Status::Active,
        state: None,
        added_at: None,
        deleted_at: None,
        delete_reason: None,
        transfer_failure: None,
        last_event: change.name().to_string(),
        last_event_at: at,
    });
    let was_live = prev.is_some_and(|p| matches!(p.status, Status::Active | Status::Half));
    match change {
        Change::Add { state } => {
            // Confirming a half relation or adding again after a deletion starts a new relation.
            if !(was_live && r.status == Status::Active) {
                r.added_at = Some(at);
            }
            r.status = Status::Active;
            r.state = state.clone().or(r.state);
            r.deleted_at = None;
            r.delete_reason = None;
            r.transfer_failure = None;
        }
        Change::AddHalf { state } => {
            if r.status != Status::Active || !was_live {
                r.status = Status::Half;
                r.added_at = Some(at);
                r.deleted_at = None;
                r.delete_reason = None;
            }
            r.state = state.clone().or(r.state);
        }
        // A relation first seen through an edit exists; when it began is unknown.
        Change::Edit => {}
        Change::Delete(reason) => {
            r.status = Status::Deleted;
            r.deleted_at = Some(at);
            r.delete_reason = Some(*reason);
        }
        Change::TransferFail { reason } => {
            if !was_live {
                r.status = Status::TransferFailed;
            }
            r.transfer_failure = Some(reason.clone());
        }
    }
    r.last_event = change.name().to_string();
    r.last_event_at = at;
    Some(r)
}

/// The relation as a full sync saw it: WeCom listed it (with the channel `state` and the time it was added) in a
/// page requested at `seen_at`. Callbacks of that second or later still apply on top (`apply` ignores only older
/// ones); a relation whose last callback is newer than the page is left as it is (`None`).
pub fn from_sync(
    prev: Option<&Relation>,
    state: Option<&str>,
    added_at: Option<DateTime<Utc>>,
    seen_at: DateTime<Utc>,
) -> Option<Relation> {
    use chrono::Timelike;
    let seen_at = seen_at.with_nanosecond(0).unwrap_or(seen_at);
    if prev.is_some_and(|p| p.last_event_at > seen_at) {
        return None;
    }
    let live = prev.filter(|p| matches!(p.status, Status::Active | Status::Half));
    Some(Relation {
        status: Status::Active,
        state: state.filter(|s| !s.is_empty()).map(str::to_string).or_else(|| prev.and_then(|p| p.state.clone())),
        added_at: live.and_then(|p| p.added_at).or(added_at),
        deleted_at: None,
        delete_reason: None,
        transfer_failure: None,
        last_event: "sync".into(),
        last_event_at: seen_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + s, 0).unwrap()
    }

    #[test]
    fn add_then_customer_deletes() {
        let a = apply(None, &Change::Add { state: Some("outlet-7".into()) }, t(0)).unwrap();
        assert_eq!((a.status, a.added_at, a.state.as_deref()), (Status::Active, Some(t(0)), Some("outlet-7")));
        let e = apply(Some(&a), &Change::Edit, t(5)).unwrap();
        assert_eq!(
            (e.status, e.added_at, e.last_event.as_str()),
            (Status::Active, Some(t(0)), "edit_external_contact")
        );
        let gone = apply(Some(&e), &Change::Delete(DeleteReason::Missing), t(9)).unwrap();
        assert_eq!(
            (gone.status, gone.delete_reason, gone.last_event.as_str()),
            (Status::Deleted, Some(DeleteReason::Missing), "sync_missing")
        );
        assert_eq!(DeleteReason::parse("missing"), Some(DeleteReason::Missing));
        let d = apply(Some(&e), &Change::Delete(DeleteReason::Customer), t(9)).unwrap();
        assert_eq!(
            (d.status, d.deleted_at, d.delete_reason),
            (Status::Deleted, Some(t(9)), Some(DeleteReason::Customer))
        );
        assert_eq!(d.state.as_deref(), Some("outlet-7"), "the channel attribution stays");
        let again = apply(Some(&d), &Change::Add { state: None }, t(20)).unwrap();
        assert_eq!((again.status, again.added_at, again.deleted_at), (Status::Active, Some(t(20)), None));
    }

    #[test]
    fn half_then_confirmed() {
        let h = apply(None, &Change::AddHalf { state: Some("s".into()) }, t(0)).unwrap();
        assert_eq!(h.status, Status::Half);
        let a = apply(Some(&h), &Change::Add { state: None }, t(3)).unwrap();
        assert_eq!((a.status, a.added_at, a.state.as_deref()), (Status::Active, Some(t(3)), Some("s")));
        // A late half-add does not undo the confirmed relation.
        assert!(apply(Some(&a), &Change::AddHalf { state: None }, t(1)).is_none());
        let same_second = apply(Some(&a), &Change::AddHalf { state: None }, t(3)).unwrap();
        assert_eq!(same_second.status, Status::Active);
    }

    #[test]
    fn older_events_change_nothing() {
        let d = apply(None, &Change::Delete(DeleteReason::Member), t(10)).unwrap();
        assert!(apply(Some(&d), &Change::Add { state: None }, t(5)).is_none());
    }

    #[test]
    fn transfer_failure_is_recorded() {
        let f = apply(None, &Change::TransferFail { reason: "customer_refused".into() }, t(0)).unwrap();
        assert_eq!((f.status, f.transfer_failure.as_deref()), (Status::TransferFailed, Some("customer_refused")));
        let live = apply(None, &Change::Add { state: None }, t(0)).unwrap();
        let kept = apply(Some(&live), &Change::TransferFail { reason: "customer_limit_exceed".into() }, t(1)).unwrap();
        assert_eq!(kept.status, Status::Active);
        let by_transfer = apply(Some(&live), &Change::Delete(DeleteReason::Transfer), t(2)).unwrap();
        assert_eq!(by_transfer.last_event, "del_external_contact");
    }

    #[test]
    fn a_full_sync_makes_a_listed_relation_active_unless_a_newer_callback_said_otherwise() {
        use chrono::TimeZone;
        let t = |s: i64| Utc.timestamp_opt(1_700_000_000 + s, 0).unwrap();
        let fresh = from_sync(None, Some("outlet-a1"), Some(t(-100)), t(0)).unwrap();
        assert_eq!(
            (fresh.status, fresh.state.as_deref(), fresh.added_at),
            (Status::Active, Some("outlet-a1"), Some(t(-100)))
        );
        assert_eq!(fresh.last_event, "sync");
        // A delete that happened after the page was requested wins over it; one before it is overruled.
        let deleted = apply(Some(&fresh), &Change::Delete(DeleteReason::Customer), t(5)).unwrap();
        assert_eq!(from_sync(Some(&deleted), None, Some(t(-100)), t(3)), None);
        let again = from_sync(Some(&deleted), None, Some(t(6)), t(10)).unwrap();
        assert_eq!(
            (again.status, again.state.as_deref(), again.added_at),
            (Status::Active, Some("outlet-a1"), Some(t(6)))
        );
        // A callback of the same second as the page still applies on top of it.
        let synced = from_sync(None, None, None, t(20)).unwrap();
        assert!(apply(Some(&synced), &Change::Edit, t(20)).is_some());
    }
}
