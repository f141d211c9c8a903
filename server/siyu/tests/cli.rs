//! The command line as operators and scripts use it, on the backend the test script selects.

use diesel::prelude::*;
use siyu_store::testing::{self, TestDb};
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const GOOD: &str = "Lantern-river-42!";

fn siyu(db: &TestDb, dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_siyu"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SIYU__DATABASE__URL", &db.url)
        .env("SIYU__LOG__LEVEL", "warn")
        .output()
        .unwrap()
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(db: &TestDb, dir: &Path, port: u16, extra: &[(&str, String)]) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_siyu"));
    cmd.arg("serve")
        .current_dir(dir)
        .env("SIYU__DATABASE__URL", &db.url)
        .env("SIYU__SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("SIYU__SERVER__WORKERS", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in extra {
        cmd.env(k, v);
    }
    Server(cmd.spawn().unwrap())
}

fn wait_ready(agent: &ureq::Agent, url: &str) {
    let start = Instant::now();
    loop {
        if let Ok(r) = agent.get(url).call() {
            if r.status() == 200 {
                return;
            }
        }
        assert!(start.elapsed() < Duration::from_secs(30), "{url} never became ready");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn version_and_usage() {
    let o = Command::new(env!("CARGO_BIN_EXE_siyu")).arg("--version").output().unwrap();
    assert!(o.status.success());
    assert!(text(&o).0.starts_with("siyu "));
    let o = Command::new(env!("CARGO_BIN_EXE_siyu")).arg("frobnicate").output().unwrap();
    assert!(!o.status.success());
}

#[test]
fn config_check_redacts_and_names_bad_keys() {
    let db = testing::empty();
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_siyu"))
        .args(["config", "check"])
        .env("SIYU__DATABASE__URL", "postgres://siyu:hunter2@db.bank.local/siyu")
        .output()
        .unwrap();
    let (out, _) = text(&o);
    assert!(o.status.success());
    assert!(out.contains("<redacted>") && !out.contains("hunter2"), "{out}");
    let o = Command::new(env!("CARGO_BIN_EXE_siyu"))
        .args(["config", "check"])
        .env("SIYU__AUTH__LOCKOUT_THRESHOLD", "lots")
        .output()
        .unwrap();
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert_eq!(err.lines().count(), 1, "one clear line: {err}");
    assert!(err.contains("auth.lockout_threshold"), "{err}");
    let toml = dir.path().join("siyu.toml");
    std::fs::write(&toml, "[server]\nbind = \"127.0.0.1:9999\"\n").unwrap();
    let o = siyu(&db, dir.path(), &["--config", toml.to_str().unwrap(), "config", "check"]);
    assert!(text(&o).0.contains("127.0.0.1:9999"));
}

#[test]
fn bootstrap_token_and_audit_verify() {
    let db = testing::empty();
    let dir = tempfile::tempdir().unwrap();
    let pw = dir.path().join("pw");
    std::fs::write(&pw, "short\n").unwrap();
    let o = siyu(
        &db,
        dir.path(),
        &["admin", "bootstrap", "--username", "sysadmin1", "--password-file", pw.to_str().unwrap()],
    );
    assert!(!o.status.success());
    assert!(text(&o).1.contains("policy"), "a weak bootstrap password is refused: {}", text(&o).1);
    std::fs::write(&pw, format!("{GOOD}\n")).unwrap();
    let o =
        siyu(&db, dir.path(), &["admin", "bootstrap", "--username", "admin", "--password-file", pw.to_str().unwrap()]);
    assert!(!o.status.success(), "built-in names cannot log in");
    let o = siyu(
        &db,
        dir.path(),
        &["admin", "bootstrap", "--username", "sysadmin1", "--password-file", pw.to_str().unwrap()],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let o = siyu(
        &db,
        dir.path(),
        &["admin", "bootstrap", "--username", "sysadmin2", "--password-file", pw.to_str().unwrap()],
    );
    assert!(!o.status.success(), "bootstrap runs once");
    assert!(text(&o).1.contains("already exists"));

    let o = siyu(&db, dir.path(), &["admin", "token", "create", "--username", "sysadmin1", "--days", "7"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let token = text(&o).0.lines().last().unwrap().to_string();
    assert!(token.starts_with("siyu_"));
    let o = siyu(&db, dir.path(), &["admin", "token", "create", "--username", "nobody"]);
    assert!(!o.status.success());

    let o = siyu(&db, dir.path(), &["audit", "verify"]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).0.contains("intact"));

    // The token works against a running server.
    let port = free_port();
    let _server = serve(&db, dir.path(), port, &[]);
    let agent = ureq::AgentBuilder::new().build();
    wait_ready(&agent, &format!("http://127.0.0.1:{port}/readyz"));
    let me: serde_json::Value = agent
        .get(&format!("http://127.0.0.1:{port}/api/v1/me"))
        .set("Authorization", &format!("Bearer {token}"))
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    assert_eq!(me["username"], "sysadmin1");
    assert_eq!(me["roles"], serde_json::json!(["system_admin"]));
    // The bootstrap password must be changed at the first login.
    let r = agent
        .post(&format!("http://127.0.0.1:{port}/api/v1/auth/login"))
        .send_json(serde_json::json!({"username": "sysadmin1", "password": GOOD}))
        .unwrap();
    assert_eq!(r.into_json::<serde_json::Value>().unwrap()["stage"], "password_change");
}

#[test]
fn audit_verify_names_a_tampered_record() {
    let db = testing::empty();
    let dir = tempfile::tempdir().unwrap();
    let pw = dir.path().join("pw");
    std::fs::write(&pw, GOOD).unwrap();
    assert!(siyu(
        &db,
        dir.path(),
        &["admin", "bootstrap", "--username", "sysadmin1", "--password-file", pw.to_str().unwrap()]
    )
    .status
    .success());
    for _ in 0..3 {
        assert!(siyu(&db, dir.path(), &["admin", "token", "create", "--username", "sysadmin1"]).status.success());
    }
    let mut conn = siyu_store::conn::establish(&siyu_store::conn::Target::parse(&db.url).unwrap()).unwrap();
    let drop_guard = match &conn {
        siyu_store::DbConn::Sqlite(_) => "DROP TRIGGER audit_log_no_update",
        siyu_store::DbConn::Postgres(_) => "DROP TRIGGER audit_log_no_change ON audit_log",
    };
    diesel::sql_query(drop_guard).execute(&mut conn).unwrap();
    diesel::sql_query("UPDATE audit_log SET target_id = 'forged' WHERE seq = 4").execute(&mut conn).unwrap();
    let o = siyu(&db, dir.path(), &["audit", "verify"]);
    assert!(!o.status.success());
    let (_, err) = text(&o);
    assert!(err.contains("record 4"), "{err}");
}

#[test]
fn migrate_then_serve_reports_ready() {
    let db = testing::empty();
    let dir = tempfile::tempdir().unwrap();
    let o = siyu(&db, dir.path(), &["migrate"]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).0.starts_with("applied ") && !text(&o).0.starts_with("applied 0"), "{:?}", text(&o));
    let o = siyu(&db, dir.path(), &["migrate"]);
    assert!(text(&o).0.contains("up to date"));
    // Without migrations at start, siyu waits for them instead of serving a half-made database.
    let empty = testing::empty();
    let port = free_port();
    let mut server = serve(&empty, dir.path(), port, &[("SIYU__DATABASE__MIGRATE_ON_START", "false".into())]);
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(2)).build();
    let url = format!("http://127.0.0.1:{port}/readyz");
    std::thread::sleep(Duration::from_secs(2));
    assert!(agent.get(&url).call().is_err(), "not serving before the migrations");
    let o = siyu(&empty, dir.path(), &["migrate"]);
    assert!(o.status.success());
    wait_ready(&agent, &url);
    let _ = server.0.kill();
    let mut out = String::new();
    server.0.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    assert!(out.contains("waiting for migrations"), "{out}");
}

#[test]
fn production_logs_are_json_lines_with_the_request_id() {
    let db = testing::fresh();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (kek, index) = (dir.path().join("kek"), dir.path().join("index"));
    siyu_vault::ensure_key_file(&kek).unwrap();
    siyu_vault::ensure_key_file(&index).unwrap();
    let mut env = key_env(&kek, &index);
    env.push(("SIYU__MODE", "production".into()));
    let mut server = serve(&db, dir.path(), port, &env);
    let agent = ureq::AgentBuilder::new().build();
    wait_ready(&agent, &format!("http://127.0.0.1:{port}/readyz"));
    let _ = agent.get(&format!("http://127.0.0.1:{port}/healthz")).set("X-Request-Id", "probe-42").call();
    std::thread::sleep(Duration::from_millis(300));
    let _ = server.0.kill();
    let mut out = String::new();
    server.0.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    let lines: Vec<serde_json::Value> =
        out.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}"))).collect();
    assert!(!lines.is_empty());
    let handled = lines.iter().find(|l| l["message"] == "handled" && l["span"]["request_id"] == "probe-42");
    assert!(handled.is_some(), "{out}");
}

#[test]
fn serves_tls_1_2_and_1_3_only_with_hsts() {
    let db = testing::fresh();
    let dir = tempfile::tempdir().unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let (cf, kf) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cf, cert.cert.pem()).unwrap();
    std::fs::write(&kf, cert.key_pair.serialize_pem()).unwrap();
    let port = free_port();
    let _server = serve(
        &db,
        dir.path(),
        port,
        &[
            ("SIYU__SERVER__TLS__CERT_FILE", cf.display().to_string()),
            ("SIYU__SERVER__TLS__KEY_FILE", kf.display().to_string()),
        ],
    );
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.cert.der().clone()).unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let client = |versions: &[&'static rustls::SupportedProtocolVersion]| {
        let cfg = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(versions)
            .unwrap()
            .with_root_certificates(roots.clone())
            .with_no_client_auth();
        ureq::AgentBuilder::new().tls_config(std::sync::Arc::new(cfg)).build()
    };
    let url = format!("https://localhost:{port}/healthz");
    let tls13 = client(&[&rustls::version::TLS13]);
    wait_ready(&tls13, &url);
    let r = tls13.get(&url).call().unwrap();
    assert_eq!(r.header("strict-transport-security"), Some("max-age=31536000; includeSubDomains"));
    assert_eq!(client(&[&rustls::version::TLS12]).get(&url).call().unwrap().status(), 200);
    let r = tls13
        .post(&format!("https://localhost:{port}/api/v1/auth/login"))
        .send_json(serde_json::json!({"username": "x.y.z", "password": "Whatever-123!"}));
    let Err(ureq::Error::Status(401, _)) = r else { panic!("login over TLS answers 401") };
    // Plain HTTP to the TLS port gets nothing useful.
    let plain = ureq::AgentBuilder::new().timeout(Duration::from_secs(5)).build();
    assert!(plain.get(&format!("http://localhost:{port}/healthz")).call().is_err());
}

fn key_env(kek: &Path, index: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("SIYU__VAULT__KEK_FILE", kek.display().to_string()),
        ("SIYU__VAULT__INDEX_KEY_FILE", index.display().to_string()),
    ]
}

fn siyu_with(db: &TestDb, dir: &Path, env: &[(&str, String)], args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_siyu"));
    cmd.args(args).current_dir(dir).env("SIYU__DATABASE__URL", &db.url).env("SIYU__LOG__LEVEL", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn the_vault_fails_closed() {
    let db = testing::fresh();
    let dir = tempfile::tempdir().unwrap();
    // Production without keys: refused, naming the keys.
    let o = siyu_with(&db, dir.path(), &[("SIYU__MODE", "production".into())], &["vault", "init"]);
    assert!(!o.status.success());
    assert!(text(&o).1.contains("vault.kek_file"), "{}", text(&o).1);
    // With keys: initialised, and the KEK never lands in the database.
    let (kek, index) = (dir.path().join("kek"), dir.path().join("index"));
    siyu_vault::ensure_key_file(&kek).unwrap();
    siyu_vault::ensure_key_file(&index).unwrap();
    let o = siyu_with(&db, dir.path(), &key_env(&kek, &index), &["vault", "init"]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).0.contains("account.totp_secret"));
    // KEK rotation: the new KEK opens the keys, the old one no longer does, and sealed data is untouched.
    let new_kek = dir.path().join("kek-2026");
    siyu_vault::ensure_key_file(&new_kek).unwrap();
    let o = siyu_with(
        &db,
        dir.path(),
        &key_env(&kek, &index),
        &["vault", "rotate-kek", "--new-kek-file", new_kek.to_str().unwrap()],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(siyu_with(&db, dir.path(), &key_env(&new_kek, &index), &["vault", "verify"]).status.success());
    assert!(!siyu_with(&db, dir.path(), &key_env(&kek, &index), &["vault", "status"]).status.success());
    let kek = new_kek;
    // A wrong KEK: refused before anything is served or written.
    let wrong = dir.path().join("wrong-kek");
    siyu_vault::ensure_key_file(&wrong).unwrap();
    let audit_before = audit_rows(&db);
    let o = siyu_with(&db, dir.path(), &key_env(&wrong, &index), &["serve"]);
    assert!(!o.status.success());
    let err = text(&o).1;
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("cannot unwrap data key account.totp_secret") && err.contains("wrong"), "{err}");
    assert_eq!(audit_rows(&db), audit_before, "nothing was written");
    // Another blind-index key would make every lookup find nothing: refused too.
    let other_index = dir.path().join("other-index");
    siyu_vault::ensure_key_file(&other_index).unwrap();
    let o = siyu_with(&db, dir.path(), &key_env(&kek, &other_index), &["vault", "status"]);
    assert!(!o.status.success());
    assert!(text(&o).1.contains("blind-index key"), "{}", text(&o).1);
}

fn audit_rows(db: &TestDb) -> i64 {
    let mut c = siyu_store::conn::establish(&siyu_store::conn::Target::parse(&db.url).unwrap()).unwrap();
    siyu_store::schema::audit_log::table.count().get_result(&mut c).unwrap()
}

#[test]
fn serve_refuses_to_start_with_a_bad_inbound_layout_or_encoding() {
    let db = testing::fresh();
    let dir = tempfile::tempdir().unwrap();
    let inbound = dir.path().join("inbound");
    std::fs::create_dir_all(&inbound).unwrap();
    let layout = dir.path().join("holdings.toml");
    std::fs::write(&layout, "name = \"broken\"\n[columns]\ncustomer_no = \"not_a_field\"\n").unwrap();
    let env = [
        ("SIYU__IMPORT__INBOUND_DIR", inbound.display().to_string()),
        ("SIYU__IMPORT__INBOUND_HOLDINGS_LAYOUT", layout.display().to_string()),
    ];
    let o = siyu_with(&db, dir.path(), &env, &["serve"]);
    assert!(!o.status.success(), "{:?}", text(&o));
    assert!(text(&o).1.contains("import.inbound_holdings_layout"), "{:?}", text(&o));
    let missing = [
        ("SIYU__IMPORT__INBOUND_DIR", inbound.display().to_string()),
        ("SIYU__IMPORT__INBOUND_CUSTOMERS_LAYOUT", dir.path().join("nowhere.toml").display().to_string()),
    ];
    let o = siyu_with(&db, dir.path(), &missing, &["serve"]);
    assert!(!o.status.success() && text(&o).1.contains("import.inbound_customers_layout"), "{:?}", text(&o));
    let o = siyu_with(&db, dir.path(), &[("SIYU__IMPORT__INBOUND_ENCODING", "latin1".into())], &["serve"]);
    assert!(!o.status.success() && text(&o).1.contains("import.inbound_encoding"), "{:?}", text(&o));
}
