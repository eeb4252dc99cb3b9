//! The one integration-test binary: every end-to-end test runs the real `firedrill` binary or library.

mod common;
mod corpus;
mod git;
mod lifecycle;
mod patch_cli;
mod patch_formats;
mod preview;
mod schema;
mod support;
mod validate;
