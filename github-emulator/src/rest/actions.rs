//! GitHub Actions: `POST /actions/workflows/{workflow}/dispatches`. GitHub answers 204 and starts a run; the
//! emulator writes the `workflow_dispatch` event file that run would get.

use serde_json::{Value, json};

use super::str_field;
use crate::git;
use crate::http::{ApiError, Incoming, Reply};
use crate::ops::Ctx;
use crate::state::Permission;

pub fn dispatch(ctx: &mut Ctx<'_>, req: &Incoming, workflow: &str) -> Result<Reply, ApiError> {
    ctx.require(Permission::Write)?;
    let body = req.json()?;
    let git_ref = str_field(&body, "ref", "WorkflowDispatch")?.to_owned();
    let inputs = match &body["inputs"] {
        Value::Null => json!({}),
        Value::Object(map) if map.len() <= 25 => Value::Object(map.clone()),
        _ => return Err(ApiError::validation("WorkflowDispatch", "inputs", "invalid")),
    };
    let git = ctx.git()?;
    let name = git_ref.strip_prefix("refs/heads/").unwrap_or(&git_ref).to_owned();
    if git::branch_tip(&git, &name).is_none() {
        return Err(ApiError::unprocessable(&format!("No ref found for: {git_ref}")));
    }
    // The run's event names the full ref whatever the request said (`main` → `refs/heads/main`), as GitHub's does
    // (`ref` in ../shared/payloads/workflow_dispatch.json).
    ctx.workflow_dispatch_event(workflow, &format!("refs/heads/{name}"), &inputs)?;
    Ok(Reply::no_content())
}
