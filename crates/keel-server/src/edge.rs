//! The edge of the server: what every request passes before any route, and what every response
//! carries.
//!
//! Why one place: input that no record could hold must be refused the same way on SQLite and
//! PostgreSQL (PostgreSQL cannot store a NUL and answered 500; SQLite stored it), whatever the
//! route, the query parameter or the form field, and before sign-in too. The domain's text rules
//! (`keel_domain::text`) judge what is stored as text; this guard covers everything else a
//! client sends: the path, the query string, and every string of a JSON or form body.
//!
//! - A control character in the path answers 404 (no id can hold one); in a query parameter or
//!   a body field, 422 naming the parameter or field (line breaks and tabs are fine in bodies).
//! - A body over the limit answers 413; it is read here, once and bounded, so a request refused
//!   later (401, 403, 404) still leaves the keep-alive connection usable. A body refused before
//!   it is read answers with `Connection: close`, so the client does not send its next request
//!   on a connection the server is about to drop.
//! - Every response, the API's and its reference page's included, forbids sniffing and framing
//!   and carries a content security policy (the pages set a stricter one of their own).

use crate::error::ApiError;
use crate::ui::UiError;
use axum::body::{Body, HttpBody};
use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The largest body the API reads (axum's default), and the largest form a page posts.
const MAX_API_BODY: usize = 2 << 20;
const MAX_FORM_BODY: usize = 1 << 20;

/// What the API's JSON and its reference page may load: nothing but the page's own inline
/// style; never framed.
const API_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// The refusal, as the part of Keel that was asked would answer: a problem document for the
/// API, a page for everything else.
fn refuse(api: bool, e: ApiError) -> Response {
    if api {
        e.into_response()
    } else {
        UiError(e).into_response()
    }
}

/// Checks the path, the query string and the body of every request (see the module comment).
pub async fn guard(req: Request, next: Next) -> Response {
    let api = is_api(req.uri().path());
    let limit = if api { MAX_API_BODY } else { MAX_FORM_BODY };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return close(too_large(api, limit));
    }
    let (parts, body) = req.into_parts();
    let bytes = if body.size_hint().exact() == Some(0) {
        None
    } else {
        match axum::body::to_bytes(body, limit).await {
            Ok(b) => Some(b),
            Err(_) => return close(too_large(api, limit)),
        }
    };
    if let Err(e) = check_path(parts.uri.path()) {
        return refuse(api, e);
    }
    if let Err(e) = check_query(parts.uri.query().unwrap_or("")) {
        return refuse(api, e);
    }
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if let Some(b) = &bytes {
        if let Err(e) = check_body(content_type, b) {
            return refuse(api, e);
        }
    }
    let body = bytes.map(Body::from).unwrap_or_else(Body::empty);
    next.run(Request::from_parts(parts, body)).await
}

fn too_large(api: bool, limit: usize) -> Response {
    refuse(
        api,
        ApiError::PayloadTooLarge(format!(
            "the request body is larger than {} MiB",
            limit >> 20
        )),
    )
}

/// The body was not read: the connection cannot carry another request.
fn close(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// Nothing in Keel has a control character in its id or address.
fn check_path(path: &str) -> Result<(), ApiError> {
    // Only an escape can hide a control character from the check without decoding.
    let bad = if path.contains('%') {
        percent_decoded(path).chars().any(char::is_control)
    } else {
        path.chars().any(char::is_control)
    };
    if bad {
        Err(ApiError::NotFound("record"))
    } else {
        Ok(())
    }
}

fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

const CONTROL: &str = "must not contain control characters";

/// A query parameter is a single line: no control character at all.
fn check_query(query: &str) -> Result<(), ApiError> {
    if query.is_empty() {
        return Ok(());
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    for (k, v) in pairs {
        if k.chars().any(char::is_control) {
            return Err(ApiError::invalid("query", CONTROL));
        }
        if v.chars().any(char::is_control) {
            return Err(ApiError::invalid(&k, CONTROL));
        }
    }
    Ok(())
}

/// Line breaks and tabs belong in long text; no other control character belongs anywhere.
fn bad_text(s: &str) -> bool {
    s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// Every string of a JSON body (and every key), and every field of a form. A body that does not
/// parse is left to the route, which names what is wrong with it.
fn check_body(content_type: &str, bytes: &[u8]) -> Result<(), ApiError> {
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes).unwrap_or_default();
        for (k, v) in pairs {
            if bad_text(&k) {
                return Err(ApiError::invalid("body", CONTROL));
            }
            if bad_text(&v) {
                return Err(ApiError::invalid(&k, CONTROL));
            }
        }
    } else if (content_type.starts_with("application/json") || content_type.contains("+json"))
        && may_hold_control(bytes)
    {
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) {
            if let Some(field) = bad_json(&v, "") {
                return Err(ApiError::invalid(&field, CONTROL));
            }
        }
    }
    Ok(())
}

/// Whether a JSON body may hold a string with a control character once parsed: only through
/// an escape (`\u0001`, `\b`…), or raw as DEL or a C1 control (U+0080–U+009F, which UTF-8
/// starts with the byte 0xC2). A raw C0 control inside a string is not JSON at all: the body
/// fails to parse either way and the route names what is wrong with it. Most bodies (a
/// check-in's value, confidence and note) hold none of these and are not parsed twice.
fn may_hold_control(bytes: &[u8]) -> bool {
    bytes.iter().any(|&b| matches!(b, b'\\' | 0x7f | 0xc2))
}

/// The path of the first string holding a control character, spelled as the API's errors spell
/// fields (`key_results[1].title`; `body` for the whole body).
fn bad_json(v: &serde_json::Value, at: &str) -> Option<String> {
    let here = || {
        if at.is_empty() {
            "body".to_string()
        } else {
            at.to_string()
        }
    };
    match v {
        serde_json::Value::String(s) if bad_text(s) => Some(here()),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| bad_json(item, &format!("{}[{i}]", here()))),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, item)| {
            if bad_text(k) {
                return Some(here());
            }
            let path = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            bad_json(item, &path)
        }),
        _ => None,
    }
}

/// Headers every response carries unless the page set its own: no sniffing, no framing, and a
/// content security policy.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(API_CSP),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_fields_are_named_as_the_api_names_them() {
        let v = serde_json::json!({"title": "ok", "key_results": [{"title": "x"}, {"title": "a\u{0}b"}]});
        assert_eq!(bad_json(&v, "").as_deref(), Some("key_results[1].title"));
        assert_eq!(
            bad_json(&serde_json::json!("a\u{1}"), "").as_deref(),
            Some("body")
        );
        assert_eq!(
            bad_json(&serde_json::json!({"note": "two\nlines\t"}), ""),
            None
        );
    }

    #[test]
    fn paths_and_queries() {
        assert!(check_path("/api/v1/objectives/a%00b").is_err());
        assert!(check_path("/objectives/abc%20d").is_ok());
        assert!(check_query("q=a%00b").is_err());
        assert!(check_query("q=a+b&limit=3").is_ok());
        assert!(check_query("").is_ok());
        assert!(check_path("/api/v1/objectives/a\u{7f}b").is_err());
    }

    /// The fast path lets through only bodies in which no string can hold a control
    /// character: every other body is parsed and judged as before.
    #[test]
    fn json_bodies_with_control_characters_are_refused_escaped_or_raw() {
        let json = "application/json";
        assert!(check_body(json, br#"{"value": 3, "confidence": 7, "note": "weekly"}"#).is_ok());
        assert!(check_body(json, br#"{"note": "two\nlines\ttabbed"}"#).is_ok());
        for bad in [
            r#"{"note": "a\u0000b"}"#,
            r#"{"note": "a\bb"}"#,
            "{\"note\": \"a\u{7f}b\"}",
            "{\"note\": \"a\u{85}b\"}",
            "{\"n\u{9f}\": 1}",
        ] {
            assert!(check_body(json, bad.as_bytes()).is_err(), "{bad}");
        }
        assert!(!may_hold_control("{\"note\": \"café\"}".as_bytes()));
        assert!(may_hold_control(br#"{"note": "caf\u00e9"}"#));
    }
}
