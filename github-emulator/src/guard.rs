//! GitHub's guard rails, evaluated where the action happens: classic branch protection and rulesets against a merge
//! through the API or a ref update, with GitHub's own refusals; the required reviews and checks behind them; and the
//! `mergeable_state` they imply.

use std::collections::BTreeMap;

use git2::{Oid, Repository};
use serde_json::Value;

use crate::git;
use crate::http::ApiError;
use crate::ops::Ctx;
use crate::state::{Permission, Protection, Pull, RequiredCheck, Restrictions, Ruleset, State};

/// Where GitHub's merge refusals point.
pub const MERGE_DOCS: &str = "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request";

/// GitHub's answer to a merge that raced a move of the base branch.
pub const BASE_MODIFIED: &str = "Base branch was modified. Review and try the merge again.";

/// GitHub's refusal of a merge by someone a push restriction leaves out.
pub const NOT_AUTHORIZED: &str = "You're not authorized to push to this branch. Visit \
                                  https://docs.github.com/articles/about-protected-branches for more information.";

/// How far a ruleset lets an actor through (`current_user_can_bypass`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bypass {
    Never,
    PullRequests,
    Always,
    Exempt,
}

impl Bypass {
    pub fn as_str(self) -> &'static str {
        match self {
            Bypass::Never => "never",
            Bypass::PullRequests => "pull_requests_only",
            Bypass::Always => "always",
            Bypass::Exempt => "exempt",
        }
    }

    /// Lets a push (a ref update) through, not only a pull request's merge.
    pub fn on_push(self) -> bool {
        self >= Bypass::Always
    }
}

/// The repository roles a ruleset bypass can name, by GitHub's role ids (not in GitHub's docs; stable in practice).
pub fn role_of(actor_id: Option<u64>) -> Option<Permission> {
    match actor_id? {
        2 => Some(Permission::Maintain),
        4 => Some(Permission::Write),
        5 => Some(Permission::Admin),
        _ => None,
    }
}

/// fnmatch as rulesets use it: `*` and `?` stay within one path segment, `**` crosses them, `[...]` is a class.
pub fn fnmatch(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match p {
            [] => t.is_empty(),
            [b'*', b'*', rest @ ..] => (0..=t.len()).any(|i| go(rest, &t[i..])),
            [b'*', rest @ ..] => (0..=t.len()).take_while(|&i| !t[..i].contains(&b'/')).any(|i| go(rest, &t[i..])),
            [b'?', rest @ ..] => t.first().is_some_and(|c| *c != b'/') && go(rest, &t[1..]),
            [b'[', rest @ ..] => {
                let Some(end) = rest.iter().skip(1).position(|c| *c == b']').map(|i| i + 1) else {
                    return t.first() == Some(&b'[') && go(rest, &t[1..]);
                };
                let (class, after) = (&rest[..end], &rest[end + 1..]);
                let Some(c) = t.first() else { return false };
                let (negated, class) = match class {
                    [b'!' | b'^', more @ ..] => (true, more),
                    _ => (false, class),
                };
                let mut hit = false;
                let mut i = 0;
                while i < class.len() {
                    if i + 2 < class.len() && class[i + 1] == b'-' {
                        hit |= (class[i]..=class[i + 2]).contains(c);
                        i += 3;
                    } else {
                        hit |= class[i] == *c;
                        i += 1;
                    }
                }
                hit != negated && go(after, &t[1..])
            }
            [c, rest @ ..] => t.first() == Some(c) && go(rest, &t[1..]),
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

/// The state of one required check on a commit: the newest commit status with that context or check run with that
/// name (optionally from one App only), whichever came last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckState {
    Passing,
    Pending,
    Failing,
    Missing,
}

pub fn check_state(st: &State, key: &str, sha: &str, context: &str, app_id: Option<i64>) -> CheckState {
    let repo = &st.repos[key];
    let from_app = |login: &str| {
        app_id.is_none_or(|id| id < 0 || st.app_of(login).is_some_and(|a| i64::try_from(a.id).ok() == Some(id)))
    };
    let status = repo
        .statuses
        .iter()
        .filter(|s| s.sha == sha && s.context == context && from_app(&s.creator))
        .max_by_key(|s| s.id)
        .map(|s| (s.id, status_state(&s.state)));
    let run = repo
        .check_runs
        .iter()
        .filter(|r| r.head_sha == sha && r.name == context && from_app(&format!("{}[bot]", r.app)))
        .max_by_key(|r| r.id)
        .map(|r| (r.id, run_state(&r.status, r.conclusion.as_deref())));
    match (status, run) {
        (None, None) => CheckState::Missing,
        (Some((_, s)), None) | (None, Some((_, s))) => s,
        (Some((a, s)), Some((b, r))) => {
            if a > b {
                s
            } else {
                r
            }
        }
    }
}

pub fn status_state(state: &str) -> CheckState {
    match state {
        "success" => CheckState::Passing,
        "pending" => CheckState::Pending,
        _ => CheckState::Failing,
    }
}

pub fn run_state(status: &str, conclusion: Option<&str>) -> CheckState {
    match (status, conclusion) {
        ("completed", Some("success" | "neutral" | "skipped")) => CheckState::Passing,
        ("completed", _) => CheckState::Failing,
        _ => CheckState::Pending,
    }
}

/// GitHub's refusal for required checks that are not all passing on `sha`, or `None`: `N of M required status checks
/// have not succeeded: K failing.` when any failed, else `are expected.` when any has not reported, else `are in
/// progress.` (the forms GitHub's REST answers and pushes show, one count for the whole rule).
pub fn checks_refusal(st: &State, key: &str, sha: &str, checks: &[RequiredCheck]) -> Option<String> {
    let unmet: Vec<CheckState> = checks
        .iter()
        .map(|c| check_state(st, key, sha, &c.context, c.app_id))
        .filter(|s| *s != CheckState::Passing)
        .collect();
    let failing = unmet.iter().filter(|s| **s == CheckState::Failing).count();
    let (n, total) = (unmet.len(), checks.len());
    if n == 0 {
        None
    } else if failing > 0 {
        Some(format!("{n} of {total} required status checks have not succeeded: {failing} failing."))
    } else if unmet.contains(&CheckState::Missing) {
        Some(format!("{n} of {total} required status checks are expected."))
    } else {
        Some(format!("{n} of {total} required status checks are in progress."))
    }
}

/// GitHub's refusal on a strict branch whose head lacks the base's tip: every required check is expected again (on
/// the head brought up to date), whatever the old head's results. GitHub never says "not up to date" over REST.
pub fn behind_refusal(checks: &[RequiredCheck]) -> String {
    let m = checks.len();
    format!("{m} of {m} required status checks are expected.")
}

/// GitHub's refusal when a pull request lacks `count` approvals.
pub fn reviews_refusal(count: u64) -> String {
    if count == 1 {
        "At least 1 approving review is required by reviewers with write access.".to_owned()
    } else {
        format!("At least {count} approving reviews are required by reviewers with write access.")
    }
}

/// `Repository rule violations found`, then each violated rule's message, separated by blank lines, as GitHub words a
/// ruleset refusal.
pub fn rule_violations(lines: &[String]) -> String {
    format!("Repository rule violations found\n\n{}\n\n", lines.join("\n\n"))
}

/// The required checks of a ruleset's `required_status_checks` rule.
fn rule_checks(parameters: &Value) -> Vec<RequiredCheck> {
    parameters["required_status_checks"]
        .as_array()
        .map(|checks| {
            checks
                .iter()
                .filter_map(|c| {
                    Some(RequiredCheck {
                        context: c["context"].as_str()?.to_owned(),
                        app_id: c["integration_id"].as_i64(),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn rule_type(rule: &Value) -> &str {
    rule["type"].as_str().unwrap_or_default()
}

/// Whether `commit` counts as signed: it carries a signature, or GitHub committed it (merges and squashes through the
/// API, update-branch), which GitHub signs.
pub fn verified(git: &Repository, commit: Oid) -> bool {
    git.extract_signature(&commit, None).is_ok()
        || git.find_commit(commit).is_ok_and(|c| c.committer().email().unwrap_or_default() == "noreply@github.com")
}

/// The commits `new` brings to a branch: not reachable from `old`, or, for a new branch, from any other branch.
fn new_commits(git: &Repository, old: Option<Oid>, new: Oid) -> Result<Vec<Oid>, ApiError> {
    let mut walk = git.revwalk().map_err(ApiError::git)?;
    walk.push(new).map_err(ApiError::git)?;
    match old {
        Some(old) => walk.hide(old).map_err(ApiError::git)?,
        None => {
            for reference in git.references_glob("refs/heads/*").map_err(ApiError::git)?.flatten() {
                if let Some(tip) = reference.target()
                    && tip != new
                {
                    walk.hide(tip).map_err(ApiError::git)?;
                }
            }
        }
    }
    walk.collect::<Result<Vec<_>, _>>().map_err(ApiError::git)
}

fn is_merge(git: &Repository, commit: Oid) -> bool {
    git.find_commit(commit).is_ok_and(|c| c.parent_count() > 1)
}

/// Why a ref update is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Classic protection, with the reason a git push is told after `Protected branch update failed for REF.`.
    Protected(String),
    /// Classic protection: the branch may not be deleted.
    Deletion,
    /// Ruleset violations, one line per rule.
    Rules(Vec<String>),
}

impl Refusal {
    /// What `git push` prints (as `remote: ...`), in GitHub's words (GH006 for protection, GH013 for rulesets).
    pub fn push_lines(&self, full_ref: &str, rules_url: &str) -> Vec<String> {
        match self {
            Refusal::Protected(reason) => {
                vec![
                    format!("error: GH006: Protected branch update failed for {full_ref}."),
                    format!("error: {reason}"),
                ]
            }
            Refusal::Deletion => vec![
                format!("error: GH006: Protected branch update failed for {full_ref}."),
                "error: Cannot delete this protected branch".to_owned(),
            ],
            Refusal::Rules(lines) => {
                let mut out = vec![
                    format!("error: GH013: Repository rule violations found for {full_ref}."),
                    format!("Review all repository rules at {rules_url}"),
                    String::new(),
                ];
                out.extend(lines.iter().map(|l| format!("- {l}")));
                out.push(String::new());
                out
            }
        }
    }
}

/// A ref update as GitHub's rules see it.
pub struct RefUpdate {
    pub old: Option<Oid>,
    /// `None` deletes the branch.
    pub new: Option<Oid>,
}

impl Ctx<'_> {
    fn may_push(&self, restrictions: &Restrictions) -> bool {
        let login = &self.actor.login;
        restrictions.users.iter().any(|u| u == login)
            || self.st.app_of(login).is_some_and(|app| restrictions.apps.contains(&app.slug))
    }

    /// Admins pass classic protection unless it is enforced for them too.
    fn admin_passes(&self, protection: &Protection) -> bool {
        self.permission() >= Permission::Admin && !protection.enforce_admins
    }

    /// The active branch rulesets that apply to `branch`.
    pub fn rulesets_on(&self, branch: &str) -> Vec<Ruleset> {
        let repo = self.repo();
        repo.rulesets.iter().filter(|r| applies(r, &repo.default_branch, branch)).cloned().collect()
    }

    /// How far `ruleset` lets the actor through.
    pub fn bypass(&self, ruleset: &Ruleset) -> Bypass {
        let repo = self.repo();
        let login = &self.actor.login;
        let permission = self.permission();
        let app = self.st.app_of(login).map(|a| a.id);
        ruleset
            .bypass_actors
            .iter()
            .filter(|a| match a.actor_type.as_str() {
                "RepositoryRole" => role_of(a.actor_id).is_some_and(|role| permission >= role),
                "Integration" => app.is_some() && a.actor_id == app,
                // The emulator has no organizations: the owner stands in for the organization's admins.
                "OrganizationAdmin" => *login == repo.owner,
                "User" => a.actor_id == Some(self.actor.id),
                _ => false,
            })
            .map(|a| match a.bypass_mode.as_str() {
                "pull_request" => Bypass::PullRequests,
                "exempt" => Bypass::Exempt,
                _ => Bypass::Always,
            })
            .max()
            .unwrap_or(Bypass::Never)
    }

    /// Approvals of `pr` that count: the latest review of each reviewer with write access (not the author) is an
    /// approval, of the current head when `current_head_only`.
    pub fn approvals(&self, pr: &Pull, current_head_only: bool) -> u64 {
        u64::try_from(self.approvers(pr, current_head_only).len()).unwrap_or(u64::MAX)
    }

    /// The owners (as CODEOWNERS on the base branch names them) still to approve `pr`: those of the first file it
    /// changes that no owner approved; `None` when every changed file with owners has an owner's approval.
    pub fn code_owner_waits(&self, git: &Repository, pr: &Pull, current_head_only: bool) -> Option<Vec<String>> {
        let base = git::branch_tip(git, &pr.base_ref)?;
        let head = Oid::from_str(&pr.head_sha).ok()?;
        let text = ["/.github/CODEOWNERS", "/CODEOWNERS", "/docs/CODEOWNERS"].iter().find_map(|p| {
            let tree = git.find_commit(base).ok()?.tree().ok()?;
            let entry = tree.get_path(std::path::Path::new(&p[1..])).ok()?;
            let blob = git.find_blob(entry.id()).ok()?;
            Some(String::from_utf8_lossy(blob.content()).into_owned())
        })?;
        let approvers = self.approvers(pr, current_head_only);
        let merge_base = git.merge_base(base, head).ok()?;
        let old = git.find_commit(merge_base).ok()?.tree().ok()?;
        let new = git.find_commit(head).ok()?.tree().ok()?;
        let diff = git.diff_tree_to_tree(Some(&old), Some(&new), None).ok()?;
        for delta in diff.deltas() {
            let Some(path) = delta.new_file().path().or_else(|| delta.old_file().path()) else { continue };
            let owners = code_owners_of(&text, &path.to_string_lossy());
            if owners.is_empty() {
                continue;
            }
            let approved = owners.iter().any(|o| approvers.iter().any(|a| a.eq_ignore_ascii_case(o)));
            if !approved {
                return Some(owners);
            }
        }
        None
    }

    /// The logins whose approval of `pr` counts (see [`Ctx::approvals`]).
    fn approvers(&self, pr: &Pull, current_head_only: bool) -> Vec<String> {
        let repo = self.repo();
        let mut latest = BTreeMap::new();
        for review in repo.reviews.iter().filter(|r| {
            r.number == pr.number
                && r.user != pr.user
                && matches!(r.state.as_str(), "APPROVED" | "CHANGES_REQUESTED" | "DISMISSED")
        }) {
            latest.insert(review.user.as_str(), review);
        }
        latest
            .values()
            .filter(|r| r.state == "APPROVED" && (!current_head_only || r.commit_id == pr.head_sha))
            .filter(|r| self.st.permission(repo, Some(&r.user)) >= Permission::Write)
            .map(|r| r.user.clone())
            .collect()
    }

    /// Whether a push to `branch` dismisses approvals of older heads.
    pub fn dismisses_stale(&self, branch: &str) -> bool {
        let classic = self
            .repo()
            .protections
            .get(branch)
            .and_then(|p| p.required_reviews.as_ref())
            .is_some_and(|r| r.dismiss_stale_reviews);
        classic
            || self.rulesets_on(branch).iter().flat_map(|r| r.rules.iter()).any(|rule| {
                rule_type(rule) == "pull_request"
                    && rule["parameters"]["dismiss_stale_reviews_on_push"].as_bool() == Some(true)
            })
    }

    /// Refuses a merge of `pr` into its base (at `base`) the way GitHub's `PUT .../merge` does: classic protection
    /// first (admins pass it unless `enforce_admins`), then every ruleset the actor cannot bypass. GitHub signs its own
    /// merges, so required signatures never stop one.
    pub fn merge_gate(&self, git: &Repository, pr: &Pull, method: &str, base: Oid) -> Result<(), ApiError> {
        let head = Oid::from_str(&pr.head_sha).map_err(ApiError::git)?;
        let up_to_date = base == head || git.graph_descendant_of(head, base).unwrap_or(false);
        let refused = |message: &str| ApiError::with_docs(405, message, MERGE_DOCS);
        if let Some(p) = self.repo().protections.get(&pr.base_ref)
            && !self.admin_passes(p)
        {
            if let Some(reviews) = &p.required_reviews {
                let count = reviews.required_approving_review_count;
                if count > 0 && self.approvals(pr, reviews.dismiss_stale_reviews) < count {
                    return Err(refused(&reviews_refusal(count)));
                }
            }
            if let Some(owners) = p
                .required_reviews
                .as_ref()
                .filter(|r| r.require_code_owner_reviews)
                .and_then(|r| self.code_owner_waits(git, pr, r.dismiss_stale_reviews))
            {
                return Err(refused(&code_owner_refusal(&owners)));
            }
            if let Some(checks) = &p.required_status_checks {
                if checks.strict && !up_to_date {
                    return Err(refused(&behind_refusal(&checks.checks)));
                }
                if let Some(message) = checks_refusal(self.st, &self.key, &pr.head_sha, &checks.checks) {
                    return Err(refused(&message));
                }
            }
            if p.required_linear_history && method == "merge" {
                return Err(refused("Merge commits are not allowed on this branch."));
            }
            if let Some(restrictions) = &p.restrictions
                && !self.may_push(restrictions)
            {
                return Err(refused(NOT_AUTHORIZED));
            }
        }
        let mut lines: Vec<String> = Vec::new();
        for ruleset in self.rulesets_on(&pr.base_ref) {
            if self.bypass(&ruleset) >= Bypass::PullRequests {
                continue;
            }
            for rule in &ruleset.rules {
                let parameters = &rule["parameters"];
                match rule_type(rule) {
                    "merge_queue" => {
                        return Err(refused(&rule_violations(&[
                            "Changes must be made through the merge queue".to_owned()
                        ])));
                    }
                    "update" => lines.push("Cannot update this protected ref.".to_owned()),
                    "pull_request" => {
                        let count = parameters["required_approving_review_count"].as_u64().unwrap_or(0);
                        let current = parameters["dismiss_stale_reviews_on_push"].as_bool().unwrap_or(false);
                        if count > 0 && self.approvals(pr, current) < count {
                            lines.push(reviews_refusal(count));
                        }
                        if parameters["require_code_owner_review"].as_bool() == Some(true)
                            && let Some(owners) = self.code_owner_waits(git, pr, current)
                        {
                            lines.push(code_owner_refusal(&owners));
                        }
                        if let Some(methods) = parameters["allowed_merge_methods"].as_array()
                            && !methods.iter().any(|m| m.as_str() == Some(method))
                        {
                            lines.push(format!("Merge method {method} is not allowed."));
                        }
                    }
                    "required_status_checks" => {
                        let checks = rule_checks(parameters);
                        if parameters["strict_required_status_checks_policy"].as_bool() == Some(true) && !up_to_date {
                            lines.push(behind_refusal(&checks));
                        } else if let Some(message) = checks_refusal(self.st, &self.key, &pr.head_sha, &checks) {
                            lines.push(message);
                        }
                    }
                    "required_linear_history" if method == "merge" => {
                        lines.push("This branch must not contain merge commits.".to_owned());
                    }
                    _ => {}
                }
            }
        }
        dedup(&mut lines);
        if lines.is_empty() { Ok(()) } else { Err(refused(&rule_violations(&lines))) }
    }

    /// Refuses an update of `full_ref` through the Git database API (`POST`/`PATCH`/`DELETE .../git/refs`) the way
    /// GitHub does: 422 `Protected branch update failed for REF.` under classic protection (deletions and force pushes
    /// bind admins too), 422 `Repository rule violations found` under a ruleset the actor cannot bypass on a push.
    pub fn ref_gate(&self, git: &Repository, full_ref: &str, update: &RefUpdate) -> Result<(), ApiError> {
        match self.ref_verdict(git, full_ref, update)? {
            None => Ok(()),
            Some(Refusal::Protected(_)) => {
                Err(ApiError::unprocessable(&format!("Protected branch update failed for {full_ref}.")))
            }
            Some(Refusal::Deletion) => Err(ApiError::unprocessable("Cannot delete this protected branch")),
            Some(Refusal::Rules(lines)) => Err(ApiError::unprocessable(&rule_violations(&lines))),
        }
    }

    /// Why GitHub would refuse `update` of `full_ref` by the actor, if it would. A `new` commit the repository does
    /// not hold yet (a push before its pack is unpacked) is judged on what can be known: no fast-forward, signature
    /// or merge-commit verdict, and no passing checks.
    pub fn ref_verdict(
        &self,
        git: &Repository,
        full_ref: &str,
        update: &RefUpdate,
    ) -> Result<Option<Refusal>, ApiError> {
        let Some(branch) = full_ref.strip_prefix("refs/heads/") else { return Ok(None) };
        if update.old.is_some() && update.old == update.new {
            return Ok(None);
        }
        let known = update.new.filter(|n| git.find_commit(*n).is_ok());
        let fast_forward = match (update.old, known) {
            (Some(old), Some(new)) => git.graph_descendant_of(new, old).unwrap_or(false),
            _ => true,
        };
        let commits = match known {
            Some(new) => new_commits(git, update.old, new)?,
            None => Vec::new(),
        };
        let unsigned = commits.iter().any(|c| !verified(git, *c));
        let merges = commits.iter().any(|c| is_merge(git, *c));
        let new_sha = update.new.map(|n| n.to_string());
        if let Some(p) = self.repo().protections.get(branch) {
            match &new_sha {
                None if !p.allow_deletions => return Ok(Some(Refusal::Deletion)),
                None => {}
                Some(_) if !fast_forward && !p.allow_force_pushes => {
                    return Ok(Some(Refusal::Protected("Cannot force-push to this protected branch".to_owned())));
                }
                Some(sha) if update.old.is_some() && !self.admin_passes(p) => {
                    let checks = p
                        .required_status_checks
                        .as_ref()
                        .and_then(|c| checks_refusal(self.st, &self.key, sha, &c.checks));
                    let reason = if p.lock_branch {
                        Some("Cannot update this protected ref.".to_owned())
                    } else if let Some(reviews) = &p.required_reviews {
                        Some(match reviews.required_approving_review_count {
                            0 => "Changes must be made through a pull request.".to_owned(),
                            count => reviews_refusal(count),
                        })
                    } else if checks.is_some() {
                        checks
                    } else if p.restrictions.as_ref().is_some_and(|r| !self.may_push(r)) {
                        Some(NOT_AUTHORIZED.to_owned())
                    } else if p.required_signatures && unsigned {
                        Some("Commits must have verified signatures.".to_owned())
                    } else if p.required_linear_history && merges {
                        Some("This branch must not contain merge commits.".to_owned())
                    } else {
                        None
                    };
                    if let Some(reason) = reason {
                        return Ok(Some(Refusal::Protected(reason)));
                    }
                }
                Some(_) => {}
            }
        }
        let (creating, updating) = (update.old.is_none(), update.old.is_some() && update.new.is_some());
        let mut lines: Vec<String> = Vec::new();
        for ruleset in self.rulesets_on(branch) {
            if self.bypass(&ruleset).on_push() {
                continue;
            }
            for rule in &ruleset.rules {
                let parameters = &rule["parameters"];
                let line = match rule_type(rule) {
                    "creation" if creating => Some("Cannot create ref due to creations being restricted.".to_owned()),
                    "update" if updating => Some("Cannot update this protected ref.".to_owned()),
                    "deletion" if new_sha.is_none() => Some("Cannot delete this protected branch.".to_owned()),
                    "non_fast_forward" if !fast_forward => Some("Cannot force-push to this branch".to_owned()),
                    "pull_request" if updating => Some("Changes must be made through a pull request.".to_owned()),
                    "merge_queue" if updating => Some("Changes must be made through the merge queue".to_owned()),
                    "required_status_checks" => match &new_sha {
                        Some(_) if creating && parameters["do_not_enforce_on_create"].as_bool() == Some(true) => None,
                        Some(sha) => checks_refusal(self.st, &self.key, sha, &rule_checks(parameters)),
                        None => None,
                    },
                    "required_signatures" if unsigned => Some("Commits must have verified signatures.".to_owned()),
                    "required_linear_history" if merges => {
                        Some("This branch must not contain merge commits.".to_owned())
                    }
                    _ => None,
                };
                lines.extend(line);
            }
        }
        dedup(&mut lines);
        Ok(if lines.is_empty() { None } else { Some(Refusal::Rules(lines)) })
    }

    /// Whether a push to `branch` must be a fast forward for the actor (classic protection without force pushes, or a
    /// `non_fast_forward` rule they cannot bypass).
    pub fn forbids_force_push(&self, branch: &str) -> bool {
        self.repo().protections.get(branch).is_some_and(|p| !p.allow_force_pushes)
            || self
                .rulesets_on(branch)
                .iter()
                .any(|r| !self.bypass(r).on_push() && r.rules.iter().any(|rule| rule_type(rule) == "non_fast_forward"))
    }

    /// `mergeable_state` of an open, conflict-free pull request, for everyone (no bypass): `blocked` when required
    /// reviews or checks are not met, `behind` when it must be up to date and is not, `unstable` when a check that is
    /// not required fails or is pending, else `clean`.
    pub fn mergeable_state(&self, git: &Repository, pr: &Pull, base: Oid) -> &'static str {
        let Ok(head) = Oid::from_str(&pr.head_sha) else { return "unknown" };
        let up_to_date = base == head || git.graph_descendant_of(head, base).unwrap_or(false);
        let (mut blocked, mut behind) = (false, false);
        let mut required: Vec<String> = Vec::new();
        let mut consider = |checks: &[RequiredCheck], strict: bool, blocked: &mut bool, behind: &mut bool| {
            *blocked |= checks_refusal(self.st, &self.key, &pr.head_sha, checks).is_some();
            *behind |= strict && !up_to_date;
            required.extend(checks.iter().map(|c| c.context.clone()));
        };
        if let Some(p) = self.repo().protections.get(&pr.base_ref) {
            if let Some(reviews) = &p.required_reviews {
                let count = reviews.required_approving_review_count;
                blocked |= count > 0 && self.approvals(pr, reviews.dismiss_stale_reviews) < count;
                blocked |= reviews.require_code_owner_reviews
                    && self.code_owner_waits(git, pr, reviews.dismiss_stale_reviews).is_some();
            }
            if let Some(checks) = &p.required_status_checks {
                consider(&checks.checks, checks.strict, &mut blocked, &mut behind);
            }
        }
        for ruleset in self.rulesets_on(&pr.base_ref) {
            for rule in &ruleset.rules {
                let parameters = &rule["parameters"];
                match rule_type(rule) {
                    "merge_queue" | "update" => blocked = true,
                    "pull_request" => {
                        let count = parameters["required_approving_review_count"].as_u64().unwrap_or(0);
                        let current = parameters["dismiss_stale_reviews_on_push"].as_bool().unwrap_or(false);
                        blocked |= count > 0 && self.approvals(pr, current) < count;
                        blocked |= parameters["require_code_owner_review"].as_bool() == Some(true)
                            && self.code_owner_waits(git, pr, current).is_some();
                    }
                    "required_status_checks" => {
                        let strict = parameters["strict_required_status_checks_policy"].as_bool() == Some(true);
                        consider(&rule_checks(parameters), strict, &mut blocked, &mut behind);
                    }
                    _ => {}
                }
            }
        }
        if blocked {
            return "blocked";
        }
        if behind {
            return "behind";
        }
        let repo = self.repo();
        let mut latest: BTreeMap<&str, (u64, CheckState)> = BTreeMap::new();
        let statuses = repo
            .statuses
            .iter()
            .filter(|s| s.sha == pr.head_sha)
            .map(|s| (s.context.as_str(), s.id, status_state(&s.state)));
        let runs = repo
            .check_runs
            .iter()
            .filter(|r| r.head_sha == pr.head_sha)
            .map(|r| (r.name.as_str(), r.id, run_state(&r.status, r.conclusion.as_deref())));
        for (name, id, state) in statuses.chain(runs) {
            if latest.get(name).is_none_or(|(seen, _)| *seen < id) {
                latest.insert(name, (id, state));
            }
        }
        let unstable = latest
            .iter()
            .any(|(name, (_, state))| *state != CheckState::Passing && !required.iter().any(|r| r == name));
        if unstable { "unstable" } else { "clean" }
    }
}

/// Whether an active branch ruleset applies to `branch` (`~ALL`, `~DEFAULT_BRANCH`, fnmatch on `refs/heads/...`).
pub fn applies(ruleset: &Ruleset, default_branch: &str, branch: &str) -> bool {
    if ruleset.target != "branch" || ruleset.enforcement != "active" {
        return false;
    }
    let full = format!("refs/heads/{branch}");
    let matches = |pattern: &String| match pattern.as_str() {
        "~ALL" => true,
        "~DEFAULT_BRANCH" => branch == default_branch,
        pattern => fnmatch(pattern, &full),
    };
    ruleset.include.iter().any(matches) && !ruleset.exclude.iter().any(matches)
}

/// GitHub's refusal while a code owner's review is missing.
pub fn code_owner_refusal(owners: &[String]) -> String {
    format!("Waiting on code owner review from {}.", owners.join(", "))
}

/// The owners CODEOWNERS gives `path` (a path in the repository, without a leading slash): the last matching line
/// wins, as on GitHub; `@` is dropped (`ana`, `acme/platform` for a team), emails are kept. Patterns follow
/// gitignore: a leading or inner `/` anchors to the root, a trailing `/` means a folder, `*` stays in a segment.
pub fn code_owners_of(text: &str, path: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        let mut words = line.split_whitespace();
        let Some(pattern) = words.next() else { continue };
        if codeowners_match(pattern, path) {
            found = words.map(|w| w.trim_start_matches('@').to_owned()).collect();
        }
    }
    found
}

fn codeowners_match(pattern: &str, path: &str) -> bool {
    let anchored = pattern.starts_with('/') || pattern.trim_end_matches('/').contains('/');
    let p = pattern.trim_start_matches('/');
    let p = p.strip_suffix('/').map_or_else(|| p.to_owned(), |dir| format!("{dir}/**"));
    let whole = |text: &str| fnmatch(&p, text) || fnmatch(&format!("{p}/**"), text);
    if anchored {
        return whole(path);
    }
    // Unanchored: the pattern may match from any folder down.
    let mut starts = vec![0];
    starts.extend(path.match_indices('/').map(|(i, _)| i + 1));
    starts.into_iter().any(|i| whole(&path[i..]))
}

fn dedup(lines: &mut Vec<String>) {
    let mut seen = std::collections::BTreeSet::new();
    lines.retain(|l| seen.insert(l.clone()));
}

#[cfg(test)]
mod tests {
    use super::fnmatch;

    #[test]
    fn codeowners_take_the_last_matching_line() {
        let text =
            "# owners\n* @acme\n/charts/ @ana @acme/platform\n*.md @docs-team\ncharts/checkout/values-prod.yaml @sre\n";
        assert_eq!(super::code_owners_of(text, "README.md"), ["docs-team"]);
        assert_eq!(super::code_owners_of(text, "charts/checkout/values-staging.yaml"), ["ana", "acme/platform"]);
        assert_eq!(super::code_owners_of(text, "charts/checkout/values-prod.yaml"), ["sre"]);
        assert_eq!(super::code_owners_of(text, "src/main.rs"), ["acme"]);
        assert!(super::code_owners_of("/docs/ @ana\n", "charts/docs/x").is_empty(), "anchored to the root");
        assert_eq!(super::code_owners_of("docs/ @ana\n", "docs/x/y.md"), ["ana"]);
    }

    #[test]
    fn fnmatch_keeps_single_stars_within_a_segment() {
        assert!(fnmatch("refs/heads/release/*", "refs/heads/release/1.0"));
        assert!(!fnmatch("refs/heads/release/*", "refs/heads/release/1.0/hotfix"));
        assert!(fnmatch("refs/heads/**/hotfix", "refs/heads/release/1.0/hotfix"));
        assert!(fnmatch("refs/heads/v[0-9]*", "refs/heads/v2"));
        assert!(!fnmatch("refs/heads/v[!0-9]*", "refs/heads/v2"));
        assert!(fnmatch("refs/heads/ma?n", "refs/heads/main"));
        assert!(!fnmatch("refs/heads/main", "refs/heads/main2"));
    }
}
