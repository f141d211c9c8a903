//! `vault.rewrap`: re-encrypts every sealed value that is not on its key's latest version, online, in batches,
//! resumable from its checkpoint (the sealed column and the last row id done).

use crate::job::{JobCtx, JobError, JobHandler};
use siyu_store::audit::{self, AuditContext, AuditEvent};
use siyu_store::sealed;
use siyu_store::tx::write_tx;
use siyu_vault::Aad;

pub const KIND: &str = "vault.rewrap";
const BATCH: i64 = 500;

pub struct Rewrap;

impl JobHandler for Rewrap {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn run(&self, ctx: &mut JobCtx<'_>) -> Result<serde_json::Value, JobError> {
        let vault = ctx.env.vault.clone();
        let total: i64 = {
            let mut c = ctx.conn()?;
            sealed::ALL.iter().map(|col| sealed::count(&mut c, *col)).sum::<Result<i64, _>>()?
        };
        let cp = ctx.checkpoint().cloned().unwrap_or_default();
        let mut col_index = cp["column"].as_u64().unwrap_or(0) as usize;
        let mut after = cp["after"].as_str().unwrap_or("").to_string();
        let mut done = cp["done"].as_i64().unwrap_or(0);
        let mut rewrapped = cp["rewrapped"].as_i64().unwrap_or(0);
        while let Some(col) = sealed::ALL.get(col_index).copied() {
            let mut c = ctx.conn()?;
            let page = sealed::page(&mut c, col, &after, BATCH)?;
            if page.is_empty() {
                col_index += 1;
                after.clear();
                continue;
            }
            let mut changes = vec![];
            for (id, text) in &page {
                let aad = Aad::new(col.table, col.column, id);
                let sealed_value = siyu_vault::SealedValue::from_text(text)
                    .map_err(|e| JobError::Fatal(format!("{} row {id}: {e}", col.table)))?;
                let next = vault
                    .rewrap(col.field_class, &aad, sealed_value.as_bytes())
                    .map_err(|e| JobError::Fatal(format!("{}.{} row {id}: {e}", col.table, col.column)))?;
                if let Some(v) = next {
                    changes.push((id.clone(), text.clone(), v.to_text()));
                }
            }
            let now = ctx.env.now();
            let n = changes.len() as i64;
            write_tx(&mut c, |c| -> Result<(), siyu_store::StoreError> {
                for (id, old, new) in &changes {
                    // A value changed meanwhile (re-enrolled, say) was sealed under the latest key already.
                    sealed::replace(c, col, id, old, new)?;
                }
                if n > 0 {
                    let ctx = AuditContext {
                        actor_name: "engine".into(),
                        actor_roles: "system".into(),
                        ..Default::default()
                    };
                    let ev = AuditEvent::success(
                        "vault.rewrap_batch",
                        "sealed_column",
                        format!("{}.{}", col.table, col.column),
                    )
                    .with_detail(serde_json::json!({"rewrapped": n}));
                    audit::append(c, &ctx, &ev, now)?;
                }
                Ok(())
            })?;
            rewrapped += n;
            done += page.len() as i64;
            after = page.last().map(|(id, _)| id.clone()).unwrap_or_default();
            let checkpoint =
                serde_json::json!({"column": col_index, "after": after, "done": done, "rewrapped": rewrapped});
            ctx.report(done, Some(total.max(done)), Some(checkpoint))?;
        }
        let mut c = ctx.conn()?;
        siyu_app::keys::flush_usage(&mut c, &vault).map_err(|e| JobError::Retry(e.to_string()))?;
        Ok(serde_json::json!({"checked": done, "rewrapped": rewrapped}))
    }
}
