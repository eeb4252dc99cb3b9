//! `firedrill patch --document '#/…'` on documents embedded in block scalars, in the shapes real GitOps
//! repositories hold them (fixtures in `tests/fixtures/embedded/`, written for these tests): JSON stays
//! JSON, comment blocks survive a removal, anchors have a way through, and a document inside an embedded
//! document can be reached. Each result is read again in its embedded language, and the diffs are snapshots.

use serde_json::Value;

use crate::common::{firedrill, run, write};

const DIR: &str = "tests/fixtures/embedded";

/// Runs `firedrill patch` on a fixture with `patch`, `document` and any `extra` arguments: the exit code,
/// stdout and stderr.
fn patch(file: &str, patch: &str, document: Option<&str>, extra: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "patch.json", patch);
    let mut cmd = firedrill();
    cmd.args(["patch", &format!("{DIR}/{file}"), "--patch"]).arg(&p);
    if let Some(d) = document {
        cmd.args(["--document", d]);
    }
    cmd.args(extra);
    run(&mut cmd)
}

/// The diff of a successful edit, and the edited file.
fn edited(file: &str, p: &str, document: Option<&str>, extra: &[&str]) -> (String, String) {
    let (code, out, err) = patch(file, p, document, extra);
    assert_eq!(code, 0, "{file}: {err}");
    let mut with_diff = extra.to_vec();
    with_diff.push("--diff");
    let (code, diff, err) = patch(file, p, document, &with_diff);
    assert_eq!(code, 0, "{file}: {err}");
    (diff, out)
}

/// The string at `pointer` of the (single-document) YAML text.
fn string_at(yaml: &str, pointer: &str) -> String {
    let v: Value = serde_norway::from_str(yaml).unwrap();
    v.pointer(pointer).and_then(Value::as_str).unwrap_or_else(|| panic!("no string at {pointer}")).to_owned()
}

#[test]
fn json_added_to_an_external_secret_template_stays_json() {
    let (diff, out) = edited(
        "external-secret.yaml",
        r#"[{"op":"add","path":"/tlsClientConfig/serverName","value":"kubernetes.default"},
            {"op":"add","path":"/FIREDRILL_KEY","value":"off"}]"#,
        Some("ExternalSecret/workload-cluster#/spec/target/template/data/config"),
        &[],
    );
    let config: Value = serde_json::from_str(&string_at(&out, "/spec/target/template/data/config"))
        .expect("the embedded config is still JSON");
    assert_eq!(config["tlsClientConfig"]["serverName"], "kubernetes.default");
    assert_eq!(config["FIREDRILL_KEY"], "off");
    insta::assert_snapshot!("external_secret_add", diff);
}

#[test]
fn an_iam_policy_indented_by_four_keeps_its_indentation() {
    let (diff, out) = edited(
        "iam-policy.yaml",
        r#"[{"op":"add","path":"/Statement/0/Action/-","value":"s3:DeleteObject"},
            {"op":"add","path":"/Statement/0/Condition","value":{"Bool":{"aws:SecureTransport":"true"}}},
            {"op":"replace","path":"/Statement/0/Effect","value":"Deny"}]"#,
        Some("#/spec/forProvider/policy"),
        &[],
    );
    let policy: Value = serde_json::from_str(&string_at(&out, "/spec/forProvider/policy")).unwrap();
    assert_eq!(policy["Statement"][0]["Action"][2], "s3:DeleteObject");
    assert_eq!(policy["Statement"][0]["Effect"], "Deny");
    insta::assert_snapshot!("iam_policy_edits", diff);
}

#[test]
fn a_service_account_key_in_helm_values_stays_json() {
    let (diff, out) = edited(
        "exporter-values.yaml",
        r#"[{"op":"add","path":"/universe_domain","value":"googleapis.com"},
            {"op":"remove","path":"/auth_uri"},
            {"op":"replace","path":"/project_id","value":"shop-staging"}]"#,
        Some("#/stackdriver/serviceAccountKey"),
        &[],
    );
    let key: Value = serde_json::from_str(&string_at(&out, "/stackdriver/serviceAccountKey")).unwrap();
    assert_eq!(key["universe_domain"], "googleapis.com");
    assert!(key.get("auth_uri").is_none());
    insta::assert_snapshot!("service_account_key_edits", diff);
}

#[test]
fn removing_an_extension_keeps_the_comment_block_of_the_next_one() {
    let (diff, out) =
        edited("argocd-cm.yaml", r#"[{"op":"remove","path":"/extensions/0"}]"#, Some("#/data/extension.config"), &[]);
    let config = string_at(&out, "/data/extension.config");
    // the five lines documenting the rollout extension, and the blank lines, all stay
    for line in ["# Rollout extension. Five lines document it:", "# Keep the timeout above the dashboard's own."] {
        assert!(config.contains(line), "{config}");
    }
    assert_eq!(config.matches("\n\n").count(), 2, "{config}");
    insta::assert_snapshot!("argocd_cm_remove_first", diff);
    let (diff, _) =
        edited("argocd-cm.yaml", r#"[{"op":"remove","path":"/extensions/1"}]"#, Some("#/data/extension.config"), &[]);
    insta::assert_snapshot!("argocd_cm_remove_middle", diff);
}

#[test]
fn an_alias_can_be_replaced_and_a_shared_anchor_says_how() {
    // the alias: written over with the value, the anchor and the other alias stay
    let (diff, _) = edited(
        "alertmanager-values.yaml",
        r#"[{"op":"replace","path":"/livenessProbe/httpGet/port","value":"web"}]"#,
        None,
        &[],
    );
    insta::assert_snapshot!("alertmanager_alias_replaced", diff);
    // the anchor: refused, with the places it reaches and both ways through
    let anchor = r#"[{"op":"replace","path":"/containerPortName","value":"web"}]"#;
    let (code, out, err) = patch("alertmanager-values.yaml", anchor, None, &[]);
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    insta::assert_snapshot!("alertmanager_anchor_refused", err);
    // each way through works: the flag, and the path the hint names
    let (diff, _) = edited("alertmanager-values.yaml", anchor, None, &["--allow-shared-anchor"]);
    insta::assert_snapshot!("alertmanager_anchor_allowed", diff);
    let hinted = err.split("such as `").nth(1).and_then(|s| s.split('`').next()).unwrap();
    let (code, _, err) = patch(
        "alertmanager-values.yaml",
        &format!(r#"[{{"op":"replace","path":"{hinted}","value":"web"}}]"#),
        None,
        &[],
    );
    assert_eq!(code, 0, "the hint's path is refused too: {err}");
}

#[test]
fn item_templates_shared_by_anchors_have_a_way_through() {
    let inside = r#"[{"op":"replace","path":"/itemTemplates/1/template/syncPolicy/automated/prune","value":true}]"#;
    let (diff, out) = edited("argocd-apps-item-templates.yaml", inside, None, &[]);
    let v: Value = serde_norway::from_str(&out).unwrap();
    assert_eq!(v.pointer("/itemTemplates/1/template/syncPolicy/automated/prune"), Some(&Value::Bool(true)));
    assert_eq!(v.pointer("/itemTemplates/0/template/syncPolicy/automated/prune"), Some(&Value::Bool(false)));
    insta::assert_snapshot!("item_templates_alias_written_out", diff);
    let anchored = r#"[{"op":"replace","path":"/itemTemplates/0/template/source/targetRevision","value":"v2"}]"#;
    let (code, _, err) = patch("argocd-apps-item-templates.yaml", anchored, None, &[]);
    assert_eq!(code, 2);
    insta::assert_snapshot!("item_templates_anchor_refused", err);
    let (diff, out) = edited("argocd-apps-item-templates.yaml", anchored, None, &["--allow-shared-anchor"]);
    // read as Helm reads it, merge keys applied
    let v = firedrill::patch::parse_value(firedrill::patch::Format::Yaml, &out, None).unwrap();
    for i in 0..3 {
        assert_eq!(v.pointer(&format!("/itemTemplates/{i}/template/source/targetRevision")).unwrap(), "v2");
    }
    insta::assert_snapshot!("item_templates_anchor_allowed", diff);
}

#[test]
fn json_inside_yaml_inside_yaml_is_reached_by_a_nested_selector() {
    let edit =
        r#"[{"op":"replace","path":"/state","value":"failure"},{"op":"add","path":"/environment","value":"prod"}]"#;
    let (diff, out) = edited(
        "argocd-notifications-cm.yaml",
        edit,
        Some("ConfigMap/argocd-notifications-cm#/data/template.app-deployed#/webhook/github/body"),
        &[],
    );
    let template: Value = serde_norway::from_str(&string_at(&out, "/data/template.app-deployed")).unwrap();
    let body: Value =
        serde_json::from_str(template.pointer("/webhook/github/body").and_then(Value::as_str).unwrap()).unwrap();
    assert_eq!((body["state"].as_str(), body["environment"].as_str()), (Some("failure"), Some("prod")));
    insta::assert_snapshot!("notifications_nested_json", diff);
    // the same selector written with `|#`
    let (_, same) =
        edited("argocd-notifications-cm.yaml", edit, Some("#/data/template.app-deployed|#/webhook/github/body"), &[]);
    assert_eq!(same, out);
    // an error inside points at the outer file's line
    let (code, _, err) = patch(
        "argocd-notifications-cm.yaml",
        r#"[{"op":"replace","path":"/stat","value":"x"}]"#,
        Some("#/data/template.app-deployed#/webhook/github/body"),
        &[],
    );
    assert_eq!(code, 2);
    insta::assert_snapshot!("notifications_nested_error", err);
}

/// A scenario reaches the same documents through `target.embedded` (`#` for the nested one) and allows a
/// shared anchor with `target.allow_shared_anchor`: `firedrill validate` applies the fault to the file.
#[test]
fn scenarios_reach_nested_documents_and_allow_shared_anchors() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    for f in ["argocd-notifications-cm.yaml", "alertmanager-values.yaml"] {
        let text = std::fs::read_to_string(crate::common::root().join(DIR).join(f)).unwrap();
        write(&repo, f, &text);
    }
    let scenario = |target: &str, fault: &str| {
        format!(
            "id: drill-one\ntitle: A drill\ndescription: breaks one value\ntarget:\n{target}\nfault:\n{fault}\nsafety:\n  max_duration: 1h\n"
        )
    };
    let validate = |name: &str, text: &str| {
        let s = write(dir.path(), name, text);
        run(firedrill().arg("validate").arg(&s).arg("--repo").arg(&repo))
    };
    let nested = scenario(
        "  path: argocd-notifications-cm.yaml\n  embedded: \"/data/template.app-deployed#/webhook/github/body\"",
        "  - {op: test, path: /state, value: success}\n  - {op: replace, path: /state, value: failure}",
    );
    let (code, out, err) = validate("nested.yaml", &nested);
    assert_eq!((code, out.as_str()), (0, "1 scenario valid\n"), "{err}");

    let anchor = "  - {op: replace, path: /containerPortName, value: web}";
    let refused = scenario("  path: alertmanager-values.yaml", anchor);
    let (code, _, err) = validate("anchor.yaml", &refused);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("`/livenessProbe/httpGet/port` at line 17") && err.contains("allow_shared_anchor: true"),
        "{err}"
    );
    let allowed = scenario("  path: alertmanager-values.yaml\n  allow_shared_anchor: true", anchor);
    let (code, out, err) = validate("allowed.yaml", &allowed);
    assert_eq!((code, out.as_str()), (0, "1 scenario valid\n"), "{err}");
}
