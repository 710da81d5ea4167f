//! Northwind Labs, the hand-written demo organisation: about 60 people in seven departments, a
//! year and two quarters of OKRs around a given day, whose OKRs tell the stories of the ownership
//! doctrine (docs/method.md) and whose rhythm (check-ins, scores, retrospectives, a review, CFRs)
//! gives every page something true to show.

mod builder;
mod directory;
mod okrs;
mod rhythm;

use crate::clock::{days, quarter_end, quarter_name, quarter_start, year_bounds, Clock};
use crate::ownership_requests::add_ownership_requests;
use builder::Org;
use chrono::{Datelike, Duration, NaiveDate};
use directory::{email_local, PEOPLE, TEAMS};
use keel_domain::*;
use keel_store::Snapshot;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::collections::HashMap;

/// The organisation's name (and its company team's).
pub(crate) const ORG_NAME: &str = "Northwind Labs";
/// Every person's email is `first.last@` this domain.
const ORG_DOMAIN: &str = "northwind.example";

/// Northwind Labs: about 60 people in seven departments, a year and two quarters of OKRs around
/// `today`, telling the stories of the ownership doctrine.
pub fn organisation(today: NaiveDate) -> Snapshot {
    let clock = Clock::new(today);
    let cur_start = quarter_start(today);
    let prev_start = quarter_start(cur_start - days(1));
    let epoch = clock.at(prev_start - days(60), 8, 0);

    let mut org = Org {
        snap: Snapshot {
            settings: Some(OrgSettings {
                name: ORG_NAME.into(),
                time_zone: "Europe/London".into(),
                ..Default::default()
            }),
            ..Default::default()
        },
        rng: StdRng::seed_from_u64(0x6b65_656c),
        clock,
        today,
        people: HashMap::new(),
        teams: HashMap::new(),
        year: 0,
        previous: 0,
        current: 0,
    };
    people(&mut org, epoch);
    teams(&mut org, epoch);
    cycles(&mut org, epoch, prev_start, cur_start);
    let story = okrs::okrs(&mut org);
    rhythm::rhythm_records(&mut org, story);
    let mut snap = org.snap;
    add_ownership_requests(&mut snap, true);
    snap
}

/// People, managers first; those who left are inactive since a month.
fn people(org: &mut Org, epoch: Timestamp) {
    let (clock, today) = (org.clock, org.today);
    for (i, (key, name, title, manager, roles, active)) in PEOPLE.iter().enumerate() {
        let id = PersonId::generate();
        let created_at = epoch + Duration::minutes(i as i64);
        let mut roles = roles.to_vec();
        roles.sort();
        org.snap.people.push(Person {
            id: id.clone(),
            name: (*name).into(),
            email: Email::parse("email", &format!("{}@{ORG_DOMAIN}", email_local(name)))
                .expect("demo emails are valid"),
            title: (*title).into(),
            manager_id: manager.map(|m| org.p(m)),
            active: *active,
            roles,
            time_zone: None,
            created_at,
            updated_at: if *active {
                created_at
            } else {
                clock.at(today - days(30), 17, 0)
            },
            version: if *active { 1 } else { 2 },
        });
        org.people.insert(key, id);
    }
}

/// Teams, parents first.
fn teams(org: &mut Org, epoch: Timestamp) {
    for (key, name, parent, lead, members) in TEAMS {
        let id = TeamId::generate();
        let team = Team {
            id: id.clone(),
            name: (*name).into(),
            parent_id: parent.map(|p| org.teams[p].clone()),
            lead_id: Some(org.p(lead)),
            member_ids: org.ps(members),
            created_at: epoch + days(1),
            updated_at: epoch + days(1),
            version: 1,
        };
        org.snap.teams.push(team);
        org.teams.insert(key, id);
    }
}

/// Cycles: the year of the current quarter (active), the previous quarter (closed, in the same
/// year unless the current quarter is Q1) and the current quarter (active).
fn cycles(org: &mut Org, epoch: Timestamp, prev_start: NaiveDate, cur_start: NaiveDate) {
    let mut cycle = |name: String, (s, e): (NaiveDate, NaiveDate), parent: Option<usize>, state| {
        let c = Cycle {
            id: CycleId::generate(),
            name,
            starts_on: s,
            ends_on: e,
            parent_id: parent.map(|p: usize| org.snap.cycles[p].id.clone()),
            state,
            created_at: epoch + days(2),
            updated_at: epoch + days(2),
            version: 1,
        };
        org.snap.cycles.push(c);
        org.snap.cycles.len() - 1
    };
    let year = cycle(
        cur_start.year().to_string(),
        year_bounds(cur_start.year()),
        None,
        CycleState::Active,
    );
    let prev_parent = if prev_start.year() == cur_start.year() {
        year
    } else {
        cycle(
            prev_start.year().to_string(),
            year_bounds(prev_start.year()),
            None,
            CycleState::Closed,
        )
    };
    let previous = cycle(
        quarter_name(prev_start),
        (prev_start, quarter_end(prev_start)),
        Some(prev_parent),
        CycleState::Closed,
    );
    let current = cycle(
        quarter_name(cur_start),
        (cur_start, quarter_end(cur_start)),
        Some(year),
        CycleState::Active,
    );
    org.year = year;
    org.previous = previous;
    org.current = current;
}
