//! The binary's observability settings as an operator meets them: JSON log lines carrying each
//! request (and no token, cookie, password or query string), metrics on a separate listener, and
//! a one-line error for a bad setting.

use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

const KEEL: &str = env!("CARGO_BIN_EXE_keel");

/// A data directory removed on drop.
struct Dir(std::path::PathBuf);

impl Dir {
    fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let d = std::env::temp_dir().join(format!("keel-observe-{}-{nanos}", std::process::id()));
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

fn keel(dir: &Dir, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(KEEL);
    c.args(args)
        .arg("--database-url")
        .arg(dir.url())
        .current_dir(&dir.0)
        .env_remove("KEEL_DATABASE_URL")
        .env_remove("KEEL_LOG_FORMAT")
        .env_remove("KEEL_METRICS_BIND")
        .env_remove("KEEL_METRICS_TOKEN")
        .env("KEEL_LOG", "warn");
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

fn run(dir: &Dir, args: &[&str], env: &[(&str, &str)]) -> Output {
    keel(dir, args, env).output().unwrap()
}

/// A running `keel serve`, its stderr lines arriving on `lines`; killed on drop.
struct Server {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Server {
    fn start(dir: &Dir, env: &[(&str, &str)]) -> Self {
        let mut child = keel(dir, &["serve", "--bind", "127.0.0.1:0"], env)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                let _ = tx.send(line);
            }
        });
        Server {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a stderr line starting with `prefix`; returns the rest of it.
    fn wait_for(&mut self, prefix: &str) -> String {
        if let Some(rest) = self.seen.iter().find_map(|l| l.strip_prefix(prefix)) {
            return rest.to_string();
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(line) = self.lines.recv_timeout(Duration::from_millis(200)) {
                self.seen.push(line.clone());
                if let Some(rest) = line.strip_prefix(prefix) {
                    return rest.to_string();
                }
            }
        }
        panic!("no line starting with {prefix:?} in {:?}", self.seen);
    }

    /// The base URL the server printed.
    fn base(&mut self) -> String {
        let rest = self.wait_for("Keel is running at ");
        rest.split_whitespace().next().unwrap().to_string()
    }

    /// Stops the server and returns everything it wrote to stderr.
    fn stop(mut self) -> Vec<String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut all = std::mem::take(&mut self.seen);
        while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(500)) {
            all.push(line);
        }
        all
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// An administrator (email, password) and their API token, made with the CLI.
fn admin_with_token(dir: &Dir) -> (String, String) {
    let o = run(
        dir,
        &[
            "admin",
            "create",
            "--email",
            "ops@keel.test",
            "--name",
            "Ops",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    let password = out
        .lines()
        .find_map(|l| l.strip_prefix("Password (shown once): "))
        .unwrap()
        .to_string();
    let o = run(dir, &["token", "create", "--email", "ops@keel.test"], &[]);
    assert!(o.status.success());
    let token = String::from_utf8_lossy(&o.stdout).trim().to_string();
    (password, token)
}

/// Signs in through the form; returns the session cookie (name=value).
async fn sign_in(client: &reqwest::Client, base: &str, password: &str) -> String {
    let page = client.get(format!("{base}/sign-in")).send().await.unwrap();
    let pre = page.headers()["set-cookie"].to_str().unwrap();
    let pre = pre.split(';').next().unwrap().to_string();
    let html = page.text().await.unwrap();
    let marker = "name=\"csrf_token\" value=\"";
    let at = html.find(marker).unwrap() + marker.len();
    let csrf = html[at..].split('"').next().unwrap().to_string();
    let resp = client
        .post(format!("{base}/sign-in"))
        .header("cookie", &pre)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "ops@keel.test"),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), reqwest::StatusCode::SEE_OTHER);
    let cookies: Vec<&str> = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap())
        .collect();
    cookies.join("; ")
}

#[test]
fn json_logs_carry_each_request_and_no_secret() {
    let dir = Dir::new();
    let (password, token) = admin_with_token(&dir);
    let mut server = Server::start(&dir, &[("KEEL_LOG_FORMAT", "json"), ("KEEL_LOG", "debug")]);
    let base = server.base();
    let (request_id, cookie) = runtime().block_on(async {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let resp = client
            .get(format!(
                "{base}/api/v1/people?limit=5&access_token=query-secret-42"
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), reqwest::StatusCode::OK);
        let id = resp.headers()["x-request-id"].to_str().unwrap().to_string();
        let cookie = sign_in(&client, &base, &password).await;
        let page = client
            .get(format!("{base}/my-week"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), reqwest::StatusCode::OK);
        (id, cookie)
    });
    let lines = server.stop();
    let mut requests = Vec::new();
    for line in &lines {
        if line.starts_with("Keel is running at ") {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        if v["target"] == "keel::request" {
            requests.push(v);
        }
    }
    let people = requests
        .iter()
        .find(|r| r["request_id"] == request_id.as_str())
        .unwrap_or_else(|| panic!("no line for request {request_id}: {lines:?}"));
    assert_eq!(people["method"], "GET");
    assert_eq!(people["route"], "/api/v1/people");
    assert_eq!(people["status"], 200);
    assert_eq!(people["level"], "INFO");
    assert!(
        people["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0),
        "{people}"
    );
    assert!(people["timestamp"].is_string());
    let routes: Vec<&str> = requests
        .iter()
        .filter_map(|r| r["route"].as_str())
        .collect();
    for route in ["/sign-in", "/my-week"] {
        assert!(routes.contains(&route), "{route} not logged: {routes:?}");
    }
    let all = lines.join("\n");
    let mut secrets = vec![
        token.as_str(),
        password.as_str(),
        "query-secret-42",
        "access_token",
    ];
    secrets.extend(cookie.split("; ").map(|c| c.split_once('=').unwrap().1));
    for secret in secrets {
        assert!(!all.contains(secret), "{secret} appears in the log:\n{all}");
    }
}

#[test]
fn text_logs_are_the_default_and_carry_the_route() {
    let dir = Dir::new();
    let mut server = Server::start(&dir, &[("KEEL_LOG", "info")]);
    let base = server.base();
    runtime().block_on(async {
        reqwest::get(format!("{base}/api/v1/people")).await.unwrap();
    });
    let lines = server.stop();
    let line = lines
        .iter()
        .find(|l| l.contains("keel::request"))
        .unwrap_or_else(|| panic!("no request line: {lines:?}"));
    assert!(!line.starts_with('{'), "{line}");
    assert!(
        line.contains("route=\"/api/v1/people\"") && line.contains("status=401"),
        "{line}"
    );
}

#[test]
fn metrics_listen_on_their_own_address_when_configured() {
    let dir = Dir::new();
    let mut server = Server::start(&dir, &[("KEEL_METRICS_BIND", "127.0.0.1:0")]);
    let base = server.base();
    let metrics = server.wait_for("Metrics: ");
    let (on_main, text) = runtime().block_on(async {
        reqwest::get(format!("{base}/api/v1/people")).await.unwrap();
        let on_main = reqwest::get(format!("{base}/metrics"))
            .await
            .unwrap()
            .status();
        let text = reqwest::get(&metrics).await.unwrap().text().await.unwrap();
        (on_main, text)
    });
    assert_eq!(on_main, reqwest::StatusCode::NOT_FOUND);
    assert!(
        text.contains(
            r#"keel_http_requests_total{method="GET",route="/api/v1/people",status="401"} 1"#
        ),
        "{text}"
    );
    assert!(text.contains("keel_check_in_queue_depth 0"), "{text}");
}

#[test]
fn bad_observability_settings_fail_with_one_line_naming_the_setting() {
    let dir = Dir::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = taken.local_addr().unwrap().to_string();
    for (env, name) in [
        (("KEEL_LOG_FORMAT", "xml"), "KEEL_LOG_FORMAT"),
        (("KEEL_METRICS_BIND", "localhost"), "KEEL_METRICS_BIND"),
        (("KEEL_METRICS_BIND", taken.as_str()), "KEEL_METRICS_BIND"),
        (("KEEL_METRICS_TOKEN", "short-secret"), "KEEL_METRICS_TOKEN"),
    ] {
        let o = run(&dir, &["serve", "--bind", "127.0.0.1:0"], &[env]);
        assert!(!o.status.success(), "{env:?}");
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert_eq!(err.trim().lines().count(), 1, "{env:?}: {err}");
        assert!(
            err.starts_with("keel: ") && err.contains(name),
            "{env:?}: {err}"
        );
        assert!(!err.contains("short-secret"), "{err}");
    }
}
