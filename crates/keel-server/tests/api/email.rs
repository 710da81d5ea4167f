//! Email through the outbox, against a real SMTP server (aiosmtpd, `tests/smtp/server.py`)
//! started on a free loopback port per test: what arrives (From, To, Subject, both parts,
//! unsubscribe headers), who it goes to (a person's current address; nobody deactivated), and
//! that a failure is retried until the server answers (nothing lost) while a recipient refused
//! for good ends the job. Outside CI a missing Python or aiosmtpd skips (said on stderr); with
//! CI=true it fails.

use crate::helpers::*;
use keel_server::jobs::tick_with;
use keel_server::mail::smtp::SmtpSettings;
use keel_server::mail::{EmailMessage, MailConfig, Recipient};
use keel_store::Jobs;
use reqwest::StatusCode;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A running SMTP server; stopped when dropped.
pub struct SmtpServer {
    child: Child,
    pub port: u16,
    pub dir: TempDir,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nothing listens on (yet).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp/server.py")
}

/// Whether Python with aiosmtpd is here; with CI=true its absence fails the test.
pub fn smtp_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(
            !ci,
            "CI=true but python3 with aiosmtpd is missing (scripts/services.sh ensure_smtp_server)"
        );
        eprintln!(
            "python3 with aiosmtpd is not installed: skipping the email tests (CI runs them)"
        );
    }
    ok
}

/// Starts the SMTP server on `port`, requiring `auth` (user, password) when given.
pub fn start_smtp(port: u16, auth: Option<(&str, &str)>) -> SmtpServer {
    let dir = std::env::temp_dir().join(format!("keel-mail-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut cmd = Command::new("python3");
    cmd.arg(script()).arg(port.to_string()).arg(&dir);
    if let Some((user, password)) = auth {
        cmd.args([user, password]);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the SMTP server");
    let mut line = String::new();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    while line.trim() != "ready" {
        line.clear();
        let n = out.read_line(&mut line).unwrap();
        assert!(n > 0, "the SMTP server stopped before it was ready");
    }
    SmtpServer {
        child,
        port,
        dir: TempDir(dir),
    }
}

impl SmtpServer {
    /// The messages received so far, in order.
    pub fn messages(&self) -> Vec<String> {
        let mut files: Vec<_> = std::fs::read_dir(&self.dir.0)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort_by_key(|p| {
            p.file_stem()
                .and_then(|s| s.to_str()?.parse::<u32>().ok())
                .unwrap_or(0)
        });
        files
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }
}

/// Mail settings sending to `port` on loopback.
pub fn mail_config(port: u16, credentials: Option<(&str, &str)>) -> MailConfig {
    let url = match credentials {
        Some((u, p)) => format!("smtp://{u}:{p}@127.0.0.1:{port}?tls=none"),
        None => format!("smtp://127.0.0.1:{port}?tls=none"),
    };
    MailConfig {
        smtp: Some(SmtpSettings::parse(&url).unwrap()),
        from: Some("okr@keel.test".into()),
        public_url: Some("http://keel.test".into()),
        ..Default::default()
    }
}

fn message(to: Recipient, unsubscribe: bool) -> EmailMessage {
    EmailMessage {
        to,
        purpose: "test".into(),
        subject: "Keel can send email".into(),
        text: "This is the plain part.".into(),
        html: "<p>This is the <strong>HTML</strong> part.</p>".into(),
        unsubscribe_url: unsubscribe.then(|| "http://keel.test/unsubscribe/abc".into()),
    }
}

/// Queues `m` (unique key `key`).
async fn queue(app: &TestApp, m: &EmailMessage, key: &str) {
    let job = m.job(Some(key.into()), chrono::Utc::now());
    assert!(app.store.enqueue_job(&job).await.unwrap());
}

/// Runs the job runner's round `seconds` from now with `mail`.
async fn round(app: &TestApp, mail: &MailConfig, seconds: i64) {
    let at = chrono::Utc::now() + chrono::Duration::seconds(seconds);
    tick_with(app.store.as_ref(), "test", at, mail)
        .await
        .unwrap();
}

/// The email jobs still waiting to be sent a day from now (claimed, so taken off the queue).
async fn waiting_emails(app: &TestApp) -> Vec<keel_store::Job> {
    let later = chrono::Utc::now() + chrono::Duration::days(1);
    let jobs = app
        .store
        .claim_jobs("probe", later, chrono::Duration::minutes(1), 100)
        .await
        .unwrap();
    jobs.into_iter()
        .filter(|j| j.kind == keel_server::mail::SEND_EMAIL)
        .collect()
}

/// A header's value in a raw message (the first one).
pub fn header<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
    raw.lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
}

#[tokio::test]
async fn a_queued_message_arrives_multipart_from_the_organisation() {
    if !smtp_available() {
        return;
    }
    let smtp = start_smtp(free_port(), None);
    let app = spawn_app().await;
    let mail = mail_config(smtp.port, None);
    queue(
        &app,
        &message(Recipient::Address("bo@example.com".into()), true),
        "t1",
    )
    .await;
    round(&app, &mail, 0).await;
    let got = smtp.messages();
    assert_eq!(got.len(), 1, "{got:?}");
    let raw = &got[0];
    let org = keel_store::Settings::settings(app.store.as_ref())
        .await
        .unwrap()
        .name;
    assert!(header(raw, "From").unwrap().contains("<okr@keel.test>"));
    assert!(header(raw, "From").unwrap().contains(&org), "{raw}");
    assert_eq!(header(raw, "To"), Some("bo@example.com"));
    assert_eq!(header(raw, "Subject"), Some("Keel can send email"));
    assert_eq!(
        header(raw, "List-Unsubscribe"),
        Some("<http://keel.test/unsubscribe/abc>")
    );
    assert_eq!(
        header(raw, "List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    assert!(raw.contains("multipart/alternative"));
    assert!(raw.contains("Content-Type: text/plain") && raw.contains("This is the plain part."));
    assert!(raw.contains("Content-Type: text/html") && raw.contains("<strong>HTML</strong>"));
    assert_eq!(mail.last().unwrap().outcome, Ok("test".into()));
    assert!(waiting_emails(&app).await.is_empty(), "sent once, done");
    // Without an unsubscribe link there are no unsubscribe headers.
    queue(
        &app,
        &message(Recipient::Address("cy@example.com".into()), false),
        "t2",
    )
    .await;
    round(&app, &mail, 0).await;
    assert_eq!(header(&smtp.messages()[1], "List-Unsubscribe"), None);
}

#[tokio::test]
async fn a_person_gets_mail_at_their_current_address_and_not_once_deactivated() {
    if !smtp_available() {
        return;
    }
    let smtp = start_smtp(free_port(), None);
    let app = spawn_app().await;
    let mail = mail_config(smtp.port, None);
    let (sam, _) = app.member("Sam Sender").await;
    let resp = app
        .patch(
            &format!("/api/v1/people/{sam}"),
            serde_json::json!({"email": "sam.new@keel.test"}),
        )
        .await;
    assert_eq!(resp.status(), reqwest::StatusCode::OK);
    queue(&app, &message(Recipient::Person(sam.clone()), false), "p1").await;
    round(&app, &mail, 0).await;
    assert_eq!(header(&smtp.messages()[0], "To"), Some("sam.new@keel.test"));
    let resp = app
        .patch(
            &format!("/api/v1/people/{sam}"),
            serde_json::json!({"active": false}),
        )
        .await;
    assert_eq!(resp.status(), reqwest::StatusCode::OK);
    queue(&app, &message(Recipient::Person(sam), false), "p2").await;
    round(&app, &mail, 0).await;
    assert_eq!(smtp.messages().len(), 1, "nothing to a deactivated person");
    assert!(
        waiting_emails(&app).await.is_empty(),
        "skipped is done, not retried"
    );
}

#[tokio::test]
async fn a_server_that_is_down_is_retried_until_the_message_goes() {
    if !smtp_available() {
        return;
    }
    let port = free_port();
    let app = spawn_app().await;
    let mail = mail_config(port, None);
    queue(
        &app,
        &message(Recipient::Address("bo@example.com".into()), false),
        "r1",
    )
    .await;
    round(&app, &mail, 0).await;
    let error = mail.last().unwrap().outcome.unwrap_err();
    assert!(
        error.contains("cannot be reached") && error.contains(&port.to_string()),
        "{error}"
    );
    // Not before its backoff…
    let smtp = start_smtp(port, None);
    round(&app, &mail, 5).await;
    assert!(smtp.messages().is_empty());
    // …then it goes.
    round(&app, &mail, 31).await;
    assert_eq!(smtp.messages().len(), 1);
    assert!(waiting_emails(&app).await.is_empty());
}

#[tokio::test]
async fn bad_credentials_are_said_in_words_and_good_ones_send() {
    if !smtp_available() {
        return;
    }
    let smtp = start_smtp(free_port(), Some(("keel", "right-password")));
    let app = spawn_app().await;
    let wrong = mail_config(smtp.port, Some(("keel", "wrong-password")));
    queue(
        &app,
        &message(Recipient::Address("bo@example.com".into()), false),
        "a1",
    )
    .await;
    round(&app, &wrong, 0).await;
    let error = wrong.last().unwrap().outcome.unwrap_err();
    assert!(error.contains("credentials"), "{error}");
    assert!(!error.contains("wrong-password"));
    assert!(smtp.messages().is_empty());
    let right = mail_config(smtp.port, Some(("keel", "right-password")));
    round(&app, &right, 31).await;
    assert_eq!(smtp.messages().len(), 1, "retried with the fixed settings");
}

#[tokio::test]
async fn a_recipient_refused_for_good_ends_the_job_with_its_error() {
    if !smtp_available() {
        return;
    }
    let smtp = start_smtp(free_port(), None);
    let app = spawn_app().await;
    let mail = mail_config(smtp.port, None);
    queue(
        &app,
        &message(Recipient::Address("refused@example.com".into()), false),
        "d1",
    )
    .await;
    round(&app, &mail, 0).await;
    let error = mail.last().unwrap().outcome.unwrap_err();
    assert!(error.contains("refused the recipient (550)"), "{error}");
    assert!(waiting_emails(&app).await.is_empty(), "dead, not retried");
}

#[tokio::test]
async fn without_smtp_or_public_url_mail_waits_and_is_not_lost() {
    let app = spawn_app().await;
    queue(
        &app,
        &message(Recipient::Address("bo@example.com".into()), false),
        "n1",
    )
    .await;
    let none = MailConfig::default();
    round(&app, &none, 0).await;
    assert!(none
        .last()
        .unwrap()
        .outcome
        .unwrap_err()
        .contains("KEEL_SMTP_URL"));
    let mut no_url = mail_config(free_port(), None);
    no_url.public_url = None;
    round(&app, &no_url, 31).await;
    assert!(no_url
        .last()
        .unwrap()
        .outcome
        .unwrap_err()
        .contains("KEEL_PUBLIC_URL"));
    let waiting = waiting_emails(&app).await;
    assert_eq!(waiting.len(), 1, "still queued");
    assert!(waiting[0]
        .last_error
        .as_deref()
        .unwrap()
        .contains("KEEL_PUBLIC_URL"));
}

/// The app with `mail` as its email settings, and an administrator's browser.
async fn app_with_mail(db: Db, mail: &MailConfig) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    spawn_app_with_mail(db, listener, Default::default(), mail.clone()).await
}

async fn the_email_page_sends_a_test_and_tells_how_it_went(db: Db) {
    if !smtp_available() {
        return;
    }
    let port = free_port();
    let mail = mail_config(port, None);
    let app = app_with_mail(db, &mail).await;
    let admin = Browser::admin(&app).await;
    let page = admin.get("/admin/email").await.text().await.unwrap();
    assert!(
        page.contains("127.0.0.1, port ") && page.contains("no encryption"),
        "{page}"
    );
    assert!(page.contains("okr@keel.test"));
    assert!(page.contains("No message was sent"));
    // Bad input: not an address; nothing queued.
    let resp = admin
        .submit("/admin/email/test", &[("address", "not an address")])
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&resp.text().await.unwrap(), "address").is_some());
    round(&app, &mail, 0).await;
    assert!(mail.last().is_none(), "nothing was queued");
    // The server is down: the page says so in words, and the message waits.
    let resp = admin
        .submit("/admin/email/test", &[("address", "bo@example.com")])
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.unwrap().contains("is queued"));
    round(&app, &mail, 0).await;
    let page = admin.get("/admin/email").await.text().await.unwrap();
    assert!(
        page.contains("Failed") && page.contains("cannot be reached"),
        "{page}"
    );
    assert!(page.contains("nothing is lost"));
    // Once it is up, the retry delivers the test message.
    let smtp = start_smtp(port, None);
    round(&app, &mail, 31).await;
    let got = smtp.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(header(&got[0], "To"), Some("bo@example.com"));
    assert!(header(&got[0], "Subject")
        .unwrap()
        .contains("a test message from Keel"));
    assert!(got[0].contains("text/plain") && got[0].contains("text/html"));
    let page = admin.get("/admin/email").await.text().await.unwrap();
    assert!(page.contains("A message was sent."), "{page}");
}

#[tokio::test]
async fn the_email_page_sends_a_test_and_tells_how_it_went_on_sqlite() {
    the_email_page_sends_a_test_and_tells_how_it_went(Db::Sqlite).await;
}

#[tokio::test]
async fn the_email_page_sends_a_test_and_tells_how_it_went_on_postgres() {
    if !postgres_configured() {
        return;
    }
    the_email_page_sends_a_test_and_tells_how_it_went(Db::Postgres).await;
}

#[tokio::test]
async fn without_email_the_page_says_so_and_the_test_button_queues_nothing() {
    let app = spawn_app().await;
    let admin = Browser::admin(&app).await;
    let page = admin.get("/admin/email").await.text().await.unwrap();
    assert!(page.contains("Not configured"), "{page}");
    assert!(page.contains("KEEL_SMTP_URL"));
    let resp = admin
        .submit("/admin/email/test", &[("address", "bo@example.com")])
        .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert!(resp.text().await.unwrap().contains("Nothing was sent"));
    assert!(waiting_emails(&app).await.is_empty());
    // Configured but without the public URL: said, and nothing queued.
    let mut mail = mail_config(free_port(), None);
    mail.public_url = None;
    let app = app_with_mail(Db::Sqlite, &mail).await;
    let admin = Browser::admin(&app).await;
    let page = admin.get("/admin/email").await.text().await.unwrap();
    assert!(page.contains("KEEL_PUBLIC_URL"), "{page}");
    let resp = admin
        .submit("/admin/email/test", &[("address", "bo@example.com")])
        .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert!(waiting_emails(&app).await.is_empty());
}
