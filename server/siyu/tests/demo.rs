//! `siyu demo seed`: a small synthetic bank through the import pipeline (sealed like real data), the same bank for
//! the same seed, and nothing changed by a second run.

mod common;

use common::{out, Env};
use diesel::prelude::*;
use siyu_store::schema::{customers, org_nodes, role_assignments, staff, wecom_contacts};

#[test]
fn a_demo_bank_is_seeded_through_the_import_pipeline_and_a_second_run_changes_nothing() {
    let env = Env::new();
    let args = ["demo", "seed", "--customers", "300", "--seed", "42", "--as-of", "2026-11-30"];
    let o = env.command(&args).output().unwrap();
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("demo bank of 300 customer(s) ready"), "{}", out(&o));
    assert_eq!(env.customers(), 300);
    let h = env.holdings();
    assert!(h > 300, "customers hold products: {h}");
    let mut c = env.conn();
    let outlets: i64 = org_nodes::table.filter(org_nodes::kind.eq("outlet")).count().get_result(&mut c).unwrap();
    let rms: i64 = role_assignments::table.filter(role_assignments::role.eq("rm")).count().get_result(&mut c).unwrap();
    let remote: i64 =
        role_assignments::table.filter(role_assignments::role.eq("remote_rm")).count().get_result(&mut c).unwrap();
    assert!(outlets >= 2 + 2 && rms >= 4 && remote >= 2, "{outlets} outlets, {rms} RMs, {remote} remote");
    let contacts: i64 = wecom_contacts::table.count().get_result(&mut c).unwrap();
    assert!(contacts > 50, "WeCom contact states: {contacts}");
    // Sealed like real data: no plaintext ID number or name in the table.
    let (name, idn): (String, Option<String>) =
        customers::table.select((customers::name, customers::id_number)).first(&mut c).unwrap();
    assert!(!name.chars().any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)), "the name is sealed");
    assert!(idn.is_some_and(|v| !v.chars().all(|ch| ch.is_ascii_digit() || ch == 'X')), "the ID number is sealed");

    let staff_before: i64 = staff::table.count().get_result(&mut c).unwrap();
    let o = env.command(&args).output().unwrap();
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("already imported"), "the same files are one import: {}", out(&o));
    assert_eq!((env.customers(), env.holdings()), (300, h));
    assert_eq!(staff::table.count().get_result::<i64>(&mut c).unwrap(), staff_before);
    assert_eq!(wecom_contacts::table.count().get_result::<i64>(&mut c).unwrap(), contacts);
}

#[test]
fn the_demo_files_are_the_same_for_the_same_seed() {
    let env = Env::new();
    let files = |dir: &str, seed: &str| {
        let o = env
            .command(&["demo", "seed", "--customers", "200", "--seed", seed, "--as-of", "2026-11-30", "--files-only"])
            .arg("--out")
            .arg(env.dir.path().join(dir))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", out(&o));
        let p = env.dir.path().join(dir).join(format!("customers-200-{seed}-2026-11-30.csv"));
        std::fs::read(p).unwrap()
    };
    let a = files("a", "5");
    assert_eq!(a, files("b", "5"));
    assert_ne!(a, files("c", "6"));
    assert_eq!(env.customers(), 0, "--files-only imports nothing");
}
