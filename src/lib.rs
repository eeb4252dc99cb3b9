//! firedrill: outage drills for GitOps teams.
//!
//! Pure modules (no IO, no async, no git2/octocrab types): [`types`] (the data pure code shares with the
//! adapters: commit ids, merge methods, changes, landings, people, a drill's summary), [`scenario`], [`yaml`],
//! [`patch`], [`kustomize`], [`deployers`], [`schedule`], [`disguise`], [`drill`] (the event log, its fold, the
//! scheduler, and [`drill::step`]: every rule of the incident phase), [`metrics`], [`render`] (every text written
//! for people), [`suggest`], [`propose`] (faults found in a repository, from the files [`repo::walk`] reads),
//! [`reach`] (which environments a changed file reaches, and whether one is production), [`person`], [`redact`]
//! (what a message may quote of a file). The folders `drill`, `scenario`, `render`,
//! `metrics`, `schedule`, `patch`, `disguise` and `propose` never name an adapter: a test reads their sources.
//! Adapters: [`git`] (git2), [`forge`] (local git and GitHub through octocrab), [`ledger`], [`repo`],
//! [`action`] (GitHub Actions I/O), [`observe`] (pure rules over what Prometheus and pushed alerts saw, and the
//! HTTP adapter that asks Prometheus), [`wait`] (the pauses firedrill decides on, simulated in tests).
//! The one executor: [`runner`] gathers what [`drill::step`] needs, and carries out the effects it decides.
//! The CLI in `main.rs` only parses arguments, calls [`cli::run`], and prints its [`cli::CliError`] (the message,
//! then its hints) and exits with the code the error's kind picks.

pub mod action;
pub mod cli;
pub mod deployers;
pub mod disguise;
pub mod drill;
pub mod forge;
pub mod git;
pub mod kustomize;
#[cfg(test)]
mod layers;
pub mod ledger;
pub mod metrics;
pub mod observe;
pub mod patch;
pub mod person;
pub mod propose;
pub mod reach;
pub mod redact;
pub mod render;
pub mod repo;
pub mod runner;
pub mod scenario;
pub mod schedule;
pub mod suggest;
pub mod types;
pub mod wait;
pub mod yaml;
