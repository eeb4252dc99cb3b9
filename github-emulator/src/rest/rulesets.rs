//! Repository rulesets: `GET`/`POST /rulesets`, `GET`/`PUT`/`DELETE /rulesets/{id}` (writes: admins) and the rules
//! that apply to a branch (`GET /rules/branches/{b}`).

use serde_json::{Value, json};

use super::{number, paginate};
use crate::guard::role_of;
use crate::http::{ApiError, Incoming, Reply};
use crate::ops::Ctx;
use crate::state::{BypassActor, Permission, Ruleset};

/// The rule types a ruleset may hold (those the emulator enforces and the ones it only stores).
const RULE_TYPES: [&str; 23] = [
    "creation",
    "update",
    "deletion",
    "required_linear_history",
    "merge_queue",
    "required_deployments",
    "required_signatures",
    "pull_request",
    "required_status_checks",
    "non_fast_forward",
    "commit_message_pattern",
    "commit_author_email_pattern",
    "committer_email_pattern",
    "branch_name_pattern",
    "tag_name_pattern",
    "workflows",
    "code_scanning",
    "copilot_code_review",
    "license_compliance_scanning",
    "file_path_restriction",
    "max_file_path_length",
    "file_extension_restriction",
    "max_file_size",
];

/// GitHub's schema refusal of a request that lacks a required field.
/// Ruleset writes are for admins; GitHub tells everyone else the ruleset does not exist.
fn require_ruleset_admin(ctx: &Ctx<'_>) -> Result<(), ApiError> {
    if ctx.permission() >= Permission::Admin {
        Ok(())
    } else if ctx.is_integration() {
        Err(ApiError::not_accessible_by_integration())
    } else {
        Err(ApiError::not_found())
    }
}

fn invalid_ruleset(field: &str) -> ApiError {
    ApiError::validation("RepositoryRuleset", field, "invalid")
}

/// A rule as GitHub stores it: every required parameter filled with GitHub's default.
fn normalize_rule(rule: &Value) -> Result<Value, ApiError> {
    let kind = rule["type"].as_str().ok_or_else(|| ApiError::not_supplied("type"))?;
    if !RULE_TYPES.contains(&kind) {
        return Err(invalid_ruleset("rules"));
    }
    let given = &rule["parameters"];
    let param = |name: &str, default: Value| given.get(name).cloned().unwrap_or(default);
    let parameters = match kind {
        "pull_request" => {
            let mut p = json!({
                "required_approving_review_count": param("required_approving_review_count", json!(0)),
                "dismiss_stale_reviews_on_push": param("dismiss_stale_reviews_on_push", json!(false)),
                "require_code_owner_review": param("require_code_owner_review", json!(false)),
                "require_last_push_approval": param("require_last_push_approval", json!(false)),
                "required_review_thread_resolution": param("required_review_thread_resolution", json!(false)),
            });
            if let Some(methods) = given.get("allowed_merge_methods") {
                p["allowed_merge_methods"] = methods.clone();
            }
            Some(p)
        }
        "required_status_checks" => {
            let checks =
                given.get("required_status_checks").ok_or_else(|| ApiError::not_supplied("required_status_checks"))?;
            if !checks.as_array().is_some_and(|c| c.iter().all(|c| c["context"].is_string())) {
                return Err(invalid_ruleset("required_status_checks"));
            }
            let mut p = json!({
                "required_status_checks": checks,
                "strict_required_status_checks_policy": param("strict_required_status_checks_policy", json!(false)),
            });
            if let Some(flag) = given.get("do_not_enforce_on_create") {
                p["do_not_enforce_on_create"] = flag.clone();
            }
            Some(p)
        }
        "update" => {
            Some(json!({"update_allows_fetch_and_merge": param("update_allows_fetch_and_merge", json!(false))}))
        }
        "merge_queue" => Some(json!({
            "check_response_timeout_minutes": param("check_response_timeout_minutes", json!(60)),
            "grouping_strategy": param("grouping_strategy", json!("ALLGREEN")),
            "max_entries_to_build": param("max_entries_to_build", json!(5)),
            "max_entries_to_merge": param("max_entries_to_merge", json!(5)),
            "merge_method": param("merge_method", json!("MERGE")),
            "min_entries_to_merge": param("min_entries_to_merge", json!(1)),
            "min_entries_to_merge_wait_minutes": param("min_entries_to_merge_wait_minutes", json!(5)),
        })),
        _ if given.is_object() => Some(given.clone()),
        _ => None,
    };
    Ok(match parameters {
        Some(p) => json!({"type": kind, "parameters": p}),
        None => json!({"type": kind}),
    })
}

fn parse_bypass_actors(value: &Value) -> Result<Vec<BypassActor>, ApiError> {
    let Some(items) = value.as_array() else {
        return if value.is_null() { Ok(Vec::new()) } else { Err(invalid_ruleset("bypass_actors")) };
    };
    items
        .iter()
        .map(|a| {
            let actor_type = a["actor_type"].as_str().ok_or_else(|| ApiError::not_supplied("actor_type"))?;
            if !["Integration", "OrganizationAdmin", "RepositoryRole", "Team", "DeployKey", "User"]
                .contains(&actor_type)
            {
                return Err(invalid_ruleset("actor_type"));
            }
            let actor_id = a["actor_id"].as_u64();
            if actor_type == "RepositoryRole" && role_of(actor_id).is_none() {
                return Err(invalid_ruleset("actor_id"));
            }
            let bypass_mode = a["bypass_mode"].as_str().unwrap_or("always");
            if !matches!(bypass_mode, "always" | "pull_request" | "exempt") {
                return Err(invalid_ruleset("bypass_mode"));
            }
            Ok(BypassActor { actor_id, actor_type: actor_type.to_owned(), bypass_mode: bypass_mode.to_owned() })
        })
        .collect()
}

/// `value` when it is one of `allowed`, else GitHub's refusal naming `field`.
fn one_of(value: &Value, allowed: &[&str], field: &str) -> Result<String, ApiError> {
    value.as_str().filter(|v| allowed.contains(v)).map(str::to_owned).ok_or_else(|| invalid_ruleset(field))
}

/// Applies a ruleset body (POST: every field; PUT: the ones given) to `ruleset`.
fn apply_ruleset(ruleset: &mut Ruleset, body: &Value) -> Result<(), ApiError> {
    if let Some(name) = body.get("name") {
        ruleset.name = name.as_str().filter(|n| !n.is_empty()).ok_or_else(|| invalid_ruleset("name"))?.to_owned();
    }
    if let Some(target) = body.get("target") {
        ruleset.target = one_of(target, &["branch", "tag", "push"], "target")?;
    }
    if let Some(enforcement) = body.get("enforcement") {
        ruleset.enforcement = one_of(enforcement, &["active", "evaluate", "disabled"], "enforcement")?;
    }
    if let Some(actors) = body.get("bypass_actors") {
        ruleset.bypass_actors = parse_bypass_actors(actors)?;
    }
    if let Some(conditions) = body.get("conditions") {
        let list = |field: &str| -> Result<Vec<String>, ApiError> {
            match &conditions["ref_name"][field] {
                Value::Null => Ok(Vec::new()),
                Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().map(str::to_owned).ok_or_else(|| invalid_ruleset("conditions")))
                    .collect(),
                _ => Err(invalid_ruleset("conditions")),
            }
        };
        ruleset.include = list("include")?;
        ruleset.exclude = list("exclude")?;
    }
    if let Some(rules) = body.get("rules") {
        ruleset.rules = match rules {
            Value::Array(items) => items.iter().map(normalize_rule).collect::<Result<_, _>>()?,
            Value::Null => Vec::new(),
            _ => return Err(invalid_ruleset("rules")),
        };
    }
    Ok(())
}

impl Ctx<'_> {
    fn ruleset_json(&self, ruleset: &Ruleset, full: bool) -> Value {
        let admin = self.permission() >= Permission::Admin;
        let bypass = self.bypass(ruleset);
        self.urls.ruleset(self.repo(), ruleset, admin, bypass.as_str(), full)
    }
}

pub fn create(ctx: &mut Ctx<'_>, req: &Incoming) -> Result<Reply, ApiError> {
    require_ruleset_admin(ctx)?;
    let body = req.json()?;
    for field in ["name", "enforcement"] {
        if body.get(field).is_none() {
            return Err(ApiError::not_supplied(field));
        }
    }
    let now = ctx.st.now();
    let mut ruleset = Ruleset {
        id: ctx.st.id(),
        name: String::new(),
        target: "branch".to_owned(),
        enforcement: "disabled".to_owned(),
        bypass_actors: Vec::new(),
        include: Vec::new(),
        exclude: Vec::new(),
        rules: Vec::new(),
        created_at: now,
        updated_at: now,
    };
    apply_ruleset(&mut ruleset, &body)?;
    if ctx.repo().rulesets.iter().any(|r| r.name == ruleset.name) {
        return Err(ApiError::validation_message("RepositoryRuleset", "Name must be unique"));
    }
    ctx.repo_mut().rulesets.push(ruleset.clone());
    Ok(Reply::json(201, ctx.ruleset_json(&ruleset, true)))
}

fn find_ruleset(ctx: &Ctx<'_>, id: &str) -> Result<Ruleset, ApiError> {
    let id = number(id)?;
    ctx.repo().rulesets.iter().find(|r| r.id == id).cloned().ok_or_else(ApiError::not_found)
}

pub fn list(ctx: &mut Ctx<'_>, req: &Incoming) -> Result<Reply, ApiError> {
    let rulesets = ctx.repo().rulesets.clone();
    let items = rulesets
        .iter()
        .filter(|r| req.param("targets").is_none_or(|t| t.split(',').any(|t| t == r.target)))
        .map(|r| ctx.ruleset_json(r, false))
        .collect();
    Ok(paginate(ctx, req, items))
}

pub fn get(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, ApiError> {
    let ruleset = find_ruleset(ctx, id)?;
    Ok(Reply::ok(ctx.ruleset_json(&ruleset, true)))
}

pub fn update(ctx: &mut Ctx<'_>, req: &Incoming, id: &str) -> Result<Reply, ApiError> {
    let mut ruleset = find_ruleset(ctx, id)?;
    require_ruleset_admin(ctx)?;
    let body = req.json()?;
    apply_ruleset(&mut ruleset, &body)?;
    if ctx.repo().rulesets.iter().any(|r| r.name == ruleset.name && r.id != ruleset.id) {
        return Err(ApiError::validation_message("RepositoryRuleset", "Name must be unique"));
    }
    ruleset.updated_at = ctx.st.now();
    let stored = ctx.repo_mut().rulesets.iter_mut().find(|r| r.id == ruleset.id).ok_or_else(ApiError::not_found)?;
    *stored = ruleset.clone();
    Ok(Reply::ok(ctx.ruleset_json(&ruleset, true)))
}

pub fn delete(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, ApiError> {
    let ruleset = find_ruleset(ctx, id)?;
    require_ruleset_admin(ctx)?;
    ctx.repo_mut().rulesets.retain(|r| r.id != ruleset.id);
    Ok(Reply::no_content())
}

pub fn for_branch(ctx: &mut Ctx<'_>, req: &Incoming, branch: &str) -> Result<Reply, ApiError> {
    let full = ctx.key.clone();
    let mut items = Vec::new();
    for ruleset in ctx.rulesets_on(branch) {
        for rule in &ruleset.rules {
            let mut item = rule.clone();
            item["ruleset_source_type"] = json!("Repository");
            item["ruleset_source"] = json!(full);
            item["ruleset_id"] = json!(ruleset.id);
            items.push(item);
        }
    }
    Ok(paginate(ctx, req, items))
}
