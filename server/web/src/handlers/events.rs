//! A customer's derived events (care reminders and journeys read them).

use crate::ctx::Ctx;
use crate::error::ApiError;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use siyu_app::events as ops;
use siyu_app::AppError;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EventQuery {
    /// Only events dated on or after this day (YYYY-MM-DD).
    pub from: Option<String>,
}

/// One event; `detail` never holds personal data (AUM changes carry a direction and bands).
#[derive(Serialize, ToSchema)]
pub struct EventView {
    pub id: String,
    /// aum_changed, holding_matures, nav_dropped, risk_assessment_expiring, birthday, open_period or
    /// unsuitable_holding.
    pub kind: String,
    /// The day the fact is about: the maturity, open date, birthday or expiry; the NAV's date; the day observed.
    pub event_date: String,
    /// The product code for holding events, empty otherwise.
    pub reference: String,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    /// The day whose derivation found it first.
    pub derived_on: String,
}

#[derive(Serialize, ToSchema)]
pub struct EventList {
    pub items: Vec<EventView>,
}

pub async fn list(ctx: Ctx, path: web::Path<String>, query: web::Query<EventQuery>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let from = match query.into_inner().from.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            s.parse::<chrono::NaiveDate>().map_err(|_| AppError::validation("from", "must be a date (YYYY-MM-DD)"))?,
        ),
    };
    let items = ctx.with_principal(move |c, _, _, p| ops::list(c, p, &id, from)).await?;
    Ok(HttpResponse::Ok().json(EventList {
        items: items
            .into_iter()
            .map(|e| EventView {
                id: e.id,
                kind: e.kind,
                event_date: e.event_date,
                reference: e.reference,
                detail: e.detail,
                derived_on: e.derived_on,
            })
            .collect(),
    }))
}
