//! Durability of the check-in write path, as an operator would find it: `keel serve` killed with
//! SIGKILL (no drain, no shutdown) while many clients check in keeps every check-in it had
//! acknowledged, each with its audit row, and a restarted server lists them all; and the
//! settings that make an acknowledgement durable are the ones Keel ships with (SQLite
//! `synchronous=normal` in WAL mode: a commit survives the process dying; PostgreSQL
//! `synchronous_commit=on`: a commit is on disk before it is answered), read back from the
//! connections by `keel migrate`. Why a test: speed work on the check-in path must never buy
//! throughput by acknowledging what is not yet committed.
//!
//! The PostgreSQL variant runs when `KEEL_TEST_POSTGRES_URL` is set (it makes its own database
//! and drops it, even when it fails).

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod support;
use support::{runtime, Dir, PgDb};

const KEEL: &str = env!("CARGO_BIN_EXE_keel");
/// Concurrent clients: enough that group commits are in flight when the server dies.
const CLIENTS: usize = 16;

/// The first column of every row `sql` returns, on either backend, as text.
fn column(url: &str, sql: &str) -> Vec<String> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let conn = rusqlite::Connection::open(path).unwrap();
        let mut st = conn.prepare(sql).unwrap();
        let rows = st.query_map([], |r| r.get::<_, String>(0)).unwrap();
        return rows.map(Result::unwrap).collect();
    }
    let (url, sql) = (url.to_string(), sql.to_string());
    std::thread::spawn(move || {
        runtime().block_on(async {
            use sqlx::{Connection, Row};
            let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
            let rows = sqlx::query(&sql).fetch_all(&mut conn).await.unwrap();
            rows.iter().map(|r| r.get::<String, _>(0)).collect()
        })
    })
    .join()
    .unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `keel serve` over `url` (with the demo organisation when `demo`) on `port`; with `demo`,
/// also the administrator's API token it prints.
fn serve(url: &str, port: u16, demo: bool) -> (Child, Option<String>) {
    let mut cmd = Command::new(KEEL);
    cmd.args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .args(["--database-url", url])
        .env_remove("KEEL_DATABASE_URL")
        .env_remove("KEEL_DATA_DIR")
        .env_remove("KEEL_SQLITE_SYNCHRONOUS")
        .env("KEEL_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if demo {
        cmd.arg("--demo");
    }
    let mut child = cmd.spawn().unwrap();
    let lines = std::io::BufRead::lines(std::io::BufReader::new(child.stderr.take().unwrap()));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut token = None;
    while Instant::now() < deadline {
        if demo && token.is_none() {
            if let Ok(line) = rx.recv_timeout(Duration::from_millis(50)) {
                token = line.trim().strip_prefix("API token: ").map(str::to_string);
            }
            continue;
        }
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (child, token);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("keel serve did not start");
}

/// Key results of the active cycle, where the administrator may check in.
fn open_key_results(url: &str) -> Vec<String> {
    column(
        url,
        "SELECT k.id FROM key_results k JOIN objectives o ON o.id = k.objective_id \
         JOIN cycles c ON c.id = o.cycle_id \
         WHERE c.state = 'active' AND o.state = 'active' AND k.deleted_at IS NULL \
         AND o.deleted_at IS NULL AND k.metric_kind NOT IN ('boolean', 'milestone', 'milestones') ORDER BY k.id",
    )
}

/// One client checking in until `stop` or until the server stops answering; each acknowledged
/// check-in (201) is pushed to `acked` with its key result.
async fn client(
    port: u16,
    token: String,
    key_results: Vec<String>,
    offset: usize,
    acked: Arc<Mutex<Vec<(String, String)>>>,
    stop: Arc<AtomicBool>,
) {
    let http = reqwest::Client::new();
    let mut n = offset;
    while !stop.load(Ordering::Relaxed) {
        let kr = &key_results[n % key_results.len()];
        n += CLIENTS;
        let sent = http
            .post(format!(
                "http://127.0.0.1:{port}/api/v1/key-results/{kr}/check-ins"
            ))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "value": (n % 50) as f64, "confidence": 7, "note": format!("durable {n}") }))
            .send()
            .await;
        // The server was killed: whatever it had not answered is not acknowledged.
        let Ok(resp) = sent else { return };
        assert_eq!(
            resp.status(),
            reqwest::StatusCode::CREATED,
            "a check-in was refused"
        );
        let Ok(body) = resp.json::<serde_json::Value>().await else {
            return;
        };
        let id = body["check_in"]["id"].as_str().unwrap().to_string();
        acked.lock().unwrap().push((kr.clone(), id));
    }
}

/// Every check-in id the restarted server lists for `kr`, page by page.
async fn listed(port: u16, token: &str, kr: &str) -> BTreeSet<String> {
    let http = reqwest::Client::new();
    let mut ids = BTreeSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url =
            format!("http://127.0.0.1:{port}/api/v1/key-results/{kr}/check-ins?limit=500");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page: serde_json::Value = http
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .json()
            .await
            .unwrap();
        for c in page["items"].as_array().unwrap() {
            ids.insert(c["id"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return ids,
        }
    }
}

/// Kills `keel serve` over `url` with SIGKILL under check-in load, restarts it, and finds every
/// acknowledged check-in listed by the API and audited in the database.
fn killed_under_load_keeps_every_acknowledged_check_in(url: &str) {
    let port = free_port();
    let (mut server, token) = serve(url, port, true);
    let token = token.expect("serve --demo prints an API token");
    let key_results = open_key_results(url);
    assert!(key_results.len() > 10);
    let acked = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| {
            rt.spawn(client(
                port,
                token.clone(),
                key_results.clone(),
                i,
                acked.clone(),
                stop.clone(),
            ))
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    while acked.lock().unwrap().len() < 300 {
        assert!(Instant::now() < deadline, "the load stalled");
        std::thread::sleep(Duration::from_millis(5));
    }
    // SIGKILL, in the middle of the load: no drain, no shutdown, no last commit.
    server.kill().unwrap();
    server.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        rt.block_on(c).unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    eprintln!("{} check-ins acknowledged before SIGKILL", acked.len());

    let (mut restarted, _) = serve(url, port, false);
    let mut by_kr: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (kr, id) in &acked {
        by_kr.entry(kr).or_default().insert(id);
    }
    for (kr, ids) in &by_kr {
        let listed = rt.block_on(listed(port, &token, kr));
        let missing: Vec<_> = ids.iter().filter(|id| !listed.contains(**id)).collect();
        assert!(missing.is_empty(), "acknowledged, lost: {missing:?}");
    }
    let _ = restarted.kill();
    let _ = restarted.wait();
    let audited: BTreeSet<String> = column(
        url,
        "SELECT object_id FROM audit_events WHERE action = 'check_in.create'",
    )
    .into_iter()
    .collect();
    for (_, id) in &acked {
        assert!(audited.contains(id), "check-in {id} has no audit row");
    }
}

/// What `keel migrate` reads back from the connections about durability.
fn durability_report(url: &str) -> String {
    let o = Command::new(KEEL)
        .args(["migrate", "--database-url", url])
        .env_remove("KEEL_SQLITE_SYNCHRONOUS")
        .env_remove("KEEL_DATABASE_URL")
        .env("KEEL_LOG", "warn")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(o.status.success(), "{said}");
    said
}

#[test]
fn sqlite_killed_under_check_in_load_keeps_every_acknowledged_check_in() {
    let dir = Dir::new("durability");
    let url = format!("sqlite://{}", dir.0.join("keel.db").display());
    killed_under_load_keeps_every_acknowledged_check_in(&url);
}

#[test]
fn postgres_killed_under_check_in_load_keeps_every_acknowledged_check_in() {
    let Some(db) = PgDb::new("durability") else {
        return;
    };
    killed_under_load_keeps_every_acknowledged_check_in(&db.url());
}

/// The durability settings are the shipped ones, as the connections have them: SQLite
/// `synchronous=normal` (with WAL, what a commit survives is the process dying, not a power
/// loss), PostgreSQL `synchronous_commit=on`.
#[test]
fn durability_settings_are_unchanged_on_both_backends() {
    let dir = Dir::new("durability");
    let url = format!("sqlite://{}", dir.0.join("keel.db").display());
    let said = durability_report(&url);
    assert!(said.contains("synchronous=normal"), "{said}");
    let wal = column(&url, "PRAGMA journal_mode");
    assert_eq!(wal, ["wal"]);
    if let Some(db) = PgDb::new("durability") {
        let said = durability_report(&db.url());
        assert!(said.contains("synchronous_commit=on"), "{said}");
    }
}
