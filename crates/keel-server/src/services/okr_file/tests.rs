//! The parsers fuzzed: arbitrary bytes, and small mutations of a valid document, through the
//! JSON, YAML and CSV readers and on into a real (in-memory) store. Whatever the input: no
//! panic, and an import that fails leaves the database as it was. A fixed number of cases, so
//! CI's time is fixed too (`PROPTEST_CASES` raises it for a longer local run).

use super::csv::{Kind, Mapping};
use super::*;
use keel_store::{Snapshots, WriteCtx};
use proptest::prelude::*;

const CASES: u32 = 48;

/// A small valid document in `syntax`.
fn valid(syntax: Syntax) -> String {
    let json = r#"{
  "format": "keel-okrs",
  "version": 1,
  "people": [
    {"email": "ada@example.org", "name": "Ada", "roles": ["admin"]},
    {"email": "bo@example.org", "name": "Bo", "manager": "ada@example.org"}
  ],
  "teams": [{"name": "Platform", "lead": "ada@example.org", "members": ["bo@example.org"]}],
  "cycles": [{"name": "2026 Q4", "starts_on": "2026-10-01", "ends_on": "2026-12-31", "state": "active"}],
  "objectives": [{
    "id": "o-1", "cycle": "2026 Q4", "title": "Ship it", "owner": "ada@example.org",
    "ownership": "accepted", "teams": ["Platform"], "kind": "committed", "state": "active",
    "visibility": "public",
    "key_results": [{
      "id": "k-1", "title": "Latency under 200 ms", "owner": "bo@example.org", "metric": "decrease",
      "start": 400, "target": 200, "unit": "ms",
      "check_ins": [{"at": "2026-10-08T09:00:00Z", "value": 350, "confidence": 7, "author": "bo@example.org"}]
    }]
  }]
}"#;
    match syntax {
        Syntax::Json => json.to_string(),
        Syntax::Yaml => {
            let v: serde_json::Value = serde_json::from_str(json).unwrap();
            serde_yaml_ng::to_string(&v).unwrap()
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Imports `bytes` into a fresh database: when refused, the database must still be empty.
fn import_leaves_nothing_half_written(bytes: &[u8], syntax: Syntax) {
    runtime().block_on(async {
        let store = keel_store::open("sqlite::memory:").await.unwrap();
        let ctx = WriteCtx::default();
        match import::import(store.as_ref(), &ctx, bytes, syntax, false).await {
            Ok(_) => {}
            Err(import::ImportError::Invalid(errors)) => {
                assert!(!errors.is_empty());
                assert!(
                    store.is_empty().await.unwrap(),
                    "a refused import wrote people"
                );
            }
            Err(import::ImportError::Store(e)) => {
                assert!(
                    store.is_empty().await.unwrap(),
                    "a failed import ({e}) wrote people"
                );
            }
        }
    });
}

#[test]
fn the_valid_document_imports_in_both_syntaxes() {
    for syntax in [Syntax::Json, Syntax::Yaml] {
        runtime().block_on(async {
            let store = keel_store::open("sqlite::memory:").await.unwrap();
            let report = import::import(
                store.as_ref(),
                &WriteCtx::default(),
                valid(syntax).as_bytes(),
                syntax,
                false,
            )
            .await
            .unwrap();
            assert!(report.restore);
            assert_eq!(report.people.created, 2);
            assert_eq!(report.key_results.created, 1);
            assert_eq!(report.check_ins, 1);
        });
    }
}

#[test]
fn an_unknown_owner_in_yaml_is_named() {
    let text = valid(Syntax::Yaml).replace("owner: bo@example.org", "owner: nobody@example.org");
    let err = import::parse(text.as_bytes(), Syntax::Yaml)
        .map(|_| ())
        .and_then(|_| {
            runtime().block_on(async {
                let store = keel_store::open("sqlite::memory:").await.unwrap();
                import::import(
                    store.as_ref(),
                    &WriteCtx::default(),
                    text.as_bytes(),
                    Syntax::Yaml,
                    false,
                )
                .await
                .map(|_| ())
            })
        })
        .unwrap_err();
    let import::ImportError::Invalid(errors) = err else {
        panic!("{err}")
    };
    assert_eq!(errors[0].field, "objectives[0].key_results[0].owner");
    assert_eq!(errors[0].message, "no person with email nobody@example.org");
}

#[test]
fn a_misspelt_field_is_named_by_its_path() {
    let text = valid(Syntax::Json).replace("\"metric\": \"decrease\"", "\"metric\": \"downwards\"");
    let Err(import::ImportError::Invalid(errors)) = import::parse(text.as_bytes(), Syntax::Json)
    else {
        panic!("accepted")
    };
    assert_eq!(errors[0].field, "objectives[0].key_results[0].metric");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics_the_parsers(text in ".{0,400}") {
        let _ = import::parse(text.as_bytes(), Syntax::Json);
        let _ = import::parse(text.as_bytes(), Syntax::Yaml);
        let _ = crate::csv::parse(&text);
        for kind in [Kind::People, Kind::Teams, Kind::Okrs] {
            runtime().block_on(async {
                let store = keel_store::open("sqlite::memory:").await.unwrap();
                let _ = csv::import(store.as_ref(), &WriteCtx::default(), text.as_bytes(), kind, &Mapping::default(), false).await;
                // A CSV of people may be valid; of teams or OKRs with arbitrary text, it writes
                // nothing unless whole.
            });
        }
    }

    #[test]
    fn a_mutated_document_imports_whole_or_not_at_all(
        json in any::<bool>(),
        at in 0usize..2000,
        cut in 0usize..40,
        insert in "[\\[\\]{}:,\"a-z0-9 \\n-]{0,6}",
    ) {
        let syntax = if json { Syntax::Json } else { Syntax::Yaml };
        let mut text = valid(syntax);
        let at = at % text.len();
        let at = (0..=at).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        let end = (at + cut).min(text.len());
        let end = (end..=text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
        text.replace_range(at..end, &insert);
        import_leaves_nothing_half_written(text.as_bytes(), syntax);
    }

    #[test]
    fn a_mutated_csv_imports_whole_or_not_at_all(
        at in 0usize..300,
        insert in "[,\"\\na-z@.=0-9]{0,5}",
    ) {
        let mut text = "email,name,manager_email\nada@example.org,Ada,\nbo@example.org,Bo,ada@example.org\n".to_string();
        let at = at % text.len();
        text.insert_str(at, &insert);
        runtime().block_on(async {
            let store = keel_store::open("sqlite::memory:").await.unwrap();
            let r = csv::import(store.as_ref(), &WriteCtx::default(), text.as_bytes(), Kind::People, &Mapping::default(), false).await;
            if r.is_err() {
                prop_assert!(store.is_empty().await.unwrap());
            }
            Ok(())
        })?;
    }
}

/// What an OKR aligns to reads `objective: ID` / `key_result: ID` in YAML as in JSON (as
/// docs/export-format.md shows it), never a YAML tag other readers refuse; one of the two, named.
#[test]
fn aligned_to_is_a_one_entry_map_in_yaml_and_json() {
    let parents = vec![
        ParentRecord::Objective("o1".into()),
        ParentRecord::KeyResult("k1".into()),
    ];
    let yaml = serde_yaml_ng::to_string(&parents).unwrap();
    assert_eq!(yaml, "- objective: o1\n- key_result: k1\n");
    assert!(!yaml.contains('!'), "{yaml}");
    let back: Vec<ParentRecord> = serde_yaml_ng::from_str(&yaml).unwrap();
    assert_eq!(back, parents);
    let json = serde_json::to_string(&parents).unwrap();
    assert_eq!(json, r#"[{"objective":"o1"},{"key_result":"k1"}]"#);
    assert_eq!(
        serde_json::from_str::<Vec<ParentRecord>>(&json).unwrap(),
        parents
    );
    for bad in [
        r#"[{"objective":"o1","key_result":"k1"}]"#,
        r#"[{}]"#,
        r#"[{"team":"t1"}]"#,
    ] {
        let e = serde_json::from_str::<Vec<ParentRecord>>(bad).unwrap_err();
        assert!(e.to_string().contains("objective"), "{bad}: {e}");
    }
}
