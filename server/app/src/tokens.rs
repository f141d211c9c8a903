//! API tokens for machine clients: shown once, kept hashed, acting with the owner's permissions.

use crate::error::{check_text, AppError, Result};
use crate::principal::{Meta, Principal};
use crate::{secrets, Env};
use chrono::Duration;
use siyu_store::audit::{self, AuditContext, AuditEvent};
use siyu_store::tokens::{self as store, TokenInfo};
use siyu_store::tx::write_tx;
use siyu_store::DbConn;

pub const PREFIX: &str = "siyu_";

/// A token just created; `token` is shown once.
pub struct NewToken {
    pub info: TokenInfo,
    pub token: String,
}

/// Creates a token for `owner_id`, recorded against `ctx` (the owner through the API, or the CLI).
pub fn create(
    conn: &mut DbConn,
    env: &Env,
    ctx: &AuditContext,
    owner_id: &str,
    name: &str,
    days: i64,
) -> Result<NewToken> {
    check_text("name", name, 1, 100)?;
    if !(1..=366).contains(&days) {
        return Err(AppError::validation("days", "must be between 1 and 366"));
    }
    let now = env.now();
    let token = format!("{PREFIX}{}", secrets::random_token());
    let id = uuid::Uuid::now_v7().to_string();
    write_tx(conn, |c| {
        let info =
            store::insert(c, &id, owner_id, name.trim(), &secrets::digest(&token), now + Duration::days(days), now)?;
        audit::append(
            c,
            ctx,
            &AuditEvent::success("token.create", "api_token", &id)
                .with_detail(serde_json::json!({"owner": owner_id, "days": days})),
            now,
        )?;
        Ok(NewToken { info, token: token.clone() })
    })
}

pub fn list(conn: &mut DbConn, p: &Principal) -> Result<Vec<TokenInfo>> {
    Ok(store::list_for(conn, &p.staff_id)?)
}

pub fn revoke(conn: &mut DbConn, env: &Env, meta: &Meta, p: &Principal, id: &str) -> Result<()> {
    let now = env.now();
    write_tx(conn, |c| {
        if !store::revoke(c, &p.staff_id, id, now)? {
            return Err(AppError::NotFound);
        }
        audit::append(c, &p.audit(meta), &AuditEvent::success("token.revoke", "api_token", id), now)?;
        Ok(())
    })
}
