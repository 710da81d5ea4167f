//! Black-box tests of the JSON API: a real server on a random port, a fresh database per test,
//! requests over HTTP. One test binary (faster to link), one module per area.

mod helpers;

mod audit;
mod auth;
mod check_ins;
mod conversations;
mod directory;
mod errors;
mod form_leaks;
mod objectives;
mod oidc;
mod openapi;
mod ownership;
mod permissions;
mod reviews;
mod rhythm;
mod rhythm_story;
mod rhythm_visibility;
mod scoring;
mod story;
mod tokens_page;
mod ui_capabilities;
mod ui_org;
mod ui_owner;
mod ui_rhythm;
mod visibility;
