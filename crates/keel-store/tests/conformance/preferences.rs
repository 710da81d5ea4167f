//! Notification preferences (a person's and the organisation's defaults) and the server's
//! signing keys, on both backends.

use crate::*;
use keel_domain::preferences::{Delivery, Topic};
use keel_domain::Weekday;
use keel_store::{Preference, Preferences};

conformance!(
    preferences_are_per_person_and_topic_beside_the_defaults,
    a_signing_key_is_made_once_and_shared,
    a_persons_digest_day_is_set_read_and_cleared,
);

/// A person's choices replace their own earlier ones per topic, leave other topics and other
/// people alone, live beside the organisation's defaults, and an unknown person writes nothing.
async fn preferences_are_per_person_and_topic_beside_the_defaults(s: DynStore, _url: String) {
    let ana = add_person(&s, "Ana").await;
    let bo = add_person(&s, "Bo").await;
    let t = now();
    assert!(s
        .notification_preferences(Some(&ana.id))
        .await
        .unwrap()
        .is_empty());
    s.set_notification_preferences(
        Some(&ana.id),
        &[
            (Topic::Digest, Delivery::Off),
            (Topic::CheckInReminders, Delivery::InApp),
        ],
        t,
    )
    .await
    .unwrap();
    s.set_notification_preferences(Some(&ana.id), &[(Topic::Digest, Delivery::Email)], t)
        .await
        .unwrap();
    s.set_notification_preferences(None, &[(Topic::Digest, Delivery::Off)], t)
        .await
        .unwrap();
    let anas = s.notification_preferences(Some(&ana.id)).await.unwrap();
    let pref = |person: Option<&Person>, topic, delivery| Preference {
        person_id: person.map(|p| p.id.clone()),
        topic,
        delivery,
    };
    assert_eq!(
        anas,
        [
            pref(Some(&ana), Topic::CheckInReminders, Delivery::InApp),
            pref(Some(&ana), Topic::Digest, Delivery::Email),
        ]
    );
    assert!(s
        .notification_preferences(Some(&bo.id))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        s.notification_preferences(None).await.unwrap(),
        [pref(None, Topic::Digest, Delivery::Off)]
    );
    assert_eq!(s.all_notification_preferences().await.unwrap().len(), 3);
    let nobody = PersonId::generate();
    let err = s
        .set_notification_preferences(Some(&nobody), &[(Topic::Digest, Delivery::Off)], t)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    assert_eq!(s.all_notification_preferences().await.unwrap().len(), 3);
}

/// The first key stored for a purpose is the one every later caller (another server) gets.
async fn a_signing_key_is_made_once_and_shared(s: DynStore, url: String) {
    let t = now();
    let first = s.signing_key("unsubscribe", "key-one", t).await.unwrap();
    assert_eq!(first, "key-one");
    let other = keel_store::open(&url).await.unwrap();
    assert_eq!(
        other
            .signing_key("unsubscribe", "key-two", t)
            .await
            .unwrap(),
        "key-one"
    );
    assert_eq!(
        s.signing_key("other", "key-three", t).await.unwrap(),
        "key-three"
    );
}

/// A person's own digest day is set with their choices in one write, read alone and with
/// everyone's, cleared back to the organisation's day, and an unknown person writes nothing.
async fn a_persons_digest_day_is_set_read_and_cleared(s: DynStore, _url: String) {
    let ana = add_person(&s, "Ana").await;
    let bo = add_person(&s, "Bo").await;
    let t = now();
    assert_eq!(s.digest_day(&ana.id).await.unwrap(), None);
    s.set_own_notification_preferences(
        &ana.id,
        &[(Topic::Digest, Delivery::Email)],
        Some(Some(Weekday::Tuesday)),
        t,
    )
    .await
    .unwrap();
    s.set_own_notification_preferences(&bo.id, &[], Some(Some(Weekday::Sunday)), t)
        .await
        .unwrap();
    assert_eq!(s.digest_day(&ana.id).await.unwrap(), Some(Weekday::Tuesday));
    assert_eq!(
        s.notification_preferences(Some(&ana.id))
            .await
            .unwrap()
            .len(),
        1,
        "the choices were written with the day"
    );
    // Leaving the day out keeps it; `Some(None)` clears it.
    s.set_own_notification_preferences(&ana.id, &[(Topic::Digest, Delivery::Off)], None, t)
        .await
        .unwrap();
    assert_eq!(s.digest_day(&ana.id).await.unwrap(), Some(Weekday::Tuesday));
    let mut all = s.digest_days().await.unwrap();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    let mut want = vec![
        (ana.id.clone(), Weekday::Tuesday),
        (bo.id.clone(), Weekday::Sunday),
    ];
    want.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(all, want);
    s.set_own_notification_preferences(&ana.id, &[], Some(None), t)
        .await
        .unwrap();
    assert_eq!(s.digest_day(&ana.id).await.unwrap(), None);
    assert_eq!(
        s.digest_days().await.unwrap(),
        [(bo.id.clone(), Weekday::Sunday)]
    );
    let nobody = PersonId::generate();
    let err = s
        .set_own_notification_preferences(&nobody, &[], Some(Some(Weekday::Monday)), t)
        .await
        .unwrap_err();
    assert!(matches!(err, keel_store::StoreError::NotFound), "{err:?}");
}
