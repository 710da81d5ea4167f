//! The "Data" section of a key result page: where its values come from (a KPI it takes its
//! readings from, the latest value a source pushed: "last value pushed 2 hours ago by Data:
//! nightly build") and, for its owner or an admin, its ingest tokens: created with the secret
//! shown once, revoked. The forms post here and use the API's services
//! (`services::data_feeds`), so the page and `/api/v1/key-results/{id}/ingest-tokens` answer
//! alike.

use crate::access::{self, Actor};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::services::data_feeds::{self as feeds, NewIngestToken};
use crate::ui::admin::see_other;
use crate::ui::{SignedIn, UiError};
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use axum::{Form, Router};
use keel_domain::data_feed::FeedTarget;
use keel_domain::*;
use keel_store::{DataFeeds, PullSources, Store};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/key-results/{id}/ingest-tokens", post(create_token))
        .route(
            "/key-results/{id}/ingest-tokens/{token_id}/revoke",
            post(revoke_token),
        )
}

/// One ingest token as its owner sees it (never its secret).
pub struct TokenLine {
    pub id: String,
    pub name: String,
    pub created: String,
    pub last_used: String,
    pub revoked: bool,
}

/// What the section shows.
#[derive(Default)]
pub struct Feeds {
    /// The KPI it takes its readings from, and its page; empty when none.
    pub kpi_name: String,
    pub kpi_href: String,
    /// "Last value pushed 2 hours ago by Data: nightly build"; empty when no source pushed.
    pub last_push: String,
    /// Its pulled source ("Revenue API, every hour") and its state in words ("Last synced 2
    /// hours ago: 1,234", "Failing since Monday: the server answered 401"); empty when none.
    pub source: String,
    pub source_state: String,
    /// Whether its source is failing (the state is shown as a warning).
    pub source_failing: bool,
    /// Its source form (the stored settings, or what was typed when it was refused), for
    /// those who may manage it.
    pub source_view: super::pull::SourceView,
    /// The reader may manage its tokens (its owner or an admin), and nothing is locked.
    pub may_manage: bool,
    pub tokens: Vec<TokenLine>,
    /// The secret of a token just created: shown once.
    pub secret: Option<String>,
    /// The create form's name as typed, and its error.
    pub name: String,
    pub name_error: Option<String>,
    /// The address values are pushed to.
    pub endpoint: String,
}

/// How long ago, in words: "just now", "5 minutes ago", "2 hours ago", "3 days ago".
pub fn ago(t: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> String {
    let d = now - t;
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit} ago")
        } else {
            format!("{n} {unit}s ago")
        }
    };
    if d.num_minutes() < 1 {
        "just now".into()
    } else if d.num_hours() < 1 {
        plural(d.num_minutes(), "minute")
    } else if d.num_days() < 1 {
        plural(d.num_hours(), "hour")
    } else {
        plural(d.num_days(), "day")
    }
}

/// The section for `kr` (of `o`) as `caller` sees it; `check_ins` are its whole history. Two
/// queries at most (its KPI, its tokens), whatever the history.
pub async fn feeds(
    store: &dyn Store,
    caller: &Caller,
    kr: &KeyResult,
    check_ins: &[CheckIn],
    read_only: bool,
) -> ApiResult<Feeds> {
    let (kpi_name, kpi_href) = match store
        .kpi_sources(std::slice::from_ref(&kr.id))
        .await?
        .first()
    {
        Some((_, k)) => store
            .kpi(k)
            .await?
            .map(|k| (k.name, format!("/kpis/{}", k.id)))
            .unwrap_or_default(),
        None => Default::default(),
    };
    let now = crate::services::now();
    let last_push = check_ins
        .iter()
        .filter(|c| c.source.is_some())
        .max_by_key(|c| (c.at, c.id.clone()))
        .and_then(|c| {
            let s = c.source.as_ref()?;
            let unit = if kr.unit.is_empty() {
                String::new()
            } else {
                format!(" {}", kr.unit)
            };
            Some(format!(
                "Last value pushed {} by {}: {}{unit}",
                ago(c.at, now),
                s.label(),
                super::format::num(c.value)
            ))
        })
        .unwrap_or_default();
    let pulled = store
        .pull_source_for(&FeedTarget::KeyResult(kr.id.clone()))
        .await?;
    let may_manage = !read_only
        && access::manage_ingest_tokens(&Actor::load(store, &caller.person).await?, kr).is_ok();
    let source_view = if may_manage {
        super::pull::SourceView::load(
            store,
            &FeedTarget::KeyResult(kr.id.clone()),
            pulled.as_ref(),
        )
        .await?
    } else {
        Default::default()
    };
    let (source, source_state, source_failing) = pulled
        .map(|s| {
            (
                format!("{}, {}", s.name, s.schedule.words()),
                crate::pull::run::state_words(&s, now, super::format::num),
                s.state.failing_since.is_some(),
            )
        })
        .unwrap_or_default();
    let tokens = if may_manage {
        store
            .ingest_tokens_for(&FeedTarget::KeyResult(kr.id.clone()))
            .await?
            .into_iter()
            .map(|t| TokenLine {
                id: t.id.to_string(),
                name: t.name,
                created: super::format::day(t.created_at),
                last_used: t
                    .last_used_at
                    .map(|u| ago(u, now))
                    .unwrap_or_else(|| "never".into()),
                revoked: t.revoked_at.is_some(),
            })
            .collect()
    } else {
        vec![]
    };
    Ok(Feeds {
        kpi_name,
        kpi_href,
        last_push,
        source,
        source_state,
        source_failing,
        source_view,
        may_manage,
        tokens,
        endpoint: format!("/api/v1/key-results/{}/values", kr.id),
        ..Default::default()
    })
}

#[derive(Deserialize)]
pub struct NewTokenForm {
    #[serde(default)]
    name: String,
}

/// `POST /key-results/{id}/ingest-tokens`: as the API route; the page again with the secret,
/// once, or with the name's error next to it.
async fn create_token(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<NewTokenForm>,
) -> Result<Response, UiError> {
    let id = KeyResultId::from_string(id);
    let name = f.name.clone();
    let created =
        feeds::issue_for_key_result(state.store(), &caller, &id, NewIngestToken { name: f.name })
            .await;
    super::key_result::after_token(&state, &caller, &id, created, name).await
}

/// `POST /key-results/{id}/ingest-tokens/{token_id}/revoke`: as the API's DELETE.
async fn revoke_token(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path((id, token_id)): Path<(String, String)>,
) -> Result<Response, UiError> {
    let kr = KeyResultId::from_string(id);
    feeds::revoke_for_key_result(
        state.store(),
        &caller,
        &kr,
        &IngestTokenId::from_string(token_id),
    )
    .await?;
    Ok(see_other(format!(
        "/key-results/{kr}?done=token-revoked#data-h"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ago_reads_in_words() {
        let now = chrono::Utc::now();
        assert_eq!(ago(now, now), "just now");
        assert_eq!(
            ago(now - chrono::Duration::minutes(5), now),
            "5 minutes ago"
        );
        assert_eq!(ago(now - chrono::Duration::hours(2), now), "2 hours ago");
        assert_eq!(ago(now - chrono::Duration::hours(25), now), "1 day ago");
    }
}
