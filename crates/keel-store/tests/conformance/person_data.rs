//! A person's data (export's check-ins, erasure) and the first run (one administrator, however
//! many set up at once).

use super::*;

conformance!(
    erasing_leaves_no_trace_and_keeps_okr_history,
    erasing_twice_changes_nothing,
    erasing_an_unknown_person_is_not_found,
    first_run_makes_one_administrator_however_many_try,
    first_run_is_refused_once_an_administrator_exists,
);

/// Every `table.column` (of every declared table) holding `needle`, compared case-insensitively.
async fn mentions(s: &DynStore, url: &str, needle: &str) -> Vec<String> {
    let pattern = format!("%{}%", needle.to_lowercase());
    let mut found = vec![];
    for (table, columns) in declared_tables() {
        for col in columns {
            let sql = format!(
                "SELECT COUNT(*) FROM {table} WHERE LOWER(CAST(\"{col}\" AS TEXT)) LIKE $1"
            );
            let n: i64 = if s.backend() == "postgres" {
                use sqlx::Connection;
                let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
                let n = sqlx::query_scalar::<_, i64>(&sql)
                    .bind(&pattern)
                    .fetch_one(&mut conn)
                    .await
                    .unwrap();
                conn.close().await.ok();
                n
            } else {
                let path = url.strip_prefix("sqlite://").unwrap().to_string();
                let (sql, pattern) = (sql.replace("$1", "?1"), pattern.clone());
                tokio::task::spawn_blocking(move || {
                    rusqlite::Connection::open(path)
                        .unwrap()
                        .query_row(&sql, [pattern], |r| r.get::<_, i64>(0))
                        .unwrap()
                })
                .await
                .unwrap()
            };
            if n > 0 {
                found.push(format!("{table}.{col}"));
            }
        }
    }
    found
}

/// What an erased person becomes (as `services::person_data` makes it).
fn placeholder(p: &Person) -> Person {
    Person {
        name: "Former member 3f2a".into(),
        email: Email::parse("email", &format!("former-member-{}@erased.invalid", p.id)).unwrap(),
        title: String::new(),
        manager_id: None,
        active: false,
        roles: vec![],
        time_zone: None,
        ..p.clone()
    }
}

/// Zoë, who is leaving, with something in every table that can hold her: a password, a session,
/// a token, 1:1s, feedback asked and answered, recognition given and received, a check-in, an
/// ownership request; and a 1:1 and an answer of Bo's that must stay.
struct Leaver {
    b: Basic,
    zoe: Person,
    bo: Person,
    check_in: CheckIn,
    others_conversation: ConversationId,
    adas_request: FeedbackRequestId,
    zoes_request: FeedbackRequestId,
}

async fn leaver(s: &DynStore) -> Leaver {
    let b = basic(s).await;
    let zoe = person("Zoë Quill", "Zoe.Quill@example.com");
    s.insert_person(&ctx(), &zoe).await.unwrap();
    let renamed = Person {
        title: "Staff engineer".into(),
        ..zoe.clone()
    };
    let zoe = s.update_person(&ctx(), &zoe, &renamed).await.unwrap();
    let bo = add_person(s, "Bo").await;
    let zctx = WriteCtx {
        actor_id: Some(zoe.id.clone()),
        ..ctx()
    };
    s.set_password_hash(&zctx, &zoe.id, "$argon2id$v=19$secret")
        .await
        .unwrap();
    s.insert_session(&Session {
        id_hash: "zoe-session".into(),
        person_id: zoe.id.clone(),
        csrf_token: "csrf".into(),
        method: "password".into(),
        created_at: now(),
        last_seen_at: now(),
        expires_at: now() + Duration::hours(12),
    })
    .await
    .unwrap();
    let token = ApiToken {
        id: TokenId::generate(),
        person_id: zoe.id.clone(),
        name: "Zoë Quill's laptop".into(),
        scope: TokenScope::Write,
        created_at: now(),
        expires_on: None,
        last_used_at: None,
        revoked_at: None,
    };
    s.insert_token(&zctx, &token, &"z".repeat(64))
        .await
        .unwrap();
    s.record_sign_in_failure(
        "email:zoe.quill@example.com",
        now(),
        now() - Duration::hours(1),
    )
    .await
    .unwrap();
    let conversation = |author: &Person, with: &Person, notes: &str| cfr::Conversation {
        id: ConversationId::generate(),
        author_id: author.id.clone(),
        with_id: with.id.clone(),
        okr_ids: vec![b.objective.id.to_string()],
        held_on: "2026-11-20".parse().unwrap(),
        notes: notes.into(),
        created_at: now(),
        updated_at: now(),
        version: 1,
    };
    for c in [
        conversation(&b.owner, &zoe, "Zoë Quill worries about the move"),
        conversation(&zoe, &b.owner, "my own notes, zoe.quill@example.com"),
    ] {
        s.insert_conversation(&ctx(), &c).await.unwrap();
    }
    let others = conversation(&b.owner, &bo, "Bo's own notes");
    s.insert_conversation(&ctx(), &others).await.unwrap();
    let request = |by: &Person, to: &[&Person], question: &str| cfr::FeedbackRequest {
        id: FeedbackRequestId::generate(),
        okr_id: b.kr.id.to_string(),
        requester_id: by.id.clone(),
        question: question.into(),
        answers: to
            .iter()
            .map(|p| cfr::FeedbackAnswer {
                person_id: p.id.clone(),
                answer: None,
                answered_at: None,
            })
            .collect(),
        created_at: now(),
    };
    let adas = request(&b.owner, &[&zoe, &bo], "on track?");
    let zoes = request(&zoe, &[&bo], "Zoë Quill asks: is the pace right?");
    s.insert_feedback_request(&ctx(), &adas).await.unwrap();
    s.insert_feedback_request(&zctx, &zoes).await.unwrap();
    for (who, text) in [(&zoe, "Zoë Quill thinks so"), (&bo, "Bo thinks so")] {
        let answer = cfr::FeedbackAnswer {
            person_id: who.id.clone(),
            answer: Some(text.into()),
            answered_at: Some(now()),
        };
        let actx = WriteCtx {
            actor_id: Some(who.id.clone()),
            ..ctx()
        };
        s.answer_feedback(&actx, &adas.id, &answer).await.unwrap();
    }
    for (from, to, message) in [(&bo, &zoe, "thanks, Zoë Quill"), (&zoe, &bo, "thanks Bo")] {
        let r = cfr::Recognition {
            id: RecognitionId::generate(),
            from_id: from.id.clone(),
            to_id: to.id.clone(),
            okr_id: b.kr.id.to_string(),
            check_in_id: None,
            message: message.into(),
            created_at: now(),
        };
        s.insert_recognition(&ctx(), &r).await.unwrap();
    }
    let mut c = check_in(&b.kr.id, 40.0, now());
    c.author_id = Some(zoe.id.clone());
    c.note = "activation is climbing".into();
    s.record_check_in(&zctx, &c, &applied(&b.kr, &c))
        .await
        .unwrap();
    let handover = request_for(&b, &zoe);
    let version = s.key_result(&b.kr.id).await.unwrap().unwrap().version;
    s.propose_ownership(&ctx(), &handover, version)
        .await
        .unwrap();
    Leaver {
        b,
        zoe,
        bo,
        check_in: c,
        others_conversation: others.id,
        adas_request: adas.id,
        zoes_request: zoes.id,
    }
}

/// A pending request proposing `zoe` as the owner of the basic key result.
fn request_for(b: &Basic, zoe: &Person) -> OwnershipRequest {
    request(
        OkrRef::KeyResult(b.kr.id.clone()),
        Some(&b.owner.id),
        &zoe.id,
        Some(&b.owner.id),
        now(),
    )
}

async fn erasing_leaves_no_trace_and_keeps_okr_history(s: DynStore, url: String) {
    let l = leaver(&s).await;
    let ids = |v: Vec<CheckIn>| v.into_iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!(
        ids(s.check_ins_by(&l.zoe.id).await.unwrap()),
        vec![l.check_in.id.clone()]
    );
    for needle in ["Zoë Quill", "zoe.quill@example.com"] {
        assert!(
            !mentions(&s, &url, needle).await.is_empty(),
            "{needle} is there before"
        );
    }
    let erased = s
        .erase_person(&ctx(), &l.zoe.id, &placeholder(&l.zoe))
        .await
        .unwrap();
    assert_eq!(erased.name, "Former member 3f2a");
    assert!(!erased.active && erased.roles.is_empty() && erased.title.is_empty());
    for needle in [
        "Zoë Quill",
        "zoe.quill@example.com",
        "Zoë",
        "Staff engineer",
    ] {
        let left = mentions(&s, &url, needle).await;
        assert!(left.is_empty(), "{needle} is still in {left:?}");
    }
    // Gone: the password, sessions, tokens, sign-in throttling, her 1:1s, feedback and recognition.
    assert_eq!(s.password_hash(&l.zoe.id).await.unwrap(), None);
    assert!(s.session_by_hash("zoe-session").await.unwrap().is_none());
    assert!(s.list_tokens(&l.zoe.id).await.unwrap().is_empty());
    assert!(s
        .sign_in_throttle("email:zoe.quill@example.com")
        .await
        .unwrap()
        .is_none());
    assert!(s
        .list_conversations(&l.zoe.id, &page(50, None))
        .await
        .unwrap()
        .items
        .is_empty());
    assert!(s
        .recognitions_to(&l.zoe.id, &page(50, None))
        .await
        .unwrap()
        .items
        .is_empty());
    assert!(s
        .recognitions_from(&l.zoe.id, &page(50, None))
        .await
        .unwrap()
        .items
        .is_empty());
    // Kept: Bo's 1:1 and answer, the question's other answers, and the OKR history.
    assert!(s
        .conversation(&l.others_conversation)
        .await
        .unwrap()
        .is_some());
    let adas = s.feedback_request(&l.adas_request).await.unwrap().unwrap();
    assert_eq!(adas.answers.len(), 1);
    assert_eq!(adas.answers[0].person_id, l.bo.id);
    let zoes = s.feedback_request(&l.zoes_request).await.unwrap().unwrap();
    assert_eq!(zoes.answers.len(), 1, "Bo's answer row stays");
    assert!(s.key_result(&l.b.kr.id).await.unwrap().is_some());
    assert_eq!(
        ids(s.check_ins_by(&l.zoe.id).await.unwrap()),
        vec![l.check_in.id]
    );
    let names = s.person_names(&[l.zoe.id.clone()]).await.unwrap();
    assert_eq!(names[0].name, "Former member 3f2a");
    // Audited, naming only the placeholder.
    let filter = AuditFilter {
        object_id: Some(l.zoe.id.to_string()),
        ..AuditFilter::new(Reader::Everyone)
    };
    let events = s.list_audit(&filter, &page(100, None)).await.unwrap().items;
    let erase = events.iter().find(|e| e.action == "person.erase").unwrap();
    assert_eq!(erase.after.as_ref().unwrap()["name"], "Former member 3f2a");
}

async fn erasing_twice_changes_nothing(s: DynStore, _url: String) {
    let l = leaver(&s).await;
    let first = s
        .erase_person(&ctx(), &l.zoe.id, &placeholder(&l.zoe))
        .await
        .unwrap();
    let count = |s: DynStore| async move {
        s.list_audit(&AuditFilter::new(Reader::Everyone), &page(500, None))
            .await
            .unwrap()
            .items
            .len()
    };
    let before = count(s.clone()).await;
    let again = s
        .erase_person(&ctx(), &l.zoe.id, &placeholder(&l.zoe))
        .await
        .unwrap();
    assert_eq!(again, first);
    assert_eq!(count(s.clone()).await, before, "no second erase event");
}

async fn erasing_an_unknown_person_is_not_found(s: DynStore, _url: String) {
    let ghost = person("Ghost", "ghost@example.com");
    let err = s
        .erase_person(&ctx(), &ghost.id, &placeholder(&ghost))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
}

fn first_admin(name: &str) -> Person {
    Person {
        roles: vec![Role::Admin],
        ..person(name, &format!("{name}@example.com"))
    }
}

fn org(name: &str) -> OrgSettings {
    OrgSettings {
        name: name.into(),
        time_zone: "Europe/Paris".into(),
        ..OrgSettings::default()
    }
}

async fn first_run_makes_one_administrator_however_many_try(s: DynStore, _url: String) {
    assert!(!s.has_administrator().await.unwrap());
    let (a, b) = (first_admin("ana"), first_admin("ben"));
    let (org_a, org_b, ctx) = (org("Ana's"), org("Ben's"), ctx());
    let (ra, rb) = tokio::join!(
        s.complete_first_run(&ctx, &org_a, &a, "$argon2id$a"),
        s.complete_first_run(&ctx, &org_b, &b, "$argon2id$b"),
    );
    let (winner, loser_err) = match (ra, rb) {
        (Ok(()), Err(e)) => (a, e),
        (Err(e), Ok(())) => (b, e),
        other => panic!("exactly one setup succeeds: {other:?}"),
    };
    assert!(
        matches!(&loser_err, StoreError::Conflict { field, .. } if field == "setup"),
        "{loser_err:?}"
    );
    assert!(s.has_administrator().await.unwrap());
    assert_eq!(s.count_active_with_role(Role::Admin).await.unwrap(), 1);
    let stored = s.person(&winner.id).await.unwrap().unwrap();
    assert_eq!(stored.roles, vec![Role::Admin]);
    assert!(s.password_hash(&winner.id).await.unwrap().is_some());
    let settings = s.settings().await.unwrap();
    assert_eq!(settings.time_zone, "Europe/Paris");
    assert!(settings.name == "Ana's" || settings.name == "Ben's");
    let events = s
        .list_audit(&AuditFilter::new(Reader::Everyone), &page(100, None))
        .await
        .unwrap()
        .items;
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "setup.complete")
            .count(),
        1
    );
}

async fn first_run_is_refused_once_an_administrator_exists(s: DynStore, _url: String) {
    s.insert_person(&ctx(), &first_admin("cli")).await.unwrap();
    let late = first_admin("late");
    let err = s
        .complete_first_run(&ctx(), &org("Late"), &late, "$argon2id$x")
        .await
        .unwrap_err();
    assert!(matches!(&err, StoreError::Conflict { field, .. } if field == "setup"));
    assert!(
        s.person(&late.id).await.unwrap().is_none(),
        "nothing written"
    );
    assert_ne!(s.settings().await.unwrap().name, "Late");
}
