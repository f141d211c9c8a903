//! Holdings: the CRM's batch upsert and a customer's holdings (amounts as bands, unsuitable ones flagged).

use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::handlers::customers::{BatchResponse, ItemResultView};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use siyu_app::holdings::{self as ops, HoldingView as Holding};
use siyu_domain::holding::HoldingInput;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldingBatchRequest {
    /// Up to 1,000 holdings, matched by `customer_no` and `product_code`; `amount_fen` in fen, `nav` a decimal.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<HoldingInput>,
}

pub async fn batch(ctx: Ctx, body: web::Json<HoldingBatchRequest>) -> Result<HttpResponse, ApiError> {
    let items = body.into_inner().items;
    let results = ctx.with_principal(move |c, env, meta, p| ops::upsert_batch(c, env, meta, p, items)).await?;
    Ok(HttpResponse::Ok().json(BatchResponse {
        results: results
            .into_iter()
            .map(|r| ItemResultView {
                index: r.index,
                status: r.status.into(),
                id: r.id,
                field: r.field.map(Into::into),
                reason: r.reason.map(Into::into),
            })
            .collect(),
    }))
}

/// A holding: the amount as a band, never the amount.
#[derive(Serialize, ToSchema)]
pub struct HoldingView {
    pub id: String,
    pub product_code: String,
    pub product_name: String,
    /// deposit, wealth_management, fund, insurance, precious_metal or other.
    pub product_type: String,
    /// R1…R5.
    pub product_risk: Option<String>,
    pub amount_band: String,
    pub start_date: Option<String>,
    pub maturity_date: Option<String>,
    pub next_open_date: Option<String>,
    pub nav: Option<String>,
    pub nav_date: Option<String>,
    /// The first net value seen for this holding.
    pub purchase_nav: Option<String>,
    /// The product's risk exceeds the customer's assessed risk level.
    pub unsuitable: bool,
}

impl From<Holding> for HoldingView {
    fn from(h: Holding) -> Self {
        Self {
            id: h.id,
            product_code: h.product_code,
            product_name: h.product_name,
            product_type: h.product_type,
            product_risk: h.product_risk,
            amount_band: h.amount_band,
            start_date: h.start_date,
            maturity_date: h.maturity_date,
            next_open_date: h.next_open_date,
            nav: h.nav,
            nav_date: h.nav_date,
            purchase_nav: h.purchase_nav,
            unsuitable: h.unsuitable,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct HoldingList {
    pub items: Vec<HoldingView>,
}

pub async fn list(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let items = ctx.with_principal(move |c, _, _, p| ops::list(c, p, &id)).await?;
    Ok(HttpResponse::Ok().json(HoldingList { items: items.into_iter().map(Into::into).collect() }))
}
