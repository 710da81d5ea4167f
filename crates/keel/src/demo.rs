//! TEMP STUB (replaced by branch demo)
use keel_store::Snapshot;
pub const DEMO_ADMIN_EMAIL: &str = "x@y.z";
pub fn organisation(_t: chrono::NaiveDate) -> Snapshot {
    Snapshot::default()
}
pub fn synthetic(_n: usize, _s: u64, _t: chrono::NaiveDate) -> Snapshot {
    Snapshot::default()
}
