//! Integration tests: patch_cli.
