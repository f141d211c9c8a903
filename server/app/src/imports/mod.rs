//! Importing a bank's batch file (customers or holdings): checking the file before anything is written (control
//! file, authentication columns, layout), staging its rows batch by batch, and publishing them whole. What is
//! particular to a dataset (validating and sealing its rows) lives in its own module.

mod customers;
mod holdings;
mod seal;

use crate::error::{AppError, Result};
use crate::Env;
pub use customers::Resolver;
use diesel::Connection;
use sha2::{Digest, Sha256};
use siyu_domain::layout::{self, Dataset, Format, Layout};
use siyu_domain::org::Scope;
use siyu_store::audit::{self, AuditContext, AuditEvent};
use siyu_store::holding_imports::{self, StagedHolding};
use siyu_store::imports::{self, RejectRow, StagedRow, Unchanged};
use siyu_store::tx::write_tx;
use siyu_store::DbConn;
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
    /// Data rows (lines after the header if there is one, blank lines not counted).
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
    Splitter::new(delimiter)?.split(line)
}

/// Splits lines into columns with one CSV parser built once: building one is far dearer than using it (it was
/// half of an import's CPU time when every line built its own).
pub struct Splitter {
    reader: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
}

impl Splitter {
    /// None when the delimiter is not a single byte.
    pub fn new(delimiter: char) -> Option<Self> {
        let reader = csv_core::ReaderBuilder::new().delimiter(u8::try_from(delimiter).ok()?).build();
        Some(Splitter { reader, out: vec![0; 1024], ends: vec![0; 64] })
    }

    /// One line's columns; None when the line cannot be read.
    pub fn split(&mut self, line: &str) -> Option<Vec<String>> {
        use csv_core::ReadRecordResult::*;
        self.reader.reset();
        let mut input = line.as_bytes();
        let (mut n_out, mut n_ends) = (0, 0);
        loop {
            let (result, read, wrote, ended) =
                self.reader.read_record(input, &mut self.out[n_out..], &mut self.ends[n_ends..]);
            input = &input[read..];
            n_out += wrote;
            n_ends += ended;
            match result {
                // Called again with the input used up, the parser takes it as the line's end and yields it.
                InputEmpty => {}
                OutputFull => self.out.resize(self.out.len() * 2, 0),
                OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                Record => break,
                End => return None,
            }
        }
        let mut start = 0;
        let mut columns = Vec::with_capacity(n_ends);
        for &end in &self.ends[..n_ends] {
            columns.push(std::str::from_utf8(&self.out[start..end]).ok()?.to_string());
            start = end;
        }
        Some(columns)
    }
}

/// Reads the whole file once: its SHA-256 and row count, its header mapped through the layout; and checks the
/// control file `FILE.ctl` (`rows=N`, `sha256=HEX`) when present or required. Any failure refuses the file whole.
pub fn check_file(path: &Path, enc: Encoding, layout: &Layout, require_control: bool) -> Result<CheckedFile> {
    let file = std::fs::File::open(path)
        .map_err(|e| refused(format!("cannot read the file: {e}"), format!("无法读取文件：{e}")))?;
    let mut reader = BufReader::new(file);
    let mut hasher = Sha256::new();
    let header_lines = layout.header_lines();
    let mut header: Option<Vec<u8>> = None;
    let mut rows = 0i64;
    let mut lines = 0i64;
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
        lines += 1;
        let content = trim_eol(&line);
        if lines <= header_lines {
            header = Some(content.to_vec());
        } else if !content.iter().all(|b| b.is_ascii_whitespace()) {
            rows += 1;
        }
    }
    let sha256 = hex::encode(hasher.finalize());
    if lines == 0 {
        return Err(refused("the file is empty".into(), "文件为空".into()));
    }
    let decode_header = |h: &[u8]| {
        enc.decode(h.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(h)).ok_or_else(|| {
            refused("the header row is not valid in the declared encoding".into(), "表头编码无效".into())
        })
    };
    let fields = match layout.format {
        Format::Delimited => {
            let header = decode_header(&header.unwrap_or_default())?;
            let columns = split(&header, layout.delimiter)
                .ok_or_else(|| refused("the header row cannot be read".into(), "无法读取表头".into()))?;
            layout::map_header(layout, &columns).map_err(|m| refused(m.clone(), format!("文件被整体拒绝：{m}")))?
        }
        Format::Fixed => {
            // A fixed-width file's header (when it has one) only names columns: one naming authentication data
            // still refuses the file, whatever the layout reads.
            if let Some(h) = header {
                let text = decode_header(&h)?;
                if let Some(w) = text.split_whitespace().find(|w| layout::is_c3_column(w)) {
                    let m = format!(
                        "the file has a column of authentication data ({w}): such data is never loaded, the file \
                         is refused whole"
                    );
                    return Err(refused(m.clone(), format!("文件被整体拒绝：{m}")));
                }
            }
            layout.fields.iter().map(|f| f.field.clone()).collect()
        }
    };
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

/// Reads a file's data lines in batches, from any line on (after a resume): one pass over the file.
pub struct Lines {
    reader: BufReader<std::fs::File>,
    line_no: i64,
}

impl Lines {
    /// Opens `path` positioned after line `after` (at least the layout's header lines, `Layout::header_lines`).
    pub fn open(path: &Path, after: i64) -> std::io::Result<Self> {
        let mut l = Lines { reader: BufReader::new(std::fs::File::open(path)?), line_no: 0 };
        let mut buf = Vec::new();
        while l.line_no < after {
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

/// One line split into its columns, or why it was left out.
fn records(
    layout: &Layout,
    enc: Encoding,
    lines: &[(i64, Vec<u8>)],
    rejects: &mut Vec<RejectRow>,
) -> Vec<(i64, Vec<String>)> {
    let mut out = Vec::with_capacity(lines.len());
    let mut splitter = Splitter::new(layout.delimiter);
    for (line_no, bytes) in lines {
        let reject = |reason: &str| RejectRow { line_no: *line_no, field: "line".into(), reason: reason.into() };
        if layout.format == Format::Fixed {
            // Cut by byte position first, then decode each field: a field that splits a character is invalid.
            let mut values = Vec::with_capacity(layout.fields.len());
            for (f, raw) in layout.fields.iter().zip(layout.cut(bytes)) {
                match enc.decode(raw) {
                    Some(v) => values.push(v),
                    None => {
                        rejects.push(RejectRow {
                            line_no: *line_no,
                            field: f.field.clone(),
                            reason: "bytes not valid in the declared encoding (a character cut by the field's width?)"
                                .into(),
                        });
                        break;
                    }
                }
            }
            if values.len() == layout.fields.len() {
                out.push((*line_no, values));
            }
            continue;
        }
        let Some(text) = enc.decode(bytes) else {
            rejects.push(reject("bytes not valid in the declared encoding"));
            continue;
        };
        let Some(values) = splitter.as_mut().and_then(|s| s.split(&text)) else {
            rejects.push(reject("the line cannot be read"));
            continue;
        };
        out.push((*line_no, values));
    }
    out
}

/// One batch of a file, validated, resolved and sealed, ready to be staged: what `prepare_batch` computes and
/// `write_batch` writes. Preparing only reads the database, so the next batch can be prepared while this one is
/// written (the import job runs the two side by side).
pub enum Prepared {
    Customers { rows: Vec<StagedRow>, rejects: Vec<RejectRow>, unchanged: Vec<Unchanged> },
    Holdings { rows: Vec<StagedHolding>, rejects: Vec<RejectRow> },
}

/// Validates, resolves and seals one batch of lines of a dataset; rejects carry their line, field and rule, never
/// the value. Reads the database (outlets, RMs, the stored customers and holdings), writes nothing: a line that
/// repeats one of an earlier batch is found when publishing.
#[allow(clippy::too_many_arguments)]
pub fn prepare_batch(
    conn: &mut DbConn,
    env: &Env,
    scope: &Scope,
    dataset: Dataset,
    fresh: bool,
    file: &CheckedFile,
    layout: &Layout,
    enc: Encoding,
    lines: &[(i64, Vec<u8>)],
    resolver: &mut Resolver,
) -> Result<Prepared> {
    let mut rejects = Vec::new();
    let records = records(layout, enc, lines, &mut rejects);
    match dataset {
        Dataset::Customers => customers::prepare(conn, env, scope, fresh, file, records, rejects, resolver),
        Dataset::Holdings => holdings::prepare(conn, env, scope, fresh, file, records, rejects),
    }
}

/// Below this many rows a file is staged even into an empty table: the direct load's gain is small there, and
/// staging keeps its batch-by-batch resume.
pub const DIRECT_MIN_ROWS: i64 = 50_000;

/// Whether a file of `rows` rows may be loaded directly (`load_direct`): on PostgreSQL, a file of at least
/// `DIRECT_MIN_ROWS` into a table with no row at all (a bank's first load, a rebuilt environment).
pub fn direct_eligible(conn: &mut DbConn, dataset: Dataset, rows: i64) -> Result<bool> {
    if rows < DIRECT_MIN_ROWS || matches!(conn, DbConn::Sqlite(_)) {
        return Ok(false);
    }
    Ok(siyu_store::bulk::is_empty(conn, table_of(dataset))?)
}

fn table_of(dataset: Dataset) -> &'static str {
    match dataset {
        Dataset::Customers => "customers",
        Dataset::Holdings => "holdings",
    }
}

/// How a direct load ended when it did not fail.
pub enum Direct {
    Published(Published),
    /// Too many rows were rejected: nothing was loaded, the refusal is audited; the error to report.
    Refused(AppError),
}

/// The direct first load of a file into its empty table: one transaction in which the table's indexes and unique
/// constraints are set aside (`bulk::set_aside_indexes`: its foreign keys stay, so no other table is locked), `feed` copies every prepared batch straight into the table
/// through the writer it is given (no stage, so every row is written once), and the indexes and constraints are
/// rebuilt and the audit record appended. Rejected rows are recorded by the caller on a connection of their own,
/// as it goes, so the report survives a refusal. Nothing is visible until the whole file commits; a crash loses
/// the attempt, which then starts again from the first line.
///
/// An error means the attempt was rolled back, leaving the table as it was: a file repeating a customer or a
/// holding (the rebuilt unique constraint refuses it) is then loaded through the stage, which finds and reports
/// each repeat, as does any other failure.
#[allow(clippy::too_many_arguments)]
pub fn load_direct(
    conn: &mut DbConn,
    env: &Env,
    ctx: &AuditContext,
    dataset: Dataset,
    job_id: &str,
    file: &CheckedFile,
    max_reject_share: f64,
    feed: impl FnOnce(&mut dyn FnMut(Prepared) -> Result<usize>) -> Result<()>,
) -> Result<Direct> {
    /// Why the transaction rolls back.
    enum Abort {
        TooManyRejects,
        Failed(AppError),
    }
    impl From<diesel::result::Error> for Abort {
        fn from(e: diesel::result::Error) -> Self {
            Abort::Failed(e.into())
        }
    }
    impl From<AppError> for Abort {
        fn from(e: AppError) -> Self {
            Abort::Failed(e)
        }
    }
    impl From<siyu_store::StoreError> for Abort {
        fn from(e: siyu_store::StoreError) -> Self {
            Abort::Failed(e.into())
        }
    }
    let now = env.now();
    let action = format!("import.{}", dataset.as_str());
    // The table's foreign keys are dropped for the load and added back, validated, before it commits.
    let keys_aside = siyu_store::bulk::set_aside_foreign_keys(conn, table_of(dataset), now.naive_utc())?;
    let loaded = conn.transaction(|c| -> std::result::Result<Published, Abort> {
        let (inserted, rejected) = siyu_store::bulk::set_aside_indexes(c, table_of(dataset), |c| {
            let mut inserted = 0;
            feed(&mut |batch: Prepared| -> Result<usize> {
                // The rows are moved out of the batch, not copied: the rest of it (line numbers) is not needed here.
                let n = match batch {
                    Prepared::Customers { rows, .. } => {
                        let rows: Vec<_> = rows.into_iter().map(|s| s.row).collect();
                        imports::copy_direct(c, &rows)?;
                        rows.len()
                    }
                    Prepared::Holdings { rows, .. } => {
                        let rows: Vec<_> = rows.into_iter().map(|s| s.row).collect();
                        holding_imports::copy_direct(c, &rows)?;
                        rows.len()
                    }
                };
                inserted += n;
                Ok(n)
            })?;
            // Refused before the indexes are rebuilt for nothing.
            let rejected = imports::rejected(c, job_id)?;
            if file.rows > 0 && rejected as f64 / file.rows as f64 > max_reject_share {
                return Err(Abort::TooManyRejects);
            }
            Ok((inserted, rejected))
        })?;
        siyu_store::bulk::restore_foreign_keys(c)?;
        siyu_store::tx::lock_chain(c)?;
        audit::append(
            c,
            ctx,
            &AuditEvent::success(&action, "job", job_id).with_detail(serde_json::json!({
                "rows": file.rows, "inserted": inserted, "updated": 0, "unchanged": 0, "closed": 0,
                "rejected": rejected, "sha256": file.sha256, "direct": true,
            })),
            now,
        )?;
        Ok(Published { inserted, updated: 0, unchanged: 0, closed: 0, rejected })
    });
    if keys_aside {
        // After a rollback, the keys are added back here, to the table as it was.
        siyu_store::bulk::release_foreign_keys(conn)?;
    }
    match loaded {
        Ok(p) => {
            crate::keys::flush_usage(conn, &env.vault)?;
            Ok(Direct::Published(p))
        }
        Err(Abort::TooManyRejects) => {
            let rejected = imports::rejected(conn, job_id)?;
            Ok(Direct::Refused(refuse(conn, ctx, &action, job_id, file, rejected, max_reject_share, now)?))
        }
        Err(Abort::Failed(e)) => Err(e),
    }
}

/// Adds back the foreign keys a direct load set aside and never got to restore (it crashed); 0 when there are none,
/// or when the load that set them aside is still running. Run when an import or `siyu serve` starts.
pub fn restore_foreign_keys(conn: &mut DbConn) -> Result<usize> {
    Ok(siyu_store::bulk::restore_foreign_keys(conn)?)
}

/// Stages a prepared batch in one transaction, so a checkpoint after it describes committed work.
pub fn write_batch(conn: &mut DbConn, job_id: &str, batch: &Prepared) -> Result<()> {
    match batch {
        Prepared::Customers { rows, rejects, unchanged } => imports::stage(conn, job_id, rows, rejects, unchanged)?,
        Prepared::Holdings { rows, rejects } => holding_imports::stage(conn, job_id, rows, rejects)?,
    }
    Ok(())
}

/// Rows of the file the job has accounted for so far: staged or rejected. Before publishing it must be every
/// row of the file (a PostgreSQL crash empties the unlogged stage).
pub fn accounted(conn: &mut DbConn, dataset: Dataset, job_id: &str) -> Result<i64> {
    let staged = match dataset {
        Dataset::Customers => imports::staged(conn, job_id)? + imports::unchanged(conn, job_id)?,
        Dataset::Holdings => holding_imports::staged(conn, job_id)?,
    };
    Ok(staged + imports::rejected(conn, job_id)?)
}

/// Empties a job's stage and rejects, to stage its file again from the start.
pub fn restart(conn: &mut DbConn, dataset: Dataset, job_id: &str) -> Result<()> {
    conn.transaction(|c| {
        match dataset {
            Dataset::Customers => imports::clear(c, job_id)?,
            Dataset::Holdings => holding_imports::clear(c, job_id)?,
        }
        imports::clear_rejects(c, job_id)?;
        Ok(())
    })
}

/// How an import ended.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Published {
    pub inserted: usize,
    pub updated: usize,
    /// Customers the file repeats exactly as stored (always 0 for holdings): left as they are.
    pub unchanged: i64,
    /// Holdings of the listed customers that the file no longer has (always 0 for customers).
    pub closed: usize,
    pub rejected: i64,
}

/// Audits the refusal of a file with too many invalid rows; the error that says so.
#[allow(clippy::too_many_arguments)]
fn refuse(
    conn: &mut DbConn,
    ctx: &AuditContext,
    action: &str,
    job_id: &str,
    file: &CheckedFile,
    rejected: i64,
    max_reject_share: f64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<AppError> {
    write_tx(conn, |c| {
        audit::append(
            c,
            ctx,
            &AuditEvent::failure(action, "job", job_id, "too_many_rejects")
                .with_detail(serde_json::json!({"rows": file.rows, "rejected": rejected, "sha256": file.sha256})),
            now,
        )
    })?;
    Ok(refused(
        format!(
            "{rejected} of {} rows are invalid, more than {:.1}%: the file is refused whole",
            file.rows,
            max_reject_share * 100.0
        ),
        format!("{} 行中有 {rejected} 行无效，超过 {:.1}%：文件被整体拒绝", file.rows, max_reject_share * 100.0),
    ))
}

/// Publishes the staged rows in one transaction with its audit record — unless the rejected rows exceed
/// `max_reject_share` of the file, in which case nothing is published and the file is refused whole.
pub fn publish(
    conn: &mut DbConn,
    env: &Env,
    ctx: &AuditContext,
    dataset: Dataset,
    job_id: &str,
    file: &CheckedFile,
    max_reject_share: f64,
) -> Result<Published> {
    match dataset {
        Dataset::Customers => imports::reject_repeats(conn, job_id)?,
        Dataset::Holdings => holding_imports::reject_repeats(conn, job_id)?,
    };
    let rejected = imports::rejected(conn, job_id)?;
    let now = env.now();
    let action = format!("import.{}", dataset.as_str());
    if file.rows > 0 && rejected as f64 / file.rows as f64 > max_reject_share {
        match dataset {
            Dataset::Customers => imports::clear(conn, job_id)?,
            Dataset::Holdings => holding_imports::clear(conn, job_id)?,
        }
        return Err(refuse(conn, ctx, &action, job_id, file, rejected, max_reject_share, now)?);
    }
    let unchanged = match dataset {
        Dataset::Customers => imports::unchanged(conn, job_id)?,
        Dataset::Holdings => 0,
    };
    let published = write_tx(conn, |c| -> Result<Published> {
        let (inserted, updated, closed) = match dataset {
            Dataset::Customers => {
                let actor = Some(ctx.actor_id.as_str()).filter(|a| !a.is_empty());
                let (i, u) = imports::publish(c, job_id, actor, now)?;
                (i, u, 0)
            }
            Dataset::Holdings => {
                let p = holding_imports::publish(c, job_id, now)?;
                (p.inserted, p.updated, p.closed)
            }
        };
        audit::append(
            c,
            ctx,
            &AuditEvent::success(&action, "job", job_id).with_detail(serde_json::json!({
                "rows": file.rows, "inserted": inserted, "updated": updated, "unchanged": unchanged, "closed": closed,
                "rejected": rejected, "sha256": file.sha256,
            })),
            now,
        )?;
        Ok(Published { inserted, updated, unchanged, closed, rejected })
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

#[cfg(test)]
mod tests {
    use super::Splitter;

    /// What the `csv` crate reads from one line: the reference the reused parser must agree with.
    fn reference(line: &str, delimiter: u8) -> Vec<String> {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(delimiter)
            .flexible(true)
            .from_reader(line.as_bytes());
        r.records().next().unwrap().unwrap().iter().map(str::to_string).collect()
    }

    #[test]
    fn one_parser_reads_every_line_as_csv_does() {
        let long = "长".repeat(700);
        let many = vec!["x"; 150].join(",");
        let lines = [
            "C001,张三,110105194912310029,13800138000",
            "\"C002\",\"李,四\",\"say \"\"hi\"\"\",",
            ",,,",
            "a",
            &format!("C003,{long},end"),
            &many,
            "\"unclosed,field",
            "C004,王五,,13900000000",
        ];
        let mut s = Splitter::new(',').unwrap();
        for line in lines {
            assert_eq!(s.split(line).unwrap(), reference(line, b','), "line {line:?}");
        }
        let mut tabs = Splitter::new('|').unwrap();
        assert_eq!(tabs.split("a|b,c|\"d|e\"").unwrap(), vec!["a", "b,c", "d|e"]);
        assert!(Splitter::new('，').is_none(), "a delimiter must be one byte");
    }
}
