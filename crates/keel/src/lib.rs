//! The `keel` binary's library half: its configuration (flags, environment, config file), shared
//! by `main.rs`, the CLI tests and the benchmarks. The demo data lives in the `keel-demo` crate.

pub mod config;
pub mod setup;
