//! The admin console, embedded into the binary from `admin-ui/dist` at build time (read from disk in debug
//! builds). Hashed assets are cached for a year; `index.html` answers every client route and is never cached.
//! Nothing is loaded from outside siyu.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../admin-ui/dist"]
#[allow_missing = true]
struct Assets;

const NOT_BUILT: &str = "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>siyu</title>\
<body><h1>私域 siyu</h1><p>控制台尚未构建：在 admin-ui/ 中运行 <code>npm ci &amp;&amp; npm run build</code>，然后重新构建 siyu。</p>\
<p>The console is not built: run <code>npm ci &amp;&amp; npm run build</code> in admin-ui/ and rebuild siyu.</p></body></html>";

fn file(path: &str) -> Option<HttpResponse> {
    let f = Assets::get(path)?;
    let mime = f.metadata.mimetype().to_string();
    let cache = if path.starts_with("assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
    Some(
        HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, mime))
            .insert_header((header::CACHE_CONTROL, cache))
            .insert_header((header::ETAG, format!("\"{}\"", hex::encode(&f.metadata.sha256_hash()[..12]))))
            .body(f.data.into_owned()),
    )
}

/// Serves a file of the console, or `index.html` for a client-side route. API paths never fall through here.
pub async fn serve(req: HttpRequest) -> HttpResponse {
    if !matches!(*req.method(), actix_web::http::Method::GET | actix_web::http::Method::HEAD) {
        let e = crate::error::ApiError::new(
            actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this method is not allowed here",
        );
        return actix_web::ResponseError::error_response(&e);
    }
    let path = req.path().trim_start_matches('/');
    if path.starts_with("api/") {
        return actix_web::ResponseError::error_response(&crate::error::ApiError::not_found());
    }
    if let Some(r) = (!path.is_empty()).then(|| file(path)).flatten() {
        return r;
    }
    // A missing hashed asset is a real 404, not the app shell.
    if path.starts_with("assets/") {
        return actix_web::ResponseError::error_response(&crate::error::ApiError::not_found());
    }
    file("index.html").unwrap_or_else(|| {
        HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .body(NOT_BUILT)
    })
}
