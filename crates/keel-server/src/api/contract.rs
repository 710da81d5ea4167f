//! The rules of the API contract that hold for every operation, applied once to the generated
//! OpenAPI document rather than repeated in each handler's annotation: how errors are sent
//! (`application/problem+json`), which error statuses an operation can answer and why, empty
//! optional query parameters, and the `If-Match` request header.
//!
//! Why one place: a status that every route shares (401 without a token, 403 for a read-only
//! token's write, 400/413 for a body that is not JSON or too large) follows from the server's
//! middleware and extractors, not from the handler; written by hand on sixty operations it would
//! drift. The handlers' annotations keep what only they know (their bodies, a 403 on a read,
//! the `ETag` of a record).

use crate::extract::IfMatch;
use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::ObjectBuilder;
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, Required, ResponseBuilder, Schema, Type};
use utoipa::{IntoParams, Modify};

/// The media type of every error.
pub const PROBLEM: &str = "application/problem+json";

/// Applies the rules below to every operation of the document.
pub struct Contract;

impl Modify for Contract {
    fn modify(&self, doc: &mut OpenApi) {
        for (path, item) in doc.paths.paths.iter_mut() {
            let ops = [
                ("get", &mut item.get),
                ("put", &mut item.put),
                ("post", &mut item.post),
                ("delete", &mut item.delete),
                ("patch", &mut item.patch),
            ];
            for (method, op) in ops {
                if let Some(op) = op {
                    allow_empty_values(op);
                    document_errors(method, path, op);
                }
            }
        }
    }
}

/// Why each error status can happen, worded for a client's author.
fn reason(status: &str) -> &'static str {
    match status {
        "400" => "The body is not JSON, is not sent as `application/json`, or could not be read",
        "401" => "No valid bearer token (or signed-in session) came with the request",
        "403" => "Your roles, or a read-scoped token, do not allow this",
        "404" => "No such record, or one you may not see",
        "409" => {
            "A concurrent write changed the record first: read it again and repeat the \
                  change (safe to retry). Or the record's state forbids the change, or a name \
                  is taken: `detail` (and `field`) say which, and retrying will not help"
        }
        "412" => {
            "`If-Match` does not match the record's current `ETag`: someone changed it \
                  since you read it"
        }
        "413" => "The body is larger than the server accepts",
        "422" => "Invalid input: `field` names the field and `detail` says what is wrong",
        _ => "An error",
    }
}

/// An optional query parameter sent empty (`?limit=`, as an HTML form sends an empty field) is
/// read as if it were absent; `allowEmptyValue` says so, so that a client or a fuzzer does not
/// take the empty string for a wrong type.
fn allow_empty_values(op: &mut Operation) {
    for p in op.parameters.iter_mut().flatten() {
        if p.parameter_in == ParameterIn::Query && !matches!(p.required, Required::True) {
            // utoipa has no field for it; its extensions serialise flattened into the parameter.
            p.extensions
                .get_or_insert_with(Default::default)
                .insert("allowEmptyValue".to_string(), serde_json::Value::Bool(true));
        }
    }
}

fn document_errors(method: &str, path: &str, op: &mut Operation) {
    let params = op.parameters.as_deref().unwrap_or_default();
    let has = |kind: ParameterIn| params.iter().any(|p| p.parameter_in == kind);
    let in_path = has(ParameterIn::Path);
    let in_query = has(ParameterIn::Query);
    let if_match = params.iter().any(|p| p.name == "If-Match");
    let body = op.request_body.is_some();
    let writes = method != "get";
    let mut statuses = vec!["401"];
    if body {
        statuses.extend(["400", "413", "422"]);
    }
    if in_query {
        statuses.push("422");
    }
    if in_path {
        // An id that cannot be one (a control character, say) is refused naming the field.
        statuses.extend(["404", "422"]);
    }
    if writes {
        statuses.push("403");
    }
    // A write to an existing record (named in the path) can lose a race with another write.
    if writes && path.contains('{') {
        statuses.push("409");
    }
    if if_match {
        statuses.push("412");
    }
    let responses = &mut op.responses.responses;
    for status in statuses {
        responses
            .entry(status.to_string())
            .or_insert_with(|| RefOr::T(ResponseBuilder::new().build()));
    }
    for (status, response) in responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        if !status.starts_with('4') && !status.starts_with('5') {
            // A description is required; where a handler gave none, the status's own name.
            if response.description.is_empty() {
                response.description = axum::http::StatusCode::from_bytes(status.as_bytes())
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("Success")
                    .to_string();
            }
            continue;
        }
        if response.description.is_empty() {
            response.description = reason(status).to_string();
        }
        response.content.clear();
        response.content.insert(
            PROBLEM.to_string(),
            Content::new(Some(RefOr::<Schema>::Ref(Ref::from_schema_name("Problem")))),
        );
    }
}

/// `If-Match`, read by [`IfMatch`]: the `ETag` a client last saw, so that a change made since is
/// not overwritten.
impl IntoParams for IfMatch {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![ParameterBuilder::new()
            .name("If-Match")
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "The `ETag` from when you read the record (e.g. `\"3\"`); the write is refused \
                 with 412 if the record has changed since. Without it the write applies to the \
                 current version.",
            ))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build()]
    }
}
