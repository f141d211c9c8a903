//! What a role without `pii.unmask` sees (JR/T 0171 §6.1.4.1; REQUIREMENTS B.11).
//!
//! Masks are computed from the plaintext but must reveal no more than the rule allows, whatever
//! the input looks like: when a value does not have the expected shape, the fallback hides more,
//! never less.

use super::detect::PiiKind;
use super::normalize::{fold_width, normalize_digits, normalize_id_number, normalize_mobile};

/// The mask for anything that does not have the shape its rule expects.
const FULL_MASK: &str = "****";

/// Mobile: first 3 + `****` + last 4 (`138****5678`). Landlines and other numbers of at least 7
/// digits get the same shape; anything shorter is hidden entirely.
pub fn mask_mobile(s: &str) -> String {
    let n = normalize_mobile(s);
    if n.len() >= 7 && n.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}****{}", &n[..3], &n[n.len() - 4..])
    } else {
        FULL_MASK.to_string()
    }
}

/// Resident ID: first character + `*` for each hidden character + last character
/// (`1****************X`). The length stays visible because it only tells 18 from legacy 15.
pub fn mask_id_number(s: &str) -> String {
    let n = normalize_id_number(s);
    if n.len() >= 8 && n.is_ascii() {
        format!("{}{}{}", &n[..1], "*".repeat(n.len() - 2), &n[n.len() - 1..])
    } else {
        FULL_MASK.to_string()
    }
}

/// Card and account numbers: `****` + last 4 (`****1234`). A fixed four stars rather than one
/// per digit, because the length hints at the issuer and adds nothing for the reader.
pub fn mask_card(s: &str) -> String {
    let n = normalize_digits(s);
    if n.len() >= 8 && n.is_ascii() {
        format!("{FULL_MASK}{}", &n[n.len() - 4..])
    } else {
        FULL_MASK.to_string()
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F)
}

/// Names: Chinese `张*` (2 characters), `张*三` (3), first + `*` × (n−2) + last for longer names
/// (so compound and minority names keep their length but not their middle); a single character
/// becomes `*`. Names without Chinese characters: first letter + `***`.
pub fn mask_name(s: &str) -> String {
    let chars: Vec<char> = s.trim().chars().collect();
    if chars.is_empty() {
        return String::new();
    }
    if chars.iter().any(|c| is_cjk(*c)) {
        return match chars.len() {
            1 => "*".to_string(),
            2 => format!("{}*", chars[0]),
            n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
        };
    }
    match chars.iter().find(|c| c.is_alphabetic()) {
        Some(c) => format!("{c}***"),
        None => FULL_MASK.to_string(),
    }
}

/// Characters that mean the address has gone below district level before a district was named.
const STREET_MARKERS: &[char] = &['镇', '乡', '街', '路', '村', '号', '弄', '巷'];
/// `区` in these words names a compound or campus below district level: reaching one first means
/// no district was named, so the fallback applies rather than showing the compound's name.
const NOT_DISTRICT: &[&str] = &["小区", "社区", "园区", "校区", "厂区", "景区", "营区", "片区", "生活区"];
/// A district token further in than this is not trusted to be one (it may be a `小区`).
const MAX_DISTRICT_PREFIX: usize = 20;
/// Without a district, at most this many leading characters are kept.
const FALLBACK_KEEP: usize = 6;

/// Addresses to district level: everything up to and including the first county-level token
/// (`区`, `县`, `旗`, but not the province-level `自治区` or `特别行政区`), then `****`
/// (`北京市朝阳区****`). When no district comes before a street-level marker or a digit, the first
/// 6 characters are kept (at most half the address, so a short address is never shown whole).
pub fn mask_address(s: &str) -> String {
    let chars: Vec<char> = s.trim().chars().collect();
    for (i, c) in chars.iter().enumerate().take(MAX_DISTRICT_PREFIX) {
        if STREET_MARKERS.contains(c) || fold_width(*c).is_ascii_digit() {
            break;
        }
        if matches!(c, '区' | '县' | '旗') {
            let prefix: String = chars[..=i].iter().collect();
            if prefix.ends_with("自治区") || prefix.ends_with("行政区") {
                continue;
            }
            if NOT_DISTRICT.iter().any(|w| prefix.ends_with(w)) {
                break;
            }
            return format!("{prefix}{FULL_MASK}");
        }
    }
    let keep = FALLBACK_KEEP.min(chars.len() / 2);
    let prefix: String = chars[..keep].iter().collect();
    format!("{prefix}{FULL_MASK}")
}

/// Default AUM band bounds in yuan: `<50K`, `50K-500K`, `500K-3M`, `3M-10M`, `>=10M`.
pub const DEFAULT_AUM_BOUNDS_YUAN: &[i64] = &[50_000, 500_000, 3_000_000, 10_000_000];

fn amount_label(yuan: i64) -> String {
    if yuan >= 1_000_000 && yuan % 100_000 == 0 {
        let (m, tenth) = (yuan / 1_000_000, (yuan % 1_000_000) / 100_000);
        if tenth == 0 {
            format!("{m}M")
        } else {
            format!("{m}.{tenth}M")
        }
    } else if yuan >= 1_000 && yuan % 1_000 == 0 {
        format!("{}K", yuan / 1_000)
    } else {
        yuan.to_string()
    }
}

/// AUM (assets under management) as a band instead of an amount. `amount_fen` is in fen (minor
/// units, as core banking delivers it); `bounds_yuan` are ascending band edges in yuan, each edge
/// belonging to the band above it. With no bounds nothing about the amount is shown.
pub fn aum_band(amount_fen: i64, bounds_yuan: &[i64]) -> String {
    let Some((&first, _)) = bounds_yuan.split_first() else {
        return FULL_MASK.to_string();
    };
    let below = |yuan: i64| amount_fen < yuan.saturating_mul(100);
    if below(first) {
        return format!("<{}", amount_label(first));
    }
    for w in bounds_yuan.windows(2) {
        if below(w[1]) {
            return format!("{}-{}", amount_label(w[0]), amount_label(w[1]));
        }
    }
    let last = bounds_yuan[bounds_yuan.len() - 1];
    format!(">={}", amount_label(last))
}

/// The mask for a detected identifier of a known kind.
pub fn mask_value(kind: PiiKind, s: &str) -> String {
    match kind {
        PiiKind::Mobile => mask_mobile(s),
        PiiKind::ResidentId => mask_id_number(s),
        PiiKind::BankCard => mask_card(s),
    }
}
