//! GitHub workflows that run on `push`: whether a push of the target file to the target branch starts them, and
//! whether they deploy anything when it does (a CI workflow that builds and tests is no deployer).

use serde_json::Value;

use super::{Deployer, Target, filter, located};

/// `.github/workflows/*.yml` or `*.yaml` (GitHub reads only that folder, not its subfolders).
pub fn is_workflow(path: &str) -> bool {
    path.strip_prefix(".github/workflows/")
        .is_some_and(|name| !name.contains('/') && (name.ends_with(".yml") || name.ends_with(".yaml")))
}

/// The workflow at `file` as a deployer when it runs on `push`; `None` when it does not (a `workflow_run`,
/// `pull_request` or `schedule` workflow deploys no push); a file that is not a workflow is an error naming
/// its line and column.
pub fn read(file: &str, text: &str, target: &Target<'_>) -> Result<Option<Deployer>, String> {
    let doc =
        crate::patch::yaml::documents(text).map_err(|e| located(file, &e))?.into_iter().next().unwrap_or(Value::Null);
    if !doc.is_object() {
        return Err(format!("{file}: a workflow is a mapping with `on:` and `jobs:`"));
    }
    // A YAML 1.1 reader would read the key `on` as `true`; accept both spellings of the same key.
    let on = doc.get("on").or_else(|| doc.get("true"));
    let push = match on {
        Some(Value::String(event)) => (event == "push").then_some(Value::Null),
        Some(Value::Array(events)) => events.iter().any(|e| e == "push").then_some(Value::Null),
        Some(Value::Object(events)) => events.get("push").cloned(),
        None => return Err(format!("{file}: the workflow has no `on:` (GitHub refuses it)")),
        Some(_) => return Err(format!("{file}: `on:` is an event name, a list of them or a mapping")),
    };
    let Some(push) = push else { return Ok(None) };
    let name = doc.get("name").and_then(Value::as_str).unwrap_or(file).to_owned();
    let list = |key: &str| -> Option<Vec<String>> {
        match push.get(key)? {
            Value::Array(items) => Some(items.iter().filter_map(scalar).collect()),
            v => scalar(v).map(|s| vec![s]),
        }
    };
    let (branch, path) = (target.branch, target.path);
    // A workflow that runs but deploys nothing firedrill can see is named with why, and covers nothing.
    let deploys = deploys(&doc);
    let deployer = |covers: bool, why: String| {
        let (covers, why) = match (&deploys, covers) {
            (Ok(how), true) => (true, format!("{why}, and {how}")),
            (Err(none), true) => (false, format!("{why}, but deploys nothing firedrill can see: {none}")),
            (_, false) => (false, why),
        };
        Ok(Some(Deployer { file: file.to_owned(), name: name.clone(), covers, why }))
    };
    let (branches, branches_ignore) = (list("branches"), list("branches-ignore"));
    if branches.is_none() && branches_ignore.is_none() && (list("tags").is_some() || list("tags-ignore").is_some()) {
        // GitHub: a push filter with only tags runs for no branch.
        return deployer(false, "runs on push of tags only, not of branches".into());
    }
    let branch_ok = match (&branches, &branches_ignore) {
        (Some(b), _) => filter::selects(b, branch),
        (None, Some(ignored)) => !filter::selects(ignored, branch),
        (None, None) => true,
    };
    if !branch_ok {
        let (key, patterns) = match (&branches, &branches_ignore) {
            (Some(b), _) => ("branches", b),
            (None, Some(i)) => ("branches-ignore", i),
            (None, None) => unreachable!("no branch filter lets every branch through"),
        };
        return deployer(false, format!("runs on push, but not to `{branch}` ({key}: {})", patterns.join(", ")));
    }
    match (list("paths"), list("paths-ignore")) {
        (Some(p), _) if !filter::selects(&p, path) => deployer(
            false,
            format!("runs on push to `{branch}`, but its paths filter excludes {path} (paths: {})", p.join(", ")),
        ),
        (Some(_), _) => deployer(true, format!("runs on push to `{branch}`, and its paths filter includes {path}")),
        (None, Some(i)) if filter::selects(&i, path) => deployer(
            false,
            format!(
                "runs on push to `{branch}`, but its paths-ignore filter excludes {path} (paths-ignore: {})",
                i.join(", ")
            ),
        ),
        (None, Some(_)) => {
            deployer(true, format!("runs on push to `{branch}`, and its paths-ignore filter lets {path} through"))
        }
        (None, None) => deployer(true, format!("runs on push to `{branch}` (no paths filter)")),
    }
}

/// Actions that deploy (a prefix of `uses:`, before `@`), lower case.
const DEPLOY_ACTIONS: [&str; 22] = [
    "azure/k8s-deploy",
    "azure/webapps-deploy",
    "azure/functions-action",
    "azure/arm-deploy",
    "azure/aks-set-context",
    "aws-actions/amazon-ecs-deploy-task-definition",
    "aws-actions/aws-cloudformation-github-deploy",
    "google-github-actions/deploy-cloudrun",
    "google-github-actions/deploy-appengine",
    "google-github-actions/deploy-cloud-functions",
    "actions/deploy-pages",
    "peaceiris/actions-gh-pages",
    "jamesives/github-pages-deploy-action",
    "cloudflare/wrangler-action",
    "cloudflare/pages-action",
    "superfly/flyctl-actions",
    "amondnet/vercel-action",
    "dflook/terraform-apply",
    "deliverybot/helm",
    "digitalocean/app_action",
    "hashicorp/tfc-workflows-github/actions/apply-run",
    "omegion/argocd-actions",
];

/// Actions and commands that make a throwaway cluster inside the job: what is applied there is tested, not
/// deployed.
const THROWAWAY_ACTIONS: [&str; 6] = [
    "helm/kind-action",
    "engineerd/setup-kind",
    "container-tools/kind-action",
    "absaoss/k3d-action",
    "nolar/setup-k3d-k3s",
    "medyagh/setup-minikube",
];
const THROWAWAY_COMMANDS: [&str; 3] = ["kind create cluster", "k3d cluster create", "minikube start"];

/// Tools and the subcommands that change a running environment.
const DEPLOY_COMMANDS: [(&str, &[&str]); 10] = [
    ("kubectl", &["apply", "create", "replace", "patch", "rollout", "set", "scale"]),
    ("helm", &["upgrade", "install", "rollback"]),
    ("helmfile", &["apply", "sync", "deploy"]),
    ("flux", &["reconcile", "bootstrap", "create", "resume"]),
    ("argocd", &["app"]),
    ("terraform", &["apply"]),
    ("tofu", &["apply"]),
    ("terragrunt", &["apply", "run-all"]),
    ("kapp", &["deploy"]),
    ("skaffold", &["run", "deploy"]),
];

/// Whether the workflow `doc` deploys: `Ok(how)` (a job's `environment:`, a deploy action, a command that applies
/// to a cluster or a cloud), or `Err(why not)`.
pub fn deploys(doc: &Value) -> Result<String, String> {
    let jobs = doc.get("jobs").and_then(Value::as_object);
    let mut throwaway: Vec<String> = Vec::new();
    let mut found: Option<String> = None;
    for (id, job) in jobs.into_iter().flatten() {
        let env = match job.get("environment") {
            Some(Value::String(e)) => Some(e.clone()),
            Some(v) => v.get("name").and_then(Value::as_str).map(str::to_owned),
            None => None,
        };
        if let Some(env) = env {
            return Ok(format!("job `{id}` deploys to the environment `{env}`"));
        }
        let steps: Vec<&Value> = job.get("steps").and_then(Value::as_array).into_iter().flatten().collect();
        let uses = |s: &Value| {
            s.get("uses").and_then(Value::as_str).map(|u| u.split('@').next().unwrap_or(u).to_ascii_lowercase())
        };
        let runs: Vec<String> =
            steps.iter().filter_map(|s| s.get("run").and_then(Value::as_str)).map(str::to_ascii_lowercase).collect();
        let made =
            steps.iter().filter_map(|s| uses(s)).find(|u| THROWAWAY_ACTIONS.iter().any(|a| u.starts_with(a))).or_else(
                || THROWAWAY_COMMANDS.iter().find(|c| runs.iter().any(|r| r.contains(*c))).map(|c| (*c).to_owned()),
            );
        if let Some(action) =
            steps.iter().filter_map(|s| uses(s)).find(|u| DEPLOY_ACTIONS.iter().any(|a| u.starts_with(a)))
        {
            found.get_or_insert(format!("job `{id}` uses {action}"));
            continue;
        }
        let Some(command) = runs.iter().find_map(|r| deploy_command(r)) else { continue };
        match made {
            Some(made) => {
                throwaway.push(format!("job `{id}` runs `{command}` on a throwaway cluster it makes ({made})"))
            }
            None => {
                found.get_or_insert(format!("job `{id}` runs `{command}`"));
            }
        }
    }
    if let Some(how) = found {
        return Ok(how);
    }
    let mut why = "no job has an `environment:`, uses a deploy action or runs a kubectl, helm, flux, argocd, \
                   terraform or kustomize command that applies"
        .to_owned();
    if !throwaway.is_empty() {
        why.push_str(&format!(" to a lasting cluster ({})", throwaway.join("; ")));
    }
    Err(why)
}

/// The first command of a `run:` script that applies (`kubectl apply`, `helm upgrade`…), as `tool subcommand`.
fn deploy_command(script: &str) -> Option<String> {
    let words: Vec<&str> = script
        .split(|c: char| c.is_whitespace() || matches!(c, '|' | ';' | '&' | '(' | ')' | '`' | '"' | '\''))
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().enumerate().find_map(|(i, w)| {
        let tool = w.rsplit('/').next().unwrap_or(w);
        let (_, subs) = DEPLOY_COMMANDS.iter().find(|(t, _)| *t == tool)?;
        // The subcommand is the next word that is not an option (`helm --namespace x upgrade` is rare; options
        // with values after the subcommand are the norm).
        let sub = words[i + 1..].iter().find(|w| !w.starts_with('-'))?;
        subs.contains(sub).then(|| format!("{tool} {sub}"))
    })
}

/// A pattern as written (YAML may read `1.0` as a number).
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
