//! The day's customer events, derived from a customer's state and holdings on that day and what was remembered
//! of the day before. Pure: the same inputs give the same events, so a replay of a day derives the same set.
//!
//! Each event has a date chosen so that one fact is one event however many days it is seen: an upcoming date
//! (maturity, open date, birthday, assessment expiry) is the event's date; a NAV drop is dated by the NAV's date;
//! an AUM change and a newly unsuitable holding by the day they were observed. No event carries an amount or any
//! personal value: AUM changes carry a direction and bands.

use crate::customer::RiskLevel;
use crate::holding::{NavHistory, ProductRisk};
use crate::pii::aum_band;
use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    AumChanged,
    HoldingMatures,
    NavDropped,
    RiskAssessmentExpiring,
    Birthday,
    OpenPeriod,
    UnsuitableHolding,
}

impl EventKind {
    pub const ALL: [EventKind; 7] = [
        EventKind::AumChanged,
        EventKind::HoldingMatures,
        EventKind::NavDropped,
        EventKind::RiskAssessmentExpiring,
        EventKind::Birthday,
        EventKind::OpenPeriod,
        EventKind::UnsuitableHolding,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::AumChanged => "aum_changed",
            EventKind::HoldingMatures => "holding_matures",
            EventKind::NavDropped => "nav_dropped",
            EventKind::RiskAssessmentExpiring => "risk_assessment_expiring",
            EventKind::Birthday => "birthday",
            EventKind::OpenPeriod => "open_period",
            EventKind::UnsuitableHolding => "unsuitable_holding",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The thresholds; every window is inclusive of both ends (today and today + N days).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rules {
    pub maturity_days: u32,
    /// A drop of this many basis points (500 = 5%) since purchase or since the previous NAV.
    pub nav_drop_bp: i64,
    pub risk_expiry_days: u32,
    /// How long an assessment is valid when the data gives no expiry.
    pub assessment_valid_months: u32,
    pub birthday_days: u32,
    pub open_days: u32,
    /// An AUM change of at least this many basis points of the previous AUM (1000 = 10%), or any change of band.
    pub aum_change_bp: i64,
    /// A NAV older than this many days before the day is stale and derives nothing.
    pub nav_stale_days: u32,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            maturity_days: 7,
            nav_drop_bp: 500,
            risk_expiry_days: 30,
            assessment_valid_months: 12,
            birthday_days: 7,
            open_days: 7,
            aum_change_bp: 1000,
            nav_stale_days: 7,
        }
    }
}

/// The customer on the day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerDay {
    pub risk_level: Option<RiskLevel>,
    pub risk_assessed_on: Option<NaiveDate>,
    /// When the bank's data gives the assessment's expiry; otherwise it is assessed + `assessment_valid_months`.
    pub risk_expires_on: Option<NaiveDate>,
    pub birth_date: Option<NaiveDate>,
    pub aum_fen: Option<i64>,
}

/// One holding on the day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HoldingDay {
    pub product_code: String,
    pub product_risk: Option<ProductRisk>,
    pub maturity_date: Option<NaiveDate>,
    pub next_open_date: Option<NaiveDate>,
    pub nav: NavHistory,
}

/// What the previous derivation remembered of the customer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrevDay {
    pub aum_fen: Option<i64>,
    /// Product codes that were already unsuitable.
    pub unsuitable: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub kind: EventKind,
    pub date: NaiveDate,
    /// The product code for holding events; empty for events about the customer.
    pub reference: String,
    /// Facts without personal data: bands, directions, product risks, percentages of product NAVs, due dates.
    pub detail: serde_json::Value,
}

fn within(day: NaiveDate, date: Option<NaiveDate>, days: u32) -> Option<NaiveDate> {
    let d = date?;
    (d >= day && d <= day.checked_add_days(Days::new(days.into()))?).then_some(d)
}

/// The next birthday on or after `day` (29 February is kept on the 28th in other years).
pub fn next_birthday(birth: NaiveDate, day: NaiveDate) -> Option<NaiveDate> {
    let on = |year: i32| {
        NaiveDate::from_ymd_opt(year, birth.month(), birth.day())
            .or_else(|| NaiveDate::from_ymd_opt(year, birth.month(), birth.day() - 1))
    };
    let this = on(day.year())?;
    if this >= day {
        Some(this)
    } else {
        on(day.year() + 1)
    }
}

/// The product codes unsuitable for the customer today: what the next day's derivation remembers.
pub fn unsuitable_now(c: &CustomerDay, holdings: &[HoldingDay]) -> BTreeSet<String> {
    holdings
        .iter()
        .filter(|h| h.product_risk.is_some_and(|r| r.exceeds(c.risk_level)))
        .map(|h| h.product_code.clone())
        .collect()
}

/// The events of `day` for one customer. `prev` is None when nothing was derived for the customer before (then
/// no AUM change can be told, and every unsuitable holding is new).
pub fn derive(
    day: NaiveDate,
    c: &CustomerDay,
    holdings: &[HoldingDay],
    prev: Option<&PrevDay>,
    rules: &Rules,
    aum_bounds_yuan: &[i64],
) -> Vec<Event> {
    let mut out = Vec::new();
    let mut push = |kind, date, reference: &str, detail| {
        out.push(Event { kind, date, reference: reference.to_string(), detail });
    };
    if let (Some(before), Some(now)) = (prev.and_then(|p| p.aum_fen), c.aum_fen) {
        let (from_band, to_band) = (aum_band(before, aum_bounds_yuan), aum_band(now, aum_bounds_yuan));
        let big = if before > 0 { (now - before).abs() * 10_000 / before >= rules.aum_change_bp } else { now > 0 };
        if now != before && (big || from_band != to_band) {
            let direction = if now > before { "up" } else { "down" };
            push(
                EventKind::AumChanged,
                day,
                "",
                serde_json::json!({"direction": direction, "from_band": from_band, "to_band": to_band}),
            );
        }
    }
    let expires = c
        .risk_expires_on
        .or_else(|| c.risk_assessed_on.and_then(|a| a.checked_add_months(Months::new(rules.assessment_valid_months))));
    if let Some(d) = within(day, expires, rules.risk_expiry_days) {
        push(
            EventKind::RiskAssessmentExpiring,
            d,
            "",
            serde_json::json!({"expires_on": d, "days_left": (d - day).num_days()}),
        );
    }
    if let Some(d) = within(day, c.birth_date.and_then(|b| next_birthday(b, day)), rules.birthday_days) {
        push(EventKind::Birthday, d, "", serde_json::json!({"days_left": (d - day).num_days()}));
    }
    let unsuitable = unsuitable_now(c, holdings);
    for h in holdings {
        let code = h.product_code.as_str();
        if let Some(d) = within(day, h.maturity_date, rules.maturity_days) {
            push(
                EventKind::HoldingMatures,
                d,
                code,
                serde_json::json!({"matures_on": d, "days_left": (d - day).num_days()}),
            );
        }
        if let Some(d) = within(day, h.next_open_date, rules.open_days) {
            push(EventKind::OpenPeriod, d, code, serde_json::json!({"opens_on": d, "days_left": (d - day).num_days()}));
        }
        if unsuitable.contains(code) && !prev.is_some_and(|p| p.unsuitable.contains(code)) {
            push(
                EventKind::UnsuitableHolding,
                day,
                code,
                serde_json::json!({"product_risk": h.product_risk.map(|r| r.as_str())}),
            );
        }
        if let Some(e) = nav_drop(day, &h.nav, rules) {
            push(EventKind::NavDropped, e.0, code, e.1);
        }
    }
    out
}

/// A NAV drop: day-on-day (against the previous NAV) by the threshold or more, or since purchase crossing the
/// threshold with this NAV (a drop that persists is told once, when it happens). Dated by the NAV's date.
fn nav_drop(day: NaiveDate, n: &NavHistory, rules: &Rules) -> Option<(NaiveDate, serde_json::Value)> {
    let (nav, date) = (n.nav?, n.nav_date?);
    if date > day || date < day.checked_sub_days(Days::new(rules.nav_stale_days.into()))? {
        return None;
    }
    let day_on_day = n.prev_nav.and_then(|p| nav.change_bp(p));
    let since_purchase = n.purchase_nav.and_then(|p| nav.change_bp(p));
    let before_since_purchase = match (n.prev_nav, n.purchase_nav) {
        (Some(p), Some(b)) => p.change_bp(b),
        _ => None,
    };
    let dod = day_on_day.is_some_and(|c| c <= -rules.nav_drop_bp);
    let crossed = since_purchase.is_some_and(|c| c <= -rules.nav_drop_bp)
        && before_since_purchase.is_none_or(|c| c > -rules.nav_drop_bp);
    (dod || crossed).then(|| {
        let pct = |bp: Option<i64>| bp.map(|b| b as f64 / 100.0);
        (
            date,
            serde_json::json!({
                "nav_date": date,
                "day_on_day_pct": pct(day_on_day),
                "since_purchase_pct": pct(since_purchase),
            }),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::holding::Nav;
    use crate::pii::DEFAULT_AUM_BOUNDS_YUAN as BOUNDS;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    const DAY: (u32, u32) = (11, 30);

    fn today() -> NaiveDate {
        d(DAY.0, DAY.1)
    }

    fn kinds(c: &CustomerDay, h: &[HoldingDay], prev: Option<&PrevDay>) -> Vec<(EventKind, NaiveDate, String)> {
        derive(today(), c, h, prev, &Rules::default(), BOUNDS)
            .into_iter()
            .map(|e| (e.kind, e.date, e.reference))
            .collect()
    }

    fn holding(code: &str) -> HoldingDay {
        HoldingDay { product_code: code.into(), ..Default::default() }
    }

    #[test]
    fn aum_changes_by_share_or_band_with_no_amount() {
        let c = |a| CustomerDay { aum_fen: Some(a), ..Default::default() };
        let prev = |a| PrevDay { aum_fen: Some(a), ..Default::default() };
        let e = derive(today(), &c(11_000_000), &[], Some(&prev(10_000_000)), &Rules::default(), BOUNDS);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].kind, EventKind::AumChanged);
        assert_eq!(e[0].detail["direction"], "up");
        assert_eq!(e[0].detail["from_band"], "50K-500K");
        assert!(!e[0].detail.to_string().contains("110000"), "no amount");
        // 9.9% up: no event; 10% down: one.
        assert!(kinds(&c(10_990_000), &[], Some(&prev(10_000_000))).is_empty());
        let down = derive(today(), &c(9_000_000), &[], Some(&prev(10_000_000)), &Rules::default(), BOUNDS);
        assert_eq!(down[0].detail["direction"], "down");
        // A small change across a band edge counts; no previous day, nothing.
        assert_eq!(kinds(&c(5_000_000), &[], Some(&prev(4_999_000))).len(), 1);
        assert!(kinds(&c(11_000_000), &[], None).is_empty());
        assert!(kinds(&c(11_000_000), &[], Some(&PrevDay::default())).is_empty());
    }

    #[test]
    fn maturity_and_open_dates_within_the_window() {
        let mut h = holding("P1");
        h.maturity_date = Some(d(12, 7));
        h.next_open_date = Some(d(11, 30));
        let e = kinds(&CustomerDay::default(), &[h.clone()], None);
        assert_eq!(
            e,
            vec![(EventKind::HoldingMatures, d(12, 7), "P1".into()), (EventKind::OpenPeriod, d(11, 30), "P1".into())]
        );
        h.maturity_date = Some(d(12, 8)); // 8 days: outside
        h.next_open_date = Some(d(11, 29)); // yesterday: past
        assert!(kinds(&CustomerDay::default(), &[h], None).is_empty());
    }

    #[test]
    fn nav_drops_day_on_day_or_once_when_crossing_since_purchase() {
        let n = |v: i64| Some(Nav(v));
        let mut h = holding("F1");
        // Day on day -5%: an event dated by the NAV.
        h.nav = NavHistory {
            nav: n(950),
            nav_date: Some(d(11, 27)),
            prev_nav: n(1000),
            prev_nav_date: Some(d(11, 26)),
            purchase_nav: n(900),
        };
        let e = derive(today(), &CustomerDay::default(), &[h.clone()], None, &Rules::default(), BOUNDS);
        assert_eq!((e[0].kind, e[0].date), (EventKind::NavDropped, d(11, 27)));
        assert_eq!(e[0].detail["day_on_day_pct"], -5.0);
        // -4.9%: none.
        h.nav.nav = n(951);
        assert!(kinds(&CustomerDay::default(), &[h.clone()], None).is_empty());
        // Since purchase: crossing -5% now is an event; already below yesterday is not told again.
        h.nav = NavHistory {
            nav: n(945),
            nav_date: Some(d(11, 30)),
            prev_nav: n(960),
            prev_nav_date: Some(d(11, 29)),
            purchase_nav: n(1000),
        };
        assert_eq!(kinds(&CustomerDay::default(), &[h.clone()], None).len(), 1);
        h.nav.prev_nav = n(949);
        assert!(kinds(&CustomerDay::default(), &[h.clone()], None).is_empty());
        // A stale NAV derives nothing.
        h.nav = NavHistory {
            nav: n(500),
            nav_date: Some(d(11, 1)),
            prev_nav: n(1000),
            prev_nav_date: Some(d(10, 31)),
            purchase_nav: n(1000),
        };
        assert!(kinds(&CustomerDay::default(), &[h], None).is_empty());
    }

    #[test]
    fn risk_assessment_expiring_after_a_year_or_the_given_expiry() {
        let c = |assessed| CustomerDay { risk_assessed_on: Some(assessed), ..Default::default() };
        assert_eq!(
            kinds(&c(d(12, 30).with_year(2025).unwrap()), &[], None),
            vec![(EventKind::RiskAssessmentExpiring, d(12, 30), String::new())]
        );
        // 31 days: outside; already expired: nothing new.
        assert!(kinds(&c(d(12, 31).with_year(2025).unwrap()), &[], None).is_empty());
        assert!(kinds(&c(d(11, 29).with_year(2025).unwrap()), &[], None).is_empty());
        let given =
            CustomerDay { risk_assessed_on: Some(d(1, 1)), risk_expires_on: Some(d(12, 10)), ..Default::default() };
        assert_eq!(kinds(&given, &[], None)[0].1, d(12, 10));
    }

    #[test]
    fn birthdays_within_n_days_including_the_year_end_and_29_february() {
        let c = |b| CustomerDay { birth_date: Some(b), ..Default::default() };
        let born = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(kinds(&c(born(1970, 12, 7)), &[], None), vec![(EventKind::Birthday, d(12, 7), String::new())]);
        assert!(kinds(&c(born(1970, 12, 8)), &[], None).is_empty());
        assert!(kinds(&c(born(1970, 11, 29)), &[], None).is_empty());
        let dec28 = d(12, 28);
        let e = derive(dec28, &c(born(1980, 1, 2)), &[], None, &Rules::default(), BOUNDS);
        assert_eq!(e[0].date, born(2027, 1, 2));
        assert_eq!(next_birthday(born(2000, 2, 29), d(2, 1)), Some(d(2, 28)));
    }

    #[test]
    fn unsuitable_holdings_are_told_when_they_become_so() {
        let mut h = holding("R4FUND");
        h.product_risk = Some(ProductRisk::R4);
        let c3 = CustomerDay { risk_level: Some(RiskLevel::C3), ..Default::default() };
        assert_eq!(kinds(&c3, &[h.clone()], None), vec![(EventKind::UnsuitableHolding, today(), "R4FUND".into())]);
        let seen = PrevDay { unsuitable: unsuitable_now(&c3, &[h.clone()]), ..Default::default() };
        assert!(kinds(&c3, &[h.clone()], Some(&seen)).is_empty(), "told once");
        let c4 = CustomerDay { risk_level: Some(RiskLevel::C4), ..Default::default() };
        assert!(kinds(&c4, &[h], None).is_empty(), "R4 suits C4");
    }

    #[test]
    fn the_same_inputs_derive_the_same_events() {
        let mut h = holding("P1");
        h.maturity_date = Some(d(12, 1));
        h.product_risk = Some(ProductRisk::R5);
        let c = CustomerDay { birth_date: Some(d(12, 2)), ..Default::default() };
        let a = derive(today(), &c, &[h.clone()], None, &Rules::default(), BOUNDS);
        assert_eq!(a, derive(today(), &c, &[h], None, &Rules::default(), BOUNDS));
        assert_eq!(a.len(), 3);
        assert!(EventKind::ALL.iter().all(|k| EventKind::parse(k.as_str()) == Some(*k)));
    }
}
