//! Batch-file layouts: which column of a bank's file is which field. A layout is configuration, not code; the
//! built-in ones are the documented defaults for customers and holdings. Also the rule that a file carrying
//! authentication data (JR/T 0171 C3: passwords, PINs, card verification codes or expiry, SMS codes) is refused
//! whole.

use crate::customer::CustomerInput;
use crate::holding::HoldingInput;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Every field a customer layout may fill: the default file's columns, then the optional ones a bank's file may
/// add (the default layout accepts them by their own name).
pub const CUSTOMER_LAYOUT_FIELDS: [&str; 12] = [
    "customer_no",
    "name",
    "id_number",
    "mobile",
    "gender",
    "birth_date",
    "risk_level",
    "risk_assessed_on",
    "aum",
    "outlet_code",
    "rm_employee_no",
    "address",
];

/// The fields of the default customers file, in its column order: every layout field but the optional ones.
pub const CUSTOMER_FIELDS: &[&str] = CUSTOMER_LAYOUT_FIELDS.split_at(11).0;

/// The fields of the holdings layout, in the default file's column order.
pub const HOLDING_FIELDS: [&str; 11] = [
    "customer_no",
    "product_code",
    "product_name",
    "product_type",
    "product_risk",
    "amount",
    "start_date",
    "maturity_date",
    "next_open_date",
    "nav",
    "nav_date",
];

/// What a batch file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dataset {
    Customers,
    Holdings,
}

impl Dataset {
    pub fn as_str(self) -> &'static str {
        match self {
            Dataset::Customers => "customers",
            Dataset::Holdings => "holdings",
        }
    }

    /// Every field a layout of this dataset may fill.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Dataset::Customers => &CUSTOMER_LAYOUT_FIELDS,
            Dataset::Holdings => &HOLDING_FIELDS,
        }
    }

    /// The fields a layout must fill.
    pub fn required(self) -> &'static [&'static str] {
        match self {
            Dataset::Customers => &["customer_no", "name", "outlet_code"],
            Dataset::Holdings => &["customer_no", "product_code", "product_name", "product_type", "amount"],
        }
    }
}

/// How a file's records are cut into fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Fields separated by a delimiter, with a header row naming the columns.
    #[default]
    Delimited,
    /// Fields at fixed byte positions, as core-banking systems write them: positions count bytes of the file's
    /// encoding (a Chinese character is 2 bytes in GBK, 3 in UTF-8).
    Fixed,
}

/// One field of a fixed-width record: `width` bytes from byte `start` (1-based, as record layouts document it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixedField {
    pub field: String,
    pub start: usize,
    pub width: usize,
}

impl FixedField {
    /// The 0-based byte range of the field.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start.saturating_sub(1)..self.start.saturating_sub(1) + self.width
    }
}

/// A layout: delimited (the delimiter, and for each column header of the file the field it fills) or fixed-width
/// (each field's byte position and width).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    pub name: String,
    #[serde(default)]
    pub format: Format,
    #[serde(default = "comma")]
    pub delimiter: char,
    /// File column header → field name. Columns not listed make the file refused (nothing is loaded blindly).
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// Fixed-width fields, in any order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FixedField>,
    /// Fixed width: whether the first line is a header to skip (default: no header, every line is a record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<bool>,
}

fn comma() -> char {
    ','
}

impl Layout {
    /// The documented default of a dataset: UTF-8 CSV with a header row naming the fields themselves.
    pub fn default_for(dataset: Dataset) -> Self {
        Layout {
            name: dataset.as_str().into(),
            format: Format::Delimited,
            delimiter: ',',
            columns: dataset.fields().iter().map(|f| (f.to_string(), f.to_string())).collect(),
            fields: vec![],
            header: None,
        }
    }

    pub fn default_customers() -> Self {
        Self::default_for(Dataset::Customers)
    }

    /// A layout from its TOML text (`name`, `delimiter`, `[columns]`; or `format = "fixed"` and `[[fields]]`
    /// with `field`, `start`, `width`), checked against the dataset's fields.
    pub fn from_toml(text: &str, dataset: Dataset) -> Result<Self, String> {
        let l: Layout = parse_layout(text)?;
        let filled: Vec<&String> = match l.format {
            Format::Delimited => {
                if !l.fields.is_empty() || l.header.is_some() {
                    return Err(format!("layout {}: [[fields]] and header are for format = \"fixed\"", l.name));
                }
                l.columns.values().collect()
            }
            Format::Fixed => {
                if !l.columns.is_empty() {
                    return Err(format!("layout {}: a fixed-width layout has [[fields]], not [columns]", l.name));
                }
                let mut ranges: Vec<(std::ops::Range<usize>, &str)> = vec![];
                for f in &l.fields {
                    if f.start == 0 || f.width == 0 {
                        return Err(format!(
                            "layout {}: {} starts at byte 1 or later and is 1 byte or wider",
                            l.name, f.field
                        ));
                    }
                    if let Some((_, other)) =
                        ranges.iter().find(|(r, _)| r.start < f.range().end && f.range().start < r.end)
                    {
                        return Err(format!("layout {}: {} overlaps {other}", l.name, f.field));
                    }
                    ranges.push((f.range(), &f.field));
                }
                l.fields.iter().map(|f| &f.field).collect()
            }
        };
        for (i, field) in filled.iter().enumerate() {
            if !dataset.fields().contains(&field.as_str()) {
                return Err(format!("layout {}: unknown field {field}", l.name));
            }
            if filled[..i].contains(field) {
                return Err(format!("layout {}: {field} is filled twice", l.name));
            }
        }
        for required in dataset.required() {
            if !filled.iter().any(|f| f == required) {
                return Err(format!("layout {}: no column fills {required}", l.name));
            }
        }
        Ok(l)
    }

    /// Lines before the first record: the header row of a delimited file; for a fixed-width file, one when it
    /// declares a header.
    pub fn header_lines(&self) -> i64 {
        match self.format {
            Format::Delimited => 1,
            Format::Fixed => i64::from(self.header.unwrap_or(false)),
        }
    }

    /// A fixed-width record's fields, each the bytes at its position (a short line leaves the fields past its
    /// end empty).
    pub fn cut<'a>(&self, line: &'a [u8]) -> Vec<&'a [u8]> {
        self.fields
            .iter()
            .map(|f| {
                let r = f.range();
                line.get(r.start.min(line.len())..r.end.min(line.len())).unwrap_or_default()
            })
            .collect()
    }
}

fn parse_layout(text: &str) -> Result<Layout, String> {
    toml::from_str(text).map_err(|e| format!("layout: {e}"))
}

/// Header words that mark authentication data (C3), in English and Chinese.
const C3_MARKERS: [&str; 16] = [
    "password",
    "passwd",
    "pwd",
    "pin",
    "cvv",
    "cvn",
    "cvc",
    "cvv2",
    "expiry",
    "exp_date",
    "sms_code",
    "otp",
    "密码",
    "验证码",
    "有效期",
    "安全码",
];

/// Whether a column header names authentication data: a file with such a column is refused whole.
pub fn is_c3_column(header: &str) -> bool {
    let h = header.trim().to_lowercase();
    let words: Vec<&str> = h.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    C3_MARKERS.iter().any(|m| if m.is_ascii() { words.contains(m) || h == *m } else { h.contains(m) })
}

/// What a header row means under a layout: each file column's field, or why the file is refused.
pub fn map_header(layout: &Layout, headers: &[String]) -> Result<Vec<String>, String> {
    if let Some(h) = headers.iter().find(|h| is_c3_column(h)) {
        return Err(format!(
            "the file has a column of authentication data ({}): such data is never loaded, the file is refused whole",
            h.trim()
        ));
    }
    headers
        .iter()
        .map(|h| {
            layout
                .columns
                .get(h.trim())
                .cloned()
                .ok_or_else(|| format!("layout {}: unknown column {}", layout.name, h.trim()))
        })
        .collect()
}

/// Yuan as written in bank files (`880000.00`, `12.5`) → fen.
pub fn yuan_to_fen(s: &str) -> Option<i64> {
    let s = s.trim().replace(',', "");
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    if int.is_empty()
        || !int.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let frac = format!("{frac:0<2}");
    int.parse::<i64>().ok()?.checked_mul(100)?.checked_add(frac.parse::<i64>().ok()?)
}

/// One record's values (already split into columns) as a customer, by the header's fields.
pub fn customer_of(fields: &[String], values: &[String]) -> Result<CustomerInput, (&'static str, &'static str)> {
    if values.len() != fields.len() {
        return Err(("line", "wrong number of columns"));
    }
    let mut c = CustomerInput::default();
    for (f, v) in fields.iter().zip(values) {
        let v = v.trim().to_string();
        let opt = if v.is_empty() { None } else { Some(v.clone()) };
        match f.as_str() {
            "customer_no" => c.customer_no = v,
            "name" => c.name = v,
            "id_number" => c.id_number = opt,
            "mobile" => c.mobile = opt,
            "gender" => c.gender = opt,
            "birth_date" => c.birth_date = opt,
            "risk_level" => c.risk_level = opt,
            "risk_assessed_on" => c.risk_assessed_on = opt,
            "aum" => {
                c.aum_fen = match opt {
                    None => None,
                    Some(a) => Some(yuan_to_fen(&a).ok_or(("aum", "not an amount in yuan"))?),
                }
            }
            "outlet_code" => c.outlet_code = v,
            "rm_employee_no" => c.rm_employee_no = opt,
            "address" => c.address = opt,
            _ => {}
        }
    }
    Ok(c)
}

/// One record's values as a holding, by the header's fields.
pub fn holding_of(fields: &[String], values: &[String]) -> Result<HoldingInput, (&'static str, &'static str)> {
    if values.len() != fields.len() {
        return Err(("line", "wrong number of columns"));
    }
    let mut h = HoldingInput::default();
    for (f, v) in fields.iter().zip(values) {
        let v = v.trim().to_string();
        let opt = if v.is_empty() { None } else { Some(v.clone()) };
        match f.as_str() {
            "customer_no" => h.customer_no = v,
            "product_code" => h.product_code = v,
            "product_name" => h.product_name = v,
            "product_type" => h.product_type = v,
            "product_risk" => h.product_risk = opt,
            "amount" => h.amount_fen = yuan_to_fen(&v).ok_or(("amount", "not an amount in yuan"))?,
            "start_date" => h.start_date = opt,
            "maturity_date" => h.maturity_date = opt,
            "next_open_date" => h.next_open_date = opt,
            "nav" => h.nav = opt,
            "nav_date" => h.nav_date = opt,
            _ => {}
        }
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c3_columns_are_recognised() {
        for h in ["password", "Card PIN", "cvv2", "card_expiry", "SMS_CODE", "登录密码", "短信验证码", "卡有效期"]
        {
            assert!(is_c3_column(h), "{h}");
        }
        for h in ["customer_no", "mobile", "opinion", "spinach", "name"] {
            assert!(!is_c3_column(h), "{h}");
        }
    }

    #[test]
    fn headers_map_through_the_layout() {
        let l = Layout::default_customers();
        let h: Vec<String> = CUSTOMER_FIELDS.iter().map(|s| s.to_string()).collect();
        assert_eq!(map_header(&l, &h).unwrap(), h);
        let bad = vec!["customer_no".to_string(), "salary".to_string()];
        assert!(map_header(&l, &bad).unwrap_err().contains("salary"));
        let c3 = vec!["customer_no".to_string(), "pin".to_string()];
        assert!(map_header(&l, &c3).unwrap_err().contains("authentication"));
    }

    #[test]
    fn layouts_are_toml() {
        let l = Layout::from_toml(
            "name = \"core-banking\"\ndelimiter = \"|\"\n[columns]\nCUST_NO = \"customer_no\"\nCUST_NAME = \"name\"\nORG = \"outlet_code\"\n",
            Dataset::Customers,
        )
        .unwrap();
        assert_eq!(l.delimiter, '|');
        assert_eq!(l.columns["CUST_NO"], "customer_no");
        assert!(Layout::from_toml("name = \"x\"\n[columns]\nA = \"salary\"\n", Dataset::Customers).is_err());
        let no_number = Layout::from_toml("name = \"x\"\n[columns]\nA = \"name\"\n", Dataset::Customers);
        assert!(no_number.unwrap_err().contains("customer_no"));
        let h = "name = \"h\"\n[columns]\nC = \"customer_no\"\nP = \"product_code\"\nN = \"product_name\"\n\
                 T = \"product_type\"\nA = \"amount\"\n";
        assert!(Layout::from_toml(h, Dataset::Holdings).is_ok());
        assert!(Layout::from_toml(h, Dataset::Customers).is_err(), "a holdings layout is no customer layout");
    }

    #[test]
    fn fixed_width_layouts_count_bytes() {
        let t = "name = \"core-fixed\"\nformat = \"fixed\"\n\
                 [[fields]]\nfield = \"customer_no\"\nstart = 1\nwidth = 6\n\
                 [[fields]]\nfield = \"name\"\nstart = 7\nwidth = 6\n\
                 [[fields]]\nfield = \"outlet_code\"\nstart = 13\nwidth = 4\n";
        let l = Layout::from_toml(t, Dataset::Customers).unwrap();
        assert_eq!((l.format, l.header_lines()), (Format::Fixed, 0));
        // "王伟" in GBK is 4 bytes; the name field is 6 bytes wide.
        let line = [b"C00001".as_slice(), &[0xCD, 0xF5, 0xCE, 0xB0], b"  ", b"BJ01"].concat();
        let cut = l.cut(&line);
        assert_eq!(cut, vec![b"C00001".as_slice(), &[0xCD, 0xF5, 0xCE, 0xB0, b' ', b' '], b"BJ01"]);
        assert_eq!(l.cut(b"C00002XY")[1..], [b"XY".as_slice(), b""], "a short line leaves fields empty");
        let overlap = t.replace("start = 7", "start = 5");
        assert!(Layout::from_toml(&overlap, Dataset::Customers).unwrap_err().contains("overlaps"));
        let twice = t.replace("\"outlet_code\"", "\"name\"");
        assert!(Layout::from_toml(&twice, Dataset::Customers).is_err());
        let zero = t.replace("start = 1", "start = 0");
        assert!(Layout::from_toml(&zero, Dataset::Customers).is_err());
        let mixed = format!("{t}[columns]\nA = \"name\"\n");
        assert!(Layout::from_toml(&mixed, Dataset::Customers).is_err());
        let with_header = t.replace("format = \"fixed\"", "format = \"fixed\"\nheader = true");
        assert_eq!(Layout::from_toml(&with_header, Dataset::Customers).unwrap().header_lines(), 1);
    }

    #[test]
    fn holding_rows_map_by_field() {
        let f: Vec<String> = HOLDING_FIELDS.iter().map(|s| s.to_string()).collect();
        let v: Vec<String> =
            "C1,P1,定期,deposit,R1,1000.5,2026-01-01,2027-01-01,,,".split(',').map(String::from).collect();
        let h = holding_of(&f, &v).unwrap();
        assert_eq!((h.amount_fen, h.product_type.as_str(), h.nav.is_none()), (100_050, "deposit", true));
        let mut bad = v.clone();
        bad[5] = "1e5".into();
        assert_eq!(holding_of(&f, &bad).unwrap_err().0, "amount");
    }

    #[test]
    fn amounts() {
        assert_eq!(yuan_to_fen("880000.00"), Some(88_000_000));
        assert_eq!(yuan_to_fen("12.5"), Some(1250));
        assert_eq!(yuan_to_fen("7"), Some(700));
        assert_eq!(yuan_to_fen("1.234"), None);
        assert_eq!(yuan_to_fen("-5"), None);
        assert_eq!(yuan_to_fen("abc"), None);
    }
}
