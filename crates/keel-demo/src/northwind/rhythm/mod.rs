//! What the owner's rhythm leaves around Northwind's OKRs: scores and retrospectives of the closed
//! quarter (one carried over into a draft), a review of the Platform team's OKRs with owners'
//! notes and decisions, 1:1s, feedback requests (one answered, one waiting) and recognition.
//! Scores start from the attainment (`rhythm::suggested_score`) and review items from the
//! statuses `rhythm::key_result_status` derives, as the server does.

mod cfr;
mod review;
mod scores;

use super::builder::Org;
use super::okrs::Story;

/// Adds every rhythm record, in the demo's order.
pub(super) fn rhythm_records(org: &mut Org, story: Story) {
    scores::close_previous_quarter(org, &story);
    review::platform_review(org, &story);
    cfr::conversations(org, &story);
    cfr::feedback(org, &story);
    cfr::recognitions(org, &story);
}
