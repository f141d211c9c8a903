//! Assignment (管户): rules that give customers to an RM, a team or the remote direct-operations team, previewed
//! before they are applied; applied in batches, each batch one transaction with its audit record and history.

use crate::error::{check_text, AppError, Result};
use crate::principal::{Meta, Principal};
use crate::Env;
use siyu_domain::access::Permission;
use siyu_domain::assignment::{bands_in, plan, CurrentRm, Plan};
use siyu_domain::customer::RiskLevel;
use siyu_domain::pii;
use siyu_store::assignments::{self as store, By, Candidates};
use siyu_store::audit::{self, AuditEvent};
use siyu_store::history::{self, HistoryEntry, Subject};
use siyu_store::tx::write_tx;
use siyu_store::{customers, org, staff, DbConn};
use std::collections::BTreeMap;

/// Moves per transaction when a rule is applied.
pub const BATCH: usize = 500;
/// At most this many explicit customer ids per request.
pub const MAX_IDS: usize = 1000;

/// Which customers a rule takes; every part optional (absent: any).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// AUM range in yuan, `[min, max)`; both ends must be AUM band edges (the rule reads the band, not the amount).
    pub aum_min_yuan: Option<i64>,
    pub aum_max_yuan: Option<i64>,
    #[serde(default)]
    pub risk_levels: Vec<String>,
    /// An org node inside the caller's scope: its subtree (default: the caller's whole scope).
    pub node_id: Option<String>,
    /// `any` (default), `none`, `resigned`, `no_active`, or an RM's staff id.
    pub current_rm: Option<String>,
    /// Exactly these customers (at most 1,000, all in scope): a bulk reassign.
    pub customer_ids: Option<Vec<String>>,
}

/// Who the customers go to.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Target {
    /// One active RM inside the caller's scope.
    Rm { staff_id: String },
    /// The active RMs of a team node (its subtree) inside the caller's scope, round-robin.
    Team { node_id: String },
    /// The remote direct-operations team: active staff holding `remote_rm`, round-robin.
    Remote,
}

impl Target {
    fn kind(&self) -> &'static str {
        match self {
            Target::Rm { .. } => "rm",
            Target::Team { .. } => "team",
            Target::Remote => "remote",
        }
    }
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    #[serde(default)]
    pub filter: Filter,
    pub target: Target,
    /// Why; required to apply, kept in every history entry.
    pub reason: Option<String>,
}

/// What a rule does (preview) or did (apply).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Outcome {
    pub matched: usize,
    pub unchanged: usize,
    pub moved: usize,
    pub per_target: BTreeMap<String, usize>,
    /// Transactions used (apply only).
    pub batches: usize,
    /// Planned moves not made because the customer's RM changed between the plan and its batch (apply only).
    pub skipped: usize,
}

fn outcome(p: &Plan) -> Outcome {
    Outcome {
        matched: p.matched,
        unchanged: p.unchanged,
        moved: p.moves.len(),
        per_target: p.per_target.clone(),
        batches: 0,
        skipped: 0,
    }
}

fn check_filter(f: &Filter) -> Result<()> {
    for r in &f.risk_levels {
        if RiskLevel::parse(r).is_none() {
            return Err(AppError::validation("risk_levels", format!("{r} is not a risk level C1 to C5")));
        }
    }
    if let Some(ids) = &f.customer_ids {
        if ids.is_empty() || ids.len() > MAX_IDS {
            return Err(AppError::validation("customer_ids", format!("give 1 to {MAX_IDS} customer ids")));
        }
    }
    Ok(())
}

/// The rule's candidates and the target's pool, both within the caller's scope (the remote team excepted: it
/// serves the whole bank).
fn resolve(c: &mut DbConn, p: &Principal, rule: &Rule) -> Result<Plan> {
    check_filter(&rule.filter)?;
    let f = &rule.filter;
    let node_path = match &f.node_id {
        Some(n) => org::get_in_scope(c, n, &p.scope)?.path,
        None => p.scope.prefix().to_string(),
    };
    let aum_bands = match (f.aum_min_yuan, f.aum_max_yuan) {
        (None, None) => None,
        (a, b) => Some(bands_in(a, b, pii::DEFAULT_AUM_BOUNDS_YUAN).map_err(|e| AppError::validation("aum", e))?),
    };
    if let Some(ids) = &f.customer_ids {
        for id in ids {
            customers::get_in_scope(c, id, &p.scope)?;
        }
    }
    let q = Candidates {
        node_path,
        aum_bands,
        risk_levels: f.risk_levels.clone(),
        current_rm: CurrentRm::parse(f.current_rm.as_deref()),
        ids: f.customer_ids.clone(),
    };
    let pool = match &rule.target {
        Target::Rm { staff_id } => {
            staff::get_in_scope(c, staff_id, &p.scope)?;
            if !store::is_active_rm(c, staff_id)? {
                return Err(AppError::refused(
                    "not_an_active_rm",
                    "the target is not an active relationship manager",
                    "目标不是在职的客户经理",
                ));
            }
            vec![staff_id.clone()]
        }
        Target::Team { node_id } => {
            let path = org::get_in_scope(c, node_id, &p.scope)?.path;
            store::team(c, &path)?
        }
        Target::Remote => store::remote_team(c)?,
    };
    if pool.is_empty() {
        return Err(AppError::refused("no_active_rm", "the target has no active RM", "目标没有在职的客户经理"));
    }
    Ok(plan(&store::candidates(c, &q)?, &pool))
}

/// How many customers the rule matches, how many would move to each RM and how many stay: nothing changes.
pub fn preview(conn: &mut DbConn, p: &Principal, rule: &Rule) -> Result<Outcome> {
    p.require(Permission::CustomerAssign)?;
    Ok(outcome(&resolve(conn, p, rule)?))
}

/// Applies the rule: the same plan as the preview, in batches of [`BATCH`] moves, each one transaction with its
/// audit record and a history entry per customer.
pub fn apply(conn: &mut DbConn, env: &Env, meta: &Meta, p: &Principal, rule: &Rule) -> Result<Outcome> {
    p.require(Permission::CustomerAssign)?;
    let reason = rule.reason.as_deref().unwrap_or("").trim().to_string();
    check_text("reason", &reason, 4, 500)?;
    let plan = resolve(conn, p, rule)?;
    let mut out = outcome(&plan);
    let now = env.now();
    let by = By { actor: Some(&p.staff_id), reason: &reason };
    let total = plan.moves.len().div_ceil(BATCH).max(1);
    for (n, batch) in plan.moves.chunks(BATCH).enumerate() {
        let skipped = write_tx(conn, |c| -> Result<usize> {
            let mut skipped = 0;
            for m in batch {
                if !store::set_rm(c, &m.customer_id, m.from.as_deref(), Some(&m.to), by, now)? {
                    skipped += 1;
                } else if let Some(from) = &m.from {
                    // Their WeCom contacts follow them to the new RM (started by the engine).
                    crate::wecom::transfers::queue_on_reassign(c, &m.customer_id, from, &m.to, by.actor, now)?;
                }
            }
            audit::append(
                c,
                &p.audit(meta),
                &AuditEvent { reason: reason.clone(), ..AuditEvent::success("customer.assign", "customer", "") }
                    .with_detail(serde_json::json!({
                        "target": rule.target.kind(), "batch": n + 1, "batches": total,
                        "moved": batch.len() - skipped, "skipped": skipped,
                        "matched": plan.matched, "unchanged": plan.unchanged,
                    })),
                now,
            )?;
            Ok(skipped)
        })?;
        out.batches += 1;
        out.skipped += skipped;
        out.moved -= skipped;
    }
    if plan.moves.is_empty() {
        write_tx(conn, |c| {
            audit::append(
                c,
                &p.audit(meta),
                &AuditEvent { reason: reason.clone(), ..AuditEvent::success("customer.assign", "customer", "") }
                    .with_detail(serde_json::json!({"target": rule.target.kind(), "moved": 0,
                        "matched": plan.matched, "unchanged": plan.unchanged})),
                now,
            )
        })?;
    }
    Ok(out)
}

/// The customers of an RM who resigns go to the remote direct-operations team, round-robin, in the caller's
/// transaction; with nobody there to take them the resignation is refused, naming how many need an owner.
/// Returns how many were reassigned.
pub fn hand_over_on_resignation(
    c: &mut DbConn,
    by: &Principal,
    rm: &staff::Staff,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize> {
    let n = store::count_managed(c, &rm.id)?;
    if n == 0 {
        return Ok(0);
    }
    let pool: Vec<String> = store::remote_team(c)?.into_iter().filter(|s| *s != rm.id).collect();
    if pool.is_empty() {
        return Err(AppError::refused(
            "customers_need_owner",
            format!(
                "{n} customers are still managed by this RM and no active remote-team RM can take them: reassign them \
                 first (POST /api/v1/assignments/apply)"
            ),
            format!("该客户经理仍管户 {n} 位客户，且没有在职的远程直营客户经理可以接手：请先重新分配这些客户"),
        ));
    }
    let q = Candidates {
        node_path: String::new(),
        aum_bands: None,
        risk_levels: vec![],
        current_rm: CurrentRm::Staff(rm.id.clone()),
        ids: None,
    };
    let plan = plan(&store::candidates(c, &q)?, &pool);
    let reason = format!("resignation of {}", rm.employee_no);
    let by = By { actor: Some(&by.staff_id), reason: &reason };
    for m in &plan.moves {
        store::set_rm(c, &m.customer_id, m.from.as_deref(), Some(&m.to), by, now)?;
        // The WeCom contacts go to the new RM too: the resigned flow once the RM has left (engine).
        crate::wecom::transfers::queue_on_reassign(c, &m.customer_id, &rm.id, &m.to, by.actor, now)?;
    }
    Ok(plan.moves.len())
}

/// A customer's managing RM and outlet history (管户关系), oldest first.
pub fn history(conn: &mut DbConn, p: &Principal, customer_id: &str) -> Result<Vec<HistoryEntry>> {
    p.require(Permission::CustomerRead)?;
    customers::get_in_scope(conn, customer_id, &p.scope)?;
    Ok(history::list(conn, Subject::Customer, customer_id)?)
}
