//! Black-box tests of the JSON API: a real server on a random port, a fresh database per test,
//! requests over HTTP. One test binary (faster to link), one module per area.

mod helpers;

mod admin_pages;
mod audit;
mod audit_pages;
mod auth;
mod check_ins;
mod close_out_pages;
mod company_pages;
mod conversations;
mod directory;
mod errors;
mod feedback_pages;
mod form_leaks;
mod form_permissions;
mod my_week;
mod objective_page;
mod objectives;
mod oidc;
mod okr_forms;
mod openapi;
mod org_world;
mod owner_world;
mod ownership;
mod permissions;
mod picker_forms;
mod recognition_pages;
mod review_pages;
mod reviews;
mod rhythm;
mod rhythm_story;
mod rhythm_visibility;
mod scoring;
mod security_headers;
mod security_ids;
mod security_input;
mod security_proposed_owner;
mod status_lifecycle;
mod status_pages;
mod story;
mod team_cadence;
mod tokens_page;
mod visibility;
mod words;
