//! `wecom.sync`: the full sync of one corp. Follow members (`get_follow_user_list`), the corp tag catalogue
//! (`get_corp_tag_list`), how many customers each member has (`list`, for done/total), then every customer with
//! each member's follow_info through `batch/get_by_user`, page by page (cursor paging, up to 100 members per
//! request). Each page is stored in one transaction, then the cursor is checkpointed: a process killed mid-sync
//! resumes from the last stored page. An expired token is refreshed by the client; frequency limits (45009) are
//! waited out and transient errors retried by it too. Incremental updates keep coming from the callbacks.

use crate::job::{JobCtx, JobError, JobHandler};
use siyu_app::wecom::sync;
use siyu_connectors::wecom::api::contacts::BatchGetByUser;
use siyu_connectors::wecom::api::tags::TagQuery;
use siyu_connectors::wecom::{ClientError, Transport};
use std::sync::Arc;

pub const KIND: &str = "wecom.sync";
/// Members per `batch/get_by_user` request (WeCom allows 100).
const USERS_PER_REQUEST: usize = 100;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Params {
    /// The configured corp's name.
    pub corp: String,
}

/// Where a sync stands; stored as the job's checkpoint after every durable step.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Checkpoint {
    /// Follow members, fixed at the start of the run.
    users: Vec<String>,
    /// Relations WeCom listed for them at the start (the progress total).
    total: i64,
    tags: usize,
    /// The member chunk being paged, and the cursor of its next page.
    chunk: usize,
    cursor: String,
    relations: i64,
    linked: i64,
    pages: i64,
    /// When the run began: live relations of these members that no page listed and no callback touched since then
    /// are gone from WeCom, and are closed at the end.
    #[serde(default)]
    started_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Relations closed that way.
    #[serde(default)]
    closed: i64,
}

/// The handler; `over` replaces the HTTP transport under the egress guard (tests watch or disturb the wire).
#[derive(Default)]
pub struct WecomSync {
    over: Option<Arc<dyn Transport>>,
}

impl WecomSync {
    pub fn over(transport: Arc<dyn Transport>) -> Self {
        WecomSync { over: Some(transport) }
    }
}

fn client_err(e: ClientError) -> JobError {
    let permanent = match &e {
        ClientError::Api(w) => w.is_configuration(),
        ClientError::Refused(_) | ClientError::Decode(_) => true,
        _ => false,
    };
    if permanent {
        JobError::Fatal(e.to_string())
    } else {
        JobError::Retry(e.to_string())
    }
}

fn app_err(e: siyu_app::AppError) -> JobError {
    match e {
        siyu_app::AppError::Refused { .. } | siyu_app::AppError::Integrity(_) => JobError::Fatal(e.to_string()),
        other => JobError::Retry(other.to_string()),
    }
}

impl JobHandler for WecomSync {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn run(&self, ctx: &mut JobCtx<'_>) -> Result<serde_json::Value, JobError> {
        let p: Params = serde_json::from_value(ctx.params().clone()).map_err(|e| JobError::Fatal(e.to_string()))?;
        let client = match &self.over {
            Some(t) => siyu_app::wecom::client::for_corp_over(ctx.pool, ctx.env, &p.corp, t.clone()),
            None => siyu_app::wecom::client::for_corp(ctx.pool, ctx.env, &p.corp),
        }
        .map_err(app_err)?;
        let page_size = ctx.env.settings.wecom.sync_page_size.clamp(1, 100);
        let mut cp: Checkpoint = match ctx.checkpoint() {
            Some(v) => serde_json::from_value(v.clone()).map_err(|e| JobError::Fatal(format!("checkpoint: {e}")))?,
            None => {
                let started_at = ctx.env.now();
                let users = client.get_follow_user_list().map_err(client_err)?;
                let groups = client.get_corp_tag_list(&TagQuery::default()).map_err(client_err)?;
                let tags = sync::save_tags(&mut *ctx.conn()?, ctx.env, &p.corp, &groups).map_err(app_err)?;
                let mut total = 0i64;
                for u in &users {
                    total += client.list_external_contacts(u).map_err(client_err)?.len() as i64;
                }
                let cp = Checkpoint { users, total, tags, started_at: Some(started_at), ..Default::default() };
                ctx.report(0, Some(total), Some(to_value(&cp)))?;
                cp
            }
        };
        let chunks: Vec<Vec<String>> = cp.users.chunks(USERS_PER_REQUEST).map(<[String]>::to_vec).collect();
        while let Some(members) = chunks.get(cp.chunk) {
            let seen_at = ctx.env.now();
            let page = client
                .batch_get_by_user(&BatchGetByUser {
                    userid_list: members.clone(),
                    cursor: cp.cursor.clone(),
                    limit: Some(page_size),
                })
                .map_err(client_err)?;
            let report = sync::save_page(&mut *ctx.conn()?, ctx.env, &p.corp, &page.external_contact_list, seen_at)
                .map_err(app_err)?;
            cp.relations += report.relations as i64;
            cp.linked += report.linked as i64;
            cp.pages += 1;
            if page.next_cursor.is_empty() {
                cp.chunk += 1;
                cp.cursor.clear();
            } else {
                cp.cursor = page.next_cursor;
            }
            // Customers added since the count make done pass total: the total follows.
            let total = cp.total.max(cp.relations);
            ctx.report(cp.relations, Some(total), Some(to_value(&cp)))?;
        }
        if let Some(started_at) = cp.started_at {
            cp.closed = sync::close_missing(&mut *ctx.conn()?, ctx.env, &p.corp, &cp.users, started_at)
                .map_err(app_err)? as i64;
        }
        if cp.total != cp.relations {
            // Customers added or deleted since the count: the bar ends full at what was stored.
            cp.total = cp.relations;
            ctx.report(cp.relations, Some(cp.relations), Some(to_value(&cp)))?;
        }
        Ok(serde_json::json!({
            "corp": p.corp, "users": cp.users.len(), "tags": cp.tags, "relations": cp.relations,
            "linked": cp.linked, "pages": cp.pages, "closed": cp.closed,
        }))
    }
}

fn to_value(cp: &Checkpoint) -> serde_json::Value {
    serde_json::to_value(cp).unwrap_or_default()
}
