//! The test harness: each test gets the real application on a fresh database (SQLite, or PostgreSQL when the
//! test script provides a cluster), served over real HTTP on a loopback port, with a clock it controls.

use actix_web::web;
use chrono::{Duration, Utc};
use serde_json::{json, Value};
use siyu_app::clock::ManualClock;
use siyu_app::Env;
use siyu_config::Settings;
use siyu_domain::access::Role;
use siyu_domain::org::NodeKind;
use siyu_store::testing::{self, TestDb};
use siyu_store::tx::write_tx;
use siyu_store::{accounts, org, staff, DbConn, PooledConn};
use siyu_web::AppState;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

pub const PASSWORD: &str = "Fixture-Passw0rd-42";
pub const NEW_PASSWORD: &str = "Changed-Secret-77!";

/// Everything the application logged during this test process, for tests that look for leaks.
pub fn logs() -> String {
    String::from_utf8_lossy(&log_buffer().lock().unwrap()).into_owned()
}

fn log_buffer() -> &'static Arc<Mutex<Vec<u8>>> {
    static BUF: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    BUF.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = Capture(buf.clone());
        let _ = tracing_subscriber::fmt()
            .json()
            // Everything siyu and its server stack log, down to debug; the test client (ureq) is not siyu.
            .with_env_filter("debug,ureq=off")
            .with_current_span(true)
            .with_writer(move || writer.clone())
            .try_init();
        buf
    })
}

#[derive(Clone)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn fixture_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| siyu_app::secrets::hash_password(PASSWORD).unwrap())
}

pub struct TestApp {
    pub base: String,
    pub state: web::Data<AppState>,
    pub clock: Arc<ManualClock>,
    /// Keeps the database (and a SQLite file's directory) alive as long as the app.
    _db: TestDb,
    /// The development key files (the vault's KEK and index key) of this app.
    _keys: tempfile::TempDir,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let h = self.handle.clone();
        let _ = std::thread::spawn(move || actix_web::rt::System::new().block_on(h.stop(false))).join();
    }
}

/// The organisation every test starts from: HQ → branch A → outlet A1, and HQ → branch B → outlet B1.
#[derive(Clone)]
pub struct Org {
    pub hq: String,
    pub branch_a: String,
    pub outlet_a1: String,
    pub branch_b: String,
    pub outlet_b1: String,
}

impl TestApp {
    pub fn start() -> Self {
        Self::start_with(|_| {})
    }

    pub fn start_with(adjust: impl FnOnce(&mut Settings)) -> Self {
        log_buffer();
        let db = testing::fresh();
        let mut settings = Settings::default();
        settings.database.url = db.url.clone();
        settings.database.pool_size = 4;
        settings.server.bind = "127.0.0.1:0".into();
        adjust(&mut settings);
        let keys_dir = tempfile::tempdir().unwrap();
        settings.data.dir = keys_dir.path().to_path_buf();
        if let Ok(suite) = std::env::var("SIYU_TEST_VAULT_SUITE") {
            settings.vault.suite = suite;
        }
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let pool = siyu_store::conn::pool(&db.url, 4, std::time::Duration::from_secs(10)).unwrap();
        let ctx = siyu_app::bootstrap::cli_context();
        let opened = siyu_app::keys::open(&mut pool.get().unwrap(), &settings, true, &ctx).unwrap();
        let env = Env::new(Arc::new(settings), clock.clone(), opened.vault).unwrap();
        let backend = pool.get().unwrap().backend();
        let state = web::Data::new(AppState { pool, env, backend, metrics: siyu_web::metrics::Metrics::new() });
        let (tx, rx) = std::sync::mpsc::channel();
        let st = state.clone();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = actix_web::HttpServer::new(move || siyu_web::app!(st.clone()))
                    .workers(2)
                    .disable_signals()
                    .bind("127.0.0.1:0")
                    .unwrap();
                let addr = server.addrs()[0];
                let server = server.run();
                tx.send((addr, server.handle())).unwrap();
                server.await
            })
        });
        let (addr, handle) = rx.recv().unwrap();
        TestApp { base: format!("http://{addr}"), state, clock, _db: db, _keys: keys_dir, handle }
    }

    pub fn conn(&self) -> PooledConn {
        self.state.pool.get().unwrap()
    }

    pub fn env(&self) -> &Env {
        &self.state.env
    }

    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// The standard organisation, created directly in the store.
    pub fn org(&self) -> Org {
        let mut c = self.conn();
        let now = self.clock.as_ref().now_utc();
        write_tx(&mut c, |c| -> siyu_store::Result<Org> {
            let hq = org::insert(
                c,
                org::NewNode { parent: None, code: "HQ", name: "总行", kind: NodeKind::HeadOffice },
                now,
            )?;
            let a = org::insert(
                c,
                org::NewNode { parent: Some(&hq), code: "BJ", name: "北京分行", kind: NodeKind::Branch },
                now,
            )?;
            let a1 = org::insert(
                c,
                org::NewNode { parent: Some(&a), code: "BJ01", name: "朝阳支行", kind: NodeKind::Outlet },
                now,
            )?;
            let b = org::insert(
                c,
                org::NewNode { parent: Some(&hq), code: "SH", name: "上海分行", kind: NodeKind::Branch },
                now,
            )?;
            let b1 = org::insert(
                c,
                org::NewNode { parent: Some(&b), code: "SH01", name: "浦东支行", kind: NodeKind::Outlet },
                now,
            )?;
            Ok(Org { hq: hq.id, branch_a: a.id, outlet_a1: a1.id, branch_b: b.id, outlet_b1: b1.id })
        })
        .unwrap()
    }

    /// A member of staff at `node` with an account (password `PASSWORD`, already changed) and `roles`.
    pub fn user(&self, username: &str, node: &str, roles: &[Role]) -> String {
        self.user_with(username, node, roles, false)
    }

    pub fn user_with(&self, username: &str, node: &str, roles: &[Role], must_change: bool) -> String {
        let mut c = self.conn();
        let now = self.clock.as_ref().now_utc();
        write_tx(&mut c, |c: &mut DbConn| -> siyu_store::Result<String> {
            let id = staff::insert(
                c,
                staff::NewStaff {
                    employee_no: &format!("E-{username}"),
                    name: username,
                    node_id: node,
                    wecom_userid: None,
                },
                now,
            )?;
            accounts::insert(c, &id, username, fixture_hash(), must_change, now)?;
            for r in roles {
                accounts::grant(c, &id, *r, None, now)?;
            }
            Ok(id)
        })
        .unwrap()
    }

    /// A head-office operator at HQ (the CRM's machine user in the tests).
    pub fn org_hq_operator(&self) -> String {
        let mut c = self.conn();
        let hq = siyu_store::org::root(&mut c).unwrap().expect("call org() first").id;
        drop(c);
        self.user(&format!("ho.{}", uuid::Uuid::new_v4().simple()), &hq, &[Role::HeadOfficeOperator])
    }

    /// A head-office operator logged in through the API (password and second factor): what an API token may
    /// not do (unmask, unmasked exports) needs a person's recent authentication.
    pub fn hq_operator_session(&self) -> (String, Client) {
        let mut c = self.conn();
        let hq = siyu_store::org::root(&mut c).unwrap().expect("call org() first").id;
        drop(c);
        let username = format!("ho.{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        let id = self.user(&username, &hq, &[Role::HeadOfficeOperator]);
        (id, self.login(&username, PASSWORD))
    }

    /// A second-factor code for a logged-in client, one 30-second step after any it used (codes are single-use).
    pub fn next_code(&self, cl: &Client) -> String {
        self.advance(Duration::seconds(31));
        siyu_app::totp::code_at(cl.totp_secret.as_deref().expect("the client enrolled"), self.clock.as_ref().now_utc())
            .unwrap()
    }

    /// The SQLite file, when this run is on SQLite.
    pub fn sqlite_path(&self) -> Option<String> {
        self._db.url.strip_prefix("sqlite://").map(str::to_string)
    }

    /// An API token for a user, created through the use case.
    pub fn token_for(&self, staff_id: &str) -> String {
        let mut c = self.conn();
        let ctx = siyu_app::bootstrap::cli_context();
        siyu_app::tokens::create(&mut c, self.env(), &ctx, staff_id, "test", 30).unwrap().token
    }

    pub fn bearer(&self, staff_id: &str) -> Client {
        let mut cl = self.client();
        cl.bearer = Some(self.token_for(staff_id));
        cl
    }

    /// Logs in through the API and completes every step (password change, second factor) to a full session.
    pub fn login(&self, username: &str, password: &str) -> Client {
        let mut cl = self.client();
        let r = cl.post("/api/v1/auth/login", json!({"username": username, "password": password}));
        assert_eq!(r.status, 200, "login {username}: {}", r.body);
        let mut stage = r.json()["stage"].as_str().unwrap().to_string();
        if stage == "password_change" {
            let r =
                cl.post("/api/v1/auth/password", json!({"current_password": password, "new_password": NEW_PASSWORD}));
            assert_eq!(r.status, 200, "password change: {}", r.body);
            stage = r.json()["stage"].as_str().unwrap().to_string();
        }
        if stage == "totp_enroll" {
            let r = cl.post("/api/v1/auth/totp/enroll", Value::Null);
            assert_eq!(r.status, 200, "enroll: {}", r.body);
            let secret = r.json()["secret"].as_str().unwrap().to_string();
            cl.totp_secret = Some(secret.clone());
            let code = siyu_app::totp::code_at(&secret, self.clock.as_ref().now_utc()).unwrap();
            let r = cl.post("/api/v1/auth/totp/verify", json!({"code": code}));
            assert_eq!(r.status, 200, "verify: {}", r.body);
            stage = r.json()["stage"].as_str().unwrap().to_string();
        }
        assert_eq!(stage, "full", "{username} did not reach a full session");
        cl
    }

    pub fn audit_count(&self, action: &str) -> i64 {
        use diesel::prelude::*;
        use siyu_store::schema::audit_log;
        let mut c = self.conn();
        audit_log::table.filter(audit_log::action.eq(action)).count().get_result(&mut *c).unwrap()
    }

    pub fn audit_total(&self) -> i64 {
        use diesel::prelude::*;
        use siyu_store::schema::audit_log;
        let mut c = self.conn();
        audit_log::table.count().get_result(&mut *c).unwrap()
    }
}

trait NowUtc {
    fn now_utc(&self) -> chrono::DateTime<Utc>;
}

impl NowUtc for ManualClock {
    fn now_utc(&self) -> chrono::DateTime<Utc> {
        siyu_app::clock::Clock::now(self)
    }
}

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap_or("").to_string()
    }
}

/// A small HTTP client that keeps the session cookie and the CSRF token like the console does.
#[derive(Clone)]
pub struct Client {
    base: String,
    agent: ureq::Agent,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
    pub bearer: Option<String>,
    pub totp_secret: Option<String>,
    pub extra: Vec<(String, String)>,
}

impl Client {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.into(),
            agent: ureq::AgentBuilder::new().redirects(0).build(),
            cookie: None,
            csrf: None,
            bearer: None,
            totp_secret: None,
            extra: vec![],
        }
    }

    pub fn get(&mut self, path: &str) -> Resp {
        self.send("GET", path, None)
    }

    pub fn post(&mut self, path: &str, body: Value) -> Resp {
        self.send("POST", path, Some(body))
    }

    pub fn delete(&mut self, path: &str) -> Resp {
        self.send("DELETE", path, None)
    }

    pub fn send(&mut self, method: &str, path: &str, body: Option<Value>) -> Resp {
        match body {
            Some(Value::Null) | None if method != "GET" && method != "DELETE" => {
                self.raw(method, path, Some(("application/json", b"{}".to_vec())))
            }
            Some(v) if !v.is_null() => self.raw(method, path, Some(("application/json", v.to_string().into_bytes()))),
            _ => self.raw(method, path, None),
        }
    }

    pub fn raw(&mut self, method: &str, path: &str, body: Option<(&str, Vec<u8>)>) -> Resp {
        let mut req = self.agent.request(method, &format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            req = req.set("Cookie", c);
        }
        if let Some(t) = &self.csrf {
            req = req.set("X-CSRF-Token", t);
        }
        if let Some(b) = &self.bearer {
            req = req.set("Authorization", &format!("Bearer {b}"));
        }
        for (k, v) in &self.extra {
            req = req.set(k, v);
        }
        let result = match body {
            Some((ct, bytes)) => req.set("Content-Type", ct).send_bytes(&bytes),
            None => req.call(),
        };
        let resp = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {path}: {e}"),
        };
        let status = resp.status();
        let headers: Vec<(String, String)> = resp
            .headers_names()
            .into_iter()
            .flat_map(|n| resp.all(&n).into_iter().map(move |v| (n.clone(), v.to_string())).collect::<Vec<_>>())
            .collect();
        for (k, v) in &headers {
            if k.eq_ignore_ascii_case("set-cookie") {
                let pair = v.split(';').next().unwrap_or("");
                match pair.split_once('=') {
                    Some((_, val)) if !val.is_empty() => self.cookie = Some(pair.to_string()),
                    _ => self.cookie = None,
                }
            }
        }
        let body = resp.into_string().unwrap_or_default();
        let r = Resp { status, headers, body };
        if let Some(t) = r.json().get("csrf_token").and_then(|t| t.as_str()) {
            self.csrf = Some(t.to_string());
        }
        r
    }
}
