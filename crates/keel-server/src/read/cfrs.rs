//! What the CFR pages (conversations, feedback, recognition) read besides the records: the
//! people and OKRs their forms offer, and the titles of the OKRs they mention.

use super::my_week::my_week;
use crate::auth::Caller;
use crate::error::ApiResult;
use keel_domain::*;
use keel_store::{People, Store};

// ---------------------------------------------------------------- CFRs

/// What the CFR forms offer: the people already chosen (a form sent back; others are found
/// with the people picker as the reader types, never listed whole), and the OKRs on the
/// caller's My week (objectives and key results they own or take part in, all visible to them)
/// as `(id, label)`.
pub struct CfrChoices {
    pub people: Vec<Person>,
    pub okrs: Vec<(String, String)>,
}

/// The choices of the CFR forms, `chosen` the people ids sent back: a constant number of
/// queries (My week's, and one for the people chosen).
pub async fn cfr_choices(
    store: &dyn Store,
    caller: &Caller,
    chosen: &[PersonId],
) -> ApiResult<CfrChoices> {
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
    let people = store.people_by_ids(chosen).await?;
    Ok(CfrChoices { people, okrs })
}
