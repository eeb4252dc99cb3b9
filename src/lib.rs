//! firedrill: outage drills for GitOps teams.
//!
//! Pure modules (no IO): [`patch`], [`scenario`], [`schedule`], [`metrics`], [`render`].
//! Adapters: [`repo`] (reading target files from a folder or a git repository).
//! The CLI in `main.rs` only parses arguments and calls [`cli::run`].

pub mod action;
pub mod cli;
pub mod disguise;
pub mod drill;
pub mod forge;
pub mod git;
pub mod ledger;
pub mod metrics;
pub mod patch;
pub mod person;
pub mod render;
pub mod repo;
pub mod runner;
pub mod scenario;
pub mod schedule;
pub mod suggest;
pub mod yaml;
