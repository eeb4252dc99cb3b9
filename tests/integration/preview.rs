//! Integration tests: preview.
