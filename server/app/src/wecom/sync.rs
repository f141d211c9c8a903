//! The full sync's writes: one page of `batch/get_by_user` (relations, the RM's remarks sealed, the mobiles in
//! them as blind indexes, the persons and their automatic links) in one transaction with its audit record, and the
//! corp tag catalogue. The engine job (`wecom.sync`) drives the paging and checkpoints after each page.

use super::links::{auto_link, ensure_contact, refresh_person};
use crate::error::{AppError, Result};
use crate::keys::seal;
use crate::Env;
use chrono::{DateTime, TimeZone, Utc};
use siyu_connectors::wecom::api::contacts::BatchItem;
use siyu_connectors::wecom::api::tags::TagGroup;
use siyu_domain::wecom_contact as rule;
use siyu_domain::wecom_link;
use siyu_store::audit::{self, AuditEvent};
use siyu_store::sealed;
use siyu_store::time::to_db;
use siyu_store::tx::write_tx;
use siyu_store::wecom::contacts;
use siyu_store::wecom::details::{self, DetailRow, TagRow};
use siyu_store::DbConn;

/// What one page did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PageReport {
    pub relations: usize,
    pub linked: usize,
}

/// Replaces the corp's tag catalogue with what `get_corp_tag_list` answered; audited.
pub fn save_tags(conn: &mut DbConn, env: &Env, corp: &str, groups: &[TagGroup]) -> Result<usize> {
    let now = env.now();
    let rows: Vec<TagRow> =
        groups.iter().filter(|g| !g.deleted).flat_map(|g| super::tags::rows_of(corp, g, to_db(now))).collect();
    write_tx(conn, |c| {
        details::replace_tags(c, corp, &rows)?;
        audit::append(
            c,
            &super::system_context(),
            &AuditEvent::success("wecom.sync_tags", "wecom_corp", corp)
                .with_detail(serde_json::json!({"tags": rows.len()})),
            now,
        )?;
        Ok::<_, AppError>(rows.len())
    })
}

/// A relation of the page with everything sealed and indexed, before the transaction.
struct Prepared {
    external: String,
    follow: String,
    state: Option<String>,
    added_at: Option<DateTime<Utc>>,
    detail: DetailRow,
    name: String,
    contact_type: i64,
}

fn prepare(conn: &mut DbConn, env: &Env, corp: &str, item: &BatchItem, now: DateTime<Utc>) -> Result<Prepared> {
    let (ec, fi) = (&item.external_contact, &item.follow_info);
    let id = details::id_of(conn, corp, &ec.external_userid, &fi.userid)?
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let sealed_opt = |col, v: &str| -> Result<Option<String>> {
        if v.is_empty() {
            Ok(None)
        } else {
            seal(&env.vault, col, &id, v).map(Some)
        }
    };
    let mobiles = wecom_link::mobiles_in(
        [fi.remark.as_str(), fi.description.as_str()].into_iter().chain(fi.remark_mobiles.iter().map(String::as_str)),
    );
    let idxs = mobiles.iter().map(|m| crate::customers::mobile_index(&env.vault, m)).collect::<Result<Vec<_>>>()?;
    let detail = DetailRow {
        remark: sealed_opt(sealed::WECOM_REMARK, &fi.remark)?,
        description: sealed_opt(sealed::WECOM_DESCRIPTION, &fi.description)?,
        id,
        corp: corp.into(),
        external_userid: ec.external_userid.clone(),
        follow_userid: fi.userid.clone(),
        mobile_idxs: serde_json::to_string(&idxs).unwrap_or_else(|_| "[]".into()),
        tag_ids: serde_json::to_string(&fi.tag_id).unwrap_or_else(|_| "[]".into()),
        add_way: i64::from(fi.add_way),
        wecom_created_at: fi.createtime,
        synced_at: to_db(now),
    };
    Ok(Prepared {
        external: ec.external_userid.clone(),
        follow: fi.userid.clone(),
        state: fi.state.clone(),
        added_at: Utc.timestamp_opt(fi.createtime, 0).single().filter(|_| fi.createtime > 0),
        detail,
        name: ec.name.clone(),
        contact_type: i64::from(ec.kind),
    })
}

/// Stores one page, requested at `seen_at`: relations, details, persons and automatic links, one audit record
/// for the page plus one per link made.
pub fn save_page(
    conn: &mut DbConn,
    env: &Env,
    corp: &str,
    items: &[BatchItem],
    seen_at: DateTime<Utc>,
) -> Result<PageReport> {
    let now = env.now();
    let prepared = items.iter().map(|i| prepare(conn, env, corp, i, now)).collect::<Result<Vec<_>>>()?;
    write_tx(conn, |c| {
        let mut report = PageReport::default();
        let mut persons: Vec<&str> = vec![];
        for p in &prepared {
            let prev = contacts::get(c, corp, &p.external, &p.follow)?;
            let prev_rel = prev.as_ref().map(super::inbox::relation_of).transpose().map_err(AppError::Internal)?;
            if let Some(next) = rule::from_sync(prev_rel.as_ref(), p.state.as_deref(), p.added_at, seen_at) {
                contacts::save(c, &super::inbox::row_of(corp, &p.external, &p.follow, &next, now))?;
            }
            details::save(c, &p.detail)?;
            let person = ensure_contact(c, corp, &p.external, now)?;
            refresh_person(c, env, person, &p.name, p.contact_type, now)?;
            report.relations += 1;
            if !persons.contains(&p.external.as_str()) {
                persons.push(&p.external);
            }
        }
        for ext in persons {
            if auto_link(c, corp, ext, now)?.is_some() {
                report.linked += 1;
            }
        }
        audit::append(
            c,
            &super::system_context(),
            &AuditEvent::success("wecom.sync_page", "wecom_corp", corp)
                .with_detail(serde_json::json!({"relations": report.relations, "linked": report.linked})),
            now,
        )?;
        Ok::<_, AppError>(report)
    })
}

/// Ends the live relations of `users` that a full sync started at `started_at` did not find in WeCom (deleted
/// while a callback was lost, or before siyu listened): one transaction, one audit record with the count.
pub fn close_missing(
    conn: &mut DbConn,
    env: &Env,
    corp: &str,
    users: &[String],
    started_at: DateTime<Utc>,
) -> Result<usize> {
    let now = env.now();
    let missing = contacts::live_unseen_since(conn, corp, users, to_db(started_at))?;
    if missing.is_empty() {
        return Ok(0);
    }
    write_tx(conn, |c| {
        let mut closed = 0;
        for row in &missing {
            let prev = super::inbox::relation_of(row).map_err(AppError::Internal)?;
            if let Some(next) = rule::apply(Some(&prev), &rule::Change::Delete(rule::DeleteReason::Missing), started_at)
            {
                contacts::save(c, &super::inbox::row_of(corp, &row.external_userid, &row.follow_userid, &next, now))?;
                closed += 1;
            }
        }
        audit::append(
            c,
            &super::system_context(),
            &AuditEvent::success("wecom.sync_missing", "wecom_corp", corp)
                .with_detail(serde_json::json!({"closed": closed})),
            now,
        )?;
        Ok::<_, AppError>(closed)
    })
}
