//! `siyu import customers|holdings` on the backend the test script selects: good files in UTF-8 and GBK, control
//! files, the same file twice, the reject threshold, authentication columns, a killed import resumed, holdings as
//! each listed customer's snapshot, and `siyu events derive` replayed.

mod common;

use common::*;
use diesel::prelude::*;
use std::process::Stdio;

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_good_file_loads_with_its_control_file_and_the_same_file_twice_changes_nothing() {
    let env = Env::new();
    let rows: Vec<String> = (0..50).map(row).collect();
    let text = file_of(&rows);
    let path = env.write("customers-20261122.csv", text.as_bytes());
    env.write("customers-20261122.csv.ctl", format!("rows=50\nsha256={}\n", sha256(text.as_bytes())).as_bytes());
    let o = env.import(&path, &["--require-control"]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("loaded 50 row(s) (50 new, 0 updated), rejected 0"), "{}", out(&o));
    assert_eq!(env.customers(), 50);
    // At rest nothing is in clear.
    let names: Vec<String> =
        siyu_store::schema::customers::table.select(siyu_store::schema::customers::name).load(&mut env.conn()).unwrap();
    assert!(names.iter().all(|n| !n.contains('王') && !n.contains('李')));
    let o = env.import(&path, &[]);
    assert!(o.status.success());
    assert!(out(&o).contains("already imported"), "{}", out(&o));
    assert_eq!(env.customers(), 50);
    // The next day's file updates the same customers by number.
    let next: Vec<String> = (0..10).map(|i| row(i).replace("C1,", "C2,")).collect();
    let o = env.import(&env.write("customers-20261123.csv", file_of(&next).as_bytes()), &[]);
    assert!(out(&o).contains("(0 new, 2 updated, 8 unchanged)"), "only risk level C1 changed: {}", out(&o));
    assert_eq!(env.customers(), 50);
}

#[test]
fn gbk_files_load_and_decode() {
    let env = Env::new();
    let rows: Vec<String> = (0..20).map(row).collect();
    let text = file_of(&rows);
    let (gbk, _, bad) = encoding_rs::GBK.encode(&text);
    assert!(!bad);
    let path = env.write("gbk.csv", &gbk);
    let o = env.import(&path, &["--encoding", "gbk"]);
    assert!(o.status.success(), "{}", out(&o));
    assert_eq!(env.customers(), 20);
    // Read back through the vault: the Chinese name survived the encoding.
    let settings = {
        let mut s = siyu_config::Settings::default();
        s.data.dir = env.dir.path().join("data");
        s
    };
    let mut c = env.conn();
    let vault = siyu_app::keys::open(&mut c, &settings, false, &Default::default()).unwrap().vault;
    let r: siyu_store::customers::CustomerRow = siyu_store::schema::customers::table
        .select(siyu_store::customers::CustomerRow::as_select())
        .first(&mut c)
        .unwrap();
    let name = siyu_app::keys::open_value(
        &vault,
        siyu_store::sealed::CUSTOMER_NAME,
        &r.id,
        &r.name,
        siyu_vault::PurposeKind::Verify,
    )
    .unwrap();
    assert_eq!(name, "王伟伟");
    // The same bytes read as UTF-8 are rejected row by row, and that is far over the threshold.
    let env2 = Env::new();
    let o = env2.import(&env2.write("gbk.csv", &gbk), &[]);
    assert!(!o.status.success());
    assert_eq!(env2.customers(), 0);
}

#[test]
fn a_control_file_mismatch_or_a_truncated_file_is_refused_whole() {
    let env = Env::new();
    let rows: Vec<String> = (0..10).map(row).collect();
    let text = file_of(&rows);
    let path = env.write("c.csv", text.as_bytes());
    env.write("c.csv.ctl", b"rows=11\n");
    let o = env.import(&path, &[]);
    assert!(!o.status.success());
    assert!(out(&o).contains("refused whole"), "{}", out(&o));
    env.write("c.csv.ctl", format!("rows=10\nsha256={}\n", sha256(b"something else")).as_bytes());
    assert!(!env.import(&path, &[]).status.success());
    // Cut mid-way through a transfer: the control file still describes the whole file.
    env.write("c.csv.ctl", format!("rows=10\nsha256={}\n", sha256(text.as_bytes())).as_bytes());
    let cut = env.write("c.csv", &text.as_bytes()[..text.len() / 2]);
    assert!(!env.import(&cut, &[]).status.success());
    assert!(!env.import(&env.write("n.csv", text.as_bytes()), &["--require-control"]).status.success());
    assert_eq!(env.customers(), 0);
}

#[test]
fn bad_rows_are_reported_and_over_the_threshold_the_file_is_refused() {
    let env = Env::new();
    let mut rows: Vec<String> = (0..200).map(row).collect();
    rows[10] = rows[10].replace(",139", ",239"); // not a mobile
    rows[20] = rows[20].replace("1970-01-01", "1970-02-30"); // impossible date
    let path = env.write("two-bad.csv", file_of(&rows).as_bytes());
    let o = env.import(&path, &[]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("loaded 198") && out(&o).contains("rejected 2"), "{}", out(&o));
    let report_path = out(&o).split("reject report: ").nth(1).unwrap().lines().next().unwrap().trim().to_string();
    let report = std::fs::read_to_string(&report_path).unwrap();
    assert!(report.contains("12,mobile,") && report.contains("22,birth_date,"), "{report}");
    assert!(!report.contains("239") && !report.contains("1970-02-30"), "the report names rules, not values");
    rows[30] = rows[30].replace("BJ01", "XX99"); // unknown outlet: now 3 of 200 = 1.5%
    let env2 = Env::new();
    let o = env2.import(&env2.write("three-bad.csv", file_of(&rows).as_bytes()), &[]);
    assert!(!o.status.success());
    assert!(out(&o).contains("refused whole"), "{}", out(&o));
    assert_eq!(env2.customers(), 0);
}

#[test]
fn a_next_days_file_rewrites_only_the_customers_that_changed() {
    use siyu_store::schema::customers::dsl as c;
    let env = Env::new();
    let rows: Vec<String> = (0..50).map(row).collect();
    let o = env.import(&env.write("day1.csv", file_of(&rows).as_bytes()), &[]);
    assert!(out(&o).contains("(50 new, 0 updated)"), "{}", out(&o));
    let before: Vec<(String, String, chrono::NaiveDateTime)> =
        c::customers.select((c::id, c::name, c::updated_at)).order(c::id).load(&mut env.conn()).unwrap();

    // Day 2: ten customers' risk assessed again, one customer is new, the rest as they were.
    let mut day2: Vec<String> = rows.clone();
    for r in day2.iter_mut().take(10) {
        *r = r.replace(",2026-01-01,", ",2026-02-01,"); // risk assessed again
    }
    day2.push(row(50));
    let o = env.import(&env.write("day2.csv", file_of(&day2).as_bytes()), &[]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("loaded 51 row(s) (1 new, 10 updated, 40 unchanged), rejected 0"), "{}", out(&o));
    let after: Vec<(String, String, chrono::NaiveDateTime)> =
        c::customers.select((c::id, c::name, c::updated_at)).order(c::id).load(&mut env.conn()).unwrap();
    let untouched = before.iter().filter(|b| after.contains(b)).count();
    assert_eq!(untouched, 40, "unchanged rows keep their very ciphertexts and update time");

    // Another writer (a reassignment) changes a row: the next file naming the customer rewrites it.
    let (id, rm): (String, Option<String>) =
        c::customers.filter(c::rm_staff_id.is_null()).select((c::id, c::rm_staff_id)).first(&mut env.conn()).unwrap();
    let rm1: String = siyu_store::schema::staff::table
        .filter(siyu_store::schema::staff::employee_no.eq("E-RM1"))
        .select(siyu_store::schema::staff::id)
        .first(&mut env.conn())
        .unwrap();
    let by = siyu_store::assignments::By { actor: None, reason: "test" };
    assert!(siyu_store::assignments::set_rm(&mut env.conn(), &id, rm.as_deref(), Some(&rm1), by, chrono::Utc::now())
        .unwrap());
    let day3 = format!("{}\n", file_of(&day2)); // the same rows, another file
    let o = env.import(&env.write("day3.csv", day3.as_bytes()), &[]);
    assert!(out(&o).contains("(0 new, 1 updated, 50 unchanged)"), "{}", out(&o));
    let back: Option<String> = c::customers.find(&id).select(c::rm_staff_id).first(&mut env.conn()).unwrap();
    assert_eq!(back, None, "the file's owner is written back");

    // A line repeating a customer found unchanged earlier in the file is a repeat, even if it differs.
    let mut day4 = day2.clone();
    day4.push(day2[30].replace(",139", ",137"));
    let o = env.import(&env.write("day4.csv", file_of(&day4).as_bytes()), &["--max-reject-share", "0.05"]);
    assert!(out(&o).contains("(0 new, 0 updated, 51 unchanged), rejected 1"), "{}", out(&o));
    let staged: i64 = siyu_store::schema::import_unchanged::table.count().get_result(&mut env.conn()).unwrap();
    assert_eq!(staged, 0, "the notes of unchanged lines are emptied");
}

#[test]
fn a_customer_repeated_in_the_same_batch_or_a_later_one_is_rejected_and_the_first_row_kept() {
    let env = Env::new();
    let mut rows: Vec<String> = (0..2_500).map(row).collect();
    rows[7] = rows[6].replace(",139", ",138"); // the next line, same batch, same customer number
    rows[2_100] = rows[5].replace(",139", ",137"); // three batches later
    let o = env.import(&env.write("repeats.csv", file_of(&rows).as_bytes()), &[]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("loaded 2498") && out(&o).contains("rejected 2"), "{}", out(&o));
    let report_path = out(&o).split("reject report: ").nth(1).unwrap().lines().next().unwrap().trim().to_string();
    let report = std::fs::read_to_string(&report_path).unwrap();
    let repeats: Vec<&str> = report.lines().filter(|l| l.contains("appears twice")).collect();
    assert_eq!(repeats.len(), 2, "{report}");
    assert!(repeats[0].starts_with("9,customer_no,") && repeats[1].starts_with("2102,customer_no,"), "{report}");
    assert_eq!(env.customers(), 2_498);
    // The first row of each stays: its mobile, not the repeat's, is what a search by mobile finds.
    let mobiles: Vec<Option<String>> = siyu_store::schema::customers::table
        .select(siyu_store::schema::customers::mobile_idx)
        .load(&mut env.conn())
        .unwrap();
    assert_eq!(mobiles.iter().flatten().count(), 2_498);
    let staged: i64 = siyu_store::schema::import_customers::table.count().get_result(&mut env.conn()).unwrap();
    assert_eq!(staged, 0, "the stage is emptied");
}

#[test]
fn a_file_with_authentication_data_is_refused_and_its_values_written_nowhere() {
    let env = Env::new();
    let text = format!("{HEADER},card_pin\n{},864209\n", row(1));
    let o = env.import(&env.write("pin.csv", text.as_bytes()), &[]);
    assert!(!o.status.success());
    assert!(out(&o).contains("authentication"), "{}", out(&o));
    assert!(!out(&o).contains("864209"));
    assert_eq!(env.customers(), 0);
    let details: Vec<String> = siyu_store::schema::audit_log::table
        .select(siyu_store::schema::audit_log::detail)
        .load(&mut env.conn())
        .unwrap();
    assert!(details.iter().all(|d| !d.contains("864209")));
}

#[test]
fn a_killed_import_resumes_where_it_stopped() {
    let env = Env::new();
    let rows: Vec<String> = (0..12_000).map(row).collect();
    let path = env.write("big.csv", file_of(&rows).as_bytes());
    let mut first = Reaped(
        env.command(&["import", "customers", path.to_str().unwrap(), "--lease-secs", "1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let done_at_kill = first.kill_once_done(&env, "import.customers", 2000);
    assert!(done_at_kill < 12_000, "killed mid-way");
    assert_eq!(env.customers(), 0, "nothing is published before the whole file is staged");
    let o = env.import(&path, &["--lease-secs", "1"]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("resuming"), "{}", out(&o));
    assert_eq!(env.customers(), 12_000);
    let attempts: i64 =
        siyu_store::schema::jobs::table.select(siyu_store::schema::jobs::attempts).first(&mut env.conn()).unwrap();
    assert_eq!(attempts, 2);
    let staged: i64 = siyu_store::schema::import_customers::table.count().get_result(&mut env.conn()).unwrap();
    assert_eq!(staged, 0, "the stage is emptied");
}

const HOLDINGS_HEADER: &str =
    "customer_no,product_code,product_name,product_type,product_risk,amount,start_date,maturity_date,next_open_date,nav,nav_date";
const PRODUCTS: [(&str, &str, &str); 4] = [
    ("DEP3M", "三个月定期", "存款"),
    ("WM90", "稳健理财90天", "wealth_management"),
    ("FUND1", "成长混合", "fund"),
    ("GOLD", "积存金", "precious_metal"),
];

/// Customer `i`'s holding `j`: a product, an amount, dates and a NAV of `nav_date`.
fn holding_row(i: usize, j: usize, nav_date: &str) -> String {
    let (code, name, kind) = PRODUCTS[j % 4];
    format!(
        "CN{i:08},{code},{name},{kind},R{},{}.25,2026-09-01,2026-12-{:02},,1.{:04},{nav_date}",
        1 + (i + j) % 5,
        10_000 + i * 101 + j,
        1 + (i + j) % 28,
        9000 + i % 1000
    )
}

fn holdings_file(rows: &[String]) -> String {
    let mut s = format!("{HOLDINGS_HEADER}\n");
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

#[test]
fn holdings_load_as_each_listed_customers_snapshot_and_the_same_file_twice_changes_nothing() {
    let env = Env::with_customers(20);
    let rows: Vec<String> = (0..20).flat_map(|i| (0..2).map(move |j| holding_row(i, j, "2026-11-30"))).collect();
    let text = holdings_file(&rows);
    let path = env.write("holdings-20261130.csv", text.as_bytes());
    env.write("holdings-20261130.csv.ctl", format!("rows=40\nsha256={}\n", sha256(text.as_bytes())).as_bytes());
    let o = env.import_as("holdings", &path, &["--require-control"]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("loaded 40 row(s) (40 new, 0 updated, 0 closed), rejected 0"), "{}", out(&o));
    assert_eq!(env.holdings(), 40);
    let amounts: Vec<String> =
        siyu_store::schema::holdings::table.select(siyu_store::schema::holdings::amount).load(&mut env.conn()).unwrap();
    assert!(amounts.iter().all(|a| !a.contains("10000.25") && !a.contains("1000025")), "amounts sealed");
    let o = env.import_as("holdings", &path, &[]);
    assert!(out(&o).contains("already imported"), "{}", out(&o));
    assert_eq!(env.holdings(), 40);
    // The next day lists customers 0..5 with their first product only: their second is closed, the rest stay.
    let next: Vec<String> = (0..5).map(|i| holding_row(i, 0, "2026-12-01").replace(",1.9", ",1.8")).collect();
    let o = env.import_as("holdings", &env.write("holdings-20261201.csv", holdings_file(&next).as_bytes()), &[]);
    assert!(out(&o).contains("(0 new, 5 updated, 5 closed)"), "{}", out(&o));
    assert_eq!(env.holdings(), 35);
    let navs: Vec<(Option<String>, Option<String>)> = siyu_store::schema::holdings::table
        .filter(siyu_store::schema::holdings::nav_date.eq("2026-12-01"))
        .select((siyu_store::schema::holdings::prev_nav, siyu_store::schema::holdings::purchase_nav))
        .load(&mut env.conn())
        .unwrap();
    assert_eq!(navs.len(), 5);
    assert!(navs.iter().all(|(p, b)| p.is_some() && p == b), "the previous NAV is remembered, the purchase NAV kept");
    // Derive the day's events twice: the second run adds nothing.
    let o = env.command(&["events", "derive", "--date", "2026-12-01"]).output().unwrap();
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("20 customer(s)"), "{}", out(&o));
    let events: i64 = siyu_store::schema::customer_events::table.count().get_result(&mut env.conn()).unwrap();
    assert!(events > 0);
    let o = env.command(&["events", "derive", "--date", "2026-12-01"]).output().unwrap();
    assert!(out(&o).contains("0 new event(s)"), "{}", out(&o));
    let again: i64 = siyu_store::schema::customer_events::table.count().get_result(&mut env.conn()).unwrap();
    assert_eq!(again, events);
}

#[test]
fn a_holding_repeated_in_the_same_batch_or_a_later_one_is_rejected_and_the_first_row_kept() {
    // 700 customers with 2 holdings each: 1,400 lines, two batches written while the next is prepared.
    let env = Env::with_customers(700);
    let mut rows: Vec<String> = (0..700).flat_map(|i| (0..2).map(move |j| holding_row(i, j, "2026-11-30"))).collect();
    rows.insert(5, rows[4].replace(".25,", ".75,")); // the next line, same batch, same customer and product
    rows.push(rows[2].replace(".25,", ".50,")); // the second batch repeats a holding of the first
    let o = env.import_as("holdings", &env.write("repeats.csv", holdings_file(&rows).as_bytes()), &[]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("loaded 1400 row(s) (1400 new, 0 updated, 0 closed), rejected 2"), "{}", out(&o));
    let report_path = out(&o).split("reject report: ").nth(1).unwrap().lines().next().unwrap().trim().to_string();
    let report = std::fs::read_to_string(&report_path).unwrap();
    let repeats: Vec<&str> = report.lines().filter(|l| l.contains("appears twice")).collect();
    assert_eq!(repeats.len(), 2, "{report}");
    assert!(repeats[0].starts_with("7,product_code,") && repeats[1].starts_with("1403,product_code,"), "{report}");
    assert_eq!(env.holdings(), 1400);
    let staged: i64 = siyu_store::schema::import_holdings::table.count().get_result(&mut env.conn()).unwrap();
    assert_eq!(staged, 0, "the stage is emptied");
}

#[test]
fn gbk_holdings_load_and_a_control_file_mismatch_is_refused_whole() {
    let env = Env::with_customers(10);
    let rows: Vec<String> = (0..10).map(|i| holding_row(i, 1, "2026-11-30")).collect();
    let text = holdings_file(&rows);
    let (gbk, _, bad) = encoding_rs::GBK.encode(&text);
    assert!(!bad);
    let path = env.write("holdings-gbk.csv", &gbk);
    env.write("holdings-gbk.csv.ctl", b"rows=11\n");
    let o = env.import_as("holdings", &path, &["--encoding", "gbk"]);
    assert!(!o.status.success());
    assert!(out(&o).contains("refused whole"), "{}", out(&o));
    assert_eq!(env.holdings(), 0);
    env.write("holdings-gbk.csv.ctl", format!("rows=10\nsha256={}\n", sha256(&gbk)).as_bytes());
    let o = env.import_as("holdings", &path, &["--encoding", "gbk"]);
    assert!(o.status.success(), "{}", out(&o));
    let names: Vec<String> = siyu_store::schema::holdings::table
        .select(siyu_store::schema::holdings::product_name)
        .load(&mut env.conn())
        .unwrap();
    assert_eq!(names.len(), 10);
    assert!(names.iter().all(|n| n == "稳健理财90天"), "{names:?}");
    let c3 = format!("{HOLDINGS_HEADER},trade_password\n{},123456\n", holding_row(1, 1, "2026-11-30"));
    let o = env.import_as("holdings", &env.write("c3.csv", c3.as_bytes()), &[]);
    assert!(!o.status.success() && out(&o).contains("authentication"), "{}", out(&o));
}

#[test]
fn bad_holding_rows_are_reported_and_over_one_percent_the_file_is_refused() {
    let env = Env::with_customers(100);
    let mut rows: Vec<String> = (0..100).flat_map(|i| (0..2).map(move |j| holding_row(i, j, "2026-11-30"))).collect();
    rows[10] = rows[10].replace("CN00000005", "CN99999999"); // unknown customer
    rows[20] = rows[20].replace("2026-09-01", "2026-09-31"); // impossible date
    let o = env.import_as("holdings", &env.write("two-bad.csv", holdings_file(&rows).as_bytes()), &[]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("loaded 198") && out(&o).contains("rejected 2"), "{}", out(&o));
    let report_path = out(&o).split("reject report: ").nth(1).unwrap().lines().next().unwrap().trim().to_string();
    let report = std::fs::read_to_string(&report_path).unwrap();
    assert!(report.contains("12,customer_no,\"unknown customer\""), "{report}");
    assert!(report.contains("22,start_date,"), "{report}");
    assert!(!report.contains("CN99999999"), "the report names rules, not values");
    rows[30] = rows[30].replace(",存款,", ",crypto,"); // unknown product type: 3 of 200 = 1.5%
    let env2 = Env::with_customers(100);
    let o = env2.import_as("holdings", &env2.write("three-bad.csv", holdings_file(&rows).as_bytes()), &[]);
    assert!(!o.status.success());
    assert!(out(&o).contains("refused whole"), "{}", out(&o));
    assert_eq!(env2.holdings(), 0);
    let staged: i64 = siyu_store::schema::import_holdings::table.count().get_result(&mut env2.conn()).unwrap();
    assert_eq!(staged, 0, "the stage is emptied");
}

#[test]
fn an_import_that_changes_a_managing_rm_or_outlet_records_the_history() {
    use siyu_store::schema::change_history as h;
    let env = Env::with_customers(6);
    // Customer 0 loses its RM, customer 1 gets one, customer 2 moves from BJ01 to SH01; the rest are unchanged.
    let next: Vec<String> = (0..6)
        .map(|i| match i {
            0 => row(0).replace(",BJ01,E-RM1", ",BJ01,"),
            1 => row(1).replace(",SH01,", ",SH01,E-RM1"),
            2 => row(2).replace(",BJ01,", ",SH01,"),
            _ => row(i),
        })
        .collect();
    let path = env.write("customers-next.csv", file_of(&next).as_bytes());
    let o = env.import(&path, &[]);
    assert!(o.status.success(), "{}", out(&o));
    type Entry = (String, Option<String>, Option<String>, Option<String>);
    let rows: Vec<Entry> = h::table
        .filter(h::subject_type.eq("customer"))
        .order(h::action.asc())
        .select((h::action, h::from_value, h::to_value, h::reason))
        .load(&mut env.conn())
        .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(actions, vec!["outlet", "rm", "rm"], "{rows:?}");
    assert!(rows.iter().all(|r| r.3.as_deref().is_some_and(|x| x.starts_with("import job "))), "{rows:?}");
    assert_eq!(rows.iter().filter(|r| r.0 == "rm" && r.1.is_none() && r.2.is_some()).count(), 1);
    assert_eq!(rows.iter().filter(|r| r.0 == "rm" && r.1.is_some() && r.2.is_none()).count(), 1);
    // The same file again changes nothing and records nothing.
    assert!(env.import(&path, &[]).status.success());
    let n: i64 = h::table.filter(h::subject_type.eq("customer")).count().get_result(&mut env.conn()).unwrap();
    assert_eq!(n, 3);
}
