//! The organisation tree's rows and queries.

use crate::conn::DbConn;
use crate::error::{Result, StoreError};
use crate::schema::org_nodes;
use crate::time::{from_db, to_db};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use siyu_domain::ids::OrgNodeId;
use siyu_domain::org::{self, NodeKind, Scope};

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = org_nodes)]
struct Row {
    id: String,
    parent_id: Option<String>,
    code: String,
    name: String,
    kind: String,
    path: String,
    depth: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct OrgNode {
    pub id: String,
    pub parent_id: Option<String>,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub path: String,
    pub depth: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Row> for OrgNode {
    fn from(r: Row) -> Self {
        Self {
            id: r.id,
            parent_id: r.parent_id,
            code: r.code,
            name: r.name,
            kind: r.kind,
            path: r.path,
            depth: r.depth,
            created_at: from_db(r.created_at),
            updated_at: from_db(r.updated_at),
        }
    }
}

pub struct NewNode<'a> {
    pub parent: Option<&'a OrgNode>,
    pub code: &'a str,
    pub name: &'a str,
    pub kind: NodeKind,
}

pub fn insert(conn: &mut DbConn, n: NewNode<'_>, now: DateTime<Utc>) -> Result<OrgNode> {
    let id = OrgNodeId::new();
    let path = match n.parent {
        Some(p) => org::child_path(&p.path, id),
        None => org::root_path(id),
    };
    let row = Row {
        id: id.to_string(),
        parent_id: n.parent.map(|p| p.id.clone()),
        code: n.code.to_string(),
        name: n.name.to_string(),
        kind: n.kind.as_str().into(),
        depth: org::depth_of(&path),
        path,
        created_at: to_db(now),
        updated_at: to_db(now),
    };
    diesel::insert_into(org_nodes::table).values(&row).execute(conn)?;
    Ok(row.into())
}

pub fn get(conn: &mut DbConn, id: &str) -> Result<OrgNode> {
    let row: Row = org_nodes::table.find(id).select(Row::as_select()).first(conn)?;
    Ok(row.into())
}

/// A node only if it lies inside `scope`; outside it is "not found", exactly like a missing one.
pub fn get_in_scope(conn: &mut DbConn, id: &str, scope: &Scope) -> Result<OrgNode> {
    let node = get(conn, id)?;
    if scope.contains(&node.path) {
        Ok(node)
    } else {
        Err(StoreError::OutOfScope { target_type: "org_node", target_id: node.id })
    }
}

pub fn by_code(conn: &mut DbConn, code: &str) -> Result<Option<OrgNode>> {
    let row: Option<Row> =
        org_nodes::table.filter(org_nodes::code.eq(code)).select(Row::as_select()).first(conn).optional()?;
    Ok(row.map(Into::into))
}

pub fn root(conn: &mut DbConn) -> Result<Option<OrgNode>> {
    let row: Option<Row> =
        org_nodes::table.filter(org_nodes::parent_id.is_null()).select(Row::as_select()).first(conn).optional()?;
    Ok(row.map(Into::into))
}

/// Every node of the subtree, parents before children.
pub fn list_subtree(conn: &mut DbConn, scope: &Scope) -> Result<Vec<OrgNode>> {
    let rows: Vec<Row> = org_nodes::table
        .filter(org_nodes::path.like(format!("{}%", crate::page::escape_like(scope.prefix()))).escape('\\'))
        .order((org_nodes::depth.asc(), org_nodes::code.asc()))
        .select(Row::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub fn rename(conn: &mut DbConn, id: &str, name: &str, now: DateTime<Utc>) -> Result<()> {
    let n = diesel::update(org_nodes::table.find(id))
        .set((org_nodes::name.eq(name), org_nodes::updated_at.eq(to_db(now))))
        .execute(conn)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Moves `node` under `new_parent`, rewriting the paths of its whole subtree.
pub fn move_node(conn: &mut DbConn, node: &OrgNode, new_parent: &OrgNode, now: DateTime<Utc>) -> Result<()> {
    let node_id: OrgNodeId = node.id.parse().map_err(|_| StoreError::Corrupt("org node id".into()))?;
    let new_path = org::child_path(&new_parent.path, node_id);
    let subtree: Vec<(String, String)> = org_nodes::table
        .filter(org_nodes::path.like(format!("{}%", crate::page::escape_like(&node.path))).escape('\\'))
        .select((org_nodes::id, org_nodes::path))
        .load(conn)?;
    for (id, path) in subtree {
        let moved = org::rebase_path(&path, &node.path, &new_path)
            .ok_or_else(|| StoreError::Corrupt("org subtree path".into()))?;
        diesel::update(org_nodes::table.find(&id))
            .set((
                org_nodes::depth.eq(org::depth_of(&moved)),
                org_nodes::path.eq(moved),
                org_nodes::updated_at.eq(to_db(now)),
            ))
            .execute(conn)?;
    }
    diesel::update(org_nodes::table.find(&node.id)).set(org_nodes::parent_id.eq(&new_parent.id)).execute(conn)?;
    Ok(())
}
