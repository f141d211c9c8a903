//! Every column that holds a sealed value, so verification and re-encryption can walk them all. A new sealed
//! column is one line in the list below: nothing sealed can be missed by `vault verify` or `vault rewrap`.

use crate::conn::DbConn;
use crate::error::Result;
use crate::schema::{
    accounts, customer_days, customers, holdings, sms_outbox, wecom_contact_links, wecom_follow_details, wecom_tokens,
};
use diesel::prelude::*;

/// A sealed column: where it is, and the vault field class (data key) that seals it. The row id is part of the
/// associated data, so a value copied to another row does not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealedColumn {
    pub table: &'static str,
    pub column: &'static str,
    pub field_class: &'static str,
}

macro_rules! sealed_columns {
    ($( $name:ident: $table:ident . $col:ident keyed by $key:ident as $class:literal ),* $(,)?) => {
        $(
            pub const $name: SealedColumn =
                SealedColumn { table: stringify!($table), column: stringify!($col), field_class: $class };
        )*

        /// Every sealed column.
        pub const ALL: &[SealedColumn] = &[$($name),*];

        /// Up to `limit` (row id, sealed text) pairs of `col` after row id `after`, in row-id order.
        pub fn page(conn: &mut DbConn, col: SealedColumn, after: &str, limit: i64) -> Result<Vec<(String, String)>> {
            $(
                if col == $name {
                    let rows: Vec<(String, Option<String>)> = $table::table
                        .filter($table::$key.gt(after))
                        .filter($table::$col.is_not_null())
                        .order($table::$key.asc())
                        .limit(limit)
                        .select(($table::$key, $table::$col.nullable()))
                        .load(conn)?;
                    return Ok(rows.into_iter().filter_map(|(id, v)| v.map(|v| (id, v))).collect());
                }
            )*
            Ok(vec![])
        }

        /// Replaces a sealed value only if it is still `old` (a concurrent change wins); true when replaced.
        pub fn replace(conn: &mut DbConn, col: SealedColumn, id: &str, old: &str, new: &str) -> Result<bool> {
            $(
                if col == $name {
                    let n = diesel::update($table::table.filter($table::$key.eq(id)).filter($table::$col.eq(old)))
                        .set($table::$col.eq(new))
                        .execute(conn)?;
                    return Ok(n == 1);
                }
            )*
            Ok(false)
        }

        /// How many values `col` holds.
        pub fn count(conn: &mut DbConn, col: SealedColumn) -> Result<i64> {
            $(
                if col == $name {
                    return Ok($table::table.filter($table::$col.is_not_null()).count().get_result(conn)?);
                }
            )*
            Ok(0)
        }
    };
}

sealed_columns! {
    TOTP_SECRET: accounts.totp_secret keyed by staff_id as "account.totp_secret",
    CUSTOMER_NO: customers.customer_no keyed by id as "customer.customer_no",
    CUSTOMER_NAME: customers.name keyed by id as "customer.name",
    CUSTOMER_BIRTH_DATE: customers.birth_date keyed by id as "customer.birth_date",
    CUSTOMER_ID_NUMBER: customers.id_number keyed by id as "customer.id_number",
    CUSTOMER_MOBILE: customers.mobile keyed by id as "customer.mobile",
    CUSTOMER_AUM: customers.aum keyed by id as "customer.aum",
    CUSTOMER_ADDRESS: customers.address keyed by id as "customer.address",
    HOLDING_AMOUNT: holdings.amount keyed by id as "holding.amount",
    CUSTOMER_DAY_AUM: customer_days.aum keyed by id as "customer.aum",
    WECOM_ACCESS_TOKEN: wecom_tokens.access_token keyed by corp as "wecom.access_token",
    WECOM_REMARK: wecom_follow_details.remark keyed by id as "wecom.remark",
    WECOM_DESCRIPTION: wecom_follow_details.description keyed by id as "wecom.remark",
    WECOM_CONTACT_NAME: wecom_contact_links.name keyed by id as "wecom.contact_name",
    SMS_TEXT: sms_outbox.text keyed by id as "sms.text",
}
