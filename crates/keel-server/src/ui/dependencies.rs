//! The key result page's "Depends on" section: what it waits on and who waits on it, in the
//! reader's words, with the risk an off-track or stale accepted dependency brings. Why its own
//! module: the section reads the same model as `GET /api/v1/key-results/{id}/dependencies`, and
//! a key result the reader may not see is said as "a key result you cannot see", never named.

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::read::dependencies::{self, DependencyView, Direction};
use crate::services::visibility::Viewer;
use keel_domain::dependency::DependencyState;
use keel_domain::*;
use keel_store::{PageRequest, Store};

/// One dependency as the page says it.
pub struct DependencyLine {
    /// The other key result's title, or "a key result you cannot see".
    pub title: String,
    /// Its page, when the reader may see it.
    pub href: Option<String>,
    /// "owned by …", empty when hidden.
    pub owner: String,
    /// Its status in words, empty when hidden.
    pub status: String,
    /// Its status as the CSS class spells it.
    pub status_word: String,
    /// Where the negotiation stands ("Waiting for an answer", "Declined: …").
    pub state: String,
    pub note: String,
}

/// The section.
pub struct DependsOn {
    pub depends_on: Vec<DependencyLine>,
    pub depended_on_by: Vec<DependencyLine>,
    /// "At risk because it depends on …" sentences.
    pub at_risk: Vec<String>,
}

fn line(d: DependencyView) -> DependencyLine {
    let state = match d.state {
        DependencyState::Declined => match &d.decline_reason {
            Some(r) => format!("Declined: {r}"),
            None => "Declined".into(),
        },
        s => s.label().to_string(),
    };
    match d.other {
        Some(o) => DependencyLine {
            title: o.title,
            href: Some(format!("/key-results/{}", o.id)),
            owner: format!("owned by {}", o.owner.name),
            status: o.status.label().to_string(),
            status_word: o.status.as_str().to_string(),
            state,
            note: d.note,
        },
        None => DependencyLine {
            title: "a key result you cannot see".into(),
            href: None,
            owner: String::new(),
            status: String::new(),
            status_word: String::new(),
            state,
            note: String::new(),
        },
    }
}

/// The section for key result `kr` as `caller` sees it: the first 100 dependencies each way.
pub async fn depends_on(
    store: &dyn Store,
    caller: &Caller,
    kr: &KeyResult,
) -> ApiResult<DependsOn> {
    let viewer = Viewer::of(&caller.person);
    let page = PageRequest {
        limit: 200,
        cursor: None,
    };
    let listed = dependencies::list(store, &viewer, &caller.person.id, kr, &page).await?;
    let (mut on, mut by) = (vec![], vec![]);
    for d in listed.items {
        if d.direction == Direction::DependsOn {
            on.push(line(d));
        } else {
            by.push(line(d));
        }
    }
    let at_risk = dependencies::blocked_by(store, &viewer, &kr.id)
        .await?
        .into_iter()
        .map(|b| b.reason)
        .collect();
    Ok(DependsOn {
        depends_on: on,
        depended_on_by: by,
        at_risk,
    })
}
