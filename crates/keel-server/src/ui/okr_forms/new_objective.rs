//! The "New objective" page (`/objectives/new`): the objective and its key-result rows on one
//! page, sent in one submit. Why apart: it is the one form that creates several records at once,
//! all checked together and written all or nothing (`services::okrs::
//! check_objective_with_key_results`), with its own defaults (the current quarter, you as
//! owner) and its "Add another key result" without JavaScript.

use super::*;

/// `GET /objectives/new`: the objective, then blank key-result rows, all owned by the reader.
pub async fn new_objective_form(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
) -> Result<Response, UiError> {
    // Read-only roles get the 403 page, not a form they could fill in and never save.
    access::create_okr(&caller.person)?;
    let cycles = pickers::form_options(state.store(), &Viewer::of(&caller.person), &[], &[], &[])
        .await?
        .cycles;
    let today = chrono::Utc::now().date_naive();
    let values: Values = HashMap::from([
        ("owner_id", caller.person.id.to_string()),
        (
            "cycle_id",
            default_cycle(&cycles, today)
                .map(|c| c.id.to_string())
                .unwrap_or_default(),
        ),
        ("kind", "committed".into()),
        ("visibility", "public".into()),
    ]);
    let form = Form::new(
        &Layout::signed_in(&caller, "").csrf_token,
        objective_fields(true, &values),
    );
    let rows = (0..key_result_rows::BLANK_ROWS)
        .map(|i| KrRow::blank(i, &caller.person.id))
        .collect();
    new_objective_response(&state, &caller, form, rows, StatusCode::OK).await
}

/// The cycle a new objective is for unless another is chosen: the shortest open cycle running
/// today (the quarter, not the year), else the active one, else the first.
fn default_cycle(cycles: &[Cycle], today: chrono::NaiveDate) -> Option<&Cycle> {
    cycles
        .iter()
        .filter(|c| c.starts_on <= today && today <= c.ends_on)
        .min_by_key(|c| (c.ends_on - c.starts_on).num_days())
        .or_else(|| cycles.iter().find(|c| c.state == CycleState::Active))
        .or(cycles.first())
}

/// The new-objective page with `form` and its key-result rows, the people chosen in them named.
async fn new_objective_response(
    state: &AppState,
    caller: &Caller,
    form: Form,
    mut rows: Vec<KrRow>,
    status: StatusCode,
) -> Result<Response, UiError> {
    let mut options = form_options(state, caller, &form).await?;
    let owners: Vec<PersonId> = rows
        .iter()
        .map(|r| r.value("owner_id"))
        .chain(std::iter::once(caller.person.id.as_str()))
        .filter(|o| !o.is_empty())
        .map(|o| PersonId::from_string(o.to_string()))
        .collect();
    let people = state
        .store()
        .people_by_ids(&owners)
        .await
        .map_err(ApiError::from)?;
    key_result_rows::name_owners(&mut rows, &people, &caller.person.id);
    let mut template = KrRow::template(&caller.person.id);
    key_result_rows::name_owners(
        std::slice::from_mut(&mut template),
        &people,
        &caller.person.id,
    );
    // You are always offered as the objective's owner (and sponsor), whoever is chosen.
    if !options.people.iter().any(|p| p.id == caller.person.id) {
        options
            .people
            .extend(people.iter().filter(|p| p.id == caller.person.id).cloned());
    }
    let mut page = page(
        caller,
        "New objective".into(),
        "An objective says what you want to achieve; its key results say how you will know. Everything is saved together when you create it.".into(),
        "/objectives/new".into(),
        "Create objective",
        "/my-week".into(),
        None,
        form,
        &options,
    );
    page.has_field_errors |= rows.iter().any(KrRow::has_errors);
    page.rows = rows;
    page.row_template = Some(template);
    page.script = Some(crate::ui::assets::OKR_FORM.url());
    Ok(render(status, &page))
}

/// `POST /objectives/new`: the objective and its key-result rows, checked all together and
/// created all or nothing; every refusal is shown next to its field at once. The "Add another
/// key result" button (without JavaScript) sends the form here too: it comes back with one more
/// blank row, nothing checked, nothing written.
pub async fn create_objective(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    PostedForm(pairs): PostedForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    // Permission first: read-only roles are refused whatever they typed.
    access::create_okr(&caller.person)?;
    let mut posted = Posted::from_pairs(pairs);
    let me = caller.person.id.clone();
    let (mut rows, filled, sent) = key_result_rows::posted_rows(&mut posted, &me);
    if posted.checked("add_row") {
        let values = values_from(&posted, &objective_fields(true, &Values::new()));
        let form = Form::new(
            &Layout::signed_in(&caller, "").csrf_token,
            objective_fields(true, &values),
        );
        // One row more than were sent, the filled ones first.
        while rows.len() < sent + 1 {
            rows.push(KrRow::blank(rows.len(), &me));
        }
        return new_objective_response(&state, &caller, form, rows, StatusCode::OK).await;
    }
    let mut errors = apply_finds(&state, &caller, &mut posted).await?;
    // Each row's owner named in its find input (a form sent without JavaScript).
    let mut found_owners = vec![];
    for (i, row) in rows.iter().enumerate().take(filled) {
        let name = format!("key_results[{i}].owner_id");
        let typed = posted.one(&format!("{name}.find"));
        let chosen: Vec<PersonId> = Some(row.value("owner_id"))
            .filter(|o| !o.is_empty())
            .map(|o| PersonId::from_string(o.to_string()))
            .into_iter()
            .collect();
        match pickers::resolve_people(state.store(), &name, &typed, &chosen).await {
            Ok(found) => found_owners.extend(found.into_iter().next().map(|p| (i, p))),
            Err(e @ ApiError::Invalid(_)) => errors.push(e),
            Err(e) => return Err(UiError(e)),
        }
    }
    for (i, p) in found_owners {
        key_result_rows::set_owner(&mut rows, i, p.to_string());
    }
    let blank = objective_fields(true, &Values::new());
    let values = values_from(&posted, &blank);
    let mut form = Form::new(
        &Layout::signed_in(&caller, "").csrf_token,
        objective_fields(true, &values),
    );
    let cycle = posted.one("cycle_id");
    if cycle.trim().is_empty() {
        errors.push(ApiError::invalid("cycle_id", "choose a cycle"));
    }
    let kind = choice(&posted, "kind", &mut errors);
    let visibility = choice(&posted, "visibility", &mut errors);
    let objective_state = match posted.one("state").as_str() {
        "" => Some(ObjectiveState::Draft),
        _ => choice(&posted, "state", &mut errors),
    };
    let key_results = key_result_rows::new_key_results(&rows, filled, &mut errors);
    let input = NewObjective {
        title: posted.one("title"),
        description: posted.one("description"),
        cycle_id: CycleId::from_string(cycle),
        owner_id: opt_id(posted.one("owner_id"), PersonId::from_string),
        owner_note: posted.one("owner_note"),
        owner_fit: fit_from(&posted),
        co_owner_ids: vec![],
        sponsor_id: opt_id(posted.one("sponsor_id"), PersonId::from_string),
        contributor_ids: ids(posted.many("contributor_ids"), PersonId::from_string),
        team_ids: ids(posted.many("team_ids"), TeamId::from_string),
        parent_ids: posted.many("parent_ids"),
        kind: kind.unwrap_or_default(),
        state: objective_state.unwrap_or_default(),
        visibility: visibility.unwrap_or_default(),
        progress_rollup: ProgressRollup::Inherit,
        key_results,
    };
    // Every refusal at once: what the form could not read, and what the services refuse
    // (they check the whole objective and every row, and write nothing unless all is right).
    let refusals = match okrs::check_objective_with_key_results(state.store(), &caller, input).await
    {
        Ok(checked) if errors.is_empty() => {
            match okrs::write_new_objective(state.store(), &caller, checked).await {
                Ok((o, _)) => {
                    let to = format!("/objectives/{}?done=saved", o.id);
                    return Ok(Redirect::to(&to).into_response());
                }
                Err(e) => vec![e],
            }
        }
        Ok(_) => errors,
        Err(refused) => errors.into_iter().chain(refused).collect(),
    };
    for e in refusals {
        if let Some(e) = key_result_rows::show(&mut rows, e) {
            show(&mut form, e)?;
        }
    }
    new_objective_response(
        &state,
        &caller,
        form,
        rows,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}
