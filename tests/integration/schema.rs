//! Integration tests: schema.
