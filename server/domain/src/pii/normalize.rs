//! One canonical spelling per value.
//!
//! Blind indexes are exact-match: if two spellings of one mobile normalised differently, a search
//! would silently miss the customer. So every path that indexes, searches or compares goes through
//! these functions, and they are deliberately forgiving about layout (spaces, dashes, full-width
//! forms, zero-width characters) while never changing the digits themselves.

/// Full-width ASCII forms (U+FF01–U+FF5E) map to ASCII at a fixed offset; Chinese input methods
/// produce them for digits, `X` and `+`.
pub(crate) fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Characters people (or evasive senders) put between digit groups without changing the number.
pub(crate) fn is_layout(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE63}' | '\u{FF0D}'
                | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}'
        )
}

/// Full-width → ASCII, then spaces, dashes and zero-width characters removed.
/// Letters and other punctuation are kept: this is not a validator.
pub fn normalize_digits(s: &str) -> String {
    // Stored values from core banking are already canonical; skip the per-char pass for them,
    // since every seal of an indexed field normalises first.
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return s.to_string();
    }
    s.chars().map(fold_width).filter(|c| !is_layout(*c)).collect()
}

/// Canonical resident ID number: digits normalised and the check character `x` upper-cased,
/// because GB 11643 writes the check value 10 as `X` and people type either case.
pub fn normalize_id_number(s: &str) -> String {
    let mut n = normalize_digits(s);
    n.make_ascii_uppercase();
    n
}

/// Canonical mainland mobile: 11 digits without country prefix.
///
/// `+86`, `86`, `0086` and `(+86)` are stripped only when what remains is exactly 11 digits, so an
/// unrelated 13-digit number starting with 86 is left as it is (and then fails `is_mobile`).
pub fn normalize_mobile(s: &str) -> String {
    if s.len() == 11 && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.to_string();
    }
    let d: String = normalize_digits(s).chars().filter(|c| !matches!(c, '(' | ')' | '+')).collect();
    if !d.bytes().all(|b| b.is_ascii_digit()) {
        return d;
    }
    match d.len() {
        13 if d.starts_with("86") => d[2..].to_string(),
        15 if d.starts_with("0086") => d[4..].to_string(),
        _ => d,
    }
}
