//! Who may do what, and the table that proves it: the permission rules and the permission
//! matrix side by side, so that a change to one is made with the other in view.
//!
//! - [`rules`] holds the decisions: one function per kind of act (`manage_people`,
//!   `edit_objective`, `check_in`, …), asked by the services before they read or write, so the
//!   API, the web UI and the CLI answer alike. Its functions are re-exported here, so callers
//!   write `access::edit_objective(&actor, &objective)?`.
//! - [`matrix`] holds the table: for each API route and each page, one row with a cell per role
//!   (and the team lead position). A row states what the rules behind that route decide for a
//!   person holding just that role: `yes`, `own` (only on their own records) or `no`.
//!
//! How a rule and its row relate: a route calls one or more rules; its row is the outcome of
//! those rules for each column. The rules are the truth and the row is a claim about them, which
//! a test checks by walking every cell against the running app (so the two cannot drift), and
//! `docs/permissions.md` is generated from the rows. Changing a rule therefore means changing the
//! rows of every route that asks it, in the same commit.

pub mod matrix;
pub mod rules;

pub use rules::*;
