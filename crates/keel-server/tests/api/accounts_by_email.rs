//! Accounts by email, end to end against a real SMTP server (aiosmtpd, as `email.rs` starts it):
//! an administrator invites a person, the message arrives with a link that works once, and
//! following it sets the password and signs the person in; "forgot password" answers the same
//! for a known and an unknown address and mails only the known one; a reset ends the person's
//! other sessions; expired and used links get a clear page; links are stored only hashed; and
//! the email page saves a mail server with its password sealed, keeps it when left blank, and
//! reports a wrong port, a lost key and bad input in words.

use crate::email::{free_port, header, mail_config, smtp_available, start_smtp, SmtpServer};
use crate::helpers::*;
use keel_server::jobs::{cleanup, tick_with};
use keel_server::mail::MailConfig;
use keel_server::secrets::KeySource;
use reqwest::StatusCode;

/// An app whose links point at itself, sending through the SMTP server on `port` (or through
/// nothing: `smtp: false`, for the email page's own settings), with its secret key in `keys`.
async fn app_sending_to(
    db: Db,
    port: u16,
    smtp: bool,
    keys: &std::path::Path,
) -> (TestApp, MailConfig) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut mail = mail_config(port, None);
    if !smtp {
        mail.smtp = None;
        mail.from = None;
    }
    mail.public_url = Some(base);
    mail.keys = KeySource::in_data_dir(None, keys);
    let app = spawn_app_with_mail(db, listener, Default::default(), mail.clone()).await;
    (app, mail)
}

fn key_dir() -> TempDir {
    let dir = std::env::temp_dir().join(format!("keel-keys-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

/// Runs the job runner's round now (twice: a reset request, then the message it queues).
async fn rounds(app: &TestApp, mail: &MailConfig) {
    for _ in 0..2 {
        tick_with(app.store.as_ref(), "test", chrono::Utc::now(), mail)
            .await
            .unwrap();
    }
}

/// A message's body with quoted-printable soft line breaks and escapes undone.
fn decoded(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let mut out = String::new();
    let mut rest = joined.as_str();
    while let Some(i) = rest.find('=') {
        out.push_str(&rest[..i]);
        let hex = rest.get(i + 1..i + 3).unwrap_or("");
        match u8::from_str_radix(hex, 16) {
            Ok(b) if hex.len() == 2 => {
                out.push(b as char);
                rest = &rest[i + 3..];
            }
            _ => {
                out.push('=');
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The path of the set-password link in a message.
fn link_in(raw: &str) -> String {
    let body = decoded(raw);
    let at = body.find("/set-password/").expect("a link in the message");
    let secret: String = body[at + "/set-password/".len()..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    assert_eq!(secret.len(), 64, "{body}");
    format!("/set-password/{secret}")
}

/// The messages to `to`.
fn messages_to(smtp: &SmtpServer, to: &str) -> Vec<String> {
    smtp.messages()
        .into_iter()
        .filter(|m| header(m, "To") == Some(to))
        .collect()
}

/// Every value of `column` in `table`, read straight from the database.
async fn column(app: &TestApp, table: &str, column: &str) -> Vec<String> {
    let sql = format!("SELECT CAST({column} AS TEXT) FROM {table}");
    if let Some(url) = app.postgres_url() {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let rows: Vec<(Option<String>,)> = sqlx::query_as(&sql).fetch_all(&pool).await.unwrap();
        return rows.into_iter().filter_map(|r| r.0).collect();
    }
    let conn = rusqlite::Connection::open(app.sqlite_path().unwrap()).unwrap();
    let mut stmt = conn.prepare(&sql).unwrap();
    let rows = stmt
        .query_map([], |r| r.get::<_, Option<String>>(0))
        .unwrap()
        .filter_map(|r| r.unwrap())
        .collect();
    rows
}

/// Sets a password through a link as a browser would: the form's page, then the POST (with the
/// token of the forgot-password page when the link's page has no form any more).
async fn set_through(b: &Browser, link: &str, password: &str, confirm: &str) -> reqwest::Response {
    let html = b.get(link).await.text().await.unwrap();
    let token = if html.contains("csrf_token") {
        Page::parse(&html).csrf()
    } else {
        b.csrf("/forgot-password").await
    };
    b.post_form(
        link,
        &[
            ("csrf_token", &token),
            ("password", password),
            ("confirm", confirm),
        ],
    )
    .await
}

async fn an_invitation_sets_the_password_once_and_signs_in(db: Db) {
    if !smtp_available() {
        return;
    }
    let smtp = start_smtp(free_port(), None);
    let keys = key_dir();
    let (app, mail) = app_sending_to(db, smtp.port, true, &keys.0).await;
    let admin = Browser::admin(&app).await;
    // The administrator adds Nia and invites her in the same form.
    let resp = admin
        .submit(
            "/admin/people/new",
            &[
                ("name", "Nia New"),
                ("email", "nia@keel.test"),
                ("roles", "member"),
                ("invite", "true"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let page = resp.text().await.unwrap();
    assert!(page.contains("Nia New was added"), "{page}");
    assert!(page.contains("on its way to nia@keel.test"), "{page}");
    assert!(
        !page.contains("/set-password/"),
        "an emailed link is not shown"
    );
    rounds(&app, &mail).await;
    let got = messages_to(&smtp, "nia@keel.test");
    assert_eq!(got.len(), 1, "{:?}", smtp.messages());
    let org = keel_store::Settings::settings(app.store.as_ref())
        .await
        .unwrap()
        .name;
    assert!(header(&got[0], "From").unwrap().contains(&org));
    assert!(header(&got[0], "Subject").unwrap().contains("invited"));
    assert!(got[0].contains("text/plain") && got[0].contains("text/html"));
    let link = link_in(&got[0]);
    // Only the link's hash is stored.
    let secret = link.trim_start_matches("/set-password/");
    let stored = column(&app, "account_tokens", "token_hash").await;
    assert_eq!(stored, vec![keel_server::auth::hash_secret(secret)]);
    assert!(!stored.iter().any(|h| h == secret));
    // Nia follows it: bad input is named by field, what she typed is not kept.
    let nia = Browser::new(&app);
    let page = nia.html(&link).await;
    assert!(page.contains("Welcome to Keel, Nia New"), "{page}");
    let resp = set_through(&nia, &link, "short", "short").await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&resp.text().await.unwrap(), "password").is_some());
    let resp = set_through(&nia, &link, "", "").await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&resp.text().await.unwrap(), "password").is_some());
    let resp = set_through(
        &nia,
        &link,
        "a long enough password",
        "another long password",
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&resp.text().await.unwrap(), "confirm").is_some());
    // A form without the page's security token is refused.
    let resp = nia
        .post_form(
            &link,
            &[
                ("password", "a long enough password"),
                ("confirm", "a long enough password"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = set_through(
        &nia,
        &link,
        "a long enough password",
        "a long enough password",
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/my-week");
    assert_eq!(
        nia.get("/my-week").await.status(),
        StatusCode::OK,
        "signed in"
    );
    // The password works at the sign-in form.
    let again = Browser::new(&app);
    let resp = again
        .sign_in("nia@keel.test", "a long enough password")
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    // The link works once.
    let stranger = Browser::new(&app);
    let page = stranger.html_with(&link, StatusCode::GONE).await;
    assert!(page.contains("This link no longer works"), "{page}");
    let resp = set_through(
        &stranger,
        &link,
        "taken over password",
        "taken over password",
    )
    .await;
    assert_eq!(resp.status(), StatusCode::GONE);
    assert_eq!(
        Browser::new(&app)
            .sign_in("nia@keel.test", "taken over password")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    // An unknown link gets the same page, not an error.
    let page = stranger
        .html_with(
            &format!("/set-password/{}", "ab".repeat(32)),
            StatusCode::GONE,
        )
        .await;
    assert!(page.contains("Ask for a new link"));
}

#[tokio::test]
async fn an_invitation_sets_the_password_once_and_signs_in_on_sqlite() {
    an_invitation_sets_the_password_once_and_signs_in(Db::Sqlite).await;
}

#[tokio::test]
async fn an_invitation_sets_the_password_once_and_signs_in_on_postgres() {
    if !postgres_configured() {
        return;
    }
    an_invitation_sets_the_password_once_and_signs_in(Db::Postgres).await;
}

#[tokio::test]
async fn without_email_the_administrator_gets_the_link_and_a_new_one_replaces_it() {
    let keys = key_dir();
    let (app, _) = app_sending_to(Db::Sqlite, free_port(), false, &keys.0).await;
    let admin = Browser::admin(&app).await;
    let (omar, _) = app.member("Omar Offline").await;
    let page = admin.html(&format!("/admin/people/{omar}/invite")).await;
    assert!(page.contains("Keel cannot send email now"), "{page}");
    let first = admin
        .submit(&format!("/admin/people/{omar}/invite"), &[])
        .await;
    assert_eq!(first.status(), StatusCode::OK);
    let first = first.text().await.unwrap();
    assert!(
        first.contains("Pass this link on to Omar Offline"),
        "{first}"
    );
    let first_link = link_in(&first);
    let second = admin
        .submit(&format!("/admin/people/{omar}/invite"), &[])
        .await
        .text()
        .await
        .unwrap();
    let second_link = link_in(&second);
    assert_ne!(first_link, second_link);
    let b = Browser::new(&app);
    b.html_with(&first_link, StatusCode::GONE).await;
    assert!(b.html(&second_link).await.contains("Welcome to Keel"));
    // Time passes: a week later the link no longer works.
    app.clock.advance(chrono::Duration::days(8));
    b.html_with(&second_link, StatusCode::GONE).await;
    let resp = set_through(
        &b,
        &second_link,
        "a long enough password",
        "a long enough password",
    )
    .await;
    assert_eq!(resp.status(), StatusCode::GONE);
    // Members cannot invite anyone.
    let (mo, _) = app.member("Mo Member").await;
    let member = Browser::signed_in(&app, &mo, "mo.member@keel.test").await;
    assert_eq!(
        member
            .get(&format!("/admin/people/{omar}/invite"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let resp = member
        .submit(&format!("/admin/people/{omar}/invite"), &[])
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // Without email, "forgot password" says to ask an administrator, for any address.
    let resp = forgot(&b, "omar@anything.test").await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("Ask your administrator"));
}

async fn forgot(b: &Browser, email: &str) -> reqwest::Response {
    let token = b.csrf("/forgot-password").await;
    b.post_form(
        "/forgot-password",
        &[("csrf_token", &token), ("email", email)],
    )
    .await
}

async fn forgot_password_answers_alike_and_mails_only_the_known(db: Db) {
    if !smtp_available() {
        return;
    }
    let smtp = start_smtp(free_port(), None);
    let keys = key_dir();
    let (app, mail) = app_sending_to(db, smtp.port, true, &keys.0).await;
    let (kim, _) = app.member("Kim Known").await;
    let kim_email = "kim.known@keel.test".to_string();
    // Kim is signed in elsewhere.
    let elsewhere = Browser::signed_in(&app, &kim, &kim_email).await;
    assert_eq!(elsewhere.get("/my-week").await.status(), StatusCode::OK);
    let sign_in = Browser::new(&app).html("/sign-in").await;
    assert!(sign_in.contains("href=\"/forgot-password\""), "{sign_in}");
    let b = Browser::new(&app);
    let known = forgot(&b, &kim_email).await;
    let (known_status, known_page) = (known.status(), known.text().await.unwrap());
    let unknown = forgot(&b, "nobody@keel.test").await;
    let (unknown_status, unknown_page) = (unknown.status(), unknown.text().await.unwrap());
    assert_eq!(known_status, StatusCode::OK);
    assert_eq!(unknown_status, StatusCode::OK);
    assert!(known_page.contains("If an account exists for that address"));
    assert_eq!(known_page, unknown_page, "the same answer");
    // Bad input is named by field.
    let bad = forgot(&b, "not an address").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&bad.text().await.unwrap(), "email").is_some());
    rounds(&app, &mail).await;
    assert!(messages_to(&smtp, "nobody@keel.test").is_empty());
    let got = messages_to(&smtp, &kim_email);
    assert_eq!(got.len(), 1, "{:?}", smtp.messages());
    assert!(header(&got[0], "Subject")
        .unwrap()
        .contains("new Keel password"));
    let link = link_in(&got[0]);
    let page = b.html(&link).await;
    assert!(page.contains("Choose a new password"), "{page}");
    let resp = set_through(&b, &link, "a brand new password", "a brand new password").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(b.get("/my-week").await.status(), StatusCode::OK);
    // Kim's other session ended; the old password no longer works, the new one does.
    assert_eq!(
        elsewhere.get("/my-week").await.status(),
        StatusCode::SEE_OTHER
    );
    let fresh = Browser::new(&app);
    assert_eq!(
        fresh
            .sign_in(&kim_email, "a long enough password")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        fresh
            .sign_in(&kim_email, "a brand new password")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    // Used once.
    b.html_with(&link, StatusCode::GONE).await;
    // Audited.
    let actions = column(&app, "audit_events", "action").await;
    assert!(
        actions.iter().any(|a| a == "person.reset_link"),
        "{actions:?}"
    );
    assert!(actions.iter().any(|a| a == "person.set_password"));
    // A reset link lasts an hour.
    forgot(&b, &kim_email).await;
    rounds(&app, &mail).await;
    let link = link_in(&messages_to(&smtp, &kim_email)[1]);
    app.clock.advance(chrono::Duration::minutes(61));
    b.html_with(&link, StatusCode::GONE).await;
    // Throttled per address, whether or not it exists.
    let mut last = StatusCode::OK;
    for _ in 0..6 {
        last = forgot(&b, "nobody@keel.test").await.status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn forgot_password_answers_alike_and_mails_only_the_known_on_sqlite() {
    forgot_password_answers_alike_and_mails_only_the_known(Db::Sqlite).await;
}

#[tokio::test]
async fn forgot_password_answers_alike_and_mails_only_the_known_on_postgres() {
    if !postgres_configured() {
        return;
    }
    forgot_password_answers_alike_and_mails_only_the_known(Db::Postgres).await;
}

async fn the_email_page_saves_a_sealed_server_and_its_test_arrives(db: Db) {
    if !smtp_available() {
        return;
    }
    let smtp = start_smtp(free_port(), Some(("keel", "s3cret-smtp-pass")));
    let keys = key_dir();
    let (app, mail) = app_sending_to(db, smtp.port, false, &keys.0).await;
    let admin = Browser::admin(&app).await;
    let page = admin.html("/admin/email").await;
    assert!(page.contains("Not configured"), "{page}");
    // Bad input: every field named, what was typed kept.
    let html = admin
        .refused(
            "/admin/email",
            &[
                ("host", "mail example"),
                ("port", "99999"),
                ("security", "none"),
                ("username", "keel"),
                ("password", ""),
                ("sender", "not an address"),
            ],
        )
        .await;
    for field in ["host", "port", "sender"] {
        assert!(field_error(&html, field).is_some(), "{field}: {html}");
    }
    let html = admin
        .refused(
            "/admin/email",
            &[
                ("host", "mail.example.com"),
                ("port", "25"),
                ("security", "none"),
                ("sender", "okr@keel.test"),
            ],
        )
        .await;
    assert!(field_error(&html, "security")
        .unwrap()
        .contains("this machine"));
    // A wrong port first: saved, the test message fails in words.
    let wrong = free_port();
    let to = admin
        .done(
            "/admin/email",
            &[
                ("host", "127.0.0.1"),
                ("port", &wrong.to_string()),
                ("security", "none"),
                ("username", "keel"),
                ("password", "s3cret-smtp-pass"),
                ("sender", "okr@keel.test"),
            ],
        )
        .await;
    assert_eq!(to, "/admin/email?saved=1");
    let page = admin.html(&to).await;
    assert!(page.contains("The mail server was saved"));
    assert!(page.contains("set on this page"), "{page}");
    assert!(!page.contains("s3cret-smtp-pass"), "never shown back");
    // Sealed at rest.
    let sealed = column(&app, "mail_settings", "password_sealed").await;
    assert_eq!(sealed.len(), 1);
    assert!(sealed[0].starts_with("v1:") && !sealed[0].contains("s3cret"));
    let resp = admin
        .submit("/admin/email/test", &[("address", "bo@example.com")])
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    rounds(&app, &mail).await;
    let page = admin.html("/admin/email").await;
    assert!(
        page.contains("Failed")
            && page.contains("cannot be reached")
            && page.contains(&wrong.to_string()),
        "{page}"
    );
    // The right port, the password left blank: the saved one is kept and works.
    admin
        .done(
            "/admin/email",
            &[
                ("host", "127.0.0.1"),
                ("port", &smtp.port.to_string()),
                ("security", "none"),
                ("username", "keel"),
                ("password", ""),
                ("sender", "okr@keel.test"),
            ],
        )
        .await;
    assert_eq!(
        column(&app, "mail_settings", "password_sealed").await,
        sealed
    );
    admin
        .submit("/admin/email/test", &[("address", "cy@example.com")])
        .await;
    tick_with(
        app.store.as_ref(),
        "test",
        chrono::Utc::now() + chrono::Duration::minutes(5),
        &mail,
    )
    .await
    .unwrap();
    let got = messages_to(&smtp, "cy@example.com");
    assert_eq!(got.len(), 1, "{:?}", smtp.messages());
    assert!(header(&got[0], "Subject")
        .unwrap()
        .contains("a test message from Keel"));
    assert!(admin
        .html("/admin/email")
        .await
        .contains("A message was sent."));
    // The key file is lost: the page says so in words.
    std::fs::remove_file(keys.0.join("secret.key")).unwrap();
    let page = admin.html("/admin/email").await;
    assert!(page.contains("cannot be opened with this key"), "{page}");
    // Members may neither open nor post the page.
    let (mo, _) = app.member("Mo Member").await;
    let member = Browser::signed_in(&app, &mo, "mo.member@keel.test").await;
    assert_eq!(
        member.get("/admin/email").await.status(),
        StatusCode::FORBIDDEN
    );
    let resp = member
        .submit(
            "/admin/email",
            &[
                ("host", "evil.example"),
                ("port", "25"),
                ("security", "starttls"),
                ("sender", "x@evil.example"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_email_page_saves_a_sealed_server_and_its_test_arrives_on_sqlite() {
    the_email_page_saves_a_sealed_server_and_its_test_arrives(Db::Sqlite).await;
}

#[tokio::test]
async fn the_email_page_saves_a_sealed_server_and_its_test_arrives_on_postgres() {
    if !postgres_configured() {
        return;
    }
    the_email_page_saves_a_sealed_server_and_its_test_arrives(Db::Postgres).await;
}

#[tokio::test]
async fn the_api_invites_and_says_how() {
    if !smtp_available() {
        return;
    }
    let smtp = start_smtp(free_port(), None);
    let keys = key_dir();
    let (app, mail) = app_sending_to(Db::Sqlite, smtp.port, true, &keys.0).await;
    let (pia, pia_token) = app.member("Pia Api").await;
    let resp = app
        .post(
            &format!("/api/v1/people/{pia}/invitation"),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["emailed"], true);
    assert!(
        body["link"].is_null(),
        "an emailed link is not in the answer"
    );
    rounds(&app, &mail).await;
    let got = messages_to(&smtp, "pia.api@keel.test");
    assert_eq!(got.len(), 1);
    let link = link_in(&got[0]);
    assert!(Browser::new(&app)
        .html(&link)
        .await
        .contains("Welcome to Keel, Pia Api"));
    // Unknown person, deactivated person, a member: refused in words.
    let resp = app
        .post(
            "/api/v1/people/0190a0a0-0000-7000-8000-00000000dead/invitation",
            serde_json::json!({}),
        )
        .await;
    assert_problem(resp, StatusCode::NOT_FOUND, None).await;
    let (gone, _) = app.member("Gus Gone").await;
    let resp = app
        .patch(
            &format!("/api/v1/people/{gone}"),
            serde_json::json!({"active": false}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = app
        .post(
            &format!("/api/v1/people/{gone}/invitation"),
            serde_json::json!({}),
        )
        .await;
    assert_problem(resp, StatusCode::CONFLICT, Some("active")).await;
    let resp = app
        .req_as(
            &pia_token,
            reqwest::Method::POST,
            &format!("/api/v1/people/{pia}/invitation"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}

/// The 64-hex secret of a set-password link path.
fn secret_of(link: &str) -> &str {
    link.trim_start_matches("/set-password/")
}

/// An invitation's and a reset's links are in the outbox only until their message is sent:
/// afterwards the jobs table holds neither secret nor any set-password link. The daily cleanup
/// then deletes the used invitation link at once and the reset link once it expired.
async fn sent_links_leave_the_outbox_and_spent_links_are_cleaned_up(db: Db) {
    if !smtp_available() {
        return;
    }
    let smtp = start_smtp(free_port(), None);
    let keys = key_dir();
    let (app, mail) = app_sending_to(db, smtp.port, true, &keys.0).await;
    let (ivy, _) = app.member("Ivy Invited").await;
    let ivy_email = "ivy.invited@keel.test";
    let resp = app
        .post(
            &format!("/api/v1/people/{ivy}/invitation"),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let payloads = column(&app, "jobs", "payload").await;
    assert!(
        payloads.iter().any(|p| p.contains("/set-password/")),
        "the queued invitation carries its link until it is sent: {payloads:?}"
    );
    rounds(&app, &mail).await;
    let b = Browser::new(&app);
    forgot(&b, ivy_email).await;
    rounds(&app, &mail).await;
    let got = messages_to(&smtp, ivy_email);
    assert_eq!(got.len(), 2, "an invitation and a reset");
    let invite = link_in(&got[0]);
    let reset = link_in(&got[1]);
    let payloads = column(&app, "jobs", "payload").await;
    assert!(!payloads.is_empty());
    for p in &payloads {
        assert!(
            !p.contains("/set-password/"),
            "a link left in the outbox: {p}"
        );
        for link in [&invite, &reset] {
            assert!(
                !p.contains(secret_of(link)),
                "a secret left in the outbox: {p}"
            );
        }
    }
    let kept = payloads
        .iter()
        .find(|p| p.contains("\"invitation\""))
        .expect("the sent invitation is still listed");
    assert!(kept.contains("cleared once sent"), "{kept}");
    // Ivy accepts the invitation; the reset link stays live for its hour.
    let resp = set_through(&b, &invite, "ivy's own password", "ivy's own password").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let purposes = || column(&app, "account_tokens", "purpose");
    assert_eq!(purposes().await.len(), 2);
    let now = chrono::Utc::now();
    let cleaned = cleanup::clean_up(app.store.as_ref(), now).await.unwrap();
    assert_eq!(cleaned.account_links, 1, "the used invitation link");
    assert_eq!(purposes().await, vec!["reset".to_string()]);
    Browser::new(&app).html(&reset).await;
    let later = now + chrono::Duration::minutes(61);
    let cleaned = cleanup::clean_up(app.store.as_ref(), later).await.unwrap();
    assert_eq!(cleaned.account_links, 1, "the expired reset link");
    assert!(purposes().await.is_empty());
}

#[tokio::test]
async fn sent_links_leave_the_outbox_and_spent_links_are_cleaned_up_on_sqlite() {
    sent_links_leave_the_outbox_and_spent_links_are_cleaned_up(Db::Sqlite).await;
}

#[tokio::test]
async fn sent_links_leave_the_outbox_and_spent_links_are_cleaned_up_on_postgres() {
    if !postgres_configured() {
        return;
    }
    sent_links_leave_the_outbox_and_spent_links_are_cleaned_up(Db::Postgres).await;
}
