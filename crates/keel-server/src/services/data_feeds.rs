//! Values pushed by machines: ingest tokens (a secret for one key result or one KPI, shown once,
//! stored hashed, revocable by whoever answers for its target) and `POST …/values`, which a CI
//! job, a BI tool or a cron `curl` calls with an ingest token, or a person with their own API
//! token. Why its own module: who is pushing (a token or a person) is decided once here
//! ([`Pusher`]), and a pushed value then goes through the same judgement as any check-in
//! (`check_ins::judge`: lock, value, confidence), recorded with its source as its author.

use super::check_ins::{self, Author, Reading};
use super::guards::get_key_result;
use super::visibility::Viewer;
use super::{kpis, now};
use crate::access::{self, Actor};
use crate::auth::secrets::{hash_secret, random_token};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use keel_domain::data_feed::{FeedTarget, IngestToken};
use keel_domain::*;
use keel_store::{CheckIns, Cycles, DataFeeds, KeyResults, Objectives, Settings, Store, WriteCtx};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The prefix of an ingest token's secret: tells it from a personal API token (`keel_…`) at a
/// glance, for people and secret scanners alike, and routes it to [`authenticate`].
pub const INGEST_PREFIX: &str = "keel_ingest_";

/// The answer for an ingest secret that is unknown or revoked: the same for both.
const UNUSABLE: &str = "the ingest token is unknown or revoked";

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIngestToken {
    /// What pushes with it ("nightly build", "Looker export"): its values' author.
    pub name: String,
}

/// A new ingest token: the only response that ever contains `token`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedIngestToken {
    #[serde(flatten)]
    pub token: IngestToken,
    /// The secret, for `Authorization: Bearer …`: shown once, stored only as a hash.
    #[serde(rename = "token")]
    pub secret: String,
}

/// A value pushed to a key result or a KPI.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushedValue {
    /// The new value (a number).
    pub value: f64,
    #[serde(default)]
    pub note: String,
    /// On the organisation's confidence scale. It counts as the owner's word only when the
    /// key result's owner pushes it with their own API token; an ingest token is nobody's word.
    pub confidence: Option<i64>,
}

/// Who pushes a value: a person (their API token or session) or an ingest token.
pub enum Pusher {
    Person(Box<Caller>),
    Token(IngestToken),
}

/// The live ingest token behind `secret`, its use recorded: 401 when it is unknown or revoked.
pub async fn authenticate(store: &dyn Store, secret: &str) -> ApiResult<IngestToken> {
    let token = store
        .ingest_token_by_hash(&hash_secret(secret))
        .await?
        .filter(IngestToken::is_live)
        .ok_or(ApiError::Unauthorized(UNUSABLE))?;
    let t = now();
    if token
        .last_used_at
        .is_none_or(|u| t - u > chrono::Duration::seconds(60))
    {
        store.touch_ingest_token(&token.id, t).await?;
    }
    Ok(token)
}

/// Issues an ingest token for `target` (the caller may manage it: checked by the callers).
async fn issue(
    store: &dyn Store,
    caller: &Caller,
    target: FeedTarget,
    input: NewIngestToken,
) -> ApiResult<CreatedIngestToken> {
    let token = IngestToken {
        id: IngestTokenId::generate(),
        target,
        name: input.name,
        created_by: Some(caller.person.id.clone()),
        created_at: now(),
        last_used_at: None,
        revoked_at: None,
    }
    .validated()?;
    let secret = format!("{INGEST_PREFIX}{}", random_token());
    store
        .insert_ingest_token(&caller.write_ctx(), &token, &hash_secret(&secret))
        .await?;
    Ok(CreatedIngestToken { token, secret })
}

/// Revokes one of `target`'s tokens (404 for a token of another target, like an unknown one).
async fn revoke(
    store: &dyn Store,
    caller: &Caller,
    target: &FeedTarget,
    id: &IngestTokenId,
) -> ApiResult<()> {
    let tokens = store.ingest_tokens_for(target).await?;
    if !tokens.iter().any(|t| &t.id == id) {
        return Err(ApiError::NotFound("ingest token"));
    }
    store.revoke_ingest_token(&caller.write_ctx(), id).await?;
    Ok(())
}

/// A key result whose tokens the caller may manage: 404 when they may not see it, 403 unless
/// they own it or are an admin.
async fn key_result_feeds(
    store: &dyn Store,
    caller: &Caller,
    id: &KeyResultId,
) -> ApiResult<KeyResult> {
    let (kr, _) = get_key_result(store, &Viewer::of(&caller.person), id).await?;
    access::manage_ingest_tokens(&Actor::load(store, &caller.person).await?, &kr)?;
    Ok(kr)
}

/// `POST /key-results/{id}/ingest-tokens`.
pub async fn issue_for_key_result(
    store: &dyn Store,
    caller: &Caller,
    id: &KeyResultId,
    input: NewIngestToken,
) -> ApiResult<CreatedIngestToken> {
    let kr = key_result_feeds(store, caller, id).await?;
    issue(store, caller, FeedTarget::KeyResult(kr.id), input).await
}

/// A key result's ingest tokens, revoked ones included, without secrets.
pub async fn key_result_tokens(
    store: &dyn Store,
    caller: &Caller,
    id: &KeyResultId,
) -> ApiResult<Vec<IngestToken>> {
    let kr = key_result_feeds(store, caller, id).await?;
    Ok(store
        .ingest_tokens_for(&FeedTarget::KeyResult(kr.id))
        .await?)
}

/// Revokes one of a key result's ingest tokens: it answers 401 from then on.
pub async fn revoke_for_key_result(
    store: &dyn Store,
    caller: &Caller,
    id: &KeyResultId,
    token: &IngestTokenId,
) -> ApiResult<()> {
    let kr = key_result_feeds(store, caller, id).await?;
    revoke(store, caller, &FeedTarget::KeyResult(kr.id), token).await
}

/// `POST /kpis/{id}/ingest-tokens`: the KPI's owner or an admin.
pub async fn issue_for_kpi(
    store: &dyn Store,
    caller: &Caller,
    id: &KpiId,
    input: NewIngestToken,
) -> ApiResult<CreatedIngestToken> {
    let kpi = kpis::managed(store, caller, id).await?;
    issue(store, caller, FeedTarget::Kpi(kpi.id), input).await
}

/// A KPI's ingest tokens: its owner or an admin.
pub async fn kpi_tokens(
    store: &dyn Store,
    caller: &Caller,
    id: &KpiId,
) -> ApiResult<Vec<IngestToken>> {
    let kpi = kpis::managed(store, caller, id).await?;
    Ok(store.ingest_tokens_for(&FeedTarget::Kpi(kpi.id)).await?)
}

/// Revokes one of a KPI's ingest tokens.
pub async fn revoke_for_kpi(
    store: &dyn Store,
    caller: &Caller,
    id: &KpiId,
    token: &IngestTokenId,
) -> ApiResult<()> {
    let kpi = kpis::managed(store, caller, id).await?;
    revoke(store, caller, &FeedTarget::Kpi(kpi.id), token).await
}

/// The 403 for an ingest token pushed to something it does not feed.
fn elsewhere() -> ApiError {
    ApiError::forbidden("this ingest token pushes values to another key result or KPI only")
}

/// `POST /key-results/{id}/values`: a value pushed by an ingest token of this key result (its
/// author is the token: "Data: <name>", never the owner's word) or by a person who may check
/// in on it (their check-in; their confidence counts only if they own it). Judged like any
/// check-in (closed key result or cycle: 409; bad value or confidence: 422 naming it). Returns
/// the check-in and the key result as stored.
pub async fn push_to_key_result(
    store: &dyn Store,
    pusher: &Pusher,
    id: &KeyResultId,
    input: PushedValue,
) -> ApiResult<(CheckIn, KeyResult)> {
    let (kr, objective, author, ctx) = match pusher {
        Pusher::Person(caller) => {
            let (kr, o) = get_key_result(store, &Viewer::of(&caller.person), id).await?;
            access::check_in(&Actor::load(store, &caller.person).await?, &kr, &o)?;
            let author = Author::Person(caller.person.id.clone());
            (kr, o, author, caller.write_ctx())
        }
        Pusher::Token(token) => {
            if token.target != FeedTarget::KeyResult(id.clone()) {
                return Err(elsewhere());
            }
            let kr = store
                .key_result(id)
                .await?
                .ok_or(ApiError::NotFound("key result"))?;
            let o = store
                .objective(&kr.objective_id)
                .await?
                .ok_or(ApiError::NotFound("key result"))?;
            (kr, o, Author::Source(token.source()), token_ctx())
        }
    };
    let cycle = store.cycle(&objective.cycle_id).await?;
    let scale = store.settings().await?.confidence_scale;
    let reading = Reading {
        value: input.value,
        confidence: input.confidence,
        note: input.note,
        at: None,
        author,
    };
    let (check_in, applied) =
        check_ins::judge(&kr, &objective, cycle.as_ref(), scale, now(), reading)?;
    let stored = store.record_check_in(&ctx, &check_in, &applied).await?;
    Ok((check_in, stored))
}

/// The write context of a value an ingest token pushes: no person acts; the audit event's
/// `after` names the token as the check-in's source.
pub fn token_ctx() -> WriteCtx {
    WriteCtx {
        request_id: crate::error::current_request_id(),
        ..WriteCtx::system(Source::Api)
    }
}
