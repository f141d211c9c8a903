//! Fixed-width files (`format = "fixed"`): field positions count bytes of the file's encoding, as core-banking
//! systems write them — a Chinese character is 2 bytes in GBK.

mod common;

use common::*;
use diesel::prelude::*;

const LAYOUT: &str = r#"
name = "core-banking-fixed"
format = "fixed"
[[fields]]
field = "customer_no"
start = 1
width = 12
[[fields]]
field = "name"
start = 13
width = 12
[[fields]]
field = "id_number"
start = 25
width = 18
[[fields]]
field = "mobile"
start = 43
width = 11
[[fields]]
field = "outlet_code"
start = 54
width = 6
[[fields]]
field = "rm_employee_no"
start = 60
width = 8
"#;

/// `text` in GBK, padded with spaces to `width` bytes.
fn gbk(text: &str, width: usize) -> Vec<u8> {
    let (b, _, bad) = encoding_rs::GBK.encode(text);
    assert!(!bad && b.len() <= width, "{text}");
    let mut v = b.into_owned();
    v.resize(width, b' ');
    v
}

fn record(i: usize, name: &str) -> Vec<u8> {
    let rm = if i.is_multiple_of(3) { "E-RM1" } else { "" };
    let outlet = if i.is_multiple_of(2) { "BJ01" } else { "SH01" };
    [
        gbk(&format!("FX{i:08}"), 12),
        gbk(name, 12),
        gbk(&id_number(i), 18),
        gbk(&format!("139{i:08}"), 11),
        gbk(outlet, 6),
        gbk(rm, 8),
        b"\r\n".to_vec(),
    ]
    .concat()
}

#[test]
fn a_gbk_fixed_width_file_loads_by_byte_position_and_a_cut_character_rejects_its_row() {
    let env = Env::new();
    let layout = env.write("fixed.toml", LAYOUT.as_bytes());
    let mut file = Vec::new();
    for i in 0..40 {
        file.extend(record(i, &format!("{}{}{}", SURNAMES[i % 8], GIVEN[i % 8], GIVEN[(i / 8) % 8])));
    }
    // A name of 6 characters fills its 12 bytes exactly (a 6-character name in UTF-8 would need 18).
    file.extend(record(40, "欧阳娜娜伟伟"));
    // One ASCII byte shifts the characters: the 12th byte is half of one, so the row is left out.
    let mut cut = record(41, "");
    cut[12..24].copy_from_slice(&[b"A".as_slice(), &gbk("王伟伟伟伟王", 12)[..11]].concat());
    file.extend(cut);
    let path = env.write("CUST_20261130.dat", &file);
    let o =
        env.import(&path, &["--layout", layout.to_str().unwrap(), "--encoding", "gbk", "--max-reject-share", "0.05"]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("loaded 41 row(s) (41 new, 0 updated), rejected 1"), "{}", out(&o));
    let report = std::fs::read_dir(env.dir.path().join("data/imports")).unwrap().next().unwrap().unwrap().path();
    let report = std::fs::read_to_string(report).unwrap();
    assert!(report.contains("42,name,"), "line 42 (no header line), the name field: {report}");
    assert!(!report.contains('王'), "never the value");

    // Read back through the vault: the names are exact, without the padding.
    let settings = {
        let mut s = siyu_config::Settings::default();
        s.data.dir = env.dir.path().join("data");
        s
    };
    let mut c = env.conn();
    let vault = siyu_app::keys::open(&mut c, &settings, false, &Default::default()).unwrap().vault;
    let rows: Vec<siyu_store::customers::CustomerRow> = siyu_store::schema::customers::table
        .select(siyu_store::customers::CustomerRow::as_select())
        .load(&mut c)
        .unwrap();
    let names: Vec<String> = rows
        .iter()
        .map(|r| {
            let open = |col, v: &str| {
                siyu_app::keys::open_value(&vault, col, &r.id, v, siyu_vault::PurposeKind::Verify).unwrap()
            };
            let no = open(siyu_store::sealed::CUSTOMER_NO, &r.customer_no);
            format!("{no}:{}", open(siyu_store::sealed::CUSTOMER_NAME, &r.name))
        })
        .collect();
    assert!(names.contains(&"FX00000040:欧阳娜娜伟伟".to_string()), "{names:?}");
    assert!(names.contains(&"FX00000001:李芳伟".to_string()), "{names:?}");
}

#[test]
fn a_fixed_width_header_naming_authentication_data_refuses_the_file() {
    let env = Env::new();
    let layout =
        env.write("fixed.toml", LAYOUT.replace("format = \"fixed\"", "format = \"fixed\"\nheader = true").as_bytes());
    let mut file = b"CUST_NO     NAME        ID_NUMBER         MOBILE     ORG   RM      PIN\r\n".to_vec();
    file.extend(record(1, "李芳"));
    let o = env.import(&env.write("CUST.dat", &file), &["--layout", layout.to_str().unwrap(), "--encoding", "gbk"]);
    assert!(!o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("authentication data"), "{}", out(&o));
    assert_eq!(env.customers(), 0);
    // Without the authentication column, the header line is skipped and the record loads.
    let mut file = b"CUST_NO     NAME        ID_NUMBER         MOBILE     ORG   RM\r\n".to_vec();
    file.extend(record(1, "李芳"));
    let o = env.import(&env.write("CUST2.dat", &file), &["--layout", layout.to_str().unwrap(), "--encoding", "gbk"]);
    assert!(o.status.success(), "{}", out(&o));
    assert_eq!(env.customers(), 1);
}
