//! The callback URL `/wecom/callback/{name}`: WeCom's URL check (GET) and its encrypted events (POST).
//!
//! A POST is refused, with nothing stored, unless every check passes, in this order: the corp is configured; the
//! envelope parses; the signature over (token, timestamp, nonce, Encrypt) matches (the signature is the
//! authentication, so nothing else is looked at before it); the timestamp is inside the corp's window; the
//! ciphertext decrypts to our corp id; the event parses; the nonce was not used before with another signature.
//! Then the event is stored (one short transaction, no audit lock) and only then is WeCom answered. WeCom's retry
//! of a request (same nonce and signature) or another delivery of a stored event stores nothing and is answered
//! like the first, so WeCom stops retrying.

use crate::error::Result;
use crate::Env;
use sha2::{Digest, Sha256};
use siyu_connectors::wecom::xml::{self, CallbackEvent, ExternalChatEvent, ExternalContactEvent, ExternalTagEvent};
use siyu_connectors::wecom::{CryptoError, MsgCrypt};
use siyu_store::wecom::inbox::{self, Accepted, NewEvent};
use siyu_store::DbConn;

/// The query WeCom sends (`echostr` only on the GET check). Values arrive URL-decoded.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub msg_signature: Option<String>,
    pub timestamp: Option<String>,
    pub nonce: Option<String>,
    pub echostr: Option<String>,
}

/// Why a callback was refused. The web layer picks the status; `reason` labels the metric and the log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// No corp of that name, or one without a callback token and key.
    UnknownCorp,
    /// A query parameter is missing or not of its form.
    BadQuery,
    /// The body is larger than the route accepts.
    TooLarge,
    /// The envelope (XML or JSON) does not parse or has no Encrypt.
    Malformed,
    BadSignature,
    /// The timestamp is outside the corp's window.
    Stale,
    /// The ciphertext does not decrypt (base64, AES, padding, length).
    Undecryptable,
    /// The plaintext names another receiveid than the corp id.
    WrongReceiver,
    /// The decrypted event is not a valid event document.
    MalformedEvent,
    /// The nonce was already used with another signature.
    Replay,
}

impl Rejection {
    pub fn reason(self) -> &'static str {
        match self {
            Rejection::UnknownCorp => "unknown_corp",
            Rejection::BadQuery => "bad_query",
            Rejection::TooLarge => "too_large",
            Rejection::Malformed => "malformed",
            Rejection::BadSignature => "bad_signature",
            Rejection::Stale => "stale",
            Rejection::Undecryptable => "undecryptable",
            Rejection::WrongReceiver => "wrong_receiver",
            Rejection::MalformedEvent => "malformed_event",
            Rejection::Replay => "replay",
        }
    }

    fn of(e: CryptoError) -> Self {
        match e {
            CryptoError::ValidateSignature => Rejection::BadSignature,
            CryptoError::ValidateReceiveId => Rejection::WrongReceiver,
            CryptoError::ParseXml => Rejection::Malformed,
            _ => Rejection::Undecryptable,
        }
    }
}

/// What happened to an accepted POST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A new event, stored under this inbox id.
    Stored(String),
    /// WeCom's retry of the same request, or another delivery of a stored event: nothing stored.
    AlreadyStored,
}

fn crypt_of(env: &Env, name: &str) -> std::result::Result<(MsgCrypt, u64), Rejection> {
    let corp = super::corp(env, name).ok_or(Rejection::UnknownCorp)?;
    let (Some(token), Some(key)) = (corp.token.as_deref(), corp.encoding_aes_key.as_deref()) else {
        return Err(Rejection::UnknownCorp);
    };
    // A key the config check let through but the crypto refuses is a configuration error: no callback can work.
    let crypt = MsgCrypt::new(token, key, &corp.corp_id).map_err(|_| Rejection::UnknownCorp)?;
    Ok((crypt, corp.callback_max_age_secs))
}

fn need(v: &Option<String>) -> std::result::Result<&str, Rejection> {
    v.as_deref().filter(|s| !s.is_empty() && s.len() <= 4096).ok_or(Rejection::BadQuery)
}

/// GET: checks the signature over the echostr (no timestamp window, as WeCom documents) and returns its
/// plaintext, the exact body to answer with.
pub fn verify_url(env: &Env, name: &str, q: &Query) -> std::result::Result<String, Rejection> {
    let (crypt, _) = crypt_of(env, name)?;
    let (sig, ts, nonce, echostr) = (need(&q.msg_signature)?, need(&q.timestamp)?, need(&q.nonce)?, need(&q.echostr)?);
    crypt.verify_url(sig, ts, nonce, echostr).map_err(Rejection::of)
}

/// A decrypted, parsed event ready to store: everything `accept` does before the database.
#[derive(Debug, Clone)]
pub struct Opened {
    pub corp: String,
    pub nonce: String,
    pub signature: String,
    pub dedupe_key: String,
    pub event_type: String,
    pub change_type: Option<String>,
    pub create_time: i64,
    pub xml: String,
}

/// The checks of a POST up to (not including) the database: signature, window, decryption, event.
pub fn open(env: &Env, name: &str, q: &Query, body: &str) -> std::result::Result<Opened, Rejection> {
    let (crypt, max_age) = crypt_of(env, name)?;
    let (sig, ts, nonce) = (need(&q.msg_signature)?, need(&q.timestamp)?, need(&q.nonce)?);
    if nonce.len() > 128 {
        return Err(Rejection::BadQuery);
    }
    let envelope = xml::parse_envelope(body).map_err(|_| Rejection::Malformed)?;
    crypt.verify_signature(sig, ts, nonce, &envelope.encrypt).map_err(Rejection::of)?;
    let sent: i64 = ts.parse().map_err(|_| Rejection::BadQuery)?;
    if max_age > 0 && (env.now().timestamp() - sent).unsigned_abs() > max_age {
        return Err(Rejection::Stale);
    }
    let msg = crypt.decrypt(&envelope.encrypt).map_err(Rejection::of)?.msg;
    let event = xml::parse_event(&msg).map_err(|_| Rejection::MalformedEvent)?;
    let (event_type, change_type) = names(&event.kind);
    Ok(Opened {
        corp: name.to_string(),
        nonce: nonce.to_string(),
        signature: sig.to_ascii_lowercase(),
        dedupe_key: hex::encode(Sha256::digest(event.dedupe_key().as_bytes())),
        event_type,
        change_type,
        create_time: event.header.create_time,
        xml: msg,
    })
}

/// Stores an opened event (nonce and event in one transaction). `Err(Rejection::Replay)` stores nothing.
pub fn store(conn: &mut DbConn, env: &Env, o: &Opened) -> Result<std::result::Result<Outcome, Rejection>> {
    let e = NewEvent {
        corp: &o.corp,
        dedupe_key: &o.dedupe_key,
        event_type: &o.event_type,
        change_type: o.change_type.as_deref(),
        create_time: o.create_time,
        event: &o.xml,
    };
    Ok(match inbox::accept(conn, &e, &o.nonce, &o.signature, env.now())? {
        Accepted::Stored(id) => Ok(Outcome::Stored(id)),
        Accepted::Retry | Accepted::Duplicate => Ok(Outcome::AlreadyStored),
        Accepted::Replay => Err(Rejection::Replay),
    })
}

/// POST: [`open`], then [`store`].
pub fn accept(
    conn: &mut DbConn,
    env: &Env,
    name: &str,
    q: &Query,
    body: &str,
) -> Result<std::result::Result<Outcome, Rejection>> {
    match open(env, name, q, body) {
        Ok(o) => store(conn, env, &o),
        Err(r) => Ok(Err(r)),
    }
}

/// The Event and ChangeType names of an event, as WeCom spells them.
fn names(kind: &CallbackEvent) -> (String, Option<String>) {
    let (event, change) = match kind {
        CallbackEvent::ExternalContact(e) => (
            "change_external_contact",
            match e {
                ExternalContactEvent::Add { .. } => "add_external_contact",
                ExternalContactEvent::Edit { .. } => "edit_external_contact",
                ExternalContactEvent::AddHalf { .. } => "add_half_external_contact",
                ExternalContactEvent::Del { .. } => "del_external_contact",
                ExternalContactEvent::DelFollowUser { .. } => "del_follow_user",
                ExternalContactEvent::TransferFail { .. } => "transfer_fail",
            },
        ),
        CallbackEvent::ExternalChat(e) => (
            "change_external_chat",
            match e {
                ExternalChatEvent::Create { .. } => "create",
                ExternalChatEvent::Dismiss { .. } => "dismiss",
                ExternalChatEvent::Update { .. } => "update",
            },
        ),
        CallbackEvent::ExternalTag(e) => (
            "change_external_tag",
            match e {
                ExternalTagEvent::Create { .. } => "create",
                ExternalTagEvent::Update { .. } => "update",
                ExternalTagEvent::Delete { .. } => "delete",
                ExternalTagEvent::Shuffle { .. } => "shuffle",
            },
        ),
        CallbackEvent::Unknown { event, change_type } => {
            let clip = |s: &str| s.chars().take(64).collect::<String>();
            return (clip(event), change_type.as_deref().map(clip));
        }
    };
    (event.to_string(), Some(change.to_string()))
}
