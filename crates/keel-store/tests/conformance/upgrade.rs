//! Upgrades: a database an earlier Keel wrote opens with today's store (its migrations run at
//! open), and nothing is lost.
//!
//! The fixture `tests/fixtures/c4f45a2/` is the schema as it was at commit c4f45a2 (schema
//! version 7, the last before the migrations that followed; `schema.sqlite.sql`,
//! `schema.postgres.sql`, made by `make-schema.sh` from that commit's migrations) and
//! representative rows of every table (`rows.sql`, the same on both backends). Each test loads
//! it into an empty database, counts every table, opens the store (migrations 8 onwards run),
//! then checks that every row is still there, that today's code reads every kind of record
//! back, and that each later migration left what it promises.
//!
//! **Every migration extends this test.** Migration N adds its entries to `CHECKS` with
//! `version: N`: SQL (written once for both backends, returning one text column) and the rows
//! it must return on the upgraded fixture, i.e. what its backfill gives the rows written before
//! it. If it changes how today's code reads old records, `reads_back` gains the lines that show
//! the old records still read as they should.

use crate::*;
use keel_store::testing::TestDatabase;

const SCHEMA_SQLITE: &str = include_str!("../fixtures/c4f45a2/schema.sqlite.sql");
const SCHEMA_POSTGRES: &str = include_str!("../fixtures/c4f45a2/schema.postgres.sql");
const ROWS: &str = include_str!("../fixtures/c4f45a2/rows.sql");

/// What one migration must leave on the upgraded fixture: `sql` returns `want`, row by row.
struct Check {
    version: i64,
    what: &'static str,
    sql: &'static str,
    want: &'static [&'static str],
}

/// The checks, by the migration that makes them true (≤ 7: the fixture itself, kept intact).
const CHECKS: &[Check] = &[
    Check {
        version: 7,
        what: "people keep their names (accents included) and their login keys",
        sql: "SELECT name || ' <' || email_key || '>' FROM people ORDER BY id",
        want: &[
            "Ada Lovelace <ada@northwind.example>",
            "Bruno Díaz <bruno@northwind.example>",
            "Chloé Martin <chloe@northwind.example>",
            "Dmitri Ivanov <dmitri@northwind.example>",
        ],
    },
    Check {
        version: 7,
        what: "the audit trail is kept, in order",
        sql: "SELECT action || ' ' || source FROM audit_events ORDER BY at, id",
        want: &[
            "person.create cli",
            "settings.update cli",
            "objective.create ui",
            "objective.update api",
            "check_in.create api",
            "person.update ui",
        ],
    },
    Check {
        version: 7,
        what: "sessions, sign-in throttles and pending single sign-ons survive",
        sql: "SELECT method FROM sessions UNION ALL SELECT throttle_key FROM sign_in_throttles \
              UNION ALL SELECT return_to FROM oidc_logins",
        want: &["password", "dmitri@northwind.example", "/my-week"],
    },
    Check {
        version: 8,
        what: "objectives and key results written before have no activation or acceptance stamp \
               (read as their creation), and overrides no end day",
        sql: "SELECT CAST(COUNT(*) AS TEXT) FROM objectives WHERE activated_at IS NOT NULL \
              UNION ALL SELECT CAST(COUNT(*) AS TEXT) FROM key_results \
              WHERE owner_accepted_at IS NOT NULL \
              UNION ALL SELECT CAST(COUNT(*) AS TEXT) FROM status_overrides \
              WHERE until_on IS NOT NULL",
        want: &["0", "0", "0"],
    },
    Check {
        version: 9,
        what: "every earlier check-in stands: none corrects another, none is retracted",
        sql: "SELECT CAST(COUNT(*) AS TEXT) FROM check_ins WHERE corrects_id IS NULL \
              AND retracted IS NULL AND retracted_by IS NULL AND retracted_at IS NULL",
        want: &["5"],
    },
    Check {
        version: 10,
        what: "earlier check-ins keep the scale the organisation used (three levels here)",
        sql: "SELECT confidence_scale FROM check_ins ORDER BY id",
        want: &[
            "three_level",
            "three_level",
            "three_level",
            "three_level",
            "three_level",
        ],
    },
    Check {
        version: 11,
        what: "people follow the organisation's time zone",
        sql: "SELECT CAST(COUNT(*) AS TEXT) FROM people WHERE time_zone IS NULL",
        want: &["4"],
    },
    Check {
        version: 12,
        what: "key results run with their cycle",
        sql: "SELECT CAST(COUNT(*) AS TEXT) FROM key_results \
              WHERE starts_on IS NULL AND ends_on IS NULL",
        want: &["5"],
    },
    Check {
        version: 13,
        what: "a cycle closed before the upgrade is dated by its last change, an open one not",
        sql: "SELECT name || ' ' || CASE WHEN closed_at IS NULL THEN 'undated' \
              WHEN closed_at = updated_at THEN 'dated' ELSE 'misdated' END \
              FROM cycles ORDER BY id",
        want: &["2026 undated", "2026 Q3 dated", "2026 Q4 undated"],
    },
    Check {
        version: 13,
        what: "no open objective is dated as closed",
        sql: "SELECT CAST(COUNT(*) AS TEXT) FROM objectives \
              WHERE state <> 'closed' AND closed_at IS NOT NULL",
        want: &["0"],
    },
    Check {
        version: 14,
        what: "the job queue, the notifications and the evaluator's memory start empty",
        sql: "SELECT CAST((SELECT COUNT(*) FROM jobs) + (SELECT COUNT(*) FROM notifications) \
              + (SELECT COUNT(*) FROM key_result_signals) AS TEXT)",
        want: &["0"],
    },
    Check {
        version: 15,
        what: "nobody has chosen how news reaches them yet: everyone gets the defaults",
        sql: "SELECT CAST(COUNT(*) AS TEXT) FROM notification_preferences",
        want: &["0"],
    },
    Check {
        version: 16,
        what: "nobody has been invited or asked for a new password yet, and no mail server is saved",
        sql: "SELECT CAST((SELECT COUNT(*) FROM account_tokens) + (SELECT COUNT(*) FROM mail_settings) AS TEXT)",
        want: &["0"],
    },
    Check {
        version: 17,
        what: "notifications written before are on the bell and never emailed late",
        sql: "SELECT CAST(COUNT(*) AS TEXT) FROM notifications \
              WHERE delivery <> 'in_app' OR emailed_at IS NOT NULL",
        want: &["0"],
    },
    Check {
        version: 18,
        what: "nobody has chosen their own digest day yet: everyone's is the check-in day",
        sql: "SELECT CAST(COUNT(*) AS TEXT) FROM digest_days",
        want: &["0"],
    },
    Check {
        version: 19,
        what: "key results contribute to nothing yet: only objectives had parents",
        sql: "SELECT CAST(COUNT(*) AS TEXT) FROM key_result_parents",
        want: &["0"],
    },
    Check {
        version: 20,
        what: "no key result depends on another yet",
        sql: "SELECT CAST(COUNT(*) AS TEXT) FROM key_result_dependencies",
        want: &["0"],
    },
    Check {
        version: 21,
        what: "no webhook endpoint is registered and nothing was delivered yet",
        sql: "SELECT CAST((SELECT COUNT(*) FROM webhook_endpoints) + \
              (SELECT COUNT(*) FROM webhook_deliveries) AS TEXT)",
        want: &["0"],
    },
    Check {
        version: 22,
        what: "no KPI, ingest token or sourced check-in yet; key results keep no data source",
        sql: "SELECT CAST((SELECT COUNT(*) FROM kpis) + (SELECT COUNT(*) FROM kpi_values) \
              + (SELECT COUNT(*) FROM ingest_tokens) \
              + (SELECT COUNT(*) FROM check_ins WHERE source IS NOT NULL) \
              + (SELECT COUNT(*) FROM key_results WHERE kpi_id IS NOT NULL) AS TEXT)",
        want: &["0"],
    },
    Check {
        version: 23,
        what: "every objective follows the organisation's progress roll-up setting",
        sql: "SELECT progress_rollup FROM objectives ORDER BY id",
        want: &["inherit", "inherit", "inherit", "inherit", "inherit"],
    },
    Check {
        version: 24,
        what: "no status change is remembered yet: movers start from the upgrade",
        sql: "SELECT CAST(COUNT(*) AS TEXT) FROM key_result_status_changes",
        want: &["0"],
    },
    Check {
        version: 25,
        what: "check-ins keep their values and the recognition that names one across the rebuild \
               that lets a source be pulled; no pulled source, run or database yet",
        sql: "SELECT c.id || ' ' || CAST(CAST(c.value * 10 AS BIGINT) AS TEXT) || ' ' || COALESCE(r.id, '-') \
              FROM check_ins c LEFT JOIN recognitions r ON r.check_in_id = c.id \
              UNION ALL SELECT CAST((SELECT COUNT(*) FROM pull_sources) \
              + (SELECT COUNT(*) FROM pull_runs) + (SELECT COUNT(*) FROM source_databases) AS TEXT) \
              ORDER BY 1",
        want: &[
            "0",
            "01900000-0000-7000-8000-00000000f001 1310000 -",
            "01900000-0000-7000-8000-00000000f002 1512505 -",
            "01900000-0000-7000-8000-00000000f003 360 01900000-0000-7000-8000-000000070001",
            "01900000-0000-7000-8000-00000000f004 415 -",
            "01900000-0000-7000-8000-00000000f005 10 -",
        ],
    },
    Check {
        version: 26,
        what: "no automation rule exists, and none has fired",
        sql: "SELECT CAST((SELECT COUNT(*) FROM automation_rules) \
              + (SELECT COUNT(*) FROM automation_rule_firings) AS TEXT)",
        want: &["0"],
    },
    Check {
        version: 27,
        what: "no objective's status is stored yet: the evaluator's next round computes them",
        sql: "SELECT CAST(COUNT(*) AS TEXT) FROM objective_signals",
        want: &["0"],
    },
    Check {
        version: 28,
        what: "no health finding is stored yet: the evaluator's next round finds them",
        sql: "SELECT CAST(COUNT(*) AS TEXT) FROM health_findings",
        want: &["0"],
    },
    Check {
        version: 29,
        what: "no dashboard figure is stored yet: the evaluator's next round counts them",
        sql: "SELECT CAST((SELECT COUNT(*) FROM dashboard_figures) \
              + (SELECT COUNT(*) FROM dashboard_rounds) AS TEXT)",
        want: &["0"],
    },
    Check {
        version: 30,
        what: "no participation or company figure is counted yet: the evaluator's next round counts them",
        sql: "SELECT CAST((SELECT COUNT(*) FROM participation_counts) \
              + (SELECT COUNT(*) FROM company_figure_counts) \
              + (SELECT COUNT(*) FROM figure_rounds) AS TEXT)",
        want: &["0"],
    },
    Check {
        version: 31,
        what: "no check-in compliance or health count is stored yet: the evaluator's next round counts them",
        sql: "SELECT CAST((SELECT COUNT(*) FROM compliance_counts) \
              + (SELECT COUNT(*) FROM compliance_rounds) \
              + (SELECT COUNT(*) FROM health_finding_counts) \
              + (SELECT COUNT(*) FROM health_count_rounds) AS TEXT)",
        want: &["0"],
    },
    Check {
        version: 32,
        what: "the stored counts keep sponsorships, none counted yet: the next round counts them",
        sql: "SELECT CAST((SELECT COUNT(*) FROM participation_counts WHERE sponsored <> 0) \
              + (SELECT COUNT(*) FROM figure_rounds WHERE kind = 'participation') AS TEXT)",
        want: &["0"],
    },
    Check {
        version: 33,
        what: "the stored counts are indexed by what each person owns; none is counted yet",
        sql: "SELECT CAST(COUNT(*) AS TEXT) FROM participation_counts \
              WHERE owned_objectives + owned_key_results > 0",
        want: &["0"],
    },
    Check {
        version: 34,
        what: "key results keep their financial flag (now indexed for the financial report)",
        sql: "SELECT CAST(COUNT(*) AS TEXT) || ':' || CAST(SUM(financial) AS TEXT) FROM key_results",
        want: &["5:1"],
    },
    Check {
        version: 35,
        what: "no participation total is stored yet, nor any round: the next round counts them",
        sql: "SELECT CAST((SELECT COUNT(*) FROM participation_totals) \
              + (SELECT COUNT(*) FROM figure_rounds WHERE kind = 'participation') AS TEXT)",
        want: &["0"],
    },    Check {
        version: 36,
        what: "the job queue keeps its jobs (the due index now ordered as the claim reads it)",
        sql: "SELECT CAST(COUNT(*) AS TEXT) FROM jobs",
        want: &["0"],
    },
    Check {
        version: 37,
        what: "jobs and the evaluator's statuses are kept (now indexed by kind and by status)",
        sql: "SELECT CAST((SELECT COUNT(*) FROM jobs) \
              + (SELECT COUNT(*) FROM objective_signals) AS TEXT)",
        want: &["0"],
    },
    Check {
        version: 38,
        what: "every stored objective signal names its objective's cycle (none stored yet); \
               the objectives keep their cycles and titles (now indexed by both)",
        sql: "SELECT CAST((SELECT COUNT(*) FROM objective_signals s JOIN objectives o \
              ON o.id = s.objective_id WHERE s.cycle_id <> o.cycle_id) AS TEXT) \
              UNION ALL SELECT CAST(COUNT(DISTINCT cycle_id || ':' || title) AS TEXT) FROM objectives",
        want: &["0", "5"],
    },
    Check {
        version: 39,
        what: "no calibration or check-in compliance is stored yet, nor any round: the next round counts them",
        sql: "SELECT CAST((SELECT COUNT(*) FROM calibration_sums) \
              + (SELECT COUNT(*) FROM calibration_rounds) \
              + (SELECT COUNT(*) FROM compliance_counts) \
              + (SELECT COUNT(*) FROM compliance_rounds) AS TEXT)",
        want: &["0"],
    },
    Check {
        version: 40,
        what: "no participation totals are stored, nor their round: the next round counts them with the ownership map's people",
        sql: "SELECT CAST((SELECT COUNT(*) FROM participation_totals) \
              + (SELECT COUNT(*) FROM figure_rounds WHERE kind = 'participation') AS TEXT)",
        want: &["0"],
    },
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_from_c4f45a2() {
    let dir = std::env::temp_dir().join(format!("keel-upgrade-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("keel.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&format!("BEGIN; {SCHEMA_SQLITE}\n{ROWS}\nCOMMIT;"))
            .expect("load the c4f45a2 fixture");
    }
    upgrade(&format!("sqlite://{}", path.display())).await;
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_from_c4f45a2() {
    let Some(admin) = crate::postgres_admin_url() else {
        return;
    };
    let db = TestDatabase::create(&admin).await;
    {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(db.url()).await.unwrap();
        sqlx::raw_sql(&format!("BEGIN; {SCHEMA_POSTGRES}\n{ROWS}\nCOMMIT;"))
            .execute(&mut conn)
            .await
            .expect("load the c4f45a2 fixture");
        conn.close().await.ok();
    }
    upgrade(db.url()).await;
}

/// Opens the fixture at `url` with today's store and checks the upgrade.
async fn upgrade(url: &str) {
    let tables = texts(
        url,
        if url.starts_with("sqlite") {
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        } else {
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
             WHERE table_schema = current_schema() ORDER BY 1"
        },
    )
    .await;
    assert_eq!(
        tables.len(),
        32,
        "31 tables and the migrations' own: {tables:?}"
    );
    let mut before = Vec::new();
    for t in &tables {
        before.push(count(url, t).await);
    }
    assert!(
        before.iter().all(|&n| n > 0),
        "every table has rows: {before:?}"
    );

    let store = keel_store::open(url)
        .await
        .expect("today's store opens the fixture");

    let versions = texts(
        url,
        "SELECT CAST(version AS TEXT) AS v FROM schema_migrations ORDER BY schema_migrations.version",
    )
    .await;
    // The fixture's own migrations, then every later one, each with its checks (numbers are
    // handed to branches built side by side, so a branch may hold a later one before an
    // earlier one is merged).
    let mut checked: Vec<i64> = CHECKS.iter().map(|c| c.version).collect();
    checked.dedup();
    let want: Vec<String> = (1..checked[0])
        .chain(checked)
        .map(|v| v.to_string())
        .collect();
    assert_eq!(
        versions, want,
        "every migration ran once; the newest has its checks in CHECKS"
    );
    for (t, n) in tables.iter().zip(&before) {
        let after = count(url, t).await;
        let added = if t == "schema_migrations" {
            // The migrations after the fixture's seventh.
            want.len() as i64 - 7
        } else {
            0
        };
        assert_eq!(after, n + added, "rows of {t}");
    }
    for c in CHECKS {
        assert_eq!(
            texts(url, c.sql).await,
            c.want,
            "migration {}: {}",
            c.version,
            c.what
        );
    }
    same_columns_as_a_new_database(url).await;
    reads_back(&store).await;
    writes_after(&store).await;
}

/// The upgraded schema has exactly the columns a new database has (the store's declarations,
/// which the declared-columns test checks against a new database).
async fn same_columns_as_a_new_database(url: &str) {
    let sql = if url.starts_with("sqlite") {
        "SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name <> 'schema_migrations' ORDER BY 1"
    } else {
        "SELECT CAST(table_name AS TEXT) || '.' || CAST(column_name AS TEXT) \
         FROM information_schema.columns WHERE table_schema = current_schema() \
         AND table_name <> 'schema_migrations' ORDER BY 1"
    };
    let mut upgraded = texts(url, sql).await;
    upgraded.retain(|c| !keel_store::is_search_index_table(c.split('.').next().unwrap_or("")));
    upgraded.sort();
    let mut new: Vec<String> = keel_store::declared_tables()
        .into_iter()
        .flat_map(|(t, cols)| cols.into_iter().map(move |c| format!("{t}.{c}")))
        .collect();
    new.sort();
    assert_eq!(upgraded, new, "the upgraded schema's columns");
}

/// The fixture's first column of every row of `sql`, as text (`NULL` for null).
async fn texts(url: &str, sql: &str) -> Vec<String> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let conn = rusqlite::Connection::open(path).unwrap();
        let mut q = conn.prepare(sql).unwrap();
        let rows = q
            .query_map([], |r| r.get::<_, Option<String>>(0))
            .unwrap()
            .map(|v| v.unwrap().unwrap_or_else(|| "NULL".into()))
            .collect();
        return rows;
    }
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let rows: Vec<(Option<String>,)> = sqlx::query_as(sql).fetch_all(&mut conn).await.unwrap();
    conn.close().await.ok();
    rows.into_iter()
        .map(|(v,)| v.unwrap_or_else(|| "NULL".into()))
        .collect()
}

async fn count(url: &str, table: &str) -> i64 {
    let n = texts(url, &format!("SELECT CAST(COUNT(*) AS TEXT) FROM {table}")).await;
    n[0].parse().unwrap()
}

fn person_id(n: u32) -> PersonId {
    PersonId::from_string(format!("01900000-0000-7000-8000-00000000a00{n}"))
}

fn fixture_id(suffix: &str) -> String {
    format!("01900000-0000-7000-8000-{suffix:0>12}")
}

/// Today's code reads every kind of record the fixture holds, with its values.
/// Migration 23's search index holds the rows written before it (SQLite: filled by the
/// migration; PostgreSQL: indexes built over them): three characters and more read it.
async fn search_reads_back(s: &DynStore) {
    let hits = s
        .search(
            &SearchQuery {
                reader: Reader::Everyone,
                text: "SELF-SERVE".into(),
                kind: None,
            },
            &PageRequest {
                limit: 50,
                cursor: None,
            },
        )
        .await
        .unwrap();
    let titles: Vec<&str> = hits.items.iter().map(|h| h.title.as_str()).collect();
    assert_eq!(
        titles,
        vec![
            "Grow the self-serve business",
            "Monthly self-serve revenue from 120k to 180k"
        ]
    );
}

async fn reads_back(s: &DynStore) {
    let settings = s.settings().await.unwrap();
    assert_eq!(settings.name, "Northwind Labs");
    assert_eq!(settings.confidence_scale, ConfidenceScale::ThreeLevel);
    assert_eq!(settings.health.max_key_results, 4);
    assert_eq!(settings.rhythm.grace_days, 2);

    let bruno = s.person(&person_id(2)).await.unwrap().unwrap();
    assert_eq!(bruno.roles, vec![Role::Member, Role::Champion]);
    assert_eq!(bruno.manager_id, Some(person_id(1)));
    assert_eq!(bruno.time_zone, None);
    assert!(!s.person(&person_id(4)).await.unwrap().unwrap().active);

    okrs_read_back(s).await;
    rhythm_reads_back(s).await;
    search_reads_back(s).await;

    let tokens = s.list_tokens(&person_id(1)).await.unwrap();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].scope, TokenScope::Write);
    let events = s
        .list_audit(&AuditFilter::new(Reader::Everyone), &page(100, None))
        .await
        .unwrap()
        .items;
    assert_eq!(events.len(), 6);
    let check_in = events
        .iter()
        .find(|e| e.action == "check_in.create")
        .unwrap();
    assert_eq!(check_in.after.as_ref().unwrap()["note"], "Checklist helps");
}

async fn okrs_read_back(s: &DynStore) {
    let o = ObjectiveId::from_string(fixture_id("d002"));
    let o = s.objective(&o).await.unwrap().unwrap();
    assert_eq!(o.co_owner_ids, vec![person_id(3)]);
    assert_eq!(o.team_ids.len(), 2);
    assert_eq!(o.contributor_ids, vec![person_id(3)]);
    assert_eq!(o.visibility, Visibility::Team);
    assert_eq!(o.version, 4);
    assert_eq!(o.parents.len(), 1);
    let deleted = ObjectiveId::from_string(fixture_id("d005"));
    assert!(
        s.objective(&deleted).await.unwrap().is_none(),
        "still deleted"
    );

    let revenue = KeyResultId::from_string(fixture_id("e001"));
    let kr = s.key_result(&revenue).await.unwrap().unwrap();
    assert_eq!(kr.current, 151_250.5);
    assert!(kr.financial);
    assert_eq!(kr.co_owner_ids, vec![person_id(1)]);
    let checklist = KeyResultId::from_string(fixture_id("e003"));
    let kr = s.key_result(&checklist).await.unwrap().unwrap();
    assert_eq!(kr.milestones.len(), 3);
    assert!(kr.milestones[0].done && !kr.milestones[1].done);
    assert_eq!(kr.milestones[1].title, "Build; test");

    let activation = KeyResultId::from_string(fixture_id("e002"));
    let check_ins = s
        .check_ins_of(&[revenue.clone(), activation.clone()])
        .await
        .unwrap();
    assert_eq!(check_ins.len(), 4);
    assert!(check_ins
        .iter()
        .all(|c| c.scale == ConfidenceScale::ThreeLevel && c.retracted.is_none()));
    assert!(check_ins
        .iter()
        .any(|c| c.note == "Pricing page test; slower than hoped"));
    let initiatives = s.initiatives_of(&[revenue, activation]).await.unwrap();
    assert_eq!(initiatives.len(), 3);
    let request = OwnershipRequestId::from_string(fixture_id("030001"));
    let request = s.ownership_request(&request).await.unwrap().unwrap();
    assert!(request.fit.unwrap().legitimacy);
}

async fn rhythm_reads_back(s: &DynStore) {
    let growth = TeamId::from_string(fixture_id("b002"));
    assert_eq!(
        s.team_cadences(&[growth.clone()]).await.unwrap(),
        vec![(growth.clone(), 14)]
    );
    let reviews = s
        .list_reviews(&growth, &page(10, None))
        .await
        .unwrap()
        .items;
    assert_eq!(reviews.len(), 1);
    assert_eq!(
        reviews[0].items[0].decisions,
        "Keep the checklist; drop the discount"
    );
    let o = ObjectiveId::from_string(fixture_id("d002"));
    let overrides = s.status_overrides(&[o]).await.unwrap();
    assert_eq!(overrides[0].status, rhythm::Status::AtRisk);
    assert_eq!(overrides[0].until, None);
    let live = KeyResultId::from_string(fixture_id("e004"));
    assert_eq!(s.scores_of(&[live]).await.unwrap()[0].score, 0.9);
    let closed = ObjectiveId::from_string(fixture_id("d004"));
    assert!(s.retrospective(&closed).await.unwrap().unwrap().carry_over);
    let one_to_one = ConversationId::from_string(fixture_id("050001"));
    let c = s.conversation(&one_to_one).await.unwrap().unwrap();
    assert_eq!(c.okr_ids, vec![fixture_id("e002")]);
    let asked = FeedbackRequestId::from_string(fixture_id("060001"));
    let f = s.feedback_request(&asked).await.unwrap().unwrap();
    assert_eq!(f.answers.len(), 2);
    let thanked = s
        .recognitions_to(&person_id(3), &page(10, None))
        .await
        .unwrap()
        .items;
    assert_eq!(thanked.len(), 1);
}

/// The upgraded database takes new writes: a check-in on an old key result, on the scale in use.
async fn writes_after(s: &DynStore) {
    let id = KeyResultId::from_string(fixture_id("e002"));
    let kr = s.key_result(&id).await.unwrap().unwrap();
    let mut c = check_in(&id, 44.0, now());
    c.confidence = Confidence::new(2, ConfidenceScale::ThreeLevel).unwrap();
    c.scale = ConfidenceScale::ThreeLevel;
    let stored = s
        .record_check_in(&ctx(), &c, &applied(&kr, &c))
        .await
        .unwrap();
    assert_eq!(stored.current, 44.0);
    assert_eq!(stored.version, kr.version + 1);
    assert_eq!(s.check_ins_of(&[id]).await.unwrap().len(), 3);
}
