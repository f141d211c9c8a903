//! Staff rows, the paged staff list and staff history.

use crate::conn::{DbConn, MultiBackend};
use crate::error::{Result, StoreError};
use crate::page::{escape_like, Order, Page, Paged};
use crate::schema::{accounts, org_nodes, role_assignments, staff};
use crate::time::{from_db, to_db};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use siyu_domain::ids::StaffId;
use siyu_domain::org::Scope;
use siyu_domain::staff::StaffStatus;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = staff)]
struct Row {
    id: String,
    employee_no: String,
    name: String,
    node_id: String,
    wecom_userid: Option<String>,
    status: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// A member of staff with the node they belong to and their login name.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Staff {
    pub id: String,
    pub employee_no: String,
    pub name: String,
    pub node_id: String,
    pub node_name: String,
    pub node_path: String,
    pub wecom_userid: Option<String>,
    pub status: String,
    pub username: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

type Joined = (Row, (String, String), Option<String>);

fn to_staff((r, (node_name, node_path), username): Joined) -> Staff {
    Staff {
        id: r.id,
        employee_no: r.employee_no,
        name: r.name,
        node_id: r.node_id,
        node_name,
        node_path,
        wecom_userid: r.wecom_userid,
        status: r.status,
        username,
        created_at: from_db(r.created_at),
        updated_at: from_db(r.updated_at),
    }
}

pub struct NewStaff<'a> {
    pub employee_no: &'a str,
    pub name: &'a str,
    pub node_id: &'a str,
    pub wecom_userid: Option<&'a str>,
}

pub fn insert(conn: &mut DbConn, n: NewStaff<'_>, now: DateTime<Utc>) -> Result<String> {
    let row = Row {
        id: StaffId::new().to_string(),
        employee_no: n.employee_no.into(),
        name: n.name.into(),
        node_id: n.node_id.into(),
        wecom_userid: n.wecom_userid.map(Into::into),
        status: StaffStatus::Active.as_str().into(),
        created_at: to_db(now),
        updated_at: to_db(now),
    };
    diesel::insert_into(staff::table).values(&row).execute(conn)?;
    Ok(row.id)
}

macro_rules! joined_query {
    () => {
        staff::table.inner_join(org_nodes::table).left_join(accounts::table).select((
            Row::as_select(),
            (org_nodes::name, org_nodes::path),
            accounts::username.nullable(),
        ))
    };
}

pub fn get(conn: &mut DbConn, id: &str) -> Result<Staff> {
    let j: Joined = joined_query!().filter(staff::id.eq(id)).first(conn)?;
    Ok(to_staff(j))
}

pub fn by_employee_no(conn: &mut DbConn, employee_no: &str) -> Result<Option<Staff>> {
    let j: Option<Joined> = joined_query!().filter(staff::employee_no.eq(employee_no)).first(conn).optional()?;
    Ok(j.map(to_staff))
}

/// A member of staff only if they belong to a node inside `scope`; otherwise "not found".
pub fn get_in_scope(conn: &mut DbConn, id: &str, scope: &Scope) -> Result<Staff> {
    let s = get(conn, id)?;
    if scope.contains(&s.node_path) {
        Ok(s)
    } else {
        Err(StoreError::OutOfScope { target_type: "staff", target_id: s.id })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    Name,
    EmployeeNo,
    CreatedAt,
    Status,
}

impl SortBy {
    pub fn parse(s: Option<&str>) -> Option<Self> {
        match s {
            None | Some("name") => Some(SortBy::Name),
            Some("employee_no") => Some(SortBy::EmployeeNo),
            Some("created_at") => Some(SortBy::CreatedAt),
            Some("status") => Some(SortBy::Status),
            Some(_) => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct StaffFilter {
    pub scope: Scope,
    /// Part of a name, employee number or user name, case-insensitive.
    pub q: Option<String>,
    /// Path prefix of a node inside the scope: that node's subtree.
    pub node_path: Option<String>,
    pub status: Option<StaffStatus>,
    pub role: Option<String>,
}

/// The staff query with `f` applied (a macro because the boxed join's type is unwieldy to name).
macro_rules! filtered {
    ($f:expr) => {{
        let f: &StaffFilter = $f;
        let mut q = joined_query!().into_boxed::<MultiBackend>();
        q = q.filter(org_nodes::path.like(format!("{}%", escape_like(f.scope.prefix()))).escape('\\'));
        if let Some(p) = &f.node_path {
            q = q.filter(org_nodes::path.like(format!("{}%", escape_like(p))).escape('\\'));
        }
        if let Some(text) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let pat = format!("%{}%", escape_like(&text.to_lowercase()));
            q = q.filter(
                lower(staff::name)
                    .like(pat.clone())
                    .escape('\\')
                    .or(lower(staff::employee_no).like(pat.clone()).escape('\\'))
                    .or(lower(accounts::username).like(pat).escape('\\')),
            );
        }
        if let Some(s) = f.status {
            q = q.filter(staff::status.eq(s.as_str()));
        }
        if let Some(r) = &f.role {
            q = q.filter(staff::id.eq_any(
                role_assignments::table.filter(role_assignments::role.eq(r.clone())).select(role_assignments::staff_id),
            ));
        }
        q
    }};
}

pub fn list(conn: &mut DbConn, f: &StaffFilter, sort: SortBy, order: Order, page: Page) -> Result<Paged<Staff>> {
    let total: i64 = filtered!(f).count().get_result(conn)?;
    let q = filtered!(f);
    let q = match (sort, order) {
        (SortBy::Name, Order::Asc) => q.order((staff::name.asc(), staff::id.asc())),
        (SortBy::Name, Order::Desc) => q.order((staff::name.desc(), staff::id.asc())),
        (SortBy::EmployeeNo, Order::Asc) => q.order(staff::employee_no.asc()),
        (SortBy::EmployeeNo, Order::Desc) => q.order(staff::employee_no.desc()),
        (SortBy::CreatedAt, Order::Asc) => q.order((staff::created_at.asc(), staff::id.asc())),
        (SortBy::CreatedAt, Order::Desc) => q.order((staff::created_at.desc(), staff::id.asc())),
        (SortBy::Status, Order::Asc) => q.order((staff::status.asc(), staff::id.asc())),
        (SortBy::Status, Order::Desc) => q.order((staff::status.desc(), staff::id.asc())),
    };
    let rows: Vec<Joined> = q.offset(page.offset()).limit(page.limit()).load(conn)?;
    Ok(page.wrap(rows.into_iter().map(to_staff).collect(), total))
}

pub fn update_profile(
    conn: &mut DbConn,
    id: &str,
    name: Option<&str>,
    wecom_userid: Option<Option<&str>>,
    now: DateTime<Utc>,
) -> Result<()> {
    if let Some(n) = name {
        diesel::update(staff::table.find(id)).set(staff::name.eq(n)).execute(conn)?;
    }
    if let Some(w) = wecom_userid {
        diesel::update(staff::table.find(id)).set(staff::wecom_userid.eq(w)).execute(conn)?;
    }
    diesel::update(staff::table.find(id)).set(staff::updated_at.eq(to_db(now))).execute(conn)?;
    Ok(())
}

pub fn set_node(conn: &mut DbConn, id: &str, node_id: &str, now: DateTime<Utc>) -> Result<()> {
    diesel::update(staff::table.find(id))
        .set((staff::node_id.eq(node_id), staff::updated_at.eq(to_db(now))))
        .execute(conn)?;
    Ok(())
}

pub fn set_status(conn: &mut DbConn, id: &str, status: StaffStatus, now: DateTime<Utc>) -> Result<()> {
    diesel::update(staff::table.find(id))
        .set((staff::status.eq(status.as_str()), staff::updated_at.eq(to_db(now))))
        .execute(conn)?;
    Ok(())
}
