//! `firedrill suggest`: faults proposed from a repository, through the real binary. Every suggestion must
//! pass `validate` and `preview` unchanged, change one line, and come undone byte for byte.

use std::collections::BTreeSet;
use std::path::Path;

use firedrill::patch::{self, DocumentSelector, Format, Patch};
use serde_json::Value;

use crate::common::{corpus_dir, firedrill, root, run, write};

const NOW: &str = "2026-11-23T12:00:00Z";

/// Runs `suggest` on `repo` with a large limit, writing scenarios to `out`; the JSON listing.
fn suggest(repo: &Path, out: &Path, extra: &[&str]) -> Value {
    let (code, stdout, err) = run(firedrill()
        .arg("suggest")
        .arg(repo)
        .args(["--format", "json", "--limit", "100000", "--out"])
        .arg(out)
        .args(extra));
    assert_eq!(code, 0, "suggest {}: {err}", repo.display());
    serde_json::from_str(&stdout).unwrap()
}

fn families(listing: &Value) -> BTreeSet<String> {
    listing["suggestions"].as_array().unwrap().iter().map(|s| s["family"].as_str().unwrap().to_owned()).collect()
}

/// Every written scenario passes `validate` and `preview` against the repository, and every fault changes
/// one line and its revert gives the file back byte for byte.
fn check_all(repo: &Path, out: &Path, listing: &Value) {
    let suggestions = listing["suggestions"].as_array().unwrap();
    let n = suggestions.len();
    assert!(n > 0, "{}: no suggestions", repo.display());
    let (code, stdout, err) = run(firedrill().arg("validate").arg(out).arg("--repo").arg(repo));
    assert_eq!(code, 0, "{}: validate refused suggestions:\n{err}", repo.display());
    assert!(stdout.starts_with(&format!("{n} scenario")), "{stdout}");
    for s in suggestions {
        let id = s["id"].as_str().unwrap();
        let file = out.join(format!("{id}.yaml"));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), s["scenario"].as_str().unwrap());
        let (code, preview, err) = run(firedrill()
            .arg("preview")
            .arg(&file)
            .arg("--scenarios")
            .arg(out)
            .arg("--repo")
            .arg(repo)
            .args(["--now", NOW]));
        assert_eq!(code, 0, "{}: preview refused {id}:\n{err}", repo.display());
        let removed: Vec<&str> = preview.lines().filter(|l| l.starts_with('-') && !l.starts_with("---")).collect();
        let added: Vec<&str> = preview.lines().filter(|l| l.starts_with('+') && !l.starts_with("+++")).collect();
        assert_eq!((removed.len(), added.len()), (1, 1), "{id}: not a one-line diff:\n{preview}");
        assert_eq!(added[0][1..].trim_end(), s["after"].as_str().unwrap().trim_end(), "{id}");

        // The fault, then its revert, through the patch engine a drill uses.
        let path = s["file"].as_str().unwrap();
        let text = std::fs::read_to_string(repo.join(path)).unwrap();
        let selector: Option<DocumentSelector> = s["document"].as_str().map(|d| d.parse().unwrap());
        let format = Format::infer(Path::new(path));
        let fault: Patch = serde_json::from_value(s["fault"].clone()).unwrap();
        let mut ops = s["fault"].as_array().unwrap().clone();
        let (old, new) = (ops[0]["value"].clone(), ops[1]["value"].clone());
        ops[0]["value"] = new;
        ops[1]["value"] = old;
        let revert: Patch = serde_json::from_value(Value::Array(ops)).unwrap();
        let broken = patch::apply(format, &text, &fault, selector.as_ref()).unwrap();
        let changed = text.split('\n').zip(broken.split('\n')).filter(|(a, b)| a != b).count();
        assert_eq!((changed, text.lines().count()), (1, broken.lines().count()), "{id}: one line");
        assert_eq!(patch::apply(format, &broken, &revert, selector.as_ref()).unwrap(), text, "{id}: byte for byte");
    }
}

#[test]
fn suggest_on_the_examples_yields_five_families_that_validate_and_preview() {
    let out = tempfile::tempdir().unwrap();
    let examples = root().join("examples");
    let listing = suggest(&examples, out.path(), &[]);
    let found = families(&listing);
    assert!(found.len() >= 5, "families: {found:?}");
    check_all(&examples, out.path(), &listing);
}

/// The shared corpus (files nobody here wrote): the Kubernetes manifests yield five families that validate and
/// preview. A corpus that is there but cannot be read fails.
#[test]
fn suggest_on_the_shared_corpus_yields_five_families_that_validate_and_preview() {
    let Some(dir) = corpus_dir("k8s") else { return };
    let out = tempfile::tempdir().unwrap();
    let listing = suggest(&dir, out.path(), &[]);
    assert!(listing["files_read"].as_u64().unwrap() > 0, "k8s: nothing read");
    let found = families(&listing);
    assert!(found.len() >= 5, "k8s: families {found:?}");
    check_all(&dir, out.path(), &listing);
}

/// The shared corpus's Helm values (a test of its own, so that the two corpora run side by side) are of charts
/// kept elsewhere, and nothing in the folder deploys them: only what every chart renders the same way
/// (`image.tag`, `replicaCount`) is proposed from them; their hosts, timeouts and pools are listed as not
/// proposed, with why.
#[test]
fn suggest_on_the_shared_helm_values_yields_image_tags_that_validate_and_preview() {
    let Some(dir) = corpus_dir("helm-values") else { return };
    let out = tempfile::tempdir().unwrap();
    let listing = suggest(&dir, out.path(), &[]);
    assert!(listing["files_read"].as_u64().unwrap() > 0, "helm-values: nothing read");
    let found = families(&listing);
    assert_eq!(found, BTreeSet::from(["image-tag".to_owned()]), "helm-values: {found:?}");
    for s in listing["suggestions"].as_array().unwrap() {
        let chain = s["chain"].as_str().unwrap();
        assert!(
            chain.contains("by the Helm convention for `")
                && chain.contains("image.tag`; the chart is not in this repository)"),
            "{chain}"
        );
    }
    check_all(&dir, out.path(), &listing);
    let not: Vec<&str> =
        listing["not_breaking"].as_array().unwrap().iter().map(|u| u["why"].as_str().unwrap()).collect();
    assert!(
        not.iter().any(|w| w.starts_with(
            "nothing in this repository shows what reads it (a Helm values file whose chart is not in this repository)"
        )),
        "{not:?}"
    );
}

/// The corpus `json` folder is not configuration a service reads: four charts' `values.schema.json` and a
/// Renovate config. A schema's `default`s and `examples` are documentation, so changing one breaks nothing:
/// the schemas are listed as not configuration and no fault is proposed from them (one used to be: an
/// `examples` URL with its scheme swapped).
#[test]
fn json_schemas_are_listed_as_not_configuration_and_yield_no_fault() {
    let Some(dir) = corpus_dir("json") else { return };
    let out = tempfile::tempdir().unwrap();
    let (code, stdout, err) =
        run(firedrill().arg("suggest").arg(&dir).args(["--format", "json", "--out"]).arg(out.path()));
    assert_eq!(code, 0, "{err}");
    let listing: Value = serde_json::from_str(&stdout).unwrap();
    let schemas: Vec<&str> =
        listing["not_configuration"].as_array().unwrap().iter().map(|u| u["path"].as_str().unwrap()).collect();
    assert_eq!(schemas.len(), 4, "{schemas:?}");
    assert!(schemas.iter().all(|p| p.ends_with("values.schema.json")), "{schemas:?}");
    assert_eq!(listing["files_read"], 1, "renovate.json is read");
    assert_eq!(listing["suggestions"].as_array().unwrap().len(), 0, "{listing:#}");
    assert_eq!(err.matches("note: not configuration: ").count(), 4, "{err}");
    assert!(err.contains("a JSON Schema (`$schema: http://json-schema.org/draft-07/schema`)"), "{err}");
}

/// The production-looking files of the corpus are left out and listed, unless allowed.
#[test]
fn production_looking_paths_are_listed_and_left_out_unless_allowed() {
    let Some(dir) = corpus_dir("k8s") else { return };
    let (code, out, err) = run(firedrill().arg("suggest").arg(&dir).args(["--limit", "100000", "--format", "json"]));
    assert_eq!(code, 0, "{err}");
    let listing: Value = serde_json::from_str(&out).unwrap();
    let left: Vec<&str> =
        listing["production"].as_array().unwrap().iter().map(|u| u["path"].as_str().unwrap()).collect();
    assert!(left.iter().any(|p| p.contains("production")), "{left:?}");
    assert!(err.contains("note: left out: ") && err.contains("--allow-production"), "{err}");
    let files = |l: &Value| -> BTreeSet<String> {
        l["suggestions"].as_array().unwrap().iter().map(|s| s["file"].as_str().unwrap().to_owned()).collect()
    };
    assert!(files(&listing).iter().all(|f| firedrill::scenario::looks_like_production(f).is_none()));
    let (code, out, _) =
        run(firedrill().arg("suggest").arg(&dir).args(["--limit", "100000", "--format", "json", "--allow-production"]));
    assert_eq!(code, 0);
    let allowed: Value = serde_json::from_str(&out).unwrap();
    assert!(allowed["production"].as_array().unwrap().is_empty());
    assert!(files(&allowed).iter().any(|f| firedrill::scenario::looks_like_production(f).is_some()));
}

/// One repository with a value of every family, in the places they are usually found.
fn every_family(dir: &Path) {
    write(
        dir,
        "k8s/staging/shop.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\n  namespace: shop-staging\nspec:\n  \
         replicas: 2\n  template:\n    metadata:\n      labels:\n        app: shop\n    spec:\n      containers:\n        - name: shop\n          image: \
         ghcr.io/acme/shop:1.4.2\n          envFrom:\n            - configMapRef:\n                name: \
         shop-settings\n          env:\n            - name: JAVA_OPTS\n              value: -Xms384m -Xmx384m\n          \
         ports:\n            - containerPort: 8080\n          readinessProbe:\n            \
         httpGet:\n              path: /healthz\n              port: http\n          resources:\n            \
         requests:\n              memory: 256Mi\n            limits:\n              memory: 512Mi\n---\n\
         apiVersion: v1\nkind: Service\nmetadata:\n  name: shop\nspec:\n  selector:\n    app: shop\n  ports:\n    - port: 80\n      \
         targetPort: 8080\n",
    );
    write(
        dir,
        "k8s/staging/worker.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\nspec:\n  template:\n    spec:\n      \
         containers:\n        - name: worker\n          env:\n            - name: QUEUE_DURABLE\n              \
         value: \"yes\"\n",
    );
    write(
        dir,
        "k8s/staging/settings.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shop-settings\ndata:\n  DB_POOL_SIZE: \"10\"\n  \
         HTTP_TIMEOUT_MS: \"3000\"\n  PAYMENTS_MAX_RETRIES: \"3\"\n  PAYMENTS_HOST: payments.staging.acme.internal\n  \
         PAYMENTS_BASE_URL: https://payments.staging.acme.internal/v2\n  FEATURE_ONE_CLICK: \"true\"\n",
    );
}

/// A snapshot of the scenario `suggest` writes, for the best suggestion of each family.
#[test]
fn suggest_writes_one_scenario_per_family_snapshot() {
    let repo = tempfile::tempdir().unwrap();
    every_family(repo.path());
    let out = tempfile::tempdir().unwrap();
    let listing = suggest(repo.path(), out.path(), &[]);
    let mut seen = BTreeSet::new();
    for s in listing["suggestions"].as_array().unwrap() {
        let family = s["family"].as_str().unwrap();
        if seen.insert(family.to_owned()) {
            insta::assert_snapshot!(format!("suggest_family_{family}"), s["scenario"].as_str().unwrap());
        }
    }
    let expected: BTreeSet<String> = firedrill::propose::Family::ALL.iter().map(|f| f.slug().to_owned()).collect();
    assert_eq!(seen, expected);
    check_all(repo.path(), out.path(), &listing);
}

/// A value three Deployments read ranks above one nobody reads, and the listing says why.
#[test]
fn a_value_read_by_three_deployments_ranks_above_one_read_by_none() {
    let repo = tempfile::tempdir().unwrap();
    for name in ["api", "worker", "web"] {
        write(
            repo.path(),
            &format!("apps/{name}.yaml"),
            &format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  template:\n    spec:\n      \
                 containers:\n        - name: {name}\n          envFrom:\n            - configMapRef:\n                \
                 name: shared-settings\n"
            ),
        );
    }
    write(
        repo.path(),
        "config/shared.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared-settings\ndata:\n  DB_POOL_SIZE: \"10\"\n",
    );
    write(
        repo.path(),
        "config/orphan.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: orphan-settings\ndata:\n  DB_POOL_SIZE: \"10\"\n",
    );
    let (code, out, err) = run(firedrill().arg("suggest").arg(repo.path()));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("`config/shared.yaml:"), "the shared value is suggested:\n{out}");
    assert!(!out.contains("`config/orphan.yaml:"), "a value nothing reads is not proposed:\n{out}");
    assert!(
        out.contains(
            "- +36 blast radius: 3 workloads read it through ConfigMap shared-settings (Deployment/api, \
             Deployment/web, Deployment/worker)"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "- breaks (runtime break): Deployment/api, Deployment/web, Deployment/worker read it through ConfigMap \
             shared-settings: a pool of 0 serves no request"
        ),
        "{out}"
    );
    // Listed, with why, under what was not proposed.
    assert!(
        out.contains(
            "## Not proposed: nothing shown to break\n\n- `config/orphan.yaml /data/DB_POOL_SIZE`: nothing that runs \
             reads it: no rendered, enabled workload (looked through ConfigMap orphan-settings)"
        ),
        "{out}"
    );
}

/// Nothing outside the repository is read, and what is not read is listed with why.
#[test]
fn files_it_cannot_read_are_listed_and_links_out_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "secret.env", "DB_POOL_SIZE=42\nSECRET_TOKEN=do-not-read\n");
    let repo = tempfile::tempdir().unwrap();
    write(repo.path(), "config/app.env", "DB_POOL_SIZE=10\n");
    std::os::unix::fs::symlink(outside.path().join("secret.env"), repo.path().join("config/linked.env")).unwrap();
    std::fs::write(repo.path().join("config/latin1.env"), b"NAME=caf\xe9\n").unwrap();
    write(repo.path(), "config/broken.yaml", "a: [1, 2\n");
    let (code, out, err) = run(firedrill().arg("suggest").arg(repo.path()).args(["--format", "json"]));
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("do-not-read") && !out.contains("42"), "{out}");
    let listing: Value = serde_json::from_str(&out).unwrap();
    let unread: Vec<(String, String)> = listing["unread"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["path"].as_str().unwrap().to_owned(), u["why"].as_str().unwrap().to_owned()))
        .collect();
    let why = |p: &str| unread.iter().find(|(f, _)| f == p).map(|(_, w)| w.clone()).unwrap_or_default();
    assert!(why("config/linked.env").contains("leads outside the repository"), "{unread:?}");
    assert!(why("config/latin1.env").contains("not UTF-8"), "{unread:?}");
    assert!(why("config/broken.yaml").starts_with("not parsed (at "), "{unread:?}");
    assert!(err.contains("note: not read: config/linked.env: "), "{err}");
    // Nothing in the folder reads `config/app.env`: its pool size is listed as not proposed, with why.
    assert!(listing["suggestions"].as_array().unwrap().is_empty(), "{listing:#}");
    let not = &listing["not_breaking"][0];
    assert_eq!(not["path"], "config/app.env /DB_POOL_SIZE", "{listing:#}");
    assert!(not["why"].as_str().unwrap().starts_with("nothing in this repository shows what reads it"), "{not}");
}

#[test]
fn a_path_that_is_not_a_folder_is_refused() {
    let (code, _, err) = run(firedrill().args(["suggest", "examples/config/staging/database.env"]));
    assert_eq!(code, 2);
    assert!(err.contains("is not a folder: pass the root of a repository checkout"), "{err}");
}

/// `--variants`: one family's suggestions on one file become one scenario whose `variants:` validate, and
/// whose preview names the variant of each of the next occurrences.
#[test]
fn suggest_variants_writes_grouped_scenarios_that_validate_and_preview() {
    let out = tempfile::tempdir().unwrap();
    let examples = root().join("examples");
    let (code, _, err) =
        run(firedrill().arg("suggest").arg(&examples).args(["--variants", "--limit", "100", "--out"]).arg(out.path()));
    assert_eq!(code, 0, "{err}");
    let (code, stdout, err) = run(firedrill().arg("validate").arg(out.path()).arg("--repo").arg(&examples));
    assert_eq!(code, 0, "{stdout}{err}");
    let grouped: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| std::fs::read_to_string(p).unwrap().contains("\nvariants:\n"))
        .collect();
    assert!(!grouped.is_empty(), "no grouped scenario");
    for file in grouped {
        let (code, preview, err) = run(firedrill()
            .arg("preview")
            .arg(&file)
            .arg("--scenarios")
            .arg(out.path())
            .arg("--repo")
            .arg(&examples)
            .args(["--now", NOW]));
        assert_eq!(code, 0, "{}: {err}", file.display());
        assert!(preview.starts_with("Variants: "), "{preview}");
        assert!(preview.contains("started by hand now (") && preview.contains("): variant "), "{preview}");
        // The draft shown is the next drill's variant, named on a line of its own.
        let next = preview.lines().nth(1).and_then(|l| l.rsplit_once(": variant ")).map(|(_, n)| n.to_owned());
        let next = next.unwrap_or_default();
        assert!(
            preview.contains(&format!("\nVariant   {next} (of ")),
            "the draft names the variant {next:?}:\n{preview}"
        );
    }
}

/// On podinfo's real layout no suggestion lands in production: the bases every overlay includes are left out
/// with the chain from the production overlay, a chart default is proposed only where `values-prod.yaml` sets
/// the key, and every suggestion passes `validate` and `preview` (which refuse what production renders).
#[test]
fn suggest_on_podinfo_proposes_nothing_production_renders() {
    let Some(repos) = corpus_dir("repos") else { return };
    let podinfo = repos.join("podinfo");
    let out = tempfile::tempdir().unwrap();
    let listing = suggest(&podinfo, out.path(), &[]);
    check_all(&podinfo, out.path(), &listing);
    let suggestions = listing["suggestions"].as_array().unwrap();
    let prod = firedrill::patch::yaml::documents(
        &std::fs::read_to_string(podinfo.join("charts/podinfo/values-prod.yaml")).unwrap(),
    )
    .unwrap()
    .remove(0);
    for s in suggestions {
        let file = s["file"].as_str().unwrap();
        assert!(!file.starts_with("deploy/bases/"), "a base production's overlay includes was proposed: {s}");
        if file == "charts/podinfo/values.yaml" {
            let pointer = s["fault"][1]["path"].as_str().unwrap();
            assert!(firedrill::reach::sets(&prod, pointer), "{pointer}: production reads the chart's default");
        }
    }
    let left: Vec<(&str, &str)> = listing["production"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["path"].as_str().unwrap(), u["why"].as_str().unwrap()))
        .collect();
    let (path, why) = left.iter().find(|(p, _)| *p == "deploy/bases/backend/deployment.yaml").unwrap();
    assert!(
        why.contains(&format!(
            "{path} reaches production `production` (overlay folder deploy/overlays/production): {path} ← \
             deploy/bases/backend/kustomization.yaml (resources: deployment.yaml) ← \
             deploy/overlays/production/kustomization.yaml (resources: ../../bases/backend)"
        )),
        "{why}"
    );
}

/// The document a suggestion changes, parsed (the embedded one for embedded values).
fn document_of(repo: &Path, s: &Value) -> Value {
    let path = s["file"].as_str().unwrap();
    let text = std::fs::read_to_string(repo.join(path)).unwrap();
    let selector: Option<DocumentSelector> = s["document"].as_str().map(|d| d.parse().unwrap());
    patch::parse_value(Format::infer(Path::new(path)), &text, selector.as_ref()).unwrap()
}

/// A value below a mapping whose `enabled` is false.
fn under_switched_off(doc: &Value, pointer: &str) -> Option<String> {
    let tokens: Vec<&str> = pointer.split('/').skip(1).collect();
    let mut at = String::new();
    for t in &tokens[..tokens.len().saturating_sub(1)] {
        at.push('/');
        at.push_str(t);
        if doc.pointer(&format!("{at}/enabled")) == Some(&Value::Bool(false)) {
            return Some(at);
        }
    }
    None
}

/// A memory quantity in MiB, for the checks below.
fn mib(q: &str) -> u64 {
    let digits = q.bytes().take_while(u8::is_ascii_digit).count();
    let n: u64 = q[..digits].parse().unwrap();
    match &q[digits..] {
        "Gi" => n * 1024,
        "Mi" => n,
        other => panic!("unit {other}"),
    }
}

/// What every listing must hold on a repository, whatever it is: each suggestion says the chain that shows it
/// breaks, a `containerPort` fault only where something calls the port by its name, memory limits never below
/// their request, nothing under a switched-off feature or in a Helm test hook, and symptoms and hints true to
/// how the fault shows.
fn assert_sre_rules(repo: &Path, listing: &Value) {
    let texts: Vec<String> =
        walkdir(repo).into_iter().map(|p| std::fs::read_to_string(p).unwrap_or_default()).collect();
    for s in listing["suggestions"].as_array().unwrap() {
        let id = s["id"].as_str().unwrap();
        let pointer = s["fault"][1]["path"].as_str().unwrap();
        let chain = s["chain"].as_str().unwrap();
        let symptom = s["symptom"].as_str().unwrap();
        let hints: Vec<&str> = s["hints"].as_array().unwrap().iter().map(|h| h.as_str().unwrap()).collect();
        assert!(!chain.is_empty(), "{id}: no chain");
        assert!(!s["file"].as_str().unwrap().contains("templates/tests/"), "{id}: a test hook");
        assert!(!chain.contains("templates/tests/"), "{id}: a test hook counted: {chain}");
        let doc = document_of(repo, s);
        assert_eq!(under_switched_off(&doc, pointer), None, "{id}: under a switched-off feature");
        if pointer.ends_with("/containerPort") {
            let entry = doc.pointer(pointer.strip_suffix("/containerPort").unwrap()).unwrap();
            let name = entry["name"].as_str().unwrap_or_else(|| panic!("{id}: an unnamed containerPort proposed"));
            let called = texts.iter().any(|t| {
                t.lines().any(|l| {
                    let l = l.trim().trim_start_matches("- ");
                    l == format!("targetPort: {name}") || l == format!("port: {name}")
                })
            });
            assert!(called, "{id}: containerPort `{name}` is called by its name by nothing: {chain}");
            assert!(chain.contains(&format!("the port named `{name}`")), "{id}: {chain}");
        }
        if s["family"] == "memory-limit" {
            let new = s["fault"][1]["value"].as_str().unwrap();
            let request = doc.pointer(&pointer.replace("/limits/memory", "/requests/memory")).and_then(Value::as_str);
            if let Some(r) = request {
                assert!(mib(new) >= mib(r), "{id}: limit {new} below the request {r}");
            }
            assert!(chain.contains("-Xmx") || chain.contains("--max-old-space-size"), "{id}: no evidence: {chain}");
        }
        match s["mechanism"].as_str().unwrap() {
            "failed sync (the API server refuses the object)" => {
                assert!(symptom.contains("the sync fails"), "{id}: {symptom}");
                assert!(hints[0].starts_with("Nothing has deployed since the last merge"), "{id}: {hints:?}");
                assert!(hints[1].contains("sync failed"), "{id}: {hints:?}");
            }
            "failed reconciliation" => {
                assert!(symptom.contains("reconciliation") && symptom.contains("running pods are untouched"), "{id}");
                assert!(hints[1].contains("reconciliation failed"), "{id}: {hints:?}");
            }
            "stalled rollout" => {
                assert!(
                    symptom.contains("rollout stalls") && symptom.contains("old pods keep serving"),
                    "{id}: {symptom}"
                );
                assert!(hints[0].contains("never finished rolling out"), "{id}: {hints:?}");
            }
            "runtime break" => {
                assert!(!symptom.contains("sync fails") && !symptom.contains("rollout stalls"), "{id}: {symptom}");
                assert!(hints[0].starts_with("Errors started right after a deploy"), "{id}: {hints:?}");
            }
            other => panic!("{id}: mechanism {other}"),
        }
    }
}

/// Every file under `dir`, but `.git`.
fn walkdir(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// The examples: every rule holds, Argo CD inline values and Flux HelmRelease values are proposed, and
/// values nothing shown reads are listed as not proposed.
#[test]
fn suggestions_on_the_examples_each_show_the_chain_that_breaks() {
    let out = tempfile::tempdir().unwrap();
    let examples = root().join("examples");
    let listing = suggest(&examples, out.path(), &[]);
    assert_sre_rules(&examples, &listing);
    let suggestions = listing["suggestions"].as_array().unwrap();
    let argo =
        suggestions.iter().find(|s| s["document"] == "#/spec/source/helm/values").expect("Argo CD inline values");
    assert!(argo["chain"].as_str().unwrap().contains("Application cart-staging"), "{argo}");
    let flux: Vec<&Value> = suggestions.iter().filter(|s| s["file"] == "flux/cart-staging.yaml").collect();
    assert!(flux.iter().any(|s| s["fault"][1]["path"] == "/spec/values/redis/host"), "{flux:?}");
    assert!(flux.iter().any(|s| s["fault"][1]["path"] == "/spec/values/image/tag"), "{flux:?}");
    // The worker's named port: its readiness probe follows the name, so the rollout stalls (not an outage).
    let port = suggestions
        .iter()
        .find(|s| s["file"] == "k8s/staging/checkout.yaml" && s["family"] == "port")
        .expect("the named containerPort");
    assert_eq!(port["mechanism"], "stalled rollout", "{port}");
    // The memory limit has no heap flag beside it: not proposed, and the request is named.
    let not: Vec<(&str, &str)> = listing["not_breaking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["path"].as_str().unwrap(), u["why"].as_str().unwrap()))
        .collect();
    let memory = not
        .iter()
        .find(|(p, _)| *p == "k8s/staging/checkout.yaml /spec/template/spec/containers/0/resources/limits/memory")
        .expect("the memory limit is listed");
    assert!(memory.1.contains("one below the request (128Mi) is refused by the API server"), "{memory:?}");
    let unread = not.iter().find(|(p, _)| *p == "config/staging/database.env /DB_HOST").expect("DB_HOST listed");
    assert!(unread.1.starts_with("nothing in this repository shows what reads it"), "{unread:?}");
    check_all(&examples, out.path(), &listing);
}

/// podinfo: the named `targetPort: http` fault is in the top three; the chart's ports, which set the listener
/// and its callers together, are not proposed, nor `tls.port` (TLS is off), nor anything only a test hook reads.
#[test]
fn podinfo_proposes_the_named_target_port_and_not_the_ports_that_move_together() {
    let Some(repos) = corpus_dir("repos") else { return };
    let podinfo = repos.join("podinfo");
    let out = tempfile::tempdir().unwrap();
    let listing = suggest(&podinfo, out.path(), &[]);
    assert_sre_rules(&podinfo, &listing);
    let suggestions = listing["suggestions"].as_array().unwrap();
    let named = suggestions[..3].iter().find(|s| {
        s["family"] == "port"
            && s["fault"][1]["path"].as_str().unwrap().ends_with("/containerPort")
            && s["chain"].as_str().unwrap().contains("(targetPort http)")
    });
    assert!(named.is_some(), "no named-targetPort fault in the top 3: {:#?}", &suggestions[..3]);
    let named = named.unwrap();
    assert!(named["chain"].as_str().unwrap().contains("listens on 9898 (`--port=9898`)"), "{named}");
    assert_eq!(named["mechanism"], "runtime break");
    let not: Vec<(&str, &str)> = listing["not_breaking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["path"].as_str().unwrap(), u["why"].as_str().unwrap()))
        .collect();
    let why = |p: &str| not.iter().find(|(q, _)| *q == p).map(|(_, w)| *w).unwrap_or_default();
    assert!(
        why("charts/podinfo/values.yaml /service/httpPort").contains("they move together and nothing breaks"),
        "{not:#?}"
    );
    assert!(why("charts/podinfo/values.yaml /tls/port").starts_with("`tls.enabled` is false"), "{not:#?}");
    assert!(
        why("kustomize/deployment.yaml /spec/template/spec/containers/0/ports/1/containerPort")
            .starts_with("the port `http-metrics` serves monitoring or administration"),
        "{not:#?}"
    );
    assert!(
        !suggestions.iter().any(|s| s["file"].as_str().unwrap().starts_with("charts/podinfo/values.yaml")
            && s["fault"][1]["path"].as_str().unwrap().contains("Port")),
        "a chart port proposed"
    );
    check_all(&podinfo, out.path(), &listing);
}

/// The Kubernetes corpus (microservices-demo, podinfo, kubernetes/examples): every rule holds; no unnamed
/// `containerPort` is proposed, and at most three of one family are in the top ten.
#[test]
fn the_k8s_corpus_keeps_every_rule_and_a_diverse_top_ten() {
    let Some(dir) = corpus_dir("k8s") else { return };
    let out = tempfile::tempdir().unwrap();
    let listing = suggest(&dir, out.path(), &[]);
    assert_sre_rules(&dir, &listing);
    let suggestions = listing["suggestions"].as_array().unwrap();
    let top: Vec<&str> = suggestions.iter().take(10).map(|s| s["family"].as_str().unwrap()).collect();
    for f in &top {
        assert!(top.iter().filter(|g| *g == f).count() <= 3, "more than 3 of {f} in the top 10: {top:?}");
    }
    let not = listing["not_breaking"].as_array().unwrap();
    assert!(
        not.iter().any(|u| u["why"].as_str().unwrap().contains("has no name, so nothing calls it through it")),
        "the unnamed containerPorts are listed"
    );
}

/// A clone of a repository whose default branch is `master`, holding the examples' files.
fn master_clone(dir: &Path) -> std::path::PathBuf {
    let origin = dir.join("origin");
    let git = |args: &[&str], cwd: &Path| {
        let (code, out, err) = run(crate::common::git().args(args).current_dir(cwd));
        assert_eq!(code, 0, "git {args:?}: {out}{err}");
    };
    copy_dir(&root().join("examples"), &origin);
    git(&["init", "-q", "-b", "master"], &origin);
    git(&["add", "."], &origin);
    git(&["-c", "user.name=Sam", "-c", "user.email=sam@acme.example", "commit", "-qm", "Staging config"], &origin);
    // A clone: its `origin/HEAD` names the default branch, whatever is checked out.
    git(&["clone", "-q", "origin", "shop"], dir);
    git(&["checkout", "-q", "-b", "topic"], &dir.join("shop"));
    dir.join("shop")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Issue 33, item 12: the scenarios `suggest` writes target the repository's default branch (`master` here),
/// and `validate --repo` refuses a `target.branch` the repository does not have, naming the default.
#[test]
fn suggest_targets_the_default_branch_and_validate_checks_the_branch_exists() {
    let tmp = tempfile::tempdir().unwrap();
    let shop = master_clone(tmp.path());
    let out = tmp.path().join("scenarios");
    let (code, stdout, err) = run(firedrill().arg("suggest").arg(&shop).arg("--out").arg(&out).args(["--limit", "3"]));
    assert_eq!(code, 0, "{stdout}\n{err}");
    let files: Vec<_> = std::fs::read_dir(&out).unwrap().flatten().map(|e| e.path()).collect();
    assert!(!files.is_empty(), "{err}");
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let yaml: serde_norway::Value = serde_norway::from_str(&text).unwrap();
        assert_eq!(yaml["target"]["branch"].as_str(), Some("master"), "{}:\n{text}", f.display());
    }
    let (code, stdout, err) = run(firedrill().arg("validate").arg(&out).arg("--repo").arg(&shop));
    assert_eq!(code, 0, "{stdout}\n{err}");

    // A scenario on `main`, which this repository does not have.
    let first = std::fs::read_to_string(&files[0]).unwrap();
    let on_main = first.replace("branch: \"master\"", "branch: main").replace("branch: master", "branch: main");
    assert_ne!(on_main, first);
    std::fs::write(&files[0], on_main).unwrap();
    let (code, stdout, err) = run(firedrill().arg("validate").arg(&out).arg("--repo").arg(&shop));
    assert_eq!(code, 2, "{stdout}\n{err}");
    let all = format!("{stdout}{err}");
    assert!(all.contains("target.branch") && all.contains("the branch `main` does not exist"), "{all}");
    assert!(all.contains("the repository's default branch is `master`"), "{all}");
}
