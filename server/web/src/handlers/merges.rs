//! Identity merge and unmerge (One-ID): candidates, merge with an explanation, and its exact undo.

use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::handlers::customers::CustomerView;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use siyu_app::merges as ops;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct DuplicateView {
    pub customer: CustomerView,
    /// The identifiers shared with the record asked about: `customer_no`, `mobile`, `id_number`.
    pub matched: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DuplicateList {
    pub items: Vec<DuplicateView>,
}

pub async fn duplicates(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let found = ctx.with_principal(move |c, env, _, p| ops::candidates(c, env, p, &id)).await?;
    Ok(HttpResponse::Ok().json(DuplicateList {
        items: found
            .into_iter()
            .map(|d| DuplicateView {
                customer: d.customer.into(),
                matched: d.matched.into_iter().map(Into::into).collect(),
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The record that stays.
    pub survivor: String,
    /// The record merged into it: marked, never deleted.
    pub merged: String,
    /// Why (4 to 500 characters).
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct MergeView {
    pub merge_id: String,
    pub survivor: String,
    pub merged: String,
    /// The identifiers the records share: the merge's explanation.
    pub matched: Vec<String>,
    pub holdings_moved: usize,
    pub events_moved: usize,
    /// Rows the survivor already had (same product; same event): left on the merged record.
    pub holdings_kept: usize,
    pub events_kept: usize,
}

pub async fn merge(ctx: Ctx, body: web::Json<MergeRequest>) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let m = ctx
        .with_principal(move |c, env, meta, p| ops::merge(c, env, meta, p, &b.survivor, &b.merged, &b.reason))
        .await?;
    Ok(HttpResponse::Ok().json(MergeView {
        merge_id: m.merge_id,
        survivor: m.survivor,
        merged: m.merged,
        matched: m.matched.into_iter().map(Into::into).collect(),
        holdings_moved: m.holdings_moved,
        events_moved: m.events_moved,
        holdings_kept: m.holdings_kept,
        events_kept: m.events_kept,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnmergeRequest {
    /// Why (4 to 500 characters).
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct UnmergeView {
    /// The merge undone.
    pub merge_id: String,
}

pub async fn unmerge(
    ctx: Ctx,
    path: web::Path<String>,
    body: web::Json<UnmergeRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let reason = body.into_inner().reason;
    let merge_id = ctx.with_principal(move |c, env, meta, p| ops::unmerge(c, env, meta, p, &id, &reason)).await?;
    Ok(HttpResponse::Ok().json(UnmergeView { merge_id }))
}
