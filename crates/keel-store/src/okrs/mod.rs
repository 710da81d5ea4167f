//! OKRs: objectives, their key results, and the initiatives that serve key results.

mod initiatives;
mod key_results;
mod objectives;

pub use initiatives::Initiatives;
pub use key_results::KeyResults;
pub use objectives::Objectives;
