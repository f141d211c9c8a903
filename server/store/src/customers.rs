//! Customers as stored: sealed values and blind indexes only; this module never sees a plaintext.

use crate::conn::DbConn;
use crate::error::{Result, StoreError};
use crate::page::escape_like;
use crate::schema::{customers, org_nodes};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use siyu_domain::org::Scope;

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = customers, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct CustomerRow {
    pub id: String,
    pub customer_no: String,
    pub customer_no_idx: String,
    pub name: String,
    pub name_idx: String,
    pub gender: String,
    pub birth_date: Option<String>,
    pub id_number: Option<String>,
    pub id_number_idx: Option<String>,
    pub mobile: Option<String>,
    pub mobile_idx: Option<String>,
    pub risk_level: Option<String>,
    pub risk_assessed_on: Option<String>,
    pub aum: Option<String>,
    pub aum_band: String,
    pub node_id: String,
    pub rm_staff_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Keyed indexes of the name's first character and first two characters (search by name prefix).
    pub name_p1_idx: Option<String>,
    pub name_p2_idx: Option<String>,
    pub address: Option<String>,
    /// Keyed index of the normalised whole address (`egress::normalize_address`), for the egress guard.
    pub address_idx: Option<String>,
    /// Keyed MAC of what the last import wrote (the import's own fields, with the outlet and RM it resolved): a
    /// file repeating them leaves the row alone. Any other writer clears it.
    pub row_digest: Option<String>,
}

/// Which blind index a search uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    CustomerNo,
    Mobile,
    IdNumber,
    /// The name's first character.
    NamePrefix1,
    /// The name's first two characters.
    NamePrefix2,
}

pub fn by_customer_no_idx(conn: &mut DbConn, idx: &str) -> Result<Option<CustomerRow>> {
    Ok(customers::table
        .filter(customers::customer_no_idx.eq(idx))
        .select(CustomerRow::as_select())
        .first(conn)
        .optional()?)
}

/// The customers among `idxs` (customer-number indexes) that exist: index → (id, created_at). One query for a
/// whole batch of an import.
/// A stored customer as an import sees it: its id, when it was created, and the digest of what the last import
/// wrote (`CustomerRow::row_digest`).
pub struct Existing {
    pub id: String,
    pub created_at: NaiveDateTime,
    pub row_digest: Option<String>,
}

pub fn existing_by_idx(conn: &mut DbConn, idxs: &[String]) -> Result<std::collections::HashMap<String, Existing>> {
    let rows: Vec<(String, String, NaiveDateTime, Option<String>)> = customers::table
        .filter(customers::customer_no_idx.eq_any(idxs))
        .select((customers::customer_no_idx, customers::id, customers::created_at, customers::row_digest))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(idx, id, created_at, row_digest)| (idx, Existing { id, created_at, row_digest }))
        .collect())
}

pub fn insert(conn: &mut DbConn, row: &CustomerRow) -> Result<()> {
    diesel::insert_into(customers::table).values(row).execute(conn)?;
    Ok(())
}

/// Replaces every field of the row (its id and creation time stay).
pub fn update(conn: &mut DbConn, row: &CustomerRow) -> Result<()> {
    diesel::update(customers::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

/// A customer whatever the scope (the engine's sends, after a scoped request).
pub fn get(conn: &mut DbConn, id: &str) -> Result<CustomerRow> {
    Ok(customers::table.find(id).select(CustomerRow::as_select()).first(conn)?)
}

/// A customer only if their managing node lies inside `scope`; outside it is refused like a missing one.
pub fn get_in_scope(conn: &mut DbConn, id: &str, scope: &Scope) -> Result<CustomerRow> {
    let (row, path): (CustomerRow, String) = customers::table
        .inner_join(org_nodes::table)
        .filter(customers::id.eq(id))
        .select((CustomerRow::as_select(), org_nodes::path))
        .first(conn)?;
    if scope.contains(&path) {
        Ok(row)
    } else {
        Err(StoreError::OutOfScope { target_type: "customer", target_id: row.id })
    }
}

/// Whether any customer's name has one of these keyed indexes (the egress guard's question).
pub fn any_name(conn: &mut DbConn, name_idxs: &[String]) -> Result<bool> {
    Ok(!present(conn, Compared::Name, name_idxs, 1)?.is_empty())
}

/// A keyed index the egress guard compares outbound text with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compared {
    Name,
    Address,
    CustomerNo,
}

/// Which of `idxs` are some customer's index of that kind (at most `limit` of them), asked in chunks so a long
/// payload stays under both backends' limits on bound parameters.
pub fn present(conn: &mut DbConn, kind: Compared, idxs: &[String], limit: usize) -> Result<Vec<String>> {
    let mut found = Vec::new();
    for chunk in idxs.chunks(500) {
        let rows: Vec<Option<String>> = match kind {
            Compared::Name => customers::table
                .filter(customers::name_idx.eq_any(chunk))
                .select(customers::name_idx.nullable())
                .limit(limit as i64)
                .load(conn)?,
            Compared::Address => customers::table
                .filter(customers::address_idx.eq_any(chunk))
                .select(customers::address_idx)
                .limit(limit as i64)
                .load(conn)?,
            Compared::CustomerNo => customers::table
                .filter(customers::customer_no_idx.eq_any(chunk))
                .select(customers::customer_no_idx.nullable())
                .limit(limit as i64)
                .load(conn)?,
        };
        found.extend(rows.into_iter().flatten());
        if found.len() >= limit {
            found.truncate(limit);
            break;
        }
    }
    Ok(found)
}

/// Up to `limit` (row id, sealed address) of customers with an address but no address index yet (rows written
/// before the index existed), in id order.
pub fn missing_address_idx(conn: &mut DbConn, limit: i64) -> Result<Vec<(String, String)>> {
    Ok(customers::table
        .filter(customers::address.is_not_null())
        .filter(customers::address_idx.is_null())
        .order(customers::id.asc())
        .limit(limit)
        .select((customers::id, customers::address.assume_not_null()))
        .load(conn)?)
}

/// Fills a customer's address index, only if its address is still `sealed_address` (a concurrent change wins).
pub fn set_address_idx(conn: &mut DbConn, id: &str, sealed_address: &str, idx: &str) -> Result<bool> {
    let n = diesel::update(customers::table.find(id).filter(customers::address.eq(sealed_address)))
        .set(customers::address_idx.eq(idx))
        .execute(conn)?;
    Ok(n == 1)
}

/// Customers inside `scope`, not merged into another record, whose `index` equals `idx`: up to `limit` after
/// row id `after`, in id order (a page; the caller asks for the next one after the last id it got).
pub fn search(
    conn: &mut DbConn,
    scope: &Scope,
    index: Index,
    idx: &str,
    after: &str,
    limit: i64,
) -> Result<Vec<CustomerRow>> {
    let q = customers::table
        .inner_join(org_nodes::table)
        .filter(org_nodes::path.like(format!("{}%", escape_like(scope.prefix()))).escape('\\'))
        .filter(customers::merged_into.is_null())
        .filter(customers::id.gt(after.to_string()))
        .select(CustomerRow::as_select())
        .order(customers::id.asc())
        .limit(limit)
        .into_boxed();
    let q = match index {
        Index::CustomerNo => q.filter(customers::customer_no_idx.eq(idx.to_string())),
        Index::Mobile => q.filter(customers::mobile_idx.eq(idx.to_string())),
        Index::IdNumber => q.filter(customers::id_number_idx.eq(idx.to_string())),
        Index::NamePrefix1 => q.filter(customers::name_p1_idx.eq(idx.to_string())),
        Index::NamePrefix2 => q.filter(customers::name_p2_idx.eq(idx.to_string())),
    };
    Ok(q.load(conn)?)
}

/// The record a customer was merged into, if it was.
pub fn merged_into(conn: &mut DbConn, id: &str) -> Result<Option<String>> {
    Ok(customers::table.find(id).select(customers::merged_into).first(conn)?)
}

/// Up to `limit` (row id, sealed name) of customers whose name-prefix indexes are not filled yet (rows written
/// before they existed), in id order.
pub fn missing_name_prefixes(conn: &mut DbConn, limit: i64) -> Result<Vec<(String, String)>> {
    Ok(customers::table
        .filter(customers::name_p1_idx.is_null())
        .order(customers::id.asc())
        .limit(limit)
        .select((customers::id, customers::name))
        .load(conn)?)
}

/// Fills a customer's name-prefix indexes, only if its name is still `sealed_name` (a concurrent change wins).
pub fn set_name_prefixes(
    conn: &mut DbConn,
    id: &str,
    sealed_name: &str,
    p1: Option<&str>,
    p2: Option<&str>,
) -> Result<bool> {
    // A name without a character (never valid, but never loop on it): an empty marker, which matches no search.
    let n = diesel::update(customers::table.find(id).filter(customers::name.eq(sealed_name)))
        .set((customers::name_p1_idx.eq(p1.unwrap_or("")), customers::name_p2_idx.eq(p2)))
        .execute(conn)?;
    Ok(n == 1)
}

/// Customers inside `scope` linked to the WeCom customer `external_userid` (in any corp: an external_userid is
/// unique per corp, and a person's ids in two corps differ).
pub fn by_external_userid(conn: &mut DbConn, scope: &Scope, external_userid: &str) -> Result<Vec<CustomerRow>> {
    use crate::schema::wecom_contact_links as links;
    Ok(customers::table
        .inner_join(org_nodes::table)
        .filter(org_nodes::path.like(format!("{}%", escape_like(scope.prefix()))).escape('\\'))
        .filter(customers::merged_into.is_null())
        .filter(
            customers::id
                .nullable()
                .eq_any(links::table.filter(links::external_userid.eq(external_userid)).select(links::customer_id)),
        )
        .select(CustomerRow::as_select())
        .order(customers::id.asc())
        .limit(50)
        .load(conn)?)
}

/// Up to `limit` customers after row id `after`, in id order (a resumable walk over every customer).
pub fn page_after(conn: &mut DbConn, after: &str, limit: i64) -> Result<Vec<CustomerRow>> {
    Ok(customers::table
        .filter(customers::id.gt(after))
        .order(customers::id.asc())
        .limit(limit)
        .select(CustomerRow::as_select())
        .load(conn)?)
}

pub fn count(conn: &mut DbConn) -> Result<i64> {
    Ok(customers::table.count().get_result(conn)?)
}

/// The customers among `idxs` (customer-number indexes) whose managing node lies in `scope`: index → id.
pub fn in_scope_by_idx(
    conn: &mut DbConn,
    idxs: &[String],
    scope: &Scope,
) -> Result<std::collections::HashMap<String, String>> {
    let mut out = std::collections::HashMap::new();
    for chunk in idxs.chunks(500) {
        if scope.prefix() == "/" {
            // The whole bank (an import): every customer is in scope, so no join to the organisation.
            let rows: Vec<(String, String)> = customers::table
                .filter(customers::customer_no_idx.eq_any(chunk))
                .select((customers::customer_no_idx, customers::id))
                .load(conn)?;
            out.extend(rows);
            continue;
        }
        let rows: Vec<(String, String)> = customers::table
            .inner_join(org_nodes::table)
            .filter(customers::customer_no_idx.eq_any(chunk))
            .filter(org_nodes::path.like(format!("{}%", escape_like(scope.prefix()))).escape('\\'))
            .select((customers::customer_no_idx, customers::id))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// The customers whose mobile has one of these keyed indexes (any scope: a caller decides what to do with them).
pub fn ids_by_mobile_idx(conn: &mut DbConn, idxs: &[String]) -> Result<Vec<String>> {
    if idxs.is_empty() {
        return Ok(vec![]);
    }
    Ok(customers::table
        .filter(customers::mobile_idx.eq_any(idxs))
        .order(customers::id.asc())
        .select(customers::id)
        .load(conn)?)
}

/// Which of `ids` are customers.
pub fn existing_ids(conn: &mut DbConn, ids: &[String]) -> Result<Vec<String>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(customers::table.filter(customers::id.eq_any(ids)).select(customers::id).load(conn)?)
}
