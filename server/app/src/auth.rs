//! Logging in and out, changing passwords, the second factor, and resolving a request's session or token.

use crate::error::{AppError, Result};
use crate::principal::{anonymous, Meta, Principal, Via};
use crate::{secrets, totp, Env};
use siyu_domain::access::requires_second_factor;
use siyu_domain::session::{password_expires_at, Stage};
use siyu_store::audit::{self, AuditEvent};
use siyu_store::sessions::NewSession;
use siyu_store::tx::write_tx;
use siyu_store::{accounts, login, sessions, tokens, DbConn};

/// A session just created: the secret goes into the cookie and nowhere else.
pub struct IssuedSession {
    pub token: String,
    pub csrf_token: String,
    pub stage: Stage,
}

impl std::fmt::Debug for IssuedSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IssuedSession({})", self.stage.as_str())
    }
}

fn issue(conn: &mut DbConn, env: &Env, meta: &Meta, staff_id: &str, stage: Stage) -> Result<(IssuedSession, String)> {
    let token = secrets::random_token();
    let csrf_token = secrets::random_token();
    let id_hash = secrets::digest(&token);
    let ua: String = meta.user_agent.chars().take(256).collect();
    sessions::insert(
        conn,
        NewSession {
            id_hash: &id_hash,
            staff_id,
            stage: stage.as_str(),
            csrf_token: &csrf_token,
            client_addr: &meta.client_addr,
            user_agent: &ua,
        },
        env.now(),
    )?;
    Ok((IssuedSession { token, csrf_token, stage }, id_hash))
}

/// The password step of a login. Unknown names and wrong passwords get the same answer and take the same time;
/// failures count towards a lock by name (known or not) and a throttle by address.
pub fn login(conn: &mut DbConn, env: &Env, meta: &Meta, username: &str, password: &str) -> Result<IssuedSession> {
    let now = env.now();
    let rule = env.lockout();
    let anon = anonymous(username, meta);

    let from_addr = login::recent_failures_from(conn, &meta.client_addr, rule.window, now)?;
    if from_addr >= env.settings.auth.address_max_failures as i64 {
        write_tx(conn, |c| {
            audit::append(c, &anon, &AuditEvent::failure("auth.login", "account", username, "too_many_requests"), now)
        })?;
        return Err(AppError::Throttled);
    }
    if login::locked_until(conn, username, now)?.is_some() {
        write_tx(conn, |c| {
            audit::append(c, &anon, &AuditEvent::failure("auth.login", "account", username, "account_locked"), now)
        })?;
        return Err(AppError::Locked);
    }

    let account = accounts::by_username(conn, username)?;
    // Verify even when there is no account, against a hash that never matches, so timing reveals nothing.
    let hash = account.as_ref().map(|a| a.password_hash.as_str()).unwrap_or(secrets::dummy_hash());
    let password_ok = secrets::verify_password(password, hash) && account.is_some();
    let principal = match (&account, password_ok) {
        (Some(a), true) => Principal::load(conn, &a.staff_id, Via::Cli)?,
        _ => None,
    };

    let Some(principal) = principal else {
        // Wrong password, unknown name, or an account that is suspended or resigned: one answer for all.
        let code = match (&account, password_ok) {
            (None, _) => "unknown_user",
            (Some(_), false) => "wrong_password",
            (Some(_), true) => "account_disabled",
        };
        let locked = write_tx(conn, |c| -> Result<bool> {
            login::record_failure(c, username, &meta.client_addr, now)?;
            let failures = login::recent_failures(c, username, rule.window, now)?;
            let mut ctx = anon.clone();
            if let Some(a) = &account {
                ctx.actor_id = a.staff_id.clone();
            }
            audit::append(c, &ctx, &AuditEvent::failure("auth.login", "account", username, code), now)?;
            if let Some(until) = rule.lock_after(&failures, now) {
                login::lock(c, username, until)?;
                audit::append(
                    c,
                    &ctx,
                    &AuditEvent::success("auth.lockout", "account", username)
                        .with_detail(serde_json::json!({"until": until.to_rfc3339(), "failures": failures.len()})),
                    now,
                )?;
                return Ok(true);
            }
            Ok(false)
        })?;
        return Err(if locked { AppError::Locked } else { AppError::InvalidCredentials });
    };

    let account = account.ok_or(AppError::InvalidCredentials)?;
    let upgraded = if secrets::needs_upgrade(&account.password_hash) {
        Some(secrets::hash_password(password).map_err(AppError::Internal)?)
    } else {
        None
    };
    let expired = password_expires_at(account.password_changed_at, env.policy().max_age_days).is_some_and(|t| t <= now);
    let stage = Stage::after_password(
        account.must_change_password || expired,
        requires_second_factor(&principal.roles),
        account.totp_confirmed,
    );
    write_tx(conn, |c| {
        login::clear_failures(c, username)?;
        accounts::touch_login(c, &principal.staff_id, now)?;
        if let Some(h) = &upgraded {
            accounts::upgrade_hash(c, &principal.staff_id, h)?;
        }
        let (issued, id_hash) = issue(c, env, meta, &principal.staff_id, stage)?;
        let mut ctx = principal.audit(meta);
        ctx.session_hash = id_hash;
        audit::append(
            c,
            &ctx,
            &AuditEvent::success("auth.login", "account", &principal.staff_id).with_detail(serde_json::json!({
                "stage": stage.as_str(),
                "hash_upgraded": upgraded.is_some(),
                "password_expired": expired,
            })),
            now,
        )?;
        Ok(issued)
    })
}

/// Resolves a session cookie to its principal, ending the session when it has timed out.
pub fn resolve_session(conn: &mut DbConn, env: &Env, meta: &Meta, token: &str) -> Result<Option<Principal>> {
    let now = env.now();
    let id_hash = secrets::digest(token);
    let Some(s) = sessions::get_live(conn, &id_hash)? else {
        return Ok(None);
    };
    let stage = Stage::parse(&s.stage).unwrap_or(Stage::PasswordChange);
    let via = Via::Session {
        id_hash: id_hash.clone(),
        stage,
        csrf_token: s.csrf_token.clone(),
        authenticated_at: s.authenticated_at,
    };
    let Some(p) = Principal::load(conn, &s.staff_id, via)? else {
        sessions::revoke(conn, &id_hash, now)?;
        return Ok(None);
    };
    if env.timeouts(&p.roles).is_expired(s.created_at, s.last_seen_at, now) {
        write_tx(conn, |c| {
            sessions::revoke(c, &id_hash, now)?;
            audit::append(c, &p.audit(meta), &AuditEvent::success("auth.session_expired", "session", &p.staff_id), now)
        })?;
        return Ok(None);
    }
    // Touching the session on every request would make every read a write; a minute's resolution is plenty
    // against timeouts counted in minutes.
    if now - s.last_seen_at >= chrono::Duration::seconds(60) {
        sessions::touch(conn, &id_hash, now)?;
    }
    Ok(Some(p))
}

/// Resolves a bearer token to its principal: the owner's permissions, always a full session.
pub fn resolve_token(conn: &mut DbConn, env: &Env, token: &str) -> Result<Option<Principal>> {
    let now = env.now();
    let Some(t) = tokens::find_live(conn, &secrets::digest(token), now)? else {
        return Ok(None);
    };
    let p = Principal::load(conn, &t.staff_id, Via::Token { id: t.id.clone() })?;
    if p.is_some() && t.last_used_at.is_none_or(|u| now - u >= chrono::Duration::seconds(60)) {
        tokens::touch(conn, &t.id, now)?;
    }
    Ok(p)
}

/// Ends the caller's session.
pub fn logout(conn: &mut DbConn, env: &Env, meta: &Meta, p: &Principal) -> Result<()> {
    let now = env.now();
    write_tx(conn, |c| {
        sessions::revoke(c, p.session_hash(), now)?;
        audit::append(c, &p.audit(meta), &AuditEvent::success("auth.logout", "session", &p.staff_id), now)?;
        Ok(())
    })
}

/// Ends every session of the caller ("log out everywhere").
pub fn logout_all(conn: &mut DbConn, env: &Env, meta: &Meta, p: &Principal) -> Result<usize> {
    let now = env.now();
    write_tx(conn, |c| {
        let n = sessions::revoke_all(c, &p.staff_id, now)?;
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent::success("auth.logout_all", "account", &p.staff_id)
                .with_detail(serde_json::json!({"ended": n})),
            now,
        )?;
        Ok(n)
    })
}

/// Ends one of the caller's own sessions, by the id shown in the session list.
pub fn end_own_session(conn: &mut DbConn, env: &Env, meta: &Meta, p: &Principal, session_ref: &str) -> Result<()> {
    let now = env.now();
    let live = sessions::list_live(conn, &p.staff_id)?;
    let target = live.iter().find(|s| session_ref_of(&s.id_hash) == session_ref).ok_or(AppError::NotFound)?;
    write_tx(conn, |c| {
        sessions::revoke(c, &target.id_hash, now)?;
        audit::append(c, &p.audit(meta), &AuditEvent::success("auth.session_end", "session", session_ref), now)?;
        Ok(())
    })
}

/// A public reference to a session: a prefix of the hash of its id, which reveals nothing usable.
pub fn session_ref_of(id_hash: &str) -> String {
    id_hash.chars().take(16).collect()
}

/// Changes the caller's password (also the forced change at first login) and rotates the session.
pub fn change_password(
    conn: &mut DbConn,
    env: &Env,
    meta: &Meta,
    p: &Principal,
    current: &str,
    new: &str,
) -> Result<IssuedSession> {
    let now = env.now();
    let account = accounts::by_staff(conn, &p.staff_id)?.ok_or(AppError::NotFound)?;
    if !secrets::verify_password(current, &account.password_hash) {
        write_tx(conn, |c| {
            audit::append(
                c,
                &p.audit(meta),
                &AuditEvent::failure("auth.password_change", "account", &p.staff_id, "wrong_password"),
                now,
            )
        })?;
        return Err(AppError::InvalidCredentials);
    }
    let policy = env.policy();
    let history = accounts::recent_hashes(conn, &p.staff_id, policy.history)?;
    let reused = history.iter().any(|h| secrets::verify_password(new, h));
    let violations = policy.check(new, &p.username, &env.common, reused);
    if !violations.is_empty() {
        write_tx(conn, |c| {
            audit::append(
                c,
                &p.audit(meta),
                &AuditEvent::failure("auth.password_change", "account", &p.staff_id, "password_policy"),
                now,
            )
        })?;
        return Err(AppError::PasswordPolicy(violations));
    }
    let hash = secrets::hash_password(new).map_err(AppError::Internal)?;
    let stage = Stage::after_password_change(requires_second_factor(&p.roles), account.totp_confirmed);
    write_tx(conn, |c| {
        accounts::set_password(c, &p.staff_id, &hash, false, now)?;
        // A new password ends every other session too: whoever knew the old one is out.
        sessions::revoke_all(c, &p.staff_id, now)?;
        let (issued, id_hash) = issue(c, env, meta, &p.staff_id, stage)?;
        let mut ctx = p.audit(meta);
        ctx.session_hash = id_hash;
        audit::append(c, &ctx, &AuditEvent::success("auth.password_change", "account", &p.staff_id), now)?;
        Ok(issued)
    })
}

/// Starts second-factor enrolment: a new secret, shown once.
pub fn totp_enroll(conn: &mut DbConn, env: &Env, meta: &Meta, p: &Principal) -> Result<(String, String)> {
    let now = env.now();
    let secret = totp::new_secret();
    let uri = totp::otpauth_uri(&secret, &env.settings.auth.totp_issuer, &p.username);
    // The secret is an authentication credential: it is kept sealed, bound to this account's row.
    let sealed = crate::keys::seal(&env.vault, siyu_store::sealed::TOTP_SECRET, &p.staff_id, &secret)?;
    write_tx(conn, |c| {
        accounts::set_totp(c, &p.staff_id, Some(&sealed))?;
        audit::append(c, &p.audit(meta), &AuditEvent::success("auth.totp_enroll_start", "account", &p.staff_id), now)
    })?;
    Ok((secret, uri))
}

/// Checks a second-factor code: confirms an enrolment or completes a login. A wrong code counts as a failed
/// login towards the lock.
pub fn totp_verify(conn: &mut DbConn, env: &Env, meta: &Meta, p: &Principal, code: &str) -> Result<IssuedSession> {
    let now = env.now();
    let account = accounts::by_staff(conn, &p.staff_id)?.ok_or(AppError::NotFound)?;
    let enrolling = p.stage() == Stage::TotpEnroll;
    let secret = match account.totp_secret.as_deref() {
        Some(text) => Some(crate::keys::open_value(
            &env.vault,
            siyu_store::sealed::TOTP_SECRET,
            &p.staff_id,
            text,
            siyu_vault::PurposeKind::Compare,
        )?),
        None => None,
    };
    let step = secret.as_deref().and_then(|s| totp::matching_step(s, code.trim(), now));
    let action = if enrolling { "auth.totp_enroll" } else { "auth.totp" };
    let accepted = match step {
        Some(step) => write_tx(conn, |c| accounts::use_totp_step(c, &p.staff_id, step))?,
        None => false,
    };
    if !accepted {
        let locked = failed_step(conn, env, meta, p, action, "invalid_code")?;
        return Err(if locked { AppError::Locked } else { AppError::InvalidCode });
    }
    write_tx(conn, |c| {
        if enrolling {
            accounts::confirm_totp(c, &p.staff_id, now)?;
        }
        login::clear_failures(c, &p.username)?;
        sessions::revoke(c, p.session_hash(), now)?;
        let (issued, id_hash) = issue(c, env, meta, &p.staff_id, Stage::Full)?;
        let mut ctx = p.audit(meta);
        ctx.session_hash = id_hash;
        audit::append(c, &ctx, &AuditEvent::success(action, "account", &p.staff_id), now)?;
        Ok(issued)
    })
}

/// A failed authentication step of a logged-in principal (a second-factor code, a re-authentication): counted
/// towards the lockout like a failed login, audited, and past the threshold the account is locked and every session
/// ended. Returns whether it locked.
fn failed_step(conn: &mut DbConn, env: &Env, meta: &Meta, p: &Principal, action: &str, code: &str) -> Result<bool> {
    let now = env.now();
    let rule = env.lockout();
    write_tx(conn, |c| -> Result<bool> {
        login::record_failure(c, &p.username, &meta.client_addr, now)?;
        audit::append(c, &p.audit(meta), &AuditEvent::failure(action, "account", &p.staff_id, code), now)?;
        let failures = login::recent_failures(c, &p.username, rule.window, now)?;
        if let Some(until) = rule.lock_after(&failures, now) {
            login::lock(c, &p.username, until)?;
            sessions::revoke_all(c, &p.staff_id, now)?;
            audit::append(c, &p.audit(meta), &AuditEvent::success("auth.lockout", "account", &p.username), now)?;
            return Ok(true);
        }
        Ok(false)
    })
}

/// Proves again who the session's owner is — the password, and the second factor when the account has one —
/// so actions that ask for a recent authentication (an unmask, an unmasked export: REQUIREMENTS B.13) may go
/// ahead for the next few minutes. Failures count towards the lockout like a login's.
pub fn reauthenticate(
    conn: &mut DbConn,
    env: &Env,
    meta: &Meta,
    p: &Principal,
    password: &str,
    code: Option<&str>,
) -> Result<()> {
    let now = env.now();
    if !matches!(p.via, Via::Session { .. }) || p.stage() != Stage::Full {
        return Err(AppError::refused(
            "session_required",
            "only a fully logged-in browser session can re-authenticate",
            "只有已完成登录的浏览器会话可以重新验证",
        ));
    }
    let account = accounts::by_staff(conn, &p.staff_id)?.ok_or(AppError::NotFound)?;
    let mut ok = secrets::verify_password(password, &account.password_hash);
    let mut step = None;
    if ok && (account.totp_confirmed || requires_second_factor(&p.roles)) {
        let secret = match account.totp_secret.as_deref() {
            Some(text) => Some(crate::keys::open_value(
                &env.vault,
                siyu_store::sealed::TOTP_SECRET,
                &p.staff_id,
                text,
                siyu_vault::PurposeKind::Compare,
            )?),
            None => None,
        };
        step = match (secret.as_deref(), code) {
            (Some(s), Some(c)) => totp::matching_step(s, c.trim(), now),
            _ => None,
        };
        ok = step.is_some() && write_tx(conn, |c| accounts::use_totp_step(c, &p.staff_id, step.unwrap_or_default()))?;
    }
    if !ok {
        let locked = failed_step(conn, env, meta, p, "auth.reauth", "invalid_credentials")?;
        return Err(if locked { AppError::Locked } else { AppError::InvalidCredentials });
    }
    write_tx(conn, |c| -> Result<()> {
        login::clear_failures(c, &p.username)?;
        sessions::reauthenticated(c, p.session_hash(), now)?;
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent::success("auth.reauth", "account", &p.staff_id)
                .with_detail(serde_json::json!({"second_factor": step.is_some()})),
            now,
        )?;
        Ok(())
    })
}

/// What the console shows about the current principal.
pub struct Profile {
    pub node: siyu_store::org::OrgNode,
    pub password_expires_at: Option<chrono::DateTime<chrono::Utc>>,
    pub has_second_factor: bool,
}

pub fn profile(conn: &mut DbConn, env: &Env, p: &Principal) -> Result<Profile> {
    let node = siyu_store::org::get(conn, &p.node_id)?;
    let account = accounts::by_staff(conn, &p.staff_id)?.ok_or(AppError::NotFound)?;
    Ok(Profile {
        node,
        password_expires_at: password_expires_at(account.password_changed_at, env.policy().max_age_days),
        has_second_factor: account.totp_confirmed,
    })
}

/// The caller's live sessions, with a public reference each.
pub fn own_sessions(conn: &mut DbConn, p: &Principal) -> Result<Vec<(String, siyu_store::sessions::Session)>> {
    Ok(sessions::list_live(conn, &p.staff_id)?.into_iter().map(|s| (session_ref_of(&s.id_hash), s)).collect())
}
