//! The pulled sources' round, every minute: the due sources are claimed (each for a lease, so
//! two servers running the round at once never run one source twice) and run, each run
//! recorded with its value or its error (`crate::pull::run`). Why every minute: a source is
//! due by its own schedule (hourly, daily, weekly from its last run), so the round only has to
//! come often enough for "hourly" to mean it.

/// The round's job kind.
pub const PULL_SOURCES: &str = "pull_sources";
