//! Each table's columns and how a record becomes a row and back, in one place per table.

use crate::db::{args, Arg, Row};
use crate::sql::table::{Select, Table};
use crate::sql::*;
use serde_json::Value;

pub(crate) const PERSON_COLS: Select = Select(&PERSON);

/// The `people` table.
pub(crate) const PERSON: Table = Table {
    name: "people",
    columns: &[
        "id",
        "name",
        "email",
        "email_key",
        "search_key",
        "title",
        "manager_id",
        "active",
        "roles",
        "created_at",
        "updated_at",
        "version",
    ],
    not_selected: &["email_key", "search_key"],
    later: &["password_hash"],
};

pub(crate) const PERSON_INSERT: &[&str] = PERSON.columns;

pub(crate) fn person_search_key(p: &Person) -> String {
    format!("{}\n{}", p.name.to_lowercase(), p.email.key())
}

pub(crate) fn person_row(p: &Person) -> Vec<Arg> {
    args![
        p.id.as_str(),
        p.name.as_str(),
        p.email.as_str(),
        p.email.key(),
        person_search_key(p),
        p.title.as_str(),
        p.manager_id.as_ref().map(|m| m.as_str()),
        p.active,
        json(&p.roles),
        ts(&p.created_at),
        ts(&p.updated_at),
        p.version,
    ]
}

/// The person columns qualified by a table alias, for joins.
pub(crate) fn person_cols_of(alias: &str) -> String {
    PERSON
        .selected()
        .map(|c| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn person_from(r: &Row) -> StoreResult<Person> {
    Ok(Person {
        id: PersonId::from_string(r.text("id")?),
        name: r.text("name")?,
        email: serde_json::from_value(Value::String(r.text("email")?))
            .map_err(|e| corrupt("email", e))?,
        title: r.text("title")?,
        manager_id: r.opt_text("manager_id")?.map(PersonId::from_string),
        active: r.int("active")? != 0,
        roles: from_json("roles", &r.text("roles")?)?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
        version: r.int("version")?,
    })
}

pub(crate) const TEAM_COLS: Select = Select(&TEAM);

/// The `teams` table.
pub(crate) const TEAM: Table = Table {
    name: "teams",
    columns: &[
        "id",
        "name",
        "parent_id",
        "lead_id",
        "created_at",
        "updated_at",
        "version",
    ],
    not_selected: &[],
    later: &[],
};

pub(crate) const TEAM_INSERT: &[&str] = TEAM.columns;

pub(crate) fn team_row(t: &Team) -> Vec<Arg> {
    args![
        t.id.as_str(),
        t.name.as_str(),
        t.parent_id.as_ref().map(|x| x.as_str()),
        t.lead_id.as_ref().map(|x| x.as_str()),
        ts(&t.created_at),
        ts(&t.updated_at),
        t.version,
    ]
}

pub(crate) fn team_from(r: &Row) -> StoreResult<Team> {
    Ok(Team {
        id: TeamId::from_string(r.text("id")?),
        name: r.text("name")?,
        parent_id: r.opt_text("parent_id")?.map(TeamId::from_string),
        lead_id: r.opt_text("lead_id")?.map(PersonId::from_string),
        member_ids: vec![],
        created_at: to_ts("created_at", r.int("created_at")?)?,
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
        version: r.int("version")?,
    })
}

pub(crate) const CYCLE_COLS: Select = Select(&CYCLE);

/// The `cycles` table.
pub(crate) const CYCLE: Table = Table {
    name: "cycles",
    columns: &[
        "id",
        "name",
        "starts_on",
        "ends_on",
        "parent_id",
        "state",
        "created_at",
        "updated_at",
        "version",
    ],
    not_selected: &[],
    later: &[],
};

pub(crate) const CYCLE_INSERT: &[&str] = CYCLE.columns;

pub(crate) fn cycle_row(c: &Cycle) -> Vec<Arg> {
    args![
        c.id.as_str(),
        c.name.as_str(),
        c.starts_on.to_string(),
        c.ends_on.to_string(),
        c.parent_id.as_ref().map(|x| x.as_str()),
        c.state.stored(),
        ts(&c.created_at),
        ts(&c.updated_at),
        c.version,
    ]
}

pub(crate) fn cycle_from(r: &Row) -> StoreResult<Cycle> {
    Ok(Cycle {
        id: CycleId::from_string(r.text("id")?),
        name: r.text("name")?,
        starts_on: date_from("starts_on", &r.text("starts_on")?)?,
        ends_on: date_from("ends_on", &r.text("ends_on")?)?,
        parent_id: r.opt_text("parent_id")?.map(CycleId::from_string),
        state: Stored::from_stored("state", &r.text("state")?)?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
        version: r.int("version")?,
    })
}

pub(crate) const OBJECTIVE_COLS: Select = Select(&OBJECTIVE);

/// The `objectives` table.
pub(crate) const OBJECTIVE: Table = Table {
    name: "objectives",
    columns: &[
        "id",
        "title",
        "description",
        "cycle_id",
        "owner_id",
        "ownership_state",
        "sponsor_id",
        "kind",
        "state",
        "visibility",
        "created_at",
        "updated_at",
        "version",
    ],
    not_selected: &[],
    later: &["deleted_at"],
};

pub(crate) const OBJECTIVE_INSERT: &[&str] = OBJECTIVE.columns;

pub(crate) fn objective_row(o: &Objective) -> Vec<Arg> {
    args![
        o.id.as_str(),
        o.title.as_str(),
        o.description.as_str(),
        o.cycle_id.as_str(),
        o.owner_id.as_str(),
        o.ownership_state.stored(),
        o.sponsor_id.as_ref().map(|x| x.as_str()),
        o.kind.stored(),
        o.state.stored(),
        o.visibility.stored(),
        ts(&o.created_at),
        ts(&o.updated_at),
        o.version,
    ]
}

pub(crate) fn objective_from(r: &Row) -> StoreResult<Objective> {
    Ok(Objective {
        id: ObjectiveId::from_string(r.text("id")?),
        title: r.text("title")?,
        description: r.text("description")?,
        cycle_id: CycleId::from_string(r.text("cycle_id")?),
        owner_id: PersonId::from_string(r.text("owner_id")?),
        ownership_state: Stored::from_stored("ownership_state", &r.text("ownership_state")?)?,
        co_owner_ids: vec![],
        sponsor_id: r.opt_text("sponsor_id")?.map(PersonId::from_string),
        contributor_ids: vec![],
        team_ids: vec![],
        parents: vec![],
        kind: Stored::from_stored("kind", &r.text("kind")?)?,
        state: Stored::from_stored("state", &r.text("state")?)?,
        visibility: Stored::from_stored("visibility", &r.text("visibility")?)?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
        version: r.int("version")?,
    })
}

pub(crate) const KR_COLS: Select = Select(&KEY_RESULT);

/// The `key_results` table.
pub(crate) const KEY_RESULT: Table = Table {
    name: "key_results",
    columns: &[
        "id",
        "objective_id",
        "title",
        "description",
        "owner_id",
        "ownership_state",
        "sponsor_id",
        "metric_kind",
        "start_value",
        "target_value",
        "current_value",
        "unit",
        "weight",
        "milestones",
        "confidence",
        "last_check_in_at",
        "created_at",
        "updated_at",
        "version",
        "financial",
    ],
    not_selected: &[],
    later: &["deleted_at"],
};

pub(crate) const KR_INSERT: &[&str] = KEY_RESULT.columns;

pub(crate) fn kr_row(k: &KeyResult) -> Vec<Arg> {
    args![
        k.id.as_str(),
        k.objective_id.as_str(),
        k.title.as_str(),
        k.description.as_str(),
        k.owner_id.as_str(),
        k.ownership_state.stored(),
        k.sponsor_id.as_ref().map(|x| x.as_str()),
        k.metric_kind.stored(),
        k.start,
        k.target,
        k.current,
        k.unit.as_str(),
        k.weight,
        json(&k.milestones),
        k.confidence.map(i64::from),
        k.last_check_in_at.as_ref().map(ts),
        ts(&k.created_at),
        ts(&k.updated_at),
        k.version,
        k.financial,
    ]
}

pub(crate) fn kr_from(r: &Row) -> StoreResult<KeyResult> {
    Ok(KeyResult {
        id: KeyResultId::from_string(r.text("id")?),
        objective_id: ObjectiveId::from_string(r.text("objective_id")?),
        title: r.text("title")?,
        description: r.text("description")?,
        owner_id: PersonId::from_string(r.text("owner_id")?),
        ownership_state: Stored::from_stored("ownership_state", &r.text("ownership_state")?)?,
        co_owner_ids: vec![],
        sponsor_id: r.opt_text("sponsor_id")?.map(PersonId::from_string),
        contributor_ids: vec![],
        team_ids: vec![],
        metric_kind: Stored::from_stored("metric_kind", &r.text("metric_kind")?)?,
        start: r.real("start_value")?,
        target: r.real("target_value")?,
        current: r.real("current_value")?,
        unit: r.text("unit")?,
        weight: r.real("weight")?,
        milestones: from_json("milestones", &r.text("milestones")?)?,
        financial: r.int("financial")? != 0,
        confidence: r
            .opt_int("confidence")?
            .map(|c| u8::try_from(c).map_err(|e| corrupt("confidence", e)))
            .transpose()?,
        last_check_in_at: opt_ts("last_check_in_at", r.opt_int("last_check_in_at")?)?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
        version: r.int("version")?,
    })
}

pub(crate) const CHECK_IN_COLS: Select = Select(&CHECK_IN);

/// The `check_ins` table.
pub(crate) const CHECK_IN: Table = Table {
    name: "check_ins",
    columns: &[
        "id",
        "key_result_id",
        "value",
        "confidence",
        "note",
        "author_id",
        "at",
        "created_at",
    ],
    not_selected: &[],
    later: &[],
};

pub(crate) const CHECK_IN_INSERT: &[&str] = CHECK_IN.columns;

pub(crate) fn check_in_row(c: &CheckIn) -> Vec<Arg> {
    args![
        c.id.as_str(),
        c.key_result_id.as_str(),
        c.value,
        i64::from(c.confidence.value()),
        c.note.as_str(),
        c.author_id.as_ref().map(|x| x.as_str()),
        ts(&c.at),
        ts(&c.created_at),
    ]
}

pub(crate) fn check_in_from(r: &Row) -> StoreResult<CheckIn> {
    let confidence = u8::try_from(r.int("confidence")?).map_err(|e| corrupt("confidence", e))?;
    Ok(CheckIn {
        id: CheckInId::from_string(r.text("id")?),
        key_result_id: KeyResultId::from_string(r.text("key_result_id")?),
        value: r.real("value")?,
        confidence: serde_json::from_value(Value::from(confidence))
            .map_err(|e| corrupt("confidence", e))?,
        note: r.text("note")?,
        author_id: r.opt_text("author_id")?.map(PersonId::from_string),
        at: to_ts("at", r.int("at")?)?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
    })
}

pub(crate) const INITIATIVE_COLS: Select = Select(&INITIATIVE);

/// The `initiatives` table.
pub(crate) const INITIATIVE: Table = Table {
    name: "initiatives",
    columns: &[
        "id",
        "key_result_id",
        "title",
        "owner_id",
        "state",
        "link",
        "reason",
        "created_at",
        "updated_at",
        "version",
        "active_since",
        "value_at_activation",
    ],
    not_selected: &[],
    later: &[],
};

pub(crate) const INITIATIVE_INSERT: &[&str] = INITIATIVE.columns;

pub(crate) fn initiative_row(i: &Initiative) -> Vec<Arg> {
    args![
        i.id.as_str(),
        i.key_result_id.as_str(),
        i.title.as_str(),
        i.owner_id.as_str(),
        i.state.stored(),
        i.link.clone(),
        i.reason.clone(),
        ts(&i.created_at),
        ts(&i.updated_at),
        i.version,
        i.active_since.as_ref().map(ts),
        i.value_at_activation,
    ]
}

pub(crate) fn initiative_from(r: &Row) -> StoreResult<Initiative> {
    Ok(Initiative {
        id: InitiativeId::from_string(r.text("id")?),
        key_result_id: KeyResultId::from_string(r.text("key_result_id")?),
        title: r.text("title")?,
        owner_id: PersonId::from_string(r.text("owner_id")?),
        state: Stored::from_stored("state", &r.text("state")?)?,
        link: r.opt_text("link")?,
        reason: r.opt_text("reason")?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
        version: r.int("version")?,
        active_since: opt_ts("active_since", r.opt_int("active_since")?)?,
        value_at_activation: r.opt_real("value_at_activation")?,
    })
}

pub(crate) fn score_from(r: &Row) -> StoreResult<rhythm::KeyResultScore> {
    Ok(rhythm::KeyResultScore {
        key_result_id: KeyResultId::from_string(r.text("key_result_id")?),
        score: r.real("score")?,
        reason: r.text("reason")?,
        suggested_score: r.real("suggested_score")?,
        scored_by: r.opt_text("scored_by")?.map(PersonId::from_string),
        scored_at: to_ts("scored_at", r.int("scored_at")?)?,
    })
}

pub(crate) fn retrospective_from(r: &Row) -> StoreResult<rhythm::Retrospective> {
    Ok(rhythm::Retrospective {
        objective_id: ObjectiveId::from_string(r.text("objective_id")?),
        worked: r.text("worked")?,
        did_not: r.text("did_not")?,
        carry_over: r.int("carry_over")? != 0,
        carried_over_to: r.opt_text("carried_over_to")?.map(ObjectiveId::from_string),
        updated_by: r.opt_text("updated_by")?.map(PersonId::from_string),
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
    })
}

pub(crate) const REVIEW_COLS: Select = Select(&REVIEW);

pub(crate) fn review_from(r: &Row) -> StoreResult<review::Review> {
    Ok(review::Review {
        id: ReviewId::from_string(r.text("id")?),
        team_id: TeamId::from_string(r.text("team_id")?),
        held_on: date_from("held_on", &r.text("held_on")?)?,
        run_by: r.opt_text("run_by")?.map(PersonId::from_string),
        items: from_json("items", &r.text("items")?)?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
        version: r.int("version")?,
    })
}

pub(crate) const CONVERSATION_COLS: Select = Select(&CONVERSATION);

pub(crate) fn conversation_from(r: &Row) -> StoreResult<cfr::Conversation> {
    Ok(cfr::Conversation {
        id: ConversationId::from_string(r.text("id")?),
        author_id: PersonId::from_string(r.text("author_id")?),
        with_id: PersonId::from_string(r.text("with_id")?),
        okr_ids: from_json("okr_ids", &r.text("okr_ids")?)?,
        held_on: date_from("held_on", &r.text("held_on")?)?,
        notes: r.text("notes")?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
        version: r.int("version")?,
    })
}

pub(crate) const RECOGNITION_COLS: Select = Select(&RECOGNITION);

pub(crate) fn recognition_from(r: &Row) -> StoreResult<cfr::Recognition> {
    Ok(cfr::Recognition {
        id: RecognitionId::from_string(r.text("id")?),
        from_id: PersonId::from_string(r.text("from_id")?),
        to_id: PersonId::from_string(r.text("to_id")?),
        okr_id: r.text("okr_id")?,
        check_in_id: r.opt_text("check_in_id")?.map(CheckInId::from_string),
        message: r.text("message")?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
    })
}

pub(crate) const AUDIT_COLS: Select = Select(&AUDIT_EVENT);

/// The `audit_events` table.
pub(crate) const AUDIT_EVENT: Table = Table {
    name: "audit_events",
    columns: &[
        "id",
        "at",
        "actor_id",
        "action",
        "object_kind",
        "object_id",
        "objective_id",
        "key_result_id",
        "before",
        "after",
        "source",
        "request_id",
    ],
    not_selected: &[],
    later: &[],
};

pub(crate) const AUDIT_INSERT: &[&str] = AUDIT_EVENT.columns;

pub(crate) fn audit_from(r: &Row) -> StoreResult<AuditEvent> {
    let parse = |col: &str| -> StoreResult<Option<Value>> {
        r.opt_text(col)?.map(|s| from_json(col, &s)).transpose()
    };
    let source = r.text("source")?;
    Ok(AuditEvent {
        id: AuditEventId::from_string(r.text("id")?),
        at: to_ts("at", r.int("at")?)?,
        actor_id: r.opt_text("actor_id")?.map(PersonId::from_string),
        action: r.text("action")?,
        object_kind: r.text("object_kind")?,
        object_id: r.text("object_id")?,
        objective_id: r.opt_text("objective_id")?,
        key_result_id: r.opt_text("key_result_id")?,
        before: parse("before")?,
        after: parse("after")?,
        source: Source::parse(&source).ok_or_else(|| corrupt("source", source.clone()))?,
        request_id: r.opt_text("request_id")?,
    })
}

pub(crate) const REQUEST_COLS: Select = Select(&OWNERSHIP_REQUEST);

/// The `ownership_requests` table.
pub(crate) const OWNERSHIP_REQUEST: Table = Table {
    name: "ownership_requests",
    columns: &[
        "id",
        "okr_kind",
        "objective_id",
        "key_result_id",
        "previous_owner_id",
        "proposed_owner_id",
        "proposed_by",
        "note",
        "fit",
        "state",
        "decline_reason",
        "created_at",
        "decided_at",
    ],
    not_selected: &[],
    later: &[],
};

pub(crate) const REQUEST_INSERT: &[&str] = OWNERSHIP_REQUEST.columns;

/// The row of a request; `objective_id` is the OKR's objective (the key result's, for a key
/// result request).
pub(crate) fn request_row(r: &OwnershipRequest, objective_id: Option<&str>) -> Vec<Arg> {
    let key_result_id = match &r.okr {
        OkrRef::Objective(_) => None,
        OkrRef::KeyResult(k) => Some(k.as_str()),
    };
    args![
        r.id.as_str(),
        r.okr.kind(),
        objective_id,
        key_result_id,
        r.previous_owner_id.as_ref().map(|x| x.as_str()),
        r.proposed_owner_id.as_str(),
        r.proposed_by.as_ref().map(|x| x.as_str()),
        r.note.as_str(),
        r.fit.as_ref().map(json),
        r.state.stored(),
        r.decline_reason.clone(),
        ts(&r.created_at),
        r.decided_at.as_ref().map(ts),
    ]
}

pub(crate) fn request_from(r: &Row) -> StoreResult<OwnershipRequest> {
    let kind = r.text("okr_kind")?;
    let okr = match kind.as_str() {
        "objective" => OkrRef::Objective(ObjectiveId::from_string(r.text("objective_id")?)),
        "key_result" => OkrRef::KeyResult(KeyResultId::from_string(
            r.opt_text("key_result_id")?
                .ok_or_else(|| corrupt("key_result_id", "missing for a key result request"))?,
        )),
        other => return Err(corrupt("okr_kind", other)),
    };
    let state = r.text("state")?;
    Ok(OwnershipRequest {
        id: OwnershipRequestId::from_string(r.text("id")?),
        okr,
        previous_owner_id: r.opt_text("previous_owner_id")?.map(PersonId::from_string),
        proposed_owner_id: PersonId::from_string(r.text("proposed_owner_id")?),
        proposed_by: r.opt_text("proposed_by")?.map(PersonId::from_string),
        note: r.text("note")?,
        fit: r
            .opt_text("fit")?
            .map(|f| from_json("fit", &f))
            .transpose()?,
        state: Stored::from_stored("state", &state)?,
        decline_reason: r.opt_text("decline_reason")?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        decided_at: opt_ts("decided_at", r.opt_int("decided_at")?)?,
    })
}

/// The `key_result_scores` table.
pub(crate) const KEY_RESULT_SCORE: Table = Table {
    name: "key_result_scores",
    columns: &[
        "key_result_id",
        "score",
        "reason",
        "suggested_score",
        "scored_by",
        "scored_at",
    ],
    not_selected: &[],
    later: &[],
};

pub(crate) const SCORE_INSERT: &[&str] = KEY_RESULT_SCORE.columns;

pub(crate) fn score_row(x: &rhythm::KeyResultScore) -> Vec<Arg> {
    args![
        x.key_result_id.as_str(),
        x.score,
        x.reason.as_str(),
        x.suggested_score,
        x.scored_by.as_ref().map(|p| p.as_str()),
        ts(&x.scored_at),
    ]
}

/// The `retrospectives` table.
pub(crate) const RETROSPECTIVE: Table = Table {
    name: "retrospectives",
    columns: &[
        "objective_id",
        "worked",
        "did_not",
        "carry_over",
        "carried_over_to",
        "updated_by",
        "updated_at",
    ],
    not_selected: &[],
    later: &[],
};

pub(crate) const RETROSPECTIVE_INSERT: &[&str] = RETROSPECTIVE.columns;

pub(crate) fn retrospective_row(r: &rhythm::Retrospective) -> Vec<Arg> {
    args![
        r.objective_id.as_str(),
        r.worked.as_str(),
        r.did_not.as_str(),
        r.carry_over,
        r.carried_over_to.as_ref().map(|x| x.as_str()),
        r.updated_by.as_ref().map(|x| x.as_str()),
        ts(&r.updated_at),
    ]
}

/// The `reviews` table.
pub(crate) const REVIEW: Table = Table {
    name: "reviews",
    columns: &[
        "id",
        "team_id",
        "held_on",
        "run_by",
        "items",
        "created_at",
        "updated_at",
        "version",
    ],
    not_selected: &[],
    later: &[],
};

pub(crate) const REVIEW_INSERT: &[&str] = REVIEW.columns;

pub(crate) fn review_row(r: &review::Review) -> Vec<Arg> {
    args![
        r.id.as_str(),
        r.team_id.as_str(),
        r.held_on.to_string(),
        r.run_by.as_ref().map(|x| x.as_str()),
        json(&r.items),
        ts(&r.created_at),
        ts(&r.updated_at),
        r.version,
    ]
}

/// The `conversations` table.
pub(crate) const CONVERSATION: Table = Table {
    name: "conversations",
    columns: &[
        "id",
        "author_id",
        "with_id",
        "okr_ids",
        "held_on",
        "notes",
        "created_at",
        "updated_at",
        "version",
    ],
    not_selected: &[],
    later: &[],
};

pub(crate) const CONVERSATION_INSERT: &[&str] = CONVERSATION.columns;

pub(crate) fn conversation_row(c: &cfr::Conversation) -> Vec<Arg> {
    args![
        c.id.as_str(),
        c.author_id.as_str(),
        c.with_id.as_str(),
        json(&c.okr_ids),
        c.held_on.to_string(),
        c.notes.as_str(),
        ts(&c.created_at),
        ts(&c.updated_at),
        c.version,
    ]
}

/// The `feedback_requests` table.
pub(crate) const FEEDBACK_REQUEST: Table = Table {
    name: "feedback_requests",
    columns: &["id", "okr_id", "requester_id", "question", "created_at"],
    not_selected: &[],
    later: &[],
};

pub(crate) const FEEDBACK_REQUEST_INSERT: &[&str] = FEEDBACK_REQUEST.columns;

pub(crate) fn feedback_request_row(r: &cfr::FeedbackRequest) -> Vec<Arg> {
    args![
        r.id.as_str(),
        r.okr_id.as_str(),
        r.requester_id.as_str(),
        r.question.as_str(),
        ts(&r.created_at),
    ]
}

/// The `feedback_answers` table.
pub(crate) const FEEDBACK_ANSWER: Table = Table {
    name: "feedback_answers",
    columns: &[
        "request_id",
        "person_id",
        "position",
        "answer",
        "answered_at",
    ],
    not_selected: &[],
    later: &[],
};

pub(crate) const FEEDBACK_ANSWER_INSERT: &[&str] = FEEDBACK_ANSWER.columns;

/// One row per addressee, in the order they were named.
pub(crate) fn feedback_answer_rows(
    r: &cfr::FeedbackRequest,
) -> impl Iterator<Item = Vec<Arg>> + '_ {
    r.answers.iter().enumerate().map(move |(i, a)| {
        args![
            r.id.as_str(),
            a.person_id.as_str(),
            i as i64,
            a.answer.clone(),
            a.answered_at.as_ref().map(ts),
        ]
    })
}

/// The `recognitions` table.
pub(crate) const RECOGNITION: Table = Table {
    name: "recognitions",
    columns: &[
        "id",
        "from_id",
        "to_id",
        "okr_id",
        "check_in_id",
        "message",
        "created_at",
    ],
    not_selected: &[],
    later: &[],
};

pub(crate) const RECOGNITION_INSERT: &[&str] = RECOGNITION.columns;

pub(crate) fn recognition_row(r: &cfr::Recognition) -> Vec<Arg> {
    args![
        r.id.as_str(),
        r.from_id.as_str(),
        r.to_id.as_str(),
        r.okr_id.as_str(),
        r.check_in_id.as_ref().map(|x| x.as_str()),
        r.message.as_str(),
        ts(&r.created_at),
    ]
}
