//! `siyu vault rotate` then `siyu vault rewrap`, killed with SIGKILL part-way and run again (REQUIREMENTS A.5):
//! the second run resumes the same job, every value ends on the newest version and still opens, and neither run
//! writes a plaintext to its output or to the data directory.

mod common;

use common::*;
use diesel::prelude::*;
use std::process::Stdio;

const CUSTOMERS: usize = 12_000;

/// Key versions of every sealed customer value, counted.
fn versions(env: &Env) -> std::collections::BTreeMap<u32, usize> {
    use siyu_store::schema::customers::dsl::*;
    let rows: Vec<(String, String, Option<String>, Option<String>)> =
        customers.select((customer_no, name, mobile, id_number)).load(&mut env.conn()).unwrap();
    let mut out = std::collections::BTreeMap::new();
    for (a, b, c, d) in rows {
        for text in [Some(a), Some(b), c, d].into_iter().flatten() {
            let v = siyu_vault::SealedValue::from_text(&text).unwrap().header().unwrap().key_version;
            *out.entry(v).or_insert(0) += 1;
        }
    }
    out
}

fn files_under(dir: &std::path::Path, out: &mut Vec<u8>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.extend(std::fs::read(&p).unwrap_or_default());
        }
    }
}

#[test]
fn a_killed_rewrap_resumes_and_leaves_every_value_on_the_new_version() {
    let env = Env::with_customers(CUSTOMERS);
    let before = versions(&env);
    assert_eq!(before.keys().copied().collect::<Vec<_>>(), vec![1]);
    let o = env.command(&["vault", "rotate"]).output().unwrap();
    assert!(o.status.success(), "{}", out(&o));

    let log = env.dir.path().join("first-run.log");
    let mut first = Reaped(
        env.command(&["vault", "rewrap", "--lease-secs", "1"])
            .stdout(Stdio::from(std::fs::File::create(&log).unwrap()))
            .stderr(Stdio::from(std::fs::File::create(env.dir.path().join("first-run.err")).unwrap()))
            .spawn()
            .unwrap(),
    );
    first.kill_once_done(&env, "vault.rewrap", 2000);
    let mid = versions(&env);
    assert!(mid.get(&1).copied().unwrap_or(0) > 0, "killed part-way: some values still on version 1 {mid:?}");
    assert!(mid.get(&2).copied().unwrap_or(0) > 0, "killed part-way: some values already on version 2 {mid:?}");

    let o = env.command(&["vault", "rewrap", "--lease-secs", "1"]).output().unwrap();
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("resuming rewrap job"), "{}", out(&o));
    let after = versions(&env);
    assert_eq!(after.keys().copied().collect::<Vec<_>>(), vec![2], "{after:?}");
    assert_eq!(after[&2], before[&1], "every value is still there");
    let attempts: i64 = siyu_store::schema::jobs::table
        .filter(siyu_store::schema::jobs::kind.eq("vault.rewrap"))
        .select(siyu_store::schema::jobs::attempts)
        .first(&mut env.conn())
        .unwrap();
    assert_eq!(attempts, 2, "one job, taken over after the kill");
    let o = env.command(&["vault", "verify"]).output().unwrap();
    assert!(o.status.success(), "every value opens: {}", out(&o));

    // No plaintext in either run's output or anywhere in the data directory (reports, keys, temp files).
    let mut written = std::fs::read(&log).unwrap();
    written.extend(std::fs::read(env.dir.path().join("first-run.err")).unwrap());
    written.extend(o.stdout);
    written.extend(o.stderr);
    files_under(&env.dir.path().join("data"), &mut written);
    for i in [0, 1, 2999, CUSTOMERS - 1] {
        let fields: Vec<String> = row(i).split(',').map(str::to_string).collect();
        for raw in [&fields[1], &fields[2], &fields[3]] {
            assert!(!written.windows(raw.len()).any(|w| w == raw.as_bytes()), "{raw} was written in clear");
        }
    }
}
