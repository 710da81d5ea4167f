//! Request extractors that turn every kind of bad input into a problem document naming the
//! field: JSON bodies, query strings and `If-Match`. (Who is calling is `auth::Caller`.)

use crate::error::{ApiError, ApiResult};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{header, request::Parts};
use keel_store::PageRequest;
use serde::de::DeserializeOwned;

mod strict_json;

/// A JSON body whose errors name the offending field (`title`, `key_results[1].target`, …).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/json") || ct.contains("+json"));
        if !is_json {
            return Err(ApiError::BadRequest(
                "the request body must be JSON with Content-Type: application/json".into(),
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| match e.status() {
                axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                    ApiError::PayloadTooLarge(format!("the request body is too large: {e}"))
                }
                _ => ApiError::BadRequest(format!("could not read the request body: {e}")),
            })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses JSON, naming the field at fault. An array where an object is expected is refused
/// (serde's derived structs would otherwise read `[1, 2]` as their fields in order).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))?;
    serde_path_to_error::deserialize(strict_json::Strict(value)).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::BadRequest(format!("the body is not valid JSON: {inner}"));
        }
        let message = inner.to_string();
        // serde reports a missing field at the parent's path; name the field itself. (An unknown
        // field's path already ends with its name.)
        let field = if let Some(name) = backticked(&message, "missing field `") {
            join_path(&path, &name)
        } else if path == "." {
            "body".to_string()
        } else {
            path
        };
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_string();
        ApiError::invalid(&field, message)
    })
}

fn backticked(message: &str, prefix: &str) -> Option<String> {
    let rest = message.split_once(prefix)?.1;
    Some(rest.split('`').next()?.to_string())
}

fn join_path(path: &str, name: &str) -> String {
    if path == "." || path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// A query string read into `T`, its errors as problem documents: a parameter given twice is a
/// 422 naming it, anything else unreadable a 400.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(q)) => Ok(ApiQuery(q)),
            Err(rejection) => {
                let text = rejection.body_text();
                Err(match backticked(&text, "duplicate field `") {
                    Some(field) => ApiError::invalid(&field, "is given more than once"),
                    None => {
                        ApiError::BadRequest(format!("the query string could not be read: {text}"))
                    }
                })
            }
        }
    }
}

/// `limit` and `cursor` query parameters, checked.
pub fn page_request(limit: Option<&str>, cursor: Option<&str>) -> ApiResult<PageRequest> {
    let limit = match limit {
        None | Some("") => 50,
        Some(l) => match l.parse::<u32>() {
            Ok(n) if (1..=500).contains(&n) => n,
            _ => {
                return Err(ApiError::invalid(
                    "limit",
                    "must be a whole number from 1 to 500",
                ))
            }
        },
    };
    Ok(PageRequest {
        limit,
        cursor: cursor.filter(|c| !c.is_empty()).map(str::to_string),
    })
}

/// The version a client expects (`If-Match: "3"`), if it sent one.
pub struct IfMatch(pub Option<i64>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(header::IF_MATCH) else {
            return Ok(IfMatch(None));
        };
        let text = value.to_str().unwrap_or("").trim();
        if text == "*" {
            return Ok(IfMatch(None));
        }
        let version = text
            .trim_start_matches("W/")
            .trim_matches('"')
            .parse::<i64>()
            // An ETag we never issued cannot match the current version.
            .unwrap_or(-1);
        Ok(IfMatch(Some(version)))
    }
}

impl IfMatch {
    /// 412 when the client's version is not the current one.
    pub fn check(&self, current: i64) -> ApiResult<()> {
        match self.0 {
            Some(v) if v != current => Err(ApiError::PreconditionFailed),
            _ => Ok(()),
        }
    }
}

/// The ETag of a record version.
pub fn etag(version: i64) -> [(header::HeaderName, String); 1] {
    [(header::ETAG, format!("\"{version}\""))]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        title: String,
        items: Vec<Item>,
    }
    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        target: f64,
    }

    fn field(json: &str) -> String {
        match parse_json::<Body>(json.as_bytes()).unwrap_err() {
            ApiError::Invalid(e) => e.field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn json_errors_name_the_field() {
        assert_eq!(field(r#"{"items": []}"#), "title");
        assert_eq!(field(r#"{"title": 3, "items": []}"#), "title");
        assert_eq!(
            field(r#"{"title": "x", "items": [{"target": 1}, {"target": "a"}]}"#),
            "items[1].target"
        );
        assert_eq!(
            field(r#"{"title": "x", "items": [], "colour": 1}"#),
            "colour"
        );
        assert!(matches!(
            parse_json::<Body>(b"{"),
            Err(ApiError::BadRequest(_))
        ));
    }

    #[test]
    fn limits() {
        assert_eq!(page_request(None, None).unwrap().limit, 50);
        assert!(page_request(Some("0"), None).is_err());
        assert!(page_request(Some("x"), None).is_err());
        assert_eq!(
            page_request(Some("500"), Some("c"))
                .unwrap()
                .cursor
                .as_deref(),
            Some("c")
        );
    }
}
