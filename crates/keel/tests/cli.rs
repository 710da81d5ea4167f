//! The `keel` binary as a user runs it: flags, configuration, errors, administrators, tokens,
//! demo data and `serve --demo`.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const KEEL: &str = env!("CARGO_BIN_EXE_keel");

struct Dir(PathBuf);

impl Dir {
    fn new() -> Self {
        let d =
            std::env::temp_dir().join(format!("keel-cli-{}-{}", std::process::id(), rand_suffix()));
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

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

fn keel(dir: &Dir, args: &[&str]) -> Output {
    Command::new(KEEL)
        .args(args)
        .current_dir(&dir.0)
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

#[test]
fn bad_flags_give_one_clear_line_and_a_failure_exit() {
    let dir = Dir::new();
    for args in [
        vec!["serve", "--frobnicate"],
        vec!["nonsense"],
        vec!["token", "create"],
        vec!["token", "create", "--email", "a@b.io", "--scope", "admin"],
        vec![
            "token",
            "create",
            "--email",
            "a@b.io",
            "--expires-on",
            "soon",
        ],
    ] {
        let o = keel(&dir, &args);
        assert!(!o.status.success(), "{args:?}");
        let err = stderr(&o);
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("keel: "), "{err}");
    }
}

#[test]
fn bad_database_urls_and_config_fail_clearly_without_leaking_passwords() {
    let dir = Dir::new();
    let o = keel(
        &dir,
        &[
            "migrate",
            "--database-url",
            "mysql://root:hunter2@localhost/keel",
        ],
    );
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("invalid database URL") && !err.contains("hunter2"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1);

    let o = keel(
        &dir,
        &[
            "migrate",
            "--database-url",
            "postgres://keel:hunter2@127.0.0.1:1/keel",
        ],
    );
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("cannot open the database") && !err.contains("hunter2"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");

    std::fs::write(
        dir.0.join("keel.toml"),
        "bind = \"127.0.0.1:9\"\ncolour = \"blue\"\n",
    )
    .unwrap();
    let o = keel(&dir, &["migrate"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("colour"), "{}", stderr(&o));

    std::fs::write(dir.0.join("keel.toml"), "bind = \"not an address\"\n").unwrap();
    let o = keel(&dir, &["serve"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--bind"), "{}", stderr(&o));
}

#[test]
fn migrate_uses_the_default_data_dir_and_a_config_file() {
    let dir = Dir::new();
    let o = keel(&dir, &["migrate"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.0.join("keel-data/keel.db").exists());
    std::fs::write(dir.0.join("keel.toml"), "data_dir = \"elsewhere\"\n").unwrap();
    let o = keel(&dir, &["migrate"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.0.join("elsewhere/keel.db").exists());
}

#[test]
fn admin_and_token_creation() {
    let dir = Dir::new();
    let url = dir.url();
    let o = keel(
        &dir,
        &[
            "admin",
            "create",
            "--email",
            "Root@Example.com",
            "--name",
            "Root",
            "--database-url",
            &url,
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Password (shown once): "));

    let o = keel(
        &dir,
        &[
            "admin",
            "create",
            "--email",
            "root@example.com",
            "--name",
            "Again",
            "--database-url",
            &url,
        ],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("email"), "{}", stderr(&o));

    let o = keel(
        &dir,
        &[
            "admin",
            "create",
            "--email",
            "not-an-email",
            "--name",
            "X",
            "--database-url",
            &url,
        ],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("email"));

    let o = keel(
        &dir,
        &[
            "token",
            "create",
            "--email",
            "root@example.com",
            "--database-url",
            &url,
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let token = stdout(&o);
    assert_eq!(token.lines().count(), 1, "only the token on stdout");
    assert!(
        token.trim().starts_with("keel_") && token.trim().len() == 69,
        "{token}"
    );

    let o = keel(
        &dir,
        &[
            "token",
            "create",
            "--email",
            "nobody@example.com",
            "--database-url",
            &url,
        ],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("nobody@example.com"));
}

#[test]
fn demo_loads_once_into_an_empty_database() {
    let dir = Dir::new();
    let url = dir.url();
    let o = keel(&dir, &["demo", "--database-url", &url]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("people"), "{}", stderr(&o));
    let o = keel(&dir, &["demo", "--database-url", &url]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("empty"));

    let dir2 = Dir::new();
    let o = keel(
        &dir2,
        &["demo", "--people", "300", "--database-url", &dir2.url()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("300 people"), "{}", stderr(&o));
    let o = keel(
        &dir2,
        &["demo", "--people", "0", "--database-url", &Dir::new().url()],
    );
    assert!(!o.status.success());
}

/// Starts `keel serve --demo` on a free port over `dir`'s database; returns the process, the port
/// and the API token it prints.
fn serve_demo(dir: &Dir) -> (std::process::Child, u16, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(KEEL)
        .args([
            "serve",
            "--demo",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            &dir.url(),
        ])
        .env("KEEL_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let mut token = None;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while token.is_none() && std::time::Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_secs(1)) {
            if let Some(t) = line.trim().strip_prefix("API token: ") {
                token = Some(t.to_string());
            }
        }
    }
    let token = token.expect("serve --demo prints an API token");
    (child, port, token)
}

/// Signs the demo administrator in through the sign-in form (its CSRF token and cookie taken from
/// the page) with the documented demo password; true when sent on to My week.
async fn signs_in_with_the_demo_password(port: u16) -> bool {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = browser
        .get(format!("http://127.0.0.1:{port}/sign-in"))
        .send()
        .await
        .unwrap();
    let cookie = page.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let html = page.text().await.unwrap();
    let marker = "name=\"csrf_token\" value=\"";
    let at = html.find(marker).unwrap() + marker.len();
    let csrf = html[at..].split('"').next().unwrap().to_string();
    let resp = browser
        .post(format!("http://127.0.0.1:{port}/sign-in"))
        .header("cookie", cookie)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", keel_demo::DEMO_ADMIN_EMAIL),
            ("password", keel_demo::DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    resp.status() == reqwest::StatusCode::SEE_OTHER && resp.headers()["location"] == "/my-week"
}

#[test]
fn serve_demo_prints_a_token_that_works() {
    let dir = Dir::new();
    let (mut child, port, token) = serve_demo(&dir);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (body, signed_in, rhythm) = rt.block_on(async {
        let client = reqwest::Client::new();
        for _ in 0..100 {
            if client
                .get(format!("http://127.0.0.1:{port}/healthz"))
                .send()
                .await
                .is_ok()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let body: serde_json::Value = client
            .get(format!("http://127.0.0.1:{port}/api/v1/objectives?limit=5"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        // The demo administrator signs in to the web UI with the documented demo password.
        let signed_in = signs_in_with_the_demo_password(port).await;
        // The owner's rhythm shows through the API: derived statuses, scored objectives of the
        // closed quarter, the Platform team's review.
        let get = |path: String| {
            let client = client.clone();
            let token = token.clone();
            async move {
                client
                    .get(format!("http://127.0.0.1:{port}/api/v1{path}"))
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap()
                    .json::<serde_json::Value>()
                    .await
                    .unwrap()
            }
        };
        let all = get("/objectives?limit=500".into()).await;
        let teams = get("/teams?limit=500".into()).await;
        let platform = teams["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "Platform")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let reviews = get(format!("/teams/{platform}/reviews")).await;
        (body, signed_in, (all, reviews))
    });
    let (all, reviews) = rhythm;
    let field = |name: &str| -> std::collections::BTreeSet<String> {
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|o| o[name].as_str().map(String::from))
            .collect()
    };
    for status in ["on_track", "at_risk", "off_track", "stale", "closed"] {
        assert!(
            field("status").contains(status),
            "{status}: {:?}",
            field("status")
        );
    }
    for band in ["red", "yellow", "green"] {
        assert!(field("score_band").contains(band), "{band}");
    }
    let items = reviews["items"][0]["items"].as_array().unwrap();
    assert!(items.iter().any(|i| i["decisions"].as_str().unwrap() != ""));
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        signed_in,
        "the demo administrator signs in with the demo password"
    );
    assert_eq!(body["items"].as_array().unwrap().len(), 5, "{body}");
    assert!(body["items"][0]["owner"]["name"].is_string());
}

#[test]
fn lint_reports_the_demo_pitfalls_and_fails_on_errors() {
    let dir = Dir::new();
    let url = dir.url();
    assert!(keel(&dir, &["demo", "--database-url", &url])
        .status
        .success());
    let today = chrono::Utc::now().date_naive();
    let snapshot = keel_demo::organisation(today);
    let quarter = snapshot
        .cycles
        .iter()
        .find(|c| c.parent_id.is_some() && c.state == keel_domain::CycleState::Active)
        .expect("an active quarter");
    let o = keel(
        &dir,
        &["lint", "--cycle", &quarter.name, "--database-url", &url],
    );
    let out = stdout(&o);
    assert!(
        !o.status.success(),
        "the demo has declined ownership: an error\n{out}"
    );
    for code in [
        "ownership_declined",
        "owner_deactivated",
        "stale_confidence",
    ] {
        assert!(out.contains(code), "{code} missing from:\n{out}");
    }
    assert!(out.lines().last().unwrap().contains("errors"), "{out}");

    let o = keel(
        &dir,
        &[
            "lint",
            "--cycle",
            &quarter.name,
            "--format",
            "json",
            "--database-url",
            &url,
        ],
    );
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert!(report["counts"]["error"].as_u64().unwrap() > 0);
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["fix"].is_string()));

    let o = keel(
        &dir,
        &["lint", "--cycle", "1999 Q9", "--database-url", &url],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("1999 Q9"));
}

/// Starts `keel serve` on `dir` (its data directory) and returns the child with the stderr lines
/// read until the one naming the setup page (or a minute).
fn serve_first_run(dir: &Dir) -> (std::process::Child, Vec<String>) {
    serve_with_data_dir(dir, &dir.0.join("data"), &[])
}

/// `keel serve` with `data_dir` and `args`, as `serve_first_run`.
fn serve_with_data_dir(
    dir: &Dir,
    data_dir: &std::path::Path,
    args: &[&str],
) -> (std::process::Child, Vec<String>) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(KEEL)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .args(args)
        .current_dir(&dir.0)
        .env_remove("KEEL_DATABASE_URL")
        .env("KEEL_DATA_DIR", data_dir)
        .env("KEEL_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let mut lines = vec![];
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_secs(1)) {
            let done = line.contains("Keel is running");
            lines.push(line);
            if done {
                break;
            }
        }
    }
    (child, lines)
}

#[test]
fn serve_without_an_administrator_names_the_setup_token_file_never_the_token() {
    let dir = Dir::new();
    let (mut child, lines) = serve_first_run(&dir);
    let file = dir.0.join("data").join("setup-token");
    let token = std::fs::read_to_string(&file).expect("the setup token file");
    let _ = child.kill();
    let _ = child.wait();
    let log = lines.join("\n");
    let token = token.trim();
    assert!(token.len() >= 32, "a long random token");
    assert!(!log.contains(token), "the log never holds the token: {log}");
    let shown = std::fs::canonicalize(&file).unwrap();
    assert!(
        log.contains(&shown.display().to_string()),
        "the log names the file: {log}"
    );
    assert!(log.contains("/setup"), "{log}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // With an administrator, serve writes no token and removes a stale one.
    let url = format!("sqlite://{}", dir.0.join("data").join("keel.db").display());
    let o = keel(
        &dir,
        &[
            "admin",
            "create",
            "--email",
            "ada@keel.test",
            "--name",
            "Ada",
            "--database-url",
            &url,
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let (mut child, lines) = serve_first_run(&dir);
    let _ = child.kill();
    let _ = child.wait();
    assert!(!file.exists(), "no token once an administrator exists");
    assert!(!lines.join("\n").contains("setup"), "{lines:?}");
}

/// `keel token create --expires-on`: the last day is a day where the organisation is (the one
/// clock), not UTC's. The organisation is put in a zone whose calendar day differs from UTC's
/// right now (far east late in the UTC day, far west early in it).
#[test]
fn a_cli_tokens_last_day_is_the_organisations_day() {
    use chrono::Timelike;
    use keel_store::Settings;
    let dir = Dir::new();
    let url = dir.url();
    let o = keel(
        &dir,
        &[
            "admin",
            "create",
            "--email",
            "root@example.com",
            "--name",
            "Root",
            "--database-url",
            &url,
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let now = chrono::Utc::now();
    let zone = if now.hour() >= 10 {
        "Pacific/Kiritimati"
    } else {
        "Pacific/Pago_Pago"
    };
    let today = now
        .with_timezone(&zone.parse::<keel_domain::org::Zone>().unwrap())
        .date_naive();
    assert_ne!(today, now.date_naive());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = keel_store::open(&url).await.unwrap();
        let settings = keel_domain::OrgSettings {
            time_zone: zone.into(),
            ..store.settings().await.unwrap()
        };
        let ctx = keel_store::WriteCtx::system(keel_domain::Source::Cli);
        store.save_settings(&ctx, &settings).await.unwrap();
    });
    let create = |last_day: chrono::NaiveDate| {
        let day = last_day.to_string();
        let args = [
            "token",
            "create",
            "--email",
            "root@example.com",
            "--expires-on",
            &day,
        ];
        keel(&dir, &[&args[..], &["--database-url", &url]].concat())
    };
    let o = create(today);
    assert!(
        o.status.success(),
        "today there is its last day: {}",
        stderr(&o)
    );
    let o = create(today.pred_opt().unwrap());
    assert!(!o.status.success());
    assert!(stderr(&o).contains("expires_on"), "{}", stderr(&o));
}

#[test]
fn serve_runs_without_a_setup_page_when_the_data_directory_cannot_be_written() {
    let dir = Dir::new();
    // A file where the data directory should be: nothing can be written under it.
    let blocked = dir.0.join("blocked");
    std::fs::write(&blocked, "not a directory").unwrap();
    let url = dir.url();
    let (mut child, lines) = serve_with_data_dir(&dir, &blocked, &["--database-url", &url]);
    let running = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    let log = lines.join("\n");
    assert!(running, "serve keeps running: {log}");
    assert!(log.contains("Keel is running"), "{log}");
    assert!(
        log.contains("keel admin create"),
        "says what to do instead: {log}"
    );
}

#[test]
fn bad_email_settings_stop_serve_with_one_line_naming_the_setting() {
    let dir = Dir::new();
    for (args, says) in [
        (
            vec!["serve", "--smtp-url", "http://u:hunter2@mail.example.com"],
            "invalid KEEL_SMTP_URL",
        ),
        (
            vec!["serve", "--smtp-url", "smtp://mail.example.com:587"],
            "KEEL_MAIL_FROM",
        ),
        (
            vec![
                "serve",
                "--smtp-url",
                "smtp://mail.example.com",
                "--mail-from",
                "not an address",
            ],
            "invalid KEEL_MAIL_FROM",
        ),
    ] {
        let o = keel(&dir, &args);
        assert!(!o.status.success(), "{args:?}");
        let err = stderr(&o);
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(says) && !err.contains("hunter2"), "{err}");
    }
}
