//! Demo and benchmark data.
//!
//! Why this crate exists: Keel is about clear, individual, *accepted* ownership of every
//! Objective and Key Result, and that is hard to judge on an empty database. [`organisation`]
//! builds "Northwind Labs", a realistic company a newcomer can click through, whose OKRs tell the
//! stories of the ownership doctrine (docs/method.md: an associate owning an Objective whose Key
//! Results belong to her supervisors; a CTO named owner of an activation KR he is too far from; a
//! KR shared by four teams instead of being entered four times; forced ownership that is still
//! pending or was declined; a content writer owning her own KR) and leaves real problems (stale
//! check-ins, KRs owned by people who left) for health checks to find. [`synthetic`] builds an
//! organisation of any size with the same proportions, for benchmarks. The `keel` binary loads
//! them (`keel serve --demo`, `keel demo`), and the browser tests check every page on them.
//!
//! Both return a [`Snapshot`](keel_store::Snapshot) that `Store::load_snapshot` loads in one
//! transaction. Every record already passes its domain `validated()` unchanged, and every
//! reference resolves. Records are ordered so that what a record refers to comes before it
//! (managers before reports, parent teams and cycles before children, parent objectives before
//! the objectives aligned to them). Output is deterministic for a given input apart from record
//! ids, which are fresh UUIDv7s (and apart from a shift of every timestamp when `today` is later
//! than the real current date, so that no check-in is ever in the future).

mod clock;
mod history;
mod northwind;
mod ownership_requests;
mod synthetic;

#[cfg(test)]
mod tests;

pub use northwind::organisation;
pub use synthetic::synthetic;

/// The person to sign in as after loading `organisation`: Northwind's CEO, an admin.
pub const DEMO_ADMIN_EMAIL: &str = "amara.okafor@northwind.example";
/// The password of every person of the demo organisation (demo data only; set by
/// `keel serve --demo` when it loads the organisation).
pub const DEMO_PASSWORD: &str = "northwind-demo";
