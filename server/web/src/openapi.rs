//! The OpenAPI 3.1 document, generated from the route table: every route, its access rule and its errors.

use crate::error::ErrorBody;
use crate::routes::{schema_of, table, Access};
use actix_web::HttpResponse;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathItem, PathsBuilder, Ref, Required,
    ResponseBuilder,
};

fn http_method(m: &actix_web::http::Method) -> HttpMethod {
    match m.as_str() {
        "POST" => HttpMethod::Post,
        "PUT" => HttpMethod::Put,
        "PATCH" => HttpMethod::Patch,
        "DELETE" => HttpMethod::Delete,
        _ => HttpMethod::Get,
    }
}

fn json_ref(name: &str) -> utoipa::openapi::Content {
    ContentBuilder::new().schema(Some(Ref::from_schema_name(name))).build()
}

fn error(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new().description(description).content("application/json", json_ref("ErrorBody")).build()
}

pub fn document() -> OpenApi {
    let mut schemas = Vec::new();
    schema_of::<ErrorBody>(&mut schemas);
    let mut paths = PathsBuilder::new();
    for r in table() {
        let mut op = OperationBuilder::new().tag(r.tag).summary(Some(r.summary)).operation_id(Some(format!(
            "{}_{}",
            r.method.as_str().to_lowercase(),
            r.path.trim_start_matches('/').replace(['/', '{', '}', '.', '-'], "_")
        )));
        let access_text = match r.access {
            Access::Public => "No authentication.".to_string(),
            Access::Authenticated => "Any logged-in user (full session or API token).".to_string(),
            Access::Stages(s) => {
                format!("A session at stage {}.", s.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(" or "))
            }
            Access::Perm(p) => {
                format!("Needs the permission `{p}`; objects outside the caller's org scope answer 404.")
            }
        };
        op = op.description(Some(access_text));
        if r.access != Access::Public {
            op = op
                .security(SecurityRequirement::new("session", Vec::<String>::new()))
                .security(SecurityRequirement::new("bearer", Vec::<String>::new()));
        }
        for seg in r.path.split('/').filter(|s| s.starts_with('{')) {
            let name = seg.trim_matches(|c| c == '{' || c == '}');
            op = op.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .schema(Some(utoipa::openapi::ObjectBuilder::new().schema_type(utoipa::openapi::Type::String))),
            );
        }
        if let Some(q) = r.query {
            for p in q() {
                op = op.parameter(p);
            }
        }
        if let Some(req) = r.request {
            let name = req(&mut schemas);
            op = op.request_body(Some(
                RequestBodyBuilder::new()
                    .content("application/json", json_ref(&name))
                    .required(Some(Required::True))
                    .build(),
            ));
        }
        let ok = match r.response {
            Some(resp) => {
                let name = resp(&mut schemas);
                ResponseBuilder::new().description("Success").content("application/json", json_ref(&name)).build()
            }
            None => ResponseBuilder::new().description("Success").build(),
        };
        op = op.response(r.status.to_string(), ok);
        if r.request.is_some() || r.query.is_some() {
            op = op.response("400", error("Invalid request: malformed JSON, unknown or missing fields, bad values"));
            op = op.response("413", error("The body is too large"));
        }
        if r.access != Access::Public {
            op = op.response("401", error("Not logged in, or the session expired"));
            op = op.response("403", error("Not allowed: missing permission, unfinished login step or CSRF token"));
        }
        if r.path.contains('{') {
            op = op.response("404", error("No such object within the caller's scope"));
        }
        if r.path == "/api/v1/auth/login" {
            op = op.response("401", error("Wrong user name or password"));
            op = op.response("423", error("The account is locked"));
            op = op.response("429", error("Too many attempts from this address"));
        }
        op = op.response("500", error("Internal error; quote the request id"));
        paths = paths.path(r.path, PathItem::new(http_method(&r.method), op.build()));
    }
    let mut components = ComponentsBuilder::new()
        .security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "siyu_session",
                "Browser session (`__Host-siyu_session` under TLS). State-changing requests also need the \
                 `X-CSRF-Token` header from the login answer.",
            ))),
        )
        .security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    schemas.sort_by(|a, b| a.0.cmp(&b.0));
    schemas.dedup_by(|a, b| a.0 == b.0);
    for (name, schema) in schemas {
        components = components.schema(name, schema);
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("siyu")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some("The JSON API of siyu (私域), a bank's private-domain operations platform."))
                .build(),
        )
        .paths(paths.build())
        .components(Some(components.build()))
        .build()
}

pub async fn serve() -> HttpResponse {
    HttpResponse::Ok().json(document())
}
