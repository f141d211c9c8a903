//! Is this a resident ID, a bank card or a mobile number, and where are they in a text?
//!
//! The egress guard blocks what `scan` finds, so near-misses (bad check digit, impossible birth
//! date, wrong length, a `2` after the leading `1` of a mobile) must not match: the checksums are
//! what keep false positives on order numbers and amounts rare.

use super::mask::mask_value;
use super::normalize::{fold_width, is_layout, normalize_digits, normalize_id_number, normalize_mobile};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The kinds of identifier the detectors know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    /// Mainland resident identity card number (GB 11643), 18 or legacy 15 characters.
    ResidentId,
    /// Bank card number (16–19 digits by default, Luhn).
    BankCard,
    /// Mainland mobile number (`1[3-9]` + 9 digits).
    Mobile,
}

impl PiiKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PiiKind::ResidentId => "resident_id",
            PiiKind::BankCard => "bank_card",
            PiiKind::Mobile => "mobile",
        }
    }
}

/// One identifier found in a text: `start..end` are byte offsets into the text that was scanned,
/// so the caller can slice it, mask it or report a masked sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: PiiKind,
    pub start: usize,
    pub end: usize,
}

/// What `scan_with` looks for. The default follows the issue: cards of 16–19 digits, legacy
/// 15-digit IDs and mobiles all detected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanConfig {
    pub card_min_len: usize,
    pub card_max_len: usize,
    pub legacy_id: bool,
    pub mobile: bool,
}

impl Default for ScanConfig {
    fn default() -> Self {
        Self { card_min_len: 16, card_max_len: 19, legacy_id: true, mobile: true }
    }
}

/// ISO 7064 MOD 11-2 as GB 11643 writes it: weights 2^(17-i) mod 11 and the check table.
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// The longest candidate `scan` assembles from digit groups; longer runs cannot be any kind.
const MAX_CANDIDATE: usize = 19;
/// Up to this many layout characters may separate digit groups of one number (`138 - 0013`).
const MAX_GAP: usize = 3;

fn num(b: &[u8]) -> u32 {
    b.iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
}

fn date_ok(year: u32, month: u32, day: u32) -> bool {
    i32::try_from(year).ok().and_then(|y| NaiveDate::from_ymd_opt(y, month, day)).is_some()
}

/// `s` already normalised (ASCII, upper-case X).
fn resident_id_canonical(s: &str, legacy: bool) -> bool {
    let b = s.as_bytes();
    match b.len() {
        18 => {
            if !b[..17].iter().all(u8::is_ascii_digit) {
                return false;
            }
            let sum: u32 = b[..17].iter().zip(ID_WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
            if ID_CHECK[(sum % 11) as usize] != b[17] {
                return false;
            }
            let year = num(&b[6..10]);
            (1900..=2099).contains(&year) && date_ok(year, num(&b[10..12]), num(&b[12..14]))
        }
        // Legacy cards (before 1999) carry a two-digit 19YY year and no check digit.
        15 if legacy => {
            b.iter().all(u8::is_ascii_digit) && date_ok(1900 + num(&b[6..8]), num(&b[8..10]), num(&b[10..12]))
        }
        _ => false,
    }
}

/// A mainland resident ID number (18 characters with a valid check digit and birth date, or the
/// legacy 15 digits with a valid YYMMDD), after normalisation.
pub fn is_resident_id(s: &str) -> bool {
    resident_id_canonical(&normalize_id_number(s), true)
}

/// The Luhn (mod 10) check over ASCII digits; anything else is not valid.
pub fn luhn_valid(digits: &str) -> bool {
    let b = digits.as_bytes();
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = b
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let v = u32::from(d - b'0');
            if i % 2 == 1 {
                if v * 2 > 9 {
                    v * 2 - 9
                } else {
                    v * 2
                }
            } else {
                v
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A bank card number: 16–19 digits after normalisation, Luhn-valid.
pub fn is_bank_card(s: &str) -> bool {
    let d = normalize_digits(s);
    (16..=19).contains(&d.len()) && luhn_valid(&d)
}

fn mobile_canonical(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && b.iter().all(u8::is_ascii_digit)
}

/// A mainland mobile number (`1[3-9]` and 9 more digits), after stripping a `+86`/`0086` prefix,
/// spaces, dashes and full-width forms.
pub fn is_mobile(s: &str) -> bool {
    mobile_canonical(&normalize_mobile(s))
}

/// What a candidate assembled by `scan` is, most sensitive kind first: an 18-digit string that is
/// both a valid ID and Luhn-valid is reported as an ID.
fn classify(cand: &str, cfg: &ScanConfig) -> Option<PiiKind> {
    if resident_id_canonical(cand, false) {
        return Some(PiiKind::ResidentId);
    }
    // A glued `x` after a card or mobile must not hide it from the guard.
    if let Some(digits) = cand.strip_suffix('X') {
        return classify(digits, cfg);
    }
    if (cfg.card_min_len..=cfg.card_max_len).contains(&cand.len()) && luhn_valid(cand) {
        return Some(PiiKind::BankCard);
    }
    if cfg.mobile && mobile_canonical(&normalize_mobile(cand)) {
        return Some(PiiKind::Mobile);
    }
    if cfg.legacy_id && resident_id_canonical(cand, true) {
        return Some(PiiKind::ResidentId);
    }
    None
}

/// A maximal group of digits (ASCII or full-width), possibly closed by an ID check `X`.
struct Group {
    start: usize,
    end: usize,
    text: String,
}

/// Finds resident IDs, bank cards and mobiles in free text with the default configuration.
pub fn scan(text: &str) -> Vec<Finding> {
    scan_with(text, &ScanConfig::default())
}

/// Finds identifiers in free text. A number is a run of digit groups bounded by non-digits;
/// groups separated by up to three spaces/dashes/zero-width characters are tried joined
/// (`138 0013 8000`), longest first, so spacing does not hide a number and a stray short number
/// next to a mobile (`订单 12 13800138000`) does not hide it either.
pub fn scan_with(text: &str, cfg: &ScanConfig) -> Vec<Finding> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let byte_at = |i: usize| chars.get(i).map_or(text.len(), |c| c.0);
    let is_digit = |i: usize| chars.get(i).is_some_and(|c| fold_width(c.1).is_ascii_digit());
    let mut out = Vec::new();
    let mut run: Vec<Group> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !is_digit(i) {
            i += 1;
            continue;
        }
        let start = byte_at(i);
        let mut t = String::new();
        while is_digit(i) {
            t.push(fold_width(chars[i].1));
            i += 1;
        }
        let mut closed = false;
        if let Some(&(_, c)) = chars.get(i) {
            let after_alnum = chars.get(i + 1).is_some_and(|c| fold_width(c.1).is_ascii_alphanumeric());
            if matches!(fold_width(c), 'X' | 'x') && !after_alnum {
                t.push('X');
                i += 1;
                closed = true;
            }
        }
        run.push(Group { start, end: byte_at(i), text: t });
        // Does the number go on after a short gap of layout characters?
        let mut gap = 0;
        while gap < MAX_GAP && chars.get(i + gap).is_some_and(|c| is_layout(c.1)) {
            gap += 1;
        }
        if !closed && gap > 0 && is_digit(i + gap) {
            i += gap;
        } else {
            flush(text, &run, cfg, &mut out);
            run.clear();
        }
    }
    out
}

/// Classifies the groups of one run, greedily taking the longest join that is an identifier.
fn flush(text: &str, run: &[Group], cfg: &ScanConfig, out: &mut Vec<Finding>) {
    let mut a = 0;
    while a < run.len() {
        let mut cands: Vec<(usize, String)> = Vec::new();
        let mut joined = String::new();
        for (b, g) in run.iter().enumerate().skip(a) {
            joined.push_str(&g.text);
            if joined.len() > MAX_CANDIDATE {
                break;
            }
            cands.push((b, joined.clone()));
        }
        let hit = cands.iter().rev().find_map(|(b, c)| classify(c, cfg).map(|k| (*b, k)));
        match hit {
            Some((b, kind)) => {
                let mut start = run[a].start;
                // Include a `+` of `+86` so a redaction does not leave it dangling.
                if kind == PiiKind::Mobile {
                    if let Some(p) = text[..start].chars().next_back().filter(|c| fold_width(*c) == '+') {
                        start -= p.len_utf8();
                    }
                }
                out.push(Finding { kind, start, end: run[b].end });
                a = b + 1;
            }
            None => a += 1,
        }
    }
}

/// The text with every finding replaced by its display mask: for log lines, error messages and
/// samples in audit records, where a raw identifier must never appear.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for f in scan(text) {
        out.push_str(&text[last..f.start]);
        out.push_str(&mask_value(f.kind, &text[f.start..f.end]));
        last = f.end;
    }
    out.push_str(&text[last..]);
    out
}
