//! A customer's holding of a product (deposit, wealth management, fund, …): what a valid incoming holding is,
//! the product's risk against the customer's, and how a new net value (NAV) moves the remembered ones.

use crate::customer::{Rejection, RiskLevel};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A holding as a bank system sends it, before validation.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HoldingInput {
    pub customer_no: String,
    pub product_code: String,
    pub product_name: String,
    /// deposit, wealth_management, fund, insurance, precious_metal or other (Chinese names accepted).
    pub product_type: String,
    /// R1…R5.
    #[serde(default)]
    pub product_risk: Option<String>,
    /// The holding's amount in fen (0.01 CNY).
    pub amount_fen: i64,
    #[serde(default)]
    pub start_date: Option<String>,
    #[serde(default)]
    pub maturity_date: Option<String>,
    #[serde(default)]
    pub next_open_date: Option<String>,
    /// Net value per unit, a decimal such as `1.0234`.
    #[serde(default)]
    pub nav: Option<String>,
    #[serde(default)]
    pub nav_date: Option<String>,
}

/// A holding that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidHolding {
    pub customer_no: String,
    pub product_code: String,
    pub product_name: String,
    pub product_type: ProductType,
    pub product_risk: Option<ProductRisk>,
    pub amount_fen: i64,
    pub start_date: Option<NaiveDate>,
    pub maturity_date: Option<NaiveDate>,
    pub next_open_date: Option<NaiveDate>,
    pub nav: Option<Nav>,
    pub nav_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductType {
    Deposit,
    WealthManagement,
    Fund,
    Insurance,
    PreciousMetal,
    Other,
}

impl ProductType {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim().to_lowercase().as_str() {
            "deposit" | "存款" => ProductType::Deposit,
            "wealth_management" | "理财" => ProductType::WealthManagement,
            "fund" | "基金" => ProductType::Fund,
            "insurance" | "保险" => ProductType::Insurance,
            "precious_metal" | "贵金属" => ProductType::PreciousMetal,
            "other" | "其他" => ProductType::Other,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ProductType::Deposit => "deposit",
            ProductType::WealthManagement => "wealth_management",
            ProductType::Fund => "fund",
            ProductType::Insurance => "insurance",
            ProductType::PreciousMetal => "precious_metal",
            ProductType::Other => "other",
        }
    }
}

/// A product's risk rating, R1 (lowest) to R5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ProductRisk {
    R1,
    R2,
    R3,
    R4,
    R5,
}

impl ProductRisk {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim().to_ascii_uppercase().as_str() {
            "R1" => ProductRisk::R1,
            "R2" => ProductRisk::R2,
            "R3" => ProductRisk::R3,
            "R4" => ProductRisk::R4,
            "R5" => ProductRisk::R5,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ProductRisk::R1 => "R1",
            ProductRisk::R2 => "R2",
            ProductRisk::R3 => "R3",
            ProductRisk::R4 => "R4",
            ProductRisk::R5 => "R5",
        }
    }

    fn rank(self) -> u8 {
        self as u8 + 1
    }

    /// Whether a customer of `level` may not hold this product (Rn above Cn). A customer with no assessed level
    /// is unsuitable for anything above R1.
    pub fn exceeds(self, level: Option<RiskLevel>) -> bool {
        let customer = level.map(|l| l as u8 + 1).unwrap_or(1);
        self.rank() > customer
    }
}

/// A net value in millionths of a unit (six decimals are more than any NAV published has).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Nav(pub i64);

impl Nav {
    /// `1.0234` → Nav(1_023_400); refuses negatives, more than six decimals, and anything not a decimal.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if int.is_empty()
            || !int.chars().all(|c| c.is_ascii_digit())
            || frac.len() > 6
            || !frac.chars().all(|c| c.is_ascii_digit())
        {
            return None;
        }
        let frac = format!("{frac:0<6}");
        Some(Nav(int.parse::<i64>().ok()?.checked_mul(1_000_000)?.checked_add(frac.parse::<i64>().ok()?)?))
    }

    /// The canonical text: at least four decimals, trailing zeros beyond them dropped.
    pub fn to_text(self) -> String {
        let s = format!("{}.{:06}", self.0 / 1_000_000, self.0 % 1_000_000);
        let keep = s.len() - s.bytes().rev().take(2).take_while(|b| *b == b'0').count();
        s[..keep].to_string()
    }

    /// The change from `from` to `self` in basis points (1/100 of a percent), rounded toward zero.
    pub fn change_bp(self, from: Nav) -> Option<i64> {
        (from.0 > 0).then(|| (self.0 - from.0) * 10_000 / from.0)
    }
}

/// The net values a holding remembers: the current one and its date, the one before it, and the first one seen
/// (the purchase NAV).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NavHistory {
    pub nav: Option<Nav>,
    pub nav_date: Option<NaiveDate>,
    pub prev_nav: Option<Nav>,
    pub prev_nav_date: Option<NaiveDate>,
    pub purchase_nav: Option<Nav>,
}

impl NavHistory {
    /// What is remembered after a new report of `nav` on `date`: a NAV of a later date pushes the current one to
    /// `prev`; a report for the same date corrects the current one; an older one is ignored. The purchase NAV is
    /// the first NAV ever seen and never changes.
    pub fn after(&self, nav: Option<Nav>, date: Option<NaiveDate>) -> NavHistory {
        let Some(n) = nav else { return self.clone() };
        let purchase_nav = self.purchase_nav.or(Some(n));
        match (self.nav, self.nav_date, date) {
            (None, _, _) => NavHistory { nav: Some(n), nav_date: date, purchase_nav, ..Default::default() },
            (Some(_), Some(old), Some(new)) if new < old => self.clone(),
            (Some(cur), Some(old), Some(new)) if new > old => NavHistory {
                nav: Some(n),
                nav_date: Some(new),
                prev_nav: Some(cur),
                prev_nav_date: Some(old),
                purchase_nav,
            },
            _ => NavHistory { nav: Some(n), nav_date: date.or(self.nav_date), purchase_nav, ..self.clone() },
        }
    }
}

fn reject(field: &'static str, reason: &'static str) -> Rejection {
    Rejection { field, reason }
}

/// A date as bank files write it: `2026-11-30` or `20261130`; blank is none.
pub fn parse_date(field: &'static str, s: &Option<String>) -> Result<Option<NaiveDate>, Rejection> {
    match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(t, "%Y%m%d"))
            .map(Some)
            .map_err(|_| reject(field, "not a valid date (YYYY-MM-DD)")),
    }
}

fn code(field: &'static str, s: &str) -> Result<String, Rejection> {
    let t = s.trim();
    if t.is_empty() || t.len() > 32 || !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(reject(field, "must be letters, digits, '-' or '_'"));
    }
    Ok(t.to_string())
}

impl HoldingInput {
    /// Checks every field: codes, product type and risk, amount, dates (maturity not before start), NAV.
    pub fn validate(&self) -> Result<ValidHolding, Rejection> {
        let customer_no = code("customer_no", &self.customer_no)?;
        let product_code = code("product_code", &self.product_code)?;
        let product_name = self.product_name.trim().to_string();
        if product_name.is_empty() || product_name.chars().count() > 128 || product_name.chars().any(char::is_control) {
            return Err(reject("product_name", "must have 1 to 128 characters"));
        }
        let product_type =
            ProductType::parse(&self.product_type).ok_or_else(|| reject("product_type", "unknown product type"))?;
        let product_risk = match self.product_risk.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(r) => Some(ProductRisk::parse(r).ok_or_else(|| reject("product_risk", "must be R1 to R5"))?),
        };
        if self.amount_fen < 0 {
            return Err(reject("amount", "must not be negative"));
        }
        let start_date = parse_date("start_date", &self.start_date)?;
        let maturity_date = parse_date("maturity_date", &self.maturity_date)?;
        if let (Some(s), Some(m)) = (start_date, maturity_date) {
            if m < s {
                return Err(reject("maturity_date", "is before the start date"));
            }
        }
        let nav = match self.nav.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(n) => Some(Nav::parse(n).filter(|n| n.0 > 0).ok_or_else(|| reject("nav", "not a positive decimal"))?),
        };
        let nav_date = parse_date("nav_date", &self.nav_date)?;
        if nav.is_some() != nav_date.is_some() {
            return Err(reject("nav_date", "a net value and its date come together"));
        }
        Ok(ValidHolding {
            customer_no,
            product_code,
            product_name,
            product_type,
            product_risk,
            amount_fen: self.amount_fen,
            start_date,
            maturity_date,
            next_open_date: parse_date("next_open_date", &self.next_open_date)?,
            nav,
            nav_date,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> HoldingInput {
        HoldingInput {
            customer_no: "C0001".into(),
            product_code: "WM-2026-01".into(),
            product_name: "稳健理财 90 天".into(),
            product_type: "理财".into(),
            product_risk: Some("r2".into()),
            amount_fen: 5_000_000,
            start_date: Some("2026-09-01".into()),
            maturity_date: Some("20261130".into()),
            nav: Some("1.0234".into()),
            nav_date: Some("2026-11-27".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_valid_holding_is_normalised() {
        let v = good().validate().unwrap();
        assert_eq!(v.product_type, ProductType::WealthManagement);
        assert_eq!(v.product_risk, Some(ProductRisk::R2));
        assert_eq!(v.nav, Some(Nav(1_023_400)));
        assert_eq!(v.maturity_date, NaiveDate::from_ymd_opt(2026, 11, 30));
    }

    #[test]
    fn each_bad_field_is_named() {
        type Spoil = fn(&mut HoldingInput);
        let cases: Vec<(Spoil, &str)> = vec![
            (|h| h.product_type = "crypto".into(), "product_type"),
            (|h| h.product_risk = Some("R6".into()), "product_risk"),
            (|h| h.amount_fen = -1, "amount"),
            (|h| h.start_date = Some("2026-02-30".into()), "start_date"),
            (|h| h.maturity_date = Some("2026-08-01".into()), "maturity_date"),
            (|h| h.nav = Some("-1.0".into()), "nav"),
            (|h| h.nav_date = None, "nav_date"),
            (|h| h.product_code = "A B".into(), "product_code"),
            (|h| h.product_name = " ".into(), "product_name"),
        ];
        for (f, field) in cases {
            let mut h = good();
            f(&mut h);
            assert_eq!(h.validate().unwrap_err().field, field);
        }
    }

    #[test]
    fn product_risk_against_the_customer() {
        assert!(!ProductRisk::R3.exceeds(Some(RiskLevel::C3)));
        assert!(ProductRisk::R4.exceeds(Some(RiskLevel::C3)));
        assert!(!ProductRisk::R1.exceeds(None));
        assert!(ProductRisk::R2.exceeds(None));
    }

    #[test]
    fn navs_parse_print_and_compare() {
        assert_eq!(Nav::parse("1"), Some(Nav(1_000_000)));
        assert_eq!(Nav::parse("1.0234").unwrap().to_text(), "1.0234");
        assert_eq!(Nav::parse("1.023456").unwrap().to_text(), "1.023456");
        assert_eq!(Nav::parse("2").unwrap().to_text(), "2.0000");
        assert_eq!(Nav::parse("1.2345678"), None);
        assert_eq!(Nav(950_000).change_bp(Nav(1_000_000)), Some(-500));
    }

    #[test]
    fn nav_history_moves_forward_only() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 11, day);
        let h = NavHistory::default().after(Some(Nav(100)), d(1));
        assert_eq!((h.nav, h.purchase_nav, h.prev_nav), (Some(Nav(100)), Some(Nav(100)), None));
        let h = h.after(Some(Nav(90)), d(2));
        assert_eq!(
            (h.nav, h.prev_nav, h.prev_nav_date, h.purchase_nav),
            (Some(Nav(90)), Some(Nav(100)), d(1), Some(Nav(100)))
        );
        // The same day again corrects today's value; an older day is ignored; no NAV changes nothing.
        let c = h.after(Some(Nav(91)), d(2));
        assert_eq!((c.nav, c.prev_nav), (Some(Nav(91)), Some(Nav(100))));
        assert_eq!(h.after(Some(Nav(50)), d(1)), h);
        assert_eq!(h.after(None, None), h);
    }
}
