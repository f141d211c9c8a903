//! Staff, their roles and their accounts.

use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::handlers::org::HistoryList;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use siyu_app::staff::{self as ops, NewStaffInput};
use siyu_app::AppError;
use siyu_domain::access::Role;
use siyu_domain::staff::StaffStatus;
use siyu_store::page::{Order, Page};
use siyu_store::staff::{self as store, SortBy, Staff, StaffFilter};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct StaffView {
    pub id: String,
    pub employee_no: String,
    pub name: String,
    pub node_id: String,
    pub node_name: String,
    pub wecom_userid: Option<String>,
    /// `active`, `suspended` or `resigned`.
    pub status: String,
    pub username: Option<String>,
    /// Present on single-record answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl StaffView {
    fn of(s: Staff, roles: Option<Vec<Role>>) -> Self {
        Self {
            id: s.id,
            employee_no: s.employee_no,
            name: s.name,
            node_id: s.node_id,
            node_name: s.node_name,
            wecom_userid: s.wecom_userid,
            status: s.status,
            username: s.username,
            roles: roles.map(|r| r.iter().map(|x| x.code().to_string()).collect()),
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StaffQuery {
    /// Part of a name, employee number or user name.
    pub q: Option<String>,
    /// Only this node's subtree.
    pub node_id: Option<String>,
    pub status: Option<String>,
    pub role: Option<String>,
    pub page: Option<i64>,
    pub page_size: Option<i64>,
    /// `name`, `employee_no`, `created_at` or `status`.
    pub sort: Option<String>,
    /// `asc` or `desc`.
    pub order: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct StaffPage {
    pub items: Vec<StaffView>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

pub async fn list(ctx: Ctx, query: web::Query<StaffQuery>) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    if q.q.as_deref().is_some_and(|t| t.chars().count() > 64) {
        return Err(AppError::validation("q", "must have at most 64 characters").into());
    }
    let status = match q.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(StaffStatus::parse(s).ok_or_else(|| AppError::validation("status", "is not a status"))?),
    };
    let sort = SortBy::parse(q.sort.as_deref()).ok_or_else(|| AppError::validation("sort", "cannot sort by that"))?;
    let order = Order::parse(q.order.as_deref());
    let page = Page::new(q.page, q.page_size);
    let paged = ctx
        .with_principal(move |c, _, _, p| {
            let node_path = match q.node_id.as_deref().filter(|n| !n.is_empty()) {
                Some(id) => Some(siyu_store::org::get_in_scope(c, id, &p.scope)?.path),
                None => None,
            };
            let filter = StaffFilter {
                scope: p.scope.clone(),
                q: q.q,
                node_path,
                status,
                role: q.role.filter(|r| !r.is_empty()),
            };
            Ok(store::list(c, &filter, sort, order, page)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(StaffPage {
        items: paged.items.into_iter().map(|s| StaffView::of(s, None)).collect(),
        total: paged.total,
        page: paged.page,
        page_size: paged.page_size,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStaff {
    pub employee_no: String,
    pub name: String,
    pub node_id: String,
    pub wecom_userid: Option<String>,
    /// Give an account with this login name; its one-time password is in the answer, once.
    pub username: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedStaff {
    #[serde(flatten)]
    pub staff: StaffView,
    /// The account's one-time password, shown only now; it must be changed at the first login.
    pub initial_password: Option<String>,
}

pub async fn create(ctx: Ctx, body: web::Json<CreateStaff>) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let created = ctx
        .with_principal(move |c, env, meta, p| {
            ops::create(
                c,
                env,
                meta,
                p,
                NewStaffInput {
                    employee_no: &b.employee_no,
                    name: &b.name,
                    node_id: &b.node_id,
                    wecom_userid: b.wecom_userid.as_deref(),
                    username: b.username.as_deref(),
                },
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(CreatedStaff {
        staff: StaffView::of(created.staff, Some(vec![])),
        initial_password: created.initial_password,
    }))
}

pub async fn get(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let (s, roles) = ctx.with_principal(move |c, _, _, p| ops::get(c, p, &id)).await?;
    Ok(HttpResponse::Ok().json(StaffView::of(s, Some(roles))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateStaff {
    pub name: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub wecom_userid: Option<Option<String>>,
}

/// Distinguishes an absent field (`None`: leave alone) from `null` (`Some(None)`: clear).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

pub async fn update(ctx: Ctx, path: web::Path<String>, body: web::Json<UpdateStaff>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let b = body.into_inner();
    let s = ctx
        .with_principal(move |c, env, meta, p| {
            ops::update(c, env, meta, p, &id, b.name.as_deref(), b.wecom_userid.as_ref().map(|w| w.as_deref()))
        })
        .await?;
    Ok(HttpResponse::Ok().json(StaffView::of(s, None)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveStaff {
    pub node_id: String,
}

pub async fn move_staff(
    ctx: Ctx,
    path: web::Path<String>,
    body: web::Json<MoveStaff>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let node = body.into_inner().node_id;
    let s = ctx.with_principal(move |c, env, meta, p| ops::move_to(c, env, meta, p, &id, &node)).await?;
    Ok(HttpResponse::Ok().json(StaffView::of(s, None)))
}

async fn set_status(ctx: Ctx, id: String, to: StaffStatus) -> Result<HttpResponse, ApiError> {
    let s = ctx.with_principal(move |c, env, meta, p| ops::set_status(c, env, meta, p, &id, to)).await?;
    Ok(HttpResponse::Ok().json(StaffView::of(s, None)))
}

pub async fn suspend(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    set_status(ctx, path.into_inner(), StaffStatus::Suspended).await
}

pub async fn reactivate(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    set_status(ctx, path.into_inner(), StaffStatus::Active).await
}

pub async fn resign(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    set_status(ctx, path.into_inner(), StaffStatus::Resigned).await
}

pub async fn history(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let h = ctx
        .with_principal(move |c, _, _, p| {
            store::get_in_scope(c, &id, &p.scope)?;
            Ok(siyu_store::history::list(c, siyu_store::history::Subject::Staff, &id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(HistoryList::from(h)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantRole {
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct RolesHeld {
    pub roles: Vec<String>,
}

fn held(roles: Vec<Role>) -> RolesHeld {
    RolesHeld { roles: roles.iter().map(|r| r.code().to_string()).collect() }
}

pub async fn grant(ctx: Ctx, path: web::Path<String>, body: web::Json<GrantRole>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let role = body.into_inner().role;
    let roles = ctx.with_principal(move |c, env, meta, p| ops::grant(c, env, meta, p, &id, &role)).await?;
    Ok(HttpResponse::Ok().json(held(roles)))
}

pub async fn revoke(ctx: Ctx, path: web::Path<(String, String)>) -> Result<HttpResponse, ApiError> {
    let (id, role) = path.into_inner();
    let roles = ctx.with_principal(move |c, env, meta, p| ops::revoke(c, env, meta, p, &id, &role)).await?;
    Ok(HttpResponse::Ok().json(held(roles)))
}

#[derive(Serialize, ToSchema)]
pub struct InitialPassword {
    /// Shown only now; must be changed at the next login.
    pub initial_password: String,
}

pub async fn reset_password(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let pw = ctx.with_principal(move |c, env, meta, p| ops::reset_password(c, env, meta, p, &id)).await?;
    Ok(HttpResponse::Ok().json(InitialPassword { initial_password: pw }))
}

pub async fn unlock(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    ctx.with_principal(move |c, env, meta, p| ops::unlock(c, env, meta, p, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn end_sessions(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    ctx.with_principal(move |c, env, meta, p| ops::end_sessions(c, env, meta, p, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, ToSchema)]
pub struct RoleView {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub permissions: Vec<String>,
    /// One of the three duties (system, security, audit) that one person may not combine.
    pub admin_duty: bool,
    pub requires_second_factor: bool,
}

#[derive(Serialize, ToSchema)]
pub struct RoleList {
    pub items: Vec<RoleView>,
}

pub async fn roles_catalogue() -> HttpResponse {
    let items = Role::ALL
        .iter()
        .map(|r| RoleView {
            code: r.code().into(),
            name_zh: r.name_zh().into(),
            name_en: r.name_en().into(),
            permissions: r.permissions().iter().map(|p| p.code().to_string()).collect(),
            admin_duty: r.is_admin_duty(),
            requires_second_factor: siyu_domain::access::requires_second_factor(&[*r]),
        })
        .collect();
    HttpResponse::Ok().json(RoleList { items })
}
