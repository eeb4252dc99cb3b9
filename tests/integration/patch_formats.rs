//! Integration tests: patch_formats.
