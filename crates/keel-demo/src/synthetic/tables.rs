//! The words synthetic organisations are made of: names, metrics, objective themes.

pub(super) const FIRST_NAMES: &[&str] = &[
    "Ada", "Ben", "Chloe", "Dev", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jon", "Kira", "Liam",
    "Mina", "Noah", "Olga", "Pablo", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wes",
    "Xena", "Yusuf", "Zoe",
];
pub(super) const LAST_NAMES: &[&str] = &[
    "Adams", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito", "Jensen",
    "Kowalski", "Lopez", "Mensah", "Novak", "Okafor", "Petrov", "Rossi", "Schmidt", "Tanaka",
    "Usman", "Varga", "Walsh", "Yilmaz", "Zhang",
];
pub(super) const METRICS: &[&str] = &[
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
pub(super) const THEMES: &[&str] = &[
    "Delight our customers",
    "Ship faster with confidence",
    "Grow revenue efficiently",
    "Build a great place to work",
    "Run a reliable platform",
    "Win the mid-market",
];
