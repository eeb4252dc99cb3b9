//! Every kind of embedded document (JSON object and array, in every indentation JSON is written with, one
//! line or many; YAML mapping and list) under every block scalar header (`|`, `|-`, `|+` with trailing
//! blank lines, an indentation indicator), for replace, add, append and remove. Each result is judged by
//! reading the embedded text again in its own language, and the diffs are snapshots.

use serde_json::{Value, json};

use super::embedded::Language;
use crate::patch::{DocumentSelector, Format, Patch, apply, parse_value};

/// An embedded document: its name, its text, and the four operations on it.
struct Doc {
    name: &'static str,
    text: &'static str,
    replace: Value,
    add: Value,
    append: Value,
    remove: Value,
}

fn docs() -> Vec<Doc> {
    vec![
        Doc {
            name: "json_object",
            text: "{\n  \"name\": \"checkout\",\n  \"limits\": {\n    \"cpu\": \"1\"\n  },\n  \"ports\": [80, 443],\n  \"labels\": {}\n}\n",
            replace: json!({"op": "replace", "path": "/limits/cpu", "value": "0"}),
            add: json!({"op": "add", "path": "/limits/memory", "value": "1Mi"}),
            append: json!({"op": "add", "path": "/ports/-", "value": 8080}),
            remove: json!({"op": "remove", "path": "/name"}),
        },
        Doc {
            name: "json_object_four_spaces",
            text: "{\n    \"type\": \"service_account\",\n    \"project_id\": \"shop\",\n    \"scopes\": [\n        \"a\",\n        \"b\"\n    ]\n}\n",
            replace: json!({"op": "replace", "path": "/project_id", "value": "other"}),
            add: json!({"op": "add", "path": "/universe_domain", "value": "example.com"}),
            append: json!({"op": "add", "path": "/scopes/-", "value": "c"}),
            remove: json!({"op": "remove", "path": "/scopes/0"}),
        },
        Doc {
            name: "json_object_tabs",
            text: "{\n\t\"Version\": \"2012-10-17\",\n\t\"Statement\": [\n\t\t{\n\t\t\t\"Effect\": \"Allow\",\n\t\t\t\"Action\": [\"s3:GetObject\"]\n\t\t}\n\t]\n}\n",
            replace: json!({"op": "replace", "path": "/Statement/0/Effect", "value": "Deny"}),
            add: json!({"op": "add", "path": "/Statement/0/Resource", "value": "*"}),
            append: json!({"op": "add", "path": "/Statement/0/Action/-", "value": "s3:PutObject"}),
            remove: json!({"op": "remove", "path": "/Version"}),
        },
        Doc {
            name: "json_one_line",
            text: "{\"auths\":{\"registry.example.com\":{\"auth\":\"placeholder\"}},\"mirrors\":[]}\n",
            replace: json!({"op": "replace", "path": "/auths/registry.example.com/auth", "value": "x"}),
            add: json!({"op": "add", "path": "/credsStore", "value": "desktop"}),
            append: json!({"op": "add", "path": "/mirrors/-", "value": "m"}),
            remove: json!({"op": "remove", "path": "/mirrors"}),
        },
        Doc {
            name: "json_array_of_objects",
            text: "[\n  {\n    \"name\": \"a\",\n    \"port\": 80\n  },\n  {\n    \"name\": \"b\",\n    \"port\": 81\n  }\n]\n",
            replace: json!({"op": "replace", "path": "/1/port", "value": 0}),
            add: json!({"op": "add", "path": "/0/protocol", "value": "TCP"}),
            append: json!({"op": "add", "path": "/-", "value": {"name": "c", "port": 82}}),
            remove: json!({"op": "remove", "path": "/0"}),
        },
        Doc {
            name: "yaml_mapping",
            text: "# tuned in INC-231\nredis:\n  pool:\n    size: 10 # raised\n\n  hosts:\n    - a\n    - b\nreplicaCount: 2\n",
            replace: json!({"op": "replace", "path": "/redis/pool/size", "value": 0}),
            add: json!({"op": "add", "path": "/redis/pool/timeout", "value": "1ms"}),
            append: json!({"op": "add", "path": "/redis/hosts/-", "value": "c"}),
            remove: json!({"op": "remove", "path": "/replicaCount"}),
        },
        Doc {
            name: "yaml_list",
            text: "- name: a\n  port: 80\n\n# the second one\n- name: b\n  port: 81\n",
            replace: json!({"op": "replace", "path": "/0/port", "value": "yes"}),
            add: json!({"op": "add", "path": "/1/protocol", "value": "TCP"}),
            append: json!({"op": "add", "path": "/-", "value": {"name": "c", "port": 82}}),
            remove: json!({"op": "remove", "path": "/0"}),
        },
    ]
}

/// Block scalar headers, the indentation of the content, and the blank lines after it. The key `config:`
/// sits at column 2, so the indicators `|2` and `|4-` put the content at 4 and 6.
const HEADERS: [(&str, usize, &str); 5] =
    [("|", 4, ""), ("|-", 4, ""), ("|+", 4, "\n\n"), ("|2", 4, ""), ("|4-", 6, "")];

/// `text` held at `data.config` of a ConfigMap, under `header`, indented by `indent`.
fn outer(text: &str, header: &str, indent: usize, after: &str) -> String {
    let pad = " ".repeat(indent);
    let body: String = text.lines().map(|l| if l.is_empty() { "\n".into() } else { format!("{pad}{l}\n") }).collect();
    format!("apiVersion: v1\nkind: ConfigMap\ndata:\n  config: {header}\n{body}{after}  other: x # stays\n")
}

fn patch(op: &Value) -> Patch {
    serde_json::from_value(json!([op])).unwrap()
}

#[test]
fn every_embedded_kind_under_every_header_for_every_operation() {
    let sel: DocumentSelector = "#/data/config".parse().unwrap();
    for doc in docs() {
        let mut shown = String::new();
        for (header, indent, after) in HEADERS {
            let text = outer(doc.text, header, indent, after);
            let before = parse_value(Format::Yaml, &text, Some(&sel)).unwrap_or_else(|e| panic!("{}: {e}", doc.name));
            let inner = serde_norway::from_str::<serde_norway::Value>(&text).unwrap()["data"]["config"]
                .as_str()
                .unwrap()
                .to_owned();
            let language = Language::of(&inner);
            assert_eq!(language == Language::Json, doc.name.starts_with("json"), "{}", doc.name);
            for (what, op) in
                [("replace", &doc.replace), ("add", &doc.add), ("append", &doc.append), ("remove", &doc.remove)]
            {
                let p = patch(op);
                let out = apply(Format::Yaml, &text, &p, Some(&sel))
                    .unwrap_or_else(|e| panic!("{} {header} {what}: {e}", doc.name));
                // Judged by reading the embedded text again in its own language.
                let new_inner = serde_norway::from_str::<serde_norway::Value>(&out).unwrap()["data"]["config"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                assert_eq!(Language::of(&new_inner), language, "{} {header} {what}: changed language", doc.name);
                let read: Value = match language {
                    Language::Json => serde_json::from_str(&new_inner).unwrap_or_else(|e| {
                        panic!("{} {header} {what}: not JSON any more: {e}\n{new_inner}", doc.name)
                    }),
                    Language::Yaml => serde_norway::from_str(&new_inner).unwrap(),
                };
                let mut want = before.clone();
                json_patch::patch(&mut want, &p.0).unwrap();
                assert_eq!(read, want, "{} {header} {what}", doc.name);
                // The lines around the block scalar, its header and its trailing blank lines stay.
                assert!(out.contains(&format!("  config: {header}\n")), "{} {header} {what}", doc.name);
                assert!(out.ends_with(&format!("{after}  other: x # stays\n")), "{} {header} {what}", doc.name);
                shown.push_str(&format!(
                    "## {header} {what}\n{}\n",
                    crate::render::diff::unified("config.yaml", &text, &out)
                ));
            }
        }
        insta::assert_snapshot!(doc.name, shown);
    }
}
