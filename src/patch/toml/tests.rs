//! The TOML engine's tests: reading, each operation on real-looking files, line endings and refusals.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::patch::PatchErrorKind;

fn run(text: &str, ops: &str) -> Result<String, PatchError> {
    crate::patch::testing::run(apply, text, ops)
}

fn ok(text: &str, ops: &str) -> String {
    crate::patch::testing::ok(apply, text, ops)
}

const CONF: &str = r#"# service config
title = "api" # shown in logs
port = 8080
tags = ["a", "b"]
limits = { cpu = 2, mem = "1Gi" }

[database]
  host = 'db.internal'
  pool.size = 10
  started = 1979-05-27T07:32:00Z

# replicas
[[replica]]
name = "r1"

[[replica]]
name = "r2"

[cache.redis]
url = "redis://cache"
"#;

#[test]
fn reads_toml_as_json() {
    let v = parse_value(CONF).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "title": "api", "port": 8080, "tags": ["a", "b"], "limits": {"cpu": 2, "mem": "1Gi"},
            "database": {"host": "db.internal", "pool": {"size": 10}, "started": "1979-05-27T07:32:00Z"},
            "replica": [{"name": "r1"}, {"name": "r2"}],
            "cache": {"redis": {"url": "redis://cache"}}
        })
    );
    let e = parse_value("a = nan\n").unwrap_err();
    assert_eq!(e.kind, PatchErrorKind::Unsupported);
    assert!(e.to_string().starts_with("1:5: the float `nan` is not a finite number"), "{e}");
    let e = parse_value("a = \n").unwrap_err();
    assert_eq!(e.kind, PatchErrorKind::Parse);
    assert!(e.to_string().starts_with("1:5: the file is not valid TOML"), "{e}");
}

#[test]
fn replace_keeps_decor_and_quotes() {
    assert_eq!(ok(CONF, r#"[{"op":"replace","path":"/port","value":0}]"#), CONF.replace("port = 8080", "port = 0"));
    assert_eq!(ok(CONF, r#"[{"op":"replace","path":"/title","value":"0"}]"#), CONF.replace("\"api\" #", "\"0\" #"));
    assert_eq!(
        ok(CONF, r#"[{"op":"replace","path":"/database/host","value":"x"}]"#),
        CONF.replace("'db.internal'", "'x'")
    );
    // a literal string cannot hold a quote: basic string then
    assert_eq!(
        ok(CONF, r#"[{"op":"replace","path":"/database/host","value":"it's"}]"#),
        CONF.replace("'db.internal'", "\"it's\"")
    );
    assert_eq!(
        ok(CONF, r#"[{"op":"replace","path":"/database/pool/size","value":0}]"#),
        CONF.replace("size = 10", "size = 0")
    );
    assert_eq!(ok(CONF, r#"[{"op":"replace","path":"/tags/1","value":"c"}]"#), CONF.replace("\"b\"]", "\"c\"]"));
    assert_eq!(ok(CONF, r#"[{"op":"replace","path":"/limits/mem","value":"0"}]"#), CONF.replace("\"1Gi\"", "\"0\""));
    assert_eq!(
        ok(CONF, r#"[{"op":"replace","path":"/replica/1/name","value":"r9"}]"#),
        CONF.replace("\"r2\"", "\"r9\"")
    );
    // a datetime stays a datetime
    assert_eq!(
        ok(CONF, r#"[{"op":"replace","path":"/database/started","value":"2001-01-01T00:00:00Z"}]"#),
        CONF.replace("1979-05-27T07:32:00Z", "2001-01-01T00:00:00Z")
    );
    assert_eq!(
        ok(CONF, r#"[{"op":"replace","path":"/port","value":{"http":80,"tls":[443]}}]"#),
        CONF.replace("port = 8080", "port = { http = 80, tls = [443] }")
    );
    assert_eq!(ok("s = '''\nx'''\n", r#"[{"op":"replace","path":"/s","value":"a\nb"}]"#), "s = '''\na\nb'''\n");
    assert_eq!(
        ok("s = \"\"\"x\"\"\"\n", r#"[{"op":"replace","path":"/s","value":"a\"\nb"}]"#),
        "s = \"\"\"a\\\"\nb\"\"\"\n"
    );
}

#[test]
fn add_writes_native_lines() {
    assert_eq!(
        ok(CONF, r#"[{"op":"add","path":"/database/timeout","value":"5s"}]"#),
        CONF.replace("07:32:00Z\n", "07:32:00Z\n  timeout = \"5s\"\n")
    );
    assert_eq!(
        ok(CONF, r#"[{"op":"add","path":"/debug","value":false}]"#),
        CONF.replace("\"1Gi\" }\n", "\"1Gi\" }\ndebug = false\n")
    );
    assert_eq!(
        ok(CONF, r#"[{"op":"add","path":"/database/pool/min","value":1}]"#),
        CONF.replace("size = 10\n", "size = 10\n  pool.min = 1\n")
    );
    assert_eq!(
        ok(CONF, r#"[{"op":"add","path":"/replica/0/zone","value":"a"}]"#),
        CONF.replace("\"r1\"\n", "\"r1\"\nzone = \"a\"\n")
    );
    assert_eq!(ok(CONF, r#"[{"op":"add","path":"/tags/-","value":"c"}]"#), CONF.replace("\"b\"]", "\"b\", \"c\"]"));
    assert_eq!(ok(CONF, r#"[{"op":"add","path":"/tags/0","value":"z"}]"#), CONF.replace("[\"a\"", "[\"z\", \"a\""));
    assert_eq!(
        ok(CONF, r#"[{"op":"add","path":"/limits/gpu","value":0}]"#),
        CONF.replace("\"1Gi\" }", "\"1Gi\", gpu = 0 }")
    );
    assert_eq!(
        ok(CONF, r#"[{"op":"add","path":"/cache/ttl","value":60}]"#),
        CONF.replace("[cache.redis]", "[cache]\nttl = 60\n\n[cache.redis]")
    );
    assert_eq!(
        ok(CONF, r#"[{"op":"add","path":"/replica/-","value":{"name":"r3","weight":2}}]"#),
        CONF.replace("\"r2\"\n", "\"r2\"\n\n[[replica]]\nname = \"r3\"\nweight = 2\n")
    );
    assert_eq!(
        ok(CONF, r#"[{"op":"add","path":"/replica/0","value":{"name":"r0"}}]"#),
        CONF.replace("# replicas\n[[replica]]", "[[replica]]\nname = \"r0\"\n\n# replicas\n[[replica]]")
    );
    assert_eq!(ok(CONF, r#"[{"op":"add","path":"/port","value":1}]"#), CONF.replace("port = 8080", "port = 1"));
    assert_eq!(ok("[a]\n", r#"[{"op":"add","path":"/x","value":"1"}]"#), "x = \"1\"\n\n[a]\n");
    assert_eq!(ok("[a]\n", r#"[{"op":"add","path":"/a/k","value":[]}]"#), "[a]\nk = []\n");
    assert_eq!(
        ok("a = [\n    1,\n    2,\n]\n", r#"[{"op":"add","path":"/a/-","value":3}]"#),
        "a = [\n    1,\n    2,\n    3,\n]\n"
    );
    assert_eq!(
        ok("a = [\n  1, # one\n  2 # two\n]\n", r#"[{"op":"add","path":"/a/-","value":3}]"#),
        "a = [\n  1, # one\n  2, # two\n  3\n]\n"
    );
    assert_eq!(ok("\"my key\" = 1\n", r#"[{"op":"add","path":"/a.b","value":2}]"#), "\"my key\" = 1\n\"a.b\" = 2\n");
}

#[test]
fn remove_deletes_lines_and_sections() {
    assert_eq!(ok(CONF, r#"[{"op":"remove","path":"/port"}]"#), CONF.replace("port = 8080\n", ""));
    assert_eq!(ok(CONF, r#"[{"op":"remove","path":"/database/host"}]"#), CONF.replace("  host = 'db.internal'\n", ""));
    assert_eq!(ok(CONF, r#"[{"op":"remove","path":"/tags/0"}]"#), CONF.replace("[\"a\", \"b\"]", "[\"b\"]"));
    assert_eq!(ok(CONF, r#"[{"op":"remove","path":"/limits/cpu"}]"#), CONF.replace("cpu = 2, ", ""));
    assert_eq!(
        ok(CONF, r#"[{"op":"remove","path":"/replica/1"}]"#),
        CONF.replace("\n[[replica]]\nname = \"r2\"\n", "")
    );
    assert_eq!(
        ok(CONF, r#"[{"op":"remove","path":"/replica"}]"#),
        CONF.replace("\n# replicas\n[[replica]]\nname = \"r1\"\n\n[[replica]]\nname = \"r2\"\n", "")
    );
    assert_eq!(
        ok(CONF, r#"[{"op":"remove","path":"/cache"}]"#),
        CONF.replace("\n[cache.redis]\nurl = \"redis://cache\"\n", "")
    );
    assert_eq!(
        ok(CONF, r#"[{"op":"remove","path":"/database"}]"#),
        CONF.replace("\n[database]\n  host = 'db.internal'\n  pool.size = 10\n  started = 1979-05-27T07:32:00Z\n", "")
    );
    assert_eq!(ok("a = 1\nb = 2", r#"[{"op":"remove","path":"/b"}]"#), "a = 1");
}

#[test]
fn move_replace_tables_and_test() {
    assert_eq!(
        ok(CONF, r#"[{"op":"move","from":"/port","path":"/listen"}]"#),
        CONF.replace("port = 8080", "listen = 8080")
    );
    // replacing a [table] edits only the keys that differ
    assert_eq!(
        ok(CONF, r#"[{"op":"replace","path":"/cache/redis","value":{"url":"redis://other"}}]"#),
        CONF.replace("redis://cache", "redis://other")
    );
    assert_eq!(
        ok(CONF, r#"[{"op":"replace","path":"/replica","value":[{"name":"r1"},{"name":"r2","w":1}]}]"#),
        CONF.replace("\"r2\"\n", "\"r2\"\nw = 1\n")
    );
    let out = ok(CONF, r#"[{"op":"replace","path":"/cache","value":"off"}]"#);
    assert_eq!(parse_value(&out).unwrap()["cache"], "off");
    assert_eq!(ok(CONF, r#"[{"op":"test","path":"/database/started","value":"1979-05-27T07:32:00Z"}]"#), CONF);
    let out = ok(CONF, r#"[{"op":"copy","from":"/limits","path":"/database/limits"}]"#);
    assert!(out.contains("  limits = { cpu = 2, mem = \"1Gi\" }\n"), "{out}");
}

#[test]
fn crlf_and_missing_final_newline_are_kept() {
    let crlf = CONF.replace('\n', "\r\n");
    assert_eq!(
        ok(&crlf, r#"[{"op":"add","path":"/database/timeout","value":"5s"}]"#),
        crlf.replace("07:32:00Z\r\n", "07:32:00Z\r\n  timeout = \"5s\"\r\n")
    );
    assert_eq!(
        ok(&crlf, r#"[{"op":"remove","path":"/cache"}]"#),
        crlf.replace("\r\n[cache.redis]\r\nurl = \"redis://cache\"\r\n", "")
    );
    assert_eq!(
        ok(&crlf, r#"[{"op":"add","path":"/replica/-","value":{"name":"r3"}}]"#),
        crlf.replace("\"r2\"\r\n", "\"r2\"\r\n\r\n[[replica]]\r\nname = \"r3\"\r\n")
    );
    let bare = "[a]\nx = 1";
    assert_eq!(ok(bare, r#"[{"op":"add","path":"/a/y","value":2}]"#), "[a]\nx = 1\ny = 2");
    assert_eq!(ok("[a]\nx = 1\n\n[b]\ny = 2", r#"[{"op":"remove","path":"/b"}]"#), "[a]\nx = 1");
    assert_eq!(ok("[[t]]\nx = 1", r#"[{"op":"add","path":"/t/-","value":{"x":2}}]"#), "[[t]]\nx = 1\n[[t]]\nx = 2");
}

#[test]
fn removing_the_last_sections_keeps_a_missing_final_newline() {
    let text = "[a]\nx = 1\n\n[lints.rust]\ny = 2\n\n[lints.rust.idioms]\nlevel = \"warn\"";
    assert_eq!(ok(text, r#"[{"op":"remove","path":"/lints"}]"#), "[a]\nx = 1");
    let text = "[lints]\nw = 1\n\n[lints.rust]\ny = 2\n\n[lints.rust.idioms]\nlevel = \"warn\"";
    assert_eq!(ok(&text.replace('\n', "\r\n"), r#"[{"op":"remove","path":"/lints/rust"}]"#), "[lints]\r\nw = 1");
}

#[test]
fn multi_line_strings_keep_the_files_line_breaks() {
    let crlf = "d = \"\"\"\r\nline one\r\nline two\"\"\"\r\nx = 1\r\n";
    assert_eq!(parse_value(crlf).unwrap()["d"], "line one\r\nline two");
    assert_eq!(
        ok(crlf, r#"[{"op":"replace","path":"/d","value":"one\r\n\"two\""}]"#),
        "d = \"\"\"\r\none\r\n\\\"two\\\"\"\"\"\r\nx = 1\r\n"
    );
    let lit = "d = \'\'\'\r\nline one\r\n\'\'\'\r\n";
    assert_eq!(ok(lit, r#"[{"op":"replace","path":"/d","value":"a\r\nb"}]"#), "d = \'\'\'\r\na\r\nb\'\'\'\r\n");
    // a lone line feed in a CRLF file is escaped rather than written raw
    assert_eq!(ok(crlf, r#"[{"op":"replace","path":"/d","value":"a\nb"}]"#), "d = \"\"\"\r\na\\nb\"\"\"\r\nx = 1\r\n");
}

#[test]
fn refusals() {
    let e = run(CONF, r#"[{"op":"replace","path":"/port","value":null}]"#).unwrap_err();
    assert_eq!(e.kind, PatchErrorKind::Unsupported);
    assert_eq!(
        e.to_string(),
        "3:8: operation 0 (`/port`): `/port` cannot be set to null, and TOML has no null\n  hint: remove the key instead, or use a value TOML can hold (a string, number, boolean, array or table)"
    );
    let e = run(CONF, r#"[{"op":"replace","path":"/database/hots","value":"x"}]"#).unwrap_err();
    assert_eq!(e.kind, PatchErrorKind::NotFound);
    assert_eq!(
        e.to_string(),
        "7:2: operation 0 (`/database/hots`): `/database` has no key `hots`\n  hint: did you mean `host`? keys are case-sensitive"
    );
    let e = run(CONF, r#"[{"op":"add","path":"/port/x","value":1}]"#).unwrap_err();
    assert_eq!(e.kind, PatchErrorKind::NotAContainer);
    assert!(e.to_string().starts_with("3:1: operation 0 (`/port/x`): `/port` is a number"), "{e}");
    let e = run("a.b = 1\n", r#"[{"op":"remove","path":"/a/b"}]"#).unwrap_err();
    assert_eq!(e.kind, PatchErrorKind::Unsupported);
    assert!(e.to_string().starts_with("1:3: operation 0 (`/a/b`): `b` is the last key of `/a`"), "{e}");
    let e = run("[[t]]\nx = 1\n", r#"[{"op":"remove","path":"/t/0"}]"#).unwrap_err();
    assert_eq!(e.kind, PatchErrorKind::Unsupported);
    assert!(e.to_string().contains("hint: replace `/t` with [] instead"), "{e}");
    let e = run(CONF, r#"[{"op":"add","path":"/replica/-","value":"r3"}]"#).unwrap_err();
    assert_eq!(e.kind, PatchErrorKind::Unsupported);
    assert!(e.to_string().starts_with("13:1: operation 0 (`/replica/-`): `/replica` is an array of tables"), "{e}");
    let e = run(CONF, r#"[{"op":"add","path":"/big","value":18446744073709551615}]"#).unwrap_err();
    assert!(e.to_string().contains("larger than TOML's 64-bit integers"), "{e}");
}
