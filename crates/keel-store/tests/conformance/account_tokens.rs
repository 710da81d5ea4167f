//! Invitation and password-reset links (`account_tokens`) and the mail server saved from the
//! settings page (`mail_settings`), on both backends.

use crate::*;
use keel_store::{
    AccountToken, AccountTokens, Accounts, Jobs, MailServer, NewJob, PersonData,
    StoredMailSettings, TokenPurpose,
};

conformance!(
    a_link_is_spent_once_sets_the_password_and_ends_sessions,
    a_new_link_replaces_unused_ones_and_expired_ones_go,
    a_link_and_its_email_are_written_together,
    the_mail_server_is_saved_whole_and_audited_without_the_password,
    erasing_a_person_removes_their_links_and_forgets_who_invited,
    the_cleanup_deletes_used_and_expired_links_only,
);

fn link(person: &PersonId, hash: &str, purpose: TokenPurpose, at: DateTime<Utc>) -> AccountToken {
    AccountToken {
        token_hash: hash.into(),
        person_id: person.clone(),
        purpose,
        created_at: at,
        expires_at: at + Duration::hours(1),
        used_at: None,
        created_by: None,
    }
}

async fn a_link_is_spent_once_sets_the_password_and_ends_sessions(s: DynStore, _url: String) {
    let ana = add_person(&s, "Ana").await;
    let t = now();
    s.issue_account_token(&ctx(), &link(&ana.id, "h1", TokenPurpose::Reset, t), None)
        .await
        .unwrap();
    let read = s.account_token("h1").await.unwrap().unwrap();
    assert_eq!(read, link(&ana.id, "h1", TokenPurpose::Reset, t));
    assert!(s.account_token("nope").await.unwrap().is_none());
    s.insert_session(&Session {
        id_hash: "sess".into(),
        person_id: ana.id.clone(),
        csrf_token: "c".into(),
        method: "password".into(),
        created_at: t,
        last_seen_at: t,
        expires_at: t + Duration::hours(1),
    })
    .await
    .unwrap();
    // Expired: nothing happens.
    let late = t + Duration::hours(2);
    assert_eq!(
        s.spend_account_token(&ctx(), "h1", "$argon2id$x", late)
            .await
            .unwrap(),
        None
    );
    assert_eq!(s.password_hash(&ana.id).await.unwrap(), None);
    assert_eq!(
        s.spend_account_token(&ctx(), "h1", "$argon2id$x", t + Duration::minutes(1))
            .await
            .unwrap(),
        Some(ana.id.clone())
    );
    assert_eq!(
        s.password_hash(&ana.id).await.unwrap().as_deref(),
        Some("$argon2id$x")
    );
    assert!(s.session_by_hash("sess").await.unwrap().is_none());
    let used = s.account_token("h1").await.unwrap().unwrap();
    assert!(used.used_at.is_some() && !used.usable(t));
    // Once only.
    assert_eq!(
        s.spend_account_token(&ctx(), "h1", "$argon2id$y", t + Duration::minutes(2))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        s.password_hash(&ana.id).await.unwrap().as_deref(),
        Some("$argon2id$x")
    );
    assert_eq!(
        s.spend_account_token(&ctx(), "unknown", "$argon2id$y", t)
            .await
            .unwrap(),
        None
    );
}

async fn a_new_link_replaces_unused_ones_and_expired_ones_go(s: DynStore, _url: String) {
    let ana = add_person(&s, "Ana").await;
    let bo = add_person(&s, "Bo").await;
    let t = now();
    let old = t - Duration::hours(3);
    s.issue_account_token(
        &ctx(),
        &link(&bo.id, "bo-old", TokenPurpose::Reset, old),
        None,
    )
    .await
    .unwrap();
    s.issue_account_token(&ctx(), &link(&ana.id, "a1", TokenPurpose::Invite, t), None)
        .await
        .unwrap();
    s.issue_account_token(&ctx(), &link(&ana.id, "r1", TokenPurpose::Reset, t), None)
        .await
        .unwrap();
    assert!(
        s.account_token("bo-old").await.unwrap().is_none(),
        "expired: removed"
    );
    s.issue_account_token(&ctx(), &link(&ana.id, "a2", TokenPurpose::Invite, t), None)
        .await
        .unwrap();
    assert!(s.account_token("a1").await.unwrap().is_none(), "replaced");
    assert!(s.account_token("a2").await.unwrap().is_some());
    assert!(
        s.account_token("r1").await.unwrap().is_some(),
        "another purpose stays"
    );
    let nobody = link(&PersonId::generate(), "x", TokenPurpose::Invite, t);
    assert!(matches!(
        s.issue_account_token(&ctx(), &nobody, None).await,
        Err(StoreError::NotFound)
    ));
}

async fn a_link_and_its_email_are_written_together(s: DynStore, _url: String) {
    let ana = add_person(&s, "Ana").await;
    let t = now();
    let job = NewJob {
        kind: "send_email".into(),
        unique_key: Some("only-once".into()),
        payload: serde_json::json!({"to": "ana"}),
        run_at: t,
        max_attempts: 3,
    };
    s.issue_account_token(
        &ctx(),
        &link(&ana.id, "h", TokenPurpose::Invite, t),
        Some(&job),
    )
    .await
    .unwrap();
    let claimed = s
        .claim_jobs("w", t + Duration::seconds(1), Duration::minutes(1), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].payload, job.payload);
    // A refused write (unknown person) queues nothing.
    let nobody = link(&PersonId::generate(), "h2", TokenPurpose::Invite, t);
    let other = NewJob {
        unique_key: Some("second".into()),
        ..job.clone()
    };
    assert!(s
        .issue_account_token(&ctx(), &nobody, Some(&other))
        .await
        .is_err());
    assert!(s.enqueue_job(&other).await.unwrap(), "nothing was queued");
}

async fn the_mail_server_is_saved_whole_and_audited_without_the_password(
    s: DynStore,
    _url: String,
) {
    assert!(s.mail_settings().await.unwrap().is_none());
    let first = StoredMailSettings {
        host: "mail.example.com".into(),
        port: 587,
        security: "starttls".into(),
        username: Some("keel".into()),
        password_sealed: Some("v1:sealed-bytes".into()),
        sender: "okr@example.com".into(),
        updated_at: now(),
    };
    s.save_mail_settings(&ctx(), &first).await.unwrap();
    assert_eq!(s.mail_settings().await.unwrap().as_ref(), Some(&first));
    let second = StoredMailSettings {
        port: 465,
        security: "tls".into(),
        username: None,
        ..first.clone()
    };
    s.save_mail_settings(&ctx(), &second).await.unwrap();
    assert_eq!(s.mail_settings().await.unwrap().as_ref(), Some(&second));
    assert!(!format!("{second:?}").contains("sealed-bytes"));
    let events = s
        .list_audit(
            &AuditFilter {
                object_id: Some("mail_settings".into()),
                ..AuditFilter::new(Reader::Everyone)
            },
            &page(50, None),
        )
        .await
        .unwrap()
        .items;
    let saved: Vec<_> = events
        .iter()
        .filter(|e| e.action == "mail_settings.update")
        .collect();
    assert_eq!(saved.len(), 2);
    for e in saved {
        let text = format!("{:?}{:?}", e.before, e.after);
        assert!(!text.contains("sealed-bytes"), "{text}");
    }
}

/// Erasing someone who left removes their own links, and the links they sent as an
/// administrator stay usable without naming them.
async fn erasing_a_person_removes_their_links_and_forgets_who_invited(s: DynStore, _url: String) {
    let ada = add_person(&s, "Ada").await;
    let zoe = add_person(&s, "Zoe").await;
    let bo = add_person(&s, "Bo").await;
    let t = now();
    s.issue_account_token(&ctx(), &link(&zoe.id, "zoe", TokenPurpose::Reset, t), None)
        .await
        .unwrap();
    let sent_by_ada = AccountToken {
        created_by: Some(ada.id.clone()),
        ..link(&bo.id, "bo", TokenPurpose::Invite, t)
    };
    s.issue_account_token(&ctx(), &sent_by_ada, None)
        .await
        .unwrap();
    let erased = |p: &Person| Person {
        name: "Former member".into(),
        email: Email::parse("email", &format!("former-{}@erased.invalid", p.id)).unwrap(),
        active: false,
        ..p.clone()
    };
    s.erase_person(&ctx(), &zoe.id, &erased(&zoe))
        .await
        .unwrap();
    assert!(s.account_token("zoe").await.unwrap().is_none());
    s.erase_person(&ctx(), &ada.id, &erased(&ada))
        .await
        .unwrap();
    let bo_link = s.account_token("bo").await.unwrap().unwrap();
    assert_eq!(bo_link.created_by, None);
    assert!(bo_link.usable(t));
}

/// The daily cleanup's part: a used link and an expired one go, a live one stays.
async fn the_cleanup_deletes_used_and_expired_links_only(s: DynStore, _url: String) {
    let ana = add_person(&s, "Ana").await;
    let bo = add_person(&s, "Bo").await;
    let cy = add_person(&s, "Cy").await;
    let t = now();
    let early = t - Duration::minutes(30);
    s.issue_account_token(
        &ctx(),
        &link(&cy.id, "cy", TokenPurpose::Reset, early),
        None,
    )
    .await
    .unwrap();
    s.issue_account_token(&ctx(), &link(&ana.id, "ana", TokenPurpose::Invite, t), None)
        .await
        .unwrap();
    s.issue_account_token(&ctx(), &link(&bo.id, "bo", TokenPurpose::Invite, t), None)
        .await
        .unwrap();
    assert_eq!(
        s.spend_account_token(&ctx(), "ana", "new-hash", t)
            .await
            .unwrap(),
        Some(ana.id.clone())
    );
    // Cy's link expired at t + 30 min; Bo's lives until t + 1 h.
    let later = t + Duration::minutes(45);
    assert_eq!(s.delete_spent_account_tokens(later).await.unwrap(), 2);
    assert!(
        s.account_token("ana").await.unwrap().is_none(),
        "used: gone"
    );
    assert!(
        s.account_token("cy").await.unwrap().is_none(),
        "expired: gone"
    );
    assert!(s.account_token("bo").await.unwrap().is_some(), "live: kept");
    assert_eq!(s.delete_spent_account_tokens(later).await.unwrap(), 0);
}
