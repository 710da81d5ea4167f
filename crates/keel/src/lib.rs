//! The `keel` binary's library half: configuration and demo data, shared by `main.rs`, the CLI
//! tests and the benchmarks.

pub mod config;
pub mod demo;
