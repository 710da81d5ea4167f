//! The company goal tree's lists: a list by status holds exactly what the tree's figures count
//! under that status (the lifecycle first, then the evaluator's word, even when that word is
//! older than the lifecycle), and a long list is counted up to a bound past its page, then said
//! to hold more.

use crate::*;
use keel_domain::rhythm::Status;

conformance!(
    a_list_by_status_holds_what_the_figures_count,
    a_long_list_is_counted_up_to_a_bound,
);

fn signal(o: &Objective, status: Status) -> ObjectiveSignal {
    ObjectiveSignal {
        objective_id: o.id.clone(),
        status,
        status_rank: 0,
        progress_milli: 500,
        evaluated_at: now(),
        cycle_id: o.cycle_id.clone(),
    }
}

fn everyone(cycle: &CycleId) -> TreeScope {
    TreeScope {
        reader: Reader::Everyone,
        cycle_id: cycle.clone(),
    }
}

fn which(place: TreePlace, status: Status) -> TreeObjectives {
    TreeObjectives {
        place,
        status: Some(status),
        owner_id: None,
    }
}

async fn a_list_by_status_holds_what_the_figures_count(s: DynStore, _url: String) {
    let owner = add_person(&s, "Ada").await;
    let t = team("Platform");
    s.insert_team(&ctx(), &t).await.unwrap();
    let open = cycle("Q1");
    s.insert_cycle(&ctx(), &open).await.unwrap();
    let done = Cycle {
        state: CycleState::Closed,
        ..cycle("Q0")
    };
    s.insert_cycle(&ctx(), &done).await.unwrap();
    // (cycle, lifecycle, the evaluator's last word), each objective shared with the team.
    let cases: Vec<(&Cycle, ObjectiveState, Option<Status>)> = vec![
        (&open, ObjectiveState::Draft, None),
        (&open, ObjectiveState::Draft, Some(Status::OnTrack)),
        (&open, ObjectiveState::Active, Some(Status::Draft)),
        (&open, ObjectiveState::Active, Some(Status::Closed)),
        (&open, ObjectiveState::Closed, Some(Status::OffTrack)),
        (&open, ObjectiveState::Active, Some(Status::OffTrack)),
        (&open, ObjectiveState::Active, Some(Status::OffTrack)),
        (&open, ObjectiveState::Active, Some(Status::OnTrack)),
        (&open, ObjectiveState::Active, Some(Status::AtRisk)),
        (&open, ObjectiveState::Active, Some(Status::AwaitingOwner)),
        (&open, ObjectiveState::Active, None),
        (&done, ObjectiveState::Active, Some(Status::OnTrack)),
        (&done, ObjectiveState::Draft, Some(Status::Closed)),
    ];
    let mut signals = vec![];
    for (c, state, said) in &cases {
        let o = Objective {
            state: *state,
            team_ids: vec![t.id.clone()],
            ..objective(&c.id, &owner.id)
        };
        s.insert_objective(&ctx(), &o, None).await.unwrap();
        if let Some(said) = said {
            signals.push(signal(&o, *said));
        }
    }
    s.record_objective_signals(&signals).await.unwrap();
    for c in [&open, &done] {
        let scope = everyone(&c.id);
        let figures = s
            .tree_figures(&scope, &[t.id.clone()], false)
            .await
            .unwrap();
        let counted = |status: Status| {
            figures
                .iter()
                .flat_map(|f| f.statuses.iter())
                .filter(|(st, _)| *st == Some(status))
                .map(|(_, n)| *n)
                .sum::<u64>()
        };
        let mut listed_in_all = 0;
        for status in Status::ALL {
            for place in [TreePlace::Below(t.id.clone()), TreePlace::Anywhere] {
                let (found, total) = s
                    .tree_objectives(&scope, &which(place.clone(), status), 0, 50)
                    .await
                    .unwrap();
                assert_eq!(
                    (found.len() as u64, total),
                    (
                        counted(status),
                        TreeCount {
                            counted: counted(status),
                            more: false
                        }
                    ),
                    "{} {status:?} {place:?}",
                    c.name
                );
                if place == TreePlace::Anywhere {
                    listed_in_all += found.len();
                }
            }
        }
        let unseen: u64 = figures
            .iter()
            .flat_map(|f| f.statuses.iter())
            .filter(|(st, _)| st.is_none())
            .map(|(_, n)| *n)
            .sum();
        let here = cases.iter().filter(|(cy, _, _)| cy.id == c.id).count();
        assert_eq!(
            listed_in_all as u64 + unseen,
            here as u64,
            "{}: every objective under one status",
            c.name
        );
    }
    // The cases read as the rule says.
    let open_scope = everyone(&open.id);
    let n = |status: Status| {
        let s = s.clone();
        let scope = open_scope.clone();
        async move {
            s.tree_objectives(&scope, &which(TreePlace::Anywhere, status), 0, 50)
                .await
                .unwrap()
                .1
                .counted
        }
    };
    assert_eq!(
        n(Status::Draft).await,
        3,
        "two drafts, one the evaluator last saw as one"
    );
    assert_eq!(n(Status::Closed).await, 2, "closed, and last seen closed");
    assert_eq!(
        n(Status::OffTrack).await,
        2,
        "the closed one is not off track"
    );
    let done_scope = everyone(&done.id);
    let (_, closed) = s
        .tree_objectives(
            &done_scope,
            &which(TreePlace::Anywhere, Status::Closed),
            0,
            50,
        )
        .await
        .unwrap();
    assert_eq!(closed.counted, 1, "an active objective of a closed cycle");
}

async fn a_long_list_is_counted_up_to_a_bound(s: DynStore, _url: String) {
    let owner = add_person(&s, "Ada").await;
    let c = cycle("Q1");
    s.insert_cycle(&ctx(), &c).await.unwrap();
    let many = COUNTED_PAST + 60;
    let mut signals = vec![];
    for i in 0..many {
        let o = Objective {
            title: format!("Goal {i:05}"),
            ..objective(&c.id, &owner.id)
        };
        s.insert_objective(&ctx(), &o, None).await.unwrap();
        signals.push(signal(&o, Status::OffTrack));
    }
    s.record_objective_signals(&signals).await.unwrap();
    let scope = everyone(&c.id);
    let off = which(TreePlace::Anywhere, Status::OffTrack);
    for (offset, counted, more, shown) in [
        (0, COUNTED_PAST, true, 50),
        (50, 50 + COUNTED_PAST, true, 50),
        (60, many, false, 50),
        (COUNTED_PAST, many, false, 50),
        (COUNTED_PAST + 50, many, false, 10),
        (many, many, false, 0),
    ] {
        let (found, total) = s.tree_objectives(&scope, &off, offset, 50).await.unwrap();
        assert_eq!(
            (total, found.len()),
            (TreeCount { counted, more }, shown),
            "from {offset}"
        );
        if let Some(first) = found.first() {
            assert_eq!(first.title, format!("Goal {offset:05}"), "by title");
        }
    }
}
