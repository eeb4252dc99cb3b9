//! The one integration-test binary: every end-to-end test runs the real `firedrill` binary or library.

// Tests may panic on a broken fixture and print what they measured.
#![allow(clippy::unwrap_used, clippy::print_stderr, clippy::print_stdout)]

mod action;
mod cli_errors;
mod commands;
mod common;
mod container;
mod corpus;
mod demo;
mod deploy;
mod deploy_preflight;
mod disguise;
mod docs;
mod embedded;
mod emulator;
mod first_action;
mod forge_contract;
mod git;
mod github_answers;
mod github_drill;
mod github_settings;
mod gitops;
mod hostile;
mod ledger;
mod lifecycle;
mod numbers;
mod observe;
mod patch_cli;
mod patch_formats;
mod preview;
mod protected;
mod reach;
mod readme;
mod reliability;
mod safety;
mod schema;
mod status;
mod suggest;
mod support;
mod tells;
mod validate;
mod variants;
