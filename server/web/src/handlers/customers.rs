//! Customers: the CRM's batch upsert, search by identifier (in the body, never the URL), masked reads, unmask.

use crate::ctx::Ctx;
use crate::error::ApiError;
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use siyu_app::customers::{self as ops, MaskedCustomer, SearchBy};
use siyu_domain::customer::CustomerInput;
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// Up to 1,000 customers, matched by `customer_no`.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<CustomerInput>,
}

#[derive(Serialize, ToSchema)]
pub struct ItemResultView {
    pub index: usize,
    /// `created`, `updated` or `rejected`.
    pub status: String,
    pub id: Option<String>,
    pub field: Option<String>,
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BatchResponse {
    pub results: Vec<ItemResultView>,
}

pub async fn batch(ctx: Ctx, body: web::Json<BatchRequest>) -> Result<HttpResponse, ApiError> {
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

/// A customer with every personal field masked.
#[derive(Serialize, ToSchema)]
pub struct CustomerView {
    pub id: String,
    pub customer_no: String,
    pub name: String,
    pub gender: String,
    pub birth_date: Option<String>,
    pub id_number: Option<String>,
    pub mobile: Option<String>,
    pub risk_level: Option<String>,
    pub risk_assessed_on: Option<String>,
    /// AUM as a band, never the amount.
    pub aum_band: String,
    pub node_id: String,
    pub rm_staff_id: Option<String>,
    /// Set when this record was merged into another: the survivor's id, to be read instead. Searches and lists
    /// never return merged records; reading one by id answers 200 with this pointer.
    pub merged_into: Option<String>,
    /// To district level: `北京市朝阳区****`.
    pub address: Option<String>,
}

impl From<MaskedCustomer> for CustomerView {
    fn from(m: MaskedCustomer) -> Self {
        Self {
            id: m.id,
            customer_no: m.customer_no,
            name: m.name,
            gender: m.gender,
            birth_date: m.birth_date,
            id_number: m.id_number,
            mobile: m.mobile,
            risk_level: m.risk_level,
            risk_assessed_on: m.risk_assessed_on,
            aum_band: m.aum_band,
            node_id: m.node_id,
            rm_staff_id: m.rm_staff_id,
            merged_into: m.merged_into,
            address: m.address,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchRequest {
    pub customer_no: Option<String>,
    /// Spaces, `+86` and full-width digits are accepted.
    pub mobile: Option<String>,
    pub id_number: Option<String>,
    /// A WeCom customer's external_userid: the customers it is linked to.
    pub external_userid: Option<String>,
    /// The first characters of the name (e.g. the surname `张`), matched through keyed prefix indexes.
    pub name_prefix: Option<String>,
    /// The `next` of the previous page.
    pub after: Option<String>,
    /// Results per page: 1–100, default 20.
    pub limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct CustomerList {
    pub items: Vec<CustomerView>,
    /// Pass as `after` for the next page; absent on the last one.
    pub next: Option<String>,
}

pub async fn search(ctx: Ctx, body: web::Json<SearchRequest>) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let by = SearchBy {
        customer_no: b.customer_no,
        mobile: b.mobile,
        id_number: b.id_number,
        external_userid: b.external_userid,
        name_prefix: b.name_prefix,
        after: b.after,
        limit: b.limit,
    };
    let found = ctx.with_principal(move |c, env, meta, p| ops::search(c, env, meta, p, &by)).await?;
    Ok(HttpResponse::Ok()
        .json(CustomerList { items: found.items.into_iter().map(Into::into).collect(), next: found.next }))
}

pub async fn get(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let m = ctx.with_principal(move |c, env, _, p| ops::get(c, env, p, &id)).await?;
    Ok(HttpResponse::Ok().json(CustomerView::from(m)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnmaskRequest {
    /// Any of `customer_no`, `name`, `birth_date`, `id_number`, `mobile`, `address`, `aum_fen`, or
    /// `holding:<product code>`
    /// for a holding's amount in fen.
    pub fields: Vec<String>,
    /// Why, in at least 10 characters; recorded in the audit trail.
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct UnmaskResponse {
    pub values: BTreeMap<String, Option<String>>,
}

/// Values in clear: never cached anywhere (`Cache-Control: no-store`).
pub async fn unmask(
    ctx: Ctx,
    path: web::Path<String>,
    body: web::Json<UnmaskRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let UnmaskRequest { fields, reason } = body.into_inner();
    let values = ctx.with_principal(move |c, env, meta, p| ops::unmask(c, env, meta, p, &id, &fields, &reason)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(UnmaskResponse { values: values.into_iter().collect() }))
}

#[derive(Serialize, ToSchema)]
pub struct ConsentView {
    pub channel: String,
    pub marketing_allowed: bool,
    pub source: Option<String>,
    pub reason: Option<String>,
    pub updated_by: Option<String>,
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct ConsentList {
    pub items: Vec<ConsentView>,
}

impl From<Vec<siyu_app::consent::ChannelConsent>> for ConsentList {
    fn from(v: Vec<siyu_app::consent::ChannelConsent>) -> Self {
        ConsentList {
            items: v
                .into_iter()
                .map(|c| ConsentView {
                    channel: c.channel.into(),
                    marketing_allowed: c.marketing_allowed,
                    source: c.source,
                    reason: c.reason,
                    updated_by: c.updated_by,
                    updated_at: c.updated_at,
                })
                .collect(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentRequest {
    /// Among `wecom`, `sms`, `phone`, `email`, `post`.
    pub channels: Vec<String>,
    /// true: no more marketing there; false: the customer withdrew an earlier refusal.
    pub opted_out: bool,
    /// `customer`, `crm` or `unsubscribe`.
    pub source: String,
    pub reason: String,
}

pub async fn consent(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let v = ctx.with_principal(move |c, _, _, p| siyu_app::consent::get(c, p, &id)).await?;
    Ok(HttpResponse::Ok().json(ConsentList::from(v)))
}

pub async fn set_consent(
    ctx: Ctx,
    path: web::Path<String>,
    body: web::Json<ConsentRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let b = body.into_inner();
    let change = siyu_app::consent::ConsentChange {
        channels: b.channels,
        opted_out: b.opted_out,
        source: b.source,
        reason: b.reason,
    };
    let v = ctx.with_principal(move |c, env, meta, p| siyu_app::consent::set(c, env, meta, p, &id, &change)).await?;
    Ok(HttpResponse::Ok().json(ConsentList::from(v)))
}
