//! The audit log: every write is audited, and the log is append-only.

use crate::*;

conformance!(
    writes_are_audited,
    passwords_never_reach_the_audit_log,
    audit_events_page_and_filter_by_time,
    audit_is_append_only,
);

/// Every write records an event on its objective with who, from where and in which request;
/// another objective's events do not leak into its history.
async fn writes_are_audited(s: DynStore, _url: String) {
    let (actor, _, b, c) = audited_writes(&s).await;
    let events = s
        .list_audit(
            &AuditFilter {
                object_id: Some(b.objective.id.to_string()),
                ..AuditFilter::new(Reader::Everyone)
            },
            &page(100, None),
        )
        .await
        .unwrap()
        .items;
    let actions: Vec<_> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        vec![
            "objective.update",
            "initiative.create",
            "check_in.create",
            "key_result.create",
            "objective.create"
        ]
    );
    let update = &events[0];
    assert_eq!(update.actor_id.as_ref(), Some(&actor.id));
    assert_eq!(update.source, Source::Ui);
    assert_eq!(update.request_id.as_deref(), Some("r-42"));
    assert_eq!(update.object_kind, "objective");
    assert_eq!(
        update.before.as_ref().unwrap()["title"],
        "Delight new customers"
    );
    assert_eq!(update.after.as_ref().unwrap()["title"], "Audited");
    assert_eq!(update.after.as_ref().unwrap()["version"], 2);
    let ci = &events[2];
    assert_eq!(ci.object_id, c.id.to_string());
    assert_eq!(ci.objective_id.as_deref(), Some(b.objective.id.as_str()));
    assert_eq!(ci.key_result_id.as_deref(), Some(b.kr.id.as_str()));
    assert_eq!(ci.after.as_ref().unwrap()["value"], 45.0);

    let kr_events = s
        .list_audit(
            &AuditFilter {
                object_id: Some(b.kr.id.to_string()),
                ..AuditFilter::new(Reader::Everyone)
            },
            &page(100, None),
        )
        .await
        .unwrap()
        .items;
    let actions: Vec<_> = kr_events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        vec!["initiative.create", "check_in.create", "key_result.create"]
    );

    let mine = s
        .list_audit(
            &AuditFilter {
                actor_id: Some(actor.id.clone()),
                ..AuditFilter::new(Reader::Everyone)
            },
            &page(100, None),
        )
        .await
        .unwrap()
        .items;
    assert_eq!(mine.len(), 3);
}

/// Setting a password is audited without the hash.
async fn passwords_never_reach_the_audit_log(s: DynStore, _url: String) {
    let (actor, me, ..) = audited_writes(&s).await;
    // Passwords never reach the audit log.
    s.set_password_hash(&me, &actor.id, "$argon2id$secret")
        .await
        .unwrap();
    let person_events = s
        .list_audit(
            &AuditFilter {
                object_id: Some(actor.id.to_string()),
                ..AuditFilter::new(Reader::Everyone)
            },
            &page(100, None),
        )
        .await
        .unwrap()
        .items;
    assert_eq!(person_events.len(), 2);
    assert_eq!(person_events[1].action, "person.create");
    assert_eq!(person_events[1].source, Source::Cli);
    assert!(person_events[1].after.is_some());
    for e in &person_events {
        let text = format!("{:?}{:?}", e.before, e.after);
        assert!(!text.contains("argon2"), "{text}");
    }
}

/// The audit log pages through every event, and filters by time window.
async fn audit_events_page_and_filter_by_time(s: DynStore, _url: String) {
    audited_writes(&s).await;
    // Time window and pagination over all events.
    let all = s
        .list_audit(&AuditFilter::new(Reader::Everyone), &page(500, None))
        .await
        .unwrap()
        .items;
    let mut paged = vec![];
    let mut cursor = None;
    loop {
        let p = s
            .list_audit(&AuditFilter::new(Reader::Everyone), &page(3, cursor))
            .await
            .unwrap();
        paged.extend(p.items);
        match p.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(paged, all);
    let future = s
        .list_audit(
            &AuditFilter {
                from: Some(now() + Duration::hours(1)),
                ..AuditFilter::new(Reader::Everyone)
            },
            &page(10, None),
        )
        .await
        .unwrap();
    assert!(future.items.is_empty());
    let past = s
        .list_audit(
            &AuditFilter {
                to: Some(now() + Duration::hours(1)),
                from: Some(now() - Duration::hours(1)),
                ..AuditFilter::new(Reader::Everyone)
            },
            &page(500, None),
        )
        .await
        .unwrap();
    assert_eq!(past.items.len(), all.len());
}

/// A person written by the CLI, then a check-in, an initiative and an objective update written
/// by them from the UI, and another objective; returns the person, their context, the basics
/// and the check-in.
async fn audited_writes(s: &DynStore) -> (Person, WriteCtx, Basic, CheckIn) {
    let actor = person("Auditor", "auditor@example.com");
    s.insert_person(&WriteCtx::system(Source::Cli), &actor)
        .await
        .unwrap();
    let b = basic(s).await;
    let me = WriteCtx {
        actor_id: Some(actor.id.clone()),
        source: Source::Ui,
        request_id: Some("r-42".into()),
    };
    let c = check_in(&b.kr.id, 45.0, now());
    s.record_check_in(&me, &c, &applied(&b.kr, &c))
        .await
        .unwrap();
    let i = initiative(&b.kr.id, &b.owner.id);
    s.insert_initiative(&me, &i).await.unwrap();
    let mut o2 = b.objective.clone();
    o2.title = "Audited".into();
    s.update_objective(&me, &b.objective, &o2).await.unwrap();
    // Another objective's events must not leak in.
    let other = objective(&b.cycle.id, &b.owner.id);
    s.insert_objective(&ctx(), &other, None).await.unwrap();
    (actor, me, b, c)
}

/// Audit events are never changed or removed: later writes (deletions included) only append.
async fn audit_is_append_only(s: DynStore, _url: String) {
    let everything = |s: DynStore| async move {
        s.list_audit(&AuditFilter::new(Reader::Everyone), &page(500, None))
            .await
            .unwrap()
            .items
    };
    let b = basic(&s).await;
    let before = everything(s.clone()).await;
    assert!(!before.is_empty());
    let mut o = b.objective.clone();
    o.title = "Renamed".into();
    s.update_objective(&ctx(), &b.objective, &o).await.unwrap();
    let stored = s.objective(&b.objective.id).await.unwrap().unwrap();
    s.delete_objective(&ctx(), &stored).await.unwrap();
    let after = everything(s.clone()).await;
    assert_eq!(after.len(), before.len() + 2);
    for e in &before {
        assert!(after.contains(e), "event {} changed or vanished", e.id);
    }
    // No statement of the store updates or deletes audit rows, except the erasure of a person
    // who left (`person_data.rs`): it redacts what rows say about them (personal data must go)
    // and never removes a row.
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let erasure = std::fs::read_to_string(src.join("person_data.rs"))
        .expect("read person_data.rs")
        .to_lowercase();
    assert!(!erasure.contains("delete from audit_events"));
    let source = store_source(&src).to_lowercase();
    assert!(
        source.contains("insert into"),
        "the store's source was not read"
    );
    for forbidden in ["update audit_events", "delete from audit_events"] {
        assert!(
            !source.contains(forbidden),
            "the store must not '{forbidden}'"
        );
    }
}

/// Every Rust source file of the store under `dir`, concatenated.
fn store_source(dir: &std::path::Path) -> String {
    let mut out = String::new();
    for entry in std::fs::read_dir(dir).expect("read the store's src") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            out.push_str(&store_source(&path));
        } else if path.extension().is_some_and(|e| e == "rs")
            && !path.ends_with("src/person_data.rs")
        {
            out.push_str(&std::fs::read_to_string(&path).expect("read a source file"));
        }
    }
    out
}
