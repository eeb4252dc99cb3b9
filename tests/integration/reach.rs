//! "Staging only, proven from what renders the file": on the real podinfo layout (Kustomize bases under dev,
//! staging and production overlays; a chart whose `values-prod.yaml` overrides part of its defaults), a fault
//! production would render is refused by validate, preview, doctor, start and at the merge, with the chain
//! printed, and nothing is pushed; a fault only staging renders goes through.

use std::path::{Path, PathBuf};

use firedrill::git::{FileChange, Identity, Repo};
use jiff::Timestamp;

use crate::common::{corpus_dir, firedrill, git_in, run};
use crate::support::git_http::GitHttp;

const TOKEN: &str = "ghs_reachTestToken0123456789abcdef";
const NOW: &str = "2026-11-23T12:00:00Z";
const BASE: &str = "deploy/bases/backend/deployment.yaml";

/// Every file of the podinfo layout in `../shared/corpus/repos/podinfo`, as (path, text).
fn podinfo() -> Option<Vec<(String, String)>> {
    let root = corpus_dir("repos")?.join("podinfo");
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                let rel = path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
                out.push((rel, text));
            }
        }
    }
    out.sort();
    assert!(out.iter().any(|(p, _)| p == BASE), "the podinfo layout lost {BASE}");
    Some(out)
}

/// A checkout at `dir` whose `main` holds `files`, as a team member's clone would.
fn seed(dir: &Path, files: &[(String, String)]) {
    for (path, text) in files {
        crate::common::write(dir, path, text);
    }
    git_in(dir, &["init", "-q", "-b", "main"]);
    git_in(dir, &["add", "-A"]);
    git_in(dir, &["-c", "user.name=Sam", "-c", "user.email=sam@acme.example", "commit", "-qm", "podinfo"]);
}

/// A scenario `id` changing `path` at the JSON pointer `pointer` to `value` (YAML), in `repo` when given.
fn scenario(id: &str, repo: Option<&str>, path: &str, pointer: &str, value: &str) -> String {
    let repo = repo.map_or_else(String::new, |r| format!("  repo: {r}\n"));
    format!(
        "id: {id}\ntitle: A drill of {id}\ntarget:\n{repo}  branch: main\n  path: {path}\nfault:\n  - op: replace\n    \
         path: {pointer}\n    value: {value}\n"
    )
}

/// The podinfo drills: a Kustomize base, a chart default production does not set, one it sets, and a file only
/// the staging overlay reads.
fn drills(repo: Option<&str>) -> Vec<(&'static str, String)> {
    vec![
        ("base", scenario("base", repo, BASE, "/spec/template/spec/containers/0/ports/0/containerPort", "9899")),
        ("chart-prefix", scenario("chart-prefix", repo, "charts/podinfo/values.yaml", "/prefix", "/api")),
        ("chart-replicas", scenario("chart-replicas", repo, "charts/podinfo/values.yaml", "/replicaCount", "0")),
        (
            "staging-labels",
            scenario(
                "staging-labels",
                repo,
                "deploy/overlays/staging/labels.yaml",
                "/labels/app.kubernetes.io~1instance",
                "webap",
            ),
        ),
    ]
}

fn write_scenarios(dir: &Path, list: &[(&str, String)]) -> PathBuf {
    let scenarios = dir.join("scenarios");
    std::fs::create_dir_all(&scenarios).unwrap();
    for (id, text) in list {
        std::fs::write(scenarios.join(format!("{id}.yaml")), text).unwrap();
    }
    scenarios
}

#[test]
fn reach_validate_and_preview_refuse_what_podinfos_production_renders() {
    let Some(files) = podinfo() else { return };
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("podinfo");
    seed(&repo, &files);
    let scenarios = write_scenarios(dir.path(), &drills(None));
    let validate =
        |id: &str| run(firedrill().arg("validate").arg(scenarios.join(format!("{id}.yaml"))).arg("--repo").arg(&repo));

    // A Kustomize base: refused at target.path, with the chain from the production overlay and the fix.
    let (code, out, err) = validate("base");
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains(
            "base.yaml:5:9: target.path: deploy/bases/backend/deployment.yaml reaches production `production` \
             (overlay folder deploy/overlays/production): deploy/bases/backend/deployment.yaml ← \
             deploy/bases/backend/kustomization.yaml (resources: deployment.yaml) ← \
             deploy/overlays/production/kustomization.yaml (resources: ../../bases/backend)"
        ),
        "{err}"
    );
    assert!(err.contains("help: target a patch of the staging overlay instead"), "{err}");
    // A chart default values-prod.yaml does not set: production reads it.
    let (code, _, err) = validate("chart-prefix");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "charts/podinfo/values.yaml reaches production `prod` (the name of charts/podinfo/values-prod.yaml)"
        ),
        "{err}"
    );
    // A chart default values-prod.yaml sets, and the staging overlay's own transformer: valid.
    for id in ["chart-replicas", "staging-labels"] {
        let (code, out, err) = validate(id);
        assert_eq!((code, out.as_str()), (0, "1 scenario valid\n"), "{id}: {err}");
        assert!(!err.contains("production"), "{id}: {err}");
    }

    // Preview shows the whole reach as a tree, and refuses the same way.
    let preview = |id: &str| {
        run(firedrill()
            .args(["preview", &format!("{id}.yaml"), "--now", NOW, "--scenarios"])
            .arg(&scenarios)
            .arg("--repo")
            .arg(&repo)
            .current_dir(&scenarios))
    };
    let (code, out, err) = preview("base");
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("target.path: deploy/bases/backend/deployment.yaml reaches production"), "{err}");
    assert!(!out.contains("── The commit"), "a refused preview shows no draft:\n{out}");
    insta::assert_snapshot!("reach_preview_podinfo_base", out);

    let (code, out, err) = preview("chart-replicas");
    assert_eq!(code, 0, "{out}{err}");
    let lands = out.split_once("── Where it lands ──\n").unwrap().1;
    assert!(
        lands.starts_with(
            "production (`prod`, the name of charts/podinfo/values-prod.yaml) — not reached by the fault: \
             charts/podinfo/values-prod.yaml set(s) /replicaCount there, over the chart's default\n"
        ),
        "{out}"
    );
    let (code, out, err) = preview("staging-labels");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("staging (`staging`, overlay folder deploy/overlays/staging)\n"), "{out}");
    assert!(!out.contains("REFUSED"), "{out}");
}

/// The target and control repositories on a smart-HTTP git server, the target holding podinfo.
struct Local {
    server: GitHttp,
    dir: tempfile::TempDir,
}

impl Local {
    fn new(files: &[(String, String)]) -> Local {
        let server = GitHttp::start(TOKEN);
        let target = server.create_repo("target");
        server.create_repo("control");
        let repo = Repo::open(&target).unwrap();
        let who = Identity::new("Sam Rivera", "sam@acme.example", "2026-11-16T12:00:00Z".parse().unwrap());
        let changes: Vec<FileChange> = files.iter().map(|(p, c)| FileChange::write(p.as_str(), c.clone())).collect();
        let c = repo.write_commit(None, &changes, "podinfo\n", &who, &who).unwrap();
        repo.update_ref("refs/heads/main", &c, None, "test: initial commit").unwrap();
        let dir = tempfile::tempdir().unwrap();
        write_scenarios(dir.path(), &drills(Some(&server.url("target"))));
        Local { server, dir }
    }

    fn firedrill(&self, args: &[&str], now: &str) -> (i32, String, String) {
        run(firedrill()
            .args(args)
            .arg("--scenarios")
            .arg(self.dir.path().join("scenarios"))
            .args(["--control", &self.server.url("control"), "--identity", "Sam Rivera <sam@acme.example>"])
            .args(["--now", now, "--workdir"])
            .arg(self.dir.path().join("work"))
            .env("FIREDRILL_TOKEN", TOKEN))
    }

    fn target(&self) -> Repo {
        Repo::open(&self.server.repo_path("target")).unwrap()
    }

    /// The target's branches.
    fn branches(&self) -> Vec<String> {
        let out = crate::common::git()
            .args(["for-each-ref", "--format=%(refname:short)", "refs/heads"])
            .current_dir(self.server.repo_path("target"))
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().lines().map(str::to_owned).collect()
    }
}

#[test]
fn reach_start_refuses_a_base_and_the_merge_refuses_once_production_stops_overriding() {
    let Some(files) = podinfo() else { return };
    let f = Local::new(&files);
    let main = f.target().branch_head("main").unwrap().unwrap();

    // start: refused before anything is recorded or pushed, exit 3, the chain named.
    let (code, out, err) = f.firedrill(&["start", "base"], NOW);
    assert_eq!(code, 3, "{out}{err}");
    assert!(
        err.contains("refused: deploy/bases/backend/deployment.yaml reaches production `production` (overlay folder deploy/overlays/production)"),
        "{err}"
    );
    assert_eq!(f.branches(), ["main"], "nothing pushed");
    assert_eq!(f.target().branch_head("main").unwrap().unwrap(), main);

    // A chart default production overrides: opened, to merge in 30 minutes.
    let (code, out, err) = f.firedrill(&["start", "chart-replicas", "--merge-in", "30m"], NOW);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("→ opened `"), "{out}");
    assert_eq!(f.branches().len(), 2, "{:?}", f.branches());

    // Meanwhile production's values file stops setting replicaCount: the chart default now reaches production,
    // and the merge is refused where it happens.
    let repo = f.target();
    let tip = repo.branch_head("main").unwrap().unwrap();
    let prod = String::from_utf8(repo.read_file(&tip, "charts/podinfo/values-prod.yaml").unwrap().unwrap()).unwrap();
    let without = prod.replace("replicaCount: 1\n", "");
    assert_ne!(prod, without);
    let who = Identity::new("Ana Lee", "ana@acme.example", "2026-11-23T12:10:00Z".parse().unwrap());
    let c = repo
        .write_commit(
            Some(&tip),
            &[FileChange::write("charts/podinfo/values-prod.yaml", without)],
            "prod: use the chart's replica count\n",
            &who,
            &who,
        )
        .unwrap();
    repo.update_ref("refs/heads/main", &c, Some(&tip), "test: a colleague pushes").unwrap();

    let merge_at: Timestamp = "2026-11-23T12:31:00Z".parse().unwrap();
    let (code, out, err) = f.firedrill(&["tick"], &merge_at.to_string());
    assert_eq!(code, 3, "{out}{err}");
    assert!(
        out.contains(
            "charts/podinfo/values.yaml reaches production `prod` (the name of charts/podinfo/values-prod.yaml)"
        ),
        "{out}"
    );
    assert_eq!(f.target().branch_head("main").unwrap().unwrap(), c, "the fault was not merged");
    assert_eq!(f.branches(), ["main"], "the drill's branch was closed:\n{out}");
}

#[test]
fn reach_doctor_fails_and_start_opens_nothing_on_github() {
    let Some(files) = podinfo() else { return };
    let extra: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let f = crate::github_drill::Fixture::with_files(&extra);
    let base = drills(Some("acme/shop")).remove(0).1;
    std::fs::write(f.dir.path().join("scenarios/redis.yaml"), base).unwrap();

    let (code, out, err) = f.firedrill(&["doctor"], f.plan.open_at);
    assert_eq!(code, 2, "a failed check exits 2:\n{out}{err}");
    let row = out.lines().find(|l| l.starts_with("base: reaches ")).unwrap_or_else(|| panic!("{out}"));
    assert!(row.contains("  FAIL  ") || row.contains("  fail  "), "{row}");
    assert!(
        row.contains(
            "deploy/bases/backend/deployment.yaml reaches production `production` (overlay folder \
             deploy/overlays/production): deploy/bases/backend/deployment.yaml ← deploy/bases/backend/kustomization.yaml \
             (resources: deployment.yaml) ← deploy/overlays/production/kustomization.yaml (resources: ../../bases/backend)"
        ),
        "{row}"
    );

    let (code, out, err) = f.firedrill(&["start", "base"], f.plan.open_at);
    assert_eq!(code, 3, "{out}{err}");
    assert!(err.contains("refused: deploy/bases/backend/deployment.yaml reaches production"), "{err}");
    let pulls = f.emulator.repo("acme/shop").state().unwrap().pulls;
    assert!(pulls.is_empty(), "no pull request was opened: {pulls:?}");
    f.assert_openapi_valid(&[]);
}

/// A team whose production cluster is called `blue`: unknown (a warning) until `environments:` in
/// firedrill.yml names it; then refused; `allow_production: true` lets it through and says so.
#[test]
fn reach_a_team_named_environment_in_firedrill_yml() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("gitops");
    let app = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: checkout\n  namespace: argocd\nspec:\n  project: shop\n  source:\n    repoURL: https://github.com/acme/gitops.git\n    targetRevision: main\n    path: checkout\n  destination:\n    name: blue\n    namespace: shop\n";
    let deploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout\nspec:\n  replicas: 2\n";
    seed(&repo, &[("apps/checkout.yaml".into(), app.into()), ("checkout/deploy.yaml".into(), deploy.into())]);
    let text = scenario("checkout-zero", None, "checkout/deploy.yaml", "/spec/replicas", "0");
    let file = crate::common::write(dir.path(), "scenarios/checkout-zero.yaml", &text);
    let validate = |config: Option<&str>| {
        let mut cmd = firedrill();
        cmd.arg("validate").arg(&file);
        if let Some(c) = config {
            cmd.arg(crate::common::write(dir.path(), "scenarios/firedrill.yml", c));
        }
        run(cmd.arg("--repo").arg(&repo))
    };
    let (code, out, err) = validate(None);
    assert_eq!((code, out.as_str()), (0, "1 scenario valid\n"), "{err}");
    assert!(err.contains("checkout/deploy.yaml reaches an environment whose kind is unknown"), "{err}");

    let (code, _, err) = validate(Some("environments:\n  production: [blue]\n"));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "checkout/deploy.yaml reaches production `blue` (Argo CD destination cluster): checkout/deploy.yaml ← \
             apps/checkout.yaml (Application checkout syncs checkout from `main`"
        ),
        "{err}"
    );

    let (code, out, err) = validate(Some("environments:\n  production: [blue]\nallow_production: true\n"));
    assert_eq!((code, out.as_str()), (0, "1 scenario valid (firedrill.yml valid)\n"), "{err}");
    assert!(err.contains("allowed by `allow_production: true` in firedrill.yml"), "{err}");
}

/// What the reach costs on GitHub, from the emulator's log: the recursive listing and one read per file it
/// chooses, on the opening tick and the merge tick only; a running drill's idle tick lists nothing.
#[test]
fn reach_costs_a_listing_and_its_reads_at_the_opening_and_the_merge_only() {
    let staging = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: checkout-staging\nspec:\n  source:\n    repoURL: https://github.com/acme/shop.git\n    targetRevision: main\n    path: charts/checkout\n    helm:\n      valueFiles: [values-staging.yaml]\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: shop-staging\n";
    let f = crate::github_drill::Fixture::with_files(&[
        ("argocd/checkout-staging.yaml", staging),
        ("charts/checkout/Chart.yaml", "apiVersion: v2\nname: checkout\nversion: 1.0.0\n"),
        ("README.md", "# shop\n"),
    ]);
    let log = || -> Vec<serde_json::Value> {
        std::fs::read_to_string(f.state.path().join("exchanges.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let listings = |from: usize| -> (usize, Vec<String>) {
        let all = log();
        let new = &all[from..];
        let lists = new
            .iter()
            .filter(|e| {
                e["path"].as_str().unwrap_or_default().starts_with("/repos/acme/shop/git/trees/")
                    && e["query"]["recursive"] == "1"
            })
            .count();
        let reads = new
            .iter()
            .filter_map(|e| e["path"].as_str())
            .filter(|p| p.starts_with("/repos/acme/shop/contents/"))
            .map(str::to_owned)
            .collect();
        (lists, reads)
    };
    let open_at = f.plan.open_at;
    let from = log().len();
    let out = f.tick(open_at);
    assert!(out.contains("opened `"), "{out}");
    let (lists, reads) = listings(from);
    // The listing, then each YAML file once: the target (read for the fault, reused), the Application, the
    // chart's Chart.yaml; never README.md. Then the pull request template the disguise is written to (its two
    // usual names), read for the wording, not for the reach.
    assert_eq!(lists, 1, "{reads:#?}");
    assert_eq!(
        reads,
        [
            "/repos/acme/shop/contents/charts/checkout/values-staging.yaml",
            "/repos/acme/shop/contents/argocd/checkout-staging.yaml",
            "/repos/acme/shop/contents/charts/checkout/Chart.yaml",
            "/repos/acme/shop/contents/.github/pull_request_template.md",
            "/repos/acme/shop/contents/.github/PULL_REQUEST_TEMPLATE.md"
        ]
    );

    let from = log().len();
    let out = f.tick(f.plan.merge_at);
    assert!(out.contains("merged into main"), "{out}");
    let (lists, reads) = listings(from);
    // The merge reads the branch's tip again (a colleague's change since the opening counts): the same three
    // files; then, merged, the run reads the target at the new tip to follow the fault, as before.
    assert_eq!(lists, 1, "{reads:#?}");
    assert_eq!(reads.len(), 4, "{reads:#?}");
    assert!(
        reads[..3].iter().all(|r| !r.is_empty()) && reads[1].ends_with("argocd/checkout-staging.yaml"),
        "{reads:#?}"
    );

    let from = log().len();
    f.tick(crate::github_drill::after(f.plan.merge_at, 10));
    let (lists, _) = listings(from);
    assert_eq!(lists, 0, "an idle tick lists nothing");
}

/// `allow_production: true` keeps its meaning, explicit consent: the base is opened, and the run says that
/// production is reached and allowed.
#[test]
fn reach_allow_production_opens_and_says_so() {
    let Some(files) = podinfo() else { return };
    let f = Local::new(&files);
    std::fs::write(f.dir.path().join("firedrill.yml"), "allow_production: true\n").unwrap();
    let (code, out, err) = f.firedrill(&["start", "base", "--merge-in", "30m"], NOW);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(
            "deploy/bases/backend/deployment.yaml reaches production `production` (overlay folder \
             deploy/overlays/production)"
        ) && out.contains("allowed by `allow_production: true`"),
        "{out}"
    );
    assert!(out.contains("→ opened `"), "{out}");
}

/// Issue 33: on podinfo's own branch (`master`), its CI workflows (`test.yml`, `e2e.yml`, `cve-scan.yml`) run
/// on every push and deploy nothing: `preview` names none of them as a deployer, and says why.
#[test]
fn podinfos_ci_workflows_run_on_push_and_deploy_nothing() {
    let Some(files) = podinfo() else { return };
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("podinfo");
    seed(&repo, &files);
    git_in(&repo, &["branch", "-m", "master"]);
    let text = scenario(
        "staging-labels",
        None,
        "deploy/overlays/staging/labels.yaml",
        "/labels/app.kubernetes.io~1instance",
        "webap",
    )
    .replace("branch: main", "branch: master");
    let scenarios = write_scenarios(dir.path(), &[("staging-labels", text)]);
    let (code, out, err) = run(firedrill()
        .args(["preview", "staging-labels.yaml", "--now", NOW, "--scenarios"])
        .arg(&scenarios)
        .arg("--repo")
        .arg(&repo)
        .current_dir(&scenarios));
    assert_eq!(code, 0, "{out}{err}");
    let section = crate::common::section(&out, "Deployed by");
    assert!(
        section.starts_with("warning: nothing in the repository deploys deploy/overlays/staging/labels.yaml"),
        "{out}"
    );
    for ci in ["test.yml", "e2e.yml", "cve-scan.yml"] {
        let line = section.lines().find(|l| l.contains(ci)).unwrap_or_else(|| panic!("{ci} is not named:\n{section}"));
        assert!(
            line.contains("runs on push to `master`") && line.contains("deploys nothing firedrill can see"),
            "{line}"
        );
    }
    insta::assert_snapshot!(section);
}
