//! The first run without a terminal: on an organisation nobody administers, every page leads to
//! `/setup`, which takes the setup token from the data directory's file and creates the first
//! administrator, once. Through real HTTP with the form, as a browser would, on both backends.

use crate::helpers::*;
use keel_domain::{Role, Source};
use keel_server::services::{directory, setup};
use keel_store::{Accounts, AuditFilter, AuditLog, FirstRun, PageRequest, People, Reader};
use keel_store::{Settings, WriteCtx};
use reqwest::StatusCode;

/// The token `keel serve` wrote, read as the operator would.
fn token_in(dir: &std::path::Path) -> String {
    std::fs::read_to_string(dir.join(setup::TOKEN_FILE))
        .expect("the setup token file")
        .trim()
        .to_string()
}

/// A correct setup form, with `token`.
fn good(token: &str) -> Vec<(&str, &str)> {
    vec![
        ("organisation_name", "Northwind Labs"),
        ("time_zone", "Europe/Paris"),
        ("name", "Amara Okafor"),
        ("email", "amara@northwind.test"),
        ("password", "correct horse battery staple"),
        ("setup_token", token),
    ]
}

/// POSTs the setup form with the CSRF token of the setup page, as the page's form would.
async fn submit(b: &Browser, form: &[(&str, &str)]) -> reqwest::Response {
    b.submit_from("/setup", "/setup", form).await
}

async fn nobody_administers(app: &TestApp) {
    assert!(
        !app.store.has_administrator().await.unwrap(),
        "nothing written"
    );
    assert!(app
        .store
        .list_people(&Default::default(), &PageRequest::default())
        .await
        .unwrap()
        .items
        .is_empty());
}

async fn first_run_story(db: Db) {
    let (app, dir) = spawn_first_run(db).await;
    let file = dir.join(setup::TOKEN_FILE);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "readable by the server's user only");
    }
    let token = token_in(&dir);
    assert!(token.len() >= 32, "a long random token");
    let b = Browser::new(&app);
    // Every page leads to the setup page.
    for path in ["/", "/sign-in", "/my-week", "/admin"] {
        let r = b.get(path).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(location(&r), "/setup", "{path}");
    }
    let page = b.page("/setup").await;
    for field in [
        "organisation_name",
        "time_zone",
        "name",
        "email",
        "password",
        "setup_token",
    ] {
        assert!(
            page.has(&format!("[name=\"{field}\"]")),
            "the form asks for {field}"
        );
    }
    assert!(page.has("select[name=\"time_zone\"] option[value=\"Pacific/Auckland\"]"));
    let shown = std::fs::canonicalize(&file).unwrap();
    assert!(
        page.mentions(&shown.display().to_string()),
        "the page says where the token is"
    );
    assert!(
        !page.html().contains(&token),
        "the page never shows the token"
    );

    refusals_write_nothing(&app, &b, &token).await;
    assert!(file.exists(), "the token still works after refusals");

    // The right token and fields: the administrator is signed in, on the admin pages.
    let r = submit(&b, &good(&token)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/admin");
    let admin_page = b.page("/admin").await;
    assert!(admin_page.mentions("Amara Okafor"));
    let admin = app
        .store
        .person_by_email("amara@northwind.test")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(admin.roles, vec![Role::Admin]);
    let hash = app.store.password_hash(&admin.id).await.unwrap().unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    let settings = app.store.settings().await.unwrap();
    assert_eq!(
        (settings.name.as_str(), settings.time_zone.as_str()),
        ("Northwind Labs", "Europe/Paris")
    );
    assert!(!file.exists(), "the token file is deleted");
    let filter = AuditFilter {
        actor_id: Some(admin.id.clone()),
        ..AuditFilter::new(Reader::Everyone)
    };
    let events = app
        .store
        .list_audit(&filter, &PageRequest::default())
        .await
        .unwrap()
        .items;
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    for action in ["setup.complete", "person.create", "settings.update"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    assert!(events.iter().all(|e| e.source == Source::Ui));
    let audit = b.page("/admin/audit").await.rows("tbody");
    assert!(
        audit
            .iter()
            .any(|r| r.contains(&"set up".to_string())
                && r.contains(&"the organisation".to_string())),
        "in words on the audit page: {audit:?}"
    );

    // From now on, setup is gone: a second attempt with the same token is refused.
    b.html_with("/setup", StatusCode::NOT_FOUND).await;
    let other = Browser::new(&app);
    let csrf = other.csrf("/sign-in").await;
    let mut again = good(&token);
    again[3] = ("email", "mallory@evil.test");
    again.push(("csrf_token", csrf.as_str()));
    let r = other.post_form("/setup", &again).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(app
        .store
        .person_by_email("mallory@evil.test")
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        app.store.count_active_with_role(Role::Admin).await.unwrap(),
        1
    );
    let r = other.get("/").await;
    assert_ne!(location(&r), "/setup", "pages no longer lead to setup");
}

/// Every way the setup form is refused: without the CSRF token, without the setup token (every
/// field's error at once), with a wrong one, with bad fields; none writes anything.
async fn refusals_write_nothing(app: &TestApp, b: &Browser, token: &str) {
    // Without the CSRF token: refused before anything happens.
    let r = b.post_form("/setup", &good(token)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    nobody_administers(app).await;

    // Nothing right: 403 (no token), every field's error shown at once.
    let empty: Vec<(&str, &str)> = vec![("time_zone", "Mars/Olympus")];
    let r = submit(b, &empty).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let html = r.text().await.unwrap();
    for field in [
        "organisation_name",
        "time_zone",
        "name",
        "email",
        "password",
        "setup_token",
    ] {
        assert!(
            field_error(&html, field).is_some(),
            "an error next to {field}: {html}"
        );
    }
    nobody_administers(app).await;

    // A wrong token, everything else right: 403, nothing written, what was typed kept.
    let mut wrong = good("not-the-token");
    let r = submit(b, &wrong).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let page = Page::parse(&r.text().await.unwrap());
    assert!(page
        .field_error("setup_token")
        .unwrap()
        .contains("not the setup token"));
    assert_eq!(
        page.field("organisation_name").as_deref(),
        Some("Northwind Labs")
    );
    assert!(
        !page.html().contains("correct horse"),
        "the password is never echoed"
    );
    nobody_administers(app).await;

    // The right token, bad fields: 422, each error next to its field.
    wrong = vec![
        ("organisation_name", " "),
        ("time_zone", "Europe/Paris"),
        ("name", "Amara Okafor"),
        ("email", "amara-at-northwind"),
        ("password", "too short"),
        ("setup_token", token),
    ];
    let r = submit(b, &wrong).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(&r.text().await.unwrap());
    assert!(page.field_error("organisation_name").is_some());
    assert!(page
        .field_error("email")
        .unwrap()
        .contains("not a valid email"));
    assert!(page
        .field_error("password")
        .unwrap()
        .contains("12 characters"));
    assert!(page.field_error("name").is_none() && page.field_error("setup_token").is_none());
    nobody_administers(app).await;
}

#[tokio::test]
async fn first_run_through_the_setup_page_on_sqlite() {
    first_run_story(Db::Sqlite).await;
}

#[tokio::test]
async fn first_run_through_the_setup_page_on_postgres() {
    if !postgres_configured() {
        return;
    }
    first_run_story(Db::Postgres).await;
}

/// Two people submit the setup page at the same moment: one administrator.
async fn two_at_once(db: Db) {
    let (app, dir) = spawn_first_run(db).await;
    let token = token_in(&dir);
    let (a, b) = (Browser::new(&app), Browser::new(&app));
    let (csrf_a, csrf_b) = (a.csrf("/setup").await, b.csrf("/setup").await);
    let mut form_a = good(&token);
    form_a.push(("csrf_token", csrf_a.as_str()));
    let mut form_b = good(&token);
    form_b[3] = ("email", "ben@northwind.test");
    form_b.push(("csrf_token", csrf_b.as_str()));
    let (ra, rb) = tokio::join!(
        a.post_form("/setup", &form_a),
        b.post_form("/setup", &form_b)
    );
    let mut statuses = [ra.status().as_u16(), rb.status().as_u16()];
    statuses.sort();
    assert_eq!(
        statuses,
        [303, 404],
        "one succeeds, the other finds setup gone"
    );
    assert_eq!(
        app.store.count_active_with_role(Role::Admin).await.unwrap(),
        1
    );
}

#[tokio::test]
async fn two_setups_at_once_make_one_administrator_on_sqlite() {
    two_at_once(Db::Sqlite).await;
}

#[tokio::test]
async fn two_setups_at_once_make_one_administrator_on_postgres() {
    if !postgres_configured() {
        return;
    }
    two_at_once(Db::Postgres).await;
}

/// `keel admin create` while the setup page waits: the page closes and the token file goes.
#[tokio::test]
async fn an_administrator_created_from_the_terminal_closes_setup() {
    let (app, dir) = spawn_first_run(Db::Sqlite).await;
    directory::insert_person(
        app.store.as_ref(),
        &WriteCtx::system(Source::Cli),
        directory::NewPerson {
            name: "Ada Admin".into(),
            email: "ada@keel.test".into(),
            title: String::new(),
            manager_id: None,
            roles: vec![Role::Admin],
        },
    )
    .await
    .unwrap();
    let b = Browser::new(&app);
    let r = b.get("/my-week").await;
    assert!(location(&r).starts_with("/sign-in"), "{}", location(&r));
    b.html_with("/setup", StatusCode::NOT_FOUND).await;
    assert!(!dir.join(setup::TOKEN_FILE).exists());
}

/// An organisation with an administrator (the demo, any running one) gets no token, and a
/// leftover file is removed.
#[tokio::test]
async fn no_setup_token_once_an_administrator_exists() {
    let app = spawn_app().await;
    let dir = std::env::temp_dir().join(format!("keel-setup-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let _cleanup = TempDir(dir.clone());
    std::fs::write(dir.join(setup::TOKEN_FILE), "stale").unwrap();
    let gate = setup::prepare(app.store.as_ref(), &dir).await.unwrap();
    assert!(!gate.is_open());
    assert!(!dir.join(setup::TOKEN_FILE).exists());
    let b = Browser::new(&app);
    b.html_with("/setup", StatusCode::NOT_FOUND).await;
}
