//! GitOps objects as targets, through the binary: Helm values written inside an Argo CD Application (a
//! block scalar, and `valuesObject`), a Flux HelmRelease's `spec.values`, Kustomize trees (which overlays a
//! file reaches), and real manifests from `../shared/corpus/k8s/` previewed and validated in place.

use std::path::{Path, PathBuf};

use firedrill::git::{FileChange, Identity, Repo};

use crate::common::{self, firedrill, root, run, write};

const NOW: &str = "2026-11-23T12:00:00Z";

/// `preview` output with the temporary folder's path replaced, so snapshots are stable.
fn preview(scenario: &Path, repo: &Path) -> (i32, String, String) {
    let (code, out, err) = run(firedrill().arg("preview").arg(scenario).args(["--now", NOW, "--repo"]).arg(repo));
    let shown = repo.display().to_string();
    (code, out.replace(&shown, "[REPO]"), err.replace(&shown, "[REPO]"))
}

#[test]
fn helm_values_inside_an_argo_cd_application_are_edited_in_their_block_scalar() {
    let (code, out, err) =
        preview(&root().join("scenarios/cart-redis-connections-zero.yaml"), &root().join("examples"));
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!(out.replace(&root().display().to_string(), "[ROOT]"));

    // `validate` applies it too, and a pointer at the mapping above the string is reported at `embedded`.
    let (code, out, err) =
        run(firedrill().args(["validate", "scenarios/cart-redis-connections-zero.yaml", "--repo", "examples"]));
    assert_eq!((code, out.as_str(), err.as_str()), (0, "1 scenario valid\n", ""));
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("scenarios/cart-redis-connections-zero.yaml")).unwrap();
    let bad = write(
        dir.path(),
        "cart.yaml",
        &text.replace("embedded: /spec/source/helm/values", "embedded: /spec/source/helm"),
    );
    let (code, _, err) = run(firedrill().arg("validate").arg(&bad).args(["--repo", "examples"]));
    assert_eq!(code, 2);
    insta::assert_snapshot!("embedded_at_a_mapping", err.replace(&dir.path().display().to_string(), "[DIR]"));
}

/// `firedrill patch FILE --document DOCUMENT --patch PATCH`.
fn patch_doc(file: &Path, document: &str, patch: &Path) -> (i32, String, String) {
    run(firedrill().arg("patch").arg(file).args(["--document", document, "--patch"]).arg(patch))
}

/// `firedrill patch --document 'Kind/name#/pointer'`: the embedded document of one document of a stream.
#[test]
fn the_patch_command_takes_an_embedded_document_after_the_selector() {
    let dir = tempfile::tempdir().unwrap();
    let app = std::fs::read_to_string(root().join("examples/argocd/cart-staging.yaml")).unwrap();
    let stream = format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop-staging\n---\n{app}");
    let file = write(dir.path(), "apps.yaml", &stream);
    let patch = write(dir.path(), "p.json", r#"[{"op": "add", "path": "/redis/poolTimeoutMs", "value": 0}]"#);
    let (code, out, err) = patch_doc(&file, "Application/cart-staging#/spec/source/helm/values", &patch);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, stream.replace("timeoutMs: 2000\n", "timeoutMs: 2000\n          poolTimeoutMs: 0\n"));

    // Pointing at a mapping (plain YAML) says to drop the embedded part, in this command's words (`--document`,
    // the patch), not a scenario's (`embedded`, the fault); the error names file, line, column.
    let (code, out, err) = patch_doc(&file, "Application/cart-staging#/spec/source/helm", &patch);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains("is a mapping, not a string holding a YAML document"), "{err}");
    assert!(
        err.contains("drop the `#/…` part of `--document` and write the patch's paths from the document's root"),
        "{err}"
    );
    assert!(!err.contains("`embedded`") && !err.contains("scenario") && !err.contains("fault"), "{err}");

    // A path that is not in the embedded document: located in the outer file, with a "did you mean".
    let typo = write(dir.path(), "typo.json", r#"[{"op": "replace", "path": "/redis/maxConection", "value": 0}]"#);
    let (code, _, err) = patch_doc(&file, "Application/cart-staging#/spec/source/helm/values", &typo);
    assert_eq!(code, 2);
    insta::assert_snapshot!(err.replace(&dir.path().display().to_string(), "[DIR]"));
}

/// `valuesObject` (Argo CD) and `spec.values` (Flux) are plain YAML: ordinary paths, no `embedded`.
#[test]
fn values_object_and_a_flux_helm_release_are_plain_yaml_paths() {
    let dir = tempfile::tempdir().unwrap();
    let text = "\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: cart-staging
spec:
  source:
    chart: cart
    helm:
      valuesObject:
        redis:
          maxConnections: 50 # INC-198
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: cart
  namespace: shop-staging
spec:
  interval: 10m
  chart:
    spec:
      chart: cart
      version: \"3.2.1\"
  values:
    replicaCount: 2
    redis:
      maxConnections: 50
";
    let file = write(dir.path(), "cart.yaml", text);
    let cases = [
        (
            "Application/cart-staging",
            "/spec/source/helm/valuesObject/redis/maxConnections",
            "maxConnections: 50 # INC-198",
            "maxConnections: 0 # INC-198",
        ),
        (
            "HelmRelease/cart",
            "/spec/values/redis/maxConnections",
            "      maxConnections: 50\n",
            "      maxConnections: 0\n",
        ),
    ];
    for (document, path, from, to) in cases {
        let patch = write(dir.path(), "p.json", &format!(r#"[{{"op": "replace", "path": "{path}", "value": 0}}]"#));
        let (code, out, err) = patch_doc(&file, document, &patch);
        assert_eq!(code, 0, "{document}: {err}");
        assert_eq!(out, text.replacen(from, to, 1), "{document}");
        assert_ne!(out, text);
    }
}

/// A Kustomize tree in a git repository: a base file reaches both overlays through `resources:`, an
/// overlay's patch and a `configMapGenerator` literal reach that overlay only. Files are read at the branch.
#[test]
fn the_preview_names_the_kustomize_overlays_a_file_reaches() {
    let dir = tempfile::tempdir().unwrap();
    let repo_dir = dir.path().join("repo");
    let repo = Repo::init(&repo_dir).unwrap();
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: search\nspec:\n  replicas: 1\n";
    let files = [
        ("base/kustomization.yaml", "resources:\n  - deployment.yaml\n"),
        ("base/deployment.yaml", deployment),
        (
            "overlays/staging/kustomization.yaml",
            "resources:\n  - ../../base\npatches:\n  - path: replicas.yaml\nconfigMapGenerator:\n  - name: search-config\n    literals:\n      - LOG_LEVEL=info\n      - CACHE_TTL_SECONDS=300\n",
        ),
        (
            "overlays/staging/replicas.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: search\nspec:\n  replicas: 2\n",
        ),
        (
            "overlays/prod/kustomization.yaml",
            "resources:\n  - ../../base\n  - https://github.com/acme/policies//base?ref=v1\n",
        ),
        ("charts/other/values.yaml", "replicaCount: 1\n"),
    ];
    let changes: Vec<FileChange> = files.iter().map(|(p, t)| FileChange::write(*p, (*t).to_owned())).collect();
    let who = Identity::new("Sam", "sam@acme.example", "2026-11-16T12:00:00Z".parse().unwrap());
    let c = repo.write_commit(None, &changes, "init\n", &who, &who).unwrap();
    repo.update_ref("refs/heads/main", &c, None, "test").unwrap();
    // Not committed: the preview must not see it.
    write(&repo_dir, "overlays/dev/kustomization.yaml", "resources:\n  - ../../base\n");

    let scenario = |name: &str, path: &str, fault: &str| {
        let text = format!(
            "id: {name}\ntitle: A drill on {path}\ntarget:\n  path: {path}\nfault:\n{fault}safety:\n  max_duration: 1h\n"
        );
        write(dir.path(), &format!("{name}.yaml"), &text)
    };
    let base = scenario("search-zero", "base/deployment.yaml", "  - {op: replace, path: /spec/replicas, value: 0}\n");
    // The base is included by the prod overlay too: refused, with the tree of where it lands.
    let (code, out, err) = preview(&base, &repo_dir);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("base/deployment.yaml reaches production `prod` (overlay folder overlays/prod)"), "{err}");
    insta::assert_snapshot!("base_file", out);

    // A literal of a configMapGenerator: a path into its `literals` list, the whole `KEY=VALUE` string.
    let literal = scenario(
        "search-cache-off",
        "overlays/staging/kustomization.yaml",
        "  - {op: test, path: /configMapGenerator/0/literals/1, value: CACHE_TTL_SECONDS=300}\n  - {op: replace, path: /configMapGenerator/0/literals/1, value: CACHE_TTL_SECONDS=0}\n",
    );
    let (code, out, err) = preview(&literal, &repo_dir);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Affects   overlays/staging (the file is its kustomization)\n"), "{out}");
    assert!(out.contains("-      - CACHE_TTL_SECONDS=300\n+      - CACHE_TTL_SECONDS=0\n"), "{out}");

    let patch =
        scenario("search-one", "overlays/staging/replicas.yaml", "  - {op: replace, path: /spec/replicas, value: 1}\n");
    let (_, out, _) = preview(&patch, &repo_dir);
    assert!(
        out.contains("Affects   overlays/staging (via overlays/staging/kustomization.yaml patches: replicas.yaml)\n"),
        "{out}"
    );
    assert!(!out.contains("overlays/prod"), "{out}");

    // A Helm values file outside every Kustomize tree: nothing to say.
    let helm = scenario("other-zero", "charts/other/values.yaml", "  - {op: replace, path: /replicaCount, value: 0}\n");
    let (_, out, _) = preview(&helm, &repo_dir);
    assert!(!out.contains("Affects"), "{out}");
}

/// The microservices-demo Kustomize tree of `../shared/corpus/k8s/`, laid out again at its original paths
/// (from `SOURCES.tsv`) in a temporary folder: the corpus files are read, never changed.
fn microservices_demo(into: &Path) -> Option<PathBuf> {
    let corpus = common::corpus_dir("k8s")?;
    let sources = std::fs::read_to_string(corpus.join("SOURCES.tsv")).unwrap();
    let mut copied = 0;
    for line in sources.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        let [name, repository, _, original] = cols[..] else { continue };
        if repository == "GoogleCloudPlatform/microservices-demo"
            || repository == "GoogleCloudPlatform_microservices-demo"
        {
            let text = std::fs::read_to_string(corpus.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
            write(into, original, &text);
            copied += 1;
        }
    }
    assert!(copied >= 20, "expected the microservices-demo files in {}", corpus.display());
    Some(into.to_path_buf())
}

/// Real manifests: a multi-document file of a real Kustomize base, one document chosen by `Kind/name`,
/// previewed (the overlays that include the base are named) and validated through the binary.
#[test]
fn real_manifests_preview_and_validate_with_a_kind_name_document() {
    let dir = tempfile::tempdir().unwrap();
    let Some(repo) = microservices_demo(&dir.path().join("repo")) else { return };
    let scenario = write(
        dir.path(),
        "redis-cart.yaml",
        "id: redis-cart-memory\ntitle: Redis for carts squeezed to 64Mi\ntarget:\n  path: kustomize/base/cartservice.yaml\n  document: {kind: Deployment, name: redis-cart}\nfault:\n  - {op: test, path: /spec/template/spec/containers/0/resources/limits/memory, value: 256Mi}\n  - {op: replace, path: /spec/template/spec/containers/0/resources/limits/memory, value: 64Mi}\nsafety:\n  max_duration: 1h\n",
    );
    let (code, out, err) = preview(&scenario, &repo);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!(out);

    // Valid; the root kustomization `kustomize/` names no environment: a warning, never silence.
    let (code, out, err) = run(firedrill().arg("validate").arg(&scenario).arg("--repo").arg(&repo));
    assert_eq!((code, out.as_str()), (0, "1 scenario valid\n"), "{err}");
    assert!(
        err.starts_with("warning: ")
            && err.contains("kustomize/base/cartservice.yaml reaches an environment whose kind is unknown")
            && err.contains("name it under `environments:` in firedrill.yml"),
        "{err}"
    );

    // A document that is not there: the error lists the documents the file holds.
    let text = std::fs::read_to_string(&scenario).unwrap().replace("name: redis-cart}", "name: redis-carts}");
    std::fs::write(&scenario, text).unwrap();
    let (code, _, err) = run(firedrill().arg("validate").arg(&scenario).arg("--repo").arg(&repo));
    assert_eq!(code, 2);
    insta::assert_snapshot!(err.replace(&dir.path().display().to_string(), "[DIR]"));
}
