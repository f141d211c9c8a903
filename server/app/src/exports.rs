//! Customer exports: masked by default and ready at once; unmasked only under dual control (one person requests
//! with a reason, a different person holding `export.approve` approves within 24 hours, the requester downloads
//! once within 24 hours of the approval, recently re-authenticated). The file is never stored: it is built when
//! downloaded, starts with a visible watermark, has formula-like cells neutralised, and the SHA-256 of exactly
//! what was sent is written to the audit record (REQUIREMENTS J.62, I.61).

use crate::customers::masked;
use crate::error::{AppError, Result};
use crate::keys::{open_for, vault_err};
use crate::principal::{Meta, Principal};
use crate::Env;
use sha2::{Digest, Sha256};
use siyu_domain::access::Permission;
use siyu_domain::export::{self as rules, ExportRefusal, ExportState, ExportStatus};
use siyu_store::audit::{self, AuditEvent};
use siyu_store::exports::{self as store, Decision, ExportRow};
use siyu_store::sealed::{self, SealedColumn};
use siyu_store::time::{from_db, to_db};
use siyu_store::tx::write_tx;
use siyu_store::DbConn;
use siyu_vault::{Purpose, PurposeKind};

/// Rows read per query while building a file.
const PAGE: i64 = 1000;

/// What a file may hold at most; a larger export is refused before anything is read, with advice to narrow it.
pub const MAX_ROWS: i64 = 200_000;

/// The columns of a customer export: the import layout's, so an approved unmasked export loads back as it is.
pub const COLUMNS: [&str; 12] = siyu_domain::layout::CUSTOMER_LAYOUT_FIELDS;

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    /// Only `customers` for now.
    pub kind: String,
    /// Defaults to true. An unmasked export needs `pii.unmask` too, and another person's approval.
    #[serde(default = "yes")]
    pub masked: bool,
    /// The subtree to export; the requester's own node when absent.
    pub node_id: Option<String>,
    /// Why: shown to the approver and kept in the audit trail (at least 10 characters when unmasked).
    pub reason: String,
}

fn yes() -> bool {
    true
}

fn refusal(r: ExportRefusal) -> AppError {
    AppError::refused(r.code(), r.message_en(), r.message_zh())
}

fn state(row: &ExportRow) -> ExportState<'_> {
    ExportState {
        masked: row.masked,
        status: ExportStatus::parse(&row.status).unwrap_or(ExportStatus::Expired),
        requested_by: &row.requested_by,
        expires_at: from_db(row.expires_at),
    }
}

/// A request as its requester and the approvers see it, with the status as of now.
pub fn view(row: ExportRow, now: chrono::DateTime<chrono::Utc>) -> ExportRow {
    let status = rules::effective(&state(&row), now).as_str().to_string();
    ExportRow { status, ..row }
}

pub fn request(conn: &mut DbConn, env: &Env, meta: &Meta, p: &Principal, req: ExportRequest) -> Result<ExportRow> {
    p.require(Permission::DataExport)?;
    if !req.masked {
        p.require(Permission::PiiUnmask)?;
        Purpose::unmask(&req.reason).map_err(|e| AppError::validation("reason", e.to_string()))?;
    }
    if req.kind != "customers" {
        return Err(AppError::validation("kind", "only customers can be exported"));
    }
    let reason = req.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AppError::validation("reason", "give a reason of 1 to 500 characters"));
    }
    let node_id = req.node_id.unwrap_or_else(|| p.node_id.clone());
    let node = siyu_store::org::get_in_scope(conn, &node_id, &p.scope)?;
    let rows = store::customer_count(conn, &node.path)?;
    if rows > MAX_ROWS {
        return Err(AppError::refused(
            "export_too_large",
            format!("{rows} customers are more than one export may hold ({MAX_ROWS}); choose a smaller part of the organisation"),
            format!("共 {rows} 位客户，超过单次导出上限（{MAX_ROWS}），请选择更小的机构范围"),
        ));
    }
    let now = env.now();
    let (status, expires_at) = rules::requested(req.masked, now);
    let row = ExportRow {
        id: uuid::Uuid::now_v7().to_string(),
        kind: req.kind,
        masked: req.masked,
        node_id: node.id,
        reason: reason.to_string(),
        status: status.as_str().into(),
        requested_by: p.staff_id.clone(),
        requested_at: to_db(now),
        decided_by: None,
        decided_at: None,
        decision_note: None,
        expires_at: to_db(expires_at),
        downloads: 0,
        last_sha256: None,
        last_rows: Some(rows),
    };
    write_tx(conn, |c| -> Result<()> {
        store::insert(c, &row)?;
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent { reason: row.reason.clone(), ..AuditEvent::success("export.request", "export", &row.id) }
                .with_detail(serde_json::json!({
                    "kind": row.kind, "masked": row.masked, "node_id": row.node_id, "rows": rows,
                })),
            now,
        )?;
        Ok(())
    })?;
    Ok(row)
}

/// The caller's own requests, or everyone's for an approver; newest first.
pub fn list(conn: &mut DbConn, env: &Env, p: &Principal) -> Result<Vec<ExportRow>> {
    let now = env.now();
    let rows = if p.can(Permission::ExportApprove) {
        store::list(conn, None, 200)?
    } else {
        p.require(Permission::DataExport)?;
        store::list(conn, Some(&p.staff_id), 200)?
    };
    Ok(rows.into_iter().map(|r| view(r, now)).collect())
}

fn visible(conn: &mut DbConn, p: &Principal, id: &str) -> Result<ExportRow> {
    let row = store::get(conn, id)?;
    if row.requested_by == p.staff_id || p.can(Permission::ExportApprove) {
        Ok(row)
    } else {
        Err(AppError::OutOfScope { target_type: "export", target_id: id.to_string() })
    }
}

pub fn get(conn: &mut DbConn, env: &Env, p: &Principal, id: &str) -> Result<ExportRow> {
    if !p.can(Permission::ExportApprove) {
        p.require(Permission::DataExport)?;
    }
    Ok(view(visible(conn, p, id)?, env.now()))
}

/// Approves or rejects an unmasked export: never one's own request.
pub fn decide(
    conn: &mut DbConn,
    env: &Env,
    meta: &Meta,
    p: &Principal,
    id: &str,
    approve: bool,
    note: Option<&str>,
) -> Result<ExportRow> {
    p.require(Permission::ExportApprove)?;
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 500) {
        return Err(AppError::validation("note", "at most 500 characters"));
    }
    let now = env.now();
    let row = store::get(conn, id)?;
    let (to, expires_at) = rules::decide(&state(&row), &p.staff_id, approve, now).map_err(refusal)?;
    let action = if approve { "export.approve" } else { "export.reject" };
    write_tx(conn, |c| -> Result<()> {
        store::decide(
            c,
            id,
            &row.status,
            &Decision { to: to.as_str(), decided_by: &p.staff_id, at: to_db(now), note, expires_at: to_db(expires_at) },
        )?;
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent { reason: note.unwrap_or_default().to_string(), ..AuditEvent::success(action, "export", id) }
                .with_detail(serde_json::json!({"requested_by": row.requested_by, "masked": row.masked})),
            now,
        )?;
        Ok(())
    })?;
    Ok(view(store::get(conn, id)?, now))
}

/// A built file: what to send and what was recorded about it.
pub struct ExportFile {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub sha256: String,
    pub rows: i64,
    pub masked: bool,
}

impl std::fmt::Debug for ExportFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ExportFile({}, {} rows, masked {})", self.file_name, self.rows, self.masked)
    }
}

/// Builds the file and records the download (status, SHA-256, audit) in one transaction; a one-time export
/// downloaded twice at once succeeds once.
pub fn download(conn: &mut DbConn, env: &Env, meta: &Meta, p: &Principal, id: &str) -> Result<ExportFile> {
    p.require(Permission::DataExport)?;
    let now = env.now();
    let row = visible(conn, p, id)?;
    let after = rules::download(&state(&row), &p.staff_id, now).map_err(refusal)?;
    if !row.masked {
        p.require(Permission::PiiUnmask)?;
        p.require_recent_auth(now, env.settings.auth.reauth_minutes)?;
    }
    // The requester's scope now, not when they asked: someone moved away in between exports nothing there.
    let node = siyu_store::org::get_in_scope(conn, &row.node_id, &p.scope)?;
    let requester = format!("{} ({})", p.name, p.username);
    let (bytes, rows) = build(conn, env, &row, &node.path, &requester)?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    write_tx(conn, |c| -> Result<()> {
        store::downloaded(c, id, &row.status, after.as_str(), &sha256, rows)?;
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent::success("export.download", "export", id).with_detail(serde_json::json!({
                "sha256": sha256, "rows": rows, "masked": row.masked, "kind": row.kind,
            })),
            now,
        )?;
        Ok(())
    })?;
    let stamp = now.format("%Y%m%d-%H%M%S");
    Ok(ExportFile {
        file_name: format!("siyu-customers-{}-{stamp}.csv", if row.masked { "masked" } else { "UNMASKED" }),
        bytes,
        sha256,
        rows,
        masked: row.masked,
    })
}

/// A masked export delivered to the outbound folder.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeliveredFile {
    pub file_name: String,
    pub sha256: String,
    pub rows: i64,
}

/// Delivers a masked export to the outbound folder (`outbound.dir`) for another system, through the one guarded
/// writer (`outbound::deliver`). An unmasked export never goes there: it was approved for its requester to
/// download, once, and a file in a shared folder has neither a single reader nor an expiry (REQUIREMENTS J.62).
pub fn deliver(conn: &mut DbConn, env: &Env, meta: &Meta, p: &Principal, id: &str) -> Result<DeliveredFile> {
    p.require(Permission::DataExport)?;
    let now = env.now();
    let row = visible(conn, p, id)?;
    if !row.masked {
        return Err(AppError::refused(
            "export_download_only",
            "an unmasked export is downloaded by its requester only; it is never delivered to the outbound folder",
            "未脱敏导出仅限申请人下载，不得投递到外发目录",
        ));
    }
    let after = rules::download(&state(&row), &p.staff_id, now).map_err(refusal)?;
    crate::outbound::dir(env)?;
    let node = siyu_store::org::get_in_scope(conn, &row.node_id, &p.scope)?;
    let requester = format!("{} ({})", p.name, p.username);
    let (bytes, rows) = build(conn, env, &row, &node.path, &requester)?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let short: String = row.id.chars().filter(|c| c.is_ascii_hexdigit()).take(12).collect();
    let file_name = format!("siyu-customers-masked-{short}-{}.csv", now.format("%Y%m%d-%H%M%S"));
    let path = crate::outbound::deliver(conn, env, &p.audit(meta), &file_name, &bytes)?;
    let recorded = write_tx(conn, |c| -> Result<()> {
        store::downloaded(c, id, &row.status, after.as_str(), &sha256, rows)?;
        audit::append(
            c,
            &p.audit(meta),
            &AuditEvent::success("export.deliver", "export", id).with_detail(serde_json::json!({
                "sha256": sha256, "rows": rows, "masked": true, "kind": row.kind, "file": file_name,
            })),
            now,
        )?;
        Ok(())
    });
    if let Err(e) = recorded {
        // Not recorded, so not delivered: a file without its audit record must not stay for others to take.
        let _ = std::fs::remove_file(&path);
        return Err(e);
    }
    Ok(DeliveredFile { file_name, sha256, rows })
}

/// The CSV: a UTF-8 byte-order mark (spreadsheets then read Chinese correctly), the watermark line, the header,
/// one line per customer under `path`.
fn build(conn: &mut DbConn, env: &Env, row: &ExportRow, path: &str, requester: &str) -> Result<(Vec<u8>, i64)> {
    let mut out = Vec::with_capacity(1 << 16);
    out.extend_from_slice("\u{feff}".as_bytes());
    let now = env.now();
    let csv_err = |e: csv::Error| AppError::Internal(format!("csv: {e}"));
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(&mut out);
    w.write_record([rules::watermark(&row.id, requester, row.masked, now)]).map_err(csv_err)?;
    w.write_record(COLUMNS).map_err(csv_err)?;
    let export_purpose = Purpose::system(PurposeKind::Export, &row.id).map_err(vault_err)?;
    let mut after = String::new();
    let mut rows = 0i64;
    loop {
        let page = store::customer_page(conn, path, &after, PAGE)?;
        let Some(last) = page.last() else { break };
        after = last.customer.id.clone();
        for line in page {
            let cells = if row.masked {
                let m = masked(&env.vault, line.customer)?;
                [
                    m.customer_no,
                    m.name,
                    m.id_number.unwrap_or_default(),
                    m.mobile.unwrap_or_default(),
                    m.gender,
                    m.birth_date.unwrap_or_default(),
                    m.risk_level.unwrap_or_default(),
                    m.risk_assessed_on.unwrap_or_default(),
                    if m.aum_band == "-" { String::new() } else { m.aum_band },
                    line.outlet_code,
                    line.rm_employee_no.unwrap_or_default(),
                    m.address.unwrap_or_default(),
                ]
            } else {
                let c = line.customer;
                let id = c.id.clone();
                let open = |col: SealedColumn, v: &str| open_for(&env.vault, col, &id, v, &export_purpose);
                let opt = |col: SealedColumn, v: &Option<String>| v.as_deref().map(|t| open(col, t)).transpose();
                [
                    open(sealed::CUSTOMER_NO, &c.customer_no)?,
                    open(sealed::CUSTOMER_NAME, &c.name)?,
                    opt(sealed::CUSTOMER_ID_NUMBER, &c.id_number)?.unwrap_or_default(),
                    opt(sealed::CUSTOMER_MOBILE, &c.mobile)?.unwrap_or_default(),
                    c.gender,
                    opt(sealed::CUSTOMER_BIRTH_DATE, &c.birth_date)?.unwrap_or_default(),
                    c.risk_level.unwrap_or_default(),
                    c.risk_assessed_on.unwrap_or_default(),
                    opt(sealed::CUSTOMER_AUM, &c.aum)?.map(|fen| fen_to_yuan(&fen)).unwrap_or_default(),
                    line.outlet_code,
                    line.rm_employee_no.unwrap_or_default(),
                    opt(sealed::CUSTOMER_ADDRESS, &c.address)?.unwrap_or_default(),
                ]
            };
            w.write_record(cells.iter().map(|c| rules::neutralize_cell(c).into_owned())).map_err(csv_err)?;
            rows += 1;
        }
    }
    w.flush().map_err(|e| AppError::Internal(format!("csv: {e}")))?;
    drop(w);
    Ok((out, rows))
}

/// Fen (as stored) to yuan with two decimals, the import layout's unit.
fn fen_to_yuan(fen: &str) -> String {
    match fen.parse::<i64>() {
        Ok(f) => format!("{}{}.{:02}", if f < 0 { "-" } else { "" }, (f / 100).abs(), (f % 100).abs()),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fen_to_yuan() {
        assert_eq!(super::fen_to_yuan("12345"), "123.45");
        assert_eq!(super::fen_to_yuan("5"), "0.05");
        assert_eq!(super::fen_to_yuan("-250"), "-2.50");
        assert_eq!(super::fen_to_yuan("x"), "");
    }
}
