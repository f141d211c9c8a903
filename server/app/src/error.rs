//! The use cases' errors; the web layer maps each to a status and code in one place.

use siyu_domain::password::Violation;
use siyu_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{field}: {message}")]
    Validation { field: String, message: String },
    #[error("the password does not meet the policy")]
    PasswordPolicy(Vec<Violation>),
    #[error("wrong user name or password")]
    InvalidCredentials,
    #[error("the code is not valid")]
    InvalidCode,
    #[error("the account is locked; try again later")]
    Locked,
    #[error("too many attempts from this address; try again later")]
    Throttled,
    #[error("not found")]
    NotFound,
    /// Answered as `NotFound`; the web layer audits it as a refused authorisation.
    #[error("not found")]
    OutOfScope { target_type: &'static str, target_id: String },
    #[error("{0}")]
    Conflict(String),
    /// A rule refused the request; `zh` is the same message in Chinese for the console.
    #[error("{message}")]
    Refused { code: &'static str, message: String, zh: String },
    /// A sealed value failed authentication: changed, or copied from another row or column.
    #[error("a sealed value failed its integrity check: {0}")]
    Integrity(String),
    #[error(transparent)]
    Store(StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::OutOfScope { target_type, target_id } => AppError::OutOfScope { target_type, target_id },
            StoreError::Conflict(what) => {
                let field = what.rsplit('.').next().unwrap_or(&what).to_string();
                AppError::Conflict(format!("{field} already exists"))
            }
            other => AppError::Store(other),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        AppError::from(StoreError::from(e))
    }
}

impl AppError {
    pub fn refused(code: &'static str, message: impl Into<String>, zh: impl Into<String>) -> Self {
        AppError::Refused { code, message: message.into(), zh: zh.into() }
    }

    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation { field: field.into(), message: message.into() }
    }
}

pub type Result<T> = std::result::Result<T, AppError>;

/// Checks a required text field's length in characters.
pub fn check_text(field: &str, value: &str, min: usize, max: usize) -> Result<()> {
    let n = value.trim().chars().count();
    if n < min || value.chars().count() > max {
        return Err(AppError::validation(field, format!("must have {min} to {max} characters")));
    }
    if value.chars().any(|c| c.is_control()) {
        return Err(AppError::validation(field, "must not contain control characters"));
    }
    Ok(())
}
