//! The watched inbound folder on both backends: complete files (control file, or a stable size) are imported by
//! the engine and moved to done/ or rejected/ with their report; incomplete or unmatched files are left alone.

use siyu_app::clock::ManualClock;
use siyu_app::Env;
use siyu_domain::layout::Dataset;
use siyu_engine::import::Import;
use siyu_engine::inbound::Inbound;
use siyu_engine::Engine;
use siyu_store::audit::AuditContext;
use siyu_store::testing;
use std::path::{Path, PathBuf};
use std::sync::Arc;

struct Fixture {
    engine: Engine,
    pool: siyu_store::Pool,
    inbound: PathBuf,
    _db: testing::TestDb,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    fixture_with(|_| {})
}

fn fixture_with(tweak: impl FnOnce(&mut siyu_config::Settings)) -> Fixture {
    let db = testing::fresh();
    let pool = siyu_store::conn::pool(&db.url, 8, std::time::Duration::from_secs(30)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let inbound = dir.path().join("inbound");
    std::fs::create_dir_all(&inbound).unwrap();
    let mut settings = siyu_config::Settings::default();
    settings.data.dir = dir.path().join("data");
    settings.import.inbound_dir = Some(inbound.clone());
    settings.import.inbound_customers = "CUST_*.csv".into();
    settings.import.inbound_holdings = "HOLD_*.csv".into();
    settings.import.inbound_stable_secs = 0;
    tweak(&mut settings);
    let opened = siyu_app::keys::open(&mut pool.get().unwrap(), &settings, true, &AuditContext::default()).unwrap();
    let env = Env::new(Arc::new(settings), Arc::new(ManualClock::new(chrono::Utc::now())), opened.vault).unwrap();
    {
        use siyu_domain::org::NodeKind;
        use siyu_store::org::{insert, NewNode};
        let now = chrono::Utc::now();
        insert(
            &mut pool.get().unwrap(),
            NewNode { parent: None, code: "HQ", name: "总行", kind: NodeKind::HeadOffice },
            now,
        )
        .unwrap();
    }
    let engine =
        Engine::new(pool.clone(), env, vec![Arc::new(Import(Dataset::Customers)), Arc::new(Import(Dataset::Holdings))])
            .with_pollers(vec![Arc::new(Inbound::default())]);
    Fixture { engine, pool, inbound, _db: db, _dir: dir }
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn customers(range: std::ops::Range<usize>, bad: usize) -> String {
    let mut s = String::from("customer_no,name,outlet_code\n");
    for i in range {
        s.push_str(&format!("C{i:05},王伟{i},{}\n", if i < bad { "NOWHERE" } else { "HQ" }));
    }
    s
}

fn ls(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|r| r.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

impl Fixture {
    /// Polls and runs jobs until nothing is left to do.
    fn settle(&self) {
        for _ in 0..10 {
            let polled = self.engine.poll_once();
            let ran = self.engine.run_next().unwrap().is_some();
            if polled == 0 && !ran {
                return;
            }
        }
    }

    fn count(&self, table: &str) -> i64 {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let q = format!("SELECT count(*) AS n FROM {table}");
        diesel::sql_query(q).get_result::<N>(&mut *self.pool.get().unwrap()).unwrap().n
    }
}

#[test]
fn complete_files_are_imported_and_moved_with_their_report() {
    let f = fixture();
    let text = customers(0..20, 0);
    std::fs::write(f.inbound.join("CUST_20261130.csv"), &text).unwrap();
    std::fs::write(f.inbound.join("CUST_20261130.csv.ctl"), format!("rows=20\nsha256={}\n", sha256(text.as_bytes())))
        .unwrap();
    std::fs::write(f.inbound.join("notes.txt"), "not a bank file").unwrap();
    f.settle();
    assert_eq!(f.count("customers"), 20);
    let done = ls(&f.inbound.join("done"));
    assert_eq!(
        done,
        [
            "CUST_20261130.csv",
            "CUST_20261130.csv.ctl",
            "CUST_20261130.csv.rejects.csv",
            "CUST_20261130.csv.result.json"
        ]
    );
    let note = std::fs::read_to_string(f.inbound.join("done/CUST_20261130.csv.result.json")).unwrap();
    assert!(note.contains("\"succeeded\"") && note.contains("\"inserted\":20"), "{note}");
    assert_eq!(ls(&f.inbound), ["done", "notes.txt", "processing"], "an unmatched file is left alone");
    assert!(ls(&f.inbound.join("processing")).is_empty());

    // Holdings by their own pattern, without a control file: taken once its size is stable.
    let h = "customer_no,product_code,product_name,product_type,amount\nC00001,DP001,定期存款,deposit,1000.00\n";
    std::fs::write(f.inbound.join("HOLD_20261130.csv"), h).unwrap();
    f.settle();
    assert_eq!(f.count("holdings"), 1);
    assert!(ls(&f.inbound.join("done")).contains(&"HOLD_20261130.csv".to_string()));
}

#[test]
fn refused_files_go_to_rejected_and_incomplete_ones_wait() {
    let f = fixture();
    // A control file that disagrees: refused before any write.
    let text = customers(0..10, 0);
    std::fs::write(f.inbound.join("CUST_A.csv"), &text).unwrap();
    std::fs::write(f.inbound.join("CUST_A.csv.ctl"), "rows=11\n").unwrap();
    // Over 1% of bad rows: the import fails and nothing is published.
    std::fs::write(f.inbound.join("CUST_B.csv"), customers(100..150, 110)).unwrap();
    f.settle();
    assert_eq!(f.count("customers"), 0);
    let rejected = ls(&f.inbound.join("rejected"));
    for name in ["CUST_A.csv", "CUST_A.csv.ctl", "CUST_A.csv.result.json", "CUST_B.csv", "CUST_B.csv.rejects.csv"] {
        assert!(rejected.contains(&name.to_string()), "{name} in {rejected:?}");
    }
    let report = std::fs::read_to_string(f.inbound.join("rejected/CUST_B.csv.rejects.csv")).unwrap();
    assert_eq!(report.lines().count(), 1 + 10, "{report}");
    assert!(std::fs::read_to_string(f.inbound.join("rejected/CUST_A.csv.result.json")).unwrap().contains("control"));

    // With control files required, a file without one waits, however long.
    let f = fixture_with(|s| s.import.require_control = true);
    std::fs::write(f.inbound.join("CUST_C.csv"), customers(200..205, 0)).unwrap();
    f.settle();
    f.settle();
    assert!(ls(&f.inbound).contains(&"CUST_C.csv".to_string()));
    assert_eq!(f.count("customers"), 0);
}
