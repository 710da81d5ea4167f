//! One person's weekly digest and check-in reminder, composed from the gathered facts and
//! rendered as the text and HTML parts of an email (askama templates `digest_email.*`,
//! `reminder_email.*`). Lines about OKRs the reader does not take part in are shown only when
//! the reader may see them, as the store's visibility rule decides for a chunk of readers at
//! once (`visible_to_each`) before their digests are composed.

use super::gather::{Facts, Line};
use crate::error::ApiResult;
use crate::services::visibility::visible_to_each;
use askama::Template;
use keel_domain::*;
use keel_store::Store;
use std::collections::HashSet;

/// A line as a person reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// "Ship the beta"
    pub title: String,
    /// "Delight customers"
    pub objective: String,
    /// "Off track"
    pub status: String,
    /// "newly off track", "was on track last week"; empty when unchanged.
    pub change: String,
    /// "check-in due since 3 Dec"; empty when not due.
    pub due: String,
    /// The key result's page, absolute.
    pub link: String,
}

/// One person's digest: every section may be empty; the digest is skipped when all are.
#[derive(Debug, Clone, Template)]
#[template(path = "digest_email.txt")]
pub struct Digest {
    pub organisation: String,
    pub name: String,
    /// The public URL, without a trailing slash.
    pub base: String,
    /// What you own, each with its status and change since last week.
    pub owned: Vec<Shown>,
    /// How many of `owned` turned off track this week.
    pub newly_off_track: usize,
    /// How many of `owned` are due for a check-in.
    pub due: usize,
    /// Ownership requests waiting for your answer.
    pub requests: usize,
    /// What changed on OKRs you sponsor, contribute to or own the objective of.
    pub changed: Vec<Shown>,
    /// Your teams' movers (team leads).
    pub movers: Vec<Shown>,
    /// News of the week you chose to read here only (`digest_only`).
    pub since: Vec<super::since::SinceLine>,
    /// The one-click unsubscribe link.
    pub unsubscribe: String,
}

/// The HTML part of a digest.
#[derive(Template)]
#[template(path = "digest_email.html")]
pub struct DigestHtml<'a> {
    pub d: &'a Digest,
}

impl Digest {
    /// Nothing to say: nothing owned, asked, changed or moved.
    pub fn is_empty(&self) -> bool {
        self.owned.is_empty()
            && self.requests == 0
            && self.changed.is_empty()
            && self.movers.is_empty()
            && self.since.is_empty()
    }

    /// The subject line.
    pub fn subject(&self) -> String {
        let mut parts = vec![];
        if self.newly_off_track > 0 {
            parts.push(format!("{} newly off track", self.newly_off_track));
        }
        if self.due > 0 {
            parts.push(format!("{} due for a check-in", self.due));
        }
        if self.requests > 0 {
            parts.push(format!("{} waiting for your answer", self.requests));
        }
        let mut s = format!("Your week in {}", self.organisation);
        if !parts.is_empty() {
            s = format!("{s}: {}", parts.join(", "));
        }
        s
    }

    /// The HTML part.
    pub fn html(&self) -> Result<String, askama::Error> {
        DigestHtml { d: self }.render()
    }
}

/// How a line reads, with links under `base`.
pub fn show(line: &Line, base: &str) -> Shown {
    let change = if line.newly_off_track() {
        "newly off track".to_string()
    } else if line.moved() {
        format!("was {} last week", line.last_week.label().to_lowercase())
    } else {
        String::new()
    };
    Shown {
        title: line.key_result_title.clone(),
        objective: line.objective.title.clone(),
        status: line.status.label().to_string(),
        change,
        due: if line.due {
            format!(
                "check-in due since {}",
                crate::ui::format::date(line.due_on)
            )
        } else {
            String::new()
        },
        link: format!("{base}/key-results/{}", line.key_result_id),
    }
}

/// The lines of `person` under `index`, in order.
fn lines_of<'f>(
    facts: &'f Facts,
    index: &std::collections::HashMap<PersonId, super::gather::LineIndexes>,
    person: &PersonId,
) -> Vec<&'f Line> {
    index
        .get(person)
        .map(|ix| ix.iter().map(|i| &facts.lines[*i as usize]).collect())
        .unwrap_or_default()
}

/// What changed on OKRs `person` takes part in, and their teams' movers: the lines about
/// others' OKRs, shown only when the reader may see them.
fn others<'f>(facts: &'f Facts, person: &PersonId) -> (Vec<&'f Line>, Vec<&'f Line>) {
    let moved =
        |ls: Vec<&'f Line>| -> Vec<&'f Line> { ls.into_iter().filter(|l| l.moved()).collect() };
    (
        moved(lines_of(facts, &facts.involved, person)),
        moved(lines_of(facts, &facts.led, person)),
    )
}

/// The objectives, not public, of the lines about others' OKRs `person`'s digest would show:
/// whether the reader may see each is decided by the store for many readers at once
/// ([`crate::services::visibility::visible_to_each`]).
pub fn to_check(facts: &Facts, person: &PersonId) -> Vec<ObjectiveId> {
    let (changed, movers) = others(facts, person);
    let mut ids: Vec<ObjectiveId> = changed
        .iter()
        .chain(movers.iter())
        .filter(|l| !l.objective.public)
        .map(|l| l.objective.id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Composes `person`'s digest from `facts`; `seen` holds the objectives of [`to_check`] the
/// reader may see, and `since` their news of the week kept for the digest.
pub fn digest(
    facts: &Facts,
    person: &Person,
    seen: Option<&HashSet<ObjectiveId>>,
    since: Vec<super::since::SinceLine>,
    organisation: &str,
    base: &str,
) -> Digest {
    let owned = lines_of(facts, &facts.owned, &person.id);
    let (changed, movers) = others(facts, &person.id);
    let may_see =
        |l: &&Line| l.objective.public || seen.is_some_and(|s| s.contains(&l.objective.id));
    let show_all = |ls: Vec<&Line>| -> Vec<Shown> {
        ls.into_iter()
            .filter(may_see)
            .map(|l| show(l, base))
            .collect()
    };
    Digest {
        organisation: organisation.to_string(),
        name: person.name.clone(),
        base: base.to_string(),
        newly_off_track: owned.iter().filter(|l| l.newly_off_track()).count(),
        due: owned.iter().filter(|l| l.due).count(),
        owned: owned.into_iter().map(|l| show(l, base)).collect(),
        requests: facts.requests.get(&person.id).copied().unwrap_or(0),
        changed: show_all(changed),
        movers: show_all(movers),
        since,
        unsubscribe: String::new(),
    }
}

/// Composes `person`'s digest alone (the preview page): the same composition, with their
/// visibility and news read for them only.
pub async fn digest_of(
    store: &dyn Store,
    facts: &Facts,
    person: &Person,
    organisation: &str,
    base: &str,
) -> ApiResult<Digest> {
    let mut seen = visible_to_each(store, vec![(person, to_check(facts, &person.id))]).await?;
    let since = super::since::since_last_week(store, person, crate::services::now(), base).await?;
    Ok(digest(
        facts,
        person,
        seen.remove(&person.id).as_ref(),
        since,
        organisation,
        base,
    ))
}

/// One person's check-in reminder: every key result of theirs that is due.
#[derive(Debug, Clone, Template)]
#[template(path = "reminder_email.txt")]
pub struct Reminder {
    pub organisation: String,
    pub name: String,
    pub base: String,
    pub due: Vec<Shown>,
    pub unsubscribe: String,
}

/// The HTML part of a reminder.
#[derive(Template)]
#[template(path = "reminder_email.html")]
pub struct ReminderHtml<'a> {
    pub r: &'a Reminder,
}

impl Reminder {
    /// The subject line.
    pub fn subject(&self) -> String {
        match self.due.len() {
            1 => "A check-in is due".to_string(),
            n => format!("{n} check-ins are due"),
        }
    }

    /// The HTML part.
    pub fn html(&self) -> Result<String, askama::Error> {
        ReminderHtml { r: self }.render()
    }
}

/// `person`'s reminder: their due key results (none: nothing to remind).
pub fn reminder(facts: &Facts, person: &Person, organisation: &str, base: &str) -> Reminder {
    let due = facts
        .owned
        .get(&person.id)
        .map(|ix| {
            ix.iter()
                .map(|i| &facts.lines[*i as usize])
                .filter(|l| l.due)
                .map(|l| show(l, base))
                .collect()
        })
        .unwrap_or_default();
    Reminder {
        organisation: organisation.to_string(),
        name: person.name.clone(),
        base: base.to_string(),
        due,
        unsubscribe: String::new(),
    }
}
