//! One-ID: which siyu customer a WeCom customer is. Pure rules; the app looks things up and stores the result.
//!
//! Automatic links, in order: the channel code's `state` names the customer (a code made for one customer carries
//! `c_` + the customer id in 22 base64url characters: WeCom allows 30); else exactly one customer has a mobile
//! found in the RM's remark, description or remark mobiles (looked up through the blind index). Anything else —
//! no match, several customers — waits in the work queue for an RM's confirmation. An RM's decision (a confirmed
//! link, or "this is no customer of ours") is never overridden by the automatic rules.

use crate::pii;
use base64::Engine as _;

/// How a link was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkMethod {
    /// The channel code's state names the customer.
    State,
    /// Exactly one customer has a mobile the RM wrote in the remark.
    RemarkMobile,
    /// An RM confirmed it.
    Confirmed,
    /// An RM removed the link: automatic linking leaves the contact alone.
    Unlinked,
}

impl LinkMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkMethod::State => "state",
            LinkMethod::RemarkMobile => "remark_mobile",
            LinkMethod::Confirmed => "confirmed",
            LinkMethod::Unlinked => "unlinked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [LinkMethod::State, LinkMethod::RemarkMobile, LinkMethod::Confirmed, LinkMethod::Unlinked]
            .into_iter()
            .find(|m| m.as_str() == s)
    }

    /// A person decided: automatic rules no longer touch the contact.
    pub fn is_manual(self) -> bool {
        matches!(self, LinkMethod::Confirmed | LinkMethod::Unlinked)
    }
}

const STATE_PREFIX: &str = "c_";

/// The `state` of a channel code made for one customer.
pub fn customer_state(customer_id: &uuid::Uuid) -> String {
    format!("{STATE_PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(customer_id.as_bytes()))
}

/// The customer a `state` names, if it names one.
pub fn customer_of_state(state: &str) -> Option<uuid::Uuid> {
    let enc = state.strip_prefix(STATE_PREFIX)?;
    if enc.len() != 22 {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(enc).ok()?;
    uuid::Uuid::from_slice(&bytes).ok()
}

/// The mainland mobiles (canonical 11 digits) in an RM's remark, description and remark mobiles, without repeats.
pub fn mobiles_in<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for t in texts {
        for f in pii::scan(t).into_iter().filter(|f| f.kind == pii::PiiKind::Mobile) {
            let m = pii::normalize_mobile(&t[f.start..f.end]);
            if !out.contains(&m) {
                out.push(m);
            }
        }
    }
    out
}

/// What automatic linking does with a contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AutoLink {
    Link {
        customer_id: String,
        method: LinkMethod,
    },
    /// Nothing to do: already decided by a person, or already linked this way.
    Keep,
    /// No single customer: the contact stays in (or goes back to) the work queue.
    Queue,
}

/// Decides the automatic link. `current`: the contact's link now (customer, method). `by_state`: customers named
/// by the states it came through (that exist). `by_mobile`: the distinct customers whose mobile was in a remark.
pub fn decide(current: Option<(&str, LinkMethod)>, by_state: &[String], by_mobile: &[String]) -> AutoLink {
    if current.is_some_and(|(_, m)| m.is_manual()) {
        return AutoLink::Keep;
    }
    let pick = |cands: &[String], method: LinkMethod| {
        let mut c: Vec<&String> = cands.iter().collect();
        c.sort();
        c.dedup();
        (c.len() == 1).then(|| (c[0].clone(), method))
    };
    let Some((customer_id, method)) =
        pick(by_state, LinkMethod::State).or_else(|| pick(by_mobile, LinkMethod::RemarkMobile))
    else {
        // An automatic link whose evidence is gone stays: the remark may just have been shortened.
        return if current.is_some() { AutoLink::Keep } else { AutoLink::Queue };
    };
    if current == Some((customer_id.as_str(), method)) {
        return AutoLink::Keep;
    }
    AutoLink::Link { customer_id, method }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_customer_state_round_trips_and_fits_wecom_s_30_characters() {
        let id = uuid::Uuid::now_v7();
        let s = customer_state(&id);
        assert!(s.len() <= 30, "{s}");
        assert_eq!(customer_of_state(&s), Some(id));
        for other in ["", "outlet-a1", "c_", "c_short", "c_!!!!!!!!!!!!!!!!!!!!!!", "x_AAAAAAAAAAAAAAAAAAAAAA"] {
            assert_eq!(customer_of_state(other), None, "{other}");
        }
    }

    #[test]
    fn mobiles_are_found_in_remarks_normalised_and_deduplicated() {
        let m = mobiles_in([
            "王先生 138-0013-8000",
            "手机 +86 13800138000；备用１３９００１３９０００",
            "订单 6222021234567890",
        ]);
        assert_eq!(m, vec!["13800138000".to_string(), "13900139000".to_string()]);
        assert!(mobiles_in(["12345678901", "no number"]).is_empty());
    }

    #[test]
    fn state_wins_then_a_single_mobile_match_else_the_queue() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            decide(None, &s(&["A"]), &s(&["B"])),
            AutoLink::Link { customer_id: "A".into(), method: LinkMethod::State }
        );
        assert_eq!(
            decide(None, &[], &s(&["B", "B"])),
            AutoLink::Link { customer_id: "B".into(), method: LinkMethod::RemarkMobile }
        );
        assert_eq!(decide(None, &[], &s(&["B", "C"])), AutoLink::Queue, "ambiguous: a person decides");
        assert_eq!(decide(None, &[], &[]), AutoLink::Queue);
        assert_eq!(decide(Some(("B", LinkMethod::RemarkMobile)), &[], &s(&["B"])), AutoLink::Keep);
        assert_eq!(decide(Some(("B", LinkMethod::RemarkMobile)), &[], &[]), AutoLink::Keep);
    }

    #[test]
    fn a_person_s_decision_is_never_overridden() {
        let a = vec!["A".to_string()];
        assert_eq!(decide(Some(("Z", LinkMethod::Confirmed)), &a, &a), AutoLink::Keep);
        assert_eq!(decide(Some(("", LinkMethod::Unlinked)), &a, &a), AutoLink::Keep);
    }
}
