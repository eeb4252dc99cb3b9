//! Integration tests: `firedrill schema` prints the JSON Schemas, and the committed copies are current.

#![allow(clippy::unwrap_used)]

use crate::common::{firedrill, root, run};

/// Fails when the committed schema differs from what the binary prints, saying how to regenerate it.
fn assert_committed(args: &[&str], committed: &str) {
    let (code, stdout, stderr) = run(firedrill().arg("schema").args(args));
    assert_eq!(code, 0, "{stderr}");
    let on_disk = std::fs::read_to_string(root().join(committed)).unwrap_or_default();
    let command = std::iter::once("cargo run -- schema").chain(args.iter().copied()).collect::<Vec<_>>().join(" ");
    assert!(
        on_disk == stdout,
        "{committed} is stale: the model changed. Regenerate it with `{command} > {committed}` and commit it."
    );
}

#[test]
fn committed_scenario_schema_is_current() {
    assert_committed(&[], "schema/scenario.schema.json");
}

#[test]
fn committed_config_schema_is_current() {
    assert_committed(&["--config"], "schema/config.schema.json");
}

#[test]
fn schemas_are_pretty_json_with_a_trailing_newline() {
    for args in [&[][..], &["--config"][..]] {
        let (code, stdout, _) = run(firedrill().arg("schema").args(args));
        assert_eq!(code, 0);
        assert!(stdout.ends_with("}\n"));
        let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(value["$schema"], "https://json-schema.org/draft/2020-12/schema");
        assert_eq!(value["additionalProperties"], false);
    }
    let (_, stdout, _) = run(firedrill().arg("schema"));
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let keys: Vec<&str> = value["properties"].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "id",
            "title",
            "description",
            "target",
            "fault",
            "variants",
            "cover",
            "disguise",
            "schedule",
            "safety",
            "merge",
            "deploy",
            "observe",
            "hints",
            "expect",
            "playbook",
            "announce"
        ]
    );
    assert_eq!(value["$defs"]["Target"]["properties"]["branch"]["default"], "main");
}
