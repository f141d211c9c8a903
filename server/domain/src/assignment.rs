//! Assignment (管户) rules: which customers a rule takes (by AUM band, never the amount), who they go to, and the
//! plan of moves — the same plan for the preview and for applying it, so a preview tells exactly what applying does.

use std::collections::{BTreeMap, BTreeSet};

/// The labels of the AUM bands lying wholly inside `[min_yuan, max_yuan)` (an open side is unbounded), for the
/// band edges `bounds_yuan`. A range whose ends are not band edges cannot be told from bands and is refused: the
/// rule never decrypts an amount.
pub fn bands_in(min_yuan: Option<i64>, max_yuan: Option<i64>, bounds_yuan: &[i64]) -> Result<Vec<String>, String> {
    for v in [min_yuan, max_yuan].into_iter().flatten() {
        if !bounds_yuan.contains(&v) {
            return Err(format!("{v} is not a band edge; the edges are {bounds_yuan:?}"));
        }
    }
    if let (Some(a), Some(b)) = (min_yuan, max_yuan) {
        if a >= b {
            return Err("the lower end must be below the upper end".into());
        }
    }
    // Band i covers [lo, hi) with lo = edges[i-1] (or -inf) and hi = edges[i] (or +inf); one sample amount each.
    let mut out = vec![];
    for i in 0..=bounds_yuan.len() {
        let lo = if i == 0 { None } else { Some(bounds_yuan[i - 1]) };
        let hi = bounds_yuan.get(i).copied();
        let from_ok = match (min_yuan, lo) {
            (None, _) => true,
            (Some(m), Some(l)) => l >= m,
            (Some(_), None) => false,
        };
        let to_ok = match (max_yuan, hi) {
            (None, _) => true,
            (Some(m), Some(h)) => h <= m,
            (Some(_), None) => false,
        };
        if from_ok && to_ok {
            let sample = lo.unwrap_or(i64::MIN / 200).saturating_mul(100);
            out.push(crate::pii::aum_band(sample, bounds_yuan));
        }
    }
    Ok(out)
}

/// Which current owner a rule takes customers from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CurrentRm {
    Any,
    /// No managing RM at all.
    None,
    /// A managing RM who has resigned.
    Resigned,
    /// No RM, or one who is not active (resigned or suspended).
    NoActive,
    /// This RM.
    Staff(String),
}

impl CurrentRm {
    /// `any`, `none`, `resigned`, `no_active`, or a staff id.
    pub fn parse(s: Option<&str>) -> Self {
        match s {
            None | Some("any") => CurrentRm::Any,
            Some("none") => CurrentRm::None,
            Some("resigned") => CurrentRm::Resigned,
            Some("no_active") => CurrentRm::NoActive,
            Some(id) => CurrentRm::Staff(id.to_string()),
        }
    }
}

/// One customer's move: from their current RM to a new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub customer_id: String,
    pub from: Option<String>,
    pub to: String,
}

/// What a rule does to the customers it matched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub matched: usize,
    /// Customers already with one of the target's RMs: left as they are.
    pub unchanged: usize,
    pub moves: Vec<Move>,
    /// New customers per target RM.
    pub per_target: BTreeMap<String, usize>,
}

/// Plans a rule: `customers` are (id, current RM) of the matched customers, `pool` the target's RMs (one for an
/// RM, the members for a team or the remote team). A customer already owned by someone in the pool stays; the
/// others are dealt round-robin in customer-id order over the pool in id order, so the outcome depends only on the
/// data and is the same for the preview and for applying.
pub fn plan(customers: &[(String, Option<String>)], pool: &[String]) -> Plan {
    let members: BTreeSet<&String> = pool.iter().collect();
    let members: Vec<&String> = members.into_iter().collect();
    let mut sorted: Vec<&(String, Option<String>)> = customers.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Plan { matched: customers.len(), ..Plan::default() };
    if members.is_empty() {
        return out;
    }
    let mut next = 0usize;
    for (id, current) in sorted {
        if current.as_ref().is_some_and(|c| members.contains(&c)) {
            out.unchanged += 1;
            continue;
        }
        let to = members[next % members.len()].clone();
        next += 1;
        *out.per_target.entry(to.clone()).or_default() += 1;
        out.moves.push(Move { customer_id: id.clone(), from: current.clone(), to });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pii::DEFAULT_AUM_BOUNDS_YUAN as B;

    #[test]
    fn bands_of_a_range() {
        assert_eq!(bands_in(Some(50_000), Some(500_000), B).unwrap(), vec!["50K-500K"]);
        assert_eq!(bands_in(None, Some(500_000), B).unwrap(), vec!["<50K", "50K-500K"]);
        assert_eq!(bands_in(Some(3_000_000), None, B).unwrap(), vec!["3M-10M", ">=10M"]);
        assert_eq!(bands_in(None, None, B).unwrap().len(), 5);
        assert!(bands_in(Some(60_000), None, B).is_err());
        assert!(bands_in(Some(500_000), Some(50_000), B).is_err());
    }

    #[test]
    fn round_robin_keeps_owners_in_the_pool() {
        let c = |id: &str, rm: Option<&str>| (id.to_string(), rm.map(String::from));
        let customers = vec![c("c3", None), c("c1", Some("old")), c("c2", Some("b")), c("c4", None)];
        let p = plan(&customers, &["b".into(), "a".into()]);
        assert_eq!((p.matched, p.unchanged, p.moves.len()), (4, 1, 3));
        let to: Vec<_> = p.moves.iter().map(|m| (m.customer_id.as_str(), m.to.as_str())).collect();
        assert_eq!(to, vec![("c1", "a"), ("c3", "b"), ("c4", "a")]);
        assert_eq!(p.per_target.get("a"), Some(&2));
        assert_eq!(plan(&customers, &[]).moves.len(), 0);
    }

    #[test]
    fn current_rm_words() {
        assert_eq!(CurrentRm::parse(None), CurrentRm::Any);
        assert_eq!(CurrentRm::parse(Some("no_active")), CurrentRm::NoActive);
        assert_eq!(CurrentRm::parse(Some("x")), CurrentRm::Staff("x".into()));
    }
}
