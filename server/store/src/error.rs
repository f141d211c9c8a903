//! The store's errors. Database messages never leave this crate whole: they can carry SQL and values.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// The object exists but lies outside the caller's org scope. Callers answer it exactly like `NotFound`;
    /// it is distinct only so the refusal can be audited.
    #[error("not found")]
    OutOfScope { target_type: &'static str, target_id: String },
    /// A unique value is taken; names the column (`staff.employee_no`), never the value.
    #[error("{0} already exists")]
    Conflict(String),
    /// A row that should exist is missing or a stored value cannot be read.
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("database pool: {0}")]
    Pool(String),
    #[error("database error")]
    Db(#[source] DieselError),
}

impl From<DieselError> for StoreError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => StoreError::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                StoreError::Conflict(unique_column(info.message(), info.table_name(), info.constraint_name()))
            }
            other => StoreError::Db(other),
        }
    }
}

impl From<r2d2::Error> for StoreError {
    fn from(e: r2d2::Error) -> Self {
        StoreError::Pool(e.to_string())
    }
}

/// `table.column` of a unique violation. SQLite says "UNIQUE constraint failed: staff.employee_no"; PostgreSQL
/// names the constraint (`staff_employee_no_key`).
fn unique_column(message: &str, table: Option<&str>, constraint: Option<&str>) -> String {
    if let Some(cols) = message.strip_prefix("UNIQUE constraint failed: ") {
        return cols.split(',').next().unwrap_or(cols).trim().to_string();
    }
    match (table, constraint) {
        (Some(t), Some(c)) => {
            let col = c.strip_prefix(&format!("{t}_")).unwrap_or(c);
            let col = if col == "pkey" { "id" } else { col.strip_suffix("_key").unwrap_or(col) };
            format!("{t}.{col}")
        }
        _ => "value".into(),
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_column() {
        assert_eq!(unique_column("UNIQUE constraint failed: staff.employee_no", None, None), "staff.employee_no");
        assert_eq!(unique_column("duplicate key", Some("staff"), Some("staff_employee_no_key")), "staff.employee_no");
        assert_eq!(unique_column("duplicate key", Some("org_nodes"), Some("org_nodes_pkey")), "org_nodes.id");
    }
}
