//! OKRs: objectives, their key results, the initiatives that serve key results, and how they
//! align (the alignment graph over objectives and key results).

pub(crate) mod alignment;
pub(crate) mod dependencies;
pub(crate) mod initiatives;
pub(crate) mod key_results;
pub(crate) mod objectives;

pub use alignment::{Alignment, AlignmentFilter, AlignmentRoot};
pub use dependencies::{Dependencies, DependencyAnswer};
pub use initiatives::Initiatives;
pub use key_results::{CircleNames, KeyResultContext, KeyResults};
pub use objectives::Objectives;
