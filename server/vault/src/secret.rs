//! Plaintext that cannot leak by accident.
//!
//! An opened value is a [`Secret`]: `Debug`, `Display` and `Serialize` all produce its mask, its
//! memory is zeroised on drop, and the plaintext comes out only through [`Secret::expose`], which
//! takes a [`Purpose`]. The vault does not know who is asking; the store wraps `expose` with the
//! principal and writes the audit record (REQUIREMENTS B.13).

use crate::error::{Result, VaultError};
use serde::{Serialize, Serializer};
use zeroize::Zeroizing;

/// The mask shown when the caller supplied none.
pub const DEFAULT_MASK: &str = "****";
/// REQUIREMENTS B.13: an unmask needs a written reason of at least this many characters.
pub const MIN_REASON_CHARS: usize = 10;

/// Why plaintext is being exposed. Constructed only through the functions below, so an unmask
/// always carries a real reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purpose {
    kind: PurposeKind,
    reason: String,
}

/// The kinds of legitimate access to plaintext.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PurposeKind {
    /// A person reads the value (audited, quota-limited).
    Unmask,
    /// Computing the display mask.
    Mask,
    /// Comparing with outbound text (egress guard) or another value; plaintext never leaves.
    Compare,
    /// Re-encrypting under a newer key version.
    Rewrap,
    /// `vault verify` and similar checks.
    Verify,
    /// Delivery to the customer through an allow-listed channel (e.g. SMS to their own mobile).
    Deliver,
    /// An export approved under dual control.
    Export,
}

impl Purpose {
    /// A person's unmask, with their written reason.
    pub fn unmask(reason: &str) -> Result<Purpose> {
        let reason = reason.trim();
        if reason.chars().count() < MIN_REASON_CHARS {
            return Err(VaultError::Purpose(format!(
                "an unmask needs a reason of at least {MIN_REASON_CHARS} characters"
            )));
        }
        Ok(Purpose { kind: PurposeKind::Unmask, reason: reason.to_string() })
    }

    /// A machine purpose; `detail` names the job or request (e.g. `rewrap job 42`).
    pub fn system(kind: PurposeKind, detail: &str) -> Result<Purpose> {
        if kind == PurposeKind::Unmask {
            return Err(VaultError::Purpose("an unmask is a person's, with a reason".into()));
        }
        Ok(Purpose { kind, reason: detail.to_string() })
    }

    pub fn kind(&self) -> PurposeKind {
        self.kind
    }

    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// Plaintext PII, zeroised on drop, shown as its mask everywhere except through `expose`.
#[derive(Clone)]
pub struct Secret {
    value: Zeroizing<String>,
    mask: String,
}

impl Secret {
    pub fn new(value: String) -> Self {
        Secret { value: Zeroizing::new(value), mask: DEFAULT_MASK.to_string() }
    }

    /// Sets the mask shown instead of the value; compute it with the domain's masking rules
    /// (e.g. `siyu_domain::pii::mask_mobile(secret.expose(&mask_purpose))`).
    pub fn with_mask(mut self, mask: String) -> Self {
        self.mask = mask;
        self
    }

    pub fn mask(&self) -> &str {
        &self.mask
    }

    /// The plaintext, for a stated purpose. The caller is responsible for auditing `why`.
    pub fn expose(&self, why: &Purpose) -> &str {
        let _ = why;
        &self.value
    }

    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret({:?})", self.mask)
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.mask)
    }
}

/// Serialises the mask: a struct holding secrets renders masked by default (REQUIREMENTS B.11).
impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.mask)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints_or_serialises_plaintext() {
        let s = Secret::new("13812345678".into()).with_mask("138****5678".into());
        assert_eq!(format!("{s}"), "138****5678");
        assert_eq!(format!("{s:?}"), "Secret(\"138****5678\")");
        assert_eq!(format!("{s:#?}"), "Secret(\"138****5678\")");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"138****5678\"");
        let plain = Secret::new("张三".into());
        assert_eq!(format!("{plain} {plain:?}"), "**** Secret(\"****\")");
        let why = Purpose::unmask("customer called to confirm").unwrap();
        assert_eq!(s.expose(&why), "13812345678");
    }

    #[test]
    fn unmask_needs_a_real_reason() {
        assert!(Purpose::unmask("because").is_err());
        assert!(Purpose::unmask("          x         ").is_err());
        assert!(Purpose::unmask("核对客户身份信息以办理业务").is_ok(), "ten Chinese characters suffice");
        assert!(Purpose::system(PurposeKind::Unmask, "x").is_err());
        let p = Purpose::system(PurposeKind::Rewrap, "job 7").unwrap();
        assert_eq!((p.kind(), p.reason()), (PurposeKind::Rewrap, "job 7"));
    }
}
