//! Test infrastructure served over real protocols: git's own smart HTTP (`git http-backend`) with token auth.

// Each test uses the part of the harness it needs.
#![allow(dead_code)]

pub mod git_http;
