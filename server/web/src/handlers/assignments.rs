//! Assignment (管户): preview and apply rules (or an explicit list of customers), and a customer's managing-RM
//! history.

use crate::ctx::Ctx;
use crate::error::ApiError;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use siyu_app::assignments::{self as ops, Filter, Outcome, Rule, Target};
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleRequest {
    /// Which customers: `aum_min_yuan` / `aum_max_yuan` (AUM band edges, `[min, max)`), `risk_levels`
    /// (`C1`…`C5`), `node_id` (an org subtree in scope), `current_rm` (`any`, `none`, `resigned`, `no_active` or
    /// a staff id), `customer_ids` (at most 1,000, all in scope). Every part optional.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub filter: Filter,
    /// `{"kind": "rm", "staff_id": …}`, `{"kind": "team", "node_id": …}` or `{"kind": "remote"}`.
    #[schema(value_type = Object)]
    pub target: Target,
    /// Why; required to apply (4 to 500 characters), kept in the history and the audit trail.
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct OutcomeView {
    /// Customers the rule matched.
    pub matched: usize,
    /// Matched customers already managed by one of the target's RMs: left as they are.
    pub unchanged: usize,
    /// Customers given a new RM (or, for a preview, that would be).
    pub moved: usize,
    /// New customers per RM (staff id).
    pub per_target: BTreeMap<String, usize>,
    /// Transactions used (apply only).
    pub batches: usize,
    /// Planned moves not made because the customer's RM changed meanwhile (apply only).
    pub skipped: usize,
}

impl From<Outcome> for OutcomeView {
    fn from(o: Outcome) -> Self {
        Self {
            matched: o.matched,
            unchanged: o.unchanged,
            moved: o.moved,
            per_target: o.per_target,
            batches: o.batches,
            skipped: o.skipped,
        }
    }
}

fn rule(b: RuleRequest) -> Rule {
    Rule { filter: b.filter, target: b.target, reason: b.reason }
}

pub async fn preview(ctx: Ctx, body: web::Json<RuleRequest>) -> Result<HttpResponse, ApiError> {
    let r = rule(body.into_inner());
    let o = ctx.with_principal(move |c, _, _, p| ops::preview(c, p, &r)).await?;
    Ok(HttpResponse::Ok().json(OutcomeView::from(o)))
}

pub async fn apply(ctx: Ctx, body: web::Json<RuleRequest>) -> Result<HttpResponse, ApiError> {
    let r = rule(body.into_inner());
    let o = ctx.with_principal(move |c, env, meta, p| ops::apply(c, env, meta, p, &r)).await?;
    Ok(HttpResponse::Ok().json(OutcomeView::from(o)))
}

/// One change of a customer's managing RM (`rm`), outlet (`outlet`), or identity (`merge`, `unmerge`).
#[derive(Serialize, ToSchema)]
pub struct AssignmentView {
    pub at: DateTime<Utc>,
    pub action: String,
    /// Staff id (rm), org node id (outlet) or customer id (unmerge): before.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Who made the change (staff id); none for the system.
    pub by: Option<String>,
    /// Why: `crm batch`, `import job …`, the rule's reason, `resignation of …`.
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AssignmentList {
    pub items: Vec<AssignmentView>,
}

pub async fn history(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let h = ctx.with_principal(move |c, _, _, p| ops::history(c, p, &id)).await?;
    Ok(HttpResponse::Ok().json(AssignmentList {
        items: h
            .into_iter()
            .map(|e| AssignmentView { at: e.at, action: e.action, from: e.from, to: e.to, by: e.by, reason: e.reason })
            .collect(),
    }))
}
