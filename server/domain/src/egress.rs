//! The egress rules: what may never leave the bank in a message, a remark, a tag or a file. Pure: the caller
//! (one guard every connector calls) supplies the customer-name lookup and records refusals.

use crate::pii::{self, PiiKind, ScanConfig};
use serde::{Deserialize, Serialize};

mod address;
mod amount;

pub use address::{address_candidates, normalize_address};
pub use amount::find_amount;

/// Where a payload is going.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// WeCom external-contact API calls (every WeCom call siyu makes): remarks, tags, descriptions, welcome and
    /// mass messages, moments. They leave the bank, so they carry no amount either (REQUIREMENTS C.18).
    Wecom,
    /// The bank's SMS gateway.
    Sms,
    Mail,
    /// Files written to an outbound folder.
    OutboundFile,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Wecom => "wecom",
            Channel::Sms => "sms",
            Channel::Mail => "mail",
            Channel::OutboundFile => "outbound_file",
        }
    }

    /// Whether amounts of money are refused on this channel.
    pub fn blocks_amounts(self) -> bool {
        self == Channel::Wecom
    }
}

/// The exception of one call, configured explicitly by the bank (`egress.allow_sms_own_mobile`) and passed by the
/// caller that knows the recipient: never a blanket permission for a kind of data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Allow<'a> {
    /// An SMS to this mobile (normalised, `pii::normalize_mobile`) may carry this one mobile number: the customer's
    /// own, through the bank's gateway. Any other mobile in the text is still refused, and so is this one on every
    /// other channel.
    pub sms_recipient_mobile: Option<&'a str>,
}

/// What the guard scans for: cards of 13–19 digits (REQUIREMENTS C.17; wider than `pii::scan`'s default 16–19,
/// because a payload leaving the bank is worth a few more false positives), legacy IDs and mobiles.
pub const SCAN: ScanConfig = ScanConfig { card_min_len: 13, card_max_len: 19, legacy_id: true, mobile: true };

/// Why a payload is refused, with a masked sample of what was found (never the value itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// `resident_id`, `bank_card`, `mobile`, `amount`, `customer_name`, `customer_address` or `customer_no`.
    pub found: &'static str,
    pub masked_sample: String,
}

fn kind_name(k: PiiKind) -> &'static str {
    match k {
        PiiKind::ResidentId => "resident_id",
        PiiKind::BankCard => "bank_card",
        PiiKind::Mobile => "mobile",
    }
}

/// Refuses a payload holding an ID number, a bank card number or a mobile number (but the one `allow` names, on
/// the SMS channel), or an amount on a channel that [blocks amounts](Channel::blocks_amounts).
pub fn check_identifiers(payload: &str, channel: Channel, allow: Allow<'_>) -> Result<(), Refusal> {
    for f in pii::scan_with(payload, &SCAN) {
        let raw = &payload[f.start..f.end];
        if f.kind == PiiKind::Mobile
            && channel == Channel::Sms
            && allow.sms_recipient_mobile.is_some_and(|m| m == pii::normalize_mobile(raw))
        {
            continue;
        }
        let digits = pii::normalize_digits(raw);
        return Err(Refusal { found: kind_name(f.kind), masked_sample: pii::mask_value(f.kind, &digits) });
    }
    if channel.blocks_amounts() {
        if let Some(sample) = find_amount(payload) {
            return Err(Refusal { found: "amount", masked_sample: sample });
        }
    }
    Ok(())
}

/// Every run of 6 to 32 ASCII letters and digits (after folding full-width forms): the strings that could be a
/// customer number, compared through its keyed index. Customer numbers are stored trimmed, as the bank gives them.
pub fn customer_no_candidates(payload: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut run = String::new();
    for c in payload.chars().map(pii::fold_width).chain(std::iter::once(' ')) {
        if c.is_ascii_alphanumeric() {
            run.push(c);
        } else {
            if (6..=32).contains(&run.len()) && run.bytes().any(|b| b.is_ascii_digit()) {
                out.push(std::mem::take(&mut run));
            }
            run.clear();
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A name as it is indexed: trimmed, inner whitespace removed.
pub fn normalize_name(name: &str) -> String {
    name.chars().filter(|c| !c.is_whitespace()).collect()
}

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2A6DF)
}

/// Every run of 2–4 Chinese characters in the payload: the strings that could be a customer's name. The guard
/// asks whether any of them is one (through the names' keyed index), so names are found without decrypting.
pub fn name_candidates(payload: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = payload.chars().filter(|c| !c.is_whitespace()).collect();
    let mut i = 0;
    while i < chars.len() {
        if !is_han(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_han(chars[i]) {
            i += 1;
        }
        let run = &chars[start..i];
        for len in 2..=4 {
            for w in run.windows(len) {
                out.push(w.iter().collect::<String>());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Keys of a WeCom API body whose values are identifiers WeCom issued or the bank's own staff ids (members,
/// customers' external_userids, codes, cursors, tags, messages): never text a person typed, so never scanned. A
/// WeCom id may hold a digit run that passes as a card number, and a bank may use employees' mobiles as member ids.
const WECOM_ID_KEYS: &[&str] = &[
    "userid",
    "external_userid",
    "handover_userid",
    "takeover_userid",
    "userid_list",
    "user_list",
    "sender",
    "owner",
    "unionid",
    "openid",
    "pending_id",
    "welcome_code",
    "config_id",
    "msgid",
    "moment_id",
    "jobid",
    "chat_id",
    "chat_id_list",
    "cursor",
    "tag_id",
    "group_id",
    "add_tag",
    "remove_tag",
    "tag_list",
    "id",
    "media_id",
    "pic_media_id",
    "thumb_media_id",
    "appid",
    "department_list",
    "party",
    "user",
];

/// The text of a WeCom API body the guard must read: every string and number of the JSON except the values of
/// identifier keys ([`WECOM_ID_KEYS`]), one per line. A body that is not JSON is read whole.
pub fn wecom_free_text(payload: &str) -> String {
    fn walk(v: &serde_json::Value, out: &mut String) {
        match v {
            serde_json::Value::String(s) => {
                out.push_str(s);
                out.push('\n');
            }
            serde_json::Value::Number(n) => {
                out.push_str(&n.to_string());
                out.push('\n');
            }
            serde_json::Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    if !WECOM_ID_KEYS.contains(&k.as_str()) {
                        walk(v, out);
                    }
                }
            }
            serde_json::Value::Bool(_) | serde_json::Value::Null => {}
        }
    }
    match serde_json::from_str::<serde_json::Value>(payload) {
        Ok(v) => {
            let mut out = String::new();
            walk(&v, &mut out);
            out
        }
        Err(_) => payload.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wecom_ids_are_not_read_as_personal_data_but_every_typed_text_is() {
        // A WeCom id with a Luhn-valid run (4111111111111111) and a member id that is a mobile: not customer data.
        let body = r#"{"userid":"13912345678","external_userid":"wm4111111111111111xyz","remark":"VIP 客户",
                       "add_tag":["et4111111111111111"],"text":{"content":"周末沙龙"},"state":"ch_13800138000"}"#;
        let text = wecom_free_text(body);
        assert!(check_identifiers(&text, Channel::Wecom, Allow::default()).unwrap_err().masked_sample == "138****8000");
        assert!(!text.contains("wm41111") && !text.contains("13912345678") && !text.contains("et4111"));
        assert!(text.contains("VIP 客户") && text.contains("周末沙龙"));
        // Free text anywhere else, numbers included, is still read; a body that is not JSON is read whole.
        let r = check_identifiers(&wecom_free_text(r#"{"description":13912345678}"#), Channel::Wecom, Allow::default());
        assert_eq!(r.unwrap_err().found, "mobile");
        assert_eq!(wecom_free_text("not json 13912345678"), "not json 13912345678");
    }

    #[test]
    fn identifiers_are_refused_with_a_masked_sample() {
        let r = check_identifiers("请联系 138 0013 8000 办理", Channel::Wecom, Allow::default()).unwrap_err();
        assert_eq!((r.found, r.masked_sample.as_str()), ("mobile", "138****8000"));
        let r = check_identifiers("身份证11010519491231002X", Channel::Mail, Allow::default()).unwrap_err();
        assert_eq!(r.found, "resident_id");
        assert!(!r.masked_sample.contains("0519491231"));
        let r = check_identifiers("卡号 6222 0212 3456 7894 到期", Channel::Wecom, Allow::default());
        assert_eq!(r.unwrap_err().found, "bank_card");
    }

    #[test]
    fn near_misses_and_allowed_cases_pass() {
        for ok in ["订单号 12345", "110105194912310021", "23800138000", "6222021234567895", "理财产品年化 3.2%"]
        {
            assert!(check_identifiers(ok, Channel::Wecom, Allow::default()).is_ok(), "{ok}");
        }
        let allow = Allow { sms_recipient_mobile: Some("13800138000") };
        assert!(check_identifiers("验证 138 0013 8000", Channel::Sms, allow).is_ok());
        assert!(check_identifiers("验证 13800138000", Channel::Wecom, allow).is_err());
        assert!(check_identifiers("验证 13800138000", Channel::Mail, allow).is_err());
        assert!(check_identifiers("验证 13800138000", Channel::Sms, Allow::default()).is_err());
    }

    #[test]
    fn the_own_mobile_exception_lets_nothing_else_through() {
        let allow = Allow { sms_recipient_mobile: Some("13800138000") };
        let r = check_identifiers("本机 13800138000，另请联系 13912345678", Channel::Sms, allow).unwrap_err();
        assert_eq!((r.found, r.masked_sample.as_str()), ("mobile", "139****5678"));
        let r = check_identifiers("13800138000 身份证11010519491231002X", Channel::Sms, allow).unwrap_err();
        assert_eq!(r.found, "resident_id");
        let r = check_identifiers("13800138000 卡 6222 0212 3456 7894", Channel::Sms, allow).unwrap_err();
        assert_eq!(r.found, "bank_card");
    }

    #[test]
    fn cards_of_13_to_19_digits_are_refused() {
        // 13 digits, Luhn-valid (C.17 speaks of 13–19), and off by one.
        assert_eq!(
            check_identifiers("卡 4222222222222", Channel::Mail, Allow::default()).unwrap_err().found,
            "bank_card"
        );
        assert!(check_identifiers("单 4222222222223", Channel::Mail, Allow::default()).is_ok());
        assert!(check_identifiers("单 422222222222", Channel::Mail, Allow::default()).is_ok());
    }

    #[test]
    fn amounts_are_refused_on_wecom_only() {
        let r = check_identifiers(&wecom_free_text(r#"{"remark":"资产50万以上"}"#), Channel::Wecom, Allow::default());
        assert_eq!(r.unwrap_err(), Refusal { found: "amount", masked_sample: "**万".into() });
        for text in ["起存5万元", "¥1,234.56", "RMB 10000", "人民币3万", "50000元"] {
            assert_eq!(
                check_identifiers(text, Channel::Wecom, Allow::default()).unwrap_err().found,
                "amount",
                "{text}"
            );
            assert!(check_identifiers(text, Channel::Mail, Allow::default()).is_ok(), "{text}");
        }
        for text in ["12月1日 10:30 沙龙", "限3人", "产品 DEP-1Y", "年化3.2%"] {
            assert!(check_identifiers(text, Channel::Wecom, Allow::default()).is_ok(), "{text}");
        }
    }

    #[test]
    fn customer_number_candidates_are_alphanumeric_runs_with_a_digit() {
        let c = customer_no_candidates("客户号6200000001，订单 AB12345 与 abcdefgh 及 12345");
        assert_eq!(c, vec!["6200000001".to_string(), "AB12345".to_string()]);
        assert_eq!(customer_no_candidates("６２００００００01"), vec!["6200000001".to_string()]);
    }

    #[test]
    fn name_candidates_cover_every_short_run() {
        let c = name_candidates("您好欧阳 明华，产品到期");
        assert!(c.contains(&"欧阳明华".to_string()));
        assert!(c.contains(&"您好".to_string()));
        assert!(!c.iter().any(|x| x.chars().count() > 4 || x.chars().count() < 2));
        assert!(name_candidates("hello 1234").is_empty());
    }
}
