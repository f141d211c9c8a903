//! The customer dataset of an import: each record validated, its outlet and RM resolved, sealed and staged.

use super::seal::{par_map, CustomerSealers, CustomerToSeal};
use super::{CheckedFile, Prepared};
use crate::error::Result;
use crate::Env;
use siyu_domain::customer::Rejection;
use siyu_domain::layout;
use siyu_domain::org::Scope;
use siyu_store::imports::{self, RejectRow, StagedRow, Unchanged};
use siyu_store::time::to_db;
use siyu_store::DbConn;
use std::collections::{HashMap, HashSet};

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

/// Validates, resolves and seals one batch of customer records. `fresh`: the table is known to be empty (a direct
/// first load, which locks it), so there is no stored customer to look up.
#[allow(clippy::too_many_arguments)]
pub(super) fn prepare(
    conn: &mut DbConn,
    env: &Env,
    scope: &Scope,
    fresh: bool,
    file: &CheckedFile,
    records: Vec<(i64, Vec<String>)>,
    mut rejects: Vec<RejectRow>,
    resolver: &mut Resolver,
) -> Result<Prepared> {
    let sealers = CustomerSealers::new(&env.vault)?;
    let now = to_db(env.now());
    let mut to_seal = Vec::with_capacity(records.len());
    let mut seen: HashSet<String> = HashSet::new();
    let mut valid = Vec::with_capacity(records.len());
    for (line_no, values) in &records {
        let reject =
            |field: &str, reason: &str| RejectRow { line_no: *line_no, field: field.into(), reason: reason.into() };
        let input = match layout::customer_of(&file.fields, values) {
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
        let idx = sealers.no_idx.index(&v.customer_no);
        valid.push((*line_no, v, node, rm, idx));
    }
    // Two queries for the whole batch, not two per row.
    let idxs: Vec<String> = valid.iter().map(|x| x.4.clone()).collect();
    let existing = if fresh { HashMap::new() } else { siyu_store::customers::existing_by_idx(conn, &idxs)? };
    let mut unchanged = Vec::new();
    for (line_no, v, node, rm, idx) in valid {
        // A repeat within the batch is left out here; one in an earlier batch when publishing
        // (`imports::reject_repeats`).
        if !seen.insert(idx.clone()) {
            rejects.push(RejectRow { line_no, field: "customer_no".into(), reason: imports::REPEATED.into() });
            continue;
        }
        let row_digest = sealers.row_idx.index(&v.import_text(&node, rm.as_deref()));
        let (id, created_at, is_existing) = match existing.get(&idx) {
            // What the last import wrote, and nobody changed since: nothing to seal or write.
            Some(e) if e.row_digest.as_deref() == Some(row_digest.as_str()) => {
                unchanged.push(Unchanged { line_no, customer_no_idx: idx });
                continue;
            }
            Some(e) => (e.id.clone(), e.created_at, true),
            None => (uuid::Uuid::now_v7().to_string(), now, false),
        };
        to_seal.push(CustomerToSeal {
            line_no,
            existing: is_existing,
            v,
            id,
            node_id: node,
            rm_staff_id: rm,
            created_at,
            row_digest,
        });
    }
    // Sealing is the costly part: on every core, in order.
    let rows = par_map(to_seal, |c| {
        let (line_no, existing) = (c.line_no, c.existing);
        Ok(StagedRow { line_no, existing, row: sealers.row(c, now)? })
    })?;
    Ok(Prepared::Customers { rows, rejects, unchanged })
}
