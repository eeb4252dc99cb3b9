//! The preflight "will anyone see it?": `preview` and `doctor` say what deploys the target file from its
//! branch, and warn when nothing does.

use serde_json::Value;

use crate::common::{firedrill, root, run};
use crate::github_drill::{Fixture, seed_repo};

const NOW: &str = "2026-11-23T12:00:00Z";
const VALUES: &str = "charts/checkout/values-staging.yaml";
const MANIFESTS: &str = "k8s/staging/checkout.yaml";

fn example(path: &str) -> String {
    std::fs::read_to_string(root().join("examples").join(path)).unwrap()
}

/// `firedrill preview SCENARIO` on a git repository holding `files` on `main`: (exit code, the "Deployed by"
/// section, the whole output).
fn preview(scenario: &str, files: &[(&str, String)]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    seed_repo(dir.path(), files);
    let (code, out, err) = run(firedrill()
        .args(["preview", &format!("scenarios/{scenario}.yaml"), "--now", NOW, "--repo"])
        .arg(dir.path()));
    assert_eq!(code, 0, "{out}\n{err}");
    let section = format!("{}\n", crate::common::section(&out, "Deployed by"));
    (code, section, out)
}

fn workflow(on_push: &str) -> String {
    format!(
        "name: Deploy staging\non:\n  push:\n{on_push}jobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      \
         - uses: actions/checkout@v4\n      - run: helm upgrade --install checkout charts/checkout\n"
    )
}

#[test]
fn preflight_a_workflow_whose_paths_filter_excludes_the_file_warns() {
    let files = [
        (VALUES, example(VALUES)),
        (
            ".github/workflows/deploy.yml",
            workflow("    branches: [main]\n    paths:\n      - 'k8s/**'\n      - '!k8s/prod/**'\n"),
        ),
    ];
    let (_, section, out) = preview("redis-pool-exhaustion", &files);
    assert!(
        section.starts_with("warning: nothing in the repository deploys charts/checkout/values-staging.yaml"),
        "{out}"
    );
    insta::assert_snapshot!(section);
}

#[test]
fn preflight_an_argo_cd_application_for_another_path_warns() {
    let app = example("argocd/checkout-staging.yaml").replace("path: charts/checkout", "path: charts/cart");
    let files = [(VALUES, example(VALUES)), ("argocd/checkout-staging.yaml", app)];
    let (_, section, _) = preview("redis-pool-exhaustion", &files);
    assert!(section.starts_with("warning: "), "{section}");
    insta::assert_snapshot!(section);
}

#[test]
fn preflight_a_matching_flux_kustomization_is_named_and_nothing_warns() {
    let flux = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: shop\n  namespace: \
                flux-system\nspec:\n  interval: 1m\n  url: https://github.com/acme/shop\n  ref:\n    branch: main\n---\n\
                apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: checkout-staging\n  \
                namespace: flux-system\nspec:\n  interval: 10m\n  path: ./k8s/staging\n  prune: true\n  sourceRef:\n    \
                kind: GitRepository\n    name: shop\n";
    let files = [(MANIFESTS, example(MANIFESTS)), ("clusters/staging/checkout.yaml", flux.to_owned())];
    let (_, section, _) = preview("broken-readiness-probe", &files);
    assert!(!section.contains("warning"), "{section}");
    insta::assert_snapshot!(section);

    // The same Kustomization on another branch's GitRepository warns, and says which branch it follows.
    let other = [
        (MANIFESTS, example(MANIFESTS)),
        ("clusters/staging/checkout.yaml", flux.replace("branch: main", "branch: prod")),
    ];
    let (_, section, _) = preview("broken-readiness-probe", &other);
    assert!(section.starts_with("warning: ") && section.contains("which follows `prod`, not `main`"), "{section}");
}

#[test]
fn preflight_a_workflow_on_push_to_main_without_filters_covers_the_file() {
    let files = [(VALUES, example(VALUES)), (".github/workflows/deploy.yaml", workflow("    branches: [main]\n"))];
    let (_, section, _) = preview("redis-pool-exhaustion", &files);
    // The section ends with what will tell when the fault and the fix went live (the seed's environment).
    assert_eq!(
        section,
        ".github/workflows/deploy.yaml: runs on push to `main` (no paths filter), and job `deploy` runs `helm \
         upgrade`\nLive      asked of deployments to staging (GitHub); the fix's deploy is watched for 2h after the \
         removal\n"
    );
}

#[test]
fn preflight_a_malformed_workflow_is_reported_with_its_position_not_a_crash() {
    let files = [
        (VALUES, example(VALUES)),
        (".github/workflows/deploy.yml", "on: push\njobs:\n  deploy: [\n".to_owned()),
        (".github/workflows/lint.yml", "on: pull_request\njobs: {}\n".to_owned()),
    ];
    let (_, section, _) = preview("redis-pool-exhaustion", &files);
    assert!(section.starts_with("warning: "), "{section}");
    assert!(section.contains("not read: .github/workflows/deploy.yml:4:1: the file is not valid YAML"), "{section}");
    // A workflow that does not run on push is no deployer, and is not listed.
    assert!(!section.contains("lint.yml"), "{section}");
}

#[test]
fn preflight_the_example_repository_is_deployed_by_its_argo_cd_application() {
    let (code, out, err) =
        run(firedrill().args(["preview", "scenarios/redis-pool-exhaustion.yaml", "--repo", "examples", "--now", NOW]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(
            "── Deployed by ──\nargocd/checkout-staging.yaml: Application checkout-staging syncs charts/checkout from \
             `main` (assuming https://github.com/acme/shop.git is this repository), with \
             charts/checkout/values-staging.yaml in its helm.valueFiles\nLive      asked of deployments to staging \
             (GitHub); the fix's deploy is watched for 2h after the removal\n\n"
        ),
        "{out}"
    );
}

/// The requests `doctor` sent to `acme/shop` for the preflight: the recursive tree listing, and each file read.
fn preflight_requests(f: &Fixture, from: usize) -> Vec<String> {
    let log = std::fs::read_to_string(f.state.path().join("exchanges.jsonl")).unwrap();
    log.lines()
        .skip(from)
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| {
            let path = e["path"].as_str().unwrap_or_default();
            (path.starts_with("/repos/acme/shop/git/trees/") && e["query"]["recursive"] == "1")
                || (path.starts_with("/repos/acme/shop/contents/") && !path.ends_with(VALUES))
        })
        .map(|e| e["path"].as_str().unwrap().to_owned())
        .collect()
}

fn log_len(f: &Fixture) -> usize {
    std::fs::read_to_string(f.state.path().join("exchanges.jsonl")).map_or(0, |l| l.lines().count())
}

fn doctor_row<'a>(out: &'a str, check: &str) -> &'a str {
    out.lines().find(|l| l.starts_with(&format!("redis-pool-exhaustion: {check} "))).unwrap_or_else(|| panic!("{out}"))
}

#[test]
fn preflight_doctor_warns_on_github_when_the_paths_filter_excludes_the_file_in_three_requests() {
    let deploy = workflow("    branches: [main]\n    paths: ['k8s/**']\n");
    let f = Fixture::with_files(&[
        (".github/workflows/deploy.yml", &deploy),
        (".github/workflows/ci.yml", "on: [pull_request]\njobs: {}\n"),
        ("README.md", "# shop\n"),
    ]);
    let from = log_len(&f);
    let (code, out, err) = f.firedrill(&["doctor"], f.plan.open_at);
    // A warning, not a failure.
    assert_eq!(code, 0, "{out}\n{err}");
    let row = doctor_row(&out, "deployed by");
    assert!(
        row.contains("  warn    nothing in the repository deploys charts/checkout/values-staging.yaml from `main`"),
        "{row}"
    );
    assert!(
        row.contains("found: .github/workflows/deploy.yml: runs on push to `main`, but its paths filter excludes"),
        "{row}"
    );
    assert!(out.ends_with("Ready, with 1 warning(s).\n"), "{out}");
    // One listing, then the two workflows (the values file is read once, for the fault; README.md never).
    let requests = preflight_requests(&f, from);
    assert_eq!(requests.len(), 3, "{requests:#?}");
    assert!(requests[0].starts_with("/repos/acme/shop/git/trees/"), "{requests:#?}");
    assert_eq!(
        requests[1..],
        [
            "/repos/acme/shop/contents/.github/workflows/ci.yml",
            "/repos/acme/shop/contents/.github/workflows/deploy.yml"
        ]
    );
    // The recursive listing is shaped as GitHub's (when the shared OpenAPI tools are there).
    f.assert_openapi_valid(&[]);
}

#[test]
fn preflight_doctor_names_the_application_that_deploys_the_file_from_the_default_branch() {
    let app = example("argocd/checkout-staging.yaml").replace("targetRevision: main", "targetRevision: HEAD");
    let f = Fixture::with_files(&[("argocd/checkout-staging.yaml", &app)]);
    let (code, out, err) = f.firedrill(&["doctor"], f.plan.open_at);
    assert_eq!(code, 0, "{out}\n{err}");
    let row = doctor_row(&out, "deployed by");
    assert_eq!(
        row.split_once("  ok      ").map(|(_, d)| d),
        Some(
            "argocd/checkout-staging.yaml: Application checkout-staging syncs charts/checkout from HEAD (the default \
             branch, `main`), with charts/checkout/values-staging.yaml in its helm.valueFiles"
        ),
        "{out}"
    );
}

/// In a bare repository `HEAD` names the default branch: an Application on `HEAD` is judged against it.
#[test]
fn preflight_a_bare_repository_tells_the_default_branch_argo_cd_reads_at_head() {
    use firedrill::git::{FileChange, Identity, Repo};
    let app = example("argocd/checkout-staging.yaml").replace("targetRevision: main", "targetRevision: HEAD");
    let preview_with_head = |head: &str| {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::init_bare(dir.path()).unwrap();
        let who = Identity::new("Sam", "sam@acme.example", "2026-11-16T12:00:00Z".parse().unwrap());
        let files =
            [FileChange::write(VALUES, example(VALUES)), FileChange::write("argocd/checkout.yaml", app.clone())];
        let c = repo.write_commit(None, &files, "init\n", &who, &who).unwrap();
        for branch in ["main", "release"] {
            repo.update_ref(&format!("refs/heads/{branch}"), &c, None, "test").unwrap();
        }
        repo.set_head(&format!("refs/heads/{head}")).unwrap();
        let (code, out, err) = run(firedrill()
            .args(["preview", "scenarios/redis-pool-exhaustion.yaml", "--now", NOW, "--repo"])
            .arg(dir.path()));
        assert_eq!(code, 0, "{err}");
        out
    };
    let out = preview_with_head("main");
    assert!(
        out.contains("checkout-staging syncs charts/checkout from HEAD (the default branch, `main`) (assuming"),
        "{out}"
    );
    let out = preview_with_head("release");
    assert!(out.contains("warning: nothing in the repository deploys charts/checkout/values-staging.yaml"), "{out}");
    assert!(out.contains("from HEAD, the default branch `release`, not `main`"), "{out}");
}

/// The layout of fluxcd/flux2-kustomize-helm-example (Flux 2.7): each cluster folder holds an ArtifactGenerator
/// that copies `apps/base` and `apps/<cluster>` into the ExternalArtifact `apps`, and the Kustomization `apps`
/// that applies `./<cluster>` of it; its e2e workflow runs on every push, on a kind cluster it makes.
fn flux_example() -> Vec<(&'static str, String)> {
    let generator = |env: &str| {
        format!(
            "apiVersion: source.extensions.fluxcd.io/v1beta1\nkind: ArtifactGenerator\nmetadata:\n  name: flux-system\n  \
             namespace: flux-system\nspec:\n  sources:\n  - alias: monorepo\n    kind: GitRepository\n    name: \
             flux-system\n  artifacts:\n  - name: apps\n    copy:\n    - from: '@monorepo/apps/base/**'\n      to: \
             '@artifact/base/'\n    - from: '@monorepo/apps/{env}/**'\n      to: '@artifact/{env}/'\n"
        )
    };
    let apps = |env: &str| {
        format!(
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: \
             flux-system\nspec:\n  interval: 10m0s\n  sourceRef:\n    kind: ExternalArtifact\n    name: apps\n  path: \
             ./{env}\n  prune: true\n"
        )
    };
    let sync = |env: &str| {
        format!(
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n  \
             namespace: flux-system\nspec:\n  interval: 1m0s\n  ref:\n    branch: main\n  url: \
             https://github.com/fluxcd/flux2-kustomize-helm-example\n---\napiVersion: \
             kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n  namespace: \
             flux-system\nspec:\n  interval: 10m0s\n  path: ./clusters/{env}\n  prune: true\n  sourceRef:\n    kind: \
             GitRepository\n    name: flux-system\n"
        )
    };
    let e2e = "name: e2e\non:\n  workflow_dispatch:\n  push:\n    branches: [ '*' ]\n  pull_request:\n    branches: [ \
               'main' ]\njobs:\n  kubernetes:\n    runs-on: ubuntu-latest\n    steps:\n      - name: Checkout\n        \
               uses: actions/checkout@v4\n      - name: Setup Flux\n        uses: fluxcd/flux2/action@main\n      - \
               name: Setup Kubernetes\n        uses: helm/kind-action@v1\n        with:\n          cluster_name: \
               flux\n      - name: Install Flux in Kubernetes Kind\n        run: flux install\n      - name: Setup \
               cluster reconciliation\n        run: |\n          flux create source git flux-system \\\n          \
               --url=${{ github.event.repository.html_url }} \\\n          --branch=${GITHUB_REF#refs/heads/}\n          \
               flux create kustomization flux-system \\\n          --source=flux-system \\\n          \
               --path=./clusters/staging\n      - name: Verify cluster reconciliation\n        run: |\n          \
               kubectl -n flux-system wait kustomization/apps --for=condition=ready --timeout=5m\n";
    let values = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: podinfo\n  namespace: \
                  podinfo\nspec:\n  chart:\n    spec:\n      version: \">=1.0.0-alpha\"\n  test:\n    enable: true\n  \
                  values:\n    ingress:\n      hosts:\n        - host: podinfo.staging\n";
    vec![
        ("apps/base/podinfo/kustomization.yaml", "resources:\n- namespace.yaml\n- release.yaml\n".to_owned()),
        ("apps/base/podinfo/namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: podinfo\n".to_owned()),
        (
            "apps/base/podinfo/release.yaml",
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: podinfo\n  namespace: \
             podinfo\nspec:\n  chart:\n    spec:\n      chart: podinfo\n      sourceRef:\n        kind: HelmRepository\n        \
             name: podinfo\n"
                .to_owned(),
        ),
        (
            "apps/staging/kustomization.yaml",
            "resources:\n- ../base/podinfo\npatches:\n- path: podinfo-values.yaml\n  target:\n    kind: HelmRelease\n"
                .to_owned(),
        ),
        ("apps/staging/podinfo-values.yaml", values.to_owned()),
        (
            "apps/production/kustomization.yaml",
            "resources:\n- ../base/podinfo\npatches:\n- path: podinfo-values.yaml\n  target:\n    kind: HelmRelease\n"
                .to_owned(),
        ),
        ("apps/production/podinfo-values.yaml", values.replace("podinfo.staging", "podinfo.production")),
        ("clusters/staging/artifacts.yaml", generator("staging")),
        ("clusters/staging/apps.yaml", apps("staging")),
        ("clusters/staging/flux-system/gotk-sync.yaml", sync("staging")),
        ("clusters/production/artifacts.yaml", generator("production")),
        ("clusters/production/apps.yaml", apps("production")),
        ("clusters/production/flux-system/gotk-sync.yaml", sync("production")),
        (".github/workflows/e2e.yaml", e2e.to_owned()),
    ]
}

#[test]
fn preflight_flux_kustomizations_of_an_external_artifact_are_named_and_the_e2e_workflow_is_not() {
    // Issue 33: on fluxcd/flux2-kustomize-helm-example "Deployed by" named `.github/workflows/e2e.yaml` and missed
    // the Flux Kustomization that really applies the staging values, through the ExternalArtifact `apps`.
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("flux");
    seed_repo(&repo, &flux_example());
    let scenarios = dir.path().join("scenarios");
    crate::common::write(
        &scenarios,
        "staging-tests.yaml",
        "id: staging-tests\ntitle: Helm tests switched off in staging\ntarget:\n  branch: main\n  path: \
         apps/staging/podinfo-values.yaml\nfault:\n  - op: replace\n    path: /spec/test/enable\n    value: false\n",
    );
    let (code, out, err) = run(firedrill()
        .args(["preview", "staging-tests.yaml", "--now", NOW, "--scenarios"])
        .arg(&scenarios)
        .arg("--repo")
        .arg(&repo)
        .current_dir(&scenarios));
    assert_eq!(code, 0, "{out}{err}");
    let section = crate::common::section(&out, "Deployed by");
    assert!(!section.starts_with("warning"), "{section}");
    let first = section.lines().next().unwrap();
    assert!(
        first.starts_with("clusters/staging/apps.yaml: Kustomization apps applies ExternalArtifact apps"),
        "{section}"
    );
    assert!(
        !section.contains("clusters/production/apps.yaml"),
        "production's Kustomization does not apply it: {section}"
    );
    assert!(!section.contains("e2e.yaml"), "a workflow that deploys nothing is not a deployer: {section}");
    insta::assert_snapshot!(section);
}
