//! Marketing consent (PIPL art. 24, 44): a customer may refuse marketing on any channel, and the refusal holds
//! until the customer withdraws it. Service messages (a maturity notice the contract requires) are not marketing
//! and are not governed here. Pure: the app records and asks.

use serde::{Deserialize, Serialize};

/// The channels marketing can reach a customer on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentChannel {
    Wecom,
    Sms,
    Phone,
    Email,
    /// Letters by post.
    Post,
}

impl ConsentChannel {
    pub const ALL: [ConsentChannel; 5] = [
        ConsentChannel::Wecom,
        ConsentChannel::Sms,
        ConsentChannel::Phone,
        ConsentChannel::Email,
        ConsentChannel::Post,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConsentChannel::Wecom => "wecom",
            ConsentChannel::Sms => "sms",
            ConsentChannel::Phone => "phone",
            ConsentChannel::Email => "email",
            ConsentChannel::Post => "post",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Who told the bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentSource {
    /// The customer, to an RM or at a counter.
    Customer,
    /// The bank's CRM or core banking.
    Crm,
    /// A reply such as 退订 / TD to a marketing message.
    Unsubscribe,
}

impl ConsentSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentSource::Customer => "customer",
            ConsentSource::Crm => "crm",
            ConsentSource::Unsubscribe => "unsubscribe",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [ConsentSource::Customer, ConsentSource::Crm, ConsentSource::Unsubscribe].into_iter().find(|c| c.as_str() == s)
    }
}

/// Whether marketing may use `channel`, given the recorded refusals (channel, opted out). Nothing recorded means
/// no refusal; a refusal of every channel is recorded per channel.
pub fn marketing_allowed(recorded: &[(ConsentChannel, bool)], channel: ConsentChannel) -> bool {
    !recorded.iter().any(|(c, out)| *c == channel && *out)
}

/// Whether a customer's reply is an unsubscribe (退订 and its usual spellings), so the channel it came on is
/// refused from then on.
pub fn is_unsubscribe(reply: &str) -> bool {
    let t: String = reply.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    matches!(t.as_str(), "退订" | "TD" | "T" | "N" | "STOP" | "UNSUBSCRIBE" | "退订营销" | "取消订阅")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_holds_per_channel() {
        let rec = [(ConsentChannel::Sms, true), (ConsentChannel::Wecom, false)];
        assert!(!marketing_allowed(&rec, ConsentChannel::Sms));
        assert!(marketing_allowed(&rec, ConsentChannel::Wecom));
        assert!(marketing_allowed(&rec, ConsentChannel::Phone));
        assert!(marketing_allowed(&[], ConsentChannel::Email));
    }

    #[test]
    fn unsubscribe_replies() {
        for r in ["退订", " td ", "TD", "t", "Stop", "取消订阅"] {
            assert!(is_unsubscribe(r), "{r}");
        }
        for r in ["好的", "谢谢", "TDX", "退订了吗？"] {
            assert!(!is_unsubscribe(r), "{r}");
        }
    }

    #[test]
    fn names_round_trip() {
        for c in ConsentChannel::ALL {
            assert_eq!(ConsentChannel::parse(c.as_str()), Some(c));
        }
        assert_eq!(ConsentSource::parse("crm"), Some(ConsentSource::Crm));
        assert!(ConsentChannel::parse("fax").is_none());
    }
}
