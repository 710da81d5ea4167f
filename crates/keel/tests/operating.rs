//! The binary as an operator runs it. `keel serve` stops the way service managers stop it: on
//! SIGTERM (or Ctrl-C's SIGINT) it stops accepting connections, finishes the requests in flight,
//! exits 0, and every request that was answered with success is in the database afterwards. The
//! drain is bounded: a request that never finishes does not keep the process alive past the
//! drain time. SQLite's durability setting reaches the database connections.

use keel_domain::KeyResultId;
use keel_store::CheckIns;
use std::io::{BufRead, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const KEEL: &str = env!("CARGO_BIN_EXE_keel");

/// A temporary data directory, removed on drop.
struct Dir(std::path::PathBuf);

impl Dir {
    fn new() -> Self {
        let d = std::env::temp_dir().join(format!(
            "keel-shutdown-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }
    fn url(&self) -> String {
        format!("sqlite://{}", self.0.join("keel.db").display())
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `keel` to completion over `dir`'s database; its stdout.
fn keel(dir: &Dir, args: &[&str]) -> String {
    let o = Command::new(KEEL)
        .args(args)
        .args(["--database-url", &dir.url()])
        .env("KEEL_LOG", "warn")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// A running `keel serve`, its port and what it writes to stderr (as it comes).
struct Server {
    child: Child,
    port: u16,
    stderr: std::sync::mpsc::Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `keel serve` with `drain_seconds` and waits until it listens.
fn serve(dir: &Dir, drain_seconds: &str) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(KEEL)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .args(["--database-url", &dir.url()])
        .args(["--drain-seconds", drain_seconds])
        .env("KEEL_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let err = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(err).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let server = Server {
        child,
        port,
        stderr: rx,
    };
    loop {
        let line = server
            .stderr
            .recv_timeout(Duration::from_secs(60))
            .expect("keel serve starts");
        if line.contains("Keel is running") {
            return server;
        }
    }
}

impl Server {
    fn signal(&self, name: &str) {
        let pid = self.child.id().to_string();
        let status = Command::new("kill")
            .args([&format!("-{name}"), &pid])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits (at most a minute: far beyond any drain here) for the process to exit.
    fn exit_status(&mut self) -> std::process::ExitStatus {
        for _ in 0..600 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("keel serve did not exit after the signal");
    }

    /// Everything it wrote to stderr after starting, once it has exited.
    fn log(&self) -> String {
        self.stderr.iter().collect::<Vec<_>>().join("\n")
    }

    /// Starts a check-in request over a raw connection and sends all but the end of its body: a
    /// request in flight, until `finish`. The connection first serves a health check, so the
    /// server has surely accepted it (not left it in the listen backlog) before any signal.
    fn start_slow_check_in(&self, token: &str, kr: &str) -> (std::net::TcpStream, String) {
        let body = r#"{"value": 7, "confidence": 6, "note": "sent slowly"}"#.to_string();
        let mut conn = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(conn, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut seen = Vec::new();
        let mut byte = [0u8; 1];
        while !seen.ends_with(br#"{"status":"ok"}"#) {
            assert_eq!(conn.read(&mut byte).unwrap(), 1, "the health check answers");
            seen.push(byte[0]);
        }
        write!(
            conn,
            "POST /api/v1/key-results/{kr}/check-ins HTTP/1.1\r\nHost: 127.0.0.1\r\n\
             Authorization: Bearer {token}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{}",
            body.len(),
            &body[..10]
        )
        .unwrap();
        conn.flush().unwrap();
        (conn, body[10..].to_string())
    }
}

/// Sends the rest of a slow request's body; the response's status line and body.
fn finish(mut conn: std::net::TcpStream, rest: &str) -> (String, String) {
    conn.write_all(rest.as_bytes()).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).unwrap();
    let status = response.lines().next().unwrap_or("").to_string();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// An administrator's API token and a key result to check in on.
fn organisation(dir: &Dir) -> (String, String) {
    keel(
        dir,
        &[
            "admin",
            "create",
            "--email",
            "ada@keel.test",
            "--name",
            "Ada",
        ],
    );
    let token = keel(dir, &["token", "create", "--email", "ada@keel.test"])
        .trim()
        .to_string();
    let server = serve(dir, "5");
    let rt = runtime();
    let kr = rt.block_on(async {
        let api = Api::new(server.port, &token);
        let cycle = api
            .create(
                "/cycles",
                serde_json::json!({"name": "2026 Q4", "starts_on": "2026-10-01",
                    "ends_on": "2026-12-31", "state": "active"}),
            )
            .await;
        let o = api
            .create(
                "/objectives",
                serde_json::json!({"title": "Stop gracefully", "cycle_id": cycle}),
            )
            .await;
        api.create(
            &format!("/objectives/{o}/key-results"),
            serde_json::json!({"title": "Nothing answered is lost", "kind": "increase",
                "start": 0, "target": 1000}),
        )
        .await
    });
    drop(server);
    (token, kr)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

struct Api {
    base: String,
    token: String,
    client: reqwest::Client,
}

impl Api {
    fn new(port: u16, token: &str) -> Self {
        Api {
            base: format!("http://127.0.0.1:{port}/api/v1"),
            token: token.to_string(),
            client: reqwest::Client::new(),
        }
    }

    /// POSTs and expects 201; the new record's id.
    async fn create(&self, path: &str, body: serde_json::Value) -> String {
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201, "POST {path}");
        let body: serde_json::Value = resp.json().await.unwrap();
        body["id"].as_str().unwrap().to_string()
    }

    /// A check-in: its id when answered with success, `None` when refused or cut off.
    async fn check_in(&self, kr: &str, value: u32) -> Option<String> {
        let resp = self
            .client
            .post(format!("{}/key-results/{kr}/check-ins", self.base))
            .bearer_auth(&self.token)
            .json(&serde_json::json!({"value": value, "confidence": 7}))
            .send()
            .await
            .ok()?;
        if !resp.status().is_success() {
            return None;
        }
        let body: serde_json::Value = resp.json().await.ok()?;
        Some(body["check_in"]["id"].as_str()?.to_string())
    }
}

/// The ids of the check-ins recorded on `kr`, read from the database after the server exited.
fn recorded(dir: &Dir, kr: &str) -> Vec<String> {
    runtime().block_on(async {
        let store = keel_store::open(&dir.url()).await.unwrap();
        store
            .check_ins_of(&[KeyResultId::from_string(kr)])
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.id.to_string())
            .collect()
    })
}

#[test]
fn sigterm_finishes_requests_in_flight_and_keeps_every_answered_check_in() {
    let dir = Dir::new();
    let (token, kr) = organisation(&dir);
    let mut server = serve(&dir, "20");
    let (slow, rest) = server.start_slow_check_in(&token, &kr);
    // Accepted and being read by the server before the signal (not waiting in the backlog).
    std::thread::sleep(Duration::from_millis(300));
    let rt = runtime();
    let api = std::sync::Arc::new(Api::new(server.port, &token));
    // A burst of check-ins, the signal in the middle of it.
    let burst: Vec<_> = (0..120)
        .map(|i| {
            let api = api.clone();
            let kr = kr.clone();
            rt.spawn(async move { api.check_in(&kr, i).await })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(50));
    server.signal("TERM");
    // The server has stopped accepting connections; the slow request is still in flight: its
    // body arrives after the signal, and it is answered.
    std::thread::sleep(Duration::from_millis(500));
    let (status, body) = finish(slow, &rest);
    assert!(status.contains(" 201 "), "{status}: {body}");
    let slow_id = serde_json::from_str::<serde_json::Value>(&body).unwrap()["check_in"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let answered: Vec<String> = rt
        .block_on(async {
            let mut ids = Vec::new();
            for b in burst {
                ids.push(b.await.unwrap());
            }
            ids
        })
        .into_iter()
        .flatten()
        .chain([slow_id])
        .collect();
    let status = server.exit_status();
    let log = server.log();
    eprintln!("{} of 121 check-ins answered", answered.len());
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(log.contains("SIGTERM received"), "{log}");
    let stored = recorded(&dir, &kr);
    let lost: Vec<&String> = answered.iter().filter(|id| !stored.contains(id)).collect();
    assert!(lost.is_empty(), "answered but not recorded: {lost:?}");
    assert_eq!(stored.len(), answered.len(), "nothing unanswered recorded");
}

#[test]
fn the_drain_is_bounded_and_sigint_stops_too() {
    let dir = Dir::new();
    let (token, kr) = organisation(&dir);
    let mut server = serve(&dir, "1");
    // A request that never finishes: the drain time cuts it off.
    let (stuck, _) = server.start_slow_check_in(&token, &kr);
    std::thread::sleep(Duration::from_millis(300));
    server.signal("INT");
    let status = server.exit_status();
    let log = server.log();
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(log.contains("SIGINT received"), "{log}");
    assert!(log.contains("drain time ran out"), "{log}");
    drop(stuck);
    assert!(recorded(&dir, &kr).is_empty(), "the cut-off check-in");
}

#[test]
fn a_bad_drain_time_is_refused_in_one_line() {
    let dir = Dir::new();
    let o = Command::new(KEEL)
        .args(["serve", "--database-url", &dir.url()])
        .env("KEEL_DRAIN_SECONDS", "100000")
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("KEEL_DRAIN_SECONDS"), "{err}");
}

/// `keel migrate`'s report of the synchronous mode the connections have (read back from them).
fn migrate_report(dir: &Dir, env: Option<&str>) -> std::process::Output {
    let mut cmd = Command::new(KEEL);
    cmd.args(["migrate", "--database-url", &dir.url()])
        .current_dir(&dir.0)
        .env_remove("KEEL_SQLITE_SYNCHRONOUS")
        .env("KEEL_LOG", "warn");
    if let Some(v) = env {
        cmd.env("KEEL_SQLITE_SYNCHRONOUS", v);
    }
    cmd.output().unwrap()
}

#[test]
fn sqlite_synchronous_reaches_the_connections_and_bad_values_are_refused() {
    let dir = Dir::new();
    let said = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).to_string();
    let o = migrate_report(&dir, None);
    assert!(
        o.status.success() && said(&o).contains("synchronous=normal"),
        "{}",
        said(&o)
    );
    let o = migrate_report(&dir, Some("FULL"));
    assert!(
        o.status.success() && said(&o).contains("synchronous=full"),
        "{}",
        said(&o)
    );
    // From keel.toml too.
    std::fs::write(dir.0.join("keel.toml"), "sqlite_synchronous = \"full\"\n").unwrap();
    let o = migrate_report(&dir, None);
    assert!(said(&o).contains("synchronous=full"), "{}", said(&o));
    for bad in ["fast", "2", "off"] {
        let o = migrate_report(&dir, Some(bad));
        let err = said(&o);
        assert!(!o.status.success(), "{bad}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(
            err.contains("KEEL_SQLITE_SYNCHRONOUS") && err.contains(bad),
            "{err}"
        );
    }
}
