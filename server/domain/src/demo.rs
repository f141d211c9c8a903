//! A synthetic but realistic bank for demonstrations and benchmarks: the organisation tree, its staff, customers
//! (log-normal AUM, valid resident ID numbers, mobiles, risk levels) and their holdings, as rows of the default
//! import layouts. Pure and deterministic: the same (customers, seed, as-of date) gives the same bank, byte for
//! byte, so a benchmark or a demo can be rebuilt anywhere.

use chrono::{Datelike, Duration, NaiveDate};

/// A small, fast, deterministic generator (SplitMix64): demo data needs reproducibility, not secrecy.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5EED_0F5F_u64.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    /// The generator of one item (a customer), independent of every other item: any slice of a file can be
    /// produced on its own, in parallel or after a resume.
    pub fn for_item(seed: u64, item: u64) -> Self {
        let mut r = Rng::new(seed ^ item.wrapping_mul(0xD1B5_4A32_D192_ED03));
        r.next_u64();
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A standard normal variate (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.unit().max(f64::MIN_POSITIVE);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An index drawn by weight.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut x = self.below(u64::from(total)) as u32;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

/// A node of the demo organisation, parents before children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoNode {
    pub code: String,
    pub name: String,
    /// `branch`, `sub_branch`, `outlet` or `team` (the head office is the existing root).
    pub kind: &'static str,
    /// The parent's code; None for a child of the head office.
    pub parent: Option<String>,
}

/// A member of the demo staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoStaff {
    pub employee_no: String,
    pub name: String,
    pub node: String,
    /// Role codes (`rm`, `branch_manager`, `remote_rm`).
    pub roles: Vec<&'static str>,
    pub wecom_userid: String,
}

/// The organisation and staff sized for `customers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOrg {
    pub nodes: Vec<DemoNode>,
    pub staff: Vec<DemoStaff>,
    /// Employee numbers of the RMs who manage customers, and the outlet code of each.
    pub rms: Vec<(String, String)>,
    /// Outlet codes (customers without an RM still belong to one).
    pub outlets: Vec<String>,
    /// The remote direct-operations team's RMs.
    pub remote_rms: Vec<String>,
}

const CITIES: [(&str, &str); 8] = [
    ("BJ", "北京"),
    ("SH", "上海"),
    ("GZ", "广州"),
    ("SZ", "深圳"),
    ("HZ", "杭州"),
    ("NJ", "南京"),
    ("CD", "成都"),
    ("WH", "武汉"),
];
const DISTRICTS: [&str; 12] =
    ["东城", "西城", "朝阳", "海淀", "滨江", "天河", "福田", "南山", "鼓楼", "武侯", "江汉", "徐汇"];
const STREETS: [&str; 10] =
    ["人民路", "中山路", "解放路", "建设路", "和平路", "新华路", "长江路", "金融街", "科技园", "湖滨"];

/// One RM for about this many customers (a real mass-affluent book is 300–800).
pub const CUSTOMERS_PER_RM: u64 = 400;

/// The organisation for a bank of `customers`: branches per city, sub-branches, outlets of about five RMs, a
/// wealth team per branch, and a remote direct-operations team at the head office.
pub fn org(customers: u64, seed: u64) -> DemoOrg {
    let mut rng = Rng::new(seed ^ 0x0E6);
    let rm_count = (customers / CUSTOMERS_PER_RM).clamp(4, 20_000);
    let outlets = rm_count.div_ceil(5).max(2);
    let subs = outlets.div_ceil(4).max(1);
    let branches = subs.div_ceil(4).clamp(1, CITIES.len() as u64);
    let mut o = DemoOrg { nodes: vec![], staff: vec![], rms: vec![], outlets: vec![], remote_rms: vec![] };
    let mut emp = 0u64;
    let mut person = |rng: &mut Rng, node: &str, roles: Vec<&'static str>, o: &mut DemoOrg| -> String {
        emp += 1;
        let no = format!("E{emp:06}");
        o.staff.push(DemoStaff {
            employee_no: no.clone(),
            name: person_name(rng),
            node: node.to_string(),
            roles,
            wecom_userid: format!("demo.{}", no.to_lowercase()),
        });
        no
    };
    o.nodes
        .push(DemoNode { code: "REMOTE".into(), name: "远程银行直营团队".into(), kind: "team", parent: None });
    for _ in 0..(rm_count / 20).clamp(2, 200) {
        let no = person(&mut rng, "REMOTE", vec!["remote_rm"], &mut o);
        o.remote_rms.push(no);
    }
    for b in 0..branches {
        let (ccode, city) = CITIES[b as usize];
        let bcode = format!("BR-{ccode}");
        o.nodes.push(DemoNode { code: bcode.clone(), name: format!("{city}分行"), kind: "branch", parent: None });
        person(&mut rng, &bcode, vec!["branch_manager"], &mut o);
        let team = format!("{bcode}-WM");
        o.nodes.push(DemoNode {
            code: team.clone(),
            name: format!("{city}分行财富管理团队"),
            kind: "team",
            parent: Some(bcode.clone()),
        });
        person(&mut rng, &team, vec!["rm"], &mut o);
    }
    for s in 0..subs {
        let b = s % branches;
        let (ccode, city) = CITIES[b as usize];
        let scode = format!("SB-{ccode}{s:03}");
        let district = DISTRICTS[(s as usize) % DISTRICTS.len()];
        o.nodes.push(DemoNode {
            code: scode.clone(),
            name: format!("{city}{district}支行"),
            kind: "sub_branch",
            parent: Some(format!("BR-{ccode}")),
        });
        person(&mut rng, &scode, vec!["branch_manager"], &mut o);
    }
    for n in 0..outlets {
        let s = n % subs;
        let (ccode, city) = CITIES[(s % branches) as usize];
        let ocode = format!("OT-{ccode}{n:04}");
        let street = STREETS[(n as usize) % STREETS.len()];
        o.nodes.push(DemoNode {
            code: ocode.clone(),
            name: format!("{city}{street}网点{n}"),
            kind: "outlet",
            parent: Some(format!("SB-{ccode}{s:03}")),
        });
        o.outlets.push(ocode);
    }
    for r in 0..rm_count {
        let outlet = o.outlets[(r % outlets) as usize].clone();
        let no = person(&mut rng, &outlet, vec!["rm"], &mut o);
        o.rms.push((no, outlet));
    }
    o
}

const SURNAMES: [&str; 30] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马",
    "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "欧阳",
];
const GIVEN: [&str; 40] = [
    "伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "英", "华", "玲", "军",
    "平", "刚", "桂", "文", "辉", "鹏", "霞", "丹", "红", "宇", "浩", "欣", "怡", "晨", "子", "思", "嘉", "雨", "博",
    "佳", "琳",
];

fn person_name(rng: &mut Rng) -> String {
    let mut n = String::from(*rng.pick(&SURNAMES));
    n.push_str(rng.pick::<&str>(&GIVEN));
    if rng.below(3) > 0 {
        n.push_str(rng.pick::<&str>(&GIVEN));
    }
    n
}

/// Administrative division codes (the first six digits of an ID number).
const REGIONS: [&str; 12] = [
    "110105", "110108", "310104", "310115", "440106", "440304", "330106", "320106", "510107", "420103", "370102",
    "500103",
];

/// A resident ID number (GB 11643-1999) with a valid check digit; odd sequence digit = male.
pub fn id_number(region: &str, birth: NaiveDate, seq: u32, male: bool) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let seq = (seq % 500) * 2 + u32::from(male);
    let body = format!("{region}{}{seq:03}", birth.format("%Y%m%d"));
    let sum: u32 = body.bytes().zip(W).map(|(b, w)| u32::from(b - b'0') * w).sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

const MOBILE_PREFIXES: [&str; 16] =
    ["130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "158", "159", "176", "180", "186", "188"];

/// The default customers layout's header.
pub const CUSTOMER_HEADER: &str =
    "customer_no,name,id_number,mobile,gender,birth_date,risk_level,risk_assessed_on,aum,\
                                   outlet_code,rm_employee_no";
/// The default holdings layout's header.
pub const HOLDING_HEADER: &str = "customer_no,product_code,product_name,product_type,product_risk,amount,start_date,\
                                  maturity_date,next_open_date,nav,nav_date";

/// A product of the demo catalogue.
#[derive(Debug, Clone)]
pub struct Product {
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub risk: u8,
    /// Term in days (deposits, closed-end wealth products), or the open-period cycle for open-ended ones.
    pub term_days: i64,
    pub has_nav: bool,
}

/// The bank's shelf: deposits, wealth-management products, funds, insurance and gold.
pub fn catalogue() -> Vec<Product> {
    let mut p = Vec::new();
    for (i, (months, name)) in
        [(3, "三个月"), (6, "六个月"), (12, "一年期"), (36, "三年期"), (60, "五年期")].iter().enumerate()
    {
        p.push(Product {
            code: format!("DP{:03}", i + 1),
            name: format!("{name}整存整取定期存款"),
            kind: "deposit",
            risk: 1,
            term_days: months * 30,
            has_nav: false,
        });
    }
    p.push(Product {
        code: "DP100".into(),
        name: "大额存单2026年第8期".into(),
        kind: "deposit",
        risk: 1,
        term_days: 1095,
        has_nav: false,
    });
    for i in 0..12u8 {
        let term = [91, 182, 365, 730][usize::from(i % 4)];
        p.push(Product {
            code: format!("WM{:04}", 2601 + u32::from(i)),
            name: format!("{}理财{}号", ["稳享", "增利", "悦盈", "安鑫"][usize::from(i % 4)], i + 1),
            kind: "wealth_management",
            risk: 2 + i % 2,
            term_days: term,
            has_nav: true,
        });
    }
    for i in 0..10u8 {
        p.push(Product {
            code: format!("FD{:06}", 110_011 + u32::from(i) * 37),
            name: format!(
                "{}{}",
                ["沪深300指数", "稳健债券", "科技成长混合", "消费精选股票", "货币市场"][usize::from(i % 5)],
                ["A", "C"][usize::from(i % 2)]
            ),
            kind: "fund",
            risk: [4, 2, 4, 5, 1][usize::from(i % 5)],
            term_days: 0,
            has_nav: true,
        });
    }
    for i in 0..4u8 {
        p.push(Product {
            code: format!("IN{:03}", i + 1),
            name: ["金福年金保险", "鑫享两全保险", "安康终身寿险", "增额终身寿险"][usize::from(i)].into(),
            kind: "insurance",
            risk: 1 + i % 2,
            term_days: 3650,
            has_nav: false,
        });
    }
    p.push(Product {
        code: "AU9999".into(),
        name: "积存金".into(),
        kind: "precious_metal",
        risk: 3,
        term_days: 0,
        has_nav: true,
    });
    p
}

/// One customer and their holdings, as CSV lines of the default layouts (no line ends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCustomer {
    pub line: String,
    pub holdings: Vec<String>,
    pub customer_no: String,
    /// The RM (employee number) when the customer has one.
    pub rm: Option<String>,
}

fn customer_no(i: u64) -> String {
    format!("DC{:012}", i + 1)
}

/// The customer number of the `i`th demo customer.
pub fn demo_customer_no(i: u64) -> String {
    customer_no(i)
}

/// The `i`th customer of a bank of seed `seed`, as of `as_of`. Independent of every other customer.
pub fn customer(org: &DemoOrg, shelf: &[Product], seed: u64, i: u64, as_of: NaiveDate) -> DemoCustomer {
    let mut r = Rng::for_item(seed, i);
    let male = r.below(2) == 0;
    let age = 22 + (r.unit().powf(1.3) * 60.0) as i64;
    let birth =
        NaiveDate::from_ymd_opt(as_of.year() - age as i32, 1, 1).unwrap_or(as_of) + Duration::days(r.below(365) as i64);
    let region = r.pick(&REGIONS);
    let idn = id_number(region, birth, r.below(500) as u32, male);
    let mobile = format!("{}{:08}", r.pick(&MOBILE_PREFIXES), r.below(100_000_000));
    let name = person_name(&mut r);
    // Log-normal AUM: median about 50,000 yuan, a long tail of the affluent and private-banking customers.
    let aum_fen = ((10.8 + 1.6 * r.normal()).exp() * 100.0).clamp(0.0, 5e12) as i64;
    let risk = 1 + r.weighted(&[15, 35, 30, 15, 5]);
    let assessed = as_of - Duration::days(r.below(400) as i64);
    let (outlet, rm) = match r.below(100) {
        0..=79 => {
            let (rm, outlet) = r.pick(&org.rms);
            (outlet.clone(), Some(rm.clone()))
        }
        80..=89 if !org.remote_rms.is_empty() => (r.pick(&org.outlets).clone(), Some(r.pick(&org.remote_rms).clone())),
        _ => (r.pick(&org.outlets).clone(), None),
    };
    let no = customer_no(i);
    let line = format!(
        "{no},{name},{idn},{mobile},{},{birth},C{risk},{assessed},{}.{:02},{outlet},{}",
        if male { "M" } else { "F" },
        aum_fen / 100,
        aum_fen % 100,
        rm.as_deref().unwrap_or("")
    );
    // Holdings: more products for larger books, their amounts splitting most of the AUM.
    let n = match aum_fen / 100 {
        a if a < 5_000 => r.below(2),
        a if a < 100_000 => 1 + r.below(2),
        a if a < 1_000_000 => 2 + r.below(2),
        _ => 3 + r.below(3),
    } as usize;
    let mut holdings = Vec::with_capacity(n);
    let mut used = Vec::with_capacity(n);
    let mut left = aum_fen * 9 / 10;
    for k in 0..n {
        let p = r.pick(shelf);
        if used.contains(&p.code) {
            continue;
        }
        used.push(p.code.clone());
        let share = if k + 1 == n { left } else { (left as f64 * (0.3 + 0.5 * r.unit())) as i64 };
        left -= share;
        let amount = (share / 100).max(1) * 100;
        let start = as_of - Duration::days(1 + r.below(700) as i64);
        let (maturity, next_open) = match p.kind {
            "deposit" | "insurance" => (Some(start + Duration::days(p.term_days)), None),
            "wealth_management" if k % 2 == 0 => (Some(start + Duration::days(p.term_days)), None),
            "wealth_management" => (None, Some(as_of + Duration::days(1 + r.below(p.term_days as u64) as i64))),
            _ => (None, None),
        };
        // A matured product is rolled over to its next term so the holding is current.
        let (start, maturity) = match maturity {
            Some(m) if m < as_of && p.term_days > 0 => {
                let terms = (as_of - m).num_days() / p.term_days + 1;
                let s = start + Duration::days(terms * p.term_days);
                (s.min(as_of), Some(s.min(as_of) + Duration::days(p.term_days)))
            }
            other => (start, other),
        };
        let (nav, nav_date) = if p.has_nav {
            let base = 1.0 + 0.002 * (p.code.bytes().map(u64::from).sum::<u64>() % 200) as f64;
            let drift = 1.0 + 0.06 * r.normal();
            (format!("{:.4}", (base * drift).max(0.1)), (as_of - Duration::days(1)).to_string())
        } else {
            (String::new(), String::new())
        };
        let d = |x: Option<NaiveDate>| x.map(|x| x.to_string()).unwrap_or_default();
        holdings.push(format!(
            "{no},{},{},{},R{},{}.{:02},{start},{},{},{nav},{nav_date}",
            p.code,
            p.name,
            p.kind,
            p.risk,
            amount / 100,
            amount % 100,
            d(maturity),
            d(next_open),
        ));
    }
    DemoCustomer { line, holdings, customer_no: no, rm }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::CustomerInput;
    use crate::layout::{customer_of, holding_of, CUSTOMER_FIELDS, HOLDING_FIELDS};

    fn as_of() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    #[test]
    fn deterministic_for_a_seed() {
        let o = org(10_000, 7);
        assert_eq!(o, org(10_000, 7));
        let shelf = catalogue();
        let a: Vec<_> = (0..50).map(|i| customer(&o, &shelf, 7, i, as_of())).collect();
        let b: Vec<_> = (0..50).map(|i| customer(&o, &shelf, 7, i, as_of())).collect();
        assert_eq!(a, b);
        let c: Vec<_> = (0..50).map(|i| customer(&o, &shelf, 8, i, as_of())).collect();
        assert_ne!(a, c, "another seed, another bank");
    }

    #[test]
    fn the_org_is_sized_for_the_customers() {
        let small = org(2_000, 1);
        assert!(small.rms.len() >= 4 && small.outlets.len() >= 2);
        let big = org(1_000_000, 1);
        assert_eq!(big.rms.len(), 2_500);
        assert!(big.staff.iter().any(|s| s.roles.contains(&"branch_manager")));
        let codes: std::collections::HashSet<_> = big.nodes.iter().map(|n| &n.code).collect();
        assert_eq!(codes.len(), big.nodes.len(), "node codes are unique");
        for n in &big.nodes {
            if let Some(p) = &n.parent {
                let at = big.nodes.iter().position(|x| &x.code == p).unwrap();
                assert!(big.nodes[at].code != n.code && at < big.nodes.iter().position(|x| x == n).unwrap());
            }
        }
    }

    #[test]
    fn every_generated_row_is_valid() {
        let o = org(5_000, 3);
        let shelf = catalogue();
        let cf: Vec<String> = CUSTOMER_FIELDS.iter().map(|s| s.to_string()).collect();
        let hf: Vec<String> = HOLDING_FIELDS.iter().map(|s| s.to_string()).collect();
        assert_eq!(CUSTOMER_HEADER.split(',').collect::<Vec<_>>(), CUSTOMER_FIELDS);
        assert_eq!(HOLDING_HEADER.split(',').collect::<Vec<_>>(), HOLDING_FIELDS);
        let mut aums = vec![];
        for i in 0..3_000 {
            let c = customer(&o, &shelf, 3, i, as_of());
            let vals: Vec<String> = c.line.split(',').map(String::from).collect();
            let input: CustomerInput = customer_of(&cf, &vals).unwrap();
            let v = input.validate().unwrap_or_else(|e| panic!("{}: {e:?}", c.line));
            assert!(v.id_number.is_some() && v.mobile.is_some());
            aums.push(v.aum_fen.unwrap());
            for h in &c.holdings {
                let vals: Vec<String> = h.split(',').map(String::from).collect();
                let hv = holding_of(&hf, &vals).unwrap().validate().unwrap_or_else(|e| panic!("{h}: {e:?}"));
                if let Some(m) = hv.maturity_date {
                    assert!(m >= as_of(), "{h}");
                }
            }
        }
        aums.sort_unstable();
        let median = aums[aums.len() / 2] / 100;
        assert!((20_000..120_000).contains(&median), "log-normal AUM, median {median}");
        assert!(aums[aums.len() - 1] > 20 * aums[aums.len() / 2], "a long tail");
    }

    #[test]
    fn id_numbers_carry_their_check_digit() {
        let d = NaiveDate::from_ymd_opt(1949, 12, 31).unwrap();
        assert_eq!(id_number("110105", d, 0, false).len(), 18);
        for seq in 0..50 {
            assert!(crate::pii::is_resident_id(&id_number("310104", d, seq, seq % 2 == 0)));
        }
    }
}
