//! End-to-end tests in a real browser: Debian's `chromium` driven through `chromedriver` with
//! the W3C WebDriver protocol, spoken with reqwest by the small client below (no WebDriver
//! crate: the handful of commands we need are a few lines each).
//!
//! The story: an administrator signs in and creates an objective naming another person as owner,
//! with a key result for them; that person signs in, sees the requests on My week, accepts them,
//! sends a weekly check-in, and the objective page shows the new progress and the chart (an
//! `<svg>` with the new point). Screenshots land in target/screenshots/. `a11y.rs` checks
//! accessibility on the demo organisation with the same client (contrast, labels, keyboard,
//! phone width).
//!
//! Without chromium or chromedriver the test is skipped with a message, except in CI
//! (`CI=true`), where that is a failure.

#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;

mod a11y;
mod accounts;
mod admin_teams;
mod alignment;
mod automation;
mod crawl;
mod dashboards;
mod data_feeds;
mod dependencies;
mod key_result;
mod new_objective;
mod objective_page;
mod reports;
mod reviews_close_out;
mod webhooks;

/// WebDriver key values (W3C WebDriver, "keyboard actions").
mod keys {
    pub const TAB: &str = "\u{E004}";
    pub const ENTER: &str = "\u{E007}";
    pub const SHIFT: &str = "\u{E008}";
    pub const SPACE: &str = " ";
}

use helpers::*;
use keel_domain::{PersonId, Source};
use keel_server::auth::password;
use keel_store::Accounts;
use keel_store::WriteCtx;
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The W3C WebDriver key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Whether the browser tests can run: chromium and chromedriver present. In CI their absence
/// fails the test; locally it skips it with a message.
fn browser_available() -> bool {
    let found = |p: &str| std::path::Path::new(p).exists();
    if found(CHROMIUM) && found(CHROMEDRIVER) {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "CI=true but {CHROMIUM} or {CHROMEDRIVER} is missing: the browser tests must run in CI (scripts/test installs chromium and chromium-driver)"
        );
    }
    eprintln!("chromium or chromedriver is missing: skipping the browser tests (apt-get install chromium chromium-driver; CI runs them)");
    false
}

/// A chromedriver process on a free port, killed on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_driver(http: &reqwest::Client) -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(r) = http.get(format!("{}/status", driver.url)).send().await {
            if let Ok(v) = r.json::<Value>().await {
                if v["value"]["ready"] == true {
                    return driver;
                }
            }
        }
        assert!(Instant::now() < deadline, "chromedriver did not get ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One WebDriver session: a headless Chromium with a fresh profile.
struct Browser {
    http: reqwest::Client,
    session: String,
    _profile: TempDir,
}

impl Browser {
    async fn open(http: &reqwest::Client, driver: &Driver) -> Browser {
        let profile =
            std::env::temp_dir().join(format!("keel-chromium-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&profile).unwrap();
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,1000",
        ]
        .iter()
        .map(|a| a.to_string())
        .chain([format!("--user-data-dir={}", profile.display())])
        .collect::<Vec<_>>();
        let body = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            // The browser log (console errors, CSP violations) for `crawl.rs`.
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args}
        }}});
        let resp: Value = http
            .post(format!("{}/session", driver.url))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = resp["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {resp}"))
            .to_string();
        Browser {
            http: http.clone(),
            session: format!("{}/session/{session}", driver.url),
            _profile: TempDir(profile),
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.session));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        if v["value"].get("error").is_some() {
            panic!("WebDriver {path}: {}", v["value"]);
        }
        v["value"].clone()
    }

    /// The browser's log entries of level SEVERE since the last call: console errors, CSP
    /// violations and failed loads (each with its `source` and `message`).
    async fn severe_entries(&self) -> Vec<Value> {
        let log = self
            .call(
                reqwest::Method::POST,
                "/se/log",
                Some(json!({"type": "browser"})),
            )
            .await;
        log.as_array()
            .unwrap()
            .iter()
            .filter(|e| e["level"] == "SEVERE")
            .cloned()
            .collect()
    }

    /// The messages of [`Browser::severe_entries`].
    async fn severe_log(&self) -> Vec<String> {
        self.severe_entries()
            .await
            .iter()
            .map(|e| e["message"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// Fails on any console error or CSP violation logged since the last call (a browser's own
    /// request for /favicon.ico aside).
    async fn assert_no_console_errors(&self) {
        let severe: Vec<String> = self
            .severe_log()
            .await
            .into_iter()
            .filter(|m| !m.contains("/favicon.ico"))
            .collect();
        assert!(severe.is_empty(), "{severe:?}");
    }

    async fn go(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    async fn current_url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap()
            .to_string()
    }

    async fn source(&self) -> String {
        self.call(reqwest::Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The element matching a CSS selector, waiting up to 10 s for it to appear.
    async fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let v: Value = self
                .http
                .post(format!("{}/element", self.session))
                .json(&json!({"using": "css selector", "value": css}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if let Some(id) = v["value"][ELEMENT].as_str() {
                return id.to_string();
            }
            assert!(Instant::now() < deadline, "no element matches {css}: {v}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/click"),
            Some(json!({})),
        )
        .await;
    }

    async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    async fn text(&self, css: &str) -> String {
        let el = self.find(css).await;
        self.call(reqwest::Method::GET, &format!("/element/{el}/text"), None)
            .await
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Waits up to 10 s until `script` (a function body; `arguments` holds `args`) returns
    /// true; on timeout fails with `what`, the HTML of `context` (a CSS selector) and the
    /// console's errors, so that a failure says where it stopped.
    async fn wait_until(&self, script: &str, args: Value, what: &str, context: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.execute(script, args.clone()).await != json!(true) {
            if Instant::now() >= deadline {
                let html = self
                    .execute(
                        "const e = document.querySelector(arguments[0]); return e ? e.outerHTML : 'absent'",
                        json!([context]),
                    )
                    .await;
                let console = self.severe_log().await;
                panic!("{what}: not so after 10 s; {context} is {html}; console: {console:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the current URL satisfies `ok` (after a form submit).
    async fn wait_for_url(&self, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let url = self.current_url().await;
            if ok(&url) {
                return url;
            }
            assert!(Instant::now() < deadline, "stuck on {url}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Writes a screenshot to target/screenshots/<name>.png.
    async fn screenshot(&self, name: &str) {
        use base64::Engine;
        let png = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), bytes).unwrap();
    }

    async fn sign_in(&self, base: &str, email: &str, pw: &str) {
        self.go(&format!("{base}/sign-in")).await;
        self.type_into("#f-email", email).await;
        self.type_into("#f-password", pw).await;
        self.click("form[action='/sign-in'] button[type=submit]")
            .await;
        self.wait_for_url(|u| u.ends_with("/my-week")).await;
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page and returns what
    /// it returns.
    async fn execute(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    /// Presses and releases each key in turn, as a keyboard would (WebDriver key actions:
    /// `keys::TAB`, `keys::ENTER`, a space, or any character).
    async fn press(&self, keys: &[&str]) {
        let actions: Vec<Value> = keys
            .iter()
            .flat_map(|k| {
                [
                    json!({"type": "keyDown", "value": k}),
                    json!({"type": "keyUp", "value": k}),
                ]
            })
            .collect();
        self.call(
            reqwest::Method::POST,
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})),
        )
        .await;
    }

    /// Shift+Tab: focus moves back.
    async fn shift_tab(&self) {
        let actions = json!([
            {"type": "keyDown", "value": keys::SHIFT},
            {"type": "keyDown", "value": keys::TAB},
            {"type": "keyUp", "value": keys::TAB},
            {"type": "keyUp", "value": keys::SHIFT},
        ]);
        self.call(
            reqwest::Method::POST,
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})),
        )
        .await;
    }

    /// Types `text` key by key into whatever has the focus.
    async fn type_keys(&self, text: &str) {
        let chars: Vec<String> = text.chars().map(String::from).collect();
        self.press(&chars.iter().map(String::as_str).collect::<Vec<_>>())
            .await;
    }

    /// Resizes the browser window (the viewport follows in headless Chromium).
    async fn set_window_size(&self, width: u32, height: u32) {
        self.call(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        )
        .await;
    }

    /// Forgets every cookie (signs out without a form, to sign in as someone else).
    async fn delete_cookies(&self) {
        self.call(reqwest::Method::DELETE, "/cookie", None).await;
    }

    async fn close(self) {
        let _ = self.http.delete(&self.session).send().await;
    }
}

async fn give_password(app: &TestApp, id: &str, pw: &str) {
    app.store
        .set_password_hash(
            &WriteCtx::system(Source::Cli),
            &PersonId::from_string(id.to_string()),
            &password::hash(pw).await.unwrap(),
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owner_story_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let pw = "a long enough password";
    give_password(&app, &app.admin_id, pw).await;
    let (dan_id, _) = app.member("Dan Driver").await;
    give_password(&app, &dan_id, pw).await;
    app.cycle("Q4 2026").await;

    let http = reqwest::Client::new();
    let driver = start_driver(&http).await;

    // Ada signs in and creates an objective naming Dan as owner.
    let ada = Browser::open(&http, &driver).await;
    ada.sign_in(&app.base, "ada@keel.test", pw).await;
    ada.go(&format!("{}/objectives/new", app.base)).await;
    ada.type_into("#f-title", "Activation is effortless").await;
    // People are found by typing: the picker fills the owner list as Ada types.
    ada.type_into("#f-owner_id-find", "Dan Dr").await;
    ada.click(&format!("#f-owner_id option[value='{dan_id}']"))
        .await;
    ada.type_into("#f-owner_note", "You run the onboarding funnel")
        .await;
    ada.click("#f-fit\\.proximity").await;
    ada.screenshot("browser-new-objective").await;
    ada.click("form.okr-form button[type=submit]").await;
    let url = ada
        .wait_for_url(|u| u.contains("/objectives/") && u.contains("done=saved"))
        .await;
    let objective_id = url
        .split("/objectives/")
        .nth(1)
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string();
    assert!(ada.source().await.contains("pending"));
    // And a key result for Dan.
    ada.click(&format!(
        "a[href='/objectives/{objective_id}/key-results/new']"
    ))
    .await;
    ada.type_into("#f-title", "Day-7 activation at 50%").await;
    // People are found by typing: the picker fills the owner list as Ada types.
    ada.type_into("#f-owner_id-find", "Dan Dr").await;
    ada.click(&format!("#f-owner_id option[value='{dan_id}']"))
        .await;
    ada.type_into("#f-target", "50").await;
    ada.type_into("#f-unit", "%").await;
    ada.click("form.okr-form button[type=submit]").await;
    ada.wait_for_url(|u| u.contains("done=saved")).await;
    ada.close().await;

    // Dan signs in, sees both requests on My week and accepts them.
    let dan = Browser::open(&http, &driver).await;
    dan.sign_in(&app.base, "dan.driver@keel.test", pw).await;
    let requests = dan.text("#requests").await;
    assert!(
        requests.contains("Ada Admin proposes you as owner"),
        "{requests}"
    );
    assert!(requests.contains("Activation is effortless"));
    assert!(requests.contains("You run the onboarding funnel"));
    dan.screenshot("browser-my-week-requests").await;
    // The bell counts both proposals and leads to them in words.
    assert_eq!(dan.text("a.bell .bell-count").await, "2");
    dan.click("a.bell").await;
    dan.wait_for_url(|u| u.ends_with("/notifications")).await;
    let told = dan.text(".notification-list").await;
    assert!(
        told.contains("Ada Admin proposed you as the owner of “Activation is effortless”"),
        "{told}"
    );
    dan.screenshot("browser-notifications").await;
    // Clicking the newest opens its key result and marks it read: the bell counts one.
    dan.click(".notification-list li a").await;
    dan.wait_for_url(|u| u.contains("/key-results/")).await;
    assert_eq!(dan.text("a.bell .bell-count").await, "1");
    for _ in 0..2 {
        dan.go(&format!("{}/my-week", app.base)).await;
        dan.click("#requests form[action$='/ownership/accept'] button")
            .await;
        dan.wait_for_url(|u| u.contains("done=accepted")).await;
    }
    assert!(dan
        .text("#requests")
        .await
        .contains("nobody is waiting for your answer"));

    // The weekly check-in: 20 of 50 with confidence 7.
    dan.type_into("#weekly-check-in input[name^='value.']", "20")
        .await;
    dan.type_into("#weekly-check-in input[name^='confidence.']", "7")
        .await;
    dan.type_into("#weekly-check-in input[name^='note.']", "emails live")
        .await;
    dan.screenshot("browser-weekly-check-in").await;
    dan.click("#weekly-check-in button[type=submit]").await;
    dan.wait_for_url(|u| u.contains("done=check-in")).await;
    assert!(dan.source().await.contains("Check-in recorded"));

    // The objective page: 40 % and the chart with the new point.
    dan.go(&format!("{}/objectives/{objective_id}", app.base))
        .await;
    assert_eq!(dan.text("#objective-progress").await, "40%");
    let html = dan.source().await;
    let chart = html
        .split("<svg class=\"progress-chart\"")
        .nth(1)
        .expect("the progress chart")
        .split("</svg>")
        .next()
        .unwrap()
        .to_string();
    assert_eq!(chart.matches("<circle").count(), 1, "{chart}");
    assert!(chart.contains(": 40%</title>"), "{chart}");
    assert!(chart.contains("class=\"ideal\""));
    dan.screenshot("browser-objective").await;
    dan.close().await;
}
