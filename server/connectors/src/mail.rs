//! Mail to the bank's SMTP relay (lettre, blocking, rustls). The relay is the only mail destination siyu knows;
//! what goes out is decided (and passed through the egress guard) by the outbox in the app layer.

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};
use std::time::Duration;

/// How the relay is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain SMTP upgraded with STARTTLS, which must succeed (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same host or a loopback test server.
    None,
}

impl SmtpSecurity {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "starttls" => Some(SmtpSecurity::StartTls),
            "tls" => Some(SmtpSecurity::Tls),
            "none" => Some(SmtpSecurity::None),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from: String,
    pub timeout: Duration,
}

/// One plain-text mail.
#[derive(Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl std::fmt::Debug for Mail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Addresses and text stay out of logs; the outbox row id is what logs name.
        write!(f, "Mail({} bytes)", self.body.len())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The mail itself is wrong (an address that does not parse): retrying will not help.
    #[error("the mail cannot be sent: {0}")]
    Permanent(String),
    /// The relay could not be reached or refused for now.
    #[error("the relay did not take the mail: {0}")]
    Transient(String),
}

/// Sends mail; the outbox holds one and calls it for each due mail.
pub trait MailSender: Send + Sync {
    fn send(&self, mail: &Mail) -> Result<(), MailError>;
}

/// The bank's relay over SMTP.
pub struct SmtpSender {
    transport: SmtpTransport,
    from: Mailbox,
}

impl SmtpSender {
    pub fn new(s: &SmtpSettings) -> Result<Self, MailError> {
        let from: Mailbox = s.from.parse().map_err(|e| MailError::Permanent(format!("smtp.from: {e}")))?;
        let tls =
            || TlsParameters::new(s.host.clone()).map_err(|e| MailError::Permanent(format!("TLS for {}: {e}", s.host)));
        let mut b = SmtpTransport::builder_dangerous(&s.host).port(s.port).timeout(Some(s.timeout));
        b = match s.security {
            SmtpSecurity::StartTls => b.tls(Tls::Required(tls()?)),
            SmtpSecurity::Tls => b.tls(Tls::Wrapper(tls()?)),
            SmtpSecurity::None => b.tls(Tls::None),
        };
        if let (Some(u), Some(p)) = (&s.username, &s.password) {
            b = b.credentials(Credentials::new(u.clone(), p.clone()));
        }
        Ok(SmtpSender { transport: b.build(), from })
    }
}

impl MailSender for SmtpSender {
    fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let to: Mailbox = mail.to.parse().map_err(|e| MailError::Permanent(format!("address: {e}")))?;
        let msg = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|e| MailError::Permanent(e.to_string()))?;
        self.transport.send(&msg).map(|_| ()).map_err(|e| {
            if e.is_permanent() {
                MailError::Permanent(e.to_string())
            } else {
                MailError::Transient(e.to_string())
            }
        })
    }
}
