//! The customer record's rules: what a valid incoming customer is, and how each field is shown to someone who
//! may not see it in clear.

use crate::pii;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A customer as a bank system sends it (CRM, core banking), before validation.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    pub customer_no: String,
    pub name: String,
    #[serde(default)]
    pub gender: Option<String>,
    #[serde(default)]
    pub birth_date: Option<String>,
    #[serde(default)]
    pub id_number: Option<String>,
    #[serde(default)]
    pub mobile: Option<String>,
    /// C1…C5.
    #[serde(default)]
    pub risk_level: Option<String>,
    #[serde(default)]
    pub risk_assessed_on: Option<String>,
    /// Assets under management in fen (0.01 CNY).
    #[serde(default)]
    pub aum_fen: Option<i64>,
    /// The managing outlet's code; the RM's employee number.
    pub outlet_code: String,
    #[serde(default)]
    pub rm_employee_no: Option<String>,
    /// The postal address (C2): sealed, shown to district level.
    #[serde(default)]
    pub address: Option<String>,
}

/// A customer that passed validation, normalised for sealing and indexing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidCustomer {
    pub customer_no: String,
    pub name: String,
    pub gender: Gender,
    pub birth_date: Option<NaiveDate>,
    pub id_number: Option<String>,
    pub mobile: Option<String>,
    pub risk_level: Option<RiskLevel>,
    pub risk_assessed_on: Option<NaiveDate>,
    pub aum_fen: Option<i64>,
    pub outlet_code: String,
    pub rm_employee_no: Option<String>,
    pub address: Option<String>,
}

impl ValidCustomer {
    /// Everything an import writes of this customer, once resolved to its outlet and RM, as one text: equal texts
    /// mean the import would write the same row (its keyed MAC is the row's digest). Fields are separated by a
    /// control character no validated field holds; the leading tag changes whenever the fields do.
    pub fn import_text(&self, node_id: &str, rm_staff_id: Option<&str>) -> String {
        let opt = |v: Option<String>| v.unwrap_or_else(|| "\u{0}".into());
        [
            "customer.v1".to_string(),
            self.customer_no.clone(),
            self.name.clone(),
            self.gender.as_str().to_string(),
            opt(self.birth_date.map(|d| d.to_string())),
            opt(self.id_number.clone()),
            opt(self.mobile.clone()),
            opt(self.risk_level.map(|r| r.as_str().to_string())),
            opt(self.risk_assessed_on.map(|d| d.to_string())),
            opt(self.aum_fen.map(|a| a.to_string())),
            opt(self.address.clone()),
            node_id.to_string(),
            opt(rm_staff_id.map(str::to_string)),
        ]
        .join("\u{1f}")
    }
}

/// The longest address accepted, in characters (a mainland address with building and room fits in well under it).
pub const ADDRESS_MAX_CHARS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    Male,
    Female,
    Unknown,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
            Gender::Unknown => "unknown",
        }
    }

    /// `M`/`F`, `male`/`female`, `男`/`女`; anything else is unknown.
    pub fn parse(s: &str) -> Gender {
        match s.trim().to_lowercase().as_str() {
            "m" | "male" | "男" | "1" => Gender::Male,
            "f" | "female" | "女" | "2" => Gender::Female,
            _ => Gender::Unknown,
        }
    }
}

/// A customer's assessed risk tolerance, C1 (most cautious) to C5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RiskLevel {
    C1,
    C2,
    C3,
    C4,
    C5,
}

impl RiskLevel {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_uppercase().as_str() {
            "C1" => Some(RiskLevel::C1),
            "C2" => Some(RiskLevel::C2),
            "C3" => Some(RiskLevel::C3),
            "C4" => Some(RiskLevel::C4),
            "C5" => Some(RiskLevel::C5),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::C1 => "C1",
            RiskLevel::C2 => "C2",
            RiskLevel::C3 => "C3",
            RiskLevel::C4 => "C4",
            RiskLevel::C5 => "C5",
        }
    }
}

/// Why an incoming customer is refused: the field and the rule, never the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    pub field: &'static str,
    pub reason: &'static str,
}

fn reject(field: &'static str, reason: &'static str) -> Rejection {
    Rejection { field, reason }
}

fn date(field: &'static str, s: &Option<String>) -> Result<Option<NaiveDate>, Rejection> {
    match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(t, "%Y%m%d"))
            .map(Some)
            .map_err(|_| reject(field, "not a valid date (YYYY-MM-DD)")),
    }
}

fn code(field: &'static str, s: &str, max: usize) -> Result<String, Rejection> {
    let t = s.trim();
    if t.is_empty() || t.len() > max || !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(reject(field, "must be letters, digits, '-' or '_'"));
    }
    Ok(t.to_string())
}

impl CustomerInput {
    /// Checks every field (ID check digit and birth date, mobile, dates, risk level, amounts).
    pub fn validate(&self) -> Result<ValidCustomer, Rejection> {
        let customer_no = code("customer_no", &self.customer_no, 32)?;
        let name = self.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(reject("name", "must have 1 to 64 characters"));
        }
        let id_number = match self.id_number.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => {
                let n = pii::normalize_id_number(raw);
                if !pii::is_resident_id(&n) {
                    return Err(reject("id_number", "not a valid resident ID number (check digit or birth date)"));
                }
                Some(n)
            }
        };
        let mobile = match self.mobile.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => {
                let n = pii::normalize_mobile(raw);
                if !pii::is_mobile(&n) {
                    return Err(reject("mobile", "not a mainland mobile number"));
                }
                Some(n)
            }
        };
        let risk_level = match self.risk_level.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(r) => Some(RiskLevel::parse(r).ok_or_else(|| reject("risk_level", "must be C1 to C5"))?),
        };
        if self.aum_fen.is_some_and(|a| a < 0) {
            return Err(reject("aum_fen", "must not be negative"));
        }
        let address = match self.address.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(a) if a.chars().count() > ADDRESS_MAX_CHARS || a.chars().any(char::is_control) => {
                return Err(reject("address", "must have at most 200 characters and no control characters"));
            }
            Some(a) => Some(a.to_string()),
        };
        let birth_date = date("birth_date", &self.birth_date)?;
        if birth_date.is_some_and(|d| d.format("%Y").to_string().parse::<i32>().unwrap_or(0) < 1900) {
            return Err(reject("birth_date", "is before 1900"));
        }
        Ok(ValidCustomer {
            customer_no,
            name,
            gender: self.gender.as_deref().map(Gender::parse).unwrap_or(Gender::Unknown),
            birth_date,
            id_number,
            mobile,
            risk_level,
            risk_assessed_on: date("risk_assessed_on", &self.risk_assessed_on)?,
            aum_fen: self.aum_fen,
            outlet_code: code("outlet_code", &self.outlet_code, 32)?,
            rm_employee_no: match self.rm_employee_no.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => None,
                Some(e) => Some(code("rm_employee_no", e, 32)?),
            },
            address,
        })
    }
}

/// The customer number as shown without unmask: the last 4 characters.
pub fn mask_customer_no(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let keep = chars.len().min(4);
    format!(
        "{}{}",
        "*".repeat(chars.len().saturating_sub(keep).min(8)),
        chars[chars.len() - keep..].iter().collect::<String>()
    )
}

/// The name prefixes a customer is found by (search by name prefix): the normalised name's first character and
/// first two characters (`None` where the name is shorter). Normalised as the whole-name index is (no
/// whitespace), and Latin letters folded to lower case so `wang` finds `Wang Fang`.
pub fn name_prefixes(name: &str) -> (Option<String>, Option<String>) {
    let chars: Vec<char> = normalize_prefix(name).chars().collect();
    let take = |n: usize| (chars.len() >= n).then(|| chars[..n].iter().collect::<String>());
    (take(1), take(2))
}

/// A searched prefix normalised as [`name_prefixes`] normalises names: no whitespace, full-width Latin letters
/// and digits as ASCII, lower case.
pub fn normalize_prefix(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_prefixes_are_the_first_one_and_two_characters() {
        assert_eq!(name_prefixes("欧阳 明华"), (Some("欧".into()), Some("欧阳".into())));
        assert_eq!(name_prefixes("张"), (Some("张".into()), None));
        assert_eq!(name_prefixes(" "), (None, None));
        assert_eq!(name_prefixes("Ｗang Fang"), (Some("w".into()), Some("wa".into())));
        assert_eq!(normalize_prefix(" 张 三 "), "张三");
    }

    fn good() -> CustomerInput {
        CustomerInput {
            customer_no: "C0001".into(),
            name: "张三".into(),
            id_number: Some("11010519491231002X".into()),
            mobile: Some("+86 138 0013 8000".into()),
            risk_level: Some("c3".into()),
            birth_date: Some("1949-12-31".into()),
            aum_fen: Some(12_345_600),
            outlet_code: "BJ01".into(),
            ..Default::default()
        }
    }

    #[test]
    fn valid_input_is_normalised() {
        let v = good().validate().unwrap();
        assert_eq!(v.mobile.as_deref(), Some("13800138000"));
        assert_eq!(v.id_number.as_deref(), Some("11010519491231002X"));
        assert_eq!(v.risk_level, Some(RiskLevel::C3));
        assert_eq!(v.gender, Gender::Unknown);
    }

    #[test]
    fn each_bad_field_is_named() {
        type Spoil = fn(&mut CustomerInput);
        let cases: Vec<(Spoil, &str)> = vec![
            (|c| c.id_number = Some("110105194912310021".into()), "id_number"),
            (|c| c.address = Some("路".repeat(201)), "address"),
            (|c| c.mobile = Some("23800138000".into()), "mobile"),
            (|c| c.risk_level = Some("C9".into()), "risk_level"),
            (|c| c.birth_date = Some("1999-02-30".into()), "birth_date"),
            (|c| c.aum_fen = Some(-1), "aum_fen"),
            (|c| c.name = "".into(), "name"),
            (|c| c.customer_no = "C 1;".into(), "customer_no"),
        ];
        for (f, field) in cases {
            let mut c = good();
            f(&mut c);
            assert_eq!(c.validate().unwrap_err().field, field);
        }
    }

    #[test]
    fn masks_customer_numbers() {
        assert_eq!(mask_customer_no("6200012345"), "******2345");
        assert_eq!(mask_customer_no("C01"), "C01");
    }
}
