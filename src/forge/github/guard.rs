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
        let names = |v: &Value| -> Vec<String> {
            v.as_array().into_iter().flatten().filter_map(|c| c.as_str().map(str::to_owned)).collect()
        };
        let repo = self.repository().await?;
        let mut g = GuardRails {
            branch: branch.to_owned(),
            protected: b["protected"].as_bool().unwrap_or(false),
            required_checks: names(&b["protection"]["required_status_checks"]["contexts"]),
            admin: repo["permissions"]["admin"].as_bool().unwrap_or(false),
            ..GuardRails::default()
        };
        if g.protected {
            let (status, p) =
                self.call(Method::GET, &self.repo_path(&format!("/branches/{enc}/protection")), None).await?;
            if status.is_success() {
                let enabled = |v: &Value| v["enabled"].as_bool().unwrap_or(false);
                let checks = &p["required_status_checks"];
                let mut required = names(&checks["contexts"]);
                for c in checks["checks"].as_array().into_iter().flatten() {
                    if let Some(n) = c["context"].as_str()
                        && !required.iter().any(|r| r == n)
                    {
                        required.push(n.to_owned());
                    }
                }
                let restrictions = p["restrictions"].is_object().then(|| {
                    let r = &p["restrictions"];
                    let users = r["users"].as_array().into_iter().flatten().filter_map(|u| u["login"].as_str());
                    let apps = r["apps"].as_array().into_iter().flatten().filter_map(|a| a["slug"].as_str());
                    users.chain(apps).map(str::to_owned).collect()
                });
                g.classic = Some(Classic {
                    required_reviews: p["required_pull_request_reviews"]["required_approving_review_count"].as_u64(),
                    required_checks: required,
                    strict: checks["strict"].as_bool().unwrap_or(false),
                    enforce_admins: enabled(&p["enforce_admins"]),
                    restrictions,
                    required_signatures: enabled(&p["required_signatures"]),
                    linear_history: enabled(&p["required_linear_history"]),
                    code_owners: p["required_pull_request_reviews"]["require_code_owner_reviews"].as_bool()
                        == Some(true),
                });
                if g.classic.as_ref().is_some_and(|c| c.restrictions.is_some()) {
                    g.login = self.user().await.ok().map(|(login, _)| login);
                }
            }
        }
        let (status, rules) = self.call(Method::GET, &self.repo_path(&format!("/rules/branches/{enc}")), None).await?;
        if status.is_success() {
            let mut rulesets: Vec<(u64, String, String)> = Vec::new();
            for r in rules.as_array().into_iter().flatten() {
                let id = r["ruleset_id"].as_u64().unwrap_or(0);
                if !rulesets.iter().any(|(i, ..)| *i == id) {
                    let v = self.ok(Method::GET, &self.repo_path(&format!("/rulesets/{id}")), None).await?;
                    let name = v["name"].as_str().unwrap_or("ruleset").to_owned();
                    let bypass = v["current_user_can_bypass"].as_str().unwrap_or("never").to_owned();
                    rulesets.push((id, name, bypass));
                }
                let (_, name, bypass) = rulesets.iter().find(|(i, ..)| *i == id).cloned().unwrap_or_default();
                let params = &r["parameters"];
                g.rules.push(RulesetRule {
                    kind: r["type"].as_str().unwrap_or("unknown").to_owned(),
                    ruleset: name,
                    bypass,
                    required_reviews: params["required_approving_review_count"].as_u64().unwrap_or(0),
                    required_checks: params["required_status_checks"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|c| c["context"].as_str().map(str::to_owned))
                        .collect(),
                    code_owners: params["require_code_owner_review"].as_bool() == Some(true),
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
                if status.is_success() { v["login"].as_str().map(str::to_owned) } else { None }
            }
            None => None,
        };
        Ok(Some(crate::drill::guard::Owners { path: path.to_owned(), owners, approver }))
    }
}
