//! The branch's guard rails as the token sees them (classic protection, rulesets) and its code owners.

use super::*;

impl GitHubForge {
    /// Reads what GitHub shows the token: the branch (`protected`, its required checks), the repository (is the
    /// token an admin), the classic protection when the token may read it (admin), every ruleset rule on the
    /// branch and, per ruleset, whether the token may bypass it. 3 to 5 requests, sent by `doctor` and when a
    /// drill is about to open, never on an idle run. `None` when the branch does not exist.
    pub(super) async fn read_guard_rails(&self, branch: &str) -> Result<Option<GuardRails>> {
        let enc = encode_path(branch);
        let (status, b) = self.call(Method::GET, &self.repo_path(&format!("/branches/{enc}")), None).await?;
        if status == StatusCode::NOT_FOUND {
            // No branch, no guard rails: whoever asked says the branch is missing.
            return Ok(None);
        }
        if !status.is_success() {
            return Err(api_error(&Method::GET, "branches", status, &b));
        }
        let b: wire::Branch = wire::read(b, &format!("branch {branch}"))?;
        let repo: wire::Repository = wire::read(self.repository().await?, "repository")?;
        let mut g = GuardRails {
            branch: branch.to_owned(),
            protected: b.protected.unwrap_or(false),
            classic_enabled: b.protection.as_ref().and_then(|p| p.enabled),
            required_checks: b
                .protection
                .and_then(|p| p.required_status_checks)
                .and_then(|c| c.contexts)
                .unwrap_or_default(),
            admin: repo.permissions.and_then(|p| p.admin).unwrap_or(false),
            ..GuardRails::default()
        };
        // Classic protection is read only where it is on (a ruleset alone makes the branch `protected` too).
        if g.protected && g.classic_enabled != Some(false) {
            let (status, p) =
                self.call(Method::GET, &self.repo_path(&format!("/branches/{enc}/protection")), None).await?;
            if status.is_success() {
                let p: wire::Protection = wire::read(p, &format!("protection of {branch}"))?;
                let checks = p.required_status_checks.unwrap_or_default();
                let mut required = checks.contexts.unwrap_or_default();
                for c in checks.checks.into_iter().flatten() {
                    if let Some(n) = c.context
                        && !required.contains(&n)
                    {
                        required.push(n);
                    }
                }
                let restrictions = p.restrictions.map(|r| {
                    let users = r.users.into_iter().flatten().filter_map(|u| u.login);
                    let apps = r.apps.into_iter().flatten().filter_map(|a| a.slug);
                    users.chain(apps).collect()
                });
                let reviews = p.required_pull_request_reviews.unwrap_or_default();
                g.classic = Some(Classic {
                    required_reviews: reviews.required_approving_review_count,
                    required_checks: required,
                    strict: checks.strict.unwrap_or(false),
                    enforce_admins: wire::Enabled::on(&p.enforce_admins),
                    restrictions,
                    required_signatures: wire::Enabled::on(&p.required_signatures),
                    linear_history: wire::Enabled::on(&p.required_linear_history),
                    code_owners: reviews.require_code_owner_reviews == Some(true),
                });
                if g.classic.as_ref().is_some_and(|c| c.restrictions.is_some()) {
                    g.login = self.user().await.ok().map(|(login, _)| login);
                }
            }
        }
        let (status, rules) = self.call(Method::GET, &self.repo_path(&format!("/rules/branches/{enc}")), None).await?;
        if status.is_success() {
            let rules: Vec<wire::Rule> = wire::read(rules, &format!("rules of {branch}"))?;
            let mut rulesets: Vec<(u64, String, String)> = Vec::new();
            for r in rules {
                let id = r.ruleset_id.unwrap_or(0);
                if !rulesets.iter().any(|(i, ..)| *i == id) {
                    let v = self.ok(Method::GET, &self.repo_path(&format!("/rulesets/{id}")), None).await?;
                    let v: wire::Ruleset = wire::read(v, &format!("ruleset {id}"))?;
                    let name = v.name.unwrap_or_else(|| "ruleset".to_owned());
                    let bypass = v.current_user_can_bypass.unwrap_or_else(|| "never".to_owned());
                    rulesets.push((id, name, bypass));
                }
                let (_, name, bypass) = rulesets.iter().find(|(i, ..)| *i == id).cloned().unwrap_or_default();
                let params = r.parameters.unwrap_or_default();
                g.rules.push(RulesetRule {
                    kind: r.kind.unwrap_or_else(|| "unknown".to_owned()),
                    ruleset: name,
                    bypass,
                    required_reviews: params.required_approving_review_count.unwrap_or(0),
                    required_checks: params
                        .required_status_checks
                        .into_iter()
                        .flatten()
                        .filter_map(|c| c.context)
                        .collect(),
                    code_owners: params.require_code_owner_review == Some(true),
                });
            }
        }
        Ok(Some(g))
    }

    /// CODEOWNERS read at the branch's tip where GitHub looks for it (1 to 3 requests), and the approver's login
    /// (`GET /user` with its token, 1 request): asked only when a code owner's review is required and an approver
    /// is set, when a drill is about to open.
    pub(super) async fn read_code_owners(
        &self,
        branch: &str,
        path: &str,
    ) -> Result<Option<crate::drill::guard::Owners>> {
        let Some(tip) = self.branch_head(branch).await? else { return Ok(None) };
        let mut owners = Vec::new();
        for candidate in crate::drill::guard::CODEOWNERS_PATHS {
            if let Some(text) = self.read_file(&tip, candidate).await? {
                owners = crate::drill::guard::code_owners_of(&text, path);
                break;
            }
        }
        let approver = match self.approver_gh()? {
            Some(gh) => {
                let (status, v) = self.call_on(gh, Method::GET, "/user", None).await?;
                if status.is_success() { wire::read::<wire::Login>(v, "user")?.login } else { None }
            }
            None => None,
        };
        Ok(Some(crate::drill::guard::Owners { path: path.to_owned(), owners, approver }))
    }
}
