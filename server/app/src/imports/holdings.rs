//! The holdings dataset of an import: each record validated, its customer found by customer number (blind
//! index), merged with the holding already stored (net values move forward, the purchase NAV stays), sealed and
//! staged.

use super::seal::{par_map, HoldingSealer};
use super::{CheckedFile, Prepared};
use crate::error::Result;
use crate::Env;
use siyu_domain::customer::Rejection;
use siyu_domain::layout;
use siyu_domain::org::Scope;
use siyu_store::holding_imports::{self, StagedHolding};
use siyu_store::imports::RejectRow;
use siyu_store::time::to_db;
use siyu_store::DbConn;
use std::collections::{HashMap, HashSet};

/// Validates, resolves and seals one batch of holding records. A customer outside `scope` is unknown. A holding
/// named twice within the batch is left out here, one named in an earlier batch too when publishing
/// (`holding_imports::reject_repeats`).
/// `fresh`: the holdings table is known to be empty (a direct first load, which locks it): nothing to merge with.
pub(super) fn prepare(
    conn: &mut DbConn,
    env: &Env,
    scope: &Scope,
    fresh: bool,
    file: &CheckedFile,
    records: Vec<(i64, Vec<String>)>,
    mut rejects: Vec<RejectRow>,
) -> Result<Prepared> {
    let sealer = HoldingSealer::new(&env.vault)?;
    let no_idx = env.vault.indexer(siyu_store::sealed::CUSTOMER_NO.field_class).map_err(crate::keys::vault_err)?;
    let now = to_db(env.now());
    let mut valid = Vec::with_capacity(records.len());
    for (line_no, values) in &records {
        let reject =
            |field: &str, reason: &str| RejectRow { line_no: *line_no, field: field.into(), reason: reason.into() };
        let input = match layout::holding_of(&file.fields, values) {
            Ok(i) => i,
            Err((field, reason)) => {
                rejects.push(reject(field, reason));
                continue;
            }
        };
        match input.validate() {
            Ok(v) => {
                let idx = no_idx.index(&v.customer_no);
                valid.push((*line_no, v, idx));
            }
            Err(Rejection { field, reason }) => rejects.push(reject(field, reason)),
        }
    }
    // Two queries for the whole batch: the customers and their stored holdings.
    // A customer's holdings come together in the file: each customer is looked up once (a random probe into a
    // large index is the dearest part of staging holdings).
    let mut idxs: Vec<String> = valid.iter().map(|x| x.2.clone()).collect();
    idxs.sort_unstable();
    idxs.dedup();
    let customers = siyu_store::customers::in_scope_by_idx(conn, &idxs, scope)?;
    let ids: Vec<String> = customers.values().cloned().collect();
    let stored_rows = if fresh { Vec::new() } else { siyu_store::holdings::for_customers(conn, &ids)? };
    let stored: HashMap<(String, String), _> =
        stored_rows.into_iter().map(|h| ((h.customer_id.clone(), h.product_code.clone()), h)).collect();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut to_seal = Vec::with_capacity(valid.len());
    for (line_no, v, idx) in valid {
        let Some(customer_id) = customers.get(&idx) else {
            rejects.push(RejectRow { line_no, field: "customer_no".into(), reason: "unknown customer".into() });
            continue;
        };
        let key = (customer_id.clone(), v.product_code.clone());
        if !seen.insert(key.clone()) {
            rejects.push(RejectRow { line_no, field: "product_code".into(), reason: holding_imports::REPEATED.into() });
            continue;
        }
        to_seal.push((line_no, v, customer_id.clone(), stored.get(&key)));
    }
    let rows = par_map(to_seal, |(line_no, v, customer_id, existing)| {
        Ok(StagedHolding { line_no, existing: existing.is_some(), row: sealer.row(&v, &customer_id, existing, now)? })
    })?;
    Ok(Prepared::Holdings { rows, rejects })
}
