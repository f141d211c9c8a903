//! A customer's address found by equality (REQUIREMENTS C.17: no string equal to a sealed value leaves). Pure: the
//! guard asks whether any candidate's keyed index is a customer's `address_idx`.
//!
//! Equality needs the same spelling on both sides, so the stored address and every candidate go through
//! [`normalize_address`]. Candidates are the substrings of the payload's segments (text between punctuation that
//! never occurs inside an address, and line breaks) of [`MIN_CHARS`] to [`MAX_CHARS`] characters that end where an
//! address can end: at the end of the segment, after a number or letter run, or after a place word (号, 室, 楼, 路…).

use crate::pii::{fold_width, is_layout};

/// Shorter candidates are not compared: an address of fewer characters (`北京`) would block ordinary text.
pub const MIN_CHARS: usize = 6;
/// The longest address accepted on input (`customer::MAX_ADDRESS_CHARS`).
pub const MAX_CHARS: usize = 200;

/// Characters that end a segment: punctuation that separates an address from the text around it.
const SEPARATORS: &[char] = &[
    '\n', '\r', '\t', ',', ';', ':', '!', '?', '"', '\'', '|', '=', '<', '>', '[', ']', '{', '}', '，', '。', '；',
    '：', '！', '？', '、', '“', '”', '‘', '’', '《', '》', '【', '】', '「', '」',
];
/// Words an address commonly ends with.
const END_MARKS: &[char] = &[
    '号', '室', '楼', '层', '座', '栋', '幢', '户', '弄', '巷', '村', '组', '院', '园', '苑', '门', '舍', '厦', '城',
    '场', '区', '道', '路', '街', '里', '坊', '府', '庄', '湾', '寓', '所', ')', '）',
];

/// The spelling an address is indexed and compared in: full-width forms folded, spaces, dashes and zero-width
/// characters removed, ASCII letters in lower case. Everything else is kept as it is.
pub fn normalize_address(s: &str) -> String {
    s.chars().map(fold_width).filter(|c| !is_layout(*c)).map(|c| c.to_ascii_lowercase()).collect()
}

/// The substrings of `payload` that could be a whole address (normalised, deduplicated).
pub fn address_candidates(payload: &str) -> Vec<String> {
    let mut out = Vec::new();
    for segment in payload.split(|c: char| SEPARATORS.contains(&fold_width(c))) {
        let cs: Vec<char> = normalize_address(segment).chars().collect();
        if cs.len() < MIN_CHARS {
            continue;
        }
        for end in MIN_CHARS..=cs.len() {
            let last = cs[end - 1];
            let alnum_end = last.is_ascii_alphanumeric() && !cs.get(end).is_some_and(|c| c.is_ascii_alphanumeric());
            if !(end == cs.len() || alnum_end || END_MARKS.contains(&last)) {
                continue;
            }
            for start in end.saturating_sub(MAX_CHARS)..=end - MIN_CHARS {
                out.push(cs[start..end].iter().collect::<String>());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_address_normalise_alike() {
        let a = normalize_address("北京市朝阳区建国路８８号 SOHO 现代城 A 座");
        assert_eq!(a, "北京市朝阳区建国路88号soho现代城a座");
        assert_eq!(normalize_address("北京市朝阳区建国路88号SOHO现代城A座"), a);
    }

    #[test]
    fn an_address_inside_a_text_is_a_candidate() {
        let addr = normalize_address("北京市朝阳区建国路88号");
        for text in [
            "请寄到北京市朝阳区建国路88号，谢谢",
            "地址：北京市 朝阳区 建国路 88 号\n电话另告",
            "{\"remark\":\"北京市朝阳区建国路88号\"}",
            "北京市朝阳区建国路８８号",
        ] {
            assert!(address_candidates(text).contains(&addr), "{text}");
        }
        // A longer address that merely starts like it is not equal to it, and a shorter one is not compared.
        assert!(address_candidates("北京市朝阳区建国路").iter().all(|c| c.chars().count() >= MIN_CHARS));
        assert!(address_candidates("北京朝阳").is_empty());
    }

    #[test]
    fn candidates_stay_bounded() {
        let text = "周末理财沙龙欢迎参加".repeat(30);
        let c = address_candidates(&text);
        assert!(c.iter().all(|x| (MIN_CHARS..=MAX_CHARS).contains(&x.chars().count())));
        assert!(c.len() < 300 * MAX_CHARS);
    }
}
