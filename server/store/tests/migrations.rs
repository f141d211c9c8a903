//! Migrations that move data an older release left behind, run against that data on both backends.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use siyu_store::conn::{establish, Target};
use siyu_store::{migrate, testing};

#[derive(QueryableByName, Debug, PartialEq, Eq)]
struct Indexes {
    #[diesel(sql_type = Text)]
    customer_no_idx: String,
    #[diesel(sql_type = Text)]
    name_idx: String,
    #[diesel(sql_type = Nullable<Text>)]
    mobile_idx: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    id_number_idx: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    address_idx: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    row_digest: Option<String>,
}

#[derive(QueryableByName)]
struct One {
    #[diesel(sql_type = Text)]
    v: String,
}

/// 000023: every stored blind index (customers, the import stage, the unchanged lines, the mobiles of WeCom
/// follow-up records) becomes the first 32 hex characters of the 64 an older release wrote, which is exactly what
/// the vault computes now (`siyu_vault::INDEX_BYTES`, pinned by its own test): a customer stored before the upgrade is still found.
#[test]
fn blind_indexes_are_cut_to_128_bits_in_place() {
    let db = testing::empty();
    let mut c = establish(&Target::parse(&db.url).unwrap()).unwrap();
    migrate::run_through(&mut c, "20261130000022").unwrap();
    let full = |n: u8| -> String { format!("{:02x}", n).repeat(32) };
    c.batch_execute(&format!(
        "INSERT INTO org_nodes (id, code, name, kind, path, depth, created_at, updated_at) \
         VALUES ('n', 'HO', 'HO', 'head_office', '/n/', 0, '2026-11-30 00:00:00', '2026-11-30 00:00:00'); \
         INSERT INTO customers (id, customer_no, customer_no_idx, name, name_idx, gender, mobile_idx, id_number_idx, \
         aum_band, node_id, created_at, updated_at, row_digest, address_idx) VALUES ('c1', 'x', '{a}', 'x', '{b}', \
         'female', '{c}', NULL, '-', 'n', '2026-11-30 00:00:00', '2026-11-30 00:00:00', '{d}', NULL); \
         INSERT INTO import_unchanged (job_id, line_no, customer_no_idx) VALUES ('j', 2, '{a}'); \
         INSERT INTO wecom_follow_details (id, corp, external_userid, follow_userid, mobile_idxs, tag_ids, add_way, \
         wecom_created_at, synced_at) VALUES ('f1', 'corp', 'wm1', 'u1', '[\"{c}\",\"{d}\"]', '[]', 0, 0, \
         '2026-11-30 00:00:00'), ('f2', 'corp', 'wm2', 'u1', '[]', '[]', 0, 0, '2026-11-30 00:00:00')",
        a = full(0xa1),
        b = full(0xb2),
        c = full(0xc3),
        d = full(0xd4),
    ))
    .unwrap();
    let applied = migrate::run_pending(&mut c).unwrap();
    assert!(applied.iter().any(|m| m.starts_with("20261130000023")), "{applied:?}");

    let row: Indexes = diesel::sql_query(
        "SELECT customer_no_idx, name_idx, mobile_idx, id_number_idx, address_idx, row_digest FROM customers",
    )
    .get_result(&mut c)
    .unwrap();
    let short = |n: u8| format!("{:02x}", n).repeat(16);
    assert_eq!(
        row,
        Indexes {
            customer_no_idx: short(0xa1),
            name_idx: short(0xb2),
            mobile_idx: Some(short(0xc3)),
            id_number_idx: None,
            address_idx: None,
            row_digest: Some(short(0xd4)),
        }
    );
    let noted: One = diesel::sql_query("SELECT customer_no_idx AS v FROM import_unchanged").get_result(&mut c).unwrap();
    assert_eq!(noted.v, short(0xa1));
    let lists: Vec<One> =
        diesel::sql_query("SELECT mobile_idxs AS v FROM wecom_follow_details ORDER BY id").load(&mut c).unwrap();
    let parsed: Vec<Vec<String>> = lists.iter().map(|l| serde_json::from_str(&l.v).unwrap()).collect();
    assert_eq!(parsed, vec![vec![short(0xc3), short(0xd4)], vec![]]);
}
