//! `spawn_app()`: the real application on a random port with a fresh database, an administrator
//! and their API token; `TestApp` makes the JSON API calls with a token. `Browser` uses the web
//! UI as a person would (signed in through the form, forms with their CSRF token), and `Page`
//! reads what a page shows.

// Paths spelled out: the browser tests include this file from another directory.
#[path = "helpers/browser.rs"]
mod browser;
#[path = "helpers/page.rs"]
mod page;

// The browser tests include this file and use neither.
#[allow(unused_imports)]
pub use browser::{location, set_password, Browser};
#[allow(unused_imports)]
pub use page::{field_error, Page};

use keel_domain::{Role, Source, TokenScope};
use keel_server::services::{directory, tokens};
use keel_server::AppState;
use keel_store::{DynStore, People, WriteCtx};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub store: DynStore,
    /// The administrator's token.
    pub token: String,
    pub admin_id: String,
    /// The clock of the sign-in rules (lockout, session expiry).
    pub clock: std::sync::Arc<keel_server::auth::Clock>,
    _dir: Option<TempDir>,
    /// The PostgreSQL database, dropped with the app (declared last: dropped after the rest).
    _pg: Option<keel_store::testing::TestDatabase>,
}

impl TestApp {
    /// The URL of a PostgreSQL test app's database (for a second store on it: a second server).
    pub fn postgres_url(&self) -> Option<&str> {
        self._pg.as_ref().map(|p| p.url())
    }

    /// The SQLite database file of a SQLite test app.
    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        self._dir.as_ref().map(|d| d.0.join("keel.db"))
    }

    /// Moves an objective and its key results `days` into the past, as if created, activated
    /// and accepted then (SQLite or PostgreSQL test apps): for rules that read the past, such
    /// as status as of a day.
    /// Moves an objective's status override `days` into the past, as if its owner had set it
    /// then (SQLite test apps only).
    /// One round of the periodic evaluator now (what the health page and the status orders
    /// read is what it last stored).
    pub async fn evaluate_now(&self) {
        keel_server::jobs::evaluator::evaluate(self.store.as_ref(), chrono::Utc::now())
            .await
            .unwrap();
    }

    pub async fn backdate_status_override(&self, objective_id: &str, days: i64) {
        let dir = self._dir.as_ref().expect("a SQLite test app");
        let conn = rusqlite::Connection::open(dir.0.join("keel.db")).unwrap();
        let n = conn
            .execute(
                "UPDATE status_overrides SET set_at = set_at - ?1 WHERE objective_id = ?2",
                rusqlite::params![days * 86_400 * 1_000_000, objective_id],
            )
            .unwrap();
        assert_eq!(n, 1, "an override to move");
    }

    /// Forgets the evaluator's check-in compliance counts, so the report and the team
    /// dashboards count it live until its next round: for tests that move history after the
    /// evaluator's rounds.
    pub async fn forget_compliance_counts(&self) {
        self.forget_rounds("DELETE FROM compliance_rounds").await;
    }

    /// Forgets when the evaluator counted its stored figures (participation, the company's
    /// first figures), so the pages count them live until its next round: for tests comparing
    /// the stored figures with the live ones.
    pub async fn forget_stored_figures(&self) {
        self.forget_rounds("DELETE FROM figure_rounds").await;
    }

    async fn forget_rounds(&self, sql: &str) {
        if let Some(url) = self.postgres_url() {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            sqlx::query(sql).execute(&pool).await.unwrap();
            pool.close().await;
            return;
        }
        let dir = self._dir.as_ref().expect("a SQLite or PostgreSQL test app");
        let conn = rusqlite::Connection::open(dir.0.join("keel.db")).unwrap();
        conn.execute(sql, []).unwrap();
    }

    pub async fn backdate_objective(&self, objective_id: &str, days: i64) {
        let by = days * 86_400 * 1_000_000;
        if let Some(url) = self.postgres_url() {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            for sql in [
                "UPDATE objectives SET activated_at = activated_at - $1, \
                 created_at = created_at - $1 WHERE id = $2",
                "UPDATE key_results SET owner_accepted_at = owner_accepted_at - $1, \
                 created_at = created_at - $1 WHERE objective_id = $2",
            ] {
                sqlx::query(sql)
                    .bind(by)
                    .bind(objective_id)
                    .execute(&pool)
                    .await
                    .unwrap();
            }
            pool.close().await;
            return;
        }
        let dir = self._dir.as_ref().expect("a SQLite or PostgreSQL test app");
        let conn = rusqlite::Connection::open(dir.0.join("keel.db")).unwrap();
        conn.execute(
            "UPDATE objectives SET activated_at = activated_at - ?1, created_at = created_at - ?1 \
             WHERE id = ?2",
            rusqlite::params![by, objective_id],
        )
        .unwrap();
        conn.execute(
            "UPDATE key_results SET owner_accepted_at = owner_accepted_at - ?1, \
             created_at = created_at - ?1 WHERE objective_id = ?2",
            rusqlite::params![by, objective_id],
        )
        .unwrap();
    }
}

/// A temporary directory removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The backend for this test run: SQLite unless `db` says Postgres.
pub enum Db {
    Sqlite,
    Postgres,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_on(Db::Sqlite).await
}

/// Whether PostgreSQL tests run: always in CI (where a missing server is a failure), else when
/// `KEEL_TEST_POSTGRES_URL` is set.
pub fn postgres_configured() -> bool {
    if std::env::var("KEEL_TEST_POSTGRES_URL").is_ok() {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "CI=true but KEEL_TEST_POSTGRES_URL is not set: the PostgreSQL tests must run in CI"
        );
    }
    eprintln!("KEEL_TEST_POSTGRES_URL is not set: skipping the PostgreSQL variant (CI runs it)");
    false
}

/// A fresh PostgreSQL database for one test, dropped with the `TestApp` that holds it (also when
/// the test fails); the first of a run sweeps those that killed runs left.
pub async fn postgres_database() -> Option<keel_store::testing::TestDatabase> {
    let admin_url = std::env::var("KEEL_TEST_POSTGRES_URL").ok()?;
    Some(keel_store::testing::TestDatabase::create(&admin_url).await)
}

pub async fn spawn_app_on(db: Db) -> TestApp {
    spawn_app_with(db, keel_server::auth::AuthConfig::default()).await
}

/// The app with particular sign-in settings (a public URL, a lockout policy, single sign-on);
/// `app.clock` moves the sign-in rules' time forward.
pub async fn spawn_app_with(db: Db, auth: keel_server::auth::AuthConfig) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    spawn_app_on_listener(db, listener, auth).await
}

/// The app on a listener bound beforehand (when its address must be known first, as for single
/// sign-on's redirect URI).
pub async fn spawn_app_on_listener(
    db: Db,
    listener: tokio::net::TcpListener,
    auth: keel_server::auth::AuthConfig,
) -> TestApp {
    spawn_app_with_mail(db, listener, auth, Default::default()).await
}

/// The app with email settings (the email page reads them; tests run the job runner's round).
pub async fn spawn_app_with_mail(
    db: Db,
    listener: tokio::net::TcpListener,
    auth: keel_server::auth::AuthConfig,
    mail: keel_server::mail::MailConfig,
) -> TestApp {
    let (url, dir, pg) = match db {
        Db::Sqlite => {
            let dir =
                std::env::temp_dir().join(format!("keel-test-{}", uuid::Uuid::now_v7().simple()));
            std::fs::create_dir_all(&dir).unwrap();
            (
                format!("sqlite://{}", dir.join("keel.db").display()),
                Some(TempDir(dir)),
                None,
            )
        }
        Db::Postgres => {
            let pg = postgres_database().await.expect("PostgreSQL configured");
            (pg.url().to_string(), None, Some(pg))
        }
    };
    let store = keel_store::open(&url).await.expect("open the store");
    let ctx = WriteCtx::system(Source::Cli);
    let admin = directory::insert_person(
        store.as_ref(),
        &ctx,
        directory::NewPerson {
            name: "Ada Admin".into(),
            email: "ada@keel.test".into(),
            title: "CEO".into(),
            manager_id: None,
            roles: vec![Role::Admin],
        },
    )
    .await
    .expect("create admin");
    let (_, token) = tokens::issue(
        store.as_ref(),
        &ctx,
        &admin,
        "test",
        TokenScope::Write,
        None,
    )
    .await
    .expect("issue token");
    let addr = listener.local_addr().unwrap();
    let clock = auth.clock.clone();
    let state = AppState::with_auth(store.clone(), auth).with_mail(mail);
    tokio::spawn(keel_server::serve(listener, state, std::future::pending()));
    TestApp {
        base: format!("http://{addr}"),
        client: reqwest::Client::new(),
        store,
        token,
        admin_id: admin.id.to_string(),
        clock,
        _dir: dir,
        _pg: pg,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.req_as(&self.token, method, path)
    }

    pub fn req_as(&self, token: &str, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.req(Method::GET, path).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.req(Method::POST, path)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn patch(&self, path: &str, body: Value) -> Response {
        self.req(Method::PATCH, path)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// POST and expect 201; returns the body.
    pub async fn create(&self, path: &str, body: Value) -> Value {
        let resp = self.post(path, body).await;
        let status = resp.status();
        let body: Value = resp.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "POST {path}: {body}");
        body
    }

    /// A member with a token of their own.
    pub async fn member(&self, name: &str) -> (String, String) {
        self.person_with_roles(name, &[]).await
    }

    pub async fn person_with_roles(&self, name: &str, roles: &[&str]) -> (String, String) {
        let email = format!("{}@keel.test", name.to_lowercase().replace(' ', "."));
        let p = self
            .create(
                "/api/v1/people",
                json!({"name": name, "email": email, "roles": roles}),
            )
            .await;
        let id = p["id"].as_str().unwrap().to_string();
        let person = self
            .store
            .person(&keel_domain::PersonId::from_string(id.clone()))
            .await
            .unwrap()
            .unwrap();
        let (_, token) = tokens::issue(
            self.store.as_ref(),
            &WriteCtx::system(Source::Cli),
            &person,
            "test",
            TokenScope::Write,
            None,
        )
        .await
        .unwrap();
        (id, token)
    }

    pub async fn cycle(&self, name: &str) -> String {
        let c = self
            .create(
                "/api/v1/cycles",
                json!({"name": name, "starts_on": "2026-10-01", "ends_on": "2026-12-31", "state": "active"}),
            )
            .await;
        c["id"].as_str().unwrap().to_string()
    }

    pub async fn team(&self, name: &str) -> String {
        let t = self.create("/api/v1/teams", json!({"name": name})).await;
        t["id"].as_str().unwrap().to_string()
    }
}

/// Asserts a problem document: status, content type and the field named.
pub async fn assert_problem(resp: Response, status: StatusCode, field: Option<&str>) -> Value {
    assert_eq!(resp.status(), status);
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert_eq!(ct, "application/problem+json");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["status"], status.as_u16());
    if let Some(f) = field {
        assert_eq!(body["field"], f, "{body}");
        assert!(
            body["detail"].as_str().unwrap().contains(f),
            "detail should name {f}: {body}"
        );
    }
    body
}

/// GETs an API path with the administrator's token; expects 200 and returns the JSON.
pub async fn json_of(app: &TestApp, path: &str) -> Value {
    let resp = app.get(path).await;
    assert_eq!(resp.status(), StatusCode::OK, "GET {path}");
    resp.json().await.unwrap()
}

/// The app as `keel serve` starts it on an organisation nobody administers yet: no person, no
/// token, and the first-run gate open with its setup token written to a data directory of its
/// own (returned; removed with the app). `token` and `admin_id` are empty.
pub async fn spawn_first_run(db: Db) -> (TestApp, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("keel-test-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let pg = match db {
        Db::Sqlite => None,
        Db::Postgres => Some(postgres_database().await.expect("PostgreSQL configured")),
    };
    let url = match &pg {
        None => format!("sqlite://{}", dir.join("keel.db").display()),
        Some(pg) => pg.url().to_string(),
    };
    let store = keel_store::open(&url).await.expect("open the store");
    let gate = keel_server::services::setup::prepare(store.as_ref(), &dir)
        .await
        .expect("prepare the first run");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let auth = keel_server::auth::AuthConfig::default();
    let clock = auth.clock.clone();
    let state = AppState::with_auth(store.clone(), auth).with_setup(gate);
    tokio::spawn(keel_server::serve(listener, state, std::future::pending()));
    let app = TestApp {
        base: format!("http://{addr}"),
        client: reqwest::Client::new(),
        store,
        token: String::new(),
        admin_id: String::new(),
        clock,
        _dir: Some(TempDir(dir.clone())),
        _pg: pg,
    };
    (app, dir)
}
