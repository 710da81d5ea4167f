//! `keel export` and `keel import` as an administrator runs them, on SQLite and PostgreSQL: the
//! Northwind demo exported, imported into an empty database and exported again gives the same
//! bytes (JSON and YAML); a file with an unknown owner, a broken file and a CSV with a bad row
//! are refused with the record (or row and column) named and nothing written; every table of
//! the store is either exported or excluded with a reason.
//!
//! The PostgreSQL variants run when `KEEL_TEST_POSTGRES_URL` is set (CI sets it; CI=true without
//! it is a failure).

use std::process::{Command, Output};

mod support;
use support::{runtime, Dir, PgDb};

const KEEL: &str = env!("CARGO_BIN_EXE_keel");

/// The first column of every row `sql` returns, as text, on either backend.
fn column(url: &str, sql: &str) -> Vec<String> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let conn = rusqlite::Connection::open(path).unwrap();
        let mut st = conn.prepare(sql).unwrap();
        let rows = st
            .query_map([], |r| {
                Ok(match r.get_ref(0)? {
                    rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).to_string(),
                    other => format!("{other:?}"),
                })
            })
            .unwrap();
        return rows.map(Result::unwrap).collect();
    }
    let (url, sql) = (url.to_string(), sql.to_string());
    std::thread::spawn(move || {
        runtime().block_on(async {
            use sqlx::{Connection, Row};
            let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
            let rows = sqlx::query(&sql).fetch_all(&mut conn).await.unwrap();
            rows.iter()
                .map(|r| {
                    r.try_get::<String, _>(0)
                        .or_else(|_| r.try_get::<i64, _>(0).map(|i| i.to_string()))
                        .unwrap()
                })
                .collect()
        })
    })
    .join()
    .unwrap()
}

fn count(url: &str, table: &str) -> i64 {
    column(url, &format!("SELECT COUNT(*) FROM {table}"))[0]
        .parse()
        .unwrap()
}

fn keel(args: &[&str]) -> Output {
    Command::new(KEEL)
        .args(args)
        .env_remove("KEEL_DATABASE_URL")
        .env_remove("KEEL_DATA_DIR")
        .env("KEEL_LOG", "warn")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn succeeds(args: &[&str]) -> Output {
    let o = keel(args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    o
}

/// Runs `args`, expecting a failure whose messages contain each of `words`.
fn fails_with(args: &[&str], words: &[&str]) -> String {
    let o = keel(args);
    let err = stderr(&o);
    assert!(!o.status.success(), "{args:?} succeeded: {err}");
    for w in words {
        assert!(err.contains(w), "{args:?}: expected '{w}' in: {err}");
    }
    err
}

/// What this round added, the way the API records it: a KPI (with a corridor) feeding an open
/// key result, one reading (which checks in on the key result, by "KPI: …"), an objective that
/// overrides the roll-up, and the organisation's roll-up setting turned on.
fn add_kpis_and_rollup(url: &str) {
    use keel_domain::*;
    use keel_server::auth::Caller;
    use keel_server::services::{data_feeds::Pusher, kpis};
    use keel_store::*;
    let url = url.to_string();
    std::thread::spawn(move || {
        runtime().block_on(async {
            let store = keel_store::open(&url).await.unwrap();
            let store: &dyn Store = &*store;
            let people = every_page(|page| async move {
                store.list_people(&PeopleFilter::default(), &page).await
            })
            .await
            .unwrap();
            let admin = people
                .into_iter()
                .find(|p| p.active && p.roles.contains(&Role::Admin))
                .expect("the demo has an administrator");
            let caller = Caller {
                person: admin,
                token: None,
                session: None,
                request_id: None,
            };
            let ctx = caller.write_ctx();
            let kpi = kpis::create(
                store,
                &caller,
                serde_json::from_value(serde_json::json!({
                    "name": "Weekly active teams",
                    "unit": "teams",
                    "corridor_min": 40.0,
                    "corridor_max": 900.0,
                }))
                .unwrap(),
            )
            .await
            .unwrap_or_else(|_| panic!("the KPI is refused"));
            let objectives = every_page(|page| async move {
                store
                    .list_objectives(&ObjectiveFilter::new(Reader::Everyone), &page)
                    .await
            })
            .await
            .unwrap();
            let active: Vec<ObjectiveId> = objectives
                .iter()
                .filter(|o| o.state == ObjectiveState::Active)
                .map(|o| o.id.clone())
                .collect();
            let krs = store.key_results_of(&active).await.unwrap();
            // A key result measured by a number in an open cycle takes the KPI's readings.
            let mut fed = false;
            for kr in krs.iter().filter(|k| k.metric_kind == MetricKind::Increase) {
                store
                    .set_key_result_kpi(&ctx, &kr.id, Some(&kpi.id))
                    .await
                    .unwrap();
                let pusher = Pusher::Person(Box::new(Caller {
                    person: caller.person.clone(),
                    token: None,
                    session: None,
                    request_id: None,
                }));
                let (_, moved) = kpis::record(
                    store,
                    &pusher,
                    &kpi.id,
                    serde_json::from_value(serde_json::json!({"value": 57.0, "note": "from BI"}))
                        .unwrap(),
                )
                .await
                .unwrap();
                if !moved.is_empty() {
                    fed = true;
                    break;
                }
                store.set_key_result_kpi(&ctx, &kr.id, None).await.unwrap();
            }
            assert!(fed, "a KPI reading checked in on a key result");
            let o = objectives
                .iter()
                .find(|o| o.progress_rollup == ProgressRollup::Inherit)
                .unwrap();
            let after = Objective {
                progress_rollup: ProgressRollup::Off,
                ..o.clone()
            };
            store.update_objective(&ctx, o, &after).await.unwrap();
            let mut settings = store.settings().await.unwrap();
            settings.progress_rollup = true;
            store.save_settings(&ctx, &settings).await.unwrap();
        })
    })
    .join()
    .unwrap();
}

/// Northwind exported, imported into an empty database, exported again: the same bytes, in
/// JSON and in YAML; then the other checks on the same two databases.
fn round_trip(demo: &str, empty: &str, dir: &Dir) {
    succeeds(&["demo", "--database-url", demo]);
    add_kpis_and_rollup(demo);
    for format in ["json", "yaml"] {
        let first = dir.file(&format!("first.{format}"));
        let second = dir.file(&format!("second.{format}"));
        succeeds(&[
            "export",
            "--format",
            format,
            "--output",
            &first,
            "--database-url",
            demo,
        ]);
        if format == "json" {
            // Into the empty database: a restore.
            let dry = succeeds(&["import", &first, "--dry-run", "--database-url", empty]);
            let report: serde_json::Value = serde_json::from_slice(&dry.stdout).unwrap();
            assert_eq!(report["dry_run"], true);
            assert_eq!(report["restore"], true);
            assert!(
                report["objectives"]["created"].as_u64().unwrap() > 10,
                "{report}"
            );
            assert_eq!(count(empty, "people"), 0, "a dry run writes nothing");
            succeeds(&["import", &first, "--database-url", empty]);
        }
        succeeds(&[
            "export",
            "--format",
            format,
            "--output",
            &second,
            "--database-url",
            empty,
        ]);
        let (a, b) = (
            std::fs::read_to_string(&first).unwrap(),
            std::fs::read_to_string(&second).unwrap(),
        );
        assert!(a.len() > 10_000, "the export holds the organisation");
        if a != b {
            let line = a
                .lines()
                .zip(b.lines())
                .position(|(x, y)| x != y)
                .unwrap_or(0);
            panic!(
                "{format}: the second export differs from the first at line {}:\n{}\n---\n{}",
                line + 1,
                a.lines().skip(line).take(5).collect::<Vec<_>>().join("\n"),
                b.lines().skip(line).take(5).collect::<Vec<_>>().join("\n"),
            );
        }
    }
    // What a restore keeps: recorded acceptance, and the same counts of the OKR tables.
    for table in [
        "people",
        "teams",
        "objectives",
        "key_results",
        "check_ins",
        "initiatives",
        "key_result_scores",
        "retrospectives",
    ] {
        let live = if table == "check_ins" {
            "check_ins WHERE retracted IS NULL"
        } else if table == "objectives" || table == "key_results" {
            if table == "objectives" {
                "objectives WHERE deleted_at IS NULL"
            } else {
                "key_results WHERE deleted_at IS NULL"
            }
        } else {
            table
        };
        assert_eq!(count(demo, live), count(empty, table), "{table}");
    }
    // This round's additions: KPIs and their readings, the KPI feeding a key result, the
    // check-ins a source recorded, the roll-up override and setting.
    for (live, restored) in [
        ("kpis WHERE deleted_at IS NULL", "kpis"),
        ("kpi_values", "kpi_values"),
        (
            "key_results WHERE kpi_id IS NOT NULL AND deleted_at IS NULL",
            "key_results WHERE kpi_id IS NOT NULL",
        ),
        (
            "check_ins WHERE source = 'kpi' AND retracted IS NULL",
            "check_ins WHERE source = 'kpi'",
        ),
        (
            "objectives WHERE progress_rollup = 'off' AND deleted_at IS NULL",
            "objectives WHERE progress_rollup = 'off'",
        ),
    ] {
        assert!(count(demo, live) > 0, "{live}");
        assert_eq!(count(demo, live), count(empty, restored), "{restored}");
    }
    assert_eq!(
        column(
            empty,
            "SELECT source_name FROM check_ins WHERE source = 'kpi'"
        ),
        vec!["Weekly active teams".to_string()]
    );
    let first = std::fs::read_to_string(dir.path("first.json")).unwrap();
    for part in [
        "\"kpis\": [",
        "\"corridor_min\": 40.0",
        "\"readings\": [",
        "\"kpi\": \"",
        "\"kind\": \"kpi\"",
        "\"progress_rollup\": \"off\"",
        "\"progress_rollup\": true",
    ] {
        assert!(first.contains(part), "the export holds {part}");
    }
    let accepted = "objectives WHERE ownership_state = 'accepted' AND deleted_at IS NULL";
    assert_eq!(count(demo, accepted), count(empty, accepted));
    assert!(count(empty, accepted) > 0);
    one_cycle_exports_alone(demo, dir);
    bad_files_write_nothing(empty, dir);
    every_table_is_exported_or_excluded(empty);
}

fn one_cycle_exports_alone(demo: &str, dir: &Dir) {
    let cycle = column(
        demo,
        "SELECT name FROM cycles WHERE state = 'active' ORDER BY name",
    )[0]
    .clone();
    let out = dir.file("cycle.json");
    succeeds(&[
        "export",
        "--cycle",
        &cycle,
        "--output",
        &out,
        "--database-url",
        demo,
    ]);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(doc["cycle"], cycle.as_str());
    let objectives = doc["objectives"].as_array().unwrap();
    assert!(!objectives.is_empty());
    assert!(objectives.iter().all(|o| o["cycle"] == cycle.as_str()));
    fails_with(
        &[
            "export",
            "--cycle",
            "No such quarter",
            "--database-url",
            demo,
        ],
        &["--cycle: no cycle is named 'No such quarter'"],
    );
}

/// Bad input at the command line: an unknown owner in YAML, a broken document, a CSV row with an
/// unknown owner. Each names where, and the database is as it was.
fn bad_files_write_nothing(url: &str, dir: &Dir) {
    let objectives = count(url, "objectives");
    let people = count(url, "people");
    let yaml = dir.path("unknown-owner.yaml");
    std::fs::write(
        &yaml,
        "format: keel-okrs\nversion: 1\ncycles:\n- name: Imported quarter\n  starts_on: 2027-01-01\n  ends_on: 2027-03-31\n  state: planning\nobjectives:\n- cycle: Imported quarter\n  title: Someone else's goal\n  owner: nobody@nowhere.example\n  key_results: []\n",
    )
    .unwrap();
    let y = yaml.display().to_string();
    fails_with(
        &["import", &y, "--database-url", url],
        &[
            "objectives[0].owner: no person with email nobody@nowhere.example",
            "nothing was imported",
        ],
    );
    // A KPI with a corridor upside down and a key result fed by a KPI nobody has: each named,
    // nothing written (not even the valid KPI beside them).
    let kpis = count(url, "kpis");
    let owner = column(url, "SELECT email FROM people ORDER BY email")[0].clone();
    let bad_kpis = dir.path("bad-kpis.yaml");
    std::fs::write(
        &bad_kpis,
        format!("format: keel-okrs\nversion: 1\ncycles:\n- name: KPI quarter\n  starts_on: 2027-04-01\n  ends_on: 2027-06-30\n  state: planning\nkpis:\n- name: Uptime\n  owner: {owner}\n  corridor_min: 99.9\n  corridor_max: 99.0\n- name: Revenue\n  owner: {owner}\n  readings:\n  - at: 2026-01-05T00:00:00Z\n    value: 12.5\nobjectives:\n- cycle: KPI quarter\n  title: Fed by nothing\n  owner: {owner}\n  key_results:\n  - title: Revenue grows\n    owner: {owner}\n    metric: increase\n    start: 0\n    target: 10\n    kpi: no-such-kpi\n"),
    )
    .unwrap();
    fails_with(
        &[
            "import",
            &bad_kpis.display().to_string(),
            "--database-url",
            url,
        ],
        &[
            "kpis[0].corridor_min: the lower bound must not be above the upper bound",
            "objectives[0].key_results[0].kpi: no KPI with id no-such-kpi",
            "nothing was imported",
        ],
    );
    assert_eq!(count(url, "kpis"), kpis, "a refused import writes no KPI");
    let broken = dir.path("broken.json");
    std::fs::write(
        &broken,
        r#"{"format": "keel-okrs", "version": 1, "people": [{"email": 3}]}"#,
    )
    .unwrap();
    fails_with(
        &[
            "import",
            &broken.display().to_string(),
            "--database-url",
            url,
        ],
        &["people[0].email"],
    );
    let newer = dir.path("newer.json");
    std::fs::write(&newer, r#"{"format": "keel-okrs", "version": 9}"#).unwrap();
    fails_with(
        &[
            "import",
            &newer.display().to_string(),
            "--database-url",
            url,
        ],
        &["version: this Keel reads version 1"],
    );
    // CSV: a mapping from the spreadsheet's headers, a bad row named by row and column.
    let email = column(url, "SELECT email FROM people ORDER BY email")[0].clone();
    let csv = dir.path("okrs.csv");
    std::fs::write(
        &csv,
        format!(
            "Quarter,Goal,Owner,KR,Start,Target\n2027 Q9,Grow,{email},More customers,1,10\n2027 Q9,Grow,ghost@nowhere.example,Fewer churns,5,1\n"
        ),
    )
    .unwrap();
    let c = csv.display().to_string();
    let maps = [
        "--map",
        "Quarter=cycle",
        "--map",
        "Goal=objective",
        "--map",
        "Owner=owner_email",
        "--map",
        "KR=key_result",
    ];
    let mut args = vec!["import", c.as_str(), "--csv", "okrs", "--database-url", url];
    args.extend(maps);
    // The cycle is not there yet: named by row and column.
    fails_with(&args, &["row 2, column Quarter: no cycle named '2027 Q9'"]);
    let people_csv = dir.path("people.csv");
    std::fs::write(&people_csv, "email,name,manager_email\nnew.person@northwind.example,New Person,\nbad,Bad Email,\nthird@northwind.example,Third,ghost@nowhere.example\n").unwrap();
    let p = people_csv.display().to_string();
    fails_with(
        &["import", &p, "--csv", "people", "--database-url", url],
        &[
            "row 3, column email: 'bad' is not a valid email address",
            "row 4, column manager_email: no person with email ghost@nowhere.example",
        ],
    );
    assert_eq!(count(url, "objectives"), objectives, "nothing half-written");
    assert_eq!(count(url, "people"), people, "nothing half-written");
    // A good people CSV goes in whole, and a dry run first says so.
    std::fs::write(
        &people_csv,
        "E-mail,Full name,Title\nnew.person@northwind.example,New Person,=1+2\n",
    )
    .unwrap();
    let o = succeeds(&[
        "import",
        &p,
        "--csv",
        "people",
        "--map",
        "E-mail=email",
        "--map",
        "Full name=name",
        "--map",
        "Title=title",
        "--dry-run",
        "--database-url",
        url,
    ]);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["people"]["created"], 1);
    assert_eq!(count(url, "people"), people);
    succeeds(&[
        "import",
        &p,
        "--csv",
        "people",
        "--map",
        "E-mail=email",
        "--map",
        "Full name=name",
        "--map",
        "Title=title",
        "--database-url",
        url,
    ]);
    assert_eq!(count(url, "people"), people + 1);
}

/// The store's catalogue against the lists in one place: a table neither exported nor excluded
/// with a reason fails here.
fn every_table_is_exported_or_excluded(url: &str) {
    use keel_server::services::okr_file::{exclusion, EXPORTED_TABLES, EXPORT_EXCLUDED};
    let tables = if url.starts_with("sqlite://") {
        column(url, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    } else {
        column(url, "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name")
    };
    assert!(tables.len() > 30, "{tables:?}");
    let unaccounted: Vec<&String> = tables
        .iter()
        .filter(|t| !EXPORTED_TABLES.contains(&t.as_str()) && exclusion(t).is_none())
        .collect();
    assert!(
        unaccounted.is_empty(),
        "tables neither exported nor excluded with a reason (add each to EXPORTED_TABLES or EXPORT_EXCLUDED in keel-server/src/services/okr_file/mod.rs): {unaccounted:?}"
    );
    for (name, why) in EXPORT_EXCLUDED {
        assert!(
            !why.trim().is_empty(),
            "{name} is excluded without a reason"
        );
        assert!(
            !EXPORTED_TABLES.contains(name),
            "{name} is both exported and excluded"
        );
    }
}

#[test]
fn northwind_round_trips_on_sqlite() {
    let dir = Dir::new("okr-transfer");
    round_trip(&dir.url("demo.db"), &dir.url("empty.db"), &dir);
}

#[test]
fn northwind_round_trips_on_postgres() {
    let (Some(demo), Some(empty)) = (PgDb::new("okrs"), PgDb::new("okrs")) else {
        return;
    };
    let dir = Dir::new("okr-transfer");
    round_trip(&demo.url(), &empty.url(), &dir);
}
