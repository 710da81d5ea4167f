//! The email page (administrators): the mail server Keel sends through, set here or by the
//! environment, what is in effect and why nothing can be sent if so, the sender's last result in
//! words (a wrong host, refused credentials), and a button that sends a test message through
//! the queue, as every other message goes.
//!
//! Why here: an administrator without shell access must be able to turn email on. The
//! environment (`KEEL_SMTP_URL`, `KEEL_MAIL_FROM`) wins when set, and the page says so; what is
//! saved here is used otherwise. The password is sealed with the server's secret key
//! (`crate::secrets`) before it reaches the database, never shown back and never logged;
//! leaving it blank keeps the saved one.

use super::form::{AdminForm, Control, Input, Posted};
use super::{sections, see_other, Section};
use crate::error::ApiError;
use crate::mail::send::MailSource;
use crate::mail::smtp::{is_address, Security, SmtpSettings};
use crate::mail::{EmailMessage, Recipient};
use crate::ui::company::Choice;
use crate::ui::forms::{Field, Form};
use crate::ui::{render, Layout, SignedIn, UiError};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form as PostedForm;
use keel_store::{Jobs, MailServer, StoredMailSettings};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "admin_email.html")]
struct EmailPage {
    layout: Layout,
    sections: Vec<Section>,
    form: Form,
    /// The mail server form.
    server_form: AdminForm,
    /// Where the server in effect comes from, in words.
    source: &'static str,
    /// The mail server in words, e.g. "mail.example.com, port 587, STARTTLS, as keel".
    server: Option<String>,
    from: Option<String>,
    public_url: Option<String>,
    /// `KEEL_SMTP_URL` is set: the form's settings are kept but not used.
    environment_wins: bool,
    /// Why nothing can be sent yet, if so.
    not_ready: Option<String>,
    /// The sender's last result: (when, whether it went, what happened).
    last: Option<(String, bool, String)>,
}

fn test_fields(address: &str) -> Vec<Field> {
    vec![Field::new("address", "Send a test message to", "email")
        .value(address)
        .hint(
            "The message goes through the queue like any other; this page then shows how it went.",
        )
        .required()]
}

/// What the mail server form shows, as typed or as saved.
#[derive(Default)]
struct ServerValues {
    host: String,
    port: String,
    security: String,
    username: String,
    sender: String,
}

impl ServerValues {
    fn saved(s: Option<&StoredMailSettings>) -> Self {
        match s {
            None => ServerValues {
                port: "587".into(),
                security: "starttls".into(),
                ..Default::default()
            },
            Some(s) => ServerValues {
                host: s.host.clone(),
                port: s.port.to_string(),
                security: s.security.clone(),
                username: s.username.clone().unwrap_or_default(),
                sender: s.sender.clone(),
            },
        }
    }

    fn posted(f: &Posted) -> Self {
        ServerValues {
            host: f.get("host").trim().to_string(),
            port: f.get("port").trim().to_string(),
            security: f.get("security").to_string(),
            username: f.get("username").trim().to_string(),
            sender: f.get("sender").trim().to_string(),
        }
    }
}

const SECURITY_LABELS: [(&str, &str); 3] = [
    ("starttls", "STARTTLS (usually port 587)"),
    ("tls", "TLS from the start (usually port 465)"),
    (
        "none",
        "No encryption (only for a mail server on this machine)",
    ),
];

fn server_inputs(v: &ServerValues, password_saved: bool) -> Vec<Input> {
    let password_hint = if password_saved {
        "A password is saved; it is never shown. Leave this blank to keep it."
    } else {
        "Leave blank if the mail server needs no password."
    };
    vec![
        Input::text("host", "Mail server", "text", &v.host)
            .hint("Its host name, e.g. mail.example.com.")
            .required(),
        Input::text("port", "Port", "number", &v.port).required(),
        Input {
            field: Field::new("security", "Security", "select"),
            control: Control::Select(
                SECURITY_LABELS
                    .iter()
                    .map(|(value, label)| Choice {
                        value: value.to_string(),
                        label: label.to_string(),
                        selected: v.security == *value,
                    })
                    .collect(),
                "",
            ),
        },
        Input::text("username", "User name", "text", &v.username)
            .hint("Leave blank if the mail server needs no sign-in."),
        Input::text("password", "Password", "password", "").hint(password_hint),
        Input::text("sender", "Sender address", "email", &v.sender)
            .hint("Messages come from this address, with the organisation's name.")
            .required(),
    ]
}

fn describe(s: &SmtpSettings) -> String {
    let security = match s.security {
        Security::StartTls => "STARTTLS",
        Security::Tls => "TLS",
        Security::None => "no encryption",
    };
    let user = s
        .user
        .as_ref()
        .map(|u| format!(", as {u}"))
        .unwrap_or_default();
    format!("{}, port {}, {security}{user}", s.host, s.port)
}

/// The page, with the test form `form` and the server form's values `values` (`None`: as saved).
async fn page(
    state: &AppState,
    caller: &crate::auth::Caller,
    layout: Layout,
    form: Form,
    values: Option<ServerValues>,
) -> Result<EmailPage, UiError> {
    let mail = &state.mail;
    let saved = state.store().mail_settings().await?;
    let effect = mail.in_effect(state.store()).await;
    let password_saved = saved.as_ref().is_some_and(|s| s.password_sealed.is_some());
    let values = values.unwrap_or_else(|| ServerValues::saved(saved.as_ref()));
    let server_form = AdminForm::new(&layout, server_inputs(&values, password_saved));
    let last = mail.last().map(|l| {
        let when = l.at.format("%-d %B %Y, %H:%M UTC").to_string();
        match l.outcome {
            Ok(_) => (when, true, "A message was sent.".to_string()),
            Err(e) => (when, false, e),
        }
    });
    Ok(EmailPage {
        sections: sections(caller, "/admin/email"),
        form,
        server_form,
        source: match effect.source {
            MailSource::Environment => "set by the environment (KEEL_SMTP_URL)",
            MailSource::Page => "set on this page",
            MailSource::Nowhere => "",
        },
        server: effect.smtp.as_ref().map(describe),
        from: effect.from.clone(),
        public_url: mail.public_url.clone(),
        environment_wins: effect.source == MailSource::Environment,
        not_ready: effect.ready(mail.public_url.as_deref()).err(),
        last,
        layout,
    })
}

#[derive(Deserialize)]
pub struct Saved {
    saved: Option<String>,
}

/// `GET /admin/email`: what is in effect, the mail server form and the sender's last result.
pub async fn email(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<Saved>,
) -> Result<Response, UiError> {
    crate::access::configure_sso(&caller.person)?;
    let layout = Layout::signed_in(&caller, "/admin");
    let form = Form::new(
        &layout.csrf_token,
        test_fields(caller.person.email.as_str()),
    );
    let mut view = page(&state, &caller, layout, form, None).await?;
    if q.saved.is_some() {
        view.server_form.success =
            Some("The mail server was saved. Send a test message below to check it.".into());
    }
    Ok(render(StatusCode::OK, &view))
}

/// Whether a host is this machine (where an unencrypted connection never leaves it).
fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The form's values as settings to save, or every field's refusal.
fn checked(v: &ServerValues) -> Result<(String, u16, String, String), Vec<ApiError>> {
    let mut errors = vec![];
    let host = v.host.clone();
    if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c == '/' || c == '@') {
        errors.push(ApiError::invalid(
            "host",
            "enter the mail server's host name, e.g. mail.example.com",
        ));
    }
    let port = v.port.parse::<u16>().ok().filter(|p| *p > 0);
    if port.is_none() {
        errors.push(ApiError::invalid(
            "port",
            "must be a whole number from 1 to 65535",
        ));
    }
    match Security::parse(&v.security) {
        None => errors.push(ApiError::invalid(
            "security",
            "choose STARTTLS, TLS or no encryption",
        )),
        Some(Security::None) if !is_loopback(&host) => errors.push(ApiError::invalid(
            "security",
            "no encryption is only allowed for a mail server on this machine (127.0.0.1, ::1 or localhost): choose STARTTLS or TLS",
        )),
        Some(_) => {}
    }
    if !is_address(&v.sender) {
        errors.push(ApiError::invalid(
            "sender",
            "enter the sender's address, e.g. okr@example.com",
        ));
    }
    match port {
        Some(port) if errors.is_empty() => Ok((host, port, v.security.clone(), v.sender.clone())),
        _ => Err(errors),
    }
}

/// `POST /admin/email`: saves the mail server; a blank password keeps the saved one.
pub async fn save(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    PostedForm(f): PostedForm<Posted>,
) -> Result<Response, UiError> {
    crate::access::configure_sso(&caller.person)?;
    let values = ServerValues::posted(&f);
    let store = state.store();
    let saved = store.mail_settings().await?;
    let typed_password = f.get("password");
    let sealed = if typed_password.is_empty() {
        Ok(saved.as_ref().and_then(|s| s.password_sealed.clone()))
    } else {
        state
            .mail
            .keys
            .key()
            .map(|k| Some(k.seal(typed_password)))
            .map_err(|e| {
                format!("The password cannot be stored safely, so nothing was saved: {e}.")
            })
    };
    let result = checked(&values);
    if let (Ok((host, port, security, sender)), Ok(password_sealed)) = (&result, &sealed) {
        let settings = StoredMailSettings {
            host: host.clone(),
            port: *port,
            security: security.clone(),
            username: Some(values.username.clone()).filter(|u| !u.is_empty()),
            password_sealed: password_sealed.clone(),
            sender: sender.clone(),
            updated_at: crate::services::now(),
        };
        store
            .save_mail_settings(&caller.write_ctx(), &settings)
            .await?;
        tracing::info!(host = %settings.host, port = settings.port, "the mail server was saved on the email page");
        return Ok(see_other("/admin/email?saved=1".into()));
    }
    let layout = Layout::signed_in(&caller, "/admin");
    let form = Form::new(
        &layout.csrf_token,
        test_fields(caller.person.email.as_str()),
    );
    let mut view = page(&state, &caller, layout, form, Some(values)).await?;
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if let Err(errors) = result {
        for e in errors {
            status = view.server_form.show(e)?;
        }
    }
    if let Err(why) = sealed {
        view.server_form.error = Some(why);
    }
    Ok(render(status, &view))
}

#[derive(Deserialize)]
pub struct TestInput {
    #[serde(default)]
    address: String,
}

/// `POST /admin/email/test`: queues a test message to the address given.
pub async fn send_test(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    PostedForm(input): PostedForm<TestInput>,
) -> Result<Response, UiError> {
    crate::access::configure_sso(&caller.person)?;
    let address = input.address.trim().to_string();
    let layout = Layout::signed_in(&caller, "/admin");
    let mut form = Form::new(&layout.csrf_token, test_fields(&address));
    if !is_address(&address) {
        form.show(ApiError::invalid("address", "enter an email address"))?;
        let view = page(&state, &caller, layout, form, None).await?;
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view));
    }
    if let Err(why) = state.mail.ready_in(state.store()).await {
        form.error = Some(format!("Nothing was sent: {why}."));
        let view = page(&state, &caller, layout, form, None).await?;
        return Ok(render(StatusCode::CONFLICT, &view));
    }
    let organisation = keel_store::Settings::settings(state.store()).await?.name;
    let message = EmailMessage {
        to: Recipient::Address(address.clone()),
        purpose: "test".into(),
        subject: format!("{organisation}: a test message from Keel"),
        text: format!(
            "Keel can send email for {organisation}.\n\nSent from {} by {}.\n",
            state.mail.public_url.as_deref().unwrap_or(""),
            caller.person.name
        ),
        html: format!(
            "<p>Keel can send email for {}.</p><p>Sent by {}.</p>",
            escape(&organisation),
            escape(&caller.person.name)
        ),
        unsubscribe_url: None,
    };
    state
        .store()
        .enqueue_job(&message.job(None, crate::services::now()))
        .await?;
    form.success = Some(format!(
        "A test message to {address} is queued; it is sent within a minute. Reload this page to see how it went."
    ));
    let view = page(&state, &caller, layout, form, None).await?;
    Ok(render(StatusCode::OK, &view))
}

/// Text made safe inside HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
