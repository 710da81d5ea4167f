//! The webhooks pages (administrators): the endpoints Keel sends events to, a form to add one
//! (its signing secret shown once, right after), each endpoint's settings with a "send test
//! event" button and its recent deliveries (when, the event, how each attempt went), and whether
//! this server lets webhooks reach private addresses (`KEEL_WEBHOOK_ALLOW_PRIVATE`).
//!
//! Every rule is the webhook service's (`crate::webhooks`), the same as the API's.

use super::form::{AdminForm, Control, Input, Posted};
use super::{sections, see_other, Section};
use crate::api::webhooks::{delivery_views, DeliveryStateView, DeliveryView};
use crate::ui::company::Choice;
use crate::ui::{render, Layout, SignedIn, UiError};
use crate::webhooks::{self as svc, Refused, WebhookInput};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form as PostedForm;
use keel_domain::webhook::{WebhookEvent, WebhookFormat};
use keel_domain::*;
use keel_store::{PageRequest, WebhookEndpoint, Webhooks};
use serde::Deserialize;

/// An endpoint as the list shows it.
struct Row {
    href: String,
    url: String,
    events: String,
    format: &'static str,
}

#[derive(Template)]
#[template(path = "admin_webhooks.html")]
struct ListPage {
    layout: Layout,
    sections: Vec<Section>,
    rows: Vec<Row>,
    /// The next page of endpoints, when there is one.
    more: Option<String>,
    form: AdminForm,
    allow_private: bool,
}

/// One attempt in words.
struct AttemptLine {
    when: String,
    outcome: String,
    ok: bool,
}

/// A delivery in words.
struct DeliveryLine {
    when: String,
    event: &'static str,
    state: &'static str,
    state_class: &'static str,
    attempts: Vec<AttemptLine>,
}

#[derive(Template)]
#[template(path = "admin_webhook.html")]
struct EndpointPage {
    layout: Layout,
    sections: Vec<Section>,
    id: String,
    url: String,
    form: AdminForm,
    /// The secret, on the page shown right after it was set: never again.
    secret: Option<String>,
    notice: Option<String>,
    deliveries: Vec<DeliveryLine>,
    older: Option<String>,
    allow_private: bool,
}

fn when(t: &Timestamp) -> String {
    t.format("%-d %B %Y, %H:%M:%S UTC").to_string()
}

/// The form's inputs, with these values.
fn inputs(url: &str, events: &[WebhookEvent], format: WebhookFormat, new: bool) -> Vec<Input> {
    let secret_hint = if new {
        "Leave blank to have a strong one made for you. It is shown once, after saving."
    } else {
        "A secret is saved; it is never shown. Leave blank to keep it, or enter a new one (at least 16 characters)."
    };
    vec![
        Input::text("url", "Address (URL)", "url", url)
            .hint("Where Keel sends each event, e.g. https://hooks.slack.com/services/… (http or https).")
            .required(),
        Input {
            field: crate::ui::forms::Field::new("events", "Events", "checkboxes")
                .hint("Events about objectives that are not visible to everyone are never sent."),
            control: Control::Checkboxes(
                WebhookEvent::SUBSCRIBABLE
                    .iter()
                    .map(|e| Choice {
                        value: e.as_str().to_string(),
                        label: e.label().to_string(),
                        selected: events.contains(e),
                    })
                    .collect(),
            ),
        },
        Input::select(
            "format",
            "Format",
            WebhookFormat::ALL
                .iter()
                .map(|f| Choice {
                    value: f.as_str().to_string(),
                    label: f.label().to_string(),
                    selected: *f == format,
                })
                .collect(),
            "",
        ),
        Input::text("secret", "Signing secret", "password", "").hint(secret_hint),
    ]
}

/// What a posted form asks for: the events ticked, a blank secret meaning none.
fn posted(f: &Posted) -> WebhookInput {
    WebhookInput {
        url: Some(f.get("url").to_string()),
        events: Some(f.all("events").iter().map(|s| s.to_string()).collect()),
        secret: super::form::optional(f.get("secret")),
        format: Some(f.get("format").to_string()),
    }
}

/// The typed values back into the form.
fn typed(f: &Posted) -> (String, Vec<WebhookEvent>, WebhookFormat) {
    (
        f.get("url").to_string(),
        f.all("events")
            .iter()
            .filter_map(|e| WebhookEvent::parse(e))
            .collect(),
        WebhookFormat::parse(f.get("format")).unwrap_or_default(),
    )
}

#[derive(Deserialize, Default)]
pub struct Cursor {
    cursor: Option<String>,
    saved: Option<String>,
    test: Option<String>,
}

async fn list_page(
    state: &AppState,
    caller: &crate::auth::Caller,
    layout: Layout,
    form: AdminForm,
    cursor: Option<String>,
) -> Result<ListPage, UiError> {
    let got = state
        .store()
        .list_webhooks(&PageRequest { limit: 100, cursor })
        .await?;
    let rows = got
        .items
        .into_iter()
        .map(|e| Row {
            href: format!("/admin/webhooks/{}", e.id),
            events: e
                .events
                .iter()
                .map(|x| x.label())
                .collect::<Vec<_>>()
                .join("; "),
            format: e.format.label(),
            url: e.url,
        })
        .collect();
    Ok(ListPage {
        sections: sections(caller, "/admin/webhooks"),
        rows,
        more: got
            .next_cursor
            .map(|c| format!("/admin/webhooks?cursor={}", urlencode(&c))),
        form,
        allow_private: state.mail.outbound.allow_private,
        layout,
    })
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|v| v.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

/// `GET /admin/webhooks`: the endpoints and the form to add one.
pub async fn webhooks(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<Cursor>,
) -> Result<Response, UiError> {
    svc::may_manage(&caller)?;
    let layout = Layout::signed_in(&caller, "/admin");
    let form = AdminForm::new(&layout, inputs("", &[], WebhookFormat::Keel, true));
    let view = list_page(&state, &caller, layout, form, q.cursor).await?;
    Ok(render(StatusCode::OK, &view))
}

/// `POST /admin/webhooks`: registers an endpoint and shows its secret once.
pub async fn create(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    PostedForm(f): PostedForm<Posted>,
) -> Result<Response, UiError> {
    svc::may_manage(&caller)?;
    let input = posted(&f);
    let store = state.store();
    match svc::create(
        store,
        &state.mail.keys,
        state.mail.outbound,
        &caller,
        &input,
    )
    .await
    {
        Ok((endpoint, secret)) => {
            let mut view = endpoint_page(&state, &caller, endpoint, None).await?;
            view.secret = Some(secret);
            view.notice = Some("The webhook was added.".into());
            Ok(render(StatusCode::CREATED, &view))
        }
        Err(refused) => {
            let layout = Layout::signed_in(&caller, "/admin");
            let (url, events, format) = typed(&f);
            let mut form = AdminForm::new(&layout, inputs(&url, &events, format, true));
            let status = show(&mut form, refused)?;
            let view = list_page(&state, &caller, layout, form, None).await?;
            Ok(render(status, &view))
        }
    }
}

/// Every refusal next to its field; the status to answer with.
fn show(form: &mut AdminForm, refused: Refused) -> Result<StatusCode, UiError> {
    match refused {
        Refused::Fields(errors) => {
            let mut status = StatusCode::UNPROCESSABLE_ENTITY;
            for e in errors {
                status = form.show(e.into())?;
            }
            Ok(status)
        }
        Refused::Other(e) => Ok(form.show(e)?),
    }
}

async fn endpoint_page(
    state: &AppState,
    caller: &crate::auth::Caller,
    e: WebhookEndpoint,
    cursor: Option<String>,
) -> Result<EndpointPage, UiError> {
    let layout = Layout::signed_in(caller, "/admin");
    let mut form = AdminForm::new(&layout, inputs(&e.url, &e.events, e.format, false));
    form.version = Some(e.version);
    let page = state
        .store()
        .list_webhook_deliveries(&e.id, &PageRequest { limit: 20, cursor })
        .await?;
    let ids: Vec<WebhookDeliveryId> = page.items.iter().map(|d| d.id.clone()).collect();
    let attempts = state.store().webhook_attempts(&ids).await?;
    let deliveries = delivery_views(page.items, attempts)
        .into_iter()
        .map(line)
        .collect();
    Ok(EndpointPage {
        sections: sections(caller, "/admin/webhooks"),
        id: e.id.to_string(),
        older: page.next_cursor.map(|c| {
            format!(
                "/admin/webhooks/{}?cursor={}#deliveries",
                e.id,
                urlencode(&c)
            )
        }),
        url: e.url,
        form,
        secret: None,
        notice: None,
        deliveries,
        allow_private: state.mail.outbound.allow_private,
        layout,
    })
}

/// A delivery in the administrator's words.
fn line(d: DeliveryView) -> DeliveryLine {
    let (state, state_class) = match d.state {
        DeliveryStateView::Pending if d.attempts.is_empty() => {
            ("Waiting to be sent", "status-not_started")
        }
        DeliveryStateView::Pending => ("Failed, will be tried again", "status-at_risk"),
        DeliveryStateView::Delivered => ("Delivered", "status-on_track"),
        DeliveryStateView::Failed => ("Given up", "status-off_track"),
    };
    DeliveryLine {
        when: when(&d.created_at),
        event: d.event.label(),
        state,
        state_class,
        attempts: d
            .attempts
            .into_iter()
            .map(|a| {
                let took = format!("{} ms", a.duration_ms);
                let outcome = match (a.status_code, a.error) {
                    (Some(code), None) => format!("answered {code} in {took}"),
                    (_, Some(e)) => format!("{e} ({took})"),
                    (None, None) => format!("sent in {took}"),
                };
                AttemptLine {
                    when: format!("Attempt {}, {}", a.attempt, when(&a.at)),
                    ok: a.status_code.is_some_and(|c| (200..300).contains(&c)),
                    outcome,
                }
            })
            .collect(),
    }
}

async fn stored(state: &AppState, id: &str) -> Result<WebhookEndpoint, UiError> {
    Ok(state
        .store()
        .webhook(&WebhookId::from_string(id))
        .await?
        .ok_or(crate::error::ApiError::NotFound("webhook"))?)
}

/// `GET /admin/webhooks/{id}`: the endpoint's settings, the test button and recent deliveries.
pub async fn webhook(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<Cursor>,
) -> Result<Response, UiError> {
    svc::may_manage(&caller)?;
    let e = stored(&state, &id).await?;
    let mut view = endpoint_page(&state, &caller, e, q.cursor).await?;
    if q.saved.is_some() {
        view.notice = Some("Your changes were saved.".into());
    }
    if q.test.is_some() {
        view.notice = Some(
            "A test event is queued; it is sent within a minute. Reload this page to see how it went."
                .into(),
        );
    }
    Ok(render(StatusCode::OK, &view))
}

/// `POST /admin/webhooks/{id}`: saves the endpoint's settings (a blank secret keeps it).
pub async fn update(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    PostedForm(f): PostedForm<Posted>,
) -> Result<Response, UiError> {
    svc::may_manage(&caller)?;
    let input = posted(&f);
    let wid = WebhookId::from_string(&id);
    let version = f.version().0;
    let result = svc::update(
        state.store(),
        &state.mail.keys,
        state.mail.outbound,
        &caller,
        &wid,
        version,
        &input,
    )
    .await;
    match result {
        Ok(_) => Ok(see_other(format!("/admin/webhooks/{id}?saved=1"))),
        Err(refused) => {
            let e = stored(&state, &id).await?;
            let mut view = endpoint_page(&state, &caller, e, None).await?;
            let (url, events, format) = typed(&f);
            let version = view.form.version;
            view.form = AdminForm::new(&view.layout, inputs(&url, &events, format, false));
            view.form.version = version;
            let status = show(&mut view.form, refused)?;
            Ok(render(status, &view))
        }
    }
}

/// `POST /admin/webhooks/{id}/test`: queues a test event.
pub async fn send_test(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    svc::send_test(state.store(), &caller, &WebhookId::from_string(&id)).await?;
    Ok(see_other(format!("/admin/webhooks/{id}?test=1#deliveries")))
}

/// `POST /admin/webhooks/{id}/delete`: removes the endpoint and its deliveries.
pub async fn delete(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    svc::delete(state.store(), &caller, &WebhookId::from_string(&id)).await?;
    Ok(see_other("/admin/webhooks?saved=1".into()))
}
