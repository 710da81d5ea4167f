//! Accounts: API tokens, sessions, the sign-in throttle and OIDC logins.

use crate::*;

conformance!(
    tokens,
    sessions,
    sign_in_throttles,
    oidc_logins_are_taken_once,
);

async fn tokens(s: DynStore, _url: String) {
    let p = person("Ada", "ada@example.com");
    s.insert_person(&ctx(), &p).await.unwrap();
    let t = ApiToken {
        id: TokenId::generate(),
        person_id: p.id.clone(),
        name: "CI".into(),
        scope: TokenScope::Read,
        created_at: now(),
        expires_on: Some("2030-01-31".parse().unwrap()),
        last_used_at: None,
        revoked_at: None,
    };
    let hash = "a".repeat(64);
    s.insert_token(&ctx(), &t, &hash).await.unwrap();
    let (got, who) = s.token_by_hash(&hash).await.unwrap().unwrap();
    assert_eq!(got, t);
    assert_eq!(who, p);
    assert!(s.token_by_hash(&"b".repeat(64)).await.unwrap().is_none());
    let at = now();
    s.touch_token(&t.id, at).await.unwrap();
    assert_eq!(
        s.list_tokens(&p.id).await.unwrap()[0].last_used_at,
        Some(at)
    );
    s.revoke_token(&ctx(), &t.id).await.unwrap();
    let (revoked, _) = s.token_by_hash(&hash).await.unwrap().unwrap();
    assert!(revoked.revoked_at.is_some());
    assert!(!revoked.is_live(now().date_naive()));
    assert!(matches!(
        s.revoke_token(&ctx(), &TokenId::generate()).await,
        Err(StoreError::NotFound)
    ));
    // A second token with the same hash is refused.
    let t2 = ApiToken {
        id: TokenId::generate(),
        ..t.clone()
    };
    assert!(matches!(
        s.insert_token(&ctx(), &t2, &hash).await,
        Err(StoreError::Conflict { .. })
    ));
    let events = s
        .list_audit(
            &AuditFilter {
                object_id: Some(t.id.to_string()),
                ..AuditFilter::new(Reader::Everyone)
            },
            &page(10, None),
        )
        .await
        .unwrap()
        .items;
    let actions: Vec<_> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        vec!["token.revoke", "token.create"],
        "touch is not audited"
    );
    for e in &events {
        let text = format!("{:?}{:?}", e.before, e.after);
        assert!(!text.contains(&hash));
    }
}

async fn sessions(s: DynStore, _url: String) {
    let p = person("Ada", "ada@example.com");
    let q = person("Bo", "bo@example.com");
    s.insert_person(&ctx(), &p).await.unwrap();
    s.insert_person(&ctx(), &q).await.unwrap();
    let session = |hash: &str, who: &Person| Session {
        id_hash: hash.to_string(),
        person_id: who.id.clone(),
        csrf_token: format!("csrf-{hash}"),
        method: "password".into(),
        created_at: now(),
        last_seen_at: now(),
        expires_at: now() + Duration::hours(12),
    };
    let a = session("a1", &p);
    s.insert_session(&a).await.unwrap();
    s.insert_session(&session("a2", &p)).await.unwrap();
    s.insert_session(&session("b1", &q)).await.unwrap();
    let (got, who) = s.session_by_hash("a1").await.unwrap().unwrap();
    assert_eq!(got, a);
    assert_eq!(who, p);
    assert!(s.session_by_hash("zz").await.unwrap().is_none());
    let later = now() + Duration::minutes(5);
    s.touch_session("a1", later).await.unwrap();
    assert_eq!(
        s.session_by_hash("a1")
            .await
            .unwrap()
            .unwrap()
            .0
            .last_seen_at,
        later
    );
    // Ending every other session of Ada keeps a1 and Bo's.
    assert_eq!(s.delete_sessions_of(&p.id, Some("a1")).await.unwrap(), 1);
    assert!(s.session_by_hash("a2").await.unwrap().is_none());
    assert!(s.session_by_hash("a1").await.unwrap().is_some());
    assert_eq!(s.delete_sessions_of(&p.id, None).await.unwrap(), 1);
    assert!(s.session_by_hash("a1").await.unwrap().is_none());
    s.delete_session("b1").await.unwrap();
    s.delete_session("b1").await.unwrap();
    assert!(s.session_by_hash("b1").await.unwrap().is_none());
    // A session must belong to a person.
    assert!(s
        .insert_session(&Session {
            person_id: PersonId::generate(),
            ..session("x", &p)
        })
        .await
        .is_err());
}

async fn sign_in_throttles(s: DynStore, _url: String) {
    let t0 = now();
    let window = Duration::minutes(15);
    assert!(s
        .sign_in_throttle("ada@example.com")
        .await
        .unwrap()
        .is_none());
    for n in 1..=3 {
        let at = t0 + Duration::seconds(n);
        assert_eq!(
            s.record_sign_in_failure("ada@example.com", at, at - window)
                .await
                .unwrap(),
            n
        );
    }
    // Another key counts separately.
    assert_eq!(
        s.record_sign_in_failure("bo@example.com", t0, t0 - window)
            .await
            .unwrap(),
        1
    );
    let until = t0 + window;
    s.lock_sign_in("ada@example.com", until).await.unwrap();
    let th = s
        .sign_in_throttle("ada@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(th.failures, 3);
    assert_eq!(th.first_failure_at, t0 + Duration::seconds(1));
    assert_eq!(th.locked_until, Some(until));
    // Once the window has passed, counting starts again and the lock goes.
    let late = t0 + Duration::minutes(20);
    assert_eq!(
        s.record_sign_in_failure("ada@example.com", late, late - window)
            .await
            .unwrap(),
        1
    );
    let th = s
        .sign_in_throttle("ada@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((th.first_failure_at, th.locked_until), (late, None));
    s.clear_sign_in_failures("ada@example.com").await.unwrap();
    assert!(s
        .sign_in_throttle("ada@example.com")
        .await
        .unwrap()
        .is_none());
    // Concurrent failures all count.
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            s.record_sign_in_failure("cy@example.com", t0, t0 - window)
                .await
                .unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(
        s.sign_in_throttle("cy@example.com")
            .await
            .unwrap()
            .unwrap()
            .failures,
        10
    );
}

async fn oidc_logins_are_taken_once(s: DynStore, _url: String) {
    let login = OidcLogin {
        state_hash: "h".repeat(64),
        nonce: "n0nce".into(),
        pkce_verifier: "v".repeat(43),
        return_to: "/my-week".into(),
        created_at: now(),
    };
    s.insert_oidc_login(&login).await.unwrap();
    assert_eq!(
        s.take_oidc_login(&login.state_hash).await.unwrap(),
        Some(login.clone())
    );
    assert_eq!(s.take_oidc_login(&login.state_hash).await.unwrap(), None);
    assert_eq!(s.take_oidc_login("other").await.unwrap(), None);
}
