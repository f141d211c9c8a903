//! The direct first load: on PostgreSQL a file of at least 50,000 rows into an empty table is copied straight into
//! it in one transaction (no stage), its indexes and constraints rebuilt at the end. Each test also runs on SQLite,
//! where the same file is staged: the outcome a user sees must be the same on both.

mod common;

use common::*;
use diesel::prelude::*;
use std::process::Stdio;

const ROWS: usize = 50_000;

/// Whether the last successful import of `action` took the direct load (its audit record says so).
fn took_direct(env: &Env, action: &str) -> bool {
    use siyu_store::schema::audit_log::dsl as a;
    let details: Vec<String> = a::audit_log
        .filter(a::action.eq(action))
        .filter(a::outcome.eq("success"))
        .order(a::seq.desc())
        .select(a::detail)
        .limit(1)
        .load(&mut env.conn())
        .unwrap();
    let detail: serde_json::Value = serde_json::from_str(&details[0]).unwrap();
    detail["direct"].as_bool().unwrap_or(false)
}

/// The constraints and indexes of `table` (PostgreSQL), to see that a load rebuilt or restored every one.
fn catalog(env: &Env, table: &str) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let names: Vec<Name> = diesel::sql_query(format!(
        "SELECT indexname::text AS name FROM pg_indexes WHERE tablename = '{table}' UNION ALL \
         SELECT conname::text FROM pg_constraint WHERE conrelid = '{table}'::regclass ORDER BY 1"
    ))
    .load(&mut env.conn())
    .unwrap();
    names.into_iter().map(|n| n.name).collect()
}

fn report_of(o: &std::process::Output) -> String {
    let path = out(o).split("reject report: ").nth(1).unwrap().lines().next().unwrap().trim().to_string();
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn a_first_load_is_copied_straight_into_the_empty_tables_and_later_files_are_staged() {
    let env = Env::new();
    let pg = siyu_store::testing::is_postgres();
    let before = if pg { catalog(&env, "customers") } else { vec![] };
    let holdings_before = if pg { catalog(&env, "holdings") } else { vec![] };
    let mut rows: Vec<String> = (0..ROWS).map(row).collect();
    rows[100] = rows[100].replace(",1970-01-01,", ",1970-02-30,"); // impossible date
    rows[30_000] = rows[30_000].replace(",BJ01,", ",XX99,"); // unknown outlet
    let o = env.import(&env.write("first.csv", file_of(&rows).as_bytes()), &[]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("loaded 49998 row(s) (49998 new, 0 updated), rejected 2"), "{}", out(&o));
    assert_eq!(took_direct(&env, "import.customers"), pg, "direct on PostgreSQL only");
    let report = report_of(&o);
    assert!(report.contains("102,birth_date,") && report.contains("30002,outlet_code,"), "{report}");
    assert_eq!(env.customers(), 49_998);
    if pg {
        assert_eq!(catalog(&env, "customers"), before, "every index and constraint rebuilt under its own name");
    }
    // The table is no longer empty: the next day's file is staged, and finds yesterday's customers by index.
    let next: Vec<String> = (0..10).map(|i| row(i).replace(".50,", ".75,")).collect();
    let o = env.import(&env.write("next.csv", file_of(&next).as_bytes()), &[]);
    assert!(out(&o).contains("(0 new, 10 updated)"), "{}", out(&o));
    assert!(!took_direct(&env, "import.customers"));

    // Holdings: the first file (two products for each of 25,000 customers, customer 100's unknown since its row
    // was rejected) is direct too; the next is staged.
    let holdings: Vec<String> = (0..ROWS / 2)
        .flat_map(|i| {
            (0..2).map(move |j| {
                format!("CN{i:08},P{j},产品{j},fund,R2,{}.25,2026-09-01,2026-12-31,,1.0100,2026-11-30", 1000 + i)
            })
        })
        .collect();
    let header = "customer_no,product_code,product_name,product_type,product_risk,amount,start_date,maturity_date,\
                  next_open_date,nav,nav_date";
    let text = format!("{header}\n{}\n", holdings.join("\n"));
    let o = env.import_as("holdings", &env.write("holdings.csv", text.as_bytes()), &[]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("loaded 49998 row(s) (49998 new, 0 updated, 0 closed), rejected 2"), "{}", out(&o));
    assert_eq!(took_direct(&env, "import.holdings"), pg);
    if pg {
        assert_eq!(catalog(&env, "holdings"), holdings_before, "its foreign key is back");
    }
    let next = format!("{header}\n{}\n", holdings[..6].join("\n").replace(",1.0100,", ",1.0200,"));
    let o = env.import_as("holdings", &env.write("holdings-next.csv", next.as_bytes()), &[]);
    assert!(out(&o).contains("(0 new, 6 updated, 0 closed)"), "{}", out(&o));
    assert_eq!(env.holdings(), 49_998);
}

#[test]
fn a_first_load_repeating_a_customer_is_staged_instead_and_reports_the_repeat() {
    let env = Env::new();
    let before = if siyu_store::testing::is_postgres() { catalog(&env, "customers") } else { vec![] };
    let mut rows: Vec<String> = (0..ROWS).map(row).collect();
    rows[40_000] = rows[10].replace(",139", ",137");
    let o = env.import(&env.write("repeat.csv", file_of(&rows).as_bytes()), &[]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("loaded 49999 row(s) (49999 new, 0 updated), rejected 1"), "{}", out(&o));
    assert!(report_of(&o).contains("40002,customer_no,"), "{}", report_of(&o));
    assert!(!took_direct(&env, "import.customers"), "the direct attempt was rolled back");
    if siyu_store::testing::is_postgres() {
        assert_eq!(catalog(&env, "customers"), before, "its foreign keys added back after the rollback");
    }
    assert_eq!(env.customers(), 49_999);
    let staged: i64 = siyu_store::schema::import_customers::table.count().get_result(&mut env.conn()).unwrap();
    assert_eq!(staged, 0, "the stage is emptied");
}

#[test]
fn a_first_load_with_too_many_bad_rows_is_refused_whole_and_leaves_the_table_as_it_was() {
    let env = Env::new();
    let pg = siyu_store::testing::is_postgres();
    let before = if pg { catalog(&env, "customers") } else { vec![] };
    let mut rows: Vec<String> = (0..ROWS).map(row).collect();
    for r in rows.iter_mut().step_by(80) {
        *r = r.replace(",BJ01,", ",XX99,").replace(",SH01,", ",XX99,"); // 625 of 50,000: 1.25%
    }
    let o = env.import(&env.write("bad.csv", file_of(&rows).as_bytes()), &[]);
    assert!(!o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("refused whole"), "{}", out(&o));
    assert_eq!(env.customers(), 0);
    assert_eq!(report_of(&o).lines().filter(|l| l.contains("outlet_code")).count(), 625);
    if pg {
        assert_eq!(catalog(&env, "customers"), before, "the indexes set aside are back");
    }
}

#[test]
fn a_killed_first_load_starts_again_and_completes() {
    let env = Env::new();
    let rows: Vec<String> = (0..60_000).map(row).collect();
    let path = env.write("big.csv", file_of(&rows).as_bytes());
    let mut first = Reaped(
        env.command(&["import", "customers", path.to_str().unwrap(), "--lease-secs", "1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let pg = siyu_store::testing::is_postgres();
    let before = if pg { catalog(&env, "customers") } else { vec![] };
    let done_at_kill = first.kill_once_done(&env, "import.customers", 20_000);
    assert!(done_at_kill < 60_000, "killed mid-way");
    assert_eq!(env.customers(), 0, "nothing is visible before the whole file is loaded");
    let aside: i64 = siyu_store::schema::set_aside_foreign_keys::table.count().get_result(&mut env.conn()).unwrap();
    assert_eq!(aside, if pg { 2 } else { 0 }, "the killed load left its foreign keys aside, recorded");
    let o = env.import(&path, &["--lease-secs", "1"]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("loaded 60000 row(s)"), "{}", out(&o));
    assert_eq!(env.customers(), 60_000);
    let attempts: i64 =
        siyu_store::schema::jobs::table.select(siyu_store::schema::jobs::attempts).first(&mut env.conn()).unwrap();
    assert_eq!(attempts, 2);
    assert_eq!(took_direct(&env, "import.customers"), pg);
    if pg {
        assert_eq!(catalog(&env, "customers"), before, "the foreign keys are back");
    }
    let aside: i64 = siyu_store::schema::set_aside_foreign_keys::table.count().get_result(&mut env.conn()).unwrap();
    assert_eq!(aside, 0);
}
