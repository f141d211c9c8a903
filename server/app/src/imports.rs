//! Importing customers from a bank's batch file: checking the file before anything is written (control file,
//! authentication columns, layout), staging its rows batch by batch, and publishing them whole.

use crate::customers::row_of;
use crate::error::{AppError, Result};
use crate::Env;
use sha2::{Digest, Sha256};
use siyu_domain::customer::Rejection;
use siyu_domain::layout::{self, Layout};
use siyu_domain::org::Scope;
use siyu_store::audit::{self, AuditContext, AuditEvent};
use siyu_store::imports::{self, RejectRow, StagedRow};
use siyu_store::time::to_db;
use siyu_store::tx::write_tx;
use siyu_store::DbConn;
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;

/// The character encodings bank files come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    Utf8,
    Gbk,
    Gb18030,
}

impl Encoding {
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().replace('-', "").as_str() {
            "utf8" => Some(Encoding::Utf8),
            "gbk" | "cp936" => Some(Encoding::Gbk),
            "gb18030" => Some(Encoding::Gb18030),
            _ => None,
        }
    }

    /// One line's bytes as text; None when they are not valid in this encoding.
    pub fn decode(self, bytes: &[u8]) -> Option<String> {
        match self {
            Encoding::Utf8 => std::str::from_utf8(bytes).ok().map(str::to_string),
            Encoding::Gbk => {
                encoding_rs::GBK.decode_without_bom_handling_and_without_replacement(bytes).map(|c| c.into_owned())
            }
            Encoding::Gb18030 => {
                encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes).map(|c| c.into_owned())
            }
        }
    }
}

fn refused(message: String, zh: String) -> AppError {
    AppError::refused("file_rejected", message, zh)
}

/// What is known about a file once it passed the checks that come before any write.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CheckedFile {
    pub sha256: String,
    /// Data rows (lines after the header, blank lines not counted).
    pub rows: i64,
    /// The field each column fills.
    pub fields: Vec<String>,
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Splits one decoded line into columns (quotes honoured).
pub fn split(line: &str, delimiter: char) -> Option<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(u8::try_from(delimiter).ok()?)
        .flexible(true)
        .from_reader(line.as_bytes());
    let rec = r.records().next()?.ok()?;
    Some(rec.iter().map(str::to_string).collect())
}

/// Reads the whole file once: its SHA-256 and row count, its header mapped through the layout; and checks the
/// control file `FILE.ctl` (`rows=N`, `sha256=HEX`) when present or required. Any failure refuses the file whole.
pub fn check_file(path: &Path, enc: Encoding, layout: &Layout, require_control: bool) -> Result<CheckedFile> {
    let file = std::fs::File::open(path)
        .map_err(|e| refused(format!("cannot read the file: {e}"), format!("无法读取文件：{e}")))?;
    let mut reader = BufReader::new(file);
    let mut hasher = Sha256::new();
    let mut header: Option<Vec<u8>> = None;
    let mut rows = 0i64;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| refused(format!("read error: {e}"), format!("读取错误：{e}")))?;
        if n == 0 {
            break;
        }
        hasher.update(&line);
        let content = trim_eol(&line);
        if header.is_none() {
            header = Some(content.to_vec());
        } else if !content.iter().all(|b| b.is_ascii_whitespace()) {
            rows += 1;
        }
    }
    let sha256 = hex::encode(hasher.finalize());
    let header = header.ok_or_else(|| refused("the file is empty".into(), "文件为空".into()))?;
    let header = enc
        .decode(header.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&header))
        .ok_or_else(|| refused("the header row is not valid in the declared encoding".into(), "表头编码无效".into()))?;
    let columns = split(&header, layout.delimiter)
        .ok_or_else(|| refused("the header row cannot be read".into(), "无法读取表头".into()))?;
    let fields =
        layout::map_header(layout, &columns).map_err(|m| refused(m.clone(), format!("文件被整体拒绝：{m}")))?;
    let ctl = path.with_file_name(format!("{}.ctl", path.file_name().and_then(|n| n.to_str()).unwrap_or("")));
    match std::fs::read_to_string(&ctl) {
        Ok(text) => {
            let value = |key: &str| {
                text.lines().find_map(|l| {
                    l.trim()
                        .strip_prefix(key)
                        .and_then(|r| r.trim_start().strip_prefix('='))
                        .map(|v| v.trim().to_string())
                })
            };
            if let Some(n) = value("rows") {
                if n.parse::<i64>().ok() != Some(rows) {
                    return Err(refused(
                        format!("the control file says {n} rows, the file has {rows}: refused whole"),
                        format!("控制文件记录 {n} 行，数据文件实际 {rows} 行：整体拒绝"),
                    ));
                }
            }
            if let Some(h) = value("sha256") {
                if !h.eq_ignore_ascii_case(&sha256) {
                    return Err(refused(
                        "the file's SHA-256 differs from its control file: refused whole".into(),
                        "数据文件的 SHA-256 与控制文件不符：整体拒绝".into(),
                    ));
                }
            }
        }
        Err(_) if require_control => {
            return Err(refused(format!("the control file {} is required", ctl.display()), "缺少必需的控制文件".into()))
        }
        Err(_) => {}
    }
    Ok(CheckedFile { sha256, rows, fields })
}

/// Looks up outlets and RMs once per import, not once per row.
#[derive(Default)]
pub struct Resolver {
    outlets: HashMap<String, Option<(String, String)>>,
    rms: HashMap<String, Option<(String, String, bool)>>,
}

impl Resolver {
    fn outlet(&mut self, conn: &mut DbConn, code: &str) -> Result<Option<(String, String)>> {
        if !self.outlets.contains_key(code) {
            let n = siyu_store::org::by_code(conn, code)?.map(|n| (n.id, n.path));
            self.outlets.insert(code.to_string(), n);
        }
        Ok(self.outlets[code].clone())
    }

    fn rm(&mut self, conn: &mut DbConn, employee_no: &str) -> Result<Option<(String, String, bool)>> {
        if !self.rms.contains_key(employee_no) {
            let s = siyu_store::staff::by_employee_no(conn, employee_no)?
                .map(|s| (s.id, s.node_path, s.status == "active"));
            self.rms.insert(employee_no.to_string(), s);
        }
        Ok(self.rms[employee_no].clone())
    }
}

/// Reads a file's data lines in batches, from any line on (after a resume): one pass over the file.
pub struct Lines {
    reader: BufReader<std::fs::File>,
    line_no: i64,
}

impl Lines {
    /// Opens `path` positioned after line `after` (line 1 is the header, so `after` is at least 1).
    pub fn open(path: &Path, after: i64) -> std::io::Result<Self> {
        let mut l = Lines { reader: BufReader::new(std::fs::File::open(path)?), line_no: 0 };
        let mut buf = Vec::new();
        while l.line_no < after.max(1) {
            buf.clear();
            if l.reader.read_until(b'\n', &mut buf)? == 0 {
                break;
            }
            l.line_no += 1;
        }
        Ok(l)
    }

    /// Up to `limit` non-blank data lines: (line number, bytes without the line end).
    pub fn next_batch(&mut self, limit: usize) -> std::io::Result<Vec<(i64, Vec<u8>)>> {
        let mut out = Vec::new();
        let mut buf = Vec::new();
        while out.len() < limit {
            buf.clear();
            if self.reader.read_until(b'\n', &mut buf)? == 0 {
                break;
            }
            self.line_no += 1;
            let content = trim_eol(&buf);
            if !content.iter().all(|b| b.is_ascii_whitespace()) {
                out.push((self.line_no, content.to_vec()));
            }
        }
        Ok(out)
    }

    /// The number of the last line read.
    pub fn line_no(&self) -> i64 {
        self.line_no
    }
}

/// Validates, seals and stages one batch of lines; rejects are stored with their line, field and rule.
#[allow(clippy::too_many_arguments)]
pub fn stage_batch(
    conn: &mut DbConn,
    env: &Env,
    scope: &Scope,
    job_id: &str,
    file: &CheckedFile,
    layout: &Layout,
    enc: Encoding,
    lines: &[(i64, Vec<u8>)],
    resolver: &mut Resolver,
) -> Result<()> {
    let vault = env.vault.clone();
    let now = to_db(env.now());
    let mut rows = Vec::new();
    let mut rejects = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut valid = Vec::with_capacity(lines.len());
    for (line_no, bytes) in lines {
        let reject =
            |field: &str, reason: &str| RejectRow { line_no: *line_no, field: field.into(), reason: reason.into() };
        let Some(text) = enc.decode(bytes) else {
            rejects.push(reject("line", "bytes not valid in the declared encoding"));
            continue;
        };
        let Some(values) = split(&text, layout.delimiter) else {
            rejects.push(reject("line", "the line cannot be read"));
            continue;
        };
        let input = match layout::customer_of(&file.fields, &values) {
            Ok(i) => i,
            Err((field, reason)) => {
                rejects.push(reject(field, reason));
                continue;
            }
        };
        let v = match input.validate() {
            Ok(v) => v,
            Err(Rejection { field, reason }) => {
                rejects.push(reject(field, reason));
                continue;
            }
        };
        let node = match resolver.outlet(conn, &v.outlet_code)? {
            Some((id, path)) if scope.contains(&path) => id,
            _ => {
                rejects.push(reject("outlet_code", "unknown outlet"));
                continue;
            }
        };
        let rm = match v.rm_employee_no.as_deref() {
            None => None,
            Some(e) => match resolver.rm(conn, e)? {
                Some((id, path, true)) if scope.contains(&path) => Some(id),
                _ => {
                    rejects.push(reject("rm_employee_no", "unknown or inactive RM"));
                    continue;
                }
            },
        };
        let idx = vault
            .blind_index(siyu_store::sealed::CUSTOMER_NO.field_class, &v.customer_no)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        valid.push((*line_no, v, node, rm, idx));
    }
    // Two queries for the whole batch, not two per row.
    let idxs: Vec<String> = valid.iter().map(|x| x.4.clone()).collect();
    let existing = siyu_store::customers::existing_by_idx(conn, &idxs)?;
    let staged_before = imports::already_staged(conn, job_id, &idxs)?;
    for (line_no, v, node, rm, idx) in valid {
        if staged_before.contains(&idx) || !seen.insert(idx.clone()) {
            rejects.push(RejectRow {
                line_no,
                field: "customer_no".into(),
                reason: "the same customer appears twice in this file".into(),
            });
            continue;
        }
        let (id, created_at, is_existing) = match existing.get(&idx) {
            Some((id, at)) => (id.clone(), *at, true),
            None => (uuid::Uuid::now_v7().to_string(), now, false),
        };
        let row = row_of(&vault, &v, &id, node, rm, created_at, now)?;
        rows.push(StagedRow { line_no, existing: is_existing, row });
    }
    imports::stage(conn, job_id, &rows, &rejects)?;
    Ok(())
}

/// How an import ended.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Published {
    pub inserted: usize,
    pub updated: usize,
    pub rejected: i64,
}

/// Publishes the staged rows in one transaction with its audit record — unless the rejected rows exceed
/// `max_reject_share` of the file, in which case nothing is published and the file is refused whole.
pub fn publish(
    conn: &mut DbConn,
    env: &Env,
    ctx: &AuditContext,
    job_id: &str,
    file: &CheckedFile,
    max_reject_share: f64,
) -> Result<Published> {
    let (_, rejected) = imports::counts(conn, job_id)?;
    let now = env.now();
    if file.rows > 0 && rejected as f64 / file.rows as f64 > max_reject_share {
        imports::clear(conn, job_id)?;
        write_tx(conn, |c| {
            audit::append(
                c,
                ctx,
                &AuditEvent::failure("import.customers", "job", job_id, "too_many_rejects")
                    .with_detail(serde_json::json!({"rows": file.rows, "rejected": rejected, "sha256": file.sha256})),
                now,
            )
        })?;
        return Err(refused(
            format!(
                "{rejected} of {} rows are invalid, more than {:.1}%: the file is refused whole",
                file.rows,
                max_reject_share * 100.0
            ),
            format!("{} 行中有 {rejected} 行无效，超过 {:.1}%：文件被整体拒绝", file.rows, max_reject_share * 100.0),
        ));
    }
    let published = write_tx(conn, |c| -> Result<Published> {
        let (inserted, updated) = imports::publish(c, job_id, now)?;
        audit::append(
            c,
            ctx,
            &AuditEvent::success("import.customers", "job", job_id).with_detail(serde_json::json!({
                "rows": file.rows, "inserted": inserted, "updated": updated, "rejected": rejected, "sha256": file.sha256,
            })),
            now,
        )?;
        Ok(Published { inserted, updated, rejected })
    })?;
    crate::keys::flush_usage(conn, &env.vault)?;
    Ok(published)
}

/// The reject report: one line per left-out row with its line number, field and rule (never the value).
pub fn write_report(conn: &mut DbConn, job_id: &str, path: &Path) -> Result<()> {
    let mut out = String::from("line,field,reason\n");
    for (line, field, reason) in imports::rejects(conn, job_id)? {
        out.push_str(&format!("{line},{field},\"{}\"\n", reason.replace('"', "'")));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| AppError::Internal(e.to_string()))?;
    }
    std::fs::write(path, out).map_err(|e| AppError::Internal(format!("reject report: {e}")))
}
