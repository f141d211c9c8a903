//! The rules of exports (REQUIREMENTS J.62, I.61): masked by default; an unmasked export needs one person to
//! request it and a different person to approve it within 24 hours, and is downloaded once within 24 hours of
//! the approval. Pure: the app layer supplies the state and the time.

use chrono::{DateTime, Duration, Utc};
use std::borrow::Cow;

/// How long a request waits for a decision, and how long an export stays downloadable once ready.
pub const WINDOW_HOURS: i64 = 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportStatus {
    /// Masked: downloadable by its requester until it expires.
    Ready,
    /// Unmasked: waiting for someone else's decision.
    PendingApproval,
    /// Unmasked and approved: one download left.
    Approved,
    Rejected,
    /// Unmasked and downloaded: nothing left.
    Downloaded,
    /// Nobody decided, or nobody downloaded, in time.
    Expired,
}

impl ExportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportStatus::Ready => "ready",
            ExportStatus::PendingApproval => "pending_approval",
            ExportStatus::Approved => "approved",
            ExportStatus::Rejected => "rejected",
            ExportStatus::Downloaded => "downloaded",
            ExportStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            ExportStatus::Ready,
            ExportStatus::PendingApproval,
            ExportStatus::Approved,
            ExportStatus::Rejected,
            ExportStatus::Downloaded,
            ExportStatus::Expired,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// What the rules need to know about an export.
#[derive(Debug, Clone)]
pub struct ExportState<'a> {
    pub masked: bool,
    pub status: ExportStatus,
    pub requested_by: &'a str,
    pub expires_at: DateTime<Utc>,
}

/// Why an export action is refused; each has a stable code and a message in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportRefusal {
    /// Approving or rejecting one's own request.
    OwnRequest,
    /// Deciding something not waiting for a decision (a masked export, or one decided already).
    NotPending,
    /// Downloading something not ready, already downloaded, rejected or still waiting.
    NotDownloadable,
    /// Someone other than the requester downloading.
    NotRequester,
    Expired,
}

impl ExportRefusal {
    pub fn code(self) -> &'static str {
        match self {
            ExportRefusal::OwnRequest => "export_own_request",
            ExportRefusal::NotPending => "export_not_pending",
            ExportRefusal::NotDownloadable => "export_not_downloadable",
            ExportRefusal::NotRequester => "export_not_requester",
            ExportRefusal::Expired => "export_expired",
        }
    }

    pub fn message_en(self) -> &'static str {
        match self {
            ExportRefusal::OwnRequest => "an export must be approved by someone other than the person who requested it",
            ExportRefusal::NotPending => "this export is not waiting for a decision",
            ExportRefusal::NotDownloadable => {
                "this export cannot be downloaded (not approved, rejected or already downloaded)"
            }
            ExportRefusal::NotRequester => "only the person who requested an export can download it",
            ExportRefusal::Expired => "this export has expired; request it again",
        }
    }

    pub fn message_zh(self) -> &'static str {
        match self {
            ExportRefusal::OwnRequest => "导出申请须由申请人以外的人员审批",
            ExportRefusal::NotPending => "该导出不在待审批状态",
            ExportRefusal::NotDownloadable => "该导出不可下载（未审批、已拒绝或已下载）",
            ExportRefusal::NotRequester => "只有申请人可以下载该导出",
            ExportRefusal::Expired => "该导出已过期，请重新申请",
        }
    }
}

/// The status and expiry of a new request.
pub fn requested(masked: bool, now: DateTime<Utc>) -> (ExportStatus, DateTime<Utc>) {
    let status = if masked { ExportStatus::Ready } else { ExportStatus::PendingApproval };
    (status, now + Duration::hours(WINDOW_HOURS))
}

/// The status as of `now`: anything still open past its expiry has expired.
pub fn effective(s: &ExportState<'_>, now: DateTime<Utc>) -> ExportStatus {
    match s.status {
        ExportStatus::Ready | ExportStatus::PendingApproval | ExportStatus::Approved if now >= s.expires_at => {
            ExportStatus::Expired
        }
        other => other,
    }
}

/// Approves or rejects: only a pending, unexpired request, and never by its requester. Returns the new status
/// and expiry (an approval opens a fresh download window).
pub fn decide(
    s: &ExportState<'_>,
    decider: &str,
    approve: bool,
    now: DateTime<Utc>,
) -> Result<(ExportStatus, DateTime<Utc>), ExportRefusal> {
    match effective(s, now) {
        ExportStatus::PendingApproval => {}
        ExportStatus::Expired => return Err(ExportRefusal::Expired),
        _ => return Err(ExportRefusal::NotPending),
    }
    if decider == s.requested_by {
        return Err(ExportRefusal::OwnRequest);
    }
    Ok(if approve {
        (ExportStatus::Approved, now + Duration::hours(WINDOW_HOURS))
    } else {
        (ExportStatus::Rejected, s.expires_at)
    })
}

/// Whether `who` may download now; returns the status after the download.
pub fn download(s: &ExportState<'_>, who: &str, now: DateTime<Utc>) -> Result<ExportStatus, ExportRefusal> {
    if who != s.requested_by {
        return Err(ExportRefusal::NotRequester);
    }
    match effective(s, now) {
        ExportStatus::Ready => Ok(ExportStatus::Ready),
        ExportStatus::Approved => Ok(ExportStatus::Downloaded),
        ExportStatus::Expired => Err(ExportRefusal::Expired),
        _ => Err(ExportRefusal::NotDownloadable),
    }
}

/// A spreadsheet cell that cannot run as a formula (OWASP CSV injection, CWE-1236): text starting with `=`,
/// `+`, `-`, `@`, a tab or a carriage return gets a leading `'`.
pub fn neutralize_cell(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// The visible watermark a file starts with: which export, whose, when.
pub fn watermark(export_id: &str, requester: &str, masked: bool, at: DateTime<Utc>) -> String {
    format!(
        "siyu 导出 export {export_id} · 申请人 requested by {requester} · {} · {}",
        at.format("%Y-%m-%d %H:%M:%S UTC"),
        if masked { "已脱敏 masked" } else { "未脱敏 UNMASKED — 仅限审批用途 approved use only" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap()
    }

    fn state(masked: bool, status: ExportStatus) -> ExportState<'static> {
        ExportState { masked, status, requested_by: "alice", expires_at: t0() + Duration::hours(24) }
    }

    #[test]
    fn masked_is_ready_and_unmasked_waits() {
        assert_eq!(requested(true, t0()).0, ExportStatus::Ready);
        assert_eq!(requested(false, t0()), (ExportStatus::PendingApproval, t0() + Duration::hours(24)));
    }

    #[test]
    fn approval_needs_another_person_in_time() {
        let s = state(false, ExportStatus::PendingApproval);
        assert_eq!(decide(&s, "alice", true, t0()), Err(ExportRefusal::OwnRequest));
        let later = t0() + Duration::hours(3);
        assert_eq!(decide(&s, "bob", true, later), Ok((ExportStatus::Approved, later + Duration::hours(24))));
        assert_eq!(decide(&s, "bob", false, later).unwrap().0, ExportStatus::Rejected);
        assert_eq!(decide(&s, "bob", true, t0() + Duration::hours(24)), Err(ExportRefusal::Expired));
        assert_eq!(decide(&state(true, ExportStatus::Ready), "bob", true, t0()), Err(ExportRefusal::NotPending));
        assert_eq!(decide(&state(false, ExportStatus::Approved), "bob", true, t0()), Err(ExportRefusal::NotPending));
    }

    #[test]
    fn unmasked_downloads_once_by_its_requester() {
        let s = state(false, ExportStatus::Approved);
        assert_eq!(download(&s, "bob", t0()), Err(ExportRefusal::NotRequester));
        assert_eq!(download(&s, "alice", t0()), Ok(ExportStatus::Downloaded));
        assert_eq!(
            download(&state(false, ExportStatus::Downloaded), "alice", t0()),
            Err(ExportRefusal::NotDownloadable)
        );
        assert_eq!(
            download(&state(false, ExportStatus::PendingApproval), "alice", t0()),
            Err(ExportRefusal::NotDownloadable)
        );
        assert_eq!(download(&state(false, ExportStatus::Rejected), "alice", t0()), Err(ExportRefusal::NotDownloadable));
        assert_eq!(download(&s, "alice", t0() + Duration::hours(25)), Err(ExportRefusal::Expired));
        assert_eq!(download(&state(true, ExportStatus::Ready), "alice", t0()), Ok(ExportStatus::Ready));
    }

    #[test]
    fn formula_cells_are_neutralised() {
        for bad in ["=1+1", "+86 138", "-5", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralize_cell(bad), format!("'{bad}"));
        }
        for ok in ["张*三", "138****5678", "", "1=1", "a-b"] {
            assert_eq!(neutralize_cell(ok), ok);
        }
    }

    #[test]
    fn statuses_round_trip() {
        for s in ["ready", "pending_approval", "approved", "rejected", "downloaded", "expired"] {
            assert_eq!(ExportStatus::parse(s).unwrap().as_str(), s);
        }
        assert!(ExportStatus::parse("done").is_none());
    }
}
