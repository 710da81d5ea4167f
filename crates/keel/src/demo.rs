//! Demo and benchmark data.
//!
//! Why this module exists: Keel is about clear, individual, *accepted* ownership of every
//! Objective and Key Result, and that is hard to judge on an empty database. `organisation`
//! builds "Northwind Labs", a realistic company a newcomer can click through, whose OKRs tell the
//! stories of the ownership seeds (an associate owning an Objective whose Key Results belong to
//! her supervisors; a CTO named owner of an activation KR he is too far from; a KR shared by four
//! teams instead of being entered four times; forced ownership that is still pending or was
//! declined; a content writer owning her own KR) and leaves real problems (stale check-ins,
//! KRs owned by people who left) for health checks to find. `synthetic` builds an organisation of
//! any size with the same proportions, for benchmarks.
//!
//! Both return a [`Snapshot`] that `Store::load_snapshot` loads in one transaction. Every record
//! already passes its domain `validated()` unchanged, and every reference resolves. Records are
//! ordered so that what a record refers to comes before it (managers before reports, parent teams
//! and cycles before children, parent objectives before the objectives aligned to them).
//! Output is deterministic for a given input apart from record ids, which are fresh UUIDv7s (and
//! apart from a shift of every timestamp when `today` is later than the real current date, so
//! that no check-in is ever in the future).

use chrono::{Datelike, Duration, NaiveDate, Utc};
use keel_domain::*;
use keel_store::Snapshot;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;

/// The person to sign in as after loading `organisation`: Northwind's CEO, an admin.
pub const DEMO_ADMIN_EMAIL: &str = "amara.okafor@northwind.example";
/// The password of every person of the demo organisation (demo data only; set by
/// `keel serve --demo` when it loads the organisation).
pub const DEMO_PASSWORD: &str = "northwind-demo";

const ORG_NAME: &str = "Northwind Labs";
const ORG_DOMAIN: &str = "northwind.example";

// ---------------------------------------------------------------------------------------------
// Time

/// Turns dates into timestamps at a fixed time of day, shifted back if needed so that nothing
/// generated for the days before `today` lies after the real current time (when `today` is a date
/// in the future).
#[derive(Clone, Copy)]
struct Clock {
    shift: Duration,
}

impl Clock {
    fn new(today: NaiveDate) -> Self {
        let latest = (today - Duration::days(1))
            .and_hms_opt(23, 59, 0)
            .expect("valid time")
            .and_utc();
        let now = Utc::now();
        let shift = if latest > now {
            latest - now + Duration::minutes(1)
        } else {
            Duration::zero()
        };
        Self { shift }
    }

    /// `date` at `hour`:`minute` UTC (minus the shift).
    fn at(&self, date: NaiveDate, hour: u32, minute: u32) -> Timestamp {
        date.and_hms_opt(hour, minute, 0)
            .expect("valid time")
            .and_utc()
            - self.shift
    }
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

fn quarter_start(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year(), d.month0() / 3 * 3 + 1, 1).expect("valid date")
}

fn quarter_end(start: NaiveDate) -> NaiveDate {
    let (y, m) = if start.month() >= 10 {
        (start.year() + 1, 1)
    } else {
        (start.year(), start.month() + 3)
    };
    NaiveDate::from_ymd_opt(y, m, 1).expect("valid date") - days(1)
}

fn quarter_name(start: NaiveDate) -> String {
    format!("Q{} {}", start.month0() / 3 + 1, start.year())
}

fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(year, 1, 1).expect("valid date"),
        NaiveDate::from_ymd_opt(year, 12, 31).expect("valid date"),
    )
}

// ---------------------------------------------------------------------------------------------
// Check-in history, shared by both generators

const NOTES_ON_TRACK: &[&str] = &[
    "On track.",
    "Good week: moving as planned.",
    "Steady progress, no blockers.",
    "Slightly ahead of plan this week.",
    "The change we were waiting for landed; the number moved.",
];
const NOTES_AT_RISK: &[&str] = &[
    "Slower than planned; reviewing initiatives on Friday.",
    "At risk: waiting on a dependency from another team.",
    "Progress stalled this week, we need a decision on scope.",
    "Mixed week: one initiative is clearly not moving the number.",
];
const NOTES_OFF_TRACK: &[&str] = &[
    "Off track. Raising it at the review.",
    "No movement again; we need a different approach.",
    "Blocked, escalating to the sponsor.",
    "This needs a new plan, not more effort.",
];

fn note_for(confidence: u8, rng: &mut StdRng) -> &'static str {
    let pool = match confidence {
        0..=3 => NOTES_OFF_TRACK,
        4..=6 => NOTES_AT_RISK,
        _ => NOTES_ON_TRACK,
    };
    pool[rng.gen_range(0..pool.len())]
}

fn round_to(v: f64, step: f64) -> f64 {
    let r = (v / step).round() * step;
    // Keep values like 0.1 * 3 printable as 0.3.
    (r * 1e6).round() / 1e6
}

/// How a key result's weekly history unfolds.
#[derive(Debug, Clone, Copy)]
struct Trend {
    /// 1.0 is on pace (progress equals the share of the cycle elapsed); 0.4 is badly behind;
    /// above 1 finishes early.
    health: f64,
    /// Weeks since the last check-in, beyond the usual "within the last 7 days".
    stale_weeks: i64,
}

/// One reading of a key result's metric at progress `p` (for stay kinds, `health` decides).
fn metric_value(kr: &KeyResult, step: f64, p: f64, health: f64, noise: f64) -> f64 {
    let (start, target) = (kr.start, kr.target);
    match kr.metric_kind {
        MetricKind::Increase | MetricKind::Decrease => round_to(start + (target - start) * p, step),
        MetricKind::StayAbove | MetricKind::StayBelow => {
            let spread = if start != target {
                (start - target).abs()
            } else {
                target.abs() * 0.05 + step
            };
            let margin = spread * (health.min(1.2) - 0.45 + noise * 0.4);
            if kr.metric_kind == MetricKind::StayAbove {
                round_to(target + margin, step)
            } else {
                round_to(target - margin, step)
            }
        }
        MetricKind::Boolean => f64::from(u8::from(p >= 1.0)),
        MetricKind::Milestone => {
            let n = kr.milestones.len() as f64;
            (p * n).floor().clamp(0.0, n)
        }
    }
}

/// Appends weekly check-ins on `kr` between `first_day` and `last_day` (both inclusive), and moves
/// the key result to the latest one. `elapsed` gives the share of the cycle elapsed on a day.
#[allow(clippy::too_many_arguments)]
fn weekly_history(
    kr: &mut KeyResult,
    check_ins: &mut Vec<CheckIn>,
    trend: Trend,
    step: f64,
    first_day: NaiveDate,
    last_day: NaiveDate,
    elapsed: impl Fn(NaiveDate) -> f64,
    last_note: Option<&str>,
    note_share: f64,
    clock: Clock,
    rng: &mut StdRng,
) {
    if last_day < first_day {
        return;
    }
    let weeks = (last_day - first_day).num_days() / 7;
    let first = last_day - days(7 * weeks);
    let n = weeks + 1;
    let final_conf = (trend.health.clamp(0.0, 1.1) * 9.0).round();
    let monotone = matches!(kr.metric_kind, MetricKind::Boolean | MetricKind::Milestone);
    let mut prev = f64::MIN;
    let author = Some(kr.owner_id.clone());
    for k in 0..n {
        let day = first + days(7 * k);
        let is_last = k == n - 1;
        let noise: f64 = rng.gen_range(-1.0..1.0);
        let p = trend.health * elapsed(day) + noise * 0.03;
        let mut value = metric_value(kr, step, p, trend.health, noise);
        if monotone {
            value = value.max(prev);
        }
        prev = value;
        let t = if n > 1 {
            k as f64 / (n - 1) as f64
        } else {
            1.0
        };
        // Certainty (10) is for what is already done.
        let done = value == kr.target
            && matches!(kr.metric_kind, MetricKind::Boolean | MetricKind::Milestone);
        let conf = if is_last {
            if done {
                final_conf
            } else {
                final_conf.min(9.0)
            }
        } else {
            (7.0 + (final_conf - 7.0) * t + f64::from(rng.gen_range(-1i8..=1))).round()
        }
        .clamp(0.0, 10.0) as u8;
        let note = match (is_last, last_note) {
            (true, Some(text)) => text.to_string(),
            _ if rng.gen_bool(note_share) => note_for(conf, rng).to_string(),
            _ => String::new(),
        };
        let at = clock.at(day, 9, 0) + Duration::minutes(rng.gen_range(0..8 * 60));
        check_ins.push(CheckIn {
            id: CheckInId::generate(),
            key_result_id: kr.id.clone(),
            value,
            confidence: Confidence::new(i64::from(conf), ConfidenceScale::ZeroToTen)
                .expect("confidence within 0..=10"),
            note,
            author_id: author.clone(),
            at,
            created_at: at,
        });
        if is_last {
            kr.apply_value(value)
                .expect("generated value fits the metric");
            kr.confidence = Some(conf);
            kr.last_check_in_at = Some(at);
            kr.updated_at = at;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Northwind Labs

/// (key, name, title, manager key, roles, active)
type PersonRow = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static [Role],
    bool,
);

const M: &[Role] = &[Role::Member];

/// Managers come before their reports.
#[rustfmt::skip]
const PEOPLE: &[PersonRow] = &[
    // Executive team
    ("ceo", "Amara Okafor", "Chief Executive Officer", None, &[Role::Admin], true),
    ("cto", "Daniel Reyes", "Chief Technology Officer", Some("ceo"), M, true),
    ("cpo", "Priya Natarajan", "Chief Product Officer", Some("ceo"), M, true),
    ("vpsales", "Marcus Bell", "VP Sales", Some("ceo"), M, true),
    ("vpgrowth", "Sofia Lindqvist", "VP Growth & Marketing", Some("ceo"), M, true),
    ("vpcs", "Tomas Alvarez", "VP Customer Success", Some("ceo"), M, true),
    ("cfo", "Helen Fischer", "Chief Financial Officer", Some("ceo"), &[Role::Finance], true),
    ("hrhead", "Grace Mensah", "Head of People", Some("ceo"), &[Role::Hr], true),
    // Engineering
    ("kenji", "Kenji Watanabe", "Director of Engineering", Some("cto"), M, true),
    ("ravi", "Ravi Kapoor", "Engineering Manager, Platform", Some("kenji"), M, true),
    ("elisa", "Elisa Moreau", "Associate Software Engineer", Some("ravi"), M, true),
    ("lucas", "Lucas Schmidt", "Senior Software Engineer", Some("ravi"), M, true),
    ("mei", "Mei Chen", "Site Reliability Engineer", Some("ravi"), M, true),
    ("jonah", "Jonah Price", "Software Engineer", Some("ravi"), M, false),
    ("fatima", "Fatima Zahra", "Engineering Manager, Product Engineering", Some("kenji"), M, true),
    ("oliver", "Oliver Grant", "Senior Software Engineer", Some("fatima"), M, true),
    ("nadia", "Nadia Petrova", "Software Engineer", Some("fatima"), M, true),
    ("chloe", "Chloe Dubois", "QA Engineer", Some("fatima"), M, true),
    ("arjun", "Arjun Mehta", "Data Lead", Some("kenji"), M, true),
    ("hannah", "Hannah Kim", "Data Analyst", Some("arjun"), &[Role::Analyst], true),
    ("leo", "Leo Novak", "Data Engineer", Some("arjun"), M, true),
    ("anika", "Anika Sharma", "Engineering Manager, Mobile", Some("kenji"), M, true),
    ("samuel", "Samuel Osei", "Mobile Engineer", Some("anika"), M, true),
    ("jade", "Jade Thompson", "Mobile Engineer", Some("anika"), M, true),
    // Product
    ("maya", "Maya Rosen", "Product Manager, Activation", Some("cpo"), M, true),
    ("isabel", "Isabel Cruz", "Senior Product Manager, Core", Some("cpo"), M, true),
    ("yuki", "Yuki Tanaka", "Design Lead", Some("cpo"), M, true),
    ("ethan", "Ethan Brooks", "Product Designer", Some("yuki"), M, true),
    ("zoe", "Zoe Martin", "Product Designer", Some("yuki"), M, true),
    ("liam", "Liam O'Connor", "UX Researcher", Some("yuki"), M, true),
    // Growth & Marketing
    ("carmen", "Carmen Silva", "Growth Lead", Some("vpgrowth"), M, true),
    ("ben", "Ben Carter", "Growth Marketer", Some("carmen"), M, true),
    ("aisha", "Aisha Bello", "Lifecycle Marketing Manager", Some("carmen"), M, true),
    ("rachel", "Rachel Adams", "Content Lead", Some("vpgrowth"), M, true),
    ("tess", "Tess Whitfield", "Content Writer", Some("rachel"), M, true),
    ("ines", "Ines Duarte", "Content Writer", Some("rachel"), M, true),
    ("victor", "Victor Haas", "Product Marketing Manager", Some("vpgrowth"), M, true),
    // Sales
    ("julia", "Julia Berg", "Sales Manager, EMEA", Some("vpsales"), M, true),
    ("kwame", "Kwame Asante", "Account Executive", Some("julia"), M, true),
    ("laura", "Laura Rossi", "Account Executive", Some("julia"), M, true),
    ("diego", "Diego Torres", "Sales Development Representative", Some("julia"), M, true),
    ("chris", "Chris Walker", "Sales Manager, North America", Some("vpsales"), M, true),
    ("emily", "Emily Stone", "Account Executive", Some("chris"), M, true),
    ("ryan", "Ryan Cole", "Account Executive", Some("chris"), M, true),
    ("sara", "Sara Lind", "Sales Development Representative", Some("chris"), M, false),
    ("nina", "Nina Horvat", "Sales Operations Analyst", Some("vpsales"), M, true),
    // Customer Success
    ("fiona", "Fiona Walsh", "Onboarding Manager", Some("vpcs"), M, true),
    ("omar", "Omar Haddad", "Onboarding Specialist", Some("fiona"), M, true),
    ("lily", "Lily Evans", "Implementation Consultant", Some("fiona"), M, true),
    ("george", "George Mills", "Support Lead", Some("vpcs"), M, true),
    ("anna", "Anna Kowalski", "Support Engineer", Some("george"), M, true),
    ("hugo", "Hugo Lambert", "Support Specialist", Some("george"), M, true),
    ("rosa", "Rosa Jimenez", "Customer Success Manager", Some("vpcs"), M, true),
    ("ivan", "Ivan Petrov", "Customer Success Manager", Some("rosa"), M, true),
    // People
    ("lena", "Lena Hoffmann", "OKR Coach", Some("hrhead"), &[Role::Champion], true),
    ("olivia", "Olivia Turner", "People Partner", Some("hrhead"), &[Role::Reviewer], true),
    ("kate", "Kate Murphy", "Talent Acquisition Lead", Some("hrhead"), M, true),
    ("sam", "Sam Patel", "Recruiter", Some("kate"), M, true),
    // Finance
    ("mark", "Mark Jensen", "Financial Controller", Some("cfo"), &[Role::Member, Role::Finance], true),
    // Reads public OKRs only (seed 004's stakeholders outside the OKR work).
    ("board", "Beatrice Ward", "Board Observer", Some("ceo"), &[Role::Viewer], true),
    ("dana", "Dana Levi", "FP&A Analyst", Some("cfo"), M, true),
];

/// (key, name, parent key, lead key, member keys). Parents come first. Leads are members too;
/// people who left are in no team.
type TeamRow = (
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static [&'static str],
);

#[rustfmt::skip]
const TEAMS: &[TeamRow] = &[
    ("company", ORG_NAME, None, "ceo", &["ceo", "cto", "cpo", "vpsales", "vpgrowth", "vpcs", "cfo", "hrhead"]),
    ("engineering", "Engineering", Some("company"), "cto", &["cto", "kenji"]),
    ("platform", "Platform", Some("engineering"), "ravi", &["ravi", "elisa", "lucas", "mei"]),
    ("product-eng", "Product Engineering", Some("engineering"), "fatima", &["fatima", "oliver", "nadia", "chloe"]),
    ("data", "Data", Some("engineering"), "arjun", &["arjun", "hannah", "leo"]),
    ("mobile", "Mobile", Some("engineering"), "anika", &["anika", "samuel", "jade"]),
    ("product", "Product", Some("company"), "cpo", &["cpo"]),
    ("activation", "Activation & Onboarding", Some("product"), "maya", &["maya", "ethan", "liam"]),
    ("core", "Core Product", Some("product"), "isabel", &["isabel", "zoe"]),
    ("design", "Design", Some("product"), "yuki", &["yuki", "ethan", "zoe", "liam"]),
    ("growth-dept", "Growth & Marketing", Some("company"), "vpgrowth", &["vpgrowth"]),
    ("growth", "Growth", Some("growth-dept"), "carmen", &["carmen", "ben", "aisha"]),
    ("content", "Content", Some("growth-dept"), "rachel", &["rachel", "tess", "ines"]),
    ("pmm", "Product Marketing", Some("growth-dept"), "victor", &["victor"]),
    ("sales", "Sales", Some("company"), "vpsales", &["vpsales", "nina"]),
    ("sales-emea", "Sales EMEA", Some("sales"), "julia", &["julia", "kwame", "laura", "diego"]),
    ("sales-na", "Sales North America", Some("sales"), "chris", &["chris", "emily", "ryan"]),
    ("cs", "Customer Success", Some("company"), "vpcs", &["vpcs"]),
    ("onboarding", "Onboarding", Some("cs"), "fiona", &["fiona", "omar", "lily"]),
    ("support", "Support", Some("cs"), "george", &["george", "anna", "hugo"]),
    ("accounts", "Account Management", Some("cs"), "rosa", &["rosa", "ivan"]),
    ("people", "People", Some("company"), "hrhead", &["hrhead", "lena", "olivia"]),
    ("talent", "Talent", Some("people"), "kate", &["kate", "sam"]),
    ("finance", "Finance", Some("company"), "cfo", &["cfo", "mark", "dana"]),
];

fn email_local(name: &str) -> String {
    name.split_whitespace()
        .map(|w| {
            w.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase()
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// Which cycle an objective lives in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum In {
    Year,
    Previous,
    Current,
}

/// An objective to create; `obj(...)` gives the defaults (accepted, active, public, committed).
struct Obj<'a> {
    cycle: In,
    owner: &'a str,
    teams: &'a [&'a str],
    title: &'a str,
    description: &'a str,
    sponsor: Option<&'a str>,
    contributors: &'a [&'a str],
    parents: Vec<ParentRef>,
    kind: ObjectiveKind,
    state: Option<ObjectiveState>,
    visibility: Visibility,
    ownership: OwnershipState,
}

fn obj<'a>(
    cycle: In,
    owner: &'a str,
    teams: &'a [&'a str],
    title: &'a str,
    description: &'a str,
) -> Obj<'a> {
    Obj {
        cycle,
        owner,
        teams,
        title,
        description,
        sponsor: None,
        contributors: &[],
        parents: Vec::new(),
        kind: ObjectiveKind::Committed,
        state: None,
        visibility: Visibility::Public,
        ownership: OwnershipState::Accepted,
    }
}

/// A key result to create; `num`, `flag` and `miles` give the defaults (accepted, on pace).
struct Kr<'a> {
    owner: &'a str,
    title: &'a str,
    description: &'a str,
    kind: MetricKind,
    start: f64,
    target: f64,
    unit: &'a str,
    /// Resolution of generated values.
    step: f64,
    milestones: &'a [&'a str],
    sponsor: Option<&'a str>,
    contributors: &'a [&'a str],
    teams: &'a [&'a str],
    ownership: OwnershipState,
    /// `None`: never checked in.
    trend: Option<Trend>,
    last_note: Option<&'a str>,
}

fn num<'a>(
    owner: &'a str,
    kind: MetricKind,
    start: f64,
    target: f64,
    unit: &'a str,
    title: &'a str,
) -> Kr<'a> {
    let spread = (target - start).abs();
    Kr {
        owner,
        title,
        description: "",
        kind,
        start,
        target,
        unit,
        step: if spread >= 20.0 { 1.0 } else { 0.1 },
        milestones: &[],
        sponsor: None,
        contributors: &[],
        teams: &[],
        ownership: OwnershipState::Accepted,
        trend: Some(Trend {
            health: 0.9,
            stale_weeks: 0,
        }),
        last_note: None,
    }
}

fn flag<'a>(owner: &'a str, title: &'a str) -> Kr<'a> {
    Kr {
        step: 1.0,
        ..num(owner, MetricKind::Boolean, 0.0, 1.0, "", title)
    }
}

fn miles<'a>(owner: &'a str, title: &'a str, milestones: &'a [&'a str]) -> Kr<'a> {
    Kr {
        milestones,
        step: 1.0,
        ..num(
            owner,
            MetricKind::Milestone,
            0.0,
            milestones.len() as f64,
            "",
            title,
        )
    }
}

fn pace(health: f64) -> Option<Trend> {
    Some(Trend {
        health,
        stale_weeks: 0,
    })
}

fn stale(health: f64, weeks: i64) -> Option<Trend> {
    Some(Trend {
        health,
        stale_weeks: weeks,
    })
}

struct Org {
    snap: Snapshot,
    rng: StdRng,
    clock: Clock,
    today: NaiveDate,
    people: HashMap<&'static str, PersonId>,
    teams: HashMap<&'static str, TeamId>,
    year: usize,
    previous: usize,
    current: usize,
}

impl Org {
    fn p(&self, key: &str) -> PersonId {
        self.people
            .get(key)
            .unwrap_or_else(|| panic!("unknown demo person {key}"))
            .clone()
    }

    fn ps(&self, keys: &[&str]) -> Vec<PersonId> {
        let mut v: Vec<PersonId> = keys.iter().map(|k| self.p(k)).collect();
        v.sort();
        v.dedup();
        v
    }

    fn ts(&self, keys: &[&str]) -> Vec<TeamId> {
        let mut v: Vec<TeamId> = keys
            .iter()
            .map(|k| {
                self.teams
                    .get(k)
                    .unwrap_or_else(|| panic!("unknown demo team {k}"))
                    .clone()
            })
            .collect();
        v.sort();
        v.dedup();
        v
    }

    fn cycle_index(&self, which: In) -> usize {
        match which {
            In::Year => self.year,
            In::Previous => self.previous,
            In::Current => self.current,
        }
    }

    fn objective(&mut self, o: Obj<'_>) -> ObjectiveId {
        let cycle = &self.snap.cycles[self.cycle_index(o.cycle)];
        let state = o.state.unwrap_or(if cycle.state == CycleState::Closed {
            ObjectiveState::Closed
        } else {
            ObjectiveState::Active
        });
        let created_at = if state == ObjectiveState::Draft {
            self.clock.at(self.today - days(3), 10, 30)
        } else {
            self.clock.at(cycle.starts_on - days(7), 10, 0)
        };
        let objective = Objective {
            id: ObjectiveId::generate(),
            title: o.title.into(),
            description: o.description.into(),
            cycle_id: cycle.id.clone(),
            owner_id: self.p(o.owner),
            ownership_state: o.ownership,
            co_owner_ids: vec![],
            sponsor_id: o.sponsor.map(|s| self.p(s)),
            contributor_ids: self.ps(o.contributors),
            team_ids: self.ts(o.teams),
            parents: o.parents,
            kind: o.kind,
            state,
            visibility: o.visibility,
            created_at,
            updated_at: created_at,
            version: 1,
        };
        let id = objective.id.clone();
        self.snap.objectives.push(objective);
        id
    }

    fn key_result(&mut self, objective: &ObjectiveId, k: Kr<'_>) -> KeyResultId {
        /// Money key results (revenue, ARR, churn, cost) are tagged financial, so the finance
        /// team (Helen, Mark) can edit them.
        fn is_financial(title: &str) -> bool {
            let t = title.to_lowercase();
            t.contains('£') || t.contains("revenue") || t.contains("arr ") || t.contains(" cost")
        }
        let o = self
            .snap
            .objectives
            .iter()
            .find(|o| &o.id == objective)
            .expect("objective created first");
        let (o_state, o_created) = (o.state, o.created_at);
        let cycle = self
            .snap
            .cycles
            .iter()
            .find(|c| c.id == o.cycle_id)
            .expect("cycle exists")
            .clone();
        let mut kr = KeyResult {
            id: KeyResultId::generate(),
            objective_id: objective.clone(),
            title: k.title.into(),
            description: k.description.into(),
            owner_id: self.p(k.owner),
            ownership_state: k.ownership,
            co_owner_ids: vec![],
            sponsor_id: k.sponsor.map(|s| self.p(s)),
            contributor_ids: self.ps(k.contributors),
            team_ids: self.ts(k.teams),
            metric_kind: k.kind,
            start: k.start,
            target: k.target,
            current: k.start,
            unit: k.unit.into(),
            weight: 1.0,
            milestones: k
                .milestones
                .iter()
                .map(|t| Milestone {
                    title: (*t).into(),
                    done: false,
                })
                .collect(),
            confidence: None,
            financial: is_financial(k.title),
            last_check_in_at: None,
            created_at: o_created,
            updated_at: o_created,
            version: 1,
        };
        if kr.metric_kind == MetricKind::Milestone {
            kr.current = 0.0;
        }
        if let (Some(trend), false) = (k.trend, o_state == ObjectiveState::Draft) {
            let last_day = if cycle.state == CycleState::Closed {
                cycle.ends_on - days(self.rng.gen_range(0..3))
            } else {
                self.today - days(self.rng.gen_range(1..=4))
            } - days(7 * trend.stale_weeks);
            // The first reading is the baseline, taken in the planning week.
            let first_day = cycle.starts_on - days(6);
            weekly_history(
                &mut kr,
                &mut self.snap.check_ins,
                trend,
                k.step,
                first_day,
                last_day,
                |d| cycle.elapsed_share(d),
                k.last_note,
                0.6,
                self.clock,
                &mut self.rng,
            );
        }
        let id = kr.id.clone();
        self.snap.key_results.push(kr);
        id
    }

    fn initiative(
        &mut self,
        kr: &KeyResultId,
        owner: &str,
        title: &str,
        state: InitiativeState,
        link: Option<&str>,
        reason: Option<&str>,
    ) {
        let k = self
            .snap
            .key_results
            .iter()
            .find(|k| &k.id == kr)
            .expect("key result created first");
        let created_at = k.created_at + days(3);
        let updated_at = match state {
            InitiativeState::Proposed => created_at,
            _ => self.clock.at(self.today - days(9), 15, 0).max(created_at),
        };
        self.snap.initiatives.push(Initiative {
            id: InitiativeId::generate(),
            key_result_id: kr.clone(),
            title: title.into(),
            owner_id: self.p(owner),
            state,
            link: link.map(Into::into),
            reason: reason.map(Into::into),
            created_at,
            updated_at,
            // Active since it was last touched, when its key result stood at its start.
            active_since: (state != InitiativeState::Proposed).then_some(updated_at),
            value_at_activation: (state != InitiativeState::Proposed).then_some(k.start),
            version: 1,
        });
    }
}

/// Northwind Labs: about 60 people in seven departments, a year and two quarters of OKRs around
/// `today`, telling the stories of the ownership seeds.
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

    // People, managers first.
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

    // Teams, parents first.
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

    // Cycles: the year of the current quarter (active), the previous quarter (closed, in the same
    // year unless the current quarter is Q1) and the current quarter (active).
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

    okrs(&mut org);
    let mut snap = org.snap;
    add_ownership_requests(&mut snap, true);
    snap
}

/// Every pending or declined owner gets the request behind it (who proposed, when, why), and,
/// in the hand-written demo, every accepted owner the request they accepted, so that the
/// ownership history and "accept" work on demo data as on real data.
fn add_ownership_requests(snap: &mut Snapshot, accepted_too: bool) {
    let managers: std::collections::HashMap<PersonId, Option<PersonId>> = snap
        .people
        .iter()
        .map(|p| (p.id.clone(), p.manager_id.clone()))
        .collect();
    let objective_owner: std::collections::HashMap<ObjectiveId, PersonId> = snap
        .objectives
        .iter()
        .map(|o| (o.id.clone(), o.owner_id.clone()))
        .collect();
    // Whoever proposes when the natural proposer is the owner themself (the CEO has no manager).
    let fallback: Vec<PersonId> = snap.people.iter().take(2).map(|p| p.id.clone()).collect();
    let mut requests = vec![];
    let mut push = |okr: OkrRef,
                    owner: &PersonId,
                    state: OwnershipState,
                    proposer: Option<PersonId>,
                    created: Timestamp,
                    n: usize| {
        let (state, reason) = match state {
            OwnershipState::Accepted if !accepted_too => return,
            OwnershipState::Accepted => (RequestState::Accepted, None),
            OwnershipState::Pending => (RequestState::Pending, None),
            OwnershipState::Declined => (
                RequestState::Declined,
                Some(
                    "I have no say over the decisions this needs; it belongs closer to the work"
                        .to_string(),
                ),
            ),
        };
        // Someone other than the owner proposes a pending or declined owner; an accepted one may
        // have named themself.
        let proposer = proposer.filter(|p| p != owner).or_else(|| {
            (state != RequestState::Accepted)
                .then(|| fallback.iter().find(|p| *p != owner).cloned())
                .flatten()
        });
        let self_named = proposer.is_none();
        let state = if self_named {
            RequestState::Accepted
        } else {
            state
        };
        let decided = match state {
            RequestState::Pending => None,
            _ => Some(created + Duration::hours(if self_named { 0 } else { 20 })),
        };
        requests.push(OwnershipRequest {
            id: OwnershipRequestId::generate(),
            okr,
            previous_owner_id: None,
            proposed_owner_id: owner.clone(),
            proposed_by: Some(proposer.unwrap_or_else(|| owner.clone())),
            note: if self_named {
                String::new()
            } else {
                "You are closest to this outcome; would you carry it this cycle?".into()
            },
            fit: (n.is_multiple_of(3) && !self_named).then(|| OwnerFit {
                legitimacy: true,
                decision_authority: n.is_multiple_of(2),
                proximity: true,
                note: "Runs this work week to week".into(),
            }),
            state,
            decline_reason: if state == RequestState::Declined {
                reason
            } else {
                None
            },
            created_at: created,
            decided_at: decided,
        });
    };
    for (n, o) in snap.objectives.iter().enumerate() {
        let proposer = managers.get(&o.owner_id).cloned().flatten();
        let created = o.created_at.min(o.updated_at);
        push(
            OkrRef::Objective(o.id.clone()),
            &o.owner_id,
            o.ownership_state,
            proposer,
            created,
            n,
        );
    }
    for (n, k) in snap.key_results.iter().enumerate() {
        let proposer = objective_owner.get(&k.objective_id).cloned();
        let created = k.created_at.min(k.updated_at);
        push(
            OkrRef::KeyResult(k.id.clone()),
            &k.owner_id,
            k.ownership_state,
            proposer,
            created,
            n,
        );
    }
    snap.ownership_requests = requests;
}

/// The OKRs of Northwind Labs.
fn okrs(org: &mut Org) {
    use In::*;
    use MetricKind::*;

    // ---- Previous quarter (closed) ----
    let p1 = org.objective(Obj {
        kind: ObjectiveKind::Aspirational,
        ..obj(
            Previous,
            "cpo",
            &["product", "mobile"],
            "Put Northwind in our customers' pockets",
            "Mobile beta: the first step to check-ins from anywhere.",
        )
    });
    org.key_result(
        &p1,
        Kr {
            trend: pace(0.8),
            ..miles(
                "isabel",
                "Ship the mobile beta",
                &["Design sign-off", "Build", "Private beta", "Public beta"],
            )
        },
    );
    org.key_result(
        &p1,
        Kr {
            trend: pace(0.7),
            ..num(
                "victor",
                Increase,
                0.0,
                500.0,
                "testers",
                "Recruit 500 beta testers",
            )
        },
    );
    let p2 = org.objective(obj(
        Previous,
        "vpsales",
        &["sales"],
        "Finish the year with a record quarter",
        "",
    ));
    org.key_result(
        &p2,
        Kr {
            trend: pace(0.55),
            ..num(
                "julia",
                Increase,
                0.0,
                750.0,
                "£k",
                "Add £750k new annual recurring revenue",
            )
        },
    );
    org.key_result(
        &p2,
        Kr {
            step: 0.5,
            trend: pace(0.9),
            ..num(
                "chris",
                StayBelow,
                12.0,
                15.0,
                "%",
                "Hold the average discount under 15%",
            )
        },
    );
    let p3 = org.objective(obj(
        Previous,
        "george",
        &["support"],
        "Get on top of the support queue",
        "",
    ));
    org.key_result(
        &p3,
        Kr {
            trend: pace(1.05),
            ..num(
                "anna",
                Decrease,
                420.0,
                150.0,
                "tickets",
                "Cut open tickets from 420 to 150",
            )
        },
    );
    org.key_result(
        &p3,
        Kr {
            trend: pace(2.0),
            ..flag("hugo", "Launch the self-service help centre")
        },
    );
    // Scored red and carried over into the current quarter as a draft (its retrospective says
    // why).
    let p4 = org.objective(obj(
        Previous,
        "vpgrowth",
        &["growth-dept", "sales-emea"],
        "Open the German-speaking market",
        "",
    ));
    org.key_result(
        &p4,
        Kr {
            step: 1.0,
            trend: pace(0.3),
            last_note: Some("Two customers signed; the localisation delay cost us the quarter."),
            ..num(
                "julia",
                Increase,
                0.0,
                12.0,
                "customers",
                "Sign 12 customers in Germany, Austria and Switzerland",
            )
        },
    );
    org.key_result(
        &p4,
        Kr {
            trend: pace(0.35),
            ..miles(
                "victor",
                "Launch Northwind in German",
                &[
                    "Glossary",
                    "Product translated",
                    "Help centre translated",
                    "Launch",
                ],
            )
        },
    );

    // ---- Year (active) ----
    let y1 = org.objective(Obj {
        kind: ObjectiveKind::Aspirational,
        sponsor: None,
        ..obj(
            Year,
            "ceo",
            &["company"],
            "Become the OKR platform mid-sized European companies choose first",
            "Our company objective for the year. Every department objective should trace back here.",
        )
    });
    let y1_arr = org.key_result(
        &y1,
        Kr {
            step: 0.01,
            sponsor: Some("ceo"),
            trend: pace(0.85),
            ..num(
                "vpsales",
                Increase,
                4.2,
                6.5,
                "£M",
                "Grow ARR from £4.2M to £6.5M",
            )
        },
    );
    let y1_churn = org.key_result(
        &y1,
        Kr {
            trend: pace(0.6),
            ..num(
                "vpcs",
                Decrease,
                3.1,
                2.0,
                "%/month",
                "Reduce gross revenue churn from 3.1% to 2.0% a month",
            )
        },
    );
    org.key_result(
        &y1,
        Kr {
            trend: pace(0.8),
            ..miles(
                "cto",
                "Ship Northwind Enterprise",
                &[
                    "Single sign-on",
                    "Audit log export",
                    "EU data residency",
                    "99.95% SLA",
                ],
            )
        },
    );
    org.key_result(
        &y1,
        Kr {
            trend: pace(1.0),
            ..miles(
                "hrhead",
                "Open the Berlin office",
                &["Lease signed", "First five hires", "Office opened"],
            )
        },
    );

    // ---- Current quarter: company objectives ----
    // Seed 001: an Objective with 4 Key Results has 5 owners; and the CTO is the wrong owner for
    // the activation KR.
    let c1 = org.objective(Obj {
        sponsor: Some("ceo"),
        parents: vec![ParentRef::Objective(y1.clone())],
        ..obj(
            Current,
            "cpo",
            &["product", "growth-dept", "cs"],
            "Make new customers successful in their first week",
            "An Objective with four Key Results and five owners: Priya owns the Objective, and each \
             Key Result has its own named owner. They work closely together, but each carries a \
             named scope.",
        )
    });
    let activation = org.key_result(
        &c1,
        Kr {
            description:
                "Named to the CTO because \"it's a product topic, so it's a tech topic\". \
                          The people who watch the activation funnel day to day are Maya (Product \
                          Manager) and Carmen (Growth Lead), who contribute but do not carry the \
                          conversation. The calls to make are onboarding UX and email sequences, \
                          not tech.",
            contributors: &["maya", "carmen"],
            teams: &["activation", "growth"],
            trend: pace(0.4),
            last_note: Some(
                "Still well short of plan. Honestly I'm not close enough to the onboarding funnel \
                 to see why people drop off; Maya and Carmen see it before I do.",
            ),
            ..num(
                "cto",
                Increase,
                32.0,
                55.0,
                "%",
                "Move Day-7 activation rate from 32% to 55%",
            )
        },
    );
    org.key_result(
        &c1,
        Kr {
            trend: pace(0.8),
            ..num(
                "maya",
                Decrease,
                3.0,
                1.0,
                "days",
                "Cut median time to a team's first check-in from 3 days to 1 day",
            )
        },
    );
    org.key_result(
        &c1,
        Kr {
            step: 0.01,
            trend: pace(0.9),
            ..num(
                "fiona",
                StayAbove,
                4.6,
                4.5,
                "/5",
                "Keep onboarding satisfaction above 4.5 out of 5",
            )
        },
    );
    org.key_result(
        &c1,
        Kr {
            trend: pace(1.6),
            ..flag("ethan", "Ship the in-app onboarding checklist")
        },
    );

    let c2 = org.objective(Obj {
        parents: vec![ParentRef::KeyResult(y1_arr.clone())],
        ..obj(
            Current,
            "ceo",
            &["company"],
            "Grow revenue efficiently",
            "Growth that pays for itself: new revenue without buying it with discounts or spend.",
        )
    });
    let new_arr = org.key_result(
        &c2,
        Kr {
            trend: pace(0.85),
            ..num(
                "vpsales",
                Increase,
                0.0,
                900.0,
                "£k",
                "Add £900k new annual recurring revenue",
            )
        },
    );
    org.key_result(
        &c2,
        Kr {
            trend: pace(0.8),
            ..num(
                "cfo",
                StayBelow,
                12.5,
                14.0,
                "months",
                "Keep CAC payback below 14 months",
            )
        },
    );
    org.key_result(
        &c2,
        Kr {
            trend: pace(2.0),
            ..flag("victor", "Launch annual pricing plans")
        },
    );

    // The CTO again: owner of a company objective on top of the activation KR (overload).
    let c3 = org.objective(Obj {
        parents: vec![ParentRef::Objective(y1.clone())],
        ..obj(
            Current,
            "cto",
            &["engineering"],
            "Run a platform customers never have to think about",
            "",
        )
    });
    org.key_result(
        &c3,
        Kr {
            step: 0.01,
            trend: pace(0.9),
            ..num(
                "mei",
                StayAbove,
                99.97,
                99.9,
                "%",
                "Keep monthly uptime above 99.9%",
            )
        },
    );
    let latency = org.key_result(
        &c3,
        Kr {
            trend: pace(0.7),
            ..num(
                "lucas",
                Decrease,
                900.0,
                400.0,
                "ms",
                "Reduce p95 API latency from 900 ms to 400 ms",
            )
        },
    );
    let soc2 = org.key_result(
        &c3,
        Kr {
            trend: pace(0.6),
            ..miles(
                "cto",
                "Pass the SOC 2 Type II audit",
                &[
                    "Auditor engaged",
                    "Control gaps closed",
                    "Evidence window complete",
                    "Fieldwork done",
                    "Report issued",
                ],
            )
        },
    );
    // Forced ownership on a key result: named by the CTO, not yet accepted.
    org.key_result(
        &c3,
        Kr {
            description: "Proposed by Daniel with Leo named as owner; Leo has not accepted yet.",
            ownership: OwnershipState::Pending,
            trend: None,
            ..num(
                "leo",
                Decrease,
                120.0,
                100.0,
                "£k/month",
                "Reduce cloud spend from £120k to £100k a month",
            )
        },
    );

    let c4 = org.objective(Obj {
        parents: vec![ParentRef::Objective(y1.clone())],
        ..obj(
            Current,
            "hrhead",
            &["people"],
            "Build a place where people do their best work",
            "",
        )
    });
    org.key_result(
        &c4,
        Kr {
            step: 1.0,
            trend: pace(0.8),
            ..num(
                "olivia",
                Increase,
                18.0,
                30.0,
                "eNPS",
                "Raise employee NPS from 18 to 30",
            )
        },
    );
    org.key_result(
        &c4,
        Kr {
            step: 1.0,
            trend: pace(0.9),
            ..num(
                "kate",
                Increase,
                0.0,
                8.0,
                "hires",
                "Hire 8 people into open roles",
            )
        },
    );

    // ---- Current quarter: department and team objectives ----
    // Seed 003: a department head with four teams; one KR shared by the four teams, not
    // entered four times.
    let eng = org.objective(Obj {
        sponsor: Some("cto"),
        parents: vec![ParentRef::Objective(c4.clone())],
        ..obj(
            Current,
            "kenji",
            &["engineering", "platform", "product-eng", "data", "mobile"],
            "Invest in developing all four engineering teams",
            "Kenji oversees Platform, Product Engineering, Data and Mobile.",
        )
    });
    org.key_result(
        &eng,
        Kr {
            description: "One key result shared by the four engineering teams instead of being \
                          entered four times. Fatima carries it; the other three team leads \
                          contribute.",
            contributors: &["ravi", "arjun", "anika"],
            teams: &["platform", "product-eng", "data", "mobile"],
            trend: pace(0.9),
            ..num(
                "fatima",
                Increase,
                20.0,
                100.0,
                "%",
                "Raise the share of engineers with an agreed growth plan from 20% to 100%",
            )
        },
    );
    org.key_result(
        &eng,
        Kr {
            step: 1.0,
            trend: pace(1.0),
            ..num(
                "oliver",
                Increase,
                0.0,
                12.0,
                "talks",
                "Run 12 internal tech talks",
            )
        },
    );

    // Seed 000: Elisa, an associate, owns the Objective; her manager and her manager's manager
    // own its Key Results.
    let elisa = org.objective(Obj {
        sponsor: Some("cto"),
        parents: vec![ParentRef::KeyResult(latency.clone())],
        ..obj(
            Current,
            "elisa",
            &["platform"],
            "Retire the legacy reporting pipeline",
            "Elisa proposed this objective and owns it: she drives coordination and communication. \
             Her manager Ravi and his manager Kenji each own a key result, and they remain her \
             source of direction and guidance. Ownership does not follow the reporting line.",
        )
    });
    let reports = org.key_result(
        &elisa,
        Kr {
            contributors: &["elisa"],
            trend: pace(0.9),
            ..num(
                "ravi",
                Increase,
                35.0,
                100.0,
                "%",
                "Move 100% of scheduled reports to the new pipeline",
            )
        },
    );
    org.key_result(
        &elisa,
        Kr {
            trend: pace(0.7),
            ..num(
                "kenji",
                Decrease,
                18.0,
                9.0,
                "£k/month",
                "Cut reporting infrastructure cost from £18k to £9k a month",
            )
        },
    );

    // Aligned to the activation KR itself (a key result as parent).
    let growth = org.objective(Obj {
        parents: vec![ParentRef::KeyResult(activation.clone())],
        ..obj(
            Current,
            "carmen",
            &["growth"],
            "Turn more sign-ups into active teams",
            "",
        )
    });
    org.key_result(
        &growth,
        Kr {
            trend: pace(0.9),
            ..num(
                "aisha",
                Increase,
                4.0,
                9.0,
                "%",
                "Raise welcome-email click-through from 4% to 9%",
            )
        },
    );
    org.key_result(
        &growth,
        Kr {
            step: 1.0,
            trend: stale(0.6, 3),
            ..num(
                "ben",
                Increase,
                0.0,
                6.0,
                "experiments",
                "Run 6 activation experiments",
            )
        },
    );

    // Seed 002: a KR owned by the individual contributor doing the work, not by her manager.
    let content = org.objective(Obj {
        kind: ObjectiveKind::Aspirational,
        parents: vec![ParentRef::Objective(c2.clone())],
        ..obj(
            Current,
            "rachel",
            &["content"],
            "Become the go-to voice on practical OKRs",
            "",
        )
    });
    let posts = org.key_result(
        &content,
        Kr {
            description: "Owned by Tess, the writer who produces them, not by the content lead or \
                          the content team: one contributor doing the work, one accountable owner.",
            step: 1.0,
            trend: pace(1.0),
            ..num(
                "tess",
                Increase,
                0.0,
                3.0,
                "posts",
                "Publish 3 new blog posts",
            )
        },
    );
    org.key_result(
        &content,
        Kr {
            trend: pace(0.6),
            ..num(
                "ines",
                Increase,
                1200.0,
                1800.0,
                "sign-ups/month",
                "Grow organic sign-ups from 1,200 to 1,800 a month",
            )
        },
    );

    let emea = org.objective(Obj {
        visibility: Visibility::Team,
        parents: vec![ParentRef::KeyResult(new_arr.clone())],
        ..obj(
            Current,
            "julia",
            &["sales-emea"],
            "Win the mid-market in EMEA",
            "",
        )
    });
    org.key_result(
        &emea,
        Kr {
            step: 1.0,
            trend: pace(0.8),
            ..num(
                "kwame",
                Increase,
                0.0,
                12.0,
                "deals",
                "Close 12 new mid-market deals",
            )
        },
    );
    org.key_result(
        &emea,
        Kr {
            step: 0.5,
            trend: pace(0.9),
            ..num(
                "laura",
                StayBelow,
                12.0,
                15.0,
                "%",
                "Keep the average discount below 15%",
            )
        },
    );

    // A KR owned by someone who has left (Sara), with no check-in since.
    let na = org.objective(Obj {
        visibility: Visibility::Team,
        parents: vec![ParentRef::Objective(c2.clone())],
        ..obj(
            Current,
            "chris",
            &["sales-na"],
            "Build a predictable North America pipeline",
            "",
        )
    });
    let demos = org.key_result(
        &na,
        Kr {
            trend: stale(0.5, 4),
            ..num(
                "sara",
                Increase,
                0.0,
                60.0,
                "demos",
                "Book 60 qualified demos",
            )
        },
    );
    org.key_result(
        &na,
        Kr {
            trend: pace(0.7),
            ..num(
                "emily",
                Increase,
                2.0,
                3.5,
                "x",
                "Grow pipeline coverage from 2x to 3.5x",
            )
        },
    );

    let cs = org.objective(Obj {
        parents: vec![ParentRef::KeyResult(y1_churn.clone())],
        ..obj(Current, "vpcs", &["cs"], "Keep every customer we win", "")
    });
    let churn = org.key_result(
        &cs,
        Kr {
            trend: pace(0.6),
            ..num(
                "rosa",
                Decrease,
                2.4,
                1.5,
                "%/month",
                "Reduce logo churn from 2.4% to 1.5% a month",
            )
        },
    );
    org.key_result(
        &cs,
        Kr {
            trend: pace(0.9),
            ..num(
                "george",
                StayBelow,
                1.6,
                2.0,
                "hours",
                "Keep first response time below 2 hours",
            )
        },
    );
    // Never checked in.
    org.key_result(
        &cs,
        Kr {
            trend: None,
            ..miles(
                "ivan",
                "Roll out customer health scores",
                &[
                    "Signals defined",
                    "Dashboard built",
                    "CSMs trained",
                    "Weekly review running",
                ],
            )
        },
    );

    // Another KR owned by someone who left (Jonah), stale since.
    let data = org.objective(Obj {
        parents: vec![ParentRef::Objective(c3.clone())],
        ..obj(
            Current,
            "arjun",
            &["data"],
            "Trustworthy numbers behind every key result",
            "",
        )
    });
    org.key_result(
        &data,
        Kr {
            step: 1.0,
            trend: pace(0.9),
            ..num(
                "hannah",
                Increase,
                0.0,
                20.0,
                "feeds",
                "Automate 20 key-result data feeds",
            )
        },
    );
    org.key_result(
        &data,
        Kr {
            trend: stale(0.3, 5),
            ..flag("jonah", "Backfill two years of product events")
        },
    );

    let finance = org.objective(Obj {
        visibility: Visibility::Team,
        parents: vec![ParentRef::Objective(c2.clone())],
        ..obj(Current, "cfo", &["finance"], "Close the books faster", "")
    });
    org.key_result(
        &finance,
        Kr {
            step: 1.0,
            trend: pace(0.8),
            ..num(
                "mark",
                Decrease,
                12.0,
                5.0,
                "working days",
                "Cut month-end close from 12 to 5 working days",
            )
        },
    );
    org.key_result(
        &finance,
        Kr {
            trend: pace(0.3),
            last_note: Some(
                "Off track: the new pricing made the revenue forecast miss by 9%. Rebuilding the \
                 model with sales this week.",
            ),
            ..num(
                "dana",
                StayBelow,
                6.0,
                5.0,
                "%",
                "Keep forecast error below 5%",
            )
        },
    );

    let habit = org.objective(Obj {
        sponsor: Some("hrhead"),
        parents: vec![ParentRef::Objective(c4.clone())],
        ..obj(
            Current,
            "lena",
            &["people"],
            "Make weekly OKR check-ins a habit",
            "",
        )
    });
    org.key_result(
        &habit,
        Kr {
            trend: pace(0.8),
            ..num(
                "lena",
                Increase,
                45.0,
                85.0,
                "%",
                "Raise the weekly check-in rate from 45% to 85%",
            )
        },
    );
    org.key_result(
        &habit,
        Kr {
            trend: pace(0.9),
            ..miles(
                "olivia",
                "Train every manager in OKR ownership",
                &[
                    "Engineering",
                    "Product",
                    "Growth & Marketing",
                    "Sales",
                    "Customer Success",
                    "People & Finance",
                ],
            )
        },
    );

    let mobile = org.objective(Obj {
        kind: ObjectiveKind::Aspirational,
        parents: vec![ParentRef::Objective(c1.clone())],
        ..obj(
            Current,
            "anika",
            &["mobile"],
            "Make Northwind a pleasure on the phone",
            "",
        )
    });
    org.key_result(
        &mobile,
        Kr {
            trend: pace(0.7),
            ..num(
                "samuel",
                Increase,
                3.9,
                4.5,
                "stars",
                "Raise the app store rating from 3.9 to 4.5",
            )
        },
    );
    org.key_result(
        &mobile,
        Kr {
            step: 0.01,
            trend: pace(0.95),
            ..num(
                "jade",
                StayAbove,
                99.7,
                99.5,
                "%",
                "Keep crash-free sessions above 99.5%",
            )
        },
    );

    // A private, personal objective.
    let lucas = org.objective(Obj {
        visibility: Visibility::Private,
        sponsor: Some("ravi"),
        ..obj(
            Current,
            "lucas",
            &["platform"],
            "Grow into a tech lead role",
            "Personal development objective, agreed with Ravi.",
        )
    });
    org.key_result(
        &lucas,
        Kr {
            step: 1.0,
            trend: pace(1.0),
            ..num(
                "lucas",
                Increase,
                0.0,
                2.0,
                "reviews",
                "Lead 2 design reviews end to end",
            )
        },
    );
    org.key_result(
        &lucas,
        Kr {
            trend: pace(1.1),
            ..miles(
                "lucas",
                "Complete the tech-lead course",
                &[
                    "Module 1: Leading without authority",
                    "Module 2: Technical strategy",
                    "Module 3: Delegation",
                ],
            )
        },
    );

    // A draft for later in the quarter.
    let api = org.objective(Obj {
        kind: ObjectiveKind::Aspirational,
        state: Some(ObjectiveState::Draft),
        ..obj(
            Current,
            "isabel",
            &["core"],
            "Open a public API for partners",
            "Draft: still being framed with engineering.",
        )
    });
    org.key_result(&api, flag("nadia", "Publish the API v1 reference"));
    org.key_result(
        &api,
        Kr {
            step: 1.0,
            ..num(
                "victor",
                Increase,
                0.0,
                5.0,
                "partners",
                "Sign 5 launch partners",
            )
        },
    );

    // Seed 001, forced ownership: proposed by someone else and not accepted (yet).
    let nordics = org.objective(Obj {
        kind: ObjectiveKind::Aspirational,
        state: Some(ObjectiveState::Draft),
        ownership: OwnershipState::Pending,
        sponsor: Some("vpsales"),
        ..obj(
            Current,
            "victor",
            &["pmm", "sales"],
            "Expand into the Nordics",
            "Proposed by Marcus (VP Sales) with Victor named as owner. Victor has not accepted yet: \
             an OKR whose owner hasn't explicitly accepted the responsibility is dead on arrival.",
        )
    });
    org.key_result(
        &nordics,
        Kr {
            step: 1.0,
            ownership: OwnershipState::Pending,
            ..num(
                "victor",
                Increase,
                0.0,
                3.0,
                "partners",
                "Sign 3 Nordic reseller partners",
            )
        },
    );
    let channel = org.objective(Obj {
        state: Some(ObjectiveState::Draft),
        ownership: OwnershipState::Declined,
        sponsor: Some("ceo"),
        ..obj(
            Current,
            "chris",
            &["sales-na"],
            "Own the partner channel",
            "Proposed by Amara for Chris. Chris declined: there is no partner budget this quarter \
             and EMEA already runs the reseller pilots. Needs a new owner, or should be dropped.",
        )
    });
    org.key_result(
        &channel,
        Kr {
            step: 1.0,
            ownership: OwnershipState::Declined,
            ..num(
                "chris",
                Increase,
                0.0,
                10.0,
                "partners",
                "Sign 10 channel partners",
            )
        },
    );

    // ---- Initiatives ----
    use InitiativeState::*;
    let link = |n: u32| format!("https://tracker.northwind.example/issues/{n}");
    let l = [
        link(412),
        link(388),
        link(301),
        link(455),
        link(207),
        link(512),
    ];
    org.initiative(
        &activation,
        "maya",
        "Redesign the onboarding checklist",
        Active,
        Some(l[0].as_str()),
        None,
    );
    org.initiative(
        &activation,
        "aisha",
        "Rewrite the welcome email sequence",
        Done,
        Some(l[1].as_str()),
        None,
    );
    org.initiative(
        &activation,
        "lucas",
        "Move the onboarding service to Kubernetes",
        Dropped,
        Some(l[2].as_str()),
        Some("Infrastructure work did not move activation: the drop-off is in onboarding UX and email, not in tech."),
    );
    org.initiative(
        &activation,
        "liam",
        "Interview 10 trial users who never came back",
        Proposed,
        None,
        None,
    );
    org.initiative(
        &latency,
        "mei",
        "Add read replicas for reporting queries",
        Active,
        Some(l[3].as_str()),
        None,
    );
    org.initiative(
        &latency,
        "oliver",
        "Cache workspace permissions",
        Done,
        None,
        None,
    );
    org.initiative(
        &reports,
        "elisa",
        "Port the remaining report templates",
        Active,
        Some(l[4].as_str()),
        None,
    );
    org.initiative(
        &posts,
        "tess",
        "Write 'Who should own a key result?'",
        Done,
        Some("https://northwind.example/blog/who-owns-a-key-result"),
        None,
    );
    org.initiative(
        &posts,
        "tess",
        "Guest post from a customer's OKR champion",
        Proposed,
        None,
        None,
    );
    org.initiative(
        &demos,
        "sara",
        "Outbound sequence for fintech accounts",
        Dropped,
        None,
        Some("Sara left Northwind; nobody picked the sequence up."),
    );
    org.initiative(
        &churn,
        "rosa",
        "Quarterly business reviews for the top 30 accounts",
        Active,
        Some(l[5].as_str()),
        None,
    );
    org.initiative(&soc2, "cto", "Engage the audit firm", Done, None, None);

    rhythm_records(
        org,
        Story {
            scored: [p1, p2, p3, p4],
            activation,
            elisa,
            posts,
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Synthetic organisations for benchmarks

/// What the owner's rhythm of the demo refers to: the previous quarter's objectives (scored; the
/// last one is carried over), the activation key result (seed 001), Elisa's objective (seed 000)
/// and the writer's blog-post key result (seed 002).
struct Story {
    scored: [ObjectiveId; 4],
    activation: KeyResultId,
    elisa: ObjectiveId,
    posts: KeyResultId,
}

/// (objective title, what worked, what did not)
const RETROSPECTIVES: &[(&str, &str, &str)] = &[
    (
        "Put Northwind in our customers' pockets",
        "Weekly demos to the beta testers kept the milestones honest.",
        "Recruiting testers started in week six; one newsletter was never going to bring 500.",
    ),
    (
        "Finish the year with a record quarter",
        "Discount discipline: every deal above 15% went to Marcus, and the average held.",
        "New ARR landed at about half the plan. The pipeline was thin from week one and we only \
         said so in week eight; the discount target was met by walking away from three deals.",
    ),
    (
        "Get on top of the support queue",
        "The self-service help centre took the simple tickets off the queue within a month.",
        "Nothing serious; the backlog will creep back unless someone owns the help centre's \
         content.",
    ),
    (
        "Open the German-speaking market",
        "The glossary, and the feedback of the first two customers.",
        "Localisation slipped twice and sales could not sell an English-only product. We carry \
         it over: same key results, a new plan.",
    ),
];

/// What the owner's rhythm leaves around the OKRs: scores and retrospectives of the closed
/// quarter (one carried over into a draft), a review of the Platform team's OKRs with owners'
/// notes and decisions, 1:1s, feedback requests (one answered, one waiting) and recognition.
/// Scores start from the attainment (`rhythm::suggested_score`) and review items from the
/// statuses `rhythm::key_result_status` derives, as the server does.
fn rhythm_records(org: &mut Org, story: Story) {
    let prev = org.snap.cycles[org.previous].clone();
    let current = org.snap.cycles[org.current].clone();
    let today = org.today;
    let clock = org.clock;
    let scored_on = (prev.ends_on + days(3)).min(today - days(1));
    let kr = |org: &Org, id: &KeyResultId| -> KeyResult {
        org.snap
            .key_results
            .iter()
            .find(|k| &k.id == id)
            .expect("demo key result")
            .clone()
    };

    // ---- Scores and retrospectives of the closed quarter ----
    for (n, o_id) in story.scored.iter().enumerate() {
        let o = org
            .snap
            .objectives
            .iter()
            .find(|o| &o.id == o_id)
            .expect("scored objective")
            .clone();
        let krs: Vec<KeyResult> = org
            .snap
            .key_results
            .iter()
            .filter(|k| k.objective_id == o.id)
            .cloned()
            .collect();
        let at = clock.at(scored_on, 11, n as u32 * 10);
        for k in &krs {
            let suggested = rhythm::suggested_score(k.progress().attainment);
            let (score, reason) = if k.title.starts_with("Hold the average discount") {
                (
                    0.5,
                    "Held under 15%, but only by walking away from three deals we should have \
                     won: half a success."
                        .to_string(),
                )
            } else {
                (suggested, String::new())
            };
            org.snap.scores.push(rhythm::KeyResultScore {
                key_result_id: k.id.clone(),
                score,
                reason,
                suggested_score: suggested,
                scored_by: Some(k.owner_id.clone()),
                scored_at: at,
            });
        }
        let (_, worked, did_not) = RETROSPECTIVES
            .iter()
            .find(|(title, _, _)| *title == o.title)
            .expect("a retrospective for each scored objective");
        let carry_over = n == story.scored.len() - 1;
        let retro_at = at + Duration::hours(4);
        let carried_over_to = carry_over.then(|| {
            // As `POST …/retrospective` with carry_over does: a draft copy in the next cycle,
            // progress reset, each other owner asked again.
            let draft = Objective {
                id: ObjectiveId::generate(),
                cycle_id: current.id.clone(),
                ownership_state: OwnershipState::Accepted,
                parents: vec![],
                state: ObjectiveState::Draft,
                created_at: retro_at,
                updated_at: retro_at,
                version: 1,
                ..o.clone()
            };
            for k in &krs {
                let mut copy = KeyResult {
                    id: KeyResultId::generate(),
                    objective_id: draft.id.clone(),
                    ownership_state: OwnershipState::on_assignment(Some(&o.owner_id), &k.owner_id),
                    confidence: None,
                    last_check_in_at: None,
                    created_at: retro_at,
                    updated_at: retro_at,
                    version: 1,
                    ..k.clone()
                };
                copy.current = copy.start;
                for m in &mut copy.milestones {
                    m.done = false;
                }
                org.snap.key_results.push(copy);
            }
            let id = draft.id.clone();
            org.snap.objectives.push(draft);
            id
        });
        org.snap.retrospectives.push(rhythm::Retrospective {
            objective_id: o.id.clone(),
            worked: (*worked).into(),
            did_not: (*did_not).into(),
            carry_over,
            carried_over_to,
            updated_by: Some(o.owner_id.clone()),
            updated_at: retro_at,
        });
    }

    // ---- Yesterday's review of the Platform team's OKRs ----
    let settings = org.snap.settings.clone().unwrap_or_default();
    let review_at = clock.at(today - days(1), 17, 30);
    // Dates follow the (possibly shifted) timestamps, so that nothing is dated in the future.
    let held_on = review_at.date_naive();
    let team = org.teams["platform"].clone();
    let names: HashMap<PersonId, String> = org
        .snap
        .people
        .iter()
        .map(|p| (p.id.clone(), p.name.clone()))
        .collect();
    let mut items = vec![];
    for o in org.snap.objectives.iter().filter(|o| {
        o.cycle_id == current.id && o.state == ObjectiveState::Active && o.team_ids.contains(&team)
    }) {
        let krs: Vec<&KeyResult> = org
            .snap
            .key_results
            .iter()
            .filter(|k| k.objective_id == o.id)
            .collect();
        let mut assessed = vec![];
        let mut flags = vec![];
        let mut moves = 0i32;
        for k in &krs {
            let history: Vec<&CheckIn> = org
                .snap
                .check_ins
                .iter()
                .filter(|c| c.key_result_id == k.id)
                .collect();
            let since = k.last_check_in_at.unwrap_or(k.created_at);
            let (status, why) = rhythm::key_result_status(&rhythm::StatusInput {
                closed: false,
                draft: false,
                days_silent: (review_at - since).num_days().max(0),
                cadence_days: i64::from(settings.rhythm.cadence_days),
                grace_days: i64::from(settings.rhythm.grace_days),
                confidence: k.confidence,
                scale: settings.confidence_scale,
                progress: k.progress().progress,
                elapsed: current.elapsed_share(held_on),
            });
            let confidences: Vec<u8> = history.iter().map(|c| c.confidence.value()).collect();
            moves += match rhythm::trend(&confidences) {
                rhythm::Trend::Rising => 1,
                rhythm::Trend::Falling => -1,
                _ => 0,
            };
            let points: Vec<(f64, f64)> = history
                .iter()
                .map(|c| {
                    (
                        (c.at.date_naive() - current.starts_on).num_days() as f64,
                        keel_server::services::rhythm::attainment_at(k, c.value),
                    )
                })
                .collect();
            let end = (current.ends_on - current.starts_on).num_days() as f64;
            if matches!(status, rhythm::Status::Stale | rhythm::Status::OffTrack) {
                flags.push(format!("'{}': {why}", k.title));
            }
            if let Some(f) = rhythm::forecast(&points, end).filter(|f| *f < 0.7) {
                flags.push(format!(
                    "'{}' is forecast to reach {:.0}% by the end of the cycle",
                    k.title,
                    f * 100.0
                ));
            }
            assessed.push((status, why));
        }
        let worst = rhythm::Status::worst(assessed.iter().map(|(s, _)| *s))
            .unwrap_or(rhythm::Status::OffTrack);
        let n = assessed.iter().filter(|(s, _)| *s == worst).count();
        let why = assessed
            .iter()
            .find(|(s, _)| *s == worst)
            .map(|(_, w)| w.clone())
            .unwrap_or_default();
        let status_reason = format!(
            "the worst of its key results ({n} of {}): {why}",
            assessed.len()
        );
        if worst != rhythm::Status::OnTrack {
            flags.insert(0, format!("{}: {status_reason}", status_words(worst)));
        }
        let (notes, decisions) = if o.id == story.elisa {
            (
                "Elisa presented: half the scheduled reports run on the new pipeline. Ravi's \
                 migration key result is on pace; Kenji's depends on the latency work.",
                "Elisa keeps the objective and chairs the Thursday sync; Kenji brings a date for \
                 the data team's slot to the next review.",
            )
        } else {
            match worst {
                rhythm::Status::OnTrack => ("On plan.", "Nothing to decide."),
                rhythm::Status::Stale => (
                    "No check-in for weeks: the number on screen is old.",
                    "The owner checks in before Friday.",
                ),
                _ => (
                    "Behind plan; the owner walked us through why.",
                    "Review the initiatives at the next 1:1 and drop one that is not moving it.",
                ),
            }
        };
        items.push(review::ReviewItem {
            objective_id: o.id.clone(),
            title: o.title.clone(),
            owner_id: o.owner_id.clone(),
            owner_name: names.get(&o.owner_id).cloned().unwrap_or_default(),
            progress: progress::objective(krs.iter().map(|k| (k.weight, k.progress().progress))),
            progress_change: None,
            status: worst,
            status_reason,
            confidence_trend: if krs.is_empty() {
                rhythm::Trend::Unknown
            } else {
                match moves.signum() {
                    1 => rhythm::Trend::Rising,
                    -1 => rhythm::Trend::Falling,
                    _ => rhythm::Trend::Steady,
                }
            },
            flags,
            notes: notes.into(),
            decisions: decisions.into(),
        });
    }
    org.snap.reviews.push(review::Review {
        id: ReviewId::generate(),
        team_id: team,
        held_on,
        run_by: Some(org.p("ravi")),
        items,
        created_at: review_at,
        updated_at: review_at + Duration::minutes(45),
        version: 2,
    });

    // ---- Conversations, feedback and recognition ----
    let activation = kr(org, &story.activation);
    let posts = kr(org, &story.posts);
    let conversations = [
        (
            "ravi",
            "elisa",
            vec![story.elisa.to_string()],
            8,
            "Elisa walked me through the cut-over plan. She owns the objective and I own the \
             migration key result: agreed she chairs Thursday's sync and I bring my blockers \
             there like everyone else. Next: ask Kenji for a slot from the data team.",
        ),
        (
            "cpo",
            "maya",
            vec![
                activation.objective_id.to_string(),
                activation.id.to_string(),
            ],
            5,
            "Maya sees the drop-off at the invite step before anyone else does. We agreed she \
             proposes herself as owner of the activation key result next quarter, Daniel as \
             sponsor.",
        ),
        (
            "rachel",
            "tess",
            vec![posts.id.to_string()],
            3,
            "Tess has two posts out and the third in review. She asked for half a day of \
             design for the diagrams; booked with Yuki.",
        ),
    ];
    for (author, with, okr_ids, ago, notes) in conversations {
        let at = clock.at(today - days(ago), 16, 0);
        let held = at.date_naive();
        org.snap.conversations.push(
            cfr::Conversation {
                id: ConversationId::generate(),
                author_id: org.p(author),
                with_id: org.p(with),
                okr_ids,
                held_on: held,
                notes: notes.into(),
                created_at: at,
                updated_at: at,
                version: 1,
            }
            .validated()
            .expect("valid demo conversation"),
        );
    }
    let asked = clock.at(today - days(6), 10, 0);
    let answer = |text: &str, who: &str, hours: i64| cfr::FeedbackAnswer {
        person_id: org.p(who),
        answer: Some(text.into()),
        answered_at: Some(asked + Duration::hours(hours)),
    };
    let answered = cfr::FeedbackRequest {
        id: FeedbackRequestId::generate(),
        okr_id: activation.id.to_string(),
        requester_id: org.p("cto"),
        question: "What would move Day-7 activation faster than what we are doing now?".into(),
        answers: vec![
            answer(
                "The invite step: half of new admins never invite a colleague. Fix that before \
                 sending more emails.",
                "maya",
                5,
            ),
            answer(
                "The day-2 email converts; extend the sequence to day 5 and test the subject \
                 lines.",
                "carmen",
                26,
            ),
        ],
        created_at: asked,
    };
    let waiting = cfr::FeedbackRequest {
        id: FeedbackRequestId::generate(),
        okr_id: story.elisa.to_string(),
        requester_id: org.p("elisa"),
        question: "Is retiring the legacy pipeline this quarter still the right call, given the \
                   latency work it depends on?"
            .into(),
        answers: ["kenji", "ravi"]
            .iter()
            .map(|p| cfr::FeedbackAnswer {
                person_id: org.p(p),
                answer: None,
                answered_at: None,
            })
            .collect(),
        created_at: asked + Duration::days(4),
    };
    for f in [answered, waiting] {
        org.snap
            .feedback_requests
            .push(f.validated().expect("valid demo feedback request"));
    }
    let latest_check_in = |org: &Org, kr: &KeyResultId| -> Option<CheckIn> {
        org.snap
            .check_ins
            .iter()
            .filter(|c| &c.key_result_id == kr)
            .max_by_key(|c| c.at)
            .cloned()
    };
    let uptime = org
        .snap
        .key_results
        .iter()
        .find(|k| k.title == "Keep monthly uptime above 99.9%")
        .expect("uptime key result")
        .id
        .clone();
    let thanks = [
        (
            "ravi",
            "mei",
            uptime,
            true,
            "Another month above 99.9% while we migrated the database. Thank you, Mei.",
        ),
        (
            "rachel",
            "tess",
            posts.id.clone(),
            true,
            "Every post on time, and the last one is our most-read this year.",
        ),
        (
            "cpo",
            "maya",
            activation.id.clone(),
            false,
            "Thank you for raising the invite-step drop-off before anyone asked.",
        ),
    ];
    for (from, to, kr_id, on_check_in, message) in thanks {
        let check_in = latest_check_in(org, &kr_id).filter(|_| on_check_in);
        let created_at = check_in
            .as_ref()
            .map_or(asked, |c| c.at + Duration::minutes(90));
        org.snap.recognitions.push(
            cfr::Recognition {
                id: RecognitionId::generate(),
                from_id: org.p(from),
                to_id: org.p(to),
                okr_id: kr_id.to_string(),
                check_in_id: check_in.map(|c| c.id),
                message: message.into(),
                created_at,
            }
            .validated()
            .expect("valid demo recognition"),
        );
    }
}

/// A status in words, as review flags show it.
fn status_words(s: rhythm::Status) -> &'static str {
    match s {
        rhythm::Status::OnTrack => "on track",
        rhythm::Status::AtRisk => "at risk",
        rhythm::Status::OffTrack => "off track",
        rhythm::Status::Stale => "stale",
        rhythm::Status::Closed => "closed",
    }
}

const FIRST_NAMES: &[&str] = &[
    "Ada", "Ben", "Chloe", "Dev", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jon", "Kira", "Liam",
    "Mina", "Noah", "Olga", "Pablo", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wes",
    "Xena", "Yusuf", "Zoe",
];
const LAST_NAMES: &[&str] = &[
    "Adams", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito", "Jensen",
    "Kowalski", "Lopez", "Mensah", "Novak", "Okafor", "Petrov", "Rossi", "Schmidt", "Tanaka",
    "Usman", "Varga", "Walsh", "Yilmaz", "Zhang",
];
const METRICS: &[&str] = &[
    "weekly active teams",
    "trial conversion",
    "NPS",
    "deploy frequency",
    "lead time",
    "support backlog",
    "qualified pipeline",
    "renewal rate",
    "page load time",
    "test coverage",
];
const THEMES: &[&str] = &[
    "Delight our customers",
    "Ship faster with confidence",
    "Grow revenue efficiently",
    "Build a great place to work",
    "Run a reliable platform",
    "Win the mid-market",
];

/// A synthetic organisation of `people` people for benchmarks: manager tree of span 7, teams of
/// about 7 under about people/70 departments, one active 13-week cycle around `today`, about 1.2
/// objectives per person with 3–4 key results each and about 10 weekly check-ins per key result.
pub fn synthetic(people: usize, seed: u64, today: NaiveDate) -> Snapshot {
    const SPAN: usize = 7;
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

    // People: person i reports to (i - 1) / SPAN.
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
            created_at: epoch,
            updated_at: epoch,
            version: 1,
        });
    }

    // Teams: one per manager (the manager and their direct reports), grouped into departments of
    // about ten teams under one company.
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

    // One active 13-week cycle, 11 weeks in.
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
    let cycle_id = cycle.id.clone();
    snap.cycles.push(cycle.clone());

    let expected_objectives = n + n / 5 + 1;
    snap.objectives.reserve(expected_objectives);
    snap.key_results.reserve(expected_objectives * 7 / 2);
    snap.check_ins.reserve(expected_objectives * 7 / 2 * 10);
    let created_at = clock.at(starts_on - days(7), 10, 0);
    // first_objective[p] / first_kr[p]: p's first objective and its first key result, the
    // alignment targets for p's reports. Reports always come after their manager.
    let mut first_objective: Vec<Option<usize>> = vec![None; n];
    let mut first_kr: Vec<Option<usize>> = vec![None; n];
    for p in 0..n {
        if managers.is_empty() && n > 0 {
            break;
        }
        let count = 1 + usize::from(rng.gen_bool(0.2));
        let team = team_of[p];
        for _ in 0..count {
            let owner = snap.people[p].id.clone();
            let mut teams = vec![team_ids[team].clone()];
            if rng.gen_bool(0.08) {
                for _ in 0..rng.gen_range(1..=3) {
                    teams.push(team_ids[rng.gen_range(0..team_count)].clone());
                }
                teams.sort();
                teams.dedup();
            }
            let manager = (p > 0).then(|| (p - 1) / SPAN);
            let mut parents = Vec::new();
            if let Some(m) = manager {
                if rng.gen_bool(0.7) {
                    if rng.gen_bool(0.3) {
                        if let Some(k) = first_kr[m] {
                            parents.push(ParentRef::KeyResult(snap.key_results[k].id.clone()));
                        }
                    } else if let Some(o) = first_objective[m] {
                        parents.push(ParentRef::Objective(snap.objectives[o].id.clone()));
                    }
                }
            }
            let sponsor_id = manager
                .filter(|_| rng.gen_bool(0.3))
                .map(|m| snap.people[m].id.clone());
            let members = &team_members[team];
            let mut contributor_ids: Vec<PersonId> = (0..rng.gen_range(0..=2))
                .map(|_| members[rng.gen_range(0..members.len())])
                .filter(|&c| c != p)
                .map(|c| snap.people[c].id.clone())
                .collect();
            contributor_ids.sort();
            contributor_ids.dedup();
            let roll: f64 = rng.gen();
            let state = if roll < 0.05 {
                ObjectiveState::Draft
            } else if roll < 0.07 {
                ObjectiveState::Closed
            } else {
                ObjectiveState::Active
            };
            let roll: f64 = rng.gen();
            let ownership_state = if roll < 0.04 {
                OwnershipState::Pending
            } else if roll < 0.05 {
                OwnershipState::Declined
            } else {
                OwnershipState::Accepted
            };
            let roll: f64 = rng.gen();
            let visibility = if roll < 0.05 {
                Visibility::Private
            } else if roll < 0.15 {
                Visibility::Team
            } else {
                Visibility::Public
            };
            let oi = snap.objectives.len();
            let objective_id = ObjectiveId::generate();
            snap.objectives.push(Objective {
                id: objective_id.clone(),
                title: format!(
                    "{}: focus {}",
                    THEMES[rng.gen_range(0..THEMES.len())],
                    oi + 1
                ),
                description: String::new(),
                cycle_id: cycle_id.clone(),
                owner_id: owner.clone(),
                ownership_state,
                co_owner_ids: vec![],
                sponsor_id,
                contributor_ids,
                team_ids: teams,
                parents,
                kind: if rng.gen_bool(0.2) {
                    ObjectiveKind::Aspirational
                } else {
                    ObjectiveKind::Committed
                },
                state,
                visibility,
                created_at,
                updated_at: created_at,
                version: 1,
            });
            if first_objective[p].is_none() {
                first_objective[p] = Some(oi);
            }

            for _ in 0..rng.gen_range(3..=4) {
                let kr_owner = if rng.gen_bool(0.5) {
                    p
                } else {
                    members[rng.gen_range(0..members.len())]
                };
                let mut kr_contributors: Vec<PersonId> = (0..rng.gen_range(0..=2))
                    .map(|_| members[rng.gen_range(0..members.len())])
                    .filter(|&c| c != kr_owner)
                    .map(|c| snap.people[c].id.clone())
                    .collect();
                kr_contributors.sort();
                kr_contributors.dedup();
                let sponsor_id = (kr_owner != p && rng.gen_bool(0.1)).then(|| owner.clone());
                let metric = METRICS[rng.gen_range(0..METRICS.len())];
                let roll: f64 = rng.gen();
                let (kind, start, target, step, title) = if roll < 0.4 {
                    let s = f64::from(rng.gen_range(0..100u32));
                    let t = s + f64::from(rng.gen_range(10..100u32));
                    (
                        MetricKind::Increase,
                        s,
                        t,
                        1.0,
                        format!("Increase {metric} from {s} to {t}"),
                    )
                } else if roll < 0.6 {
                    let s = f64::from(rng.gen_range(50..200u32));
                    let t = s - f64::from(rng.gen_range(10..50u32));
                    (
                        MetricKind::Decrease,
                        s,
                        t,
                        1.0,
                        format!("Reduce {metric} from {s} to {t}"),
                    )
                } else if roll < 0.7 {
                    let t = f64::from(rng.gen_range(50..100u32));
                    (
                        MetricKind::StayAbove,
                        t + 5.0,
                        t,
                        0.5,
                        format!("Keep {metric} above {t}"),
                    )
                } else if roll < 0.8 {
                    let t = f64::from(rng.gen_range(5..50u32));
                    (
                        MetricKind::StayBelow,
                        t - 3.0,
                        t,
                        0.5,
                        format!("Keep {metric} below {t}"),
                    )
                } else if roll < 0.9 {
                    (
                        MetricKind::Boolean,
                        0.0,
                        1.0,
                        1.0,
                        format!("Launch the new {metric} report"),
                    )
                } else {
                    let m = rng.gen_range(3..=5);
                    (
                        MetricKind::Milestone,
                        0.0,
                        m as f64,
                        1.0,
                        format!("Roll out {metric} tracking"),
                    )
                };
                let milestones = if kind == MetricKind::Milestone {
                    (1..=target as usize)
                        .map(|i| Milestone {
                            title: format!("Stage {i}"),
                            done: false,
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                let ki = snap.key_results.len();
                let mut kr = KeyResult {
                    id: KeyResultId::generate(),
                    objective_id: objective_id.clone(),
                    title,
                    description: String::new(),
                    owner_id: snap.people[kr_owner].id.clone(),
                    ownership_state: if ownership_state == OwnershipState::Accepted
                        && rng.gen_bool(0.02)
                    {
                        OwnershipState::Pending
                    } else {
                        ownership_state
                    },
                    co_owner_ids: vec![],
                    sponsor_id,
                    contributor_ids: kr_contributors,
                    team_ids: Vec::new(),
                    metric_kind: kind,
                    start,
                    target,
                    current: if kind == MetricKind::Milestone {
                        0.0
                    } else {
                        start
                    },
                    unit: String::new(),
                    weight: 1.0,
                    milestones,
                    confidence: None,
                    financial: false,
                    last_check_in_at: None,
                    created_at,
                    updated_at: created_at,
                    version: 1,
                };
                if state != ObjectiveState::Draft {
                    let trend = Trend {
                        health: rng.gen_range(0.3..1.3),
                        stale_weeks: if rng.gen_bool(0.05) {
                            rng.gen_range(2..=5)
                        } else {
                            0
                        },
                    };
                    let last_day = today - days(rng.gen_range(1..=4)) - days(7 * trend.stale_weeks);
                    let first_day =
                        (last_day - days(7 * rng.gen_range(8..=10))).max(starts_on - days(6));
                    weekly_history(
                        &mut kr,
                        &mut snap.check_ins,
                        trend,
                        step,
                        first_day,
                        last_day,
                        |d| cycle.elapsed_share(d),
                        None,
                        0.3,
                        clock,
                        &mut rng,
                    );
                }
                snap.key_results.push(kr);
                if first_kr[p].is_none() {
                    first_kr[p] = Some(ki);
                }
            }
        }
    }
    add_ownership_requests(&mut snap, false);
    snap
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    fn today() -> NaiveDate {
        Utc::now().date_naive()
    }

    /// Every record validates unchanged; every reference resolves; hierarchies and alignment are
    /// acyclic; each KR matches its latest check-in; nothing is in the future.
    fn check(s: &Snapshot) {
        let now = Utc::now();
        check_rhythm(s, now);
        // Every owner who has not accepted has the request behind it, in the same state.
        let states: HashMap<&str, OwnershipState> = s
            .objectives
            .iter()
            .map(|o| (o.id.as_str(), o.ownership_state))
            .chain(
                s.key_results
                    .iter()
                    .map(|k| (k.id.as_str(), k.ownership_state)),
            )
            .collect();
        for r in &s.ownership_requests {
            let state = states
                .get(r.okr.id())
                .expect("a request names an OKR of the snapshot");
            assert_eq!(r.clone().validated().unwrap(), *r);
            assert!(r.created_at <= now);
            if r.state == RequestState::Pending {
                assert_eq!(*state, OwnershipState::Pending);
                assert_ne!(r.proposed_by.as_ref(), Some(&r.proposed_owner_id));
            }
        }
        for (id, state) in &states {
            if *state != OwnershipState::Accepted {
                let wanted = if *state == OwnershipState::Pending {
                    RequestState::Pending
                } else {
                    RequestState::Declined
                };
                assert!(
                    s.ownership_requests
                        .iter()
                        .any(|r| r.okr.id() == *id && r.state == wanted),
                    "{id} is {state:?} without a matching request"
                );
            }
        }
        if let Some(settings) = &s.settings {
            assert_eq!(&settings.clone().validated().unwrap(), settings);
        }
        let people: HashMap<&PersonId, &Person> = s.people.iter().map(|p| (&p.id, p)).collect();
        assert_eq!(people.len(), s.people.len(), "unique person ids");
        let emails: HashSet<String> = s.people.iter().map(|p| p.email.key()).collect();
        assert_eq!(emails.len(), s.people.len(), "unique emails");
        let teams: HashMap<&TeamId, &Team> = s.teams.iter().map(|t| (&t.id, t)).collect();
        let cycles: HashMap<&CycleId, &Cycle> = s.cycles.iter().map(|c| (&c.id, c)).collect();
        let objectives: HashMap<&ObjectiveId, &Objective> =
            s.objectives.iter().map(|o| (&o.id, o)).collect();
        let krs: HashMap<&KeyResultId, &KeyResult> =
            s.key_results.iter().map(|k| (&k.id, k)).collect();
        assert!(people.values().any(|p| p.has_role(Role::Admin)));

        for p in &s.people {
            assert_eq!(&p.clone().validated().unwrap(), p);
            if let Some(m) = &p.manager_id {
                assert!(people.contains_key(m), "manager of {}", p.name);
            }
            assert!(p.created_at <= now);
        }
        // Managers form a forest with one root: walking up always ends.
        let roots = s.people.iter().filter(|p| p.manager_id.is_none()).count();
        assert_eq!(roots, 1);
        for p in &s.people {
            let mut cur = p;
            let mut steps = 0;
            while let Some(m) = &cur.manager_id {
                cur = people[m];
                steps += 1;
                assert!(steps <= s.people.len(), "manager cycle");
            }
        }
        for t in &s.teams {
            assert_eq!(&t.clone().validated().unwrap(), t);
            if let Some(p) = &t.parent_id {
                assert!(teams.contains_key(p));
            }
            if let Some(l) = &t.lead_id {
                assert!(people.contains_key(l));
            }
            for m in &t.member_ids {
                assert!(people.contains_key(m));
            }
            let mut cur = t;
            let mut steps = 0;
            while let Some(p) = &cur.parent_id {
                cur = teams[p];
                steps += 1;
                assert!(steps <= s.teams.len(), "team cycle");
            }
        }
        for c in &s.cycles {
            assert_eq!(&c.clone().validated().unwrap(), c);
            if let Some(p) = &c.parent_id {
                c.check_within(cycles[p]).unwrap();
            }
        }
        let circle = |owner: &PersonId,
                      sponsor: &Option<PersonId>,
                      contributors: &[PersonId],
                      team_ids: &[TeamId]| {
            assert!(people.contains_key(owner));
            if let Some(sp) = sponsor {
                assert!(people.contains_key(sp));
                assert_ne!(sp, owner);
            }
            for c in contributors {
                assert!(people.contains_key(c));
                assert_ne!(c, owner);
            }
            for t in team_ids {
                assert!(teams.contains_key(t));
            }
        };
        for o in &s.objectives {
            assert_eq!(&o.clone().validated().unwrap(), o, "{}", o.title);
            assert!(o.created_at <= o.updated_at && o.updated_at <= now);
            assert!(cycles.contains_key(&o.cycle_id));
            circle(&o.owner_id, &o.sponsor_id, &o.contributor_ids, &o.team_ids);
            for p in &o.parents {
                match p {
                    ParentRef::Objective(id) => assert!(objectives.contains_key(id)),
                    ParentRef::KeyResult(id) => assert!(krs.contains_key(id)),
                }
            }
        }
        // Alignment is acyclic: objective -> parent objective, or -> the parent KR's objective.
        let parents_of = |o: &ObjectiveId| -> Vec<ObjectiveId> {
            objectives[o]
                .parents
                .iter()
                .map(|p| match p {
                    ParentRef::Objective(id) => id.clone(),
                    ParentRef::KeyResult(id) => krs[id].objective_id.clone(),
                })
                .collect()
        };
        let mut depth: HashMap<ObjectiveId, usize> = HashMap::new();
        // Records are ordered parents first, so one pass computes depths; a parent without a
        // depth yet would mean a forward (possibly cyclic) reference.
        for o in &s.objectives {
            let d = parents_of(&o.id)
                .iter()
                .map(|p| {
                    depth
                        .get(p)
                        .copied()
                        .expect("parent objective listed earlier")
                        + 1
                })
                .max()
                .unwrap_or(0);
            depth.insert(o.id.clone(), d);
        }
        let mut latest: HashMap<&KeyResultId, &CheckIn> = HashMap::new();
        for c in &s.check_ins {
            assert_eq!(&c.clone().validated().unwrap(), c);
            assert!(c.at <= now, "check-in in the future");
            let kr = krs.get(&c.key_result_id).expect("check-in's key result");
            assert!(c.at >= kr.created_at);
            if let Some(a) = &c.author_id {
                assert!(people.contains_key(a));
            }
            let e = latest.entry(&c.key_result_id).or_insert(c);
            if c.at > e.at {
                *e = c;
            }
        }
        for k in &s.key_results {
            assert_eq!(&k.clone().validated().unwrap(), k, "{}", k.title);
            assert!(k.created_at <= k.updated_at && k.updated_at <= now);
            assert!(objectives.contains_key(&k.objective_id));
            circle(&k.owner_id, &k.sponsor_id, &k.contributor_ids, &k.team_ids);
            match latest.get(&k.id) {
                Some(c) => {
                    assert_eq!(k.current, c.value, "{}", k.title);
                    assert_eq!(k.confidence, Some(c.confidence.value()));
                    assert_eq!(k.last_check_in_at, Some(c.at));
                }
                None => {
                    assert_eq!(k.confidence, None);
                    assert_eq!(k.last_check_in_at, None);
                }
            }
        }
        for i in &s.initiatives {
            assert_eq!(&i.clone().validated().unwrap(), i);
            assert!(i.created_at <= i.updated_at && i.updated_at <= now);
            assert!(krs.contains_key(&i.key_result_id));
            assert!(people.contains_key(&i.owner_id));
        }
    }

    /// The owner's rhythm records are valid, in the past, and refer to records of the snapshot.
    fn check_rhythm(s: &Snapshot, now: Timestamp) {
        let okr_ids: HashSet<&str> = s
            .objectives
            .iter()
            .map(|o| o.id.as_str())
            .chain(s.key_results.iter().map(|k| k.id.as_str()))
            .collect();
        let people: HashSet<&PersonId> = s.people.iter().map(|p| &p.id).collect();
        for x in &s.scores {
            assert_eq!(&x.clone().validated().unwrap(), x);
            assert!(x.scored_at <= now && okr_ids.contains(x.key_result_id.as_str()));
        }
        for r in &s.retrospectives {
            assert_eq!(&r.clone().validated().unwrap(), r);
            assert!(r.updated_at <= now && okr_ids.contains(r.objective_id.as_str()));
            assert_eq!(r.carry_over, r.carried_over_to.is_some());
            if let Some(d) = &r.carried_over_to {
                assert!(okr_ids.contains(d.as_str()));
            }
        }
        for r in &s.reviews {
            assert!(r.held_on <= now.date_naive() && r.updated_at <= now);
            for i in &r.items {
                assert!(okr_ids.contains(i.objective_id.as_str()));
                assert!(people.contains(&i.owner_id));
            }
        }
        for c in &s.conversations {
            assert_eq!(&c.clone().validated().unwrap(), c);
            assert!(c.created_at <= now && c.held_on <= now.date_naive());
            assert!(people.contains(&c.with_id));
            assert!(c.okr_ids.iter().all(|o| okr_ids.contains(o.as_str())));
        }
        for f in &s.feedback_requests {
            assert_eq!(&f.clone().validated().unwrap(), f);
            assert!(f.created_at <= now && okr_ids.contains(f.okr_id.as_str()));
            for a in &f.answers {
                assert!(a.answered_at.is_none_or(|t| t <= now && t >= f.created_at));
            }
        }
        for r in &s.recognitions {
            assert_eq!(&r.clone().validated().unwrap(), r);
            assert!(r.created_at <= now && okr_ids.contains(r.okr_id.as_str()));
            if let Some(c) = &r.check_in_id {
                let c = s.check_ins.iter().find(|x| &x.id == c).unwrap();
                assert_eq!(c.key_result_id.as_str(), r.okr_id);
                assert!(c.at <= r.created_at);
            }
        }
    }

    fn person<'a>(s: &'a Snapshot, name: &str) -> &'a Person {
        s.people
            .iter()
            .find(|p| p.name.starts_with(name))
            .unwrap_or_else(|| panic!("{name}"))
    }

    #[test]
    fn demo_organisation_is_consistent_and_tells_the_seeds() {
        for today in [
            today(),
            NaiveDate::from_ymd_opt(2025, 2, 14).unwrap(),
            NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
            // A date in the future: nothing may be after the real now anyway.
            today() + days(45),
        ] {
            let s = organisation(today);
            check(&s);
            assert!((55..=70).contains(&s.people.len()));
            let admin = s
                .people
                .iter()
                .find(|p| p.email.as_str() == DEMO_ADMIN_EMAIL)
                .expect("demo admin");
            assert!(admin.has_role(Role::Admin) && admin.active);
            for role in [
                Role::Champion,
                Role::Hr,
                Role::Finance,
                Role::Analyst,
                Role::Reviewer,
                Role::Viewer,
            ] {
                assert!(s.people.iter().any(|p| p.has_role(role)), "{role:?}");
            }
            assert!(s.key_results.iter().any(|k| k.financial));
            for v in [Visibility::Team, Visibility::Private] {
                assert!(s.objectives.iter().any(|o| o.visibility == v), "{v:?}");
            }

            // Cycles around today.
            let current = s
                .cycles
                .iter()
                .find(|c| c.state == CycleState::Active && c.parent_id.is_some())
                .unwrap();
            assert!(current.starts_on <= today && today <= current.ends_on);
            assert!(s.cycles.iter().any(|c| c.state == CycleState::Closed
                && c.parent_id.is_some()
                && c.ends_on + days(1) == current.starts_on));

            // Every metric kind, objective state, kind, visibility, ownership state.
            for kind in [
                MetricKind::Increase,
                MetricKind::Decrease,
                MetricKind::StayAbove,
                MetricKind::StayBelow,
                MetricKind::Boolean,
                MetricKind::Milestone,
            ] {
                assert!(
                    s.key_results.iter().any(|k| k.metric_kind == kind),
                    "{kind:?}"
                );
            }
            for st in [
                ObjectiveState::Draft,
                ObjectiveState::Active,
                ObjectiveState::Closed,
            ] {
                assert!(s.objectives.iter().any(|o| o.state == st));
            }
            for v in [Visibility::Public, Visibility::Team, Visibility::Private] {
                assert!(s.objectives.iter().any(|o| o.visibility == v));
            }
            assert!(s
                .objectives
                .iter()
                .any(|o| o.kind == ObjectiveKind::Aspirational));
            assert!(s
                .objectives
                .iter()
                .any(|o| o.ownership_state == OwnershipState::Pending));
            assert!(s
                .objectives
                .iter()
                .any(|o| o.ownership_state == OwnershipState::Declined));
            assert!(s.objectives.iter().any(|o| o
                .parents
                .iter()
                .any(|p| matches!(p, ParentRef::KeyResult(_)))));
            for st in [
                InitiativeState::Proposed,
                InitiativeState::Active,
                InitiativeState::Dropped,
                InitiativeState::Done,
            ] {
                assert!(s.initiatives.iter().any(|i| i.state == st));
            }

            // Seed 000: Elisa owns the objective, her supervisors own its key results.
            let elisa = person(&s, "Elisa");
            let manager = elisa.manager_id.clone().unwrap();
            let grand = s
                .people
                .iter()
                .find(|p| p.id == manager)
                .unwrap()
                .manager_id
                .clone()
                .unwrap();
            let o = s
                .objectives
                .iter()
                .find(|o| o.owner_id == elisa.id)
                .unwrap();
            let owners: HashSet<_> = s
                .key_results
                .iter()
                .filter(|k| k.objective_id == o.id)
                .map(|k| k.owner_id.clone())
                .collect();
            assert_eq!(owners, HashSet::from([manager, grand]));

            // Seed 001: the CTO owns the activation KR, with a PM and a Growth Lead contributing.
            let cto = person(&s, "Daniel");
            assert_eq!(cto.title, "Chief Technology Officer");
            let act = s
                .key_results
                .iter()
                .find(|k| k.title == "Move Day-7 activation rate from 32% to 55%")
                .unwrap();
            assert_eq!(act.owner_id, cto.id);
            assert_eq!(
                (act.start, act.target, act.metric_kind),
                (32.0, 55.0, MetricKind::Increase)
            );
            let titles: HashSet<_> = act
                .contributor_ids
                .iter()
                .map(|c| s.people.iter().find(|p| &p.id == c).unwrap().title.as_str())
                .collect();
            assert!(titles.iter().any(|t| t.starts_with("Product Manager")));
            assert!(titles.contains("Growth Lead"));
            let cto_owns = s.objectives.iter().filter(|o| o.owner_id == cto.id).count()
                + s.key_results
                    .iter()
                    .filter(|k| k.owner_id == cto.id)
                    .count();
            assert!(cto_owns >= 3, "the CTO is overloaded");
            // ... and an objective with 4 KRs and 5 distinct owners.
            let c1 = s
                .objectives
                .iter()
                .find(|o| o.id == act.objective_id)
                .unwrap();
            let mut owners: HashSet<_> = s
                .key_results
                .iter()
                .filter(|k| k.objective_id == c1.id)
                .map(|k| k.owner_id.clone())
                .collect();
            assert_eq!(owners.len(), 4);
            owners.insert(c1.owner_id.clone());
            assert_eq!(owners.len(), 5);

            // Seed 002: the writer owns "Publish 3 new blog posts".
            let posts = s
                .key_results
                .iter()
                .find(|k| k.title == "Publish 3 new blog posts")
                .unwrap();
            let owner = s.people.iter().find(|p| p.id == posts.owner_id).unwrap();
            assert_eq!(owner.title, "Content Writer");

            // Seed 003: one KR shared by four teams, not duplicated.
            let shared: Vec<_> = s
                .key_results
                .iter()
                .filter(|k| k.team_ids.len() == 4)
                .collect();
            assert_eq!(shared.len(), 1);
            assert_eq!(
                s.key_results
                    .iter()
                    .filter(|k| k.title == shared[0].title)
                    .count(),
                1
            );

            // Health checks have something to find.
            let gone: HashSet<_> = s
                .people
                .iter()
                .filter(|p| !p.active)
                .map(|p| &p.id)
                .collect();
            assert!(
                s.key_results
                    .iter()
                    .filter(|k| gone.contains(&k.owner_id))
                    .count()
                    >= 2
            );
            let active_objectives: HashSet<_> = s
                .objectives
                .iter()
                .filter(|o| o.state == ObjectiveState::Active && o.cycle_id == current.id)
                .map(|o| &o.id)
                .collect();
            let week_ago = clock_at(today) - days(7);
            let active_krs: Vec<_> = s
                .key_results
                .iter()
                .filter(|k| active_objectives.contains(&k.objective_id))
                .collect();
            let fresh = active_krs
                .iter()
                .filter(|k| k.last_check_in_at.is_some_and(|t| t >= week_ago))
                .count();
            assert!(
                fresh * 4 >= active_krs.len() * 3,
                "most active KRs are fresh"
            );
            assert!(fresh + 3 <= active_krs.len(), "some are stale");
            let history = s
                .check_ins
                .iter()
                .filter(|c| c.key_result_id == act.id)
                .count();
            assert!(history >= 1);
        }
    }

    fn clock_at(today: NaiveDate) -> Timestamp {
        Clock::new(today).at(today, 0, 0)
    }

    #[test]
    fn demo_has_weeks_of_history_mid_quarter() {
        let today = NaiveDate::from_ymd_opt(2025, 5, 20).unwrap();
        let s = organisation(today);
        let act = s
            .key_results
            .iter()
            .find(|k| k.title.starts_with("Move Day-7"))
            .unwrap();
        let n = s
            .check_ins
            .iter()
            .filter(|c| c.key_result_id == act.id)
            .count();
        assert!(n >= 7, "{n} check-ins");
        assert!(act.current > 32.0 && act.current < 55.0);
        assert_eq!(act.confidence, Some(4));
    }

    #[test]
    fn synthetic_is_proportional_and_consistent() {
        let today = today();
        let s = synthetic(1000, 7, today);
        check(&s);
        assert_eq!(s.people.len(), 1000);
        assert!(s.people[0].has_role(Role::Admin));
        let o = s.objectives.len();
        assert!((1100..=1300).contains(&o), "{o} objectives");
        let k = s.key_results.len();
        assert!(k >= o * 3 && k <= o * 4, "{k} key results");
        let c = s.check_ins.len();
        assert!(c >= k * 8 && c <= k * 11, "{c} check-ins");
        let teams = s.teams.len();
        assert!((130..=175).contains(&teams), "{teams} teams");
        assert!(s.objectives.iter().any(|o| o.team_ids.len() >= 3));
        assert!(s.objectives.iter().any(|o| !o.parents.is_empty()));

        let again = synthetic(1000, 7, today);
        assert_eq!(again.objectives.len(), o);
        assert_eq!(again.key_results.len(), k);
        assert_eq!(again.check_ins.len(), c);
        let names = |s: &Snapshot| s.people.iter().map(|p| p.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&again), names(&s));
        let titles = |s: &Snapshot| {
            s.key_results
                .iter()
                .map(|k| k.title.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(titles(&again), titles(&s));
        assert_ne!(names(&synthetic(1000, 8, today)), names(&s));
    }

    #[test]
    fn synthetic_handles_tiny_sizes() {
        for n in [0, 1, 2, 8] {
            let s = synthetic(n, 1, today());
            assert_eq!(s.people.len(), n);
            if n > 0 {
                check(&s);
            }
        }
    }
}
