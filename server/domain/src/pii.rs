//! Personal financial information (JR/T 0171 C2): detectors, normalisers and display masks.
//!
//! Everything here is pure so that the same rules serve the vault (blind-index normalisation),
//! the egress guard (scanning outbound text), imports (validation) and every rendering channel
//! (masking). The submodules each hold one idea:
//! - `normalize`: one canonical spelling per value, so `138 0013 8000`, `+86 13800138000` and
//!   full-width digits index and compare equal;
//! - `detect`: validity checks (GB 11643 check digit, Luhn, mobile prefixes) and `scan` of free text;
//! - `mask`: what a role without `pii.unmask` sees.

mod detect;
mod mask;
mod normalize;

pub use detect::{
    is_bank_card, is_mobile, is_resident_id, luhn_valid, redact, scan, scan_with, Finding, PiiKind, ScanConfig,
};
pub use mask::{
    aum_band, mask_address, mask_card, mask_id_number, mask_mobile, mask_name, mask_value, DEFAULT_AUM_BOUNDS_YUAN,
};
pub(crate) use normalize::{fold_width, is_layout};
pub use normalize::{normalize_digits, normalize_id_number, normalize_mobile};

#[cfg(test)]
mod tests;
