//! `keel backup`, `keel restore` and `keel copy` as an operator runs them, on both backends: a
//! backup taken while check-ins keep arriving through the API restores everything acknowledged
//! before it started, each check-in with its audit row; an organisation copied SQLite →
//! PostgreSQL → SQLite comes back row for row; bad input fails with one line and writes nothing.
//!
//! The PostgreSQL variants run when `KEEL_TEST_POSTGRES_URL` is set (each makes its own
//! databases and drops them, even when it fails).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod support;
use support::{runtime, Dir, PgDb};

const KEEL: &str = env!("CARGO_BIN_EXE_keel");

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

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn succeeds(args: &[&str]) -> Output {
    let o = keel(args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    o
}

/// Runs `args`, expecting a failure told in one line that contains `words`.
fn fails_with(args: &[&str], words: &str) {
    let o = keel(args);
    let err = stderr(&o);
    assert!(!o.status.success(), "{args:?} succeeded: {err}");
    assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    assert!(err.starts_with("keel: "), "{err}");
    assert!(
        err.contains(words),
        "{args:?}: expected '{words}' in: {err}"
    );
}

/// The first column of every row `sql` returns, on either backend, as text.
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

/// `keel serve --demo` over `url`: the process, its port and the administrator's API token.
fn serve_demo(url: &str) -> (std::process::Child, u16, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(KEEL)
        .args(["serve", "--demo", "--bind", &format!("127.0.0.1:{port}")])
        .args(["--database-url", url])
        .env("KEEL_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = std::io::BufRead::lines(std::io::BufReader::new(child.stderr.take().unwrap()));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(60)) {
        if let Some(t) = line.trim().strip_prefix("API token: ") {
            return (child, port, t.to_string());
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("serve --demo prints an API token");
}

/// Key results of the active cycle, where the administrator may check in.
fn open_key_results(url: &str) -> Vec<String> {
    column(
        url,
        "SELECT k.id FROM key_results k JOIN objectives o ON o.id = k.objective_id \
         JOIN cycles c ON c.id = o.cycle_id \
         WHERE c.state = 'active' AND o.state = 'active' AND k.deleted_at IS NULL \
         AND o.deleted_at IS NULL ORDER BY k.id",
    )
}

/// Check-ins posted through the API until `stop`; each acknowledged one's id is pushed to `acked`.
async fn check_in_load(
    port: u16,
    token: String,
    key_results: Vec<String>,
    acked: Arc<Mutex<Vec<String>>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
) {
    let client = reqwest::Client::new();
    let mut n = 0usize;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let kr = &key_results[n % key_results.len()];
        n += 1;
        let resp = client
            .post(format!(
                "http://127.0.0.1:{port}/api/v1/key-results/{kr}/check-ins"
            ))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "value": (n % 50) as f64, "confidence": 7, "note": format!("load {n}") }))
            .send()
            .await
            .unwrap();
        if resp.status() == reqwest::StatusCode::CREATED {
            let body: serde_json::Value = resp.json().await.unwrap();
            let id = body["check_in"]["id"].as_str().unwrap().to_string();
            acked.lock().unwrap().push(id);
        }
    }
}

/// Backs up `url` with `keel backup` while check-ins arrive, restores the file into `fresh`, and
/// checks that every check-in acknowledged before the backup started is there, each with its
/// audit row, and every audited check-in exists.
fn backup_under_check_in_load(url: &str, fresh: &str, file: &Path) {
    let (mut server, port, token) = serve_demo(url);
    let key_results = open_key_results(url);
    assert!(!key_results.is_empty());
    let acked = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let load = rt.spawn(check_in_load(
        port,
        token,
        key_results,
        acked.clone(),
        stop.clone(),
    ));
    let wait_for = |n: usize| {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while acked.lock().unwrap().len() < n {
            assert!(std::time::Instant::now() < deadline, "the load stalled");
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    wait_for(30);
    let before: BTreeSet<String> = acked.lock().unwrap().iter().cloned().collect();
    let file_arg = file.display().to_string();
    let o = succeeds(&["backup", "--to", &file_arg, "--database-url", url]);
    assert!(stderr(&o).contains("backed up"), "{}", stderr(&o));
    // The load ran on through the backup and after it.
    let during = acked.lock().unwrap().len() - before.len();
    wait_for(before.len() + during + 10);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    eprintln!(
        "{} check-ins acknowledged before the backup, {during} while it ran",
        before.len()
    );
    rt.block_on(load).unwrap();
    let _ = server.kill();
    let _ = server.wait();

    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(file).unwrap().permissions().mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "a backup is readable by its owner only"
    );

    let o = succeeds(&["restore", "--from", &file_arg, "--database-url", fresh]);
    assert!(
        stderr(&o).contains("every row count and checksum equal"),
        "{}",
        stderr(&o)
    );
    let restored: BTreeSet<String> = column(fresh, "SELECT id FROM check_ins")
        .into_iter()
        .collect();
    let audited: BTreeSet<String> = column(
        fresh,
        "SELECT object_id FROM audit_events WHERE action = 'check_in.create'",
    )
    .into_iter()
    .collect();
    let missing: Vec<_> = before.difference(&restored).collect();
    assert!(
        missing.is_empty(),
        "acknowledged but not restored: {missing:?}"
    );
    let posted: BTreeSet<String> = acked.lock().unwrap().iter().cloned().collect();
    for id in restored.intersection(&posted) {
        assert!(audited.contains(id), "check-in {id} has no audit row");
    }
    for id in &audited {
        assert!(restored.contains(id), "audited check-in {id} is missing");
    }
    // The restored organisation is the one backed up, not an empty shell.
    assert!(count(fresh, "people") > 10);
    assert_eq!(count(fresh, "people"), count(url, "people"));
}

#[test]
fn a_sqlite_backup_under_check_in_load_restores_everything_acknowledged() {
    let dir = Dir::new("backup");
    backup_under_check_in_load(
        &dir.url("live.db"),
        &dir.url("restored.db"),
        &dir.path("keel.backup"),
    );
    // A SQLite backup is itself a SQLite database.
    let head = std::fs::read(dir.path("keel.backup")).unwrap();
    assert!(head.starts_with(b"SQLite format 3\0"));
}

#[test]
fn a_postgres_backup_under_check_in_load_restores_everything_acknowledged() {
    let (Some(live), Some(fresh)) = (PgDb::new("backup"), PgDb::new("backup")) else {
        return;
    };
    let dir = Dir::new("backup");
    backup_under_check_in_load(&live.url(), &fresh.url(), &dir.path("keel.jsonl"));
    let text = std::fs::read_to_string(dir.path("keel.jsonl")).unwrap();
    let header: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(header["format"], "keel-backup");
    assert_eq!(header["backend"], "postgres");
    assert!(header["schema_version"].as_i64().unwrap() >= 12);
    // The portable export restores into SQLite as well.
    let file = dir.path("keel.jsonl").display().to_string();
    succeeds(&[
        "restore",
        "--from",
        &file,
        "--database-url",
        &dir.url("x.db"),
    ]);
    assert_eq!(
        count(&dir.url("x.db"), "check_ins"),
        count(&fresh.url(), "check_ins")
    );
}

/// Every row of every table of a SQLite database, as sorted text (for comparing two files).
fn every_row(path: &Path) -> Vec<(String, Vec<String>)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .filter(|t: &String| !keel_store::is_search_index_table(t))
        .collect();
    tables
        .into_iter()
        .map(|t| {
            let mut st = conn.prepare(&format!("SELECT * FROM {t}")).unwrap();
            let n = st.column_count();
            let mut rows: Vec<String> = st
                .query_map([], |r| {
                    Ok((0..n)
                        .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                        .collect::<Vec<_>>()
                        .join("|"))
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            rows.sort();
            (t, rows)
        })
        .collect()
}

#[test]
fn an_organisation_copied_to_postgres_and_back_comes_back_row_for_row() {
    let Some(pg) = PgDb::new("backup") else {
        return;
    };
    let dir = Dir::new("backup");
    let (start, back) = (dir.url("start.db"), dir.url("back.db"));
    succeeds(&["demo", "--database-url", &start]);
    // Passwords, sessions and audit rows too: an administrator with a password.
    succeeds(&[
        "admin",
        "create",
        "--email",
        "ops@example.com",
        "--name",
        "Ops",
        "--database-url",
        &start,
    ]);
    let o = succeeds(&["copy", "--from", &start, "--to", &pg.url()]);
    let table = stdout(&o);
    assert!(table.lines().count() > 25, "{table}");
    for line in table.lines().skip(1) {
        assert!(line.ends_with("yes"), "{line}");
    }
    for t in ["people", "audit_events", "check_ins", "settings"] {
        assert!(
            table.lines().any(|l| l.starts_with(t)),
            "{t} was not compared: {table}"
        );
    }
    assert!(stderr(&o).contains("every row count and checksum equal"));
    succeeds(&["copy", "--from", &pg.url(), "--to", &back]);
    assert_eq!(
        every_row(&dir.path("start.db")),
        every_row(&dir.path("back.db"))
    );

    // A non-empty destination is refused, naming what it holds, and left as it was.
    let people = count(&pg.url(), "people");
    fails_with(
        &["copy", "--from", &start, "--to", &pg.url()],
        "is not empty",
    );
    fails_with(
        &["copy", "--from", &start, "--to", &pg.url()],
        "rows in check_ins",
    );
    assert_eq!(count(&pg.url(), "people"), people);
    // A SQLite backup restores into PostgreSQL too.
    let other = PgDb::new("backup").unwrap();
    let file = dir.path("start.backup").display().to_string();
    succeeds(&["backup", "--to", &file, "--database-url", &start]);
    succeeds(&["restore", "--from", &file, "--database-url", &other.url()]);
    assert_eq!(count(&other.url(), "people"), people);
}

#[test]
fn damaged_or_foreign_backups_fail_in_one_line_and_write_nothing() {
    let dir = Dir::new("backup");
    let live = dir.url("live.db");
    succeeds(&["demo", "--database-url", &live]);
    let target = dir.url("target.db");
    let target_file = dir.path("target.db");
    let path = |n: &str| dir.path(n).display().to_string();

    // Missing and corrupt files.
    fails_with(
        &[
            "restore",
            "--from",
            &path("nowhere.backup"),
            "--database-url",
            &target,
        ],
        "does not exist",
    );
    std::fs::write(
        dir.path("garbage"),
        "these are not the rows you are looking for",
    )
    .unwrap();
    fails_with(
        &[
            "restore",
            "--from",
            &path("garbage"),
            "--database-url",
            &target,
        ],
        "is not a Keel backup",
    );
    succeeds(&[
        "backup",
        "--to",
        &path("keel.backup"),
        "--database-url",
        &live,
    ]);
    let whole = std::fs::read(dir.path("keel.backup")).unwrap();
    let mut damaged = whole.clone();
    for b in damaged.iter_mut().skip(4096).take(8192) {
        *b = 0x5a;
    }
    std::fs::write(dir.path("damaged.backup"), &damaged).unwrap();
    fails_with(
        &[
            "restore",
            "--from",
            &path("damaged.backup"),
            "--database-url",
            &target,
        ],
        "is damaged",
    );

    // The portable export: cut short, or a value changed.
    succeeds(&[
        "backup",
        "--portable",
        "--to",
        &path("keel.jsonl"),
        "--database-url",
        &live,
    ]);
    let text = std::fs::read_to_string(dir.path("keel.jsonl")).unwrap();
    let half: String = text
        .lines()
        .take(text.lines().count() / 2)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(dir.path("short.jsonl"), half).unwrap();
    fails_with(
        &[
            "restore",
            "--from",
            &path("short.jsonl"),
            "--database-url",
            &target,
        ],
        "incomplete",
    );
    let changed = text.replacen("Northwind", "Southwind", 1);
    assert_ne!(changed, text);
    std::fs::write(dir.path("changed.jsonl"), changed).unwrap();
    fails_with(
        &[
            "restore",
            "--from",
            &path("changed.jsonl"),
            "--database-url",
            &target,
        ],
        "do not match their recorded count and checksum",
    );
    // Gzipped (by its name), and cut short.
    succeeds(&[
        "backup",
        "--to",
        &path("keel.jsonl.gz"),
        "--database-url",
        &live,
    ]);
    let gz = std::fs::read(dir.path("keel.jsonl.gz")).unwrap();
    assert!(gz.starts_with(&[0x1f, 0x8b]) && gz.len() < text.len() / 4);
    std::fs::write(dir.path("short.jsonl.gz"), &gz[..gz.len() / 2]).unwrap();
    fails_with(
        &[
            "restore",
            "--from",
            &path("short.jsonl.gz"),
            "--database-url",
            &target,
        ],
        "is damaged",
    );
    // A backup from a newer Keel.
    let newer = text.replacen("\"schema_version\":", "\"schema_version\":9999,\"was\":", 1);
    std::fs::write(dir.path("newer.jsonl"), newer).unwrap();
    fails_with(
        &[
            "restore",
            "--from",
            &path("newer.jsonl"),
            "--database-url",
            &target,
        ],
        "newer than this Keel",
    );
    assert!(
        !target_file.exists(),
        "a failed restore leaves no database behind"
    );
}

#[test]
fn bad_urls_and_non_empty_targets_fail_in_one_line_and_change_nothing() {
    let dir = Dir::new("backup");
    let live = dir.url("live.db");
    succeeds(&["demo", "--database-url", &live]);
    let target = dir.url("target.db");
    let target_file = dir.path("target.db");
    let path = |n: &str| dir.path(n).display().to_string();
    for args in [
        vec!["backup", "--to", &path("keel.backup")],
        vec!["backup", "--portable", "--to", &path("keel.jsonl")],
        vec!["backup", "--to", &path("keel.jsonl.gz")],
    ] {
        succeeds(&[&args[..], &["--database-url", &live]].concat());
    }

    let people_before = count(&live, "people");
    // Bad URLs and a missing database.
    fails_with(
        &[
            "restore",
            "--from",
            &path("keel.jsonl"),
            "--database-url",
            "mysql://root:pw@h/db",
        ],
        "invalid database URL",
    );
    fails_with(
        &["copy", "--from", "mysql://root:pw@h/db", "--to", &target],
        "invalid database URL",
    );
    fails_with(
        &[
            "copy",
            "--from",
            &live,
            "--to",
            "postgres://keel:hunter2@127.0.0.1:1/keel",
        ],
        "database error",
    );
    fails_with(
        &[
            "backup",
            "--to",
            &path("x.backup"),
            "--database-url",
            &dir.url("missing.db"),
        ],
        "does not exist",
    );
    fails_with(
        &[
            "backup",
            "--to",
            &path("no/such/dir/x.backup"),
            "--database-url",
            &live,
        ],
        "cannot write",
    );
    fails_with(&["copy", "--from", &live, "--to", &live], "same database");
    let live_file = path("live.db");
    fails_with(
        &[
            "backup",
            "--portable",
            "--to",
            &live_file,
            "--database-url",
            &live,
        ],
        "the database itself",
    );
    assert_eq!(count(&live, "people"), people_before);
    assert!(!dir.path("missing.db").exists() && !dir.path("x.backup").exists());
    assert!(!target_file.exists());

    // The gzipped export restores; so does the plain one, and a second restore over it is
    // refused.
    let gz_target = dir.url("from-gz.db");
    succeeds(&[
        "restore",
        "--from",
        &path("keel.jsonl.gz"),
        "--database-url",
        &gz_target,
    ]);
    assert_eq!(count(&gz_target, "check_ins"), count(&live, "check_ins"));
    succeeds(&[
        "restore",
        "--from",
        &path("keel.jsonl"),
        "--database-url",
        &target,
    ]);
    let people = count(&target, "people");
    assert_eq!(people, count(&live, "people"));
    fails_with(
        &[
            "restore",
            "--from",
            &path("keel.backup"),
            "--database-url",
            &target,
        ],
        "is not empty",
    );
    assert_eq!(count(&target, "people"), people);
    // Nothing but the backups and databases: no partial files left beside them.
    let partial = std::fs::read_dir(&dir.0)
        .unwrap()
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().contains(".partial-"));
    assert!(!partial);
}
