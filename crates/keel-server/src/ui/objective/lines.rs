//! The objective page's lines in words: each key result's block (figures, status, initiatives,
//! latest check-ins), the ownership history, recognition and the latest changes. Apart from
//! the page's handler so each piece stays readable.

use super::*;

/// What each key result's block on the objective page is drawn from.
pub(super) struct Blocks<'a> {
    pub(super) check_ins: &'a HashMap<KeyResultId, Vec<CheckIn>>,
    pub(super) initiatives: &'a HashMap<KeyResultId, Vec<Initiative>>,
    pub(super) kept: &'a Kept,
    pub(super) people: &'a HashMap<PersonId, PersonSummary>,
    pub(super) can: &'a objective_page::Abilities,
    pub(super) me: &'a PersonId,
    pub(super) latest_requests: &'a HashMap<String, &'a OwnershipRequest>,
    pub(super) scale: ConfidenceScale,
    pub(super) today: chrono::DateTime<chrono::Utc>,
}

impl Blocks<'_> {
    /// One key result's block: its figures, status, initiatives and latest check-ins, and what
    /// the reader may do there.
    pub(super) fn block(&self, k: &crate::read::views::KeyResultView) -> KeyResultBlock {
        let (kept, people, can, me, scale) =
            (self.kept, self.people, self.can, self.me, self.scale);
        let latest_requests = self.latest_requests;
        let check_ins = self.check_ins;
        let history = check_ins.get(&k.id).map(Vec::as_slice).unwrap_or(&[]);
        // Each reading on the scale in use, whatever scale it was given on.
        let on_scale =
            |c: &CheckIn| keel_domain::rhythm::rescale(c.confidence.value(), c.scale, scale);
        let readings: Vec<u8> = history.iter().map(on_scale).collect();
        let kid = k.id.to_string();
        let check_ins: Vec<CheckInLine> = history
            .iter()
            .rev()
            .take(5)
            .map(|c| {
                let cid = c.id.to_string();
                let typed = kept.recognise.as_ref().filter(|(id, _, _)| id == &cid);
                CheckInLine {
                    when: day(c.at),
                    value: num(c.value),
                    confidence: on_scale(c),
                    note: c.note.clone(),
                    author: c
                        .author_id
                        .as_ref()
                        .map(|a| name_of(people, a))
                        .unwrap_or_default(),
                    author_id: c
                        .author_id
                        .as_ref()
                        .map(|a| a.to_string())
                        .unwrap_or_default(),
                    recognisable: can.recognise && c.author_id.as_ref().is_some_and(|a| a != me),
                    recognise_message: typed.map(|t| t.1.clone()).unwrap_or_default(),
                    recognise_error: typed.map(|t| t.2.clone()),
                    id: cid,
                }
            })
            .collect();
        KeyResultBlock {
            check_ins_open: check_ins.iter().any(|c| c.recognise_error.is_some()),
            check_ins,
            title: k.title.clone(),
            description: k.description.clone(),
            owner: (&k.owner).into(),
            ownership: ownership_word(k.ownership_state),
            request: note_of(latest_requests.get(kid.as_str()).copied(), people),
            sponsor: k.sponsor.as_ref().map(Into::into),
            contributors: k.contributors.iter().map(Into::into).collect(),
            teams: k.teams.iter().map(|t| t.name.clone()).collect(),
            kind: word(k.kind),
            start: num(k.start),
            current: num(k.current),
            target: num(k.target),
            unit: k.unit.clone(),
            figures: crate::ui::format::figures(k.kind, k.start, k.current, k.target, &k.unit),
            weight: num(k.weight),
            percent: percent(k.progress),
            attainment: percent(k.attainment),
            confidence: k.confidence,
            sparkline: charts::sparkline(&readings, scale.min(), scale.max(), &k.title),
            milestones: k
                .milestones
                .iter()
                .map(|m| (m.title.clone(), m.done))
                .collect(),
            status: StatusBadge::new(k.status, k.status_reason.clone()),
            forecast: k.forecast_sentence(),
            due_on: crate::ui::format::date(k.check_in_due_on),
            due: k.check_in_due,
            can_edit: can.edit_key_result.contains(&k.id) && !can.locked,
            answer_pending: !can.reading_past
                && &k.owner_id == me
                && k.ownership_state == OwnershipState::Pending,
            handover: handover_for(kept, &kid),
            handover_action: format!("/key-results/{kid}/ownership"),
            id: kid,
        }
    }

    /// Every key result's initiatives in the key results' order, and the key results the reader
    /// may propose one for `(id, title)` (the page's one propose form offers those).
    pub(super) fn initiatives(
        &self,
        o: &crate::read::views::ObjectiveView,
    ) -> (Vec<InitiativeLine>, Vec<(String, String)>) {
        let lines = o
            .key_results
            .iter()
            .flat_map(|k| self.initiatives_of(k))
            .collect();
        let choices = o
            .key_results
            .iter()
            .filter(|k| self.can.manage_initiatives.contains(&k.id) && !self.can.locked)
            .map(|k| (k.id.to_string(), k.title.clone()))
            .collect();
        (lines, choices)
    }

    /// A key result's initiatives, each with what the reader may do with it.
    pub(super) fn initiatives_of(
        &self,
        k: &crate::read::views::KeyResultView,
    ) -> Vec<InitiativeLine> {
        let (kept, people, today) = (self.kept, self.people, self.today);
        let can_manage = self.can.manage_initiatives.contains(&k.id) && !self.can.locked;
        self.initiatives
            .get(&k.id)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .map(|i| {
                let iid = i.id.to_string();
                let (drop_reason, drop_error) = match &kept.drop {
                    Some((d, reason, e)) if d == &iid => (reason.clone(), Some(e.clone())),
                    _ => (String::new(), None),
                };
                let end = if matches!(i.state, InitiativeState::Done | InitiativeState::Dropped) {
                    i.updated_at
                } else {
                    today
                };
                let days = (end - i.created_at).num_days();
                InitiativeLine {
                    key_result: k.title.clone(),
                    can_manage,
                    title: i.title.clone(),
                    owner: name_of(people, &i.owner_id),
                    state: match i.state {
                        InitiativeState::Proposed => "proposed",
                        InitiativeState::Active => "active",
                        InitiativeState::Dropped => "dropped",
                        InitiativeState::Done => "done",
                    },
                    link: i.link.clone().unwrap_or_default(),
                    reason: i.reason.clone().unwrap_or_default(),
                    version: i.version,
                    age: match days {
                        0 => "under a day".into(),
                        1 => "1 day".into(),
                        n => format!("{n} days"),
                    },
                    open: matches!(i.state, InitiativeState::Proposed | InitiativeState::Active),
                    drop_reason,
                    drop_error,
                    id: iid,
                }
            })
            .collect()
    }
}

/// One recognition on the objective, in words.
pub(super) fn recognition_line(
    r: &keel_domain::cfr::Recognition,
    o: &crate::read::views::ObjectiveView,
    people: &HashMap<PersonId, PersonSummary>,
) -> RecognitionLine {
    let kr = o.key_results.iter().find(|k| k.id.as_str() == r.okr_id);
    let subject = match (kr, &r.check_in_id) {
        (Some(k), Some(_)) => format!("a check-in of “{}”", k.title),
        (Some(k), None) => format!("key result “{}”", k.title),
        (None, _) => "the objective".to_string(),
    };
    RecognitionLine {
        from: name_of(people, &r.from_id),
        to: name_of(people, &r.to_id),
        subject,
        message: r.message.clone(),
        when: day(r.created_at),
    }
}

/// The objective's one history, newest first: the ownership requests in words, and the audited
/// changes except the ownership requests' own events (the requests already tell them, better).
pub(super) fn history(
    requests: &[OwnershipRequest],
    changes: &[keel_domain::audit::AuditEvent],
    o: &crate::read::views::ObjectiveView,
    people: &HashMap<PersonId, PersonSummary>,
) -> Vec<HistoryLine> {
    let mut lines: Vec<HistoryLine> = requests
        .iter()
        .map(|r| history_line(r, o, people))
        .chain(
            changes
                .iter()
                .filter(|e| e.object_kind != "ownership_request")
                .map(|e| change_line(e, o, people)),
        )
        .collect();
    lines.sort_by_key(|l| std::cmp::Reverse(l.at));
    note_once(&mut lines);
    lines
}

/// A note repeated on the same day (one message sent with every proposal of a new objective
/// and its key results) is shown once, on the newest of those lines.
fn note_once(lines: &mut [HistoryLine]) {
    let mut seen = std::collections::HashSet::new();
    for l in lines.iter_mut().filter(|l| !l.note.is_empty()) {
        if !seen.insert((l.when.clone(), l.note.clone())) {
            l.note.clear();
        }
    }
}

/// One of the latest changes, in words.
pub(super) fn change_line(
    e: &keel_domain::audit::AuditEvent,
    o: &crate::read::views::ObjectiveView,
    people: &HashMap<PersonId, PersonSummary>,
) -> HistoryLine {
    let who = e
        .actor_id
        .as_ref()
        .map(|a| name_of(people, a))
        .unwrap_or_else(|| "Keel".into());
    let kr = e
        .key_result_id
        .as_deref()
        .and_then(|id| o.key_results.iter().find(|k| k.id.as_str() == id));
    let subject = match (e.object_kind.as_str(), kr) {
        ("objective", _) => "the objective".into(),
        (_, Some(k)) if e.object_kind != "initiative" => format!("key result “{}”", k.title),
        ("ownership_request" | "check_in", None) => "the objective".into(),
        _ => {
            let mut titles = HashMap::new();
            titles.insert(o.id.to_string(), o.title.clone());
            crate::read::audit_log::object_words(e, &titles)
        }
    };
    let name = |p: &PersonId| name_of(people, p);
    let (verb, join) = crate::read::audit_log::action_words(e, &name);
    let what = if join.is_empty() {
        format!("{who} {verb} {subject}")
    } else {
        format!("{who} {verb} {join} {subject}")
    };
    HistoryLine {
        at: e.at,
        when: crate::ui::format::day(e.at),
        what,
        note: match e.source {
            keel_domain::Source::Ui => String::new(),
            s => crate::read::audit_log::source_words(s).to_string(),
        },
    }
}

/// One line of the ownership history, in words.
pub(super) fn history_line(
    r: &OwnershipRequest,
    o: &crate::read::views::ObjectiveView,
    people: &HashMap<PersonId, PersonSummary>,
) -> HistoryLine {
    let subject = match &r.okr {
        OkrRef::Objective(_) => "the objective".to_string(),
        OkrRef::KeyResult(kid) => o
            .key_results
            .iter()
            .find(|k| &k.id == kid)
            .map(|k| format!("key result “{}”", k.title))
            .unwrap_or_else(|| "a key result".into()),
    };
    let who = name_of(people, &r.proposed_owner_id);
    let by = r
        .proposed_by
        .as_ref()
        .map(|p| name_of(people, p))
        .unwrap_or_else(|| "Keel".into());
    let what = match r.state {
        RequestState::Accepted if r.proposed_by.as_ref() == Some(&r.proposed_owner_id) => {
            format!("{who} took ownership of {subject}")
        }
        RequestState::Accepted => {
            format!("{by} proposed {who} as owner of {subject}; {who} accepted")
        }
        RequestState::Pending => {
            format!("{by} proposed {who} as owner of {subject}; waiting for an answer")
        }
        RequestState::Declined => {
            format!("{by} proposed {who} as owner of {subject}; {who} declined")
        }
        RequestState::Superseded => {
            format!("{by} proposed {who} as owner of {subject}; replaced by a later proposal")
        }
    };
    let mut note = r.note.clone();
    if let Some(reason) = &r.decline_reason {
        note = format!("Declined: {reason}");
    }
    let at = r.decided_at.unwrap_or(r.created_at);
    HistoryLine {
        at,
        when: day(at),
        what,
        note: if note.is_empty() {
            note
        } else {
            format!("“{note}”")
        },
    }
}
