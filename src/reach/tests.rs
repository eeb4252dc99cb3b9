#![allow(clippy::unwrap_used)]

use super::*;

/// A repository of `files`; the listing is their paths plus `more`.
fn reach_in(
    files: &[(&str, &str)],
    more: &[&str],
    target: &str,
    branch: &str,
    keys: &[&str],
    envs: &Environments,
) -> Reach {
    let mut paths: Vec<String> = files.iter().map(|(p, _)| (*p).to_owned()).collect();
    paths.extend(more.iter().map(|p| (*p).to_owned()));
    let files: Vec<(String, String)> = files.iter().map(|(p, t)| ((*p).to_owned(), (*t).to_owned())).collect();
    let keys: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
    let t = Target { path: target, branch, default_branch: Some("main"), repo: Some("acme/gitops") };
    analyse(&Input { paths: &paths, files: &files, incomplete: None, target: t, keys: &keys, environments: envs })
}

/// Each route as `class: chain` (and `spared` when it is).
fn shown(r: &Reach) -> Vec<String> {
    r.routes
        .iter()
        .map(|route| {
            let spared = route.spared.as_ref().map_or(String::new(), |s| format!(" [spared: {s}]"));
            format!("{}: {}{spared}", route.class.word(), r.chain(route))
        })
        .collect()
}

const NONE: Environments = Environments { production: Vec::new(), staging: Vec::new(), other: Vec::new() };

const BASE: &str = "resources:\n- deployment.yaml\n";

#[test]
fn a_kustomize_base_reaches_every_overlay() {
    let files = [
        ("deploy/bases/backend/kustomization.yaml", BASE),
        ("deploy/overlays/production/kustomization.yaml", "namespace: production\nresources:\n- ../../bases/backend\n"),
        (
            "deploy/overlays/staging/kustomization.yaml",
            "namespace: staging\nresources:\n- ../../bases/backend\ntransformers:\n- labels.yaml\n",
        ),
    ];
    let r = reach_in(
        &files,
        &["deploy/bases/backend/deployment.yaml"],
        "deploy/bases/backend/deployment.yaml",
        "main",
        &[],
        &NONE,
    );
    assert_eq!(
        shown(&r),
        [
            "production: deploy/bases/backend/deployment.yaml ← deploy/bases/backend/kustomization.yaml (resources: deployment.yaml) ← deploy/overlays/production/kustomization.yaml (resources: ../../bases/backend)",
            "staging: deploy/bases/backend/deployment.yaml ← deploy/bases/backend/kustomization.yaml (resources: deployment.yaml) ← deploy/overlays/staging/kustomization.yaml (resources: ../../bases/backend)",
        ]
    );
    let refusal = r.refusal(&NONE).unwrap();
    assert!(refusal.contains("reaches production `production`"), "{refusal}");
    assert!(refusal.contains("patch of the staging overlay"), "{refusal}");
    // the staging overlay's own transformer reaches staging only
    let r = reach_in(&files, &[], "deploy/overlays/staging/labels.yaml", "main", &[], &NONE);
    assert_eq!(r.routes.len(), 1);
    assert_eq!(r.routes[0].class, Class::Staging);
    assert!(r.refusal(&NONE).is_none());
}

#[test]
fn flux_cluster_folders_name_the_environment_of_a_shared_folder() {
    let git = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  url: https://github.com/acme/gitops\n  ref:\n    branch: main\n";
    let ks = |path: &str| {
        format!(
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: infrastructure\n  namespace: flux-system\nspec:\n  path: {path}\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"
        )
    };
    let (prod, staging) = (ks("./infrastructure/controllers"), ks("./infrastructure/controllers"));
    let files = [
        ("clusters/production/flux-system/gotk-sync.yaml", git),
        ("clusters/production/infrastructure.yaml", prod.as_str()),
        ("clusters/staging/infrastructure.yaml", staging.as_str()),
    ];
    let target = "infrastructure/controllers/ingress-nginx.yaml";
    let r = reach_in(&files, &[target], target, "main", &[], &NONE);
    let classes: Vec<Class> = r.routes.iter().map(|r| r.class).collect();
    assert_eq!(classes, [Class::Production, Class::Staging], "{:#?}", shown(&r));
    assert!(r.refusal(&NONE).unwrap().contains("clusters/production/infrastructure.yaml"));
    // the same Kustomizations following another branch do not take a fault merged into `staging`
    let r = reach_in(&files, &[target], target, "staging", &[], &NONE);
    assert!(r.production().next().is_none(), "{:#?}", shown(&r));
}

#[test]
fn a_flux_helmrelease_in_a_base_is_applied_by_each_clusters_overlay() {
    let hr = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: podinfo\n  namespace: podinfo\nspec:\n  chart:\n    spec:\n      chart: ./charts/podinfo\n      sourceRef:\n        kind: GitRepository\n        name: flux-system\n        namespace: flux-system\n  values:\n    replicaCount: 2\n";
    let files = [
        ("apps/base/podinfo/kustomization.yaml", "resources:\n- release.yaml\n"),
        ("apps/base/podinfo/release.yaml", hr),
        (
            "apps/production/kustomization.yaml",
            "resources:\n- ../base/podinfo\npatches:\n- path: podinfo-values.yaml\n",
        ),
        ("apps/staging/kustomization.yaml", "resources:\n- ../base/podinfo\n"),
        ("charts/podinfo/values.yaml", "replicaCount: 1\nresources:\n  limits:\n    memory: 256Mi\n"),
    ];
    let more = ["charts/podinfo/Chart.yaml", "charts/podinfo/templates/deployment.yaml"];
    // the chart's defaults: the release in both overlays reads them
    let r = reach_in(&files, &more, "charts/podinfo/values.yaml", "main", &["/resources/limits/memory"], &NONE);
    assert_eq!(r.production().count(), 1, "{:#?}", shown(&r));
    // a key the release's own values set is spared everywhere
    let r = reach_in(&files, &more, "charts/podinfo/values.yaml", "main", &["/replicaCount"], &NONE);
    assert!(r.production().next().is_none(), "{:#?}", shown(&r));
    assert!(r.routes.iter().all(|r| r.spared.as_deref().is_some_and(|s| s.contains("spec.values"))));
    // the HelmRelease itself, in the base: both clusters
    let r = reach_in(&files, &more, "apps/base/podinfo/release.yaml", "main", &[], &NONE);
    assert!(r.production().next().is_some(), "{:#?}", shown(&r));
}

#[test]
fn argo_destinations_and_list_generators() {
    let appset = "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: guestbook\nspec:\n  generators:\n  - list:\n      elements:\n      - env: staging\n        cluster: https://staging.k8s.example.com\n      - env: prod\n        cluster: https://k8s.example.com\n  template:\n    metadata:\n      name: 'guestbook-{{env}}'\n    spec:\n      project: default\n      source:\n        repoURL: https://github.com/acme/gitops.git\n        targetRevision: main\n        path: guestbook/{{env}}\n      destination:\n        server: '{{cluster}}'\n        namespace: guestbook\n";
    let files = [("argocd/guestbook.yaml", appset)];
    let r = reach_in(
        &files,
        &["guestbook/prod/deploy.yaml", "guestbook/staging/deploy.yaml"],
        "guestbook/staging/deploy.yaml",
        "main",
        &[],
        &NONE,
    );
    assert_eq!(shown(&r).len(), 1, "{:#?}", shown(&r));
    assert_eq!(r.routes[0].class, Class::Staging);
    let r = reach_in(&files, &["guestbook/prod/deploy.yaml"], "guestbook/prod/deploy.yaml", "main", &[], &NONE);
    assert_eq!(r.routes[0].class, Class::Production);
    // an Application whose destination is a production cluster, by a name only the team knows
    let app = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: checkout\nspec:\n  source:\n    repoURL: https://github.com/acme/gitops\n    targetRevision: HEAD\n    path: checkout\n  destination:\n    name: blue\n    namespace: shop\n";
    let files = [("apps/checkout.yaml", app)];
    let r = reach_in(&files, &["checkout/deploy.yaml"], "checkout/deploy.yaml", "main", &[], &NONE);
    assert_eq!(r.routes[0].class, Class::Unknown);
    assert!(r.warnings()[0].contains("environments:"));
    let named = Environments { production: vec!["blue".into()], ..Environments::default() };
    let r = reach_in(&files, &["checkout/deploy.yaml"], "checkout/deploy.yaml", "main", &[], &named);
    assert!(r.refusal(&named).unwrap().contains("`blue` (Argo CD destination cluster)"));
    // a git generator is not expanded: said
    let git_gen = appset.replace("  - list:\n      elements:\n      - env: staging\n        cluster: https://staging.k8s.example.com\n      - env: prod\n        cluster: https://k8s.example.com\n", "  - git:\n      repoURL: https://github.com/acme/gitops.git\n      directories:\n      - path: guestbook/*\n");
    let r = reach_in(&[("argocd/guestbook.yaml", &git_gen)], &[], "guestbook/prod/deploy.yaml", "main", &[], &NONE);
    assert!(r.unknown.iter().any(|u| u.contains("`git` generator")), "{:?}", r.unknown);
}

#[test]
fn a_charts_defaults_reach_production_unless_its_values_file_sets_the_key() {
    let files = [
        ("charts/podinfo/values.yaml", "replicaCount: 1\nlogLevel: info\nresources:\n  limits:\n    memory: 256Mi\n"),
        ("charts/podinfo/values-prod.yaml", "replicaCount: 3\nresources: {}\n"),
    ];
    let more = ["charts/podinfo/Chart.yaml"];
    let r = reach_in(&files, &more, "charts/podinfo/values.yaml", "main", &["/logLevel"], &NONE);
    assert!(r.refusal(&NONE).unwrap().contains("values-prod.yaml"), "{:#?}", shown(&r));
    // production overrides the key: spared, with the reason
    let r = reach_in(&files, &more, "charts/podinfo/values.yaml", "main", &["/replicaCount"], &NONE);
    assert!(r.refusal(&NONE).is_none(), "{:#?}", shown(&r));
    assert!(r.routes[0].spared.as_deref().unwrap().contains("charts/podinfo/values-prod.yaml set(s) /replicaCount"));
    // an empty mapping merges: the chart's default still holds under it
    let r = reach_in(&files, &more, "charts/podinfo/values.yaml", "main", &["/resources/limits/memory"], &NONE);
    assert!(r.refusal(&NONE).is_some());
    // the production values file itself
    let r = reach_in(&files, &more, "charts/podinfo/values-prod.yaml", "main", &["/replicaCount"], &NONE);
    assert!(r.refusal(&NONE).is_some());
}

#[test]
fn workflow_environments() {
    let wf = "name: Deploy\non:\n  push:\n    branches: [main]\n    paths: ['config/**']\njobs:\n  deploy-staging:\n    runs-on: ubuntu-latest\n    environment: staging\n    steps: [{run: ./deploy staging}]\n  deploy-prod:\n    runs-on: ubuntu-latest\n    environment:\n      name: production\n      url: https://shop.example.com\n    steps: [{run: ./deploy prod}]\n";
    let files = [(".github/workflows/deploy.yml", wf)];
    let r = reach_in(&files, &["config/app.env"], "config/app.env", "main", &[], &NONE);
    assert_eq!(r.routes.iter().map(|r| r.class).collect::<Vec<_>>(), [Class::Staging, Class::Production]);
    let r = reach_in(&files, &["other/app.env"], "other/app.env", "main", &[], &NONE);
    assert!(r.routes.is_empty());
    assert!(r.unproven().unwrap().contains("nothing in the repository shows"));
}

#[test]
fn flux_artifact_generators() {
    let generator = "apiVersion: source.extensions.fluxcd.io/v1beta1\nkind: ArtifactGenerator\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  sources:\n  - alias: repo\n    kind: GitRepository\n    name: flux-system\n  artifacts:\n  - name: shared-config\n    copy:\n    - from: '@repo/shared/**'\n      to: '@artifact/'\n";
    let ks = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: shared\n  namespace: flux-system\nspec:\n  path: ./\n  sourceRef:\n    kind: ExternalArtifact\n    name: shared-config\n";
    let files = [("clusters/prod-eu/artifacts.yaml", generator), ("clusters/prod-eu/shared.yaml", ks)];
    let r = reach_in(&files, &["shared/limits.yaml"], "shared/limits.yaml", "master", &[], &NONE);
    assert!(r.refusal(&NONE).is_some(), "{:#?}", shown(&r));
    assert!(r.chain(&r.routes[0]).contains("ArtifactGenerator apps copies @repo/shared/** to @artifact/"));
}

#[test]
fn the_fault_keys_and_what_a_values_file_sets() {
    let doc: Value = serde_json::json!({"a": {"b": 1, "list": [1, 2], "gone": null}, "empty": {}});
    assert!(sets(&doc, "/a/b"));
    assert!(sets(&doc, "/a/list/0"), "a list replaces the default's whole");
    assert!(sets(&doc, "/a/gone/x"), "null deletes the key");
    assert!(!sets(&doc, "/empty/x"), "an empty mapping merges");
    assert!(!sets(&doc, "/c"));
    assert!(!sets(&Value::Null, "/a"), "an empty file sets nothing");
}

/// The layout of fluxcd/flux2-kustomize-helm-example: each cluster folder has its own ArtifactGenerator of
/// the same artifact; its Kustomization applies `./production` (or `./staging`) of the artifact, which is
/// `apps/production` of the repository, whose kustomization includes `../base/podinfo`.
#[test]
fn flux_artifacts_per_cluster_map_back_to_the_repository() {
    let generator = |env: &str| {
        format!(
            "apiVersion: source.extensions.fluxcd.io/v1beta1\nkind: ArtifactGenerator\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  sources:\n  - alias: monorepo\n    kind: GitRepository\n    name: flux-system\n  artifacts:\n  - name: apps\n    copy:\n    - from: '@monorepo/apps/base/**'\n      to: '@artifact/base/'\n    - from: '@monorepo/apps/{env}/**'\n      to: '@artifact/{env}/'\n"
        )
    };
    let apps = |env: &str| {
        format!(
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  sourceRef:\n    kind: ExternalArtifact\n    name: apps\n  path: ./{env}\n"
        )
    };
    let (gp, gs, ap, aps) = (generator("production"), generator("staging"), apps("production"), apps("staging"));
    let files = [
        ("apps/base/podinfo/kustomization.yaml", "resources:\n- release.yaml\n"),
        (
            "apps/production/kustomization.yaml",
            "resources:\n- ../base/podinfo\npatches:\n- path: podinfo-values.yaml\n",
        ),
        ("apps/staging/kustomization.yaml", "resources:\n- ../base/podinfo\npatches:\n- path: podinfo-values.yaml\n"),
        ("clusters/production/artifacts.yaml", gp.as_str()),
        ("clusters/production/apps.yaml", ap.as_str()),
        ("clusters/staging/artifacts.yaml", gs.as_str()),
        ("clusters/staging/apps.yaml", aps.as_str()),
    ];
    let r = reach_in(&files, &["apps/base/podinfo/release.yaml"], "apps/base/podinfo/release.yaml", "main", &[], &NONE);
    assert_eq!(
        shown(&r),
        [
            "production: apps/base/podinfo/release.yaml ← apps/base/podinfo/kustomization.yaml (resources: release.yaml) ← apps/production/kustomization.yaml (resources: ../base/podinfo) ← clusters/production/artifacts.yaml (ArtifactGenerator flux-system copies @monorepo/apps/production/** to @artifact/production/ of ExternalArtifact apps) ← clusters/production/apps.yaml (Kustomization apps applies production of ExternalArtifact apps)",
            "staging: apps/base/podinfo/release.yaml ← apps/base/podinfo/kustomization.yaml (resources: release.yaml) ← apps/staging/kustomization.yaml (resources: ../base/podinfo) ← clusters/staging/artifacts.yaml (ArtifactGenerator flux-system copies @monorepo/apps/staging/** to @artifact/staging/ of ExternalArtifact apps) ← clusters/staging/apps.yaml (Kustomization apps applies staging of ExternalArtifact apps)",
        ]
    );
    // the staging overlay's own patch: staging only
    let r =
        reach_in(&files, &["apps/staging/podinfo-values.yaml"], "apps/staging/podinfo-values.yaml", "main", &[], &NONE);
    assert_eq!(r.routes.iter().map(|r| r.class).collect::<Vec<_>>(), [Class::Staging], "{:#?}", shown(&r));
}
