//! The email page (administrators): whether Keel can send email and through what, the sender's
//! last result in words (a wrong host, refused credentials), and a button that sends a test
//! message through the queue, as every other message goes.
//!
//! Why its own page: the mail server comes from Keel's configuration (`KEEL_SMTP_URL`,
//! `KEEL_MAIL_FROM`, `KEEL_PUBLIC_URL`); this page says what is in effect and proves it works,
//! and never shows the password.

use super::{sections, Section};
use crate::mail::smtp::{is_address, Security};
use crate::mail::{EmailMessage, Recipient};
use crate::ui::forms::{Field, Form};
use crate::ui::{render, Layout, SignedIn, UiError};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form as PostedForm;
use keel_store::Jobs;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "admin_email.html")]
struct EmailPage {
    layout: Layout,
    sections: Vec<Section>,
    form: Form,
    /// The mail server in words, e.g. "mail.example.com, port 587, STARTTLS, as keel".
    server: Option<String>,
    from: Option<String>,
    public_url: Option<String>,
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

fn page(state: &AppState, caller: &crate::auth::Caller, layout: Layout, form: Form) -> EmailPage {
    let mail = &state.mail;
    let server = mail.smtp.as_ref().map(|s| {
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
    });
    let last = mail.last().map(|l| {
        let when = l.at.format("%-d %B %Y, %H:%M UTC").to_string();
        match l.outcome {
            Ok(_) => (when, true, "A message was sent.".to_string()),
            Err(e) => (when, false, e),
        }
    });
    EmailPage {
        layout,
        sections: sections(caller, "/admin/email"),
        form,
        server,
        from: mail.from.clone(),
        public_url: mail.public_url.clone(),
        not_ready: mail.ready().err(),
        last,
    }
}

/// `GET /admin/email`: what is in effect and the sender's last result.
pub async fn email(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
) -> Result<Response, UiError> {
    crate::access::configure_sso(&caller.person)?;
    let layout = Layout::signed_in(&caller, "/admin");
    let form = Form::new(
        &layout.csrf_token,
        test_fields(caller.person.email.as_str()),
    );
    Ok(render(StatusCode::OK, &page(&state, &caller, layout, form)))
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
        form.show(crate::error::ApiError::invalid(
            "address",
            "enter an email address",
        ))?;
        return Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(&state, &caller, layout, form),
        ));
    }
    if let Err(why) = state.mail.ready() {
        form.error = Some(format!("Nothing was sent: {why}."));
        return Ok(render(
            StatusCode::CONFLICT,
            &page(&state, &caller, layout, form),
        ));
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
    Ok(render(StatusCode::OK, &page(&state, &caller, layout, form)))
}

/// Text made safe inside HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
