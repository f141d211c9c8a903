//! What the CLI tests share: a fresh database with a small org (HQ, two outlets, one RM), files of valid
//! customers, and the `siyu` binary run against them.
#![allow(dead_code)]

use diesel::prelude::*;
use siyu_store::testing::{self, TestDb};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const HEADER: &str =
    "customer_no,name,id_number,mobile,gender,birth_date,risk_level,risk_assessed_on,aum,outlet_code,rm_employee_no";
pub const SURNAMES: [&str; 8] = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄"];
pub const GIVEN: [&str; 8] = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇"];

/// A resident ID with a correct GB 11643 check digit.
pub fn id_number(seq: usize) -> String {
    let body = format!("110105{}{:02}{:02}{:03}", 1950 + seq % 50, 1 + seq % 12, 1 + seq % 28, seq % 1000);
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.chars().zip(W).map(|(c, w)| c.to_digit(10).unwrap() * w).sum();
    format!("{body}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

pub fn row(i: usize) -> String {
    let outlet = if i.is_multiple_of(2) { "BJ01" } else { "SH01" };
    format!(
        "CN{i:08},{}{}{},{},139{i:08},{},1970-01-01,C{},2026-01-01,{}.50,{outlet},{}",
        SURNAMES[i % 8],
        GIVEN[(i / 8) % 8],
        GIVEN[i % 8],
        id_number(i),
        if i.is_multiple_of(2) { "M" } else { "F" },
        1 + i % 5,
        1000 + i * 37,
        if i.is_multiple_of(3) { "E-RM1" } else { "" }
    )
}

pub fn file_of(rows: &[String]) -> String {
    let mut s = format!("{HEADER}\n");
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

pub struct Env {
    pub db: TestDb,
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Self {
        let db = testing::fresh();
        let dir = tempfile::tempdir().unwrap();
        let mut c = siyu_store::conn::establish(&siyu_store::conn::Target::parse(&db.url).unwrap()).unwrap();
        let now = chrono::Utc::now();
        use siyu_domain::org::NodeKind;
        use siyu_store::org::{insert, NewNode};
        let hq = insert(&mut c, NewNode { parent: None, code: "HQ", name: "总行", kind: NodeKind::HeadOffice }, now)
            .unwrap();
        let bj =
            insert(&mut c, NewNode { parent: Some(&hq), code: "BJ01", name: "朝阳支行", kind: NodeKind::Outlet }, now)
                .unwrap();
        insert(&mut c, NewNode { parent: Some(&hq), code: "SH01", name: "浦东支行", kind: NodeKind::Outlet }, now)
            .unwrap();
        let s =
            siyu_store::staff::NewStaff {
                employee_no: "E-RM1", name: "客户经理", node_id: &bj.id, wecom_userid: None
            };
        siyu_store::staff::insert(&mut c, s, now).unwrap();
        Env { db, dir }
    }

    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_siyu"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("SIYU__DATABASE__URL", &self.db.url)
            .env("SIYU__DATA__DIR", self.dir.path().join("data"))
            .env("SIYU__LOG__LEVEL", "warn")
            // Tests run in parallel, each CLI process with its own pool: keep the shared test cluster well below
            // its connection limit.
            .env("SIYU__DATABASE__POOL_SIZE", "4");
        cmd
    }

    pub fn import(&self, path: &Path, extra: &[&str]) -> Output {
        self.import_as("customers", path, extra)
    }

    pub fn import_as(&self, dataset: &str, path: &Path, extra: &[&str]) -> Output {
        let mut args = vec!["import", dataset, path.to_str().unwrap()];
        args.extend_from_slice(extra);
        self.command(&args).output().unwrap()
    }

    pub fn conn(&self) -> siyu_store::DbConn {
        siyu_store::conn::establish(&siyu_store::conn::Target::parse(&self.db.url).unwrap()).unwrap()
    }

    pub fn customers(&self) -> i64 {
        siyu_store::schema::customers::table.count().get_result(&mut self.conn()).unwrap()
    }

    pub fn holdings(&self) -> i64 {
        siyu_store::schema::holdings::table.count().get_result(&mut self.conn()).unwrap()
    }

    /// An environment with customers 0..n loaded from a file.
    pub fn with_customers(n: usize) -> Self {
        let env = Env::new();
        let rows: Vec<String> = (0..n).map(row).collect();
        let o = env.import(&env.write("customers.csv", file_of(&rows).as_bytes()), &[]);
        assert!(o.status.success(), "{}", out(&o));
        env
    }
}

pub fn out(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A child process killed and reaped when dropped, so a failing test leaves nothing running.
pub struct Reaped(pub std::process::Child);

impl Reaped {
    /// Waits until the job of `kind` reports at least `at_least` done, then kills the process with SIGKILL (no
    /// chance to clean up, as in a crash) and answers how much was done. Fails the test if it never gets there.
    pub fn kill_once_done(&mut self, env: &Env, kind: &str, at_least: i64) -> i64 {
        let start = std::time::Instant::now();
        loop {
            let done: Option<i64> = siyu_store::schema::jobs::table
                .filter(siyu_store::schema::jobs::kind.eq(kind))
                .select(siyu_store::schema::jobs::done)
                .first(&mut env.conn())
                .optional()
                .unwrap();
            if let Some(d) = done.filter(|d| *d >= at_least) {
                self.0.kill().unwrap();
                let _ = self.0.wait();
                return d;
            }
            assert!(start.elapsed() < std::time::Duration::from_secs(120), "the {kind} job never got going");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
