//! One error type for the whole server, rendered as `application/problem+json` (RFC 9457).
//!
//! Why here: every handler returns `ApiError`, so the mapping from domain and store failures to
//! HTTP statuses is decided once. A 500 never shows internals: it is logged with the request id,
//! and the client sees only that id.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use keel_domain::FieldError;
use keel_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 422: invalid input, naming the field.
    #[error("{0}")]
    Invalid(FieldError),
    /// 400: the body is not JSON at all.
    #[error("{0}")]
    BadRequest(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{message}")]
    Conflict {
        field: Option<String>,
        message: String,
    },
    #[error("the record has changed since it was read (If-Match does not match the current ETag)")]
    PreconditionFailed,
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    Forbidden(String),
    /// 413: the body is over the limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ApiError::Invalid(FieldError::new(field, message))
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::Forbidden(message.into())
    }
    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        ApiError::Conflict {
            field: Some(field.to_string()),
            message: message.into(),
        }
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::Invalid(e)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::NotFound("record"),
            StoreError::Conflict { field, message } => ApiError::Conflict {
                field: Some(field),
                message,
            },
            StoreError::StaleVersion => ApiError::Conflict {
                field: None,
                message: "the record was changed by someone else at the same moment; reload and try again".into(),
            },
            StoreError::BadCursor => ApiError::invalid("cursor", "not a cursor from a previous page of this list"),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// The RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// What went wrong, in words; names the field for invalid input.
    pub detail: String,
    /// The offending field, as the API spells it (for 422, and 409 when one field is at fault).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The request id, also logged on the server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Every refusal, when there are several (the first is also in `field` and `detail`): an
    /// objective created with key results reports each of their fields at once.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

/// One of several refusals: the field as the API spells it (`key_results[1].target`) and what
/// is wrong with it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemField {
    pub field: Option<String>,
    pub detail: String,
}

/// Several refusals answered as one problem document: the first decides the status, `detail`
/// and `field`; `errors` lists them all.
#[derive(Debug)]
pub struct Refusals(pub Vec<ApiError>);

impl From<ApiError> for Refusals {
    fn from(e: ApiError) -> Self {
        Refusals(vec![e])
    }
}

impl IntoResponse for Refusals {
    fn into_response(self) -> Response {
        let mut errors = self.0.into_iter();
        let Some(first) = errors.next() else {
            return ApiError::Internal("refused without a reason".into()).into_response();
        };
        let rest: Vec<ApiError> = errors.collect();
        if rest.is_empty() {
            return first.into_response();
        }
        let mut problem = first.problem();
        problem.errors = std::iter::once(&first)
            .chain(&rest)
            .map(|e| {
                let p = e.problem();
                ProblemField {
                    field: p.field,
                    detail: p.detail,
                }
            })
            .collect();
        problem_response(first.status(), problem)
    }
}

tokio::task_local! {
    /// The current request's id, for problem documents and logs.
    pub static REQUEST_ID: String;
}

pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(|id| id.clone()).ok()
}

impl ApiError {
    /// The problem document for this error (an internal error is logged here, once).
    fn problem(&self) -> Problem {
        let status = self.status();
        let request_id = current_request_id();
        let (kind, detail, field) = match self {
            ApiError::Invalid(e) => (
                "invalid-input",
                format!("{}: {}", e.field, e.message),
                Some(e.field.clone()),
            ),
            ApiError::Conflict { field, message } => (
                "conflict",
                match field {
                    Some(f) => format!("{f}: {message}"),
                    None => message.clone(),
                },
                field.clone(),
            ),
            ApiError::Internal(internal) => {
                tracing::error!(request_id = request_id.as_deref().unwrap_or("-"), error = %internal, "internal error");
                (
                    "internal",
                    format!(
                        "something went wrong on our side; the error was logged with request id {}",
                        request_id.as_deref().unwrap_or("-")
                    ),
                    None,
                )
            }
            ApiError::NotFound(_) => ("not-found", self.to_string(), None),
            ApiError::BadRequest(_) => ("bad-request", self.to_string(), None),
            ApiError::PreconditionFailed => ("precondition-failed", self.to_string(), None),
            ApiError::Unauthorized(_) => ("unauthorized", self.to_string(), None),
            ApiError::Forbidden(_) => ("forbidden", self.to_string(), None),
            ApiError::PayloadTooLarge(_) => ("payload-too-large", self.to_string(), None),
        };
        Problem {
            kind: format!("https://keel.invalid/problems/{kind}"),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail,
            field,
            request_id,
            errors: vec![],
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        problem_response(self.status(), self.problem())
    }
}

fn problem_response(status: StatusCode, problem: Problem) -> Response {
    let mut resp = (status, axum::Json(problem)).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    if status == StatusCode::UNAUTHORIZED {
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"keel\""),
        );
    }
    resp
}

pub type ApiResult<T> = Result<T, ApiError>;
