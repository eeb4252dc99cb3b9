//! GitHub workflows that run on `push`: whether a push of the target file to the target branch starts them.

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
    let deployer =
        |covers: bool, why: String| Ok(Some(Deployer { file: file.to_owned(), name: name.clone(), covers, why }));
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

/// A pattern as written (YAML may read `1.0` as a number).
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
