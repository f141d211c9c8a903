//! Mail through the outbox: a use case queues a mail in the same transaction as the change that causes it, and
//! the engine delivers due mails to the bank's relay. Every mail passes the egress guard just before it is sent,
//! so a body that would carry an ID, card or mobile number or a customer's name is marked `blocked`, audited and
//! never sent; mails therefore name staff and counts, never customers (issue 4: masking in e-mail).

use crate::egress;
use crate::error::{AppError, Result};
use crate::Env;
use siyu_connectors::mail::{Mail, MailError, MailSender, SmtpSecurity, SmtpSender, SmtpSettings};
use siyu_domain::egress::Channel;
use siyu_domain::outbox as outbox_retry;
use siyu_store::audit::{self, AuditContext, AuditEvent};
use siyu_store::outbox::{self, OutboxMail};
use siyu_store::time::to_db;
use siyu_store::tx::write_tx;
use siyu_store::DbConn;

/// Mails delivered per call.
const BATCH: i64 = 50;

/// Queues a mail; call inside the transaction of the change that causes it.
pub fn queue(conn: &mut DbConn, env: &Env, kind: &str, to: &str, subject: &str, body: &str) -> Result<()> {
    let now = to_db(env.now());
    outbox::insert(
        conn,
        &OutboxMail {
            id: uuid::Uuid::now_v7().to_string(),
            kind: kind.into(),
            to_addr: to.into(),
            subject: subject.into(),
            body: body.into(),
            status: "pending".into(),
            attempts: 0,
            last_error: None,
            created_at: now,
            next_attempt_at: now,
            sent_at: None,
        },
    )?;
    Ok(())
}

/// Queues a security alert to every address in `smtp.security_alert_to`; returns how many.
pub fn queue_security_alert(conn: &mut DbConn, env: &Env, subject: &str, body: &str) -> Result<usize> {
    let to = env.settings.smtp.security_alert_to.clone();
    for addr in &to {
        queue(conn, env, "security.alert", addr, subject, body)?;
    }
    Ok(to.len())
}

/// The relay configured in `smtp`, or `None` when mail is off.
pub fn relay(env: &Env) -> Result<Option<SmtpSender>> {
    let s = &env.settings.smtp;
    let Some(host) = &s.host else { return Ok(None) };
    let settings = SmtpSettings {
        host: host.clone(),
        port: s.port,
        security: SmtpSecurity::parse(&s.tls).unwrap_or(SmtpSecurity::StartTls),
        username: s.username.clone(),
        password: s.password.clone(),
        from: s.from.clone().unwrap_or_default(),
        timeout: std::time::Duration::from_secs(20),
    };
    SmtpSender::new(&settings).map(Some).map_err(|e| AppError::Internal(e.to_string()))
}

/// What a delivery round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    pub blocked: usize,
    pub retrying: usize,
    pub failed: usize,
}

impl Delivered {
    pub fn total(&self) -> usize {
        self.sent + self.blocked + self.retrying + self.failed
    }
}

fn system() -> AuditContext {
    AuditContext { actor_name: "system:mail".into(), actor_roles: "system".into(), ..Default::default() }
}

/// Delivers the mails due now; each is claimed first, so replicas never send one twice at once.
pub fn deliver_due(conn: &mut DbConn, env: &Env, relay: &dyn MailSender) -> Result<Delivered> {
    let now = env.now();
    let mut done = Delivered::default();
    for m in outbox::due(conn, to_db(now), BATCH)? {
        let retry_at = to_db(now + outbox_retry::backoff(m.attempts));
        if !outbox::claim(conn, &m.id, m.next_attempt_at, retry_at)? {
            continue;
        }
        let text = format!("{}\n{}", m.subject, m.body);
        if egress::guard(conn, env, &system(), Channel::Mail, &text).is_err() {
            outbox::finish(conn, &m.id, "blocked", Some("refused by the egress guard"), None)?;
            done.blocked += 1;
            continue;
        }
        let mail = Mail { to: m.to_addr.clone(), subject: m.subject.clone(), body: m.body.clone() };
        match relay.send(&mail) {
            Ok(()) => {
                outbox::finish(conn, &m.id, "sent", None, Some(to_db(env.now())))?;
                done.sent += 1;
            }
            Err(MailError::Transient(e)) if outbox_retry::may_retry(m.attempts) => {
                tracing::warn!(mail = %m.id, error = %e, "mail relay: will retry");
                outbox::finish(conn, &m.id, "pending", Some(&e), None)?;
                done.retrying += 1;
            }
            Err(e) => {
                tracing::warn!(mail = %m.id, error = %e, "mail given up");
                outbox::finish(conn, &m.id, "failed", Some(&e.to_string()), None)?;
                done.failed += 1;
            }
        }
    }
    if done.sent + done.blocked + done.failed > 0 {
        write_tx(conn, |c| {
            audit::append(
                c,
                &system(),
                &AuditEvent::success("mail.delivery", "mail_outbox", "").with_detail(serde_json::json!({
                    "sent": done.sent, "blocked": done.blocked, "failed": done.failed, "retrying": done.retrying,
                })),
                now,
            )
        })?;
    }
    Ok(done)
}
