//! Channel live codes (渠道活码): what a channel is, the `state` that attributes adds to it, and its stats from the
//! relations that came through it. The `state` of a channel starts with `ch_`, distinct from the `c_` codes made
//! for one customer (`wecom_link`), and fits WeCom's 30 characters.

use base64::Engine;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;

/// WeCom's limit on a contact way's `state` (characters).
pub const STATE_MAX: usize = 30;
pub const STATE_PREFIX: &str = "ch_";
/// At most this many members on one contact way (WeCom: 100).
pub const MAX_MEMBERS: usize = 100;
/// A welcome text's limit in bytes (WeCom: 4000).
pub const WELCOME_MAX_BYTES: usize = 4000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Outlet,
    Rm,
    Event,
    Campaign,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Outlet => "outlet",
            Kind::Rm => "rm",
            Kind::Event => "event",
            Kind::Campaign => "campaign",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "outlet" => Kind::Outlet,
            "rm" => Kind::Rm,
            "event" => Kind::Event,
            "campaign" => Kind::Campaign,
            _ => return None,
        })
    }
}

/// The state generated for a channel without a chosen code: `ch_` and the id's 16 bytes (25 characters).
pub fn generated_state(id: &uuid::Uuid) -> String {
    format!("{STATE_PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id.as_bytes()))
}

/// Why a chosen code cannot make a state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateError {
    Empty,
    TooLong { max: usize },
    BadCharacter,
}

/// The state of a chosen code (e.g. a campaign's `spring2026`): `ch_` + code, letters, digits, `-` and `_` only,
/// at most 30 characters in all.
pub fn state_of_code(code: &str) -> Result<String, StateError> {
    if code.is_empty() {
        return Err(StateError::Empty);
    }
    if !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(StateError::BadCharacter);
    }
    let s = format!("{STATE_PREFIX}{code}");
    if s.chars().count() > STATE_MAX {
        return Err(StateError::TooLong { max: STATE_MAX - STATE_PREFIX.len() });
    }
    Ok(s)
}

/// Whether a state is a channel's (not a customer's code, nor someone else's).
pub fn is_channel_state(state: &str) -> bool {
    state.starts_with(STATE_PREFIX)
}

/// One relation that came through a channel.
#[derive(Debug, Clone)]
pub struct Add {
    pub added_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// `active` | `half` | `deleted` | …
    pub status: String,
    /// `customer` | `member` | `transfer`
    pub delete_reason: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Totals {
    pub adds: i64,
    pub deleted_by_customer: i64,
    pub deleted_by_rm: i64,
    pub following: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Day {
    pub day: NaiveDate,
    pub adds: i64,
    pub deletions: i64,
}

/// Totals over every relation, and adds and deletions per day (UTC+8, the bank's day) from `since` on.
pub fn stats(adds: &[Add], since: NaiveDate) -> (Totals, Vec<Day>) {
    let tz = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    let mut t = Totals::default();
    let mut days: BTreeMap<NaiveDate, Day> = BTreeMap::new();
    fn day(days: &mut BTreeMap<NaiveDate, Day>, d: NaiveDate) -> &mut Day {
        days.entry(d).or_insert_with(|| Day { day: d, ..Default::default() })
    }
    for a in adds {
        t.adds += 1;
        match a.status.as_str() {
            "active" | "half" => t.following += 1,
            _ => match a.delete_reason.as_deref() {
                Some("customer") => t.deleted_by_customer += 1,
                Some("member") => t.deleted_by_rm += 1,
                _ => {}
            },
        }
        if let Some(at) = a.added_at.map(|x| x.with_timezone(&tz).date_naive()).filter(|d| *d >= since) {
            day(&mut days, at).adds += 1;
        }
        if a.status == "deleted" {
            if let Some(at) = a.deleted_at.map(|x| x.with_timezone(&tz).date_naive()).filter(|d| *d >= since) {
                day(&mut days, at).deletions += 1;
            }
        }
    }
    (t, days.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn states_are_prefixed_fit_wecom_and_differ_from_customer_codes() {
        let id = uuid::Uuid::now_v7();
        let s = generated_state(&id);
        assert!(s.starts_with("ch_") && s.chars().count() <= STATE_MAX, "{s}");
        assert_eq!(crate::wecom_link::customer_of_state(&s), None);
        assert!(is_channel_state(&s));
        assert_eq!(state_of_code("spring-2026").unwrap(), "ch_spring-2026");
        assert_eq!(state_of_code(&"x".repeat(27)).unwrap().len(), 30);
        assert_eq!(state_of_code(&"x".repeat(28)), Err(StateError::TooLong { max: 27 }));
        assert_eq!(state_of_code(""), Err(StateError::Empty));
        assert_eq!(state_of_code("春季"), Err(StateError::BadCharacter));
    }

    #[test]
    fn stats_count_by_outcome_and_by_bank_day() {
        let at = |d, h| Some(Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap());
        let add = |a, d, s: &str, r: Option<&str>| Add {
            added_at: a,
            deleted_at: d,
            status: s.into(),
            delete_reason: r.map(Into::into),
        };
        let adds = vec![
            add(at(1, 1), None, "active", None),
            // 20:00 UTC on the 1st is the 2nd in Beijing.
            add(at(1, 20), at(3, 1), "deleted", Some("customer")),
            add(at(2, 1), at(3, 2), "deleted", Some("member")),
            add(at(2, 2), None, "half", None),
        ];
        let (t, days) = stats(&adds, NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
        assert_eq!(t, Totals { adds: 4, deleted_by_customer: 1, deleted_by_rm: 1, following: 2 });
        let v: Vec<(u32, i64, i64)> =
            days.iter().map(|d| (chrono::Datelike::day(&d.day), d.adds, d.deletions)).collect();
        assert_eq!(v, vec![(1, 1, 0), (2, 3, 0), (3, 0, 2)]);
        let (_, later) = stats(&adds, NaiveDate::from_ymd_opt(2026, 11, 3).unwrap());
        assert_eq!(later.len(), 1);
    }
}
