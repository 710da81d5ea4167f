//! The owner's rhythm: cadences, status overrides, scores, retrospectives, carrying over.

use crate::*;

conformance!(
    rhythm_records_round_trip,
    carry_over_is_all_or_nothing,
    a_close_out_is_saved_all_or_nothing,
    key_results_are_active_from_activation_and_acceptance,
    key_result_dates_round_trip,
    a_check_in_keeps_the_scale_its_confidence_was_given_on,
    closing_is_dated,
);

/// When an objective, or its cycle, closed (migration 0013): stamped when the state becomes
/// closed, kept while it stays closed, cleared when re-opened; the earlier of the two counts.
async fn closing_is_dated(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let ids = [b.objective.id.clone()];
    assert!(s.closed_since(&ids).await.unwrap().is_empty(), "open");
    let before_close = now();
    let closed = ObjectiveState::Closed;
    let o = s
        .update_objective(
            &ctx(),
            &b.objective,
            &Objective {
                state: closed,
                ..b.objective.clone()
            },
        )
        .await
        .unwrap();
    let stamped = s.closed_since(&ids).await.unwrap();
    assert_eq!(stamped.len(), 1);
    let (id, at) = stamped[0].clone();
    assert_eq!(id, b.objective.id);
    assert!(at >= before_close && at <= now(), "{at}");
    // A later change while closed keeps the first close; the cycle closing later does not move it.
    let o = s
        .update_objective(
            &ctx(),
            &o,
            &Objective {
                title: "Renamed".into(),
                ..o.clone()
            },
        )
        .await
        .unwrap();
    let cycle = s
        .update_cycle(
            &ctx(),
            &b.cycle,
            &Cycle {
                state: CycleState::Closed,
                ..b.cycle.clone()
            },
        )
        .await
        .unwrap();
    assert_eq!(s.closed_since(&ids).await.unwrap(), vec![(id.clone(), at)]);
    // Re-opened, the objective's own close is cleared: its cycle's (later) close remains.
    let o = s
        .update_objective(
            &ctx(),
            &o,
            &Objective {
                state: ObjectiveState::Active,
                ..o.clone()
            },
        )
        .await
        .unwrap();
    let by_cycle = s.closed_since(&ids).await.unwrap();
    assert_eq!(by_cycle.len(), 1);
    assert!(by_cycle[0].1 >= at, "the cycle closed after the objective");
    let cycle = s
        .update_cycle(
            &ctx(),
            &cycle,
            &Cycle {
                state: CycleState::Active,
                ..cycle.clone()
            },
        )
        .await
        .unwrap();
    assert!(s.closed_since(&ids).await.unwrap().is_empty(), "open again");
    assert_eq!(cycle.state, CycleState::Active);
    assert_eq!(o.state, ObjectiveState::Active);
}

/// A key result's own start and due days are kept, changed and cleared.
async fn key_result_dates_round_trip(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let day = |d: &str| Some(d.parse::<chrono::NaiveDate>().unwrap());
    let mut kr = key_result(&b.objective.id, &b.owner.id);
    kr.starts_on = day("2026-10-15");
    kr.ends_on = day("2026-11-30");
    s.insert_key_result(&ctx(), &kr, None).await.unwrap();
    let stored = s.key_result(&kr.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.starts_on, stored.ends_on),
        (kr.starts_on, kr.ends_on)
    );
    let mut moved = stored.clone();
    moved.starts_on = None;
    moved.ends_on = day("2026-12-10");
    s.update_key_result(&ctx(), &stored, &moved).await.unwrap();
    let stored = s.key_result(&kr.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.starts_on, stored.ends_on),
        (None, day("2026-12-10"))
    );
}

/// A check-in keeps the scale its confidence was given on (migration 0010), in its record and in
/// the points statuses are derived from, so a later change of scale never rereads it.
async fn a_check_in_keeps_the_scale_its_confidence_was_given_on(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let t = now();
    let mut ten = check_in(&b.kr.id, 1.0, t - Duration::days(2));
    ten.confidence = Confidence::new(8, ConfidenceScale::ZeroToTen).unwrap();
    let mut three = check_in(&b.kr.id, 2.0, t - Duration::days(1));
    three.confidence = Confidence::new(2, ConfidenceScale::ThreeLevel).unwrap();
    three.scale = ConfidenceScale::ThreeLevel;
    for c in [&ten, &three] {
        s.record_check_in(&ctx(), c, &applied(&b.kr, c))
            .await
            .unwrap();
    }
    let all = s
        .check_ins_of(std::slice::from_ref(&b.kr.id))
        .await
        .unwrap();
    let scales: Vec<(u8, ConfidenceScale)> = all
        .iter()
        .map(|c| (c.confidence.value(), c.scale))
        .collect();
    assert_eq!(
        scales,
        vec![
            (8, ConfidenceScale::ZeroToTen),
            (2, ConfidenceScale::ThreeLevel)
        ]
    );
    let points = s
        .check_in_points(std::slice::from_ref(&b.kr.id))
        .await
        .unwrap();
    let scales: Vec<ConfidenceScale> = points.iter().map(|p| p.scale).collect();
    assert_eq!(
        scales,
        vec![ConfidenceScale::ZeroToTen, ConfidenceScale::ThreeLevel]
    );
}

/// `active_since`: the later of the objective's activation (stamped when it leaves draft) and the
/// owner's acceptance (stamped when it is accepted, cleared while nobody has accepted it).
async fn key_results_are_active_from_activation_and_acceptance(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let since = |v: Vec<(KeyResultId, Option<chrono::DateTime<chrono::Utc>>)>| {
        v.into_iter()
            .next()
            .and_then(|(_, t)| t)
            .map(|t| t.timestamp_micros())
    };
    let micros = |t: chrono::DateTime<chrono::Utc>| t.timestamp_micros();
    // Created active and accepted: active from the later of the two creations.
    assert_eq!(
        since(
            s.active_since(std::slice::from_ref(&b.kr.id))
                .await
                .unwrap()
        ),
        Some(micros(b.objective.created_at.max(b.kr.created_at)))
    );
    // A draft: not active until it leaves draft.
    let mut draft = objective(&b.cycle.id, &b.owner.id);
    draft.state = ObjectiveState::Draft;
    s.insert_objective(&ctx(), &draft, None).await.unwrap();
    let kr = key_result(&draft.id, &b.owner.id);
    s.insert_key_result(&ctx(), &kr, None).await.unwrap();
    let ids = std::slice::from_ref(&kr.id);
    assert_eq!(since(s.active_since(ids).await.unwrap()), None);
    let before = now();
    let mut active = draft.clone();
    active.state = ObjectiveState::Active;
    s.update_objective(&ctx(), &draft, &active).await.unwrap();
    let activated = since(s.active_since(ids).await.unwrap()).expect("active once activated");
    assert!(
        activated >= micros(before) - 1,
        "stamped when it left draft"
    );
    // Handed to someone who has not accepted: not active; accepted: active from then.
    let other = person("Ben", &format!("ben-{}@example.com", uuid::Uuid::now_v7()));
    s.insert_person(&ctx(), &other).await.unwrap();
    let stored = s.key_result(&kr.id).await.unwrap().unwrap();
    let mut handed = stored.clone();
    handed.owner_id = other.id.clone();
    handed.ownership_state = OwnershipState::Pending;
    let handed = s.update_key_result(&ctx(), &stored, &handed).await.unwrap();
    assert_eq!(since(s.active_since(ids).await.unwrap()), None);
    let mut accepted = handed.clone();
    accepted.ownership_state = OwnershipState::Accepted;
    s.update_key_result(&ctx(), &handed, &accepted)
        .await
        .unwrap();
    let from = since(s.active_since(ids).await.unwrap()).expect("active once accepted");
    assert!(from >= activated, "the later of activation and acceptance");
    assert!(s.active_since(&[]).await.unwrap().is_empty());
}

async fn rhythm_records_round_trip(s: DynStore, _url: String) {
    let b = basic(&s).await;
    // Check-in history of several key results in one call, by key result then time.
    let kr2 = key_result(&b.objective.id, &b.owner.id);
    s.insert_key_result(&ctx(), &kr2, None).await.unwrap();
    let t = now();
    for (kr, v, days) in [(&b.kr, 2.0, 1), (&b.kr, 1.0, 5), (&kr2, 3.0, 2)] {
        let c = check_in(&kr.id, v, t - Duration::days(days));
        s.record_check_in(&ctx(), &c, &applied(kr, &c))
            .await
            .unwrap();
    }
    let all = s
        .check_ins_of(&[b.kr.id.clone(), kr2.id.clone()])
        .await
        .unwrap();
    let mine: Vec<f64> = all
        .iter()
        .filter(|c| c.key_result_id == b.kr.id)
        .map(|c| c.value)
        .collect();
    assert_eq!(mine, vec![1.0, 2.0], "oldest first");
    assert_eq!(all.len(), 3);
    assert!(s.check_ins_of(&[]).await.unwrap().is_empty());
    // The same history reduced to points, in the same order, with the same confidences.
    let points = s
        .check_in_points(&[b.kr.id.clone(), kr2.id.clone()])
        .await
        .unwrap();
    let expected: Vec<keel_store::CheckInPoint> =
        all.iter().map(keel_store::CheckInPoint::from).collect();
    let mut sorted = points.clone();
    sorted.sort_by(|a, b| (a.key_result_id.as_str(), a.at).cmp(&(b.key_result_id.as_str(), b.at)));
    assert_eq!(sorted, expected);
    let mine: Vec<f64> = points
        .iter()
        .filter(|p| p.key_result_id == b.kr.id)
        .map(|p| p.value)
        .collect();
    assert_eq!(mine, vec![1.0, 2.0], "oldest first");
    assert!(s.check_in_points(&[]).await.unwrap().is_empty());
    assert_eq!(
        s.cycles_by_ids(&[b.cycle.id.clone()]).await.unwrap()[0].id,
        b.cycle.id
    );

    let tm = team("Growth");
    s.insert_team(&ctx(), &tm).await.unwrap();
    s.set_team_cadence(&ctx(), &tm.id, Some(14)).await.unwrap();
    s.set_team_cadence(&ctx(), &tm.id, Some(10)).await.unwrap();
    assert_eq!(
        s.team_cadences(&[tm.id.clone()]).await.unwrap(),
        vec![(tm.id.clone(), 10)]
    );
    s.set_team_cadence(&ctx(), &tm.id, None).await.unwrap();
    assert!(s.team_cadences(&[tm.id.clone()]).await.unwrap().is_empty());

    let ov = rhythm::StatusOverride {
        objective_id: b.objective.id.clone(),
        status: rhythm::Status::AtRisk,
        reason: "hiring".into(),
        set_by: Some(b.owner.id.clone()),
        set_at: now(),
        until: Some(now().date_naive() + chrono::Days::new(14)),
    };
    s.set_status_override(&ctx(), &b.objective.id, Some(&ov))
        .await
        .unwrap();
    assert_eq!(
        s.status_overrides(&[b.objective.id.clone()]).await.unwrap(),
        vec![ov]
    );
    s.set_status_override(&ctx(), &b.objective.id, None)
        .await
        .unwrap();
    assert!(s
        .status_overrides(&[b.objective.id.clone()])
        .await
        .unwrap()
        .is_empty());

    let score = rhythm::KeyResultScore {
        key_result_id: b.kr.id.clone(),
        score: 0.7,
        reason: "close".into(),
        suggested_score: 0.6,
        scored_by: Some(b.owner.id.clone()),
        scored_at: now(),
    };
    s.save_score(&ctx(), &score).await.unwrap();
    let rescored = rhythm::KeyResultScore {
        score: 0.8,
        ..score
    };
    s.save_score(&ctx(), &rescored).await.unwrap();
    assert_eq!(
        s.scores_of(&[b.kr.id.clone()]).await.unwrap(),
        vec![rescored]
    );

    let draft = objective(&b.cycle.id, &b.owner.id);
    s.insert_objective(&ctx(), &draft, None).await.unwrap();
    let retro = rhythm::Retrospective {
        objective_id: b.objective.id.clone(),
        worked: "demos".into(),
        did_not: "hiring".into(),
        carry_over: true,
        carried_over_to: Some(draft.id.clone()),
        updated_by: Some(b.owner.id.clone()),
        updated_at: now(),
    };
    s.save_retrospective(&ctx(), &retro).await.unwrap();
    assert_eq!(s.retrospective(&b.objective.id).await.unwrap(), Some(retro));
    assert_eq!(
        s.carried_over_from(&[draft.id.clone(), b.objective.id.clone()])
            .await
            .unwrap(),
        vec![(draft.id.clone(), b.objective.id.clone())]
    );
    // A score for an unknown key result is refused by the database.
    let orphan = rhythm::KeyResultScore {
        key_result_id: KeyResultId::generate(),
        ..s.scores_of(&[b.kr.id.clone()]).await.unwrap().remove(0)
    };
    assert!(s.save_score(&ctx(), &orphan).await.is_err());
}

async fn carry_over_is_all_or_nothing(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let next = cycle(&format!("Q2 {}", uuid::Uuid::now_v7()));
    s.insert_cycle(&ctx(), &next).await.unwrap();
    let retro = |to: &ObjectiveId| rhythm::Retrospective {
        objective_id: b.objective.id.clone(),
        worked: "weekly check-ins".into(),
        did_not: "hiring".into(),
        carry_over: true,
        carried_over_to: Some(to.clone()),
        updated_by: Some(b.owner.id.clone()),
        updated_at: now(),
    };
    let draft = |kr_ids: Vec<KeyResultId>| {
        let mut o = objective(&next.id, &b.owner.id);
        o.state = ObjectiveState::Draft;
        let krs = kr_ids
            .into_iter()
            .map(|id| {
                let mut k = key_result(&o.id, &b.owner.id);
                k.id = id;
                (k, None)
            })
            .collect();
        CarryOver {
            objective: o,
            request: None,
            key_results: krs,
        }
    };

    // A later write fails (the second key result reuses an existing id): nothing is written,
    // not the draft, not its first key result, not the retrospective.
    let failing = draft(vec![KeyResultId::generate(), b.kr.id.clone()]);
    assert!(s
        .carry_over(&ctx(), &retro(&failing.objective.id), &failing)
        .await
        .is_err());
    assert!(s.objective(&failing.objective.id).await.unwrap().is_none());
    assert!(s
        .key_result(&failing.key_results[0].0.id)
        .await
        .unwrap()
        .is_none());
    assert!(s.retrospective(&b.objective.id).await.unwrap().is_none());

    // The whole carry-over lands together, linked to the original.
    let ok = draft(vec![KeyResultId::generate(), KeyResultId::generate()]);
    s.carry_over(&ctx(), &retro(&ok.objective.id), &ok)
        .await
        .unwrap();
    assert_eq!(
        s.objective(&ok.objective.id)
            .await
            .unwrap()
            .unwrap()
            .cycle_id,
        next.id
    );
    assert_eq!(
        s.key_results_of(&[ok.objective.id.clone()])
            .await
            .unwrap()
            .len(),
        2
    );
    let r = s.retrospective(&b.objective.id).await.unwrap().unwrap();
    assert_eq!(r.carried_over_to, Some(ok.objective.id.clone()));
    assert_eq!(
        s.carried_over_from(&[ok.objective.id.clone()])
            .await
            .unwrap(),
        vec![(ok.objective.id.clone(), b.objective.id.clone())]
    );

    // A key result of another objective is refused before anything is written.
    let mut stray = draft(vec![KeyResultId::generate()]);
    stray.key_results[0].0.objective_id = b.objective.id.clone();
    assert!(s
        .carry_over(&ctx(), &retro(&stray.objective.id), &stray)
        .await
        .is_err());
    assert!(s.objective(&stray.objective.id).await.unwrap().is_none());
}

/// A close-out's scores and retrospective are written in one transaction: a refusal part-way
/// (here a score for a key result that does not exist, after a good one) leaves nothing
/// written; then, right, all of it is saved.
async fn a_close_out_is_saved_all_or_nothing(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let score = rhythm::KeyResultScore {
        key_result_id: b.kr.id.clone(),
        score: 0.7,
        reason: "close".into(),
        suggested_score: 0.6,
        scored_by: Some(b.owner.id.clone()),
        scored_at: now(),
    };
    let orphan = rhythm::KeyResultScore {
        key_result_id: KeyResultId::generate(),
        ..score.clone()
    };
    let retro = rhythm::Retrospective {
        objective_id: b.objective.id.clone(),
        worked: "demos".into(),
        did_not: "hiring".into(),
        carry_over: false,
        carried_over_to: None,
        updated_by: Some(b.owner.id.clone()),
        updated_at: now(),
    };
    let refused = s
        .save_close_out(&ctx(), &[score.clone(), orphan], Some(&retro), None)
        .await;
    assert!(refused.is_err(), "{refused:?}");
    assert!(s.scores_of(&[b.kr.id.clone()]).await.unwrap().is_empty());
    assert_eq!(s.retrospective(&b.objective.id).await.unwrap(), None);

    s.save_close_out(&ctx(), std::slice::from_ref(&score), Some(&retro), None)
        .await
        .unwrap();
    assert_eq!(s.scores_of(&[b.kr.id.clone()]).await.unwrap(), vec![score]);
    assert_eq!(s.retrospective(&b.objective.id).await.unwrap(), Some(retro));
}
