//! Northwind's people and teams as tables: who reports to whom, who leads and belongs to which
//! team, with the roles the demo needs (an admin, a coach, HR, finance, an analyst, a reviewer, a
//! board observer who only reads).

use super::ORG_NAME;
use keel_domain::Role;

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
pub(crate) const PEOPLE: &[PersonRow] = &[
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
    // Reads public OKRs only: a stakeholder outside the OKR work ("Visibility").
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
pub(crate) const TEAMS: &[TeamRow] = &[
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

pub(crate) fn email_local(name: &str) -> String {
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
