//! Unit tests of loading: positions, every rule, and a fuzz loop that no input makes panic.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use super::*;

const VALID: &str = r#"id: redis-pool-zero
title: Redis pool exhausted
description: The connection pool size drops to zero.
target:
  repo: acme/helm-values
  branch: main
  path: services/checkout/values.yaml
  environment: staging
fault:
  - op: test
    path: /redis/pool/size
    value: 20
  - op: replace
    path: /redis/pool/size
    value: 0
cover:
  - patch:
      - op: replace
        path: /image/tag
        value: "1.4.2"
disguise:
  branch: "chore/tune-{{ scenario.id }}"
  pr_title: Tune checkout settings
  author:
    name: Dana
    email: dana@example.com
schedule:
  cron: "0 10 * * 2"
  timezone: Europe/Paris
  window: 2h
  open_before: 30m
  blackout: [2025-12-24]
safety:
  max_duration: 3h
  auto_revert: true
hints:
  - after: 30m
    text: Look at recent merges in helm-values.
expect:
  symptom: checkout returns 503
playbook: docs/runbooks/redis.md
"#;

fn errors(text: &str) -> Vec<String> {
    match load(Path::new("s.yaml"), text) {
        Ok(_) => Vec::new(),
        Err(diags) => diags.iter().map(ToString::to_string).collect(),
    }
}

fn one_error(text: &str) -> String {
    let errs = errors(text);
    assert_eq!(errs.len(), 1, "{errs:#?}");
    errs[0].clone()
}

#[test]
fn a_valid_scenario_loads() {
    let s = load(Path::new("s.yaml"), VALID).unwrap();
    assert_eq!(s.id.as_str(), "redis-pool-zero");
    assert_eq!(s.target.format(), crate::patch::Format::Yaml);
    let schedule = s.schedule.as_ref().unwrap();
    assert_eq!(schedule.window().as_secs(), 7200);
    assert_eq!(schedule.max_lateness(), DEFAULT_MAX_LATENESS);
    assert_eq!(s.safety.max_duration().as_secs(), 3 * 3600);
    let checks = s.fault_check();
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0].expect, Expected::Value(serde_json::json!(0)));
    assert!(s.fault_present(&serde_json::json!({"redis": {"pool": {"size": 0}}})));
    assert!(!s.fault_present(&serde_json::json!({"redis": {"pool": {"size": 20}}})));
}

#[test]
fn unknown_keys_suggest_the_closest() {
    let text = VALID.replace("schedule:", "shedule:");
    let e = one_error(&text);
    assert!(
        e.starts_with(
            "s.yaml:27:1: unknown key `shedule`\n  = help: did you mean `schedule`? allowed keys here: `id`, "
        ),
        "{e}"
    );
}

#[test]
fn bad_values_point_at_the_value() {
    let text = VALID.replace("\"0 10 * * 2\"", "\"61 * * * *\"");
    assert_eq!(
        one_error(&text),
        "s.yaml:28:9: schedule.cron: invalid cron expression \"61 * * * *\": minute `61` is invalid (61 is out of range 0-59)\n  = help: the minute field takes 0-59, a list like `0,30` or a step like `*/15`; for example \"0 * * * *\""
    );
    let text = VALID.replace("Europe/Paris", "Europe/Pariss");
    assert_eq!(
        one_error(&text),
        "s.yaml:29:13: schedule.timezone: unknown time zone \"Europe/Pariss\"\n  = help: did you mean `Europe/Paris`?"
    );
    let text = VALID.replace("window: 2h", "window: 2 hours");
    assert!(one_error(&text).starts_with("s.yaml:30:11: schedule.window: \"2 hours\" is not a duration"));
    let text = VALID.replace("path: /redis/pool/size\n    value: 0", "path: redis.pool.size\n    value: 0");
    assert!(one_error(&text).starts_with("s.yaml:14:11: fault[1].path: \"redis.pool.size\" is not a JSON pointer"));
}

#[test]
fn all_errors_of_a_file_are_collected() {
    let text = VALID
        .replace("schedule:", "shedule:")
        .replace("auto_revert: true", "auto_revert: sometimes")
        .replace("op: replace\n    path: /redis", "op: rplace\n    path: /redis")
        .replace("id: redis-pool-zero", "id: Redis Pool");
    let errs = errors(&text);
    assert_eq!(errs.len(), 4, "{errs:#?}");
    assert!(errs[0].starts_with("s.yaml:1:5: id: \"Redis Pool\" is not a slug"), "{}", errs[0]);
    assert!(errs[1].contains("fault[1].op: unknown op `rplace`"), "{}", errs[1]);
    assert!(errs[1].contains("did you mean `replace`?"), "{}", errs[1]);
    assert!(
        errs[3].contains("safety.auto_revert: expected true or false, found the string \"sometimes\""),
        "{}",
        errs[3]
    );
}

#[test]
fn missing_and_wrong_types() {
    let text = VALID.replace("  path: services/checkout/values.yaml\n", "");
    assert!(one_error(&text).starts_with("s.yaml:4:1: target: missing required key `path`"));
    let text = VALID.replace("title: Redis pool exhausted", "title: [a, b]");
    assert_eq!(one_error(&text), "s.yaml:2:8: title: expected a string, found a list");
    let text = VALID.replace("blackout: [2025-12-24]", "blackout: 2025-12-24");
    assert!(
        one_error(&text)
            .starts_with("s.yaml:32:13: schedule.blackout: expected a list, found the string \"2025-12-24\"")
    );
    // A plain number where a string is expected is read as that string.
    let text = VALID.replace("title: Redis pool exhausted", "title: 2024");
    assert_eq!(load(Path::new("s.yaml"), &text).unwrap().title, "2024");
}

#[test]
fn fault_rules() {
    let text = VALID.replace(
        "  - op: test\n    path: /redis/pool/size\n    value: 20\n  - op: replace\n    path: /redis/pool/size\n    value: 0\n",
        "  []\n",
    );
    let text = text.replace("fault:\n  []", "fault: []");
    assert!(one_error(&text).contains("fault: the fault is empty"));
    let text = VALID.replace("  - op: replace\n    path: /redis/pool/size\n    value: 0\n", "");
    assert!(one_error(&text).contains("the fault only has `test` operations"));
    let text = VALID.replace("value: 0\n", "value: off\n");
    assert!(one_error(&text).contains("fault[1].value: `off` is ambiguous"));
    let text = VALID.replace("path: /image/tag", "path: /redis/pool");
    assert!(one_error(&text).contains("cover[0].patch[0].path: the cover edit touches `/redis/pool`"));
    let text = VALID.replace(
        "  - op: replace\n    path: /redis/pool/size\n    value: 0\n",
        "  - op: move\n    from: /a\n    path: /b\n",
    );
    assert!(one_error(&text).contains("fault[1]: cannot tell when the fault is present"));
}

#[test]
fn yaml_problems() {
    assert!(one_error("id: [").starts_with("s.yaml:"));
    assert_eq!(one_error(""), "s.yaml:1:1: the file is empty\n  = help: start from an example in docs/scenarios.md");
    assert!(one_error("a: 1\n---\nb: 2\n").contains("several YAML documents"));
    assert!(one_error(&format!("{VALID}title: again\n")).contains("duplicate key `title` (first set on line 2)"));
}

#[test]
fn sets_and_config() {
    let config = load_config(
        Path::new("firedrill.yml"),
        "allowed_branches: [staging, env/*]\nallowed_environments: [staging]\ndefaults:\n  safety:\n    max_duration: 20m\n",
    )
    .unwrap();
    let a = load_file(Path::new("a.yaml"), VALID).unwrap();
    let b = load_file(Path::new("b.yaml"), VALID).unwrap();
    let diags: Vec<String> = check_set(&[a.clone(), b], Some(&config)).iter().map(ToString::to_string).collect();
    assert!(
        diags.iter().any(|d| d.starts_with("b.yaml:1:5: id: duplicate id `redis-pool-zero`: a.yaml:1:5 uses it too")),
        "{diags:#?}"
    );
    assert!(
        diags.iter().any(|d| d.starts_with("a.yaml:6:11: target.branch: branch `main` is not allowed")),
        "{diags:#?}"
    );
    // max_duration 3h is set in the scenario, so the default 20m does not apply.
    assert!(!diags.iter().any(|d| d.contains("hints")), "{diags:#?}");
    let errs = load_config(Path::new("firedrill.yml"), "ledger_branch: a b\ngame_masters: ['@dana']\nbaseline: 4h\n")
        .unwrap_err();
    assert_eq!(errs.len(), 3, "{errs:#?}");
    assert!(errs[2].to_string().contains("did you mean `baseline_mttr`?"));
}

#[test]
fn schemas_describe_every_field() {
    let s = scenario_schema().to_string();
    for needle in ["\"cron\"", "\"Duration\"", "\"fault\"", "\"disguise\"", "\"blackout\"", "\"detect_by\""] {
        assert!(s.contains(needle), "{needle}");
    }
    assert!(config_schema().to_string().contains("\"ledger_branch\""));
}

/// Mutates a valid file in many small ways; loading must never panic.
#[test]
fn no_input_makes_loading_panic() {
    let bytes = VALID.as_bytes();
    let specials: &[u8] = b":-[]{}'\"&*!|>#%@`,? \n\t0";
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..3000 {
        let mut m = bytes.to_vec();
        for _ in 0..(next() % 4 + 1) {
            let at = (next() % m.len() as u64) as usize;
            match next() % 4 {
                0 => m[at] = specials[(next() % specials.len() as u64) as usize],
                1 => {
                    m.remove(at);
                }
                2 => m.insert(at, specials[(next() % specials.len() as u64) as usize]),
                _ => {
                    let end = (at + (next() % 40) as usize).min(m.len());
                    m.drain(at..end);
                }
            }
        }
        let text = String::from_utf8_lossy(&m);
        let _ = load(Path::new("f.yaml"), &text);
        let _ = load_config(Path::new("firedrill.yml"), &text);
    }
}
