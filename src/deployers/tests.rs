#![allow(clippy::unwrap_used)]

use super::*;

const VALUES: &str = "deploy/staging/values.yaml";

fn target() -> Target<'static> {
    Target { path: VALUES, branch: "main", default_branch: Some("main"), repo: Some("acme/shop") }
}

/// The findings for a repository holding `files` (and the target file itself).
fn found(files: &[(&str, &str)], target: &Target<'_>) -> Findings {
    let mut paths: Vec<String> = files.iter().map(|(p, _)| (*p).to_owned()).collect();
    paths.push(target.path.to_owned());
    look(&paths, false, target, |p| files.iter().find(|(f, _)| *f == p).map(|(_, t)| (*t).to_owned()))
}

fn lines(f: &Findings) -> Vec<String> {
    f.deployers.iter().map(|d| format!("{} {}: {}", if d.covers { "+" } else { "-" }, d.file, d.why)).collect()
}

fn workflow(on: &str) -> String {
    format!(
        "name: Deploy\non:\n{on}\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n    - run: kubectl apply -k deploy/staging\n"
    )
}

#[test]
fn deploy_workflows_in_every_form_of_on_push() {
    let cases: &[(&str, bool)] = &[
        ("on: push", true),
        ("on: [pull_request, push]", true),
        ("on:\n  push:", true),
        ("on:\n  push:\n    branches: [main]", true),
        ("on:\n  push:\n    branches: ['release/**']", false),
        ("on:\n  push:\n    branches-ignore: [main]", false),
        ("on:\n  push:\n    branches-ignore: ['feature/*']", true),
        ("on:\n  push:\n    tags: ['v*']", false),
        ("on:\n  push:\n    branches: [main]\n    paths: ['deploy/staging/**']", true),
        ("on:\n  push:\n    branches: [main]\n    paths: ['deploy/prod/**', 'charts/**']", false),
        ("on:\n  push:\n    paths: ['deploy/**', '!deploy/staging/**']", false),
        ("on:\n  push:\n    paths: ['deploy/**', '!deploy/staging/**', 'deploy/staging/values.yaml']", true),
        ("on:\n  push:\n    paths-ignore: ['deploy/*/values.yaml']", false),
        ("on:\n  push:\n    paths-ignore: ['docs/**']", true),
    ];
    for (on, covers) in cases {
        // The whole `on:` written at the top level, whatever its form.
        let text = workflow("").replace("on:\n\n", &format!("{on}\n"));
        let f = found(&[(".github/workflows/deploy.yml", &text)], &target());
        assert_eq!(f.deployers.len(), 1, "{on}: {f:?}");
        assert_eq!(f.deployers[0].covers, *covers, "{on}: {:?}", lines(&f));
        assert_eq!(f.warning(&target()).is_none(), *covers, "{on}");
    }
}

#[test]
fn deploy_reasons_name_the_filter_that_excludes_the_file() {
    let text = workflow("  push:\n    branches: [main]\n    paths: ['charts/**']");
    let f = found(&[(".github/workflows/deploy.yml", &text)], &target());
    assert_eq!(
        lines(&f),
        ["- .github/workflows/deploy.yml: runs on push to `main`, but its paths filter excludes \
          deploy/staging/values.yaml (paths: charts/**)"]
    );
    let warning = f.warning(&target()).unwrap();
    assert!(
        warning.starts_with("nothing in the repository deploys deploy/staging/values.yaml from `main`"),
        "{warning}"
    );
    assert!(warning.contains("the drill will still run, but nobody may see it"), "{warning}");
}

#[test]
fn deploy_workflows_not_on_push_are_not_deployers_and_malformed_ones_are_located() {
    let files = [
        (".github/workflows/ci.yml", workflow("  pull_request:\n  workflow_run:\n    workflows: [Build]")),
        (".github/workflows/bad.yaml", "on: push\njobs: [\n".to_owned()),
        // Not in the folder GitHub reads.
        (".github/workflows/nested/deploy.yml", workflow("  push:")),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let f = found(&files, &target());
    assert!(f.deployers.is_empty(), "{f:?}");
    assert_eq!(f.problems.len(), 1, "{f:?}");
    assert!(
        f.problems[0].starts_with(".github/workflows/bad.yaml:3:1: the file is not valid YAML"),
        "{:?}",
        f.problems
    );
}

const APP: &str = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: checkout\nspec:\n";

#[test]
fn deploy_argo_cd_applications_by_path_revision_and_kind_of_source() {
    let t = Target { path: "charts/checkout/values-staging.yaml", ..target() };
    let chart = ("charts/checkout/Chart.yaml", "apiVersion: v2\nname: checkout\n");
    let cases: &[(&str, bool)] = &[
        // A chart whose values file is listed.
        (
            "  source:\n    repoURL: https://github.com/acme/shop.git\n    path: charts/checkout\n    helm:\n      valueFiles: [values-staging.yaml]",
            true,
        ),
        // The same chart without it: the file is read by nothing.
        ("  source:\n    repoURL: https://github.com/acme/shop.git\n    path: charts/checkout", false),
        // Another path.
        ("  source:\n    repoURL: https://github.com/acme/shop\n    path: charts/cart", false),
        // Another repository.
        (
            "  source:\n    repoURL: https://github.com/acme/other.git\n    path: charts/checkout\n    helm:\n      valueFiles: [values-staging.yaml]",
            false,
        ),
        // Another branch.
        (
            "  source:\n    repoURL: git@github.com:acme/shop.git\n    targetRevision: release\n    path: charts/checkout\n    helm:\n      valueFiles: [values-staging.yaml]",
            false,
        ),
        (
            "  source:\n    repoURL: git@github.com:acme/shop.git\n    targetRevision: main\n    path: charts/checkout\n    helm:\n      valueFiles: [values-staging.yaml]",
            true,
        ),
        // A values file outside the chart, listed relative to it.
        ("  source:\n    path: charts/other\n    helm:\n      valueFiles: [../checkout/values-staging.yaml]", true),
        // Several sources: a chart from a Helm repository with its values from here.
        (
            "  sources:\n  - repoURL: https://charts.example.com\n    chart: checkout\n    targetRevision: 1.2.0\n    helm:\n      valueFiles: [$values/charts/checkout/values-staging.yaml]\n  - repoURL: https://github.com/acme/shop.git\n    targetRevision: HEAD\n    ref: values",
            true,
        ),
        // A plain folder, without and with recurse.
        ("  source:\n    path: charts", false),
    ];
    for (spec, covers) in cases {
        let app = format!("{APP}{spec}\n");
        let f = found(&[("argocd/checkout.yaml", &app), chart], &t);
        assert_eq!(f.deployers.len(), 1, "{spec}: {f:?}");
        assert_eq!(f.deployers[0].covers, *covers, "{spec}: {:?}", lines(&f));
    }
    // A plain folder: the file directly in it, or below it with recurse.
    let t = Target { path: "k8s/staging/checkout.yaml", ..target() };
    for (spec, covers) in [
        ("  source:\n    path: k8s/staging", true),
        ("  source:\n    path: k8s", false),
        ("  source:\n    path: k8s\n    directory:\n      recurse: true", true),
    ] {
        let f = found(&[("apps/checkout.yaml", &format!("{APP}{spec}\n"))], &t);
        assert_eq!(f.deployers[0].covers, covers, "{spec}: {:?}", lines(&f));
    }
}

#[test]
fn deploy_argo_cd_head_is_the_default_branch_or_assumed_when_unknown() {
    let app = format!("{APP}  source:\n    path: deploy/staging\n    targetRevision: HEAD\n");
    let staging = Target { branch: "staging", ..target() };
    let f = found(&[("argocd/app.yaml", &app)], &staging);
    assert_eq!(
        lines(&f),
        [
            "- argocd/app.yaml: Application checkout syncs deploy/staging from HEAD, the default branch `main`, not `staging`"
        ]
    );
    let unknown = Target { default_branch: None, repo: None, ..target() };
    let f = found(&[("argocd/app.yaml", &app)], &unknown);
    assert_eq!(
        lines(&f),
        ["+ argocd/app.yaml: Application checkout syncs deploy/staging from HEAD (assumed to be `main`: the default \
          branch is not known here), which holds it"]
    );
}

#[test]
fn deploy_a_kustomize_path_covers_what_its_overlay_reaches() {
    let t = Target { path: "base/deployment.yaml", ..target() };
    let files = [
        ("base/kustomization.yaml", "resources: [deployment.yaml]\n"),
        ("overlays/staging/kustomization.yaml", "resources: [../../base]\n"),
        ("overlays/staging/other.yaml", "kind: ConfigMap\n"),
        ("argocd/staging.yaml", &*format!("{APP}  source:\n    path: overlays/staging\n")),
    ];
    let f = found(&files, &t);
    assert_eq!(
        lines(&f),
        ["+ argocd/staging.yaml: Application checkout syncs overlays/staging from HEAD (the default branch, `main`), \
          whose kustomization reaches it (via overlays/staging/kustomization.yaml resources: ../../base → \
          base/kustomization.yaml resources: deployment.yaml)"]
    );
    // A file in the overlay's folder that its kustomization does not list is not deployed.
    let f = found(&files, &Target { path: "overlays/staging/other.yaml", ..target() });
    assert!(!f.deployers[0].covers, "{:?}", lines(&f));
}

const FLUX_GIT: &str = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: shop\n  \
                        namespace: flux-system\nspec:\n  url: https://github.com/acme/shop\n  ref:\n    branch: main\n";

fn flux_kustomization(path: &str, source: &str) -> String {
    format!(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: staging\n  namespace: \
         flux-system\nspec:\n  interval: 5m\n  path: {path}\n  sourceRef:\n    kind: GitRepository\n    name: {source}\n"
    )
}

#[test]
fn deploy_flux_kustomizations_with_their_git_repository_branch() {
    let t = Target { path: "deploy/staging/values.yaml", ..target() };
    let k = flux_kustomization("./deploy/staging", "shop");
    let f = found(&[("clusters/staging/shop.yaml", &format!("{FLUX_GIT}---\n{k}"))], &t);
    assert_eq!(
        lines(&f),
        [
            "+ clusters/staging/shop.yaml: Kustomization staging applies deploy/staging from GitRepository shop (`main`, \
          in clusters/staging/shop.yaml), which holds it (Flux applies every manifest under its path)"
        ]
    );
    // The GitRepository follows another branch.
    let other = FLUX_GIT.replace("branch: main", "branch: release");
    let f = found(&[("clusters/staging/shop.yaml", &format!("{other}---\n{k}"))], &t);
    assert!(!f.deployers[0].covers && f.deployers[0].why.contains("follows `release`, not `main`"), "{:?}", lines(&f));
    // The GitRepository is elsewhere: assumed, and said.
    let f = found(&[("clusters/staging/shop.yaml", &k)], &t);
    assert!(f.deployers[0].covers && f.deployers[0].why.contains("assumed to be `main`"), "{:?}", lines(&f));
    // Another path.
    let f = found(&[("clusters/staging/shop.yaml", &flux_kustomization("./deploy/prod", "shop"))], &t);
    assert!(!f.deployers[0].covers, "{:?}", lines(&f));
    // A kustomize `kustomization.yaml` is no Flux Kustomization.
    let f = found(
        &[(
            "deploy/staging/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [values.yaml]\n",
        )],
        &t,
    );
    assert!(f.deployers.is_empty(), "{f:?}");
}

#[test]
fn deploy_flux_helm_releases_from_a_git_repository() {
    let t = Target { path: "charts/checkout/values-staging.yaml", ..target() };
    let release = |values: &str| {
        format!(
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: checkout\n  namespace: \
             flux-system\nspec:\n  chart:\n    spec:\n      chart: ./charts/checkout\n{values}      sourceRef:\n        \
             kind: GitRepository\n        name: shop\n"
        )
    };
    let listed = release(
        "      valuesFiles:\n      - charts/checkout/values.yaml\n      - charts/checkout/values-staging.yaml\n",
    );
    let f = found(&[("flux/checkout.yaml", &format!("{FLUX_GIT}---\n{listed}"))], &t);
    assert!(f.deployers.iter().any(|d| d.covers && d.name == "HelmRelease checkout"), "{:?}", lines(&f));
    let f = found(&[("flux/checkout.yaml", &format!("{FLUX_GIT}---\n{}", release("")))], &t);
    assert!(f.covering().next().is_none(), "{:?}", lines(&f));
}

#[test]
fn deploy_a_target_that_is_itself_an_application_is_covered_by_what_applies_it() {
    // App of apps: `apps/root.yaml` syncs the folder holding the target Application.
    let t = Target { path: "apps/checkout.yaml", ..target() };
    let files = [
        ("apps/checkout.yaml", &*format!("{APP}  source:\n    path: charts/checkout\n")),
        (
            "bootstrap/root.yaml",
            &*APP.replace("checkout", "root").replace("spec:\n", "spec:\n  source:\n    path: apps\n"),
        ),
    ];
    let f = found(&files, &t);
    let covering: Vec<&str> = f.covering().map(|d| d.file.as_str()).collect();
    assert_eq!(covering, ["bootstrap/root.yaml"], "{:?}", lines(&f));
}

#[test]
fn deploy_reads_are_bounded_workflows_first() {
    let mut paths: Vec<String> = (0..300).map(|i| format!("manifests/m{i:03}.yaml")).collect();
    paths.push(".github/workflows/deploy.yml".into());
    paths.push("README.md".into());
    let (chosen, unread) = to_read(&paths);
    assert_eq!((chosen.len(), unread), (MAX_READ, 101));
    assert_eq!(chosen[0], ".github/workflows/deploy.yml");
    assert!(!chosen.contains(&"README.md"));
    let f = Findings { unread, ..Findings::default() };
    assert!(f.limits().unwrap().contains("101 more candidate file(s) past the 200 read"));
    assert!(f.warning(&target()).unwrap().contains("not every file was read"));
}
