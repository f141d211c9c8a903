//! Mail through the outbox to a real SMTP server on loopback (Debian's python3-aiosmtpd, writing a Maildir): the
//! unmask quota alert reaches the security mailbox naming staff, never customers; a mail carrying a customer's
//! mobile is blocked by the egress guard and never reaches the server; a relay that is down is retried.

use crate::customers::seed;
use crate::harness::TestApp;
use serde_json::json;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// An SMTP server delivering into a Maildir, killed when dropped.
struct SmtpServer {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl SmtpServer {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let child = Command::new("/usr/bin/python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir.path().join("Maildir"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3-aiosmtpd is installed (scripts/test.sh installs it)");
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed() < Duration::from_secs(20), "the SMTP server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpServer { child, port, dir }
    }

    fn messages(&self) -> Vec<String> {
        let new: PathBuf = self.dir.path().join("Maildir/new");
        let mut out: Vec<String> = std::fs::read_dir(&new)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| read(&e.path())).collect())
            .unwrap_or_default();
        out.sort();
        out
    }
}

fn read(p: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned()
}

/// The subject and body as a reader sees them (lettre encodes non-ASCII text).
fn decoded(raw: &str) -> String {
    use base64::Engine as _;
    let unfolded = raw.replace("\r\n ", " ").replace("\n ", " ");
    let raw = unfolded.as_str();
    let mut out = raw.to_string();
    for word in raw.split_whitespace() {
        if let Some(b64) = word.strip_prefix("=?utf-8?b?").and_then(|w| w.strip_suffix("?=")) {
            if let Ok(b) = base64::engine::general_purpose::STANDARD.decode(b64) {
                out.push_str(&String::from_utf8_lossy(&b));
            }
        }
    }
    if let Some((_, body)) = raw.split_once("\r\n\r\n").or_else(|| raw.split_once("\n\n")) {
        let joined: String = body.split_whitespace().collect();
        if let Ok(b) = base64::engine::general_purpose::STANDARD.decode(joined) {
            out.push_str(&String::from_utf8_lossy(&b));
        }
        out.push_str(&body.replace("=\r\n", "").replace("=\n", ""));
    }
    out
}

fn statuses(app: &TestApp, kind: &str) -> Vec<String> {
    siyu_store::outbox::by_kind(&mut app.conn(), kind).unwrap().into_iter().map(|m| m.status).collect()
}

#[test]
fn the_unmask_alert_is_mailed_and_a_mail_with_a_mobile_is_blocked() {
    let smtp = SmtpServer::start();
    let port = smtp.port;
    let app = TestApp::start_with(|s| {
        s.vault.unmask_daily_limit = 1;
        s.smtp.host = Some("127.0.0.1".into());
        s.smtp.port = port;
        s.smtp.tls = "none".into();
        s.smtp.from = Some("siyu@bank.test".into());
        s.smtp.security_alert_to = vec!["security-admins@bank.test".into()];
    });
    let org = app.org();
    let (a, _) = seed(&app, &org);
    let (_, mut op) = app.hq_operator_session();
    let path = format!("/api/v1/customers/{a}/unmask");
    let body = json!({"fields": ["mobile"], "reason": "customer called about a maturing product"});
    assert_eq!(op.post(&path, body.clone()).status, 200);
    assert_eq!(op.post(&path, body).status, 429);
    assert_eq!(statuses(&app, "security.alert"), vec!["pending"], "queued with the audit record");

    // A mail that would carry a customer's mobile number.
    siyu_app::mail::queue(
        &mut app.conn(),
        app.env(),
        "test.leak",
        "rm@bank.test",
        "回电提醒",
        "请回电客户 13912345678",
    )
    .unwrap();

    let relay = siyu_app::mail::relay(app.env()).unwrap().expect("smtp configured");
    let done = siyu_app::mail::deliver_due(&mut app.conn(), app.env(), &relay).unwrap();
    assert_eq!((done.sent, done.blocked), (1, 1), "{done:?}");
    assert_eq!(statuses(&app, "security.alert"), vec!["sent"]);
    assert_eq!(statuses(&app, "test.leak"), vec!["blocked"]);
    assert!(app.audit_count("egress.blocked") >= 1);
    assert_eq!(app.audit_count("mail.delivery"), 1);

    let start = Instant::now();
    let msgs = loop {
        let m = smtp.messages();
        if !m.is_empty() || start.elapsed() > Duration::from_secs(10) {
            break m;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(msgs.len(), 1, "only the alert reached the server");
    let text = decoded(&msgs[0]);
    assert!(text.contains("security-admins@bank.test") && text.contains("Unmask limit exceeded"), "{text}");
    for raw in ["13912345678", "欧阳明华", "11010519491231002X"] {
        assert!(!msgs[0].contains(raw) && !text.contains(raw), "{raw} in a mail");
    }
    // Nothing due is sent twice.
    assert_eq!(siyu_app::mail::deliver_due(&mut app.conn(), app.env(), &relay).unwrap().total(), 0);
}

#[test]
fn a_relay_that_is_down_is_retried_later() {
    let app = TestApp::start_with(|s| {
        s.smtp.host = Some("127.0.0.1".into());
        s.smtp.port = free_port(); // nothing listens there
        s.smtp.tls = "none".into();
        s.smtp.from = Some("siyu@bank.test".into());
        s.smtp.security_alert_to = vec!["security-admins@bank.test".into()];
    });
    app.org();
    let n = siyu_app::mail::queue_security_alert(&mut app.conn(), app.env(), "test", "relay down").unwrap();
    assert_eq!(n, 1);
    let relay = siyu_app::mail::relay(app.env()).unwrap().unwrap();
    let done = siyu_app::mail::deliver_due(&mut app.conn(), app.env(), &relay).unwrap();
    assert_eq!(done.retrying, 1, "{done:?}");
    assert_eq!(statuses(&app, "security.alert"), vec!["pending"]);
    assert_eq!(siyu_app::mail::deliver_due(&mut app.conn(), app.env(), &relay).unwrap().total(), 0, "not yet due");
    app.advance(chrono::Duration::minutes(2));
    let again = siyu_app::mail::deliver_due(&mut app.conn(), app.env(), &relay).unwrap();
    assert_eq!(again.retrying, 1, "tried again once due");
    let m = &siyu_store::outbox::by_kind(&mut app.conn(), "security.alert").unwrap()[0];
    assert_eq!(m.attempts, 2);
    assert!(m.last_error.is_some());
}
