//! Every error becomes `{"error":{"code","message"}}` with the right status, decided here and nowhere else.
//! Messages are written for people; no SQL, stack trace or personal data ever reaches them.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use siyu_app::AppError;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// The message in Chinese, when it is not the code's standard one (see `standard_zh`).
    pub message_zh: Option<String>,
    /// Per-rule details of a password-policy refusal.
    pub violations: Option<serde_json::Value>,
}

/// The Chinese message of an error response, carried beside it so the request-id middleware can answer in the
/// language the client asked for (`Accept-Language`).
#[derive(Clone)]
pub struct Localized(pub String);

/// The standard Chinese message of an error code.
pub fn standard_zh(code: &str) -> Option<&'static str> {
    Some(match code {
        "unauthenticated" => "请先登录",
        "invalid_credentials" => "用户名或密码错误",
        "invalid_code" => "验证码无效",
        "account_locked" => "失败次数过多，账号已暂时锁定；请稍后再试或联系安全管理员",
        "too_many_requests" => "该地址尝试次数过多，请稍后再试",
        "forbidden" => "没有权限执行此操作",
        "csrf_failed" => "请求校验失败，请刷新页面后重试",
        "password_change_required" => "请先修改密码",
        "second_factor_required" => "请先完成二次验证",
        "not_found" => "未找到",
        "method_not_allowed" => "不支持该请求方法",
        "payload_too_large" => "请求内容过大",
        "unsupported_media_type" => "请以 JSON 格式提交",
        "invalid_query" => "查询参数不正确",
        "invalid_request" => "请求不正确",
        "internal" => "服务器内部错误，请凭请求编号联系管理员",
        "unavailable" => "数据库暂时不可用",
        _ => return None,
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable, machine-readable code such as `not_found`.
    pub code: String,
    pub message: String,
    /// The request's id, also in the `X-Request-Id` header: quote it when reporting a problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub violations: Option<serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), message_zh: None, violations: None }
    }

    pub fn with_zh(mut self, zh: impl Into<String>) -> Self {
        self.message_zh = Some(zh.into());
        self
    }

    pub fn zh_message(&self) -> String {
        self.message_zh
            .clone()
            .or_else(|| standard_zh(self.code).map(str::to_string))
            .unwrap_or_else(|| self.message.clone())
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unauthenticated() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", "please log in")
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "not found")
    }

    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "something went wrong; the request id identifies it")
    }

    pub fn body(&self, request_id: Option<String>) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.into(),
                message: self.message.clone(),
                request_id,
                violations: self.violations.clone(),
            },
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.code)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut r = HttpResponse::build(self.status);
        if self.status == StatusCode::TOO_MANY_REQUESTS {
            r.insert_header(("Retry-After", "900"));
        }
        let mut res = r.json(self.body(None));
        res.extensions_mut().insert(Localized(self.zh_message()));
        res
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        use StatusCode as S;
        match e {
            AppError::Validation { field, message } => {
                ApiError::new(S::BAD_REQUEST, "validation_failed", format!("{field}: {message}"))
                    .with_zh(format!("输入不正确（{field}）：{message}"))
            }
            AppError::PasswordPolicy(v) => {
                let message = v.iter().map(|x| x.message()).collect::<Vec<_>>().join("; ");
                let zh = v.iter().map(|x| x.message_zh()).collect::<Vec<_>>().join("；");
                let mut err = ApiError::new(S::BAD_REQUEST, "password_policy", message).with_zh(zh);
                err.violations = serde_json::to_value(&v).ok();
                err
            }
            AppError::InvalidCredentials => {
                ApiError::new(S::UNAUTHORIZED, "invalid_credentials", "wrong user name or password")
            }
            AppError::InvalidCode => ApiError::new(S::UNAUTHORIZED, "invalid_code", "the code is not valid"),
            AppError::Locked => ApiError::new(
                S::LOCKED,
                "account_locked",
                "too many failed attempts: the account is locked for a while; try again later or ask the security administrator",
            ),
            AppError::Throttled => ApiError::new(
                S::TOO_MANY_REQUESTS,
                "too_many_requests",
                "too many attempts from this address; try again later",
            ),
            AppError::NotFound | AppError::OutOfScope { .. } => ApiError::not_found(),
            AppError::Conflict(m) => {
                let field = m.trim_end_matches(" already exists").to_string();
                ApiError::new(S::CONFLICT, "conflict", m).with_zh(format!("{field} 已存在"))
            }
            AppError::Refused { code, message, zh } => {
                let status = match code {
                    "forbidden" | "own_roles" | "reauth_required" | "export_own_request" | "export_not_requester" => {
                        S::FORBIDDEN
                    }
                    _ => S::CONFLICT,
                };
                ApiError::new(status, code, message).with_zh(zh)
            }
            AppError::Store(e) => {
                tracing::error!(error = %e, "store error");
                match e {
                    siyu_store::StoreError::Pool(_) => {
                        ApiError::new(S::SERVICE_UNAVAILABLE, "unavailable", "the database is not reachable")
                    }
                    _ => ApiError::internal(),
                }
            }
            AppError::Integrity(m) => {
                tracing::error!(error = %m, "integrity failure");
                ApiError::new(S::INTERNAL_SERVER_ERROR, "integrity_error", "stored data failed its integrity check; this was recorded")
                    .with_zh("存储的数据未通过完整性校验，已记录")
            }
            AppError::Internal(m) => {
                tracing::error!(error = %m, "internal error");
                ApiError::internal()
            }
        }
    }
}

/// The JSON extractor's errors: say what is wrong with the body without echoing its values.
pub fn json_error(err: actix_web::error::JsonPayloadError, _req: &actix_web::HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as J;
    let e = match &err {
        J::OverflowKnownLength { .. } | J::Overflow { .. } => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "the request body is too large")
        }
        J::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as application/json",
        ),
        J::Deserialize(de) => {
            let detail = describe_serde(de);
            ApiError::bad_request("invalid_body", detail.clone()).with_zh(format!("请求内容格式不正确：{detail}"))
        }
        _ => ApiError::bad_request("invalid_body", "the request body could not be read"),
    };
    e.into()
}

/// A serde error in words that name fields but never values.
fn describe_serde(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof => {
            format!("the body is not valid JSON (line {}, column {})", e.line(), e.column())
        }
        Category::Io => "the body could not be read".into(),
        Category::Data => {
            let text = e.to_string();
            for marker in ["unknown field", "missing field", "duplicate field"] {
                if let Some(rest) = text.strip_prefix(marker) {
                    let field = rest.split('`').nth(1).unwrap_or("?");
                    return format!("{marker} `{field}`");
                }
            }
            if text.starts_with("invalid type")
                || text.starts_with("invalid value")
                || text.starts_with("invalid length")
            {
                let expected = text.split("expected ").nth(1).map(|x| x.split(" at line").next().unwrap_or(x));
                return format!(
                    "a value has the wrong type{}",
                    expected.map(|x| format!(": expected {x}")).unwrap_or_default()
                );
            }
            "the body does not have the expected fields".into()
        }
    }
}

pub fn query_error(_err: actix_web::error::QueryPayloadError, _req: &actix_web::HttpRequest) -> actix_web::Error {
    ApiError::bad_request("invalid_query", "the query parameters are not valid for this endpoint").into()
}

pub fn path_error(_err: actix_web::error::PathError, _req: &actix_web::HttpRequest) -> actix_web::Error {
    ApiError::not_found().into()
}

pub fn payload_error(err: actix_web::error::PayloadError, _req: &actix_web::HttpRequest) -> actix_web::Error {
    match err {
        actix_web::error::PayloadError::Overflow => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "the request body is too large").into()
        }
        _ => ApiError::bad_request("invalid_body", "the request body could not be read").into(),
    }
}
