//! The JSON API v1, described by the OpenAPI document it generates from the handlers themselves
//! (so the document cannot drift from the routes).

mod accounts;
mod alignment;
mod audit;
mod automation;
mod contract;
mod conversations;
mod dashboard;
mod data_feeds;
mod dependencies;
mod directory;
mod invitations;
mod notifications;
mod okrs;
mod ownership;
mod people_okrs;
mod person_data;
mod preferences;
mod pull;
mod reference;
mod reports;
mod reviews;
mod rhythm;
mod search;
mod tokens;
mod transfer;
pub(crate) mod webhooks;

use crate::error::Problem;
use crate::AppState;
use axum::routing::get;
use axum::Router;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Keel API",
        description = "Keel is a self-hosted OKR platform built around clear, accepted, individual ownership. \
Every route needs `Authorization: Bearer <token>` (create one with `keel token create --email …`); \
a signed-in browser may instead use its session cookie, with the session's CSRF token in `x-csrf-token` on writes. \
Errors are `application/problem+json` (RFC 9457) whose `field` and `detail` name the offending field. \
Lists are paginated with `limit` (1–500, default 50) and `cursor`; they return `{items, next_cursor}`. \
An optional query parameter sent empty (`?limit=`) counts as absent. \
GET of a single record returns an `ETag`; send it back in `If-Match` on PATCH or DELETE to avoid \
overwriting someone else's change (412 when it is stale). \
A 409 whose `detail` says the record was changed by someone else at the same moment comes from a \
concurrent write: read the record again and repeat the request (it is safe to retry; nothing was \
written). Any other 409 (a name taken, a closed OKR or cycle, an answered request) will fail the \
same way again until the state changes."
    ),
    servers((url = "/api/v1")),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(schemas(Problem)),
    tags(
        (name = "people", description = "People: the only possible owners"),
        (name = "teams", description = "The team tree, where OKRs are shared"),
        (name = "cycles", description = "Quarters and years"),
        (name = "objectives", description = "Objectives, each with one accountable owner"),
        (name = "key-results", description = "Measurable key results, each with its own owner"),
        (name = "check-ins", description = "Weekly value and confidence"),
        (name = "initiatives", description = "The work meant to move a key result"),
        (name = "ownership", description = "Proposing, accepting and handing over ownership; who owns what"),
        (name = "health", description = "The ownership health check: the known pitfalls of OKR ownership, detected"),
        (name = "settings", description = "Organisation settings"),
        (name = "tokens", description = "Your API tokens"),
        (name = "accounts", description = "Passwords: change your own; administrators reset others' and invite people to choose theirs"),
        (name = "audit", description = "The append-only record of every write: who, what, when, before and after"),
        (name = "scoring", description = "End of cycle: scores, retrospectives, calibration"),
        (name = "reviews", description = "Team reviews: agenda, owners' notes and decisions"),
        (name = "cfrs", description = "Conversations, feedback and recognition"),
        (name = "notifications", description = "Your notifications: what happened that you may act on"),
        (name = "search", description = "Finding objectives, key results, people and teams by name"),
        (name = "alignment", description = "The alignment tree: what each objective and key result contributes to, a level at a time"),
        (name = "dependencies", description = "Key results that depend on others, negotiated with the other key result's owner"),
        (name = "reports", description = "Reports for HR, team leads, finance and analysts: participation, check-in compliance, financial key results and calibration, as JSON pages or CSV"),
        (name = "data", description = "Data in: values pushed to key results with ingest tokens, pulled on a schedule from a URL or a database, and KPIs with their healthy corridor"),
        (name = "automation", description = "Automation rules: when a key result turns off track, a check-in is overdue or a KPI leaves its corridor, tell someone or post to a webhook; administrators"),
        (name = "webhooks", description = "Outbound webhooks: signed events sent to other systems (Slack, Teams, your own); administrators"),
        (name = "dashboards", description = "The company's and each team's figures: top objectives, key results by status and department, movers, confidence, check-ins"),
        (name = "transfer", description = "The organisation's OKRs as one JSON or YAML document: export, and import with a dry run"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API routes and the OpenAPI document describing them.
pub fn router() -> (Router<AppState>, OpenApiDoc) {
    let (routes, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(directory::routes())
        .merge(okrs::routes())
        .merge(ownership::routes())
        .merge(tokens::routes())
        .merge(accounts::routes())
        .merge(invitations::routes())
        .merge(audit::routes())
        .merge(rhythm::routes())
        .merge(reviews::routes())
        .merge(conversations::routes())
        .merge(person_data::routes())
        .merge(notifications::routes())
        .merge(preferences::routes())
        .merge(search::routes())
        .merge(people_okrs::routes())
        .merge(alignment::routes())
        .merge(dependencies::routes())
        .merge(reports::routes())
        .merge(data_feeds::routes())
        .merge(pull::routes())
        .merge(webhooks::routes())
        .merge(automation::routes())
        .merge(dashboard::routes())
        .merge(transfer::routes())
        .split_for_parts();
    let mut doc = doc;
    // After the merge: the rules apply to every route's operations.
    contract::Contract.modify(&mut doc);
    crate::observe::health::document(&mut doc);
    (routes, doc)
}

/// `/api/v1`: the routes, `/api/v1/openapi.json` and the reference page at `/api/v1/docs`.
pub fn v1() -> Router<AppState> {
    let (routes, doc) = router();
    // Rendered once per router; each request shares the bytes.
    let json = axum::body::Bytes::from(
        serde_json::to_vec_pretty(&doc).expect("the OpenAPI document serialises"),
    );
    let page = axum::body::Bytes::from(reference::render(&doc));
    routes
        .route(
            "/openapi.json",
            get(move || {
                let json = json.clone();
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        json,
                    )
                }
            }),
        )
        .route(
            "/docs",
            get(move || {
                let page = page.clone();
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
                        page,
                    )
                }
            }),
        )
        .route("/healthz", get(crate::observe::health::healthz))
        .route("/readyz", get(crate::observe::health::readyz))
        .fallback(|| async { crate::error::ApiError::NotFound("route") })
}

/// The document, for tests and for writing it to disk.
pub fn openapi_json() -> serde_json::Value {
    serde_json::to_value(router().1).expect("the OpenAPI document serialises")
}
