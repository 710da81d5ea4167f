//! The read models: what the API returns and the pages show, each assembled in one place with a
//! constant number of queries, from what the reader may see (`services::visibility`) and with
//! what they may do asked of `access`.
//!
//! Why a module of its own: one read model serves the JSON API and the web page alike, so the
//! two cannot drift apart (a team's OKRs, an objective's history, the audit log's filters are
//! each built once). Data flows one way: `read` calls `services` (guards, visibility, the
//! rhythm's `Assessor`) and the store; nothing in `services` calls back into `read`. Each file is
//! named for what it shows.

pub mod administration;
pub mod alignment;
pub mod audit_log;
pub mod calibration;
pub mod cfrs;
pub mod close_out;
pub mod company;
pub mod compliance;
pub mod csv;
pub mod dashboard;
pub mod dependencies;
pub mod financial;
pub mod health;
pub mod key_result_page;
pub mod kpis;
pub mod lists;
pub mod my_week;
pub mod notifications;
pub mod objective_page;
pub mod objectives_list;
pub mod ownership_map;
pub mod participation;
pub mod person_page;
pub mod pickers;
pub mod reviews;
pub mod search;
pub mod team_dependencies;
pub mod team_okrs;
pub mod team_page;
pub mod views;
