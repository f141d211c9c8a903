//! Identity resolution (One-ID): when two customer records are one person, and what merging them moves. Records
//! are compared by their keyed indexes only, never by values; a merge is explained by the names of the identifiers
//! that matched.

use std::collections::BTreeSet;

/// What identifies a customer record, as keyed indexes.
#[derive(Debug, Clone, Default)]
pub struct Identifiers {
    pub id: String,
    pub customer_no_idx: String,
    pub mobile_idx: Option<String>,
    pub id_number_idx: Option<String>,
    /// The record this one was merged into, if any.
    pub merged_into: Option<String>,
}

/// The identifiers two records share, by name (`customer_no`, `mobile`, `id_number`).
pub fn matched(a: &Identifiers, b: &Identifiers) -> Vec<&'static str> {
    let same = |x: &Option<String>, y: &Option<String>| matches!((x, y), (Some(x), Some(y)) if x == y);
    let mut out = vec![];
    if a.customer_no_idx == b.customer_no_idx {
        out.push("customer_no");
    }
    if same(&a.mobile_idx, &b.mobile_idx) {
        out.push("mobile");
    }
    if same(&a.id_number_idx, &b.id_number_idx) {
        out.push("id_number");
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeRefusal {
    #[error("a record cannot be merged into itself")]
    Same,
    #[error("one of the records has already been merged")]
    AlreadyMerged,
    #[error("the records share no customer number, mobile or ID number")]
    NothingInCommon,
}

impl MergeRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            MergeRefusal::Same => "merge_same",
            MergeRefusal::AlreadyMerged => "already_merged",
            MergeRefusal::NothingInCommon => "nothing_in_common",
        }
    }

    pub fn message_zh(&self) -> &'static str {
        match self {
            MergeRefusal::Same => "不能将记录合并到自身",
            MergeRefusal::AlreadyMerged => "其中一条记录已被合并",
            MergeRefusal::NothingInCommon => "两条记录没有相同的客户号、手机号或证件号",
        }
    }
}

/// Whether `merged` may be merged into `survivor`; the explanation (identifiers matched) when it may.
pub fn check_merge(survivor: &Identifiers, merged: &Identifiers) -> Result<Vec<&'static str>, MergeRefusal> {
    if survivor.id == merged.id {
        return Err(MergeRefusal::Same);
    }
    if survivor.merged_into.is_some() || merged.merged_into.is_some() {
        return Err(MergeRefusal::AlreadyMerged);
    }
    let m = matched(survivor, merged);
    if m.is_empty() {
        return Err(MergeRefusal::NothingInCommon);
    }
    Ok(m)
}

/// Which of the merged record's rows move to the survivor: those whose key (a holding's product code, an event's
/// kind, date and reference) the survivor does not already have. The rest stay on the merged record, where an
/// unmerge finds them untouched. Returns (moved ids, kept ids).
pub fn movable<K: Ord + Clone>(survivor_keys: &[K], merged_rows: &[(String, K)]) -> (Vec<String>, Vec<String>) {
    let taken: BTreeSet<&K> = survivor_keys.iter().collect();
    let (mut moved, mut kept) = (vec![], vec![]);
    for (id, key) in merged_rows {
        if taken.contains(key) {
            kept.push(id.clone());
        } else {
            moved.push(id.clone());
        }
    }
    (moved, kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: &str, no: &str, mobile: Option<&str>) -> Identifiers {
        Identifiers {
            id: id.into(),
            customer_no_idx: no.into(),
            mobile_idx: mobile.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn a_merge_is_explained_and_checked() {
        let a = rec("a", "n1", Some("m1"));
        let b = rec("b", "n2", Some("m1"));
        assert_eq!(check_merge(&a, &b), Ok(vec!["mobile"]));
        assert_eq!(check_merge(&a, &a), Err(MergeRefusal::Same));
        assert_eq!(check_merge(&a, &rec("c", "n3", None)), Err(MergeRefusal::NothingInCommon));
        assert_eq!(check_merge(&a, &rec("d", "n4", None)).unwrap_err().code(), "nothing_in_common");
        let merged = Identifiers { merged_into: Some("x".into()), ..b.clone() };
        assert_eq!(check_merge(&a, &merged), Err(MergeRefusal::AlreadyMerged));
        // Absent identifiers never match each other.
        assert!(matched(&rec("a", "n1", None), &rec("b", "n2", None)).is_empty());
    }

    #[test]
    fn rows_the_survivor_has_stay() {
        let (moved, kept) = movable(&["P1".to_string()], &[("h1".into(), "P1".into()), ("h2".into(), "P2".into())]);
        assert_eq!((moved, kept), (vec!["h2".to_string()], vec!["h1".to_string()]));
    }
}
