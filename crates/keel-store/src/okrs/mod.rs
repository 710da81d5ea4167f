//! OKRs: objectives, their key results, and the initiatives that serve key results.

pub(crate) mod initiatives;
pub(crate) mod key_results;
pub(crate) mod objectives;

pub use initiatives::Initiatives;
pub use key_results::KeyResults;
pub use objectives::Objectives;
