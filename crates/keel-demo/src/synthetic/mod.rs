//! Synthetic organisations of any size for benchmarks (`keel demo --people N`): a manager tree of
//! span 7, teams of about 7 under about people/70 departments, one active 13-week cycle around
//! `today`, about 1.2 objectives per person with 3–4 key results each and about 10 weekly
//! check-ins per key result, and a small closed quarter before it (scored, for calibration).
//! Deterministic for a given seed (apart from record ids).

mod closed;
mod okrs;
mod tables;

use crate::clock::{days, Clock};
use crate::ownership_requests::add_ownership_requests;
use chrono::NaiveDate;
use keel_domain::*;
use keel_store::Snapshot;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tables::{FIRST_NAMES, LAST_NAMES};

/// How many direct reports a manager has.
const SPAN: usize = 7;

/// Who is in which team: the teams (one per manager), their members, each person's team.
struct Layout {
    managers: Vec<usize>,
    team_count: usize,
    team_ids: Vec<TeamId>,
    team_members: Vec<Vec<usize>>,
    team_of: Vec<usize>,
}

/// A synthetic organisation of `people` people for benchmarks: manager tree of span 7, teams of
/// about 7 under about people/70 departments, one active 13-week cycle around `today`, about 1.2
/// objectives per person with 3–4 key results each and about 10 weekly check-ins per key result.
pub fn synthetic(people: usize, seed: u64, today: NaiveDate) -> Snapshot {
    let n = people;
    let mut rng = StdRng::seed_from_u64(seed);
    let clock = Clock::new(today);
    let epoch = clock.at(today - days(200), 8, 0);
    let mut snap = Snapshot {
        settings: Some(OrgSettings {
            name: "Synthetic Inc".into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    add_people(&mut snap, n, epoch, &mut rng);
    let layout = add_teams(&mut snap, n, epoch);
    let cycle = add_cycle(&mut snap, today, epoch);
    let mut g = okrs::Gen {
        snap: &mut snap,
        rng: &mut rng,
        clock,
        today,
        cycle: cycle.clone(),
        layout,
    };
    okrs::add(&mut g, n);
    let layout = g.layout;
    add_ownership_requests(&mut snap, false);
    closed::add_closed_quarter(&mut snap, &cycle, &layout, clock, seed);
    snap
}

/// People: person i reports to (i - 1) / SPAN.
fn add_people(snap: &mut Snapshot, n: usize, epoch: Timestamp, rng: &mut StdRng) {
    snap.people.reserve(n);
    for i in 0..n {
        let has_reports = SPAN * i + 1 < n;
        let title = match (i, has_reports) {
            (0, _) => "Chief Executive Officer",
            (1..=7, _) => "Vice President",
            (_, true) => "Manager",
            _ => "Individual Contributor",
        };
        snap.people.push(Person {
            id: PersonId::generate(),
            name: format!(
                "{} {}",
                FIRST_NAMES[rng.gen_range(0..FIRST_NAMES.len())],
                LAST_NAMES[rng.gen_range(0..LAST_NAMES.len())]
            ),
            email: Email::parse("email", &format!("person{}@synthetic.example", i + 1))
                .expect("valid email"),
            title: title.into(),
            manager_id: (i > 0).then(|| snap.people[(i - 1) / SPAN].id.clone()),
            active: i == 0 || !rng.gen_bool(0.01),
            roles: vec![if i == 0 { Role::Admin } else { Role::Member }],
            time_zone: None,
            created_at: epoch,
            updated_at: epoch,
            version: 1,
        });
    }
}

/// Teams: one per manager (the manager and their direct reports), grouped into departments of
/// about ten teams under one company.
fn add_teams(snap: &mut Snapshot, n: usize, epoch: Timestamp) -> Layout {
    let managers: Vec<usize> = (0..n).filter(|&m| SPAN * m + 1 < n).collect();
    let team_count = managers.len().max(1);
    let dept_count = n.div_ceil(70).clamp(1, team_count);
    let company = TeamId::generate();
    let company_team = Team {
        id: company.clone(),
        name: "Synthetic Inc".into(),
        parent_id: None,
        lead_id: (n > 0).then(|| snap.people[0].id.clone()),
        member_ids: Vec::new(),
        created_at: epoch,
        updated_at: epoch,
        version: 1,
    };
    snap.teams.push(company_team);
    let dept_of_team = |t: usize| t * dept_count / team_count;
    let mut dept_ids = Vec::with_capacity(dept_count);
    for d in 0..dept_count {
        // The first team t with dept_of_team(t) == d.
        let first_team = (d * team_count).div_ceil(dept_count);
        let lead = managers.get(first_team).copied().unwrap_or(0);
        let id = TeamId::generate();
        snap.teams.push(Team {
            id: id.clone(),
            name: format!("Department {}", d + 1),
            parent_id: Some(company.clone()),
            lead_id: (n > 0).then(|| snap.people[lead].id.clone()),
            member_ids: if n > 0 {
                vec![snap.people[lead].id.clone()]
            } else {
                Vec::new()
            },
            created_at: epoch,
            updated_at: epoch,
            version: 1,
        });
        dept_ids.push(id);
    }
    // team_of[p]: index in `team_ids` of the team p belongs to (as a report, or as the lead for
    // the CEO); team_members[t]: person indices.
    let mut team_ids: Vec<TeamId> = Vec::with_capacity(team_count);
    let mut team_members: Vec<Vec<usize>> = Vec::with_capacity(team_count);
    let mut team_of = vec![0usize; n];
    for (t, &m) in managers.iter().enumerate() {
        let members: Vec<usize> = std::iter::once(m)
            .chain(SPAN * m + 1..(SPAN * m + 1 + SPAN).min(n))
            .collect();
        for &p in &members[1..] {
            team_of[p] = t;
        }
        let mut member_ids: Vec<PersonId> =
            members.iter().map(|&p| snap.people[p].id.clone()).collect();
        member_ids.sort();
        let id = TeamId::generate();
        snap.teams.push(Team {
            id: id.clone(),
            name: format!("Team {}", t + 1),
            parent_id: Some(dept_ids[dept_of_team(t)].clone()),
            lead_id: Some(snap.people[m].id.clone()),
            member_ids,
            created_at: epoch,
            updated_at: epoch,
            version: 1,
        });
        team_ids.push(id);
        team_members.push(members);
    }
    if managers.is_empty() {
        // A single person: they belong to the company team only.
        if let Some(p) = snap.people.first() {
            snap.teams[0].member_ids.push(p.id.clone());
        }
    }
    snap.teams[0].member_ids.sort();
    Layout {
        managers,
        team_count,
        team_ids,
        team_members,
        team_of,
    }
}

/// One active 13-week cycle, 11 weeks in.
fn add_cycle(snap: &mut Snapshot, today: NaiveDate, epoch: Timestamp) -> Cycle {
    let starts_on = today - days(77);
    let ends_on = starts_on + days(90);
    let cycle = Cycle {
        id: CycleId::generate(),
        name: format!("Synthetic quarter from {starts_on}"),
        starts_on,
        ends_on,
        parent_id: None,
        state: CycleState::Active,
        created_at: epoch,
        updated_at: epoch,
        version: 1,
    };
    snap.cycles.push(cycle.clone());
    cycle
}
