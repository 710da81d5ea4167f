//! How notifications reach people: the delivery decided from each person's choice when the
//! notification is written (the bell, email, or the digest only), the notifications waiting
//! for their email, the digest's list, reviews read by id, and the cleanup of done jobs and old
//! notifications (dead jobs kept).

use crate::*;
use keel_domain::notification::{Notification, NotificationKind};
use keel_domain::preferences::{Delivery, Topic};

conformance!(
    each_notification_is_delivered_as_its_person_chose,
    notifications_to_email_are_picked_once,
    cleanup_deletes_done_jobs_and_old_notifications_and_keeps_dead_jobs,
    reviews_are_read_by_id,
    a_finished_jobs_payload_is_redacted_and_work_keeps_its_own,
);

fn recognised(to: &Person, at: DateTime<Utc>) -> Notification {
    Notification {
        created_at: at,
        ..Notification::new(to.id.clone(), NotificationKind::RecognitionReceived, "r-1")
    }
}

/// Writes notifications as a change would (the evaluator's write carries them here).
async fn tell(s: &DynStore, ns: Vec<Notification>) {
    s.record_key_result_signals(&[], ns).await.unwrap();
}

async fn bell(s: &DynStore, p: &Person) -> Vec<Notification> {
    s.list_notifications(&p.id, &Reader::Everyone, &page(100, None))
        .await
        .unwrap()
        .items
}

/// Bob takes feedback by email, Cy in Keel only, Dee in the digest only (the organisation's
/// default, which Bob's own choice overrides).
async fn each_notification_is_delivered_as_its_person_chose(s: DynStore, _url: String) {
    let (bob, cy, dee) = (
        add_person(&s, "bob").await,
        add_person(&s, "cy").await,
        add_person(&s, "dee").await,
    );
    let prefs = s.as_preferences();
    prefs
        .set_notification_preferences(None, &[(Topic::Feedback, Delivery::DigestOnly)], now())
        .await
        .unwrap();
    prefs
        .set_notification_preferences(Some(&bob.id), &[(Topic::Feedback, Delivery::Email)], now())
        .await
        .unwrap();
    prefs
        .set_notification_preferences(Some(&cy.id), &[(Topic::Feedback, Delivery::InApp)], now())
        .await
        .unwrap();
    let t = now();
    let review = Notification::new(dee.id.clone(), NotificationKind::ReviewScheduled, "rv");
    tell(
        &s,
        vec![
            recognised(&bob, t),
            recognised(&cy, t),
            recognised(&dee, t),
            review,
        ],
    )
    .await;
    assert_eq!(bell(&s, &bob).await.len(), 1);
    assert_eq!(bell(&s, &cy).await.len(), 1);
    let dees = bell(&s, &dee).await;
    assert_eq!(dees.len(), 1, "a review has no topic: in Keel only");
    assert_eq!(dees[0].kind, NotificationKind::ReviewScheduled);
    assert_eq!(
        s.unread_notification_count(&dee.id, &Reader::Everyone)
            .await
            .unwrap(),
        1
    );
    // Marking all read leaves the digest's alone (they are not on the bell).
    s.mark_all_notifications_read(&dee.id, &Reader::Everyone, t)
        .await
        .unwrap();
    let week_ago = t - Duration::days(7);
    let kept = s
        .digest_notifications(&dee.id, &Reader::Everyone, week_ago)
        .await
        .unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].kind, NotificationKind::RecognitionReceived);
    assert_eq!(kept[0].read_at, None);
    assert!(s
        .digest_notifications(&dee.id, &Reader::Everyone, t + Duration::seconds(1))
        .await
        .unwrap()
        .is_empty());
    // A digest round asks whose news there is once, then reads only theirs.
    let with_news = s.digest_news_recipients(week_ago).await.unwrap();
    assert!(with_news.contains(&dee.id), "{with_news:?}");
    assert_eq!(with_news.iter().filter(|p| **p == dee.id).count(), 1);
    assert!(!with_news.contains(&bob.id) && !with_news.contains(&cy.id));
    assert!(!s
        .digest_news_recipients(t + Duration::seconds(1))
        .await
        .unwrap()
        .contains(&dee.id));
    for p in [&bob, &cy] {
        assert!(s
            .digest_notifications(&p.id, &Reader::Everyone, week_ago)
            .await
            .unwrap()
            .is_empty());
    }
    let to_email = s.notifications_to_email(100).await.unwrap();
    assert_eq!(to_email.len(), 1);
    assert_eq!(to_email[0].recipient_id, bob.id);
}

/// Waiting for their email oldest first; once marked, never picked again.
async fn notifications_to_email_are_picked_once(s: DynStore, _url: String) {
    let bob = add_person(&s, "bob").await;
    let t = now();
    let (older, newer) = (
        recognised(&bob, t - Duration::minutes(1)),
        recognised(&bob, t),
    );
    tell(&s, vec![newer.clone(), older.clone()]).await;
    let got = s.notifications_to_email(100).await.unwrap();
    let ids: Vec<_> = got.iter().map(|n| n.id.clone()).collect();
    assert_eq!(ids, vec![older.id.clone(), newer.id.clone()]);
    assert_eq!(s.notifications_to_email(1).await.unwrap().len(), 1);
    assert_eq!(
        s.mark_notifications_emailed(&[older.id.clone()], t)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        s.mark_notifications_emailed(&[older.id.clone()], t)
            .await
            .unwrap(),
        0,
        "once"
    );
    let left = s.notifications_to_email(100).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].id, newer.id);
    // Still on the bell, whatever its email.
    assert_eq!(bell(&s, &bob).await.len(), 2);
}

fn job(kind: &str, run_at: DateTime<Utc>) -> NewJob {
    NewJob {
        kind: kind.into(),
        unique_key: None,
        payload: serde_json::json!({}),
        run_at,
        max_attempts: 1,
    }
}

/// Done jobs finished before the limit go, dead and queued ones stay; notifications read
/// before the limit go, unread ones and recent ones stay, digest-only ones older than it go.
async fn cleanup_deletes_done_jobs_and_old_notifications_and_keeps_dead_jobs(
    s: DynStore,
    _url: String,
) {
    let t = now();
    let long_ago = t - Duration::days(30);
    for kind in ["old_done", "old_dead", "new_done", "waiting"] {
        let at = if kind.starts_with("old") { long_ago } else { t };
        s.enqueue_job(&job(kind, at)).await.unwrap();
    }
    let lease = Duration::minutes(5);
    let claimed = s.claim_jobs("w", long_ago, lease, 10).await.unwrap();
    for j in &claimed {
        match j.kind.as_str() {
            "old_done" => s.complete_job(j, long_ago).await.unwrap(),
            "old_dead" => {
                assert_eq!(
                    s.fail_job(j, "broken", long_ago).await.unwrap(),
                    JobState::Dead
                );
            }
            _ => unreachable!("{}", j.kind),
        }
    }
    let fresh = s.claim_jobs("w", t, lease, 10).await.unwrap();
    let new_done = fresh.iter().find(|j| j.kind == "new_done").unwrap();
    s.complete_job(new_done, t).await.unwrap();
    let waiting = fresh.iter().find(|j| j.kind == "waiting").unwrap();
    s.fail_job(
        &Job {
            max_attempts: 2,
            ..waiting.clone()
        },
        "later",
        t,
    )
    .await
    .ok();
    let limit = t - Duration::days(14);
    assert_eq!(s.delete_done_jobs(limit).await.unwrap(), 1);
    for j in claimed.iter().chain(&fresh) {
        let kept = s.job(&j.id).await.unwrap().is_some();
        assert_eq!(kept, j.kind != "old_done", "{}", j.kind);
    }
    assert_eq!(s.delete_done_jobs(limit).await.unwrap(), 0);

    let (bob, dee) = (add_person(&s, "bob").await, add_person(&s, "dee").await);
    s.as_preferences()
        .set_notification_preferences(Some(&dee.id), &[(Topic::Feedback, Delivery::DigestOnly)], t)
        .await
        .unwrap();
    let old_read = recognised(&bob, long_ago);
    let old_unread = recognised(&bob, long_ago);
    let new_read = recognised(&bob, t);
    let old_digest = recognised(&dee, long_ago);
    let new_digest = recognised(&dee, t);
    tell(
        &s,
        vec![
            old_read.clone(),
            old_unread.clone(),
            new_read.clone(),
            old_digest,
            new_digest.clone(),
        ],
    )
    .await;
    for (n, at) in [(&old_read, long_ago), (&new_read, t)] {
        s.mark_notification_read(&bob.id, &Reader::Everyone, &n.id, at)
            .await
            .unwrap();
    }
    assert_eq!(s.delete_old_notifications(limit).await.unwrap(), 2);
    let mut left: Vec<_> = bell(&s, &bob).await.into_iter().map(|n| n.id).collect();
    left.sort();
    let mut want = vec![old_unread.id.clone(), new_read.id.clone()];
    want.sort();
    assert_eq!(left, want);
    let digest = s
        .digest_notifications(&dee.id, &Reader::Everyone, long_ago - Duration::days(1))
        .await
        .unwrap();
    assert_eq!(digest.len(), 1);
    assert_eq!(digest[0].id, new_digest.id);
}

/// Reviews by id, in one query: unknown ids are left out.
async fn reviews_are_read_by_id(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let tm = team("Growth");
    s.insert_team(&ctx(), &tm).await.unwrap();
    let mut ids = vec![];
    for day in ["2026-10-01", "2026-11-01"] {
        let r = review::Review {
            id: ReviewId::generate(),
            team_id: tm.id.clone(),
            held_on: day.parse().unwrap(),
            run_by: Some(b.owner.id.clone()),
            items: vec![],
            created_at: now(),
            updated_at: now(),
            version: 1,
        };
        s.insert_review(&ctx(), &r).await.unwrap();
        ids.push(r.id);
    }
    ids.push(ReviewId::generate());
    let mut got = s.reviews_by_ids(&ids).await.unwrap();
    got.sort_by_key(|r| r.held_on);
    let days: Vec<String> = got.iter().map(|r| r.held_on.to_string()).collect();
    assert_eq!(days, ["2026-10-01", "2026-11-01"]);
    assert_eq!(got[0].team_id, tm.id);
    assert!(s.reviews_by_ids(&[]).await.unwrap().is_empty());
}

/// An email that carried a one-time link is cleared once sent (done) or given up (dead); a
/// job still to run (running, or queued for a retry) keeps its payload.
async fn a_finished_jobs_payload_is_redacted_and_work_keeps_its_own(s: DynStore, _url: String) {
    let t = now();
    let secret = serde_json::json!({ "text": "https://keel.example/set-password/s3cret" });
    let cleared = serde_json::json!({ "text": "(cleared)" });
    for kind in ["sent", "given_up", "retried", "running"] {
        s.enqueue_job(&NewJob {
            payload: secret.clone(),
            ..job(kind, t)
        })
        .await
        .unwrap();
    }
    let claimed = s
        .claim_jobs("w", t, Duration::minutes(5), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 4);
    for j in &claimed {
        match j.kind.as_str() {
            "sent" => s.complete_job(j, t).await.unwrap(),
            "given_up" => {
                assert_eq!(s.fail_job(j, "refused", t).await.unwrap(), JobState::Dead);
            }
            "retried" => {
                let again = Job {
                    max_attempts: 2,
                    ..j.clone()
                };
                assert_eq!(
                    s.fail_job(&again, "busy", t).await.unwrap(),
                    JobState::Queued
                );
            }
            _ => {}
        }
    }
    for j in &claimed {
        let finished = matches!(j.kind.as_str(), "sent" | "given_up");
        let done = s.redact_job_payload(&j.id, &cleared).await.unwrap();
        assert_eq!(done, finished, "{}", j.kind);
        let payload = s.job(&j.id).await.unwrap().unwrap().payload;
        let want = if finished { &cleared } else { &secret };
        assert_eq!(&payload, want, "{}", j.kind);
    }
    let unknown = JobId::generate();
    assert!(!s.redact_job_payload(&unknown, &cleared).await.unwrap());
}
