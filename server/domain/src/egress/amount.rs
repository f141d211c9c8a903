//! Amounts of money in a text (REQUIREMENTS C.18: no amount in a WeCom external-contact call). Pure.
//!
//! An amount is a number with a currency next to it (`50000元`, `5万元`, `¥1,234.56`, `RMB 10000`, `人民币3万`,
//! `五十万元`), or an Arabic number scaled by 万 or 亿 and not counting something (`资产50万以上` is an amount,
//! `3万人` is not). Numbers without either pass: dates, times, percentages, counts (`3人`), product codes
//! (`DEP-1Y`), `1.1元旦` (New Year's Day), `三元桥` (a place), `千万别错过` (an adverb).

use crate::pii::fold_width;

/// Currencies written before a number, matched case-insensitively on ASCII.
const PREFIXES: &[&str] =
    &["人民币", "¥", "￥", "rmb", "cny", "usd", "hkd", "us$", "hk$", "$", "€", "£", "美元", "港币"];
/// Currencies written after a number (and its scale).
const SUFFIXES: &[&str] =
    &["人民币", "元", "块", "圆", "美元", "美金", "港元", "港币", "欧元", "日元", "英镑", "rmb", "cny", "usd", "hkd"];
/// Scales between a number and its currency, longest first.
const SCALES: &[&str] = &["千万", "百万", "十万", "万", "亿", "千", "百", "k", "w"];
/// What follows 元 when it is not money: 元旦 (New Year's Day), 元宵 (the Lantern Festival).
const NOT_YUAN: &[char] = &['旦', '宵'];
/// Counting words after `N万`: a count of people, times, copies… is not an amount.
const COUNTERS: &[char] = &[
    '人', '次', '份', '个', '户', '名', '位', '家', '件', '张', '条', '步', '字', '册', '台', '辆', '吨', '斤', '米',
    '里', '平', '亩', '株', '只', '头', '场', '票', '篇', '页', '部', '本', '套', '盒', '箱', '瓶', '杯', '粉', '赞',
    '阅',
];
const CN_DIGITS: &str = "零〇一二两三四五六七八九十百千万亿";
const CN_SCALES: &str = "十百千万亿";

fn starts_with_ci(cs: &[char], at: usize, word: &str) -> bool {
    let mut i = at;
    for w in word.chars() {
        match cs.get(i) {
            Some(c) if c.to_ascii_lowercase() == w => i += 1,
            _ => return false,
        }
    }
    true
}

fn ends_with_ci(cs: &[char], end: usize, word: &str) -> bool {
    let n = word.chars().count();
    end >= n && starts_with_ci(cs, end - n, word)
}

fn skip_spaces(cs: &[char], mut i: usize) -> usize {
    while i < cs.len() && cs[i] == ' ' {
        i += 1;
    }
    i
}

/// A currency word ending at `end` (spaces allowed in between), and where it starts.
fn prefix_before(cs: &[char], end: usize) -> Option<usize> {
    let mut e = end;
    while e > 0 && cs[e - 1] == ' ' && end - e < 2 {
        e -= 1;
    }
    PREFIXES.iter().find(|p| ends_with_ci(cs, e, p)).map(|p| e - p.chars().count())
}

/// A currency word starting at `at` (one space allowed before it), and where it ends.
fn suffix_at(cs: &[char], at: usize) -> Option<usize> {
    let i = skip_spaces(cs, at).min(at + 1);
    let s = SUFFIXES.iter().find(|s| starts_with_ci(cs, i, s))?;
    let end = i + s.chars().count();
    if *s == "元" && cs.get(end).is_some_and(|c| NOT_YUAN.contains(c)) {
        return None;
    }
    // `RMB`/`USD` glued to a following letter is a word, not a currency (`rmbx`).
    if s.is_ascii() && cs.get(end).is_some_and(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    Some(end)
}

/// The end of an Arabic number starting at `i`: digits, `,` before exactly three digits, one decimal part.
fn arabic_end(cs: &[char], mut i: usize) -> usize {
    let digit = |k: usize| cs.get(k).is_some_and(|c| c.is_ascii_digit());
    while digit(i) {
        i += 1;
        if cs.get(i) == Some(&',') && (1..=3).all(|k| digit(i + k)) && !digit(i + 4) {
            i += 1;
        }
    }
    if cs.get(i) == Some(&'.') && digit(i + 1) {
        i += 1;
        while digit(i) {
            i += 1;
        }
    }
    i
}

/// The span (in characters) of the first amount in `cs`.
fn find_span(cs: &[char]) -> Option<(usize, usize)> {
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        // A digit after a letter or a dash is inside a code (`R2`, `DEP-1Y`), unless the letters are a currency.
        let arabic = c.is_ascii_digit()
            && (i == 0
                || !(cs[i - 1].is_ascii_alphanumeric() || matches!(cs[i - 1], '-' | '.' | ','))
                || (cs[i - 1].is_ascii_alphabetic() && prefix_before(cs, i).is_some()));
        let chinese = CN_DIGITS.contains(c) && (i == 0 || !CN_DIGITS.contains(cs[i - 1]));
        if !(arabic || chinese) {
            i += 1;
            continue;
        }
        let (start, mut end) = (i, i);
        if arabic {
            end = arabic_end(cs, i);
            // A number glued to letters or a dash is a code (`DEP-1Y`, `R2`, `1Y`), not money.
            if cs.get(end).is_some_and(|c| c.is_ascii_alphabetic() && !matches!(c, 'k' | 'K' | 'w' | 'W'))
                || cs.get(end) == Some(&'-')
            {
                i = end.max(i + 1);
                continue;
            }
        } else {
            while end < cs.len() && CN_DIGITS.contains(cs[end]) {
                end += 1;
            }
        }
        let prefix = prefix_before(cs, start);
        let scale_at = skip_spaces(cs, end).min(end + 1);
        let scale = SCALES.iter().find(|s| starts_with_ci(cs, scale_at, s) && (arabic || !s.is_ascii()));
        let after_scale = scale.map(|s| scale_at + s.chars().count()).unwrap_or(end);
        let suffix = suffix_at(cs, after_scale);
        let found = if arabic {
            let big = scale.is_some_and(|s| matches!(*s, "千万" | "百万" | "十万" | "万" | "亿" | "w"));
            let counted = {
                let mut k = after_scale;
                while cs.get(k).is_some_and(|c| matches!(c, '多' | '余' | '来' | ' ')) {
                    k += 1;
                }
                cs.get(k).is_some_and(|c| COUNTERS.contains(c))
            };
            prefix.is_some() || suffix.is_some() || (big && !counted)
        } else {
            // Chinese numerals need a currency, and a scale or two characters: 三元桥 and 一元复始 pass.
            let run: String = cs[start..end].iter().collect();
            let scaled = run.chars().any(|c| CN_SCALES.contains(c)) || run.chars().count() >= 2;
            (suffix.is_some() && scaled) || prefix.is_some_and(|p| cs[p..start].iter().collect::<String>() == "人民币")
        };
        if found {
            let from = prefix.unwrap_or(start);
            let to = suffix.unwrap_or(after_scale);
            return Some((from, to));
        }
        i = end.max(i + 1);
    }
    None
}

/// The first amount of money in `text`, as a masked sample (digits replaced by `*`: `¥*,***.**`, `*万元`).
pub fn find_amount(text: &str) -> Option<String> {
    let cs: Vec<char> = text.chars().map(fold_width).map(|c| if c == '\u{3000}' { ' ' } else { c }).collect();
    let (from, to) = find_span(&cs)?;
    let hidden = |c: char| c.is_ascii_digit() || (CN_DIGITS.contains(c) && !CN_SCALES.contains(c));
    Some(cs[from..to].iter().map(|c| if hidden(*c) { '*' } else { *c }).collect())
}

#[cfg(test)]
mod tests {
    use super::find_amount;

    #[test]
    fn amounts_are_found_with_a_masked_sample() {
        for (text, sample) in [
            ("存入50000元", "*****元"),
            ("起存5万元", "*万元"),
            ("金额¥1,234.56整", "¥*,***.**"),
            ("RMB 10000 到账", "RMB *****"),
            ("rmb10000", "rmb*****"),
            ("人民币3万", "人民币*万"),
            ("资产50万以上客户", "**万"),
            ("额度 2.5 亿", "*.* 亿"),
            ("五十万元理财", "*十万元"),
            ("人民币三万", "人民币*万"),
            ("收益 1200 块", "**** 块"),
            ("￥８８８", "￥***"),
            ("USD 300", "USD ***"),
            ("3千元起", "*千元"),
            ("10w", "**w"),
        ] {
            assert_eq!(find_amount(text).as_deref(), Some(sample), "{text}");
        }
    }

    #[test]
    fn near_misses_pass() {
        for text in [
            "2026年12月1日 10:30 见",
            "2026-12-01",
            "活动限3人参加",
            "名额 3万人",
            "已有10万多人参加",
            "产品代码 DEP-1Y",
            "风险等级 R2 / C3",
            "年化3.2%",
            "第1期，共12期",
            "1.1元旦快乐",
            "元宵节 2.24",
            "三元桥支行",
            "一元复始",
            "千万别错过",
            "订单号 12345",
            "VIP 客户",
            "单元 3-2-501",
        ] {
            assert_eq!(find_amount(text), None, "{text}");
        }
    }
}
