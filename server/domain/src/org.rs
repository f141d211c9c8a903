//! The organisation tree: head office → branches → sub-branches/outlets → teams, any depth.
//!
//! Each node stores its materialised path (`/root-id/child-id/…/own-id/`), so "everything in my subtree" is a
//! prefix test, both here and in SQL.

use crate::ids::OrgNodeId;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    HeadOffice,
    Branch,
    SubBranch,
    Outlet,
    Team,
}

impl NodeKind {
    pub const ALL: [NodeKind; 5] =
        [NodeKind::HeadOffice, NodeKind::Branch, NodeKind::SubBranch, NodeKind::Outlet, NodeKind::Team];

    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::HeadOffice => "head_office",
            NodeKind::Branch => "branch",
            NodeKind::SubBranch => "sub_branch",
            NodeKind::Outlet => "outlet",
            NodeKind::Team => "team",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The materialised path of a node whose parent has `parent_path`.
pub fn child_path(parent_path: &str, id: OrgNodeId) -> String {
    format!("{parent_path}{id}/")
}

/// The path of a root node.
pub fn root_path(id: OrgNodeId) -> String {
    format!("/{id}/")
}

/// Depth of a node from its path: the root is 0.
pub fn depth_of(path: &str) -> i64 {
    (path.matches('/').count() as i64 - 2).max(0)
}

/// What a principal may see: the subtree under one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    path: String,
}

impl Scope {
    pub fn subtree(path: impl Into<String>) -> Self {
        Self { path: path.into() }
    }

    /// The path prefix every node inside the scope starts with.
    pub fn prefix(&self) -> &str {
        &self.path
    }

    pub fn contains(&self, node_path: &str) -> bool {
        node_path.starts_with(&self.path)
    }
}

/// Why a move of the tree is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoveError {
    #[error("a node cannot be moved under itself or one of its descendants")]
    IntoOwnSubtree,
    #[error("the root of the organisation cannot be moved")]
    Root,
}

impl MoveError {
    pub fn message_zh(&self) -> String {
        match self {
            MoveError::IntoOwnSubtree => "不能把机构移动到它自己或它的下级机构之下".into(),
            MoveError::Root => "总行（根机构）不能移动".into(),
        }
    }
}

/// Checks a move of the node at `node_path` under the node at `new_parent_path`.
pub fn check_move(node_path: &str, new_parent_path: &str, node_is_root: bool) -> Result<(), MoveError> {
    if node_is_root {
        return Err(MoveError::Root);
    }
    if new_parent_path.starts_with(node_path) {
        return Err(MoveError::IntoOwnSubtree);
    }
    Ok(())
}

/// The path of a descendant after its ancestor moved from `old_prefix` to `new_prefix`.
pub fn rebase_path(path: &str, old_prefix: &str, new_prefix: &str) -> Option<String> {
    path.strip_prefix(old_prefix).map(|rest| format!("{new_prefix}{rest}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_scope() {
        let root = OrgNodeId::new();
        let branch = OrgNodeId::new();
        let other = OrgNodeId::new();
        let rp = root_path(root);
        let bp = child_path(&rp, branch);
        let op = child_path(&rp, other);
        assert_eq!(depth_of(&rp), 0);
        assert_eq!(depth_of(&bp), 1);
        let scope = Scope::subtree(bp.clone());
        assert!(scope.contains(&bp));
        assert!(scope.contains(&child_path(&bp, OrgNodeId::new())));
        assert!(!scope.contains(&op));
        assert!(!scope.contains(&rp));
        assert!(Scope::subtree(rp).contains(&op));
    }

    #[test]
    fn moves() {
        let rp = root_path(OrgNodeId::new());
        let a = child_path(&rp, OrgNodeId::new());
        let a1 = child_path(&a, OrgNodeId::new());
        let b = child_path(&rp, OrgNodeId::new());
        assert_eq!(check_move(&a, &a1, false), Err(MoveError::IntoOwnSubtree));
        assert_eq!(check_move(&a, &a, false), Err(MoveError::IntoOwnSubtree));
        assert_eq!(check_move(&rp, &b, true), Err(MoveError::Root));
        assert!(check_move(&a, &b, false).is_ok());
        let new_a = child_path(&b, OrgNodeId::new());
        let moved = rebase_path(&a1, &a, &new_a).unwrap();
        assert!(moved.starts_with(&new_a));
        assert_eq!(depth_of(&moved), 3);
        assert_eq!(rebase_path(&b, &a, &new_a), None);
    }

    #[test]
    fn node_kinds_round_trip() {
        for k in NodeKind::ALL {
            assert_eq!(NodeKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(NodeKind::parse("galaxy"), None);
    }
}
