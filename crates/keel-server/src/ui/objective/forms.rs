//! The objective page's forms: proposing, finishing and dropping initiatives, handing an
//! objective or key result over to a new owner, and overriding the derived status. Apart from
//! the page's handler so that each stays readable; a refused form comes back as the page with
//! its message next to the field and what was typed kept.

use super::*;

/// A form error answers 422, except to htmx, which swaps only successful responses in.
fn error_status(headers: &HeaderMap) -> StatusCode {
    if headers.contains_key("hx-request") {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// Back to the objective page's initiatives after a change.
fn to_initiatives(objective_id: &ObjectiveId) -> Response {
    Redirect::to(&format!(
        "/objectives/{objective_id}?done=initiative#initiatives"
    ))
    .into_response()
}

#[derive(Deserialize)]
pub struct ProposeInput {
    /// The key result it serves (the objective page's select; the path names it otherwise).
    #[serde(default)]
    key_result_id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    link: String,
}

/// `POST /objectives/{id}/initiatives`: the objective page's one propose form, naming the key
/// result in `key_result_id`. Permission first: 404 for an objective the caller may not see,
/// 403 when they may not propose on any of its key results, whatever was typed.
pub async fn propose_for_objective(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    headers: HeaderMap,
    Path(id): Path<String>,
    PostedForm(input): PostedForm<ProposeInput>,
) -> Result<Response, UiError> {
    let objective_id = ObjectiveId::from_string(id);
    let kr = input.key_result_id.trim().to_string();
    let mine = objective_page::objective_page(state.store(), &caller, &objective_id, None).await?;
    let ours = mine
        .objective
        .key_results
        .iter()
        .any(|k| k.id.as_str() == kr);
    if ours {
        return propose(&state, &caller, &headers, kr, input).await;
    }
    if mine.can.manage_initiatives.is_empty() || mine.can.locked {
        return Err(UiError(ApiError::forbidden(
            "you may not propose initiatives on this objective",
        )));
    }
    let form = ProposeForm {
        key_result_id: kr,
        key_result_error: Some("choose the key result it moves".into()),
        title: input.title,
        link: input.link,
        ..Default::default()
    };
    refuse_proposal(&state, &caller, &headers, &objective_id, form).await
}

/// `POST /key-results/{id}/initiatives`: propose an initiative on the key result in the path.
pub async fn propose_initiative(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    headers: HeaderMap,
    Path(id): Path<String>,
    PostedForm(input): PostedForm<ProposeInput>,
) -> Result<Response, UiError> {
    propose(&state, &caller, &headers, id, input).await
}

async fn propose(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    id: String,
    input: ProposeInput,
) -> Result<Response, UiError> {
    let kr_id = KeyResultId::from_string(id.clone());
    let (kr, _) = guards::get_key_result(
        state.store(),
        &crate::services::visibility::Viewer::of(&caller.person),
        &kr_id,
    )
    .await?;
    let new = NewInitiative {
        title: input.title.clone(),
        owner_id: None,
        state: InitiativeState::Proposed,
        link: Some(input.link.clone()).filter(|l| !l.trim().is_empty()),
        reason: None,
    };
    match okrs::create_initiative(state.store(), caller, &kr_id, new).await {
        Ok(_) => Ok(to_initiatives(&kr.objective_id)),
        Err(ApiError::Invalid(e)) => {
            let mut form = ProposeForm {
                key_result_id: id,
                title: input.title,
                link: input.link,
                ..Default::default()
            };
            match e.field.as_str() {
                "link" => form.link_error = Some(e.message),
                _ => form.title_error = Some(e.message),
            }
            refuse_proposal(state, caller, headers, &kr.objective_id, form).await
        }
        Err(e) => Err(UiError(e)),
    }
}

/// The page again with the refused propose form: the message next to its field, what was typed
/// kept.
async fn refuse_proposal(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    objective_id: &ObjectiveId,
    form: ProposeForm,
) -> Result<Response, UiError> {
    let kept = Kept {
        error: Some("The initiative was not proposed: see the form under Initiatives.".into()),
        propose: Some(form),
        ..Default::default()
    };
    let page = page(state, caller, objective_id, kept, None).await?;
    Ok(render(error_status(headers), &page))
}

/// What the done and drop buttons send. The version is read as text, so that a malformed one
/// is refused after the permission check, not before it by the extractor.
#[derive(Deserialize)]
pub struct ChangeInput {
    #[serde(default)]
    version: String,
    #[serde(default)]
    reason: String,
}

async fn change_initiative(
    state: &AppState,
    caller: &Caller,
    id: &str,
    input: &ChangeInput,
    to: InitiativeState,
) -> Result<(KeyResult, Result<(), ApiError>), UiError> {
    let initiative_id = InitiativeId::from_string(id.to_string());
    // Permission first: whoever may not change it is refused whatever they typed.
    let (_, kr, _) = okrs::authorize_initiative(state.store(), caller, &initiative_id).await?;
    let version = match input.version.trim() {
        "" => None,
        v => match v.parse::<i64>() {
            Ok(v) => Some(v),
            Err(_) => {
                let e = ApiError::invalid("version", "must be a whole number");
                return Ok((kr, Err(e)));
            }
        },
    };
    let patch = InitiativePatch {
        state: Some(to),
        reason: (to == InitiativeState::Dropped).then(|| Some(input.reason.clone())),
        ..Default::default()
    };
    let result = okrs::patch_initiative(
        state.store(),
        caller,
        &initiative_id,
        IfMatch(version),
        patch,
    )
    .await
    .map(|_| ());
    Ok((kr, result))
}

/// `POST /initiatives/{id}/done`: mark an initiative done.
pub async fn initiative_done(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    PostedForm(input): PostedForm<ChangeInput>,
) -> Result<Response, UiError> {
    let (kr, result) =
        change_initiative(&state, &caller, &id, &input, InitiativeState::Done).await?;
    result?;
    Ok(to_initiatives(&kr.objective_id))
}

/// `POST /initiatives/{id}/drop`: drop an initiative; the reason is required (the doctrine's "One owner": the
/// owner drops what is not moving the key result, and says why).
pub async fn drop_initiative(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    headers: HeaderMap,
    Path(id): Path<String>,
    PostedForm(input): PostedForm<ChangeInput>,
) -> Result<Response, UiError> {
    let (kr, result) =
        change_initiative(&state, &caller, &id, &input, InitiativeState::Dropped).await?;
    match result {
        Ok(()) => Ok(to_initiatives(&kr.objective_id)),
        Err(ApiError::Invalid(e)) => {
            let kept = Kept {
                drop: Some((id, input.reason, e.message)),
                error: Some("The initiative was not dropped: see the form below.".into()),
                ..Default::default()
            };
            let page = page(&state, &caller, &kr.objective_id, kept, None).await?;
            Ok(render(error_status(&headers), &page))
        }
        Err(e) => Err(UiError(e)),
    }
}

#[derive(Deserialize)]
pub struct HandoverInput {
    #[serde(default)]
    owner_id: String,
    /// The picker's find input: an email, an id or words of a name (forms sent without
    /// JavaScript name the new owner here).
    #[serde(default, rename = "owner_id.find")]
    find: String,
    #[serde(default)]
    note: String,
    #[serde(rename = "fit.legitimacy")]
    legitimacy: Option<String>,
    #[serde(rename = "fit.decision_authority")]
    decision_authority: Option<String>,
    #[serde(rename = "fit.proximity")]
    proximity: Option<String>,
    /// "sponsor" or "contributor": the current owner stays on in that role; empty: they leave.
    #[serde(default)]
    previous_owner_stays_as: String,
}

/// `POST /{objectives|key-results}/{id}/ownership`: hand over to (or propose) a new owner, who
/// accepts or declines on My week. The note and the owner-fit criteria ("One owner") are kept in the
/// ownership history.
pub async fn hand_over(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path((path, id)): Path<(String, String)>,
    PostedForm(input): PostedForm<HandoverInput>,
) -> Result<Response, UiError> {
    let okr = match path.as_str() {
        "objectives" => OkrRef::Objective(ObjectiveId::from_string(id.clone())),
        _ => OkrRef::KeyResult(KeyResultId::from_string(id.clone())),
    };
    // Permission first: whoever may not hand it over is refused whatever they typed.
    let objective_id = ownership::authorize_propose(state.store(), &caller, &okr)
        .await?
        .objective
        .id;
    let mut form = HandoverForm {
        owner_id: input.owner_id.clone(),
        note: input.note.clone(),
        legitimacy: input.legitimacy.is_some(),
        decision_authority: input.decision_authority.is_some(),
        proximity: input.proximity.is_some(),
        open: true,
        ..Default::default()
    };
    let chosen: Vec<PersonId> = Some(input.owner_id.trim())
        .filter(|o| !o.is_empty())
        .map(|o| PersonId::from_string(o.to_string()))
        .into_iter()
        .collect();
    let found = pickers::resolve_people(state.store(), "owner_id", &input.find, &chosen).await;
    let owner = match found {
        Ok(found) => Ok(found.into_iter().next().or(chosen.into_iter().next())),
        Err(e) => Err(e),
    };
    let result = match owner {
        Err(e) => Err(e),
        Ok(None) => Err(ApiError::invalid("owner_id", "choose the new owner")),
        Ok(Some(owner_id)) => match ownership::StaysAs::parse(&input.previous_owner_stays_as) {
            Err(e) => Err(e),
            Ok(previous_owner_stays_as) => {
                let fit = OwnerFit {
                    legitimacy: form.legitimacy,
                    decision_authority: form.decision_authority,
                    proximity: form.proximity,
                    note: String::new(),
                };
                ownership::propose(
                    state.store(),
                    &caller,
                    okr,
                    ProposeOwner {
                        owner_id,
                        note: input.note,
                        fit: (fit != OwnerFit::default()).then_some(fit),
                        previous_owner_stays_as,
                    },
                )
                .await
                .map(|_| ())
            }
        },
    };
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/objectives/{objective_id}?done=handover")).into_response())
        }
        Err(ApiError::Invalid(e)) => {
            match e.field.as_str() {
                "note" => form.note_error = Some(e.message),
                _ => form.owner_error = Some(e.message),
            }
            respond_handover(&state, &caller, &objective_id, id, form).await
        }
        Err(ApiError::Conflict { message, .. }) => {
            form.owner_error = Some(message);
            respond_handover(&state, &caller, &objective_id, id, form).await
        }
        Err(e) => Err(UiError(e)),
    }
}

async fn respond_handover(
    state: &AppState,
    caller: &Caller,
    objective_id: &ObjectiveId,
    okr_id: String,
    form: HandoverForm,
) -> Result<Response, UiError> {
    let kept = Kept {
        handover: Some((okr_id, form)),
        error: Some("The new owner was not proposed: see the hand-over form below.".into()),
        ..Default::default()
    };
    let page = page(state, caller, objective_id, kept, None).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

#[derive(Deserialize)]
pub struct StatusInput {
    #[serde(default)]
    status: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    until: String,
}

/// `POST /objectives/{id}/status`: the owner overrides the derived status, with a reason
/// (`services::rhythm::set_status_override`, as `PUT /api/v1/objectives/{id}/status`).
/// Permission first: 404 for an objective the caller may not see, 403 for one they may not
/// override, whatever was typed.
pub async fn override_status(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    PostedForm(input): PostedForm<StatusInput>,
) -> Result<Response, UiError> {
    let id = ObjectiveId::from_string(id);
    rhythm::authorize_status_override(state.store(), &caller, &id).await?;
    let mut form = StatusForm {
        status: input.status.clone(),
        reason: input.reason.clone(),
        until: input.until.clone(),
        open: true,
        ..Default::default()
    };
    let until = crate::ui::format::parse_optional_date("until", &input.until);
    let result = match (
        Status::parse(&input.status).filter(|s| OVERRIDABLE.contains(s)),
        until,
    ) {
        (_, Err(e)) => Err(e),
        (Some(status), Ok(until)) => rhythm::set_status_override(
            state.store(),
            &caller,
            &id,
            Some(rhythm::SetStatusOverride {
                status,
                reason: input.reason,
                until,
            }),
        )
        .await
        .map(|_| ()),
        (None, _) => Err(ApiError::invalid(
            "status",
            "choose on track, at risk or off track",
        )),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/objectives/{id}?done=status")).into_response()),
        Err(ApiError::Invalid(e)) => {
            match e.field.as_str() {
                "status" => form.status_error = Some(e.message),
                "until" => form.until_error = Some(e.message),
                _ => form.reason_error = Some(e.message),
            }
            let kept = Kept {
                status: Some(form),
                error: Some("The status was not changed: see the status form.".into()),
                ..Default::default()
            };
            let page = page(&state, &caller, &id, kept, None).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(UiError(e)),
    }
}

/// `POST /objectives/{id}/status/clear`: back to the status its key results give it.
pub async fn clear_status(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let id = ObjectiveId::from_string(id);
    rhythm::set_status_override(state.store(), &caller, &id, None).await?;
    Ok(Redirect::to(&format!("/objectives/{id}?done=status")).into_response())
}

/// The objective page again after a refused "Recognise" form on one of its check-ins: the
/// message next to the note (when the check-in is listed) and at the top, the note kept (422).
pub async fn recognition_refused(
    state: &AppState,
    caller: &Caller,
    objective_id: &ObjectiveId,
    check_in_id: String,
    message: String,
    error: String,
) -> Result<Response, UiError> {
    let kept = Kept {
        error: Some(format!("Your recognition was not sent: {error}")),
        recognise: Some((check_in_id, message, error)),
        ..Default::default()
    };
    let page = page(state, caller, objective_id, kept, None).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}
