//! What the CFR pages (conversations, feedback, recognition) read besides the records: the
//! people and OKRs their forms offer, and the titles of the OKRs they mention.

use super::my_week::my_week;
use super::pickers;
use crate::auth::Caller;
use crate::error::ApiResult;
use keel_domain::*;
use keel_store::Store;

// ---------------------------------------------------------------- CFRs

/// What the CFR forms offer: active people, and the OKRs on the caller's My week (objectives
/// and key results they own or take part in, all visible to them) as `(id, label)`.
pub struct CfrChoices {
    pub people: Vec<Person>,
    pub okrs: Vec<(String, String)>,
}

/// The choices of the CFR forms: a constant number of queries (My week's).
pub async fn cfr_choices(store: &dyn Store, caller: &Caller) -> ApiResult<CfrChoices> {
    let week = my_week(store, caller).await?;
    let mut okrs = Vec::new();
    for (o, _) in &week.objectives {
        okrs.push((o.id.to_string(), format!("Objective: {}", o.title)));
    }
    for k in &week.key_results {
        okrs.push((
            k.key_result.id.to_string(),
            format!("Key result: {} ({})", k.key_result.title, k.objective_title),
        ));
    }
    let people = pickers::active_people(store)
        .await?
        .into_iter()
        .filter(|p| p.id != caller.person.id)
        .collect();
    Ok(CfrChoices { people, okrs })
}
