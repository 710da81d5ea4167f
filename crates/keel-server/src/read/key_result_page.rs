//! The key result page (`/key-results/{id}`): one key result as the API shows it (status with
//! its reason, forecast), its objective and cycle, and its whole check-in history, corrected and
//! withdrawn check-ins included, with their authors' names. Why a read model of its own: the
//! objective page shows only the standing history of all its key results; this page is where a
//! reading is examined and, by its author, corrected. Read as of a past day, it shows the key
//! result as it stood then: its status, forecast and the check-ins recorded by then.

use super::views::{self, KeyResultView};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::services::guards::{self, get_key_result};
use crate::services::visibility::Viewer;
use keel_domain::*;
use keel_store::{CheckIns, Cycles, People, Store};
use std::collections::HashMap;

/// Everything on a key result page.
#[derive(Debug, Clone)]
pub struct KeyResultPage {
    pub key_result: KeyResultView,
    /// The key result as stored (for replaying its history on the chart).
    pub record: KeyResult,
    pub objective: Objective,
    pub cycle: Option<Cycle>,
    /// Every check-in, oldest first, corrected and withdrawn ones included.
    pub check_ins: Vec<CheckIn>,
    /// Names of the check-ins' authors and of who set them aside.
    pub names: HashMap<PersonId, String>,
    /// The objective or its cycle is closed: nothing changes.
    pub locked: bool,
    /// The days its pace is measured over (`keel_domain::rhythm::pace_window`): the chart's
    /// expected line runs over them. `None` without a cycle.
    pub pace_window: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
}

/// The page of a key result the caller may see (404 otherwise, as the API), as it stands now
/// or, with `as_of`, as it stood then (only the check-ins recorded by then).
pub async fn key_result_page(
    store: &dyn Store,
    caller: &Caller,
    id: &KeyResultId,
    as_of: Option<chrono::DateTime<chrono::Utc>>,
) -> ApiResult<KeyResultPage> {
    let (record, objective) = get_key_result(store, &Viewer::of(&caller.person), id).await?;
    let cycle = store.cycle(&objective.cycle_id).await?;
    let (key_result, assessed) =
        views::key_result_assessed(store, record.clone(), &objective, cycle.clone(), as_of).await?;
    let mut check_ins = keel_store::every_page(|page| {
        let id = &record.id;
        async move { store.list_check_ins(id, &page).await }
    })
    .await?;
    check_ins.reverse();
    if let Some(at) = as_of {
        check_ins.retain(|c| c.at <= at);
    }
    let mut ids: Vec<PersonId> = check_ins
        .iter()
        .flat_map(|c| {
            c.author_id
                .iter()
                .chain(c.retracted.as_ref().and_then(|r| r.by.as_ref()))
                .cloned()
        })
        .collect();
    ids.sort();
    ids.dedup();
    let names = store
        .person_names(&ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let locked = guards::unlocked(&objective, cycle.as_ref()).is_err();
    Ok(KeyResultPage {
        key_result,
        record,
        objective,
        cycle,
        check_ins,
        names,
        locked,
        pace_window: assessed.pace_window,
    })
}
