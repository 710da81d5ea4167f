//! Black-box tests of the JSON API: a real server on a random port, a fresh database per test,
//! requests over HTTP. One test binary (faster to link), one module per area.

mod helpers;

mod check_ins;
mod directory;
mod errors;
mod objectives;
mod openapi;
mod ownership;
mod story;
mod ui_owner;
