//! `import.customers`: stages a checked file's rows batch by batch (each batch committed with a checkpoint, so a
//! killed import resumes where it stopped), then publishes them whole in one transaction, or refuses the file.

use crate::job::{JobCtx, JobError, JobHandler};
use siyu_app::imports::{self, CheckedFile, Encoding, Lines, Resolver};
use siyu_domain::layout::Layout;
use siyu_domain::org::Scope;
use siyu_store::audit::AuditContext;
use std::path::PathBuf;

pub const KIND: &str = "import.customers";
const BATCH: usize = 1000;

/// What the job needs, fixed when it is queued.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Params {
    pub path: PathBuf,
    pub layout: Layout,
    pub encoding: Encoding,
    pub file: CheckedFile,
    pub max_reject_share: f64,
    pub report: PathBuf,
    /// Who queued it, for the audit record of the publication.
    pub actor: String,
}

pub struct ImportCustomers;

fn fail(e: impl std::fmt::Display) -> JobError {
    JobError::Fatal(e.to_string())
}

impl JobHandler for ImportCustomers {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn run(&self, ctx: &mut JobCtx<'_>) -> Result<serde_json::Value, JobError> {
        let p: Params = serde_json::from_value(ctx.params().clone()).map_err(fail)?;
        let job_id = ctx.job.id.clone();
        let after = ctx.checkpoint().and_then(|c| c["line"].as_i64()).unwrap_or(1);
        // The file must still be the file that was checked: a replaced file is never half-loaded.
        let again = imports::check_file(&p.path, p.encoding, &p.layout, false).map_err(fail)?;
        if again.sha256 != p.file.sha256 {
            return Err(JobError::Fatal("the file changed since it was checked: import it again".into()));
        }
        let mut lines = Lines::open(&p.path, after).map_err(fail)?;
        let mut resolver = Resolver::default();
        let scope = Scope::subtree("/");
        loop {
            let batch = lines.next_batch(BATCH).map_err(fail)?;
            if batch.is_empty() {
                break;
            }
            let mut c = ctx.conn()?;
            imports::stage_batch(
                &mut c,
                ctx.env,
                &scope,
                &job_id,
                &p.file,
                &p.layout,
                p.encoding,
                &batch,
                &mut resolver,
            )
            .map_err(|e| JobError::Retry(e.to_string()))?;
            drop(c);
            let done = (lines.line_no() - 1).min(p.file.rows);
            ctx.report(done, Some(p.file.rows), Some(serde_json::json!({"line": lines.line_no()})))?;
        }
        let audit_ctx = AuditContext {
            actor_name: p.actor.clone(),
            actor_roles: "import".into(),
            client_addr: "local".into(),
            ..Default::default()
        };
        let mut c = ctx.conn()?;
        let published =
            imports::publish(&mut c, ctx.env, &audit_ctx, &job_id, &p.file, p.max_reject_share).map_err(fail);
        imports::write_report(&mut c, &job_id, &p.report).map_err(|e| JobError::Retry(e.to_string()))?;
        let published = published?;
        Ok(serde_json::json!({
            "rows": p.file.rows,
            "inserted": published.inserted,
            "updated": published.updated,
            "rejected": published.rejected,
            "report": p.report,
        }))
    }
}
