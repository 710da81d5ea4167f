//! The demo organisation shows the owner's rhythm, not only OKRs: loaded through
//! `Store::load_snapshot` like `keel serve --demo` does, then read back through the store and
//! judged by the server's own `Assessor` (the code the API and the web UI derive statuses,
//! forecasts and scores with), so nothing here trusts a hard-coded status.

use keel_demo as demo;
use keel_domain::rhythm::{self, ScoreBand, Status};
use keel_domain::*;
use keel_server::services::rhythm::Assessor;
use keel_store::{
    Cfrs, DynStore, KeyResults, Objectives, PageRequest, Reviews, Rhythm, Snapshots, WriteCtx,
};
use std::collections::{HashMap, HashSet};

async fn loaded() -> (DynStore, keel_store::Snapshot) {
    let today = chrono::Utc::now().date_naive();
    let snap = demo::organisation(today);
    let store = keel_store::open("sqlite::memory:").await.unwrap();
    store
        .load_snapshot(&WriteCtx::system(Source::Cli), &snap)
        .await
        .unwrap();
    (store, snap)
}

fn cycle(snap: &keel_store::Snapshot, state: CycleState) -> Cycle {
    snap.cycles
        .iter()
        .find(|c| c.state == state && c.parent_id.is_some())
        .unwrap()
        .clone()
}

/// Objectives of a cycle and their key results, as stored.
async fn okrs_of(
    store: &DynStore,
    snap: &keel_store::Snapshot,
    cycle: &Cycle,
) -> (Vec<Objective>, Vec<KeyResult>) {
    let ids: Vec<ObjectiveId> = snap
        .objectives
        .iter()
        .filter(|o| o.cycle_id == cycle.id)
        .map(|o| o.id.clone())
        .collect();
    let objectives = store.objectives_by_ids(&ids).await.unwrap();
    let key_results = store.key_results_of(&ids).await.unwrap();
    assert_eq!(objectives.len(), ids.len());
    (objectives, key_results)
}

#[tokio::test]
async fn current_quarter_has_every_status_and_differing_forecasts() {
    let (store, snap) = loaded().await;
    let current = cycle(&snap, CycleState::Active);
    let (objectives, key_results) = okrs_of(&store, &snap, &current).await;
    let assessor = Assessor::load(store.as_ref(), &objectives, &key_results)
        .await
        .unwrap();
    let by_id: HashMap<&ObjectiveId, &Objective> = objectives.iter().map(|o| (&o.id, o)).collect();
    let mut statuses = vec![];
    let mut forecasts = HashSet::new();
    let mut weeks_of_history = 0;
    let mut varied = 0;
    for k in &key_results {
        let o = by_id[&k.objective_id];
        if o.state != ObjectiveState::Active {
            continue;
        }
        let a = assessor.key_result(k, o);
        statuses.push(a.status);
        if let Some(f) = a.forecast {
            forecasts.insert((f.expected * 100.0).round() as i64);
        }
        weeks_of_history = weeks_of_history.max(a.confidences.len());
        // Confidence moves along the way, not one value repeated.
        if a.confidences.iter().collect::<HashSet<_>>().len() >= 3 {
            varied += 1;
        }
    }
    for s in [
        Status::OnTrack,
        Status::AtRisk,
        Status::OffTrack,
        Status::Stale,
    ] {
        assert!(statuses.contains(&s), "no {s:?} key result in {statuses:?}");
    }
    assert!(forecasts.len() >= 5, "forecasts {forecasts:?}");
    assert!(forecasts.iter().any(|f| *f < 70) && forecasts.iter().any(|f| *f >= 90));
    assert!(weeks_of_history >= 2, "check-in history over past weeks");
    assert!(varied >= 3, "{varied} key results with varied confidence");
    let confidences: HashSet<u8> = snap
        .check_ins
        .iter()
        .map(|c| c.confidence.value())
        .collect();
    assert!(confidences.len() >= 6, "{confidences:?}");
}

#[tokio::test]
async fn previous_quarter_is_closed_scored_in_every_band_and_reviewed() {
    let (store, snap) = loaded().await;
    let previous = cycle(&snap, CycleState::Closed);
    let current = cycle(&snap, CycleState::Active);
    let (objectives, key_results) = okrs_of(&store, &snap, &previous).await;
    assert!(objectives.len() >= 3);
    let assessor = Assessor::load(store.as_ref(), &objectives, &key_results)
        .await
        .unwrap();
    let mut bands = vec![];
    let (mut successes, mut misses) = (0, 0);
    let mut kinds = vec![];
    let mut carried = vec![];
    for o in &objectives {
        let assessed: Vec<_> = key_results
            .iter()
            .filter(|k| k.objective_id == o.id)
            .map(|k| {
                let a = assessor.key_result(k, o);
                assert_eq!(a.status, Status::Closed);
                let score = a.score.as_ref().expect("every closed key result is scored");
                assert!((0.0..=1.0).contains(&score.score));
                if score.score != score.suggested_score {
                    assert!(!score.reason.is_empty(), "a changed score says why");
                }
                (k.weight, a)
            })
            .collect();
        let oa = assessor.objective(
            o,
            &assessed.iter().map(|(w, a)| (*w, a)).collect::<Vec<_>>(),
        );
        assert_eq!(oa.status, Status::Closed);
        let score = oa.score.expect("objective score");
        bands.push(rhythm::score_band(score));
        kinds.push(o.kind);
        if rhythm::is_success(score, o.kind == ObjectiveKind::Aspirational) {
            successes += 1;
        } else {
            misses += 1;
        }
        let retro = store
            .retrospective(&o.id)
            .await
            .unwrap()
            .expect("every closed objective has a retrospective");
        assert!(!retro.worked.is_empty() && !retro.did_not.is_empty());
        if retro.carry_over {
            carried.push((o.clone(), retro.carried_over_to.expect("linked draft")));
        }
    }
    for band in [ScoreBand::Red, ScoreBand::Yellow, ScoreBand::Green] {
        assert!(bands.contains(&band), "no {band:?} objective in {bands:?}");
    }
    assert!(kinds.contains(&ObjectiveKind::Committed));
    assert!(kinds.contains(&ObjectiveKind::Aspirational));
    assert!(successes > 0 && misses > 0);

    // One objective is carried over into the current quarter as a draft, linked both ways.
    assert_eq!(carried.len(), 1);
    let (original, draft_id) = &carried[0];
    let draft = store.objective(draft_id).await.unwrap().unwrap();
    assert_eq!(draft.state, ObjectiveState::Draft);
    assert_eq!(draft.cycle_id, current.id);
    assert_eq!(draft.title, original.title);
    assert_eq!(
        store
            .carried_over_from(std::slice::from_ref(draft_id))
            .await
            .unwrap(),
        vec![(draft_id.clone(), original.id.clone())]
    );
    let copies = store
        .key_results_of(std::slice::from_ref(draft_id))
        .await
        .unwrap();
    assert!(!copies.is_empty());
    assert!(copies
        .iter()
        .all(|k| k.current == k.start && k.confidence.is_none()));
}

#[tokio::test]
async fn a_team_review_and_cfrs_are_there_to_click_through() {
    let (store, snap) = loaded().await;
    let first_page = PageRequest {
        limit: 50,
        cursor: None,
    };
    let mut reviews = vec![];
    for t in &snap.teams {
        reviews.extend(store.list_reviews(&t.id, &first_page).await.unwrap().items);
    }
    assert!(!reviews.is_empty());
    let items: Vec<_> = reviews.iter().flat_map(|r| r.items.iter()).collect();
    assert!(items.len() >= 2);
    assert!(items
        .iter()
        .all(|i| !i.notes.is_empty() && !i.decisions.is_empty()));
    assert!(items.iter().any(|i| i.status != Status::OnTrack));
    assert!(items.iter().any(|i| !i.flags.is_empty()));

    let person = |name: &str| {
        snap.people
            .iter()
            .find(|p| p.name.starts_with(name))
            .unwrap()
            .id
            .clone()
    };
    let mut conversations = 0;
    for p in &snap.people {
        conversations += store
            .list_conversations(&p.id, &first_page)
            .await
            .unwrap()
            .items
            .iter()
            .filter(|c| c.author_id == p.id)
            .count();
    }
    assert!(conversations >= 2, "{conversations} 1:1s");
    let maya = store
        .list_conversations(&person("Maya"), &first_page)
        .await
        .unwrap()
        .items;
    assert!(!maya.is_empty() && !maya[0].okr_ids.is_empty());

    let requests = keel_store::every_page(|page| {
        let store = &store;
        async move { store.list_feedback_requests(None, None, &page).await }
    })
    .await
    .unwrap();
    assert!(requests
        .iter()
        .any(|r| r.answers.iter().all(|a| a.answer.is_some())));
    assert!(requests
        .iter()
        .any(|r| r.answers.iter().all(|a| a.answer.is_none())));

    let mut recognitions = vec![];
    for k in &snap.key_results {
        let okr_id = k.id.as_str();
        let store = &store;
        recognitions.extend(
            keel_store::every_page(
                |page| async move { store.list_recognitions(okr_id, &page).await },
            )
            .await
            .unwrap(),
        );
    }
    assert!(recognitions.len() >= 2);
    assert!(recognitions.iter().any(|r| r.check_in_id.is_some()));
}

#[test]
fn the_rhythm_is_deterministic() {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let (a, b) = (demo::organisation(today), demo::organisation(today));
    let scores = |s: &keel_store::Snapshot| s.scores.iter().map(|x| x.score).collect::<Vec<_>>();
    assert_eq!(scores(&a), scores(&b));
    let notes = |s: &keel_store::Snapshot| {
        s.check_ins
            .iter()
            .map(|c| (c.value.to_bits(), c.confidence.value(), c.note.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(notes(&a), notes(&b));
    let review = |s: &keel_store::Snapshot| {
        s.reviews
            .iter()
            .flat_map(|r| r.items.iter().map(|i| (i.status, i.flags.clone())))
            .collect::<Vec<_>>()
    };
    assert_eq!(review(&a), review(&b));
    assert_eq!(a.conversations.len(), b.conversations.len());
    assert_eq!(a.recognitions.len(), b.recognitions.len());
}

/// Issue 12: on the demo's current quarter the company does not read Off track, and no key
/// result active for less than one cadence is red.
#[tokio::test]
async fn current_quarter_is_not_off_track_and_new_work_is_never_red() {
    let (store, snap) = loaded().await;
    let current = cycle(&snap, CycleState::Active);
    let (objectives, key_results) = okrs_of(&store, &snap, &current).await;
    let assessor = Assessor::load(store.as_ref(), &objectives, &key_results)
        .await
        .unwrap();
    let ids: Vec<KeyResultId> = key_results.iter().map(|k| k.id.clone()).collect();
    let active: HashMap<KeyResultId, Option<chrono::DateTime<chrono::Utc>>> = store
        .active_since(&ids)
        .await
        .unwrap()
        .into_iter()
        .collect();
    let now = chrono::Utc::now();
    let mut objective_statuses = vec![];
    for o in &objectives {
        let assessed: Vec<_> = key_results
            .iter()
            .filter(|k| k.objective_id == o.id)
            .map(|k| {
                let a = assessor.key_result(k, o);
                if let Some(Some(since)) = active.get(&k.id) {
                    if (now - *since).num_days() < i64::from(a.cadence_days) {
                        assert_ne!(
                            a.status,
                            Status::OffTrack,
                            "'{}' is active for less than one cadence: {}",
                            k.title,
                            a.status_reason
                        );
                    }
                }
                (k.weight, a)
            })
            .collect();
        let oa = assessor.objective(
            o,
            &assessed.iter().map(|(w, a)| (*w, a)).collect::<Vec<_>>(),
        );
        objective_statuses.push(oa.status);
    }
    let company = rhythm::roll_up(objective_statuses.iter().copied());
    eprintln!("objectives: {objective_statuses:?} → company {company:?}");
    assert!(company.is_some());
    assert_ne!(company, Some(Status::OffTrack), "{objective_statuses:?}");
}
