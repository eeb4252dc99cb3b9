//! `firedrill patch`: the command users try a fault with. Output, diffs, errors and exit codes.

use std::io::Write;
use std::process::Stdio;

use crate::common::{firedrill, run, write};

const SEED_PATCH: &str = r#"[{"op": "replace", "path": "/env/SERVICE__REDIS__CONNECTION_POOL__SIZE", "value": "0"}]"#;

#[test]
fn prints_the_edited_file_changing_one_line_only() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "pool.json", SEED_PATCH);
    let values = "examples/charts/checkout/values-staging.yaml";
    let (code, out, err) = run(firedrill().args(["patch", values, "--patch"]).arg(&p));
    assert_eq!(code, 0, "{err}");
    let original = std::fs::read_to_string(crate::common::root().join(values)).unwrap();
    assert_eq!(
        out,
        original.replace(
            "SERVICE__REDIS__CONNECTION_POOL__SIZE: \"10\"   # raised",
            "SERVICE__REDIS__CONNECTION_POOL__SIZE: \"0\"   # raised"
        )
    );
    assert_ne!(out, original);
    assert_eq!(err, "");
}

#[test]
fn diff_mode_prints_a_unified_diff() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "pool.json", SEED_PATCH);
    let (code, out, _) =
        run(firedrill().args(["patch", "examples/charts/checkout/values-staging.yaml", "--diff", "--patch"]).arg(&p));
    assert_eq!(code, 0);
    insta::assert_snapshot!(out, @r#"
    --- a/examples/charts/checkout/values-staging.yaml
    +++ b/examples/charts/checkout/values-staging.yaml
    @@ -33,7 +33,7 @@
       SERVICE__HTTP__PORT: "8080"
       SERVICE__REDIS__HOST: redis-master.cache.svc.cluster.local
       SERVICE__REDIS__PORT: "6379"
    -  SERVICE__REDIS__CONNECTION_POOL__SIZE: "10"   # raised from 5 after the Black Friday load test
    +  SERVICE__REDIS__CONNECTION_POOL__SIZE: "0"   # raised from 5 after the Black Friday load test
       SERVICE__REDIS__CONNECTION_POOL__TIMEOUT_MS: "250"
       SERVICE__PAYMENTS__BASE_URL: https://payments.staging.acme.internal
       SERVICE__PAYMENTS__TIMEOUT_MS: "3000"
    "#);
}

#[test]
fn multi_document_yaml_by_kind_and_name_with_patch_on_stdin() {
    let mut child = firedrill()
        .args([
            "patch",
            "examples/k8s/staging/checkout.yaml",
            "--document",
            "Deployment/checkout-worker",
            "--diff",
            "--patch",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(br#"[{"op":"test","path":"/spec/template/spec/containers/0/readinessProbe/httpGet/path","value":"/healthz/ready"},{"op":"replace","path":"/spec/template/spec/containers/0/readinessProbe/httpGet/path","value":"/health/ready"}]"#)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(diff.contains("-              path: /healthz/ready\n+              path: /health/ready\n"), "{diff}");
    assert_eq!(
        diff.lines().filter(|l| l.starts_with(['+', '-']) && !l.starts_with("+++") && !l.starts_with("---")).count(),
        2
    );
}

#[test]
fn errors_go_to_stderr_with_file_line_column_and_nothing_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "typo.json",
        r#"[{"op":"replace","path":"/env/SERVICE__REDIS__CONECTION_POOL__SIZE","value":"0"}]"#,
    );
    let (code, out, err) =
        run(firedrill().args(["patch", "examples/charts/checkout/values-staging.yaml", "--patch"]).arg(&p));
    assert_eq!(code, 2);
    assert_eq!(out, "");
    insta::assert_snapshot!(err, @r"
    error: examples/charts/checkout/values-staging.yaml:33:3: operation 0 (`/env/SERVICE__REDIS__CONECTION_POOL__SIZE`): `/env` has no key `SERVICE__REDIS__CONECTION_POOL__SIZE`
      hint: did you mean `SERVICE__REDIS__CONNECTION_POOL__SIZE`? keys are case-sensitive
    ");

    let multi = write(dir.path(), "replicas.json", r#"[{"op":"replace","path":"/spec/replicas","value":0}]"#);
    let (code, out, err) =
        run(firedrill().args(["patch", "examples/k8s/staging/checkout.yaml", "--patch"]).arg(&multi));
    assert_eq!((code, out.as_str()), (2, ""));
    insta::assert_snapshot!(err, @r"
    error: examples/k8s/staging/checkout.yaml: the file holds 3 YAML documents and no document was chosen
      hint: choose one by index (0 to 2) or by `Kind/name`: 0 = Deployment/checkout-worker, 1 = Service/checkout-worker, 2 = PodDisruptionBudget/checkout-worker
    ");
}

#[test]
fn usage_errors_exit_2() {
    let (code, out, err) = run(firedrill().args(["patch", "no/such/file.yaml", "--patch", "x.json"]));
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.starts_with("error: cannot read no/such/file.yaml"), "{err}");
    let (code, _, _) = run(firedrill().args(["patch", "examples/charts/checkout/values-staging.yaml"]));
    assert_eq!(code, 2, "missing --patch is a usage error");
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.json", "{\"op\": \"replace\"}");
    let (code, out, err) =
        run(firedrill().args(["patch", "examples/charts/checkout/values-staging.yaml", "--patch"]).arg(&bad));
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains("is not a valid RFC 6902 JSON Patch"), "{err}");
}

/// Issue 23: an absolute path gets git's `a/abs/path` header, never `a//abs/path`.
#[test]
fn the_diff_of_an_absolute_path_has_one_slash_after_a_and_b() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "values.yaml", "replicas: 3\n");
    let p = write(dir.path(), "p.json", r#"[{"op": "replace", "path": "/replicas", "value": 0}]"#);
    let (code, out, err) = run(firedrill().arg("patch").arg(&file).arg("--diff").arg("--patch").arg(&p));
    assert_eq!(code, 0, "{err}");
    let shown = file.display().to_string();
    let bare = shown.trim_start_matches('/');
    assert!(out.starts_with(&format!("--- a/{bare}\n+++ b/{bare}\n")), "{out}");
    assert!(!out.contains("a//") && !out.contains("b//"), "{out}");
}

/// Issue 23: the exit codes are the table's: 2 for a patch that does not apply and for one that is not a patch.
#[test]
fn a_patch_that_does_not_apply_or_is_not_a_patch_exits_2_with_nothing_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "values.yaml", "replicas: 3\n");
    let missing = write(dir.path(), "m.json", r#"[{"op": "replace", "path": "/replica", "value": 0}]"#);
    let (code, out, err) = run(firedrill().arg("patch").arg(&file).arg("--patch").arg(&missing));
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    let garbage = write(dir.path(), "g.json", "not json");
    let (code, out, err) = run(firedrill().arg("patch").arg(&file).arg("--patch").arg(&garbage));
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert!(err.starts_with("error: "), "{err}");
}
