//! Customers: the CRM's batch upsert, scoped search by blind index, masked reads and audited unmask.
//! Plaintext exists only inside these functions, on its way into the vault or into a masked view.

use crate::error::{AppError, Result};
use crate::keys::{open_for as open, seal, vault_err};
use crate::principal::{Meta, Principal};
use crate::Env;
use chrono::Duration;
use siyu_domain::access::Permission;
use siyu_domain::customer::{mask_customer_no, CustomerInput, Rejection, ValidCustomer};
use siyu_domain::pii;
use siyu_store::assignments::{record_owner, By};
use siyu_store::audit::{self, AuditEvent};
use siyu_store::customers::{self as store, CustomerRow, Index};
use siyu_store::sealed::{self, SealedColumn};
use siyu_store::time::to_db;
use siyu_store::tx::write_tx;
use siyu_store::DbConn;
use siyu_vault::{Purpose, PurposeKind, Vault};

pub const MAX_BATCH: usize = 1000;

/// What happened to one item of a batch.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ItemResult {
    pub index: usize,
    /// `created`, `updated` or `rejected`.
    pub status: &'static str,
    pub id: Option<String>,
    pub field: Option<&'static str>,
    pub reason: Option<&'static str>,
}

fn index(vault: &Vault, col: SealedColumn, normalized: &str) -> Result<String> {
    vault.blind_index(col.field_class, normalized).map_err(vault_err)
}

/// The blind-index class of name prefixes: its own key (derived from the index root for this class), so a
/// prefix's index never equals the whole-name index of a customer whose name is that prefix.
pub const NAME_PREFIX_CLASS: &str = "customer.name_prefix";

/// The keyed index of a normalised name prefix (one or two characters).
pub(crate) fn name_prefix_index(vault: &Vault, prefix: &str) -> Result<String> {
    vault.blind_index(NAME_PREFIX_CLASS, prefix).map_err(vault_err)
}

/// The keyed index a customer number is found by.
pub(crate) fn customer_no_index(vault: &Vault, customer_no: &str) -> Result<String> {
    index(vault, sealed::CUSTOMER_NO, customer_no)
}

/// The keyed index a (normalised) mobile is found by: the same as a customer's `mobile_idx`.
pub(crate) fn mobile_index(vault: &Vault, normalized_mobile: &str) -> Result<String> {
    index(vault, sealed::CUSTOMER_MOBILE, normalized_mobile)
}

/// The customers (any scope) with one of these mobile indexes.
pub(crate) fn ids_by_mobile_index(conn: &mut DbConn, idxs: &[String]) -> Result<Vec<String>> {
    Ok(store::ids_by_mobile_idx(conn, idxs)?)
}

/// A customer the caller may see, or NotFound/OutOfScope.
pub(crate) fn in_scope(conn: &mut DbConn, p: &Principal, id: &str) -> Result<CustomerRow> {
    Ok(store::get_in_scope(conn, id, &p.scope)?)
}

pub(crate) fn row_of(
    vault: &Vault,
    v: &ValidCustomer,
    id: &str,
    node_id: String,
    rm_staff_id: Option<String>,
    created_at: chrono::NaiveDateTime,
    now: chrono::NaiveDateTime,
) -> Result<CustomerRow> {
    let opt = |col: SealedColumn, value: Option<&str>| -> Result<Option<String>> {
        value.map(|x| seal(vault, col, id, x)).transpose()
    };
    let (p1, p2) = siyu_domain::customer::name_prefixes(&v.name);
    Ok(CustomerRow {
        name_p1_idx: p1.map(|x| name_prefix_index(vault, &x)).transpose()?,
        name_p2_idx: p2.map(|x| name_prefix_index(vault, &x)).transpose()?,
        id: id.to_string(),
        customer_no: seal(vault, sealed::CUSTOMER_NO, id, &v.customer_no)?,
        customer_no_idx: index(vault, sealed::CUSTOMER_NO, &v.customer_no)?,
        name: seal(vault, sealed::CUSTOMER_NAME, id, &v.name)?,
        name_idx: index(vault, sealed::CUSTOMER_NAME, &siyu_domain::egress::normalize_name(&v.name))?,
        gender: v.gender.as_str().into(),
        birth_date: opt(sealed::CUSTOMER_BIRTH_DATE, v.birth_date.map(|d| d.to_string()).as_deref())?,
        id_number: opt(sealed::CUSTOMER_ID_NUMBER, v.id_number.as_deref())?,
        id_number_idx: v.id_number.as_deref().map(|x| index(vault, sealed::CUSTOMER_ID_NUMBER, x)).transpose()?,
        mobile: opt(sealed::CUSTOMER_MOBILE, v.mobile.as_deref())?,
        mobile_idx: v.mobile.as_deref().map(|x| index(vault, sealed::CUSTOMER_MOBILE, x)).transpose()?,
        risk_level: v.risk_level.map(|r| r.as_str().to_string()),
        risk_assessed_on: v.risk_assessed_on.map(|d| d.to_string()),
        aum: opt(sealed::CUSTOMER_AUM, v.aum_fen.map(|a| a.to_string()).as_deref())?,
        aum_band: v.aum_fen.map(|a| pii::aum_band(a, pii::DEFAULT_AUM_BOUNDS_YUAN)).unwrap_or_else(|| "-".into()),
        node_id,
        rm_staff_id,
        created_at,
        updated_at: now,
        address: opt(sealed::CUSTOMER_ADDRESS, v.address.as_deref())?,
        address_idx: v.address.as_deref().map(|a| address_index(vault, a)).transpose()?,
        // Written by the API, not by an import: the next file naming this customer rewrites the row.
        row_digest: None,
    })
}

/// The keyed index of an address as the egress guard compares it (normalised, whole).
pub(crate) fn address_index(vault: &Vault, address: &str) -> Result<String> {
    index(vault, sealed::CUSTOMER_ADDRESS, &siyu_domain::egress::normalize_address(address))
}

/// Creates or updates customers by customer number, each item judged on its own: valid items are written (all
/// of them in one transaction), invalid ones come back with the field and the rule they broke.
pub fn upsert_batch(
    conn: &mut DbConn,
    env: &Env,
    meta: &Meta,
    p: &Principal,
    items: Vec<CustomerInput>,
) -> Result<Vec<ItemResult>> {
    p.require(Permission::CustomerWrite)?;
    if items.len() > MAX_BATCH {
        return Err(AppError::validation("items", format!("at most {MAX_BATCH} items per batch")));
    }
    let now = env.now();
    let t = to_db(now);
    let vault = env.vault.clone();
    let results = write_tx(conn, |c| -> Result<Vec<ItemResult>> {
        let mut results = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let rejected = |r: Rejection| ItemResult {
                index: i,
                status: "rejected",
                id: None,
                field: Some(r.field),
                reason: Some(r.reason),
            };
            let v = match item.validate() {
                Ok(v) => v,
                Err(r) => {
                    results.push(rejected(r));
                    continue;
                }
            };
            let node = match siyu_store::org::by_code(c, &v.outlet_code)? {
                Some(n) if p.scope.contains(&n.path) => n,
                _ => {
                    results.push(rejected(Rejection { field: "outlet_code", reason: "unknown outlet" }));
                    continue;
                }
            };
            let rm = match v.rm_employee_no.as_deref() {
                None => None,
                Some(e) => match siyu_store::staff::by_employee_no(c, e)? {
                    Some(s) if p.scope.contains(&s.node_path) && s.status == "active" => Some(s.id),
                    _ => {
                        results.push(rejected(Rejection { field: "rm_employee_no", reason: "unknown or inactive RM" }));
                        continue;
                    }
                },
            };
            let idx = index(&vault, sealed::CUSTOMER_NO, &v.customer_no)?;
            let existing = store::by_customer_no_idx(c, &idx)?;
            let (id, created_at, status) = match &existing {
                Some(e) => (e.id.clone(), e.created_at, "updated"),
                None => (uuid::Uuid::now_v7().to_string(), t, "created"),
            };
            let row = row_of(&vault, &v, &id, node.id, rm, created_at, t)?;
            match &existing {
                None => store::insert(c, &row)?,
                Some(e) => {
                    // The managing RM's and outlet's history (管户关系): what the CRM changed.
                    let by = By { actor: Some(&p.staff_id), reason: "crm batch" };
                    record_owner(c, &id, "rm", e.rm_staff_id.as_deref(), row.rm_staff_id.as_deref(), by, now)?;
                    record_owner(c, &id, "outlet", Some(&e.node_id), Some(&row.node_id), by, now)?;
                    store::update(c, &row)?;
                }
            }
            results.push(ItemResult { index: i, status, id: Some(id), field: None, reason: None });
        }
        let count = |s: &str| results.iter().filter(|r| r.status == s).count();
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent::success("customer.upsert_batch", "customer", "").with_detail(serde_json::json!({
                "created": count("created"), "updated": count("updated"), "rejected": count("rejected"),
            })),
            now,
        )?;
        Ok(results)
    })?;
    crate::keys::flush_usage(conn, &vault)?;
    Ok(results)
}

/// A customer as everyone without unmask sees them: every C2 field masked.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MaskedCustomer {
    pub id: String,
    pub customer_no: String,
    pub name: String,
    pub gender: String,
    pub birth_date: Option<String>,
    pub id_number: Option<String>,
    pub mobile: Option<String>,
    pub risk_level: Option<String>,
    pub risk_assessed_on: Option<String>,
    pub aum_band: String,
    pub node_id: String,
    pub rm_staff_id: Option<String>,
    /// Set on a record merged into another: the survivor's id (the record itself is kept for unmerge).
    pub merged_into: Option<String>,
    /// To district level (`北京市朝阳区****`).
    pub address: Option<String>,
}

pub(crate) fn masked(vault: &Vault, r: CustomerRow) -> Result<MaskedCustomer> {
    let why = Purpose::system(PurposeKind::Mask, "masked view").map_err(vault_err)?;
    let id = r.id.clone();
    let open_opt =
        |col: SealedColumn, v: &Option<String>| v.as_deref().map(|t| open(vault, col, &id, t, &why)).transpose();
    Ok(MaskedCustomer {
        customer_no: mask_customer_no(&open(vault, sealed::CUSTOMER_NO, &id, &r.customer_no, &why)?),
        name: pii::mask_name(&open(vault, sealed::CUSTOMER_NAME, &id, &r.name, &why)?),
        birth_date: open_opt(sealed::CUSTOMER_BIRTH_DATE, &r.birth_date)?
            .map(|d| format!("{}-**-**", &d[..4.min(d.len())])),
        id_number: open_opt(sealed::CUSTOMER_ID_NUMBER, &r.id_number)?.map(|v| pii::mask_id_number(&v)),
        mobile: open_opt(sealed::CUSTOMER_MOBILE, &r.mobile)?.map(|v| pii::mask_mobile(&v)),
        address: open_opt(sealed::CUSTOMER_ADDRESS, &r.address)?.map(|v| pii::mask_address(&v)),
        gender: r.gender,
        risk_level: r.risk_level,
        risk_assessed_on: r.risk_assessed_on,
        aum_band: r.aum_band,
        node_id: r.node_id,
        rm_staff_id: r.rm_staff_id,
        merged_into: None,
        id,
    })
}

/// What to search by: exactly one of these, matched exactly through its blind index; `after` and `limit` page
/// through the matches (in row-id order: `after` is the last id of the previous page).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchBy {
    pub customer_no: Option<String>,
    pub mobile: Option<String>,
    pub id_number: Option<String>,
    /// A WeCom customer's id: the customers it is linked to (One-ID), not a personal identifier.
    pub external_userid: Option<String>,
    /// The first characters of the name: one or two are matched through their keyed index; a longer prefix
    /// narrows the two-character matches by their (decrypted) names.
    pub name_prefix: Option<String>,
    pub after: Option<String>,
    pub limit: Option<u32>,
}

/// A page of search results: `next` is the `after` of the next page, when there may be one.
#[derive(Debug, Clone)]
pub struct Found {
    pub items: Vec<MaskedCustomer>,
    pub next: Option<String>,
}

pub const SEARCH_DEFAULT_LIMIT: u32 = 20;
pub const SEARCH_MAX_LIMIT: u32 = 100;
/// The longest name prefix accepted (a name is at most 64 characters; a prefix this long is a whole name).
const NAME_PREFIX_MAX: usize = 20;
/// How many two-character matches one request decrypts to narrow a longer prefix; past it the page ends early
/// and `next` continues.
const NAME_SCAN_MAX: usize = 2000;

/// Customers in the caller's scope matching one identifier, merged records left out; audited (a search by
/// personal data is a sensitive read), the identifier itself never recorded.
pub fn search(conn: &mut DbConn, env: &Env, meta: &Meta, p: &Principal, by: &SearchBy) -> Result<Found> {
    p.require(Permission::CustomerRead)?;
    let vault = env.vault.clone();
    let limit = by.limit.unwrap_or(SEARCH_DEFAULT_LIMIT);
    if !(1..=SEARCH_MAX_LIMIT).contains(&limit) {
        return Err(AppError::validation("limit", format!("between 1 and {SEARCH_MAX_LIMIT}")));
    }
    let limit = limit as i64;
    let after = by.after.as_deref().unwrap_or("");
    if after.len() > 64 {
        return Err(AppError::validation("after", "is not a customer id"));
    }
    let given = [&by.customer_no, &by.mobile, &by.id_number, &by.external_userid, &by.name_prefix]
        .iter()
        .filter(|v| v.is_some())
        .count();
    if given != 1 {
        return Err(AppError::validation(
            "search",
            "give exactly one of customer_no, mobile, id_number, external_userid, name_prefix",
        ));
    }
    let (by_what, rows, next) = if let Some(ext) = &by.external_userid {
        let rows = by_external_userid(conn, p, ext)?;
        ("external_userid", rows, None)
    } else if let Some(prefix) = &by.name_prefix {
        let (rows, next) = by_name_prefix(conn, &vault, p, prefix, after, limit)?;
        ("name_prefix", rows, next)
    } else {
        let (kind, col, normalized) = match (&by.customer_no, &by.mobile, &by.id_number) {
            (Some(n), _, _) => (Index::CustomerNo, sealed::CUSTOMER_NO, n.trim().to_string()),
            (_, Some(m), _) => (Index::Mobile, sealed::CUSTOMER_MOBILE, pii::normalize_mobile(m)),
            (_, _, Some(i)) => (Index::IdNumber, sealed::CUSTOMER_ID_NUMBER, pii::normalize_id_number(i)),
            _ => unreachable!("exactly one identifier was given"),
        };
        if normalized.is_empty() || normalized.chars().count() > 64 {
            return Err(AppError::validation("search", "the value is empty or too long"));
        }
        let rows = store::search(conn, &p.scope, kind, &index(&vault, col, &normalized)?, after, limit)?;
        let next = (rows.len() as i64 == limit).then(|| rows.last().map(|r| r.id.clone())).flatten();
        (col.column, rows, next)
    };
    let now = env.now();
    write_tx(conn, |c| {
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent::success("pii.search", "customer", "")
                .with_detail(serde_json::json!({"by": by_what, "found": rows.len(), "page": !after.is_empty()})),
            now,
        )
    })?;
    let items = rows.into_iter().map(|r| masked(&vault, r)).collect::<Result<Vec<_>>>()?;
    Ok(Found { items, next })
}

/// Customers in scope whose name starts with `prefix`: one or two characters through their keyed index; a
/// longer prefix through the two-character index, then narrowed by the decrypted names (at most
/// [`NAME_SCAN_MAX`] of them per request).
fn by_name_prefix(
    conn: &mut DbConn,
    vault: &Vault,
    p: &Principal,
    prefix: &str,
    after: &str,
    limit: i64,
) -> Result<(Vec<CustomerRow>, Option<String>)> {
    let prefix = siyu_domain::customer::normalize_prefix(prefix);
    let chars: Vec<char> = prefix.chars().collect();
    if chars.is_empty() || chars.len() > NAME_PREFIX_MAX {
        return Err(AppError::validation("name_prefix", format!("1 to {NAME_PREFIX_MAX} characters")));
    }
    let head: String = chars.iter().take(2).collect();
    let kind = if chars.len() == 1 { Index::NamePrefix1 } else { Index::NamePrefix2 };
    let idx = name_prefix_index(vault, &head)?;
    if chars.len() <= 2 {
        let rows = store::search(conn, &p.scope, kind, &idx, after, limit)?;
        let next = (rows.len() as i64 == limit).then(|| rows.last().map(|r| r.id.clone())).flatten();
        return Ok((rows, next));
    }
    let why = Purpose::system(PurposeKind::Compare, "name prefix search").map_err(vault_err)?;
    let mut out = Vec::new();
    let mut cursor = after.to_string();
    let mut scanned = 0usize;
    loop {
        let page = store::search(conn, &p.scope, kind, &idx, &cursor, 200)?;
        let exhausted = page.len() < 200;
        for r in page {
            cursor = r.id.clone();
            scanned += 1;
            let name = open(vault, sealed::CUSTOMER_NAME, &r.id, &r.name, &why)?;
            if siyu_domain::customer::normalize_prefix(&name).starts_with(&prefix) {
                out.push(r);
                if out.len() as i64 == limit {
                    return Ok((out, Some(cursor)));
                }
            }
        }
        if exhausted {
            return Ok((out, None));
        }
        if scanned >= NAME_SCAN_MAX {
            return Ok((out, Some(cursor)));
        }
    }
}

/// The customers a WeCom contact is linked to; the id must look like one.
fn by_external_userid(conn: &mut DbConn, p: &Principal, ext: &str) -> Result<Vec<CustomerRow>> {
    let ext = ext.trim();
    if ext.is_empty() || ext.len() > 64 || !ext.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        return Err(AppError::validation("external_userid", "is not a WeCom external_userid"));
    }
    Ok(store::by_external_userid(conn, &p.scope, ext)?)
}

/// One customer, masked. A record merged into another answers too, with `merged_into` naming the survivor (the
/// caller follows it); lists and searches leave merged records out.
pub fn get(conn: &mut DbConn, env: &Env, p: &Principal, id: &str) -> Result<MaskedCustomer> {
    p.require(Permission::CustomerRead)?;
    let row = store::get_in_scope(conn, id, &p.scope)?;
    let merged_into = store::merged_into(conn, &row.id)?;
    Ok(MaskedCustomer { merged_into, ..masked(&env.vault, row)? })
}

/// Fills the name-prefix indexes of customers written before they existed (the migration that added them
/// cannot: the names are sealed). Run at start, after the vault opened; returns how many were filled. Nothing to
/// do costs one indexed query.
pub fn backfill_name_prefixes(conn: &mut DbConn, env: &Env) -> Result<usize> {
    let vault = env.vault.clone();
    let why = Purpose::system(PurposeKind::Compare, "name prefix backfill").map_err(vault_err)?;
    backfill(
        conn,
        env,
        "customer.name_index_backfill",
        store::missing_name_prefixes,
        |id, sealed_name| {
            let name = open(&vault, sealed::CUSTOMER_NAME, id, sealed_name, &why)?;
            let (p1, p2) = siyu_domain::customer::name_prefixes(&name);
            let p1 = p1.map(|x| name_prefix_index(&vault, &x)).transpose()?;
            let p2 = p2.map(|x| name_prefix_index(&vault, &x)).transpose()?;
            Ok((p1, p2))
        },
        |c, id, sealed_name, (p1, p2)| store::set_name_prefixes(c, id, sealed_name, p1.as_deref(), p2.as_deref()),
    )
}

/// Fills the address index of customers written before it existed (migration 000020 cannot: the addresses are
/// sealed). Run at start after the vault opened, like [`backfill_name_prefixes`]; returns how many were filled.
pub fn backfill_address_index(conn: &mut DbConn, env: &Env) -> Result<usize> {
    let vault = env.vault.clone();
    let why = Purpose::system(PurposeKind::Compare, "address index backfill").map_err(vault_err)?;
    backfill(
        conn,
        env,
        "customer.address_index_backfill",
        store::missing_address_idx,
        |id, sealed_address| address_index(&vault, &open(&vault, sealed::CUSTOMER_ADDRESS, id, sealed_address, &why)?),
        |c, id, sealed_address, idx| store::set_address_idx(c, id, sealed_address, idx),
    )
}

/// A page of (id, sealed value) of the customers still missing an index, at most `limit` long.
type MissingPage = fn(&mut DbConn, i64) -> siyu_store::error::Result<Vec<(String, String)>>;

/// A keyed index computed from a sealed column for the rows that lack it: pages of 500 (`page` lists (id, sealed
/// value) of rows still missing it), each written in one transaction with its audit record `action` and the count
/// filled. `set` writes a row's index only if its sealed value is still the one read (a writer that changed the
/// row meanwhile filled it itself), so a page whose rows all changed ends the loop instead of spinning on it.
fn backfill<T>(
    conn: &mut DbConn,
    env: &Env,
    action: &str,
    page: MissingPage,
    compute: impl Fn(&str, &str) -> Result<T>,
    set: impl Fn(&mut DbConn, &str, &str, &T) -> siyu_store::error::Result<bool>,
) -> Result<usize> {
    let mut filled = 0usize;
    loop {
        let rows = page(conn, 500)?;
        if rows.is_empty() {
            break;
        }
        let updates = rows
            .iter()
            .map(|(id, sealed_value)| Ok((id, sealed_value, compute(id, sealed_value)?)))
            .collect::<Result<Vec<_>>>()?;
        let now = env.now();
        let n = write_tx(conn, |c| -> Result<usize> {
            let mut n = 0;
            for (id, sealed_value, index) in &updates {
                n += set(c, id, sealed_value, index)? as usize;
            }
            let system = siyu_store::audit::AuditContext {
                actor_name: "system".into(),
                actor_roles: "engine".into(),
                client_addr: "local".into(),
                ..Default::default()
            };
            let event = AuditEvent::success(action, "customer", "").with_detail(serde_json::json!({"filled": n}));
            audit::append(c, &system, &event, now)?;
            Ok(n)
        })?;
        filled += n;
        if n == 0 {
            break;
        }
    }
    crate::keys::flush_usage(conn, &env.vault)?;
    Ok(filled)
}

/// The fields that can be unmasked, and their sealed columns.
fn unmaskable(field: &str) -> Option<SealedColumn> {
    Some(match field {
        "customer_no" => sealed::CUSTOMER_NO,
        "name" => sealed::CUSTOMER_NAME,
        "birth_date" => sealed::CUSTOMER_BIRTH_DATE,
        "id_number" => sealed::CUSTOMER_ID_NUMBER,
        "mobile" => sealed::CUSTOMER_MOBILE,
        "aum_fen" => sealed::CUSTOMER_AUM,
        "address" => sealed::CUSTOMER_ADDRESS,
        _ => return None,
    })
}

/// Shows fields in clear to someone who may, for a written reason: each unmask is an audit record, and a
/// person's unmasks per day are limited (past the limit: refused, and the security admin alerted).
pub fn unmask(
    conn: &mut DbConn,
    env: &Env,
    meta: &Meta,
    p: &Principal,
    id: &str,
    fields: &[String],
    reason: &str,
) -> Result<Vec<(String, Option<String>)>> {
    p.require(Permission::PiiUnmask)?;
    let why = Purpose::unmask(reason).map_err(|e| AppError::validation("reason", e.to_string()))?;
    if fields.is_empty() || fields.len() > 6 {
        return Err(AppError::validation("fields", "name 1 to 6 fields"));
    }
    // A holding's amount is the field `holding:<product code>`.
    let cols = fields
        .iter()
        .map(|f| match f.strip_prefix("holding:") {
            Some(code) if !code.is_empty() && code.len() <= 32 => Ok((f.clone(), sealed::HOLDING_AMOUNT)),
            _ => unmaskable(f)
                .map(|c| (f.clone(), c))
                .ok_or_else(|| AppError::validation("fields", format!("{f} cannot be unmasked"))),
        })
        .collect::<Result<Vec<_>>>()?;
    let row = store::get_in_scope(conn, id, &p.scope)?;
    let now = env.now();
    p.require_recent_auth(now, env.settings.auth.reauth_minutes)?;
    let limit = env.settings.vault.unmask_daily_limit as i64;
    let used = audit::count_since(conn, "pii.unmask", &p.staff_id, now - Duration::hours(24))?;
    if used >= limit {
        write_tx(conn, |c| -> Result<()> {
            audit::append(
                c,
                &p.audit(meta),
                &AuditEvent::failure("security.unmask_quota", "account", &p.staff_id, "quota_exceeded")
                    .with_detail(serde_json::json!({"limit": limit, "alert": "security_admin"})),
                now,
            )?;
            // The alert names the member of staff and the limit, never a customer (the mail passes the egress
            // guard before it leaves, too).
            crate::mail::queue_security_alert(
                c,
                env,
                &format!("[siyu] 查看明文超出每日上限 Unmask limit exceeded: {}", p.username),
                &format!(
                    "{name}（{user}）在 24 小时内的查看明文次数已达上限 {limit} 次，第 {n} 次请求已被拒绝。\n\
                     {name} ({user}) reached the limit of {limit} unmasks in 24 hours; request {n} was refused.\n\
                     时间 Time: {time}\n请在 siyu 审计日志中核查 security.unmask_quota 记录。\n\
                     Review the security.unmask_quota record in siyu's audit log.",
                    name = p.name,
                    user = p.username,
                    n = used + 1,
                    time = now.format("%Y-%m-%d %H:%M:%S UTC"),
                ),
            )?;
            Ok(())
        })?;
        tracing::warn!(staff = %p.staff_id, limit, "unmask quota exceeded: security alert");
        return Err(AppError::Throttled);
    }
    let mut out = vec![];
    for (field, col) in &cols {
        if *col == sealed::HOLDING_AMOUNT {
            let code = field.trim_start_matches("holding:");
            let h = siyu_store::holdings::find(conn, id, code)?
                .ok_or_else(|| AppError::validation("fields", format!("the customer holds no {code}")))?;
            out.push((field.clone(), Some(open(&env.vault, *col, &h.id, &h.amount, &why)?)));
            continue;
        }
        let text = match *col {
            c if c == sealed::CUSTOMER_NO => Some(&row.customer_no),
            c if c == sealed::CUSTOMER_NAME => Some(&row.name),
            c if c == sealed::CUSTOMER_BIRTH_DATE => row.birth_date.as_ref(),
            c if c == sealed::CUSTOMER_ID_NUMBER => row.id_number.as_ref(),
            c if c == sealed::CUSTOMER_MOBILE => row.mobile.as_ref(),
            c if c == sealed::CUSTOMER_ADDRESS => row.address.as_ref(),
            _ => row.aum.as_ref(),
        };
        out.push((field.clone(), text.map(|t| open(&env.vault, *col, id, t, &why)).transpose()?));
    }
    write_tx(conn, |c| {
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent {
                reason: why.reason().chars().take(500).collect(),
                ..AuditEvent::success("pii.unmask", "customer", id)
            }
            .with_detail(serde_json::json!({"fields": fields})),
            now,
        )
    })?;
    Ok(out)
}
