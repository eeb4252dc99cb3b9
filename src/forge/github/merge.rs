//! Merging a pull request: the merge sent, GitHub's refusal decided from its state (`forge::refused`); the
//! approver's review and update-branch, carried out when the step asks for them.

use super::*;

/// How many times a merge refused with "Base branch was modified" (405, or 409) is sent again in the same run.
pub(super) const BASE_MODIFIED_RETRIES: usize = 3;

/// How many times one run asks again about a pull request whose mergeability GitHub has not computed yet
/// (`mergeable: null`), and how long it waits before each; after that, the next run asks.
pub(super) const UNKNOWN_ASKS: usize = 2;

pub(super) const UNKNOWN_WAIT: Duration = Duration::from_millis(1500);

/// The most merges one run sends for one pull request (methods, retries, the approver's review): a bound, never
/// reached by a refusal GitHub explains.
pub(super) const MAX_MERGE_TRIES: usize = 8;

/// How many of GitHub's `update-branch` merges on top of a drill's commit are still recognised as the drill's.
pub(super) const MAX_UPDATES: usize = 5;

/// The state of a required check from the newest commit status with its context and the newest check run with its
/// name on a commit (whichever came last).
pub(super) fn check_of(name: &str, statuses: &wire::CombinedStatus, runs: &wire::CheckRuns) -> Check {
    let status = statuses
        .statuses
        .iter()
        .flatten()
        .filter(|s| s.context.as_deref() == Some(name))
        .max_by_key(|s| wire::at(&s.updated_at))
        .map(|s| {
            let state = match s.state.as_deref() {
                Some("success") => Check::Passing,
                Some("pending") => Check::Pending,
                _ => Check::Failing,
            };
            (wire::at(&s.updated_at), state)
        });
    let run = runs
        .check_runs
        .iter()
        .flatten()
        .filter(|r| r.name.as_deref() == Some(name))
        .max_by_key(|r| (wire::at(&r.started_at), r.id))
        .map(|r| {
            let state = match (r.status.as_deref(), r.conclusion.as_deref()) {
                (Some("completed"), Some("success" | "neutral" | "skipped")) => Check::Passing,
                (Some("completed"), _) => Check::Failing,
                _ => Check::Pending,
            };
            (wire::at(&r.completed_at).or_else(|| wire::at(&r.started_at)), state)
        });
    match (status, run) {
        (None, None) => Check::Missing,
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

impl GitHubForge {
    /// Sends the merge and answers GitHub's refusals as [`refused::decide`] says: reads (checks, the state again)
    /// and resends (another method, a racing base) here; what the merge needs that firedrill can give (the
    /// approver's review, update-branch) comes back as [`MergeOutcome::Needs`], and a merge sent again with
    /// `spec.resume` goes on from there.
    pub(super) async fn merge_pull_request(
        &self,
        change: &Change,
        spec: &MergeSpec<'_>,
        _actor: &Person,
        _at: Timestamp,
    ) -> Result<MergeOutcome> {
        let mut m = match spec.resume {
            Some(r) => r.clone(),
            None => match self.merge_start(change, spec).await? {
                Ok(m) => m,
                Err(outcome) => return Ok(outcome),
            },
        };
        let path = self.repo_path(&format!("/pulls/{}/merge", change.id));
        while m.tries < MAX_MERGE_TRIES {
            m.tries += 1;
            let body = Self::merge_body(&m.head, m.method);
            let (status, v) = self.call(Method::PUT, &path, Some(&body)).await?;
            let said = wire::Said::of(&v);
            let message = said.message.as_deref().unwrap_or("not mergeable").trim().to_owned();
            match status.as_u16() {
                200 => {
                    let merged = self.pull_request(change.id.as_str()).await?;
                    let landed = merged.landing()?;
                    let commit = match (wire::commit_id(said.sha.as_deref()), &landed) {
                        (Ok(c), _) => c,
                        (Err(_), Some((c, _))) => c.clone(),
                        (Err(e), None) => return Err(e),
                    };
                    let at =
                        landed.map(|(_, at)| at).ok_or_else(|| other("the merged pull request has no merged_at"))?;
                    return Ok(MergeOutcome::Merged { commit, at });
                }
                // 409: the head moved ("Head branch was modified"), or a race ("Base branch was modified"): the
                // pull request tells which, and whether a racing run merged it.
                409 => {
                    let pr = self.pull_request(change.id.as_str()).await?;
                    if let Some((commit, at)) = pr.landing()? {
                        return Ok(MergeOutcome::Merged { commit, at });
                    }
                    let actual = pr.head()?;
                    if actual != m.head {
                        return Ok(MergeOutcome::HeadMoved { expected: m.head, actual });
                    }
                    m.state = pr.merge_state();
                }
                405 => {}
                422 => return Ok(MergeOutcome::NotMergeable { reason: message }),
                _ => return Err(api_error(&Method::PUT, &path, status, &v)),
            }
            // Decide from the state; read more of it only where the decision needs it.
            let resend = loop {
                let facts = refused::Facts {
                    status: status.as_u16(),
                    message: &message,
                    state: &m.state,
                    checks: m.checks.clone(),
                    approved: m.approved,
                    approver: self.approver.is_some(),
                    code_owners: self.gate(spec).await?.code_owners,
                    more_methods: !m.rest.is_empty(),
                };
                let decision = refused::decide(&facts);
                tracing::info!(?decision, m.state, message, "GitHub refused the merge");
                match decision {
                    Decision::ReadChecks => m.checks = Some(self.checks_on(&m.head, spec).await?),
                    Decision::AskAgain if m.asks < UNKNOWN_ASKS => {
                        m.asks += 1;
                        crate::wait::pause(UNKNOWN_WAIT).await;
                        let pr = self.pull_request(change.id.as_str()).await?;
                        if let Some((commit, at)) = pr.landing()? {
                            return Ok(MergeOutcome::Merged { commit, at });
                        }
                        m.state = pr.merge_state();
                        // Computed now, and nothing in the way: the refusal was GitHub still computing.
                        if matches!(m.state.as_str(), "clean" | "unstable" | "has_hooks") {
                            break true;
                        }
                    }
                    Decision::AskAgain => {
                        return Ok(MergeOutcome::Waiting {
                            reason: "GitHub has not computed yet whether the pull request can merge".to_owned(),
                            head: m.moved,
                        });
                    }
                    Decision::UpdateBranch => {
                        let refused = refused::first_line(&message);
                        let need =
                            MergeNeed::UpToDate(Behind { head: m.head.clone(), refused, moved: m.moved.clone() });
                        return Ok(MergeOutcome::Needs { need, resume: Box::new(m) });
                    }
                    Decision::Wait(reason) => return Ok(MergeOutcome::Waiting { reason, head: m.moved }),
                    Decision::Approve => {
                        // The approver gives the review (the step's effect), then the merge is sent again at once.
                        let need = MergeNeed::Approval { head: m.head.clone() };
                        return Ok(MergeOutcome::Needs { need, resume: Box::new(MergeResume { approved: true, ..m }) });
                    }
                    Decision::Retry if m.retries < BASE_MODIFIED_RETRIES => {
                        m.retries += 1;
                        tracing::info!(path, "the base branch moved while merging; trying the merge again");
                        break true;
                    }
                    Decision::Retry => {
                        return Ok(MergeOutcome::NotMergeable {
                            reason: format!(
                                "`{}` kept moving while merging ({} tries: {message})",
                                spec.base,
                                m.retries + 1
                            ),
                        });
                    }
                    Decision::NextMethod => {
                        if m.rest.is_empty() {
                            break false;
                        }
                        tracing::info!(method = ?m.method, "GitHub does not allow this merge method here; trying the next one");
                        m.method = m.rest.remove(0);
                        break true;
                    }
                    Decision::Final(reason) => {
                        // GitHub's own words stay beside the reason, for the report.
                        let said = refused::first_line(&message);
                        let reason = if reason.contains(&said) {
                            reason
                        } else {
                            format!("{reason} (GitHub answered {}: {said})", status.as_u16())
                        };
                        return Ok(MergeOutcome::NotMergeable { reason });
                    }
                }
            };
            if !resend {
                return Ok(MergeOutcome::NotMergeable { reason: message });
            }
        }
        Ok(MergeOutcome::NotMergeable {
            reason: format!("GitHub kept refusing the merge after {MAX_MERGE_TRIES} tries in one run"),
        })
    }

    /// Before the first merge is sent: verify (still open, still at the drill's commit, or at the head firedrill
    /// moved it to); a merged one was merged by an earlier run: that landing. `Err`: the outcome already.
    async fn merge_start(
        &self,
        change: &Change,
        spec: &MergeSpec<'_>,
    ) -> Result<std::result::Result<MergeResume, MergeOutcome>> {
        let pr = self.pull_request(change.id.as_str()).await?;
        if let Some((commit, at)) = pr.landing()? {
            return Ok(Err(MergeOutcome::Merged { commit, at }));
        }
        if pr.state == "closed" {
            return Ok(Err(MergeOutcome::Closed));
        }
        let actual = pr.head()?;
        // A head firedrill moved itself (`update-branch` in an earlier run, finished since) is the head to merge.
        let mut moved = None;
        if actual != *spec.expected_head {
            if !self.brought_up_to_date(&actual, spec.expected_head, spec.base).await? {
                return Ok(Err(MergeOutcome::HeadMoved { expected: spec.expected_head.clone(), actual }));
            }
            moved = Some(actual.clone());
        }
        let head = moved.clone().unwrap_or_else(|| spec.expected_head.clone());
        // The method given first; where firedrill chooses, the others GitHub may allow after it.
        let mut methods = if spec.fallback { MergeMethod::in_turn_from(spec.method) } else { vec![spec.method] };
        if methods.is_empty() {
            return Err(other("no merge method to try"));
        }
        let method = methods.remove(0);
        // What GitHub knows of the pull request, read right before the merge: the first key to a refusal.
        Ok(Ok(MergeResume {
            head,
            moved,
            method,
            rest: methods,
            state: pr.merge_state(),
            checks: None,
            approved: false,
            asks: 0,
            retries: 0,
            tries: 0,
        }))
    }

    /// The body of `PUT /pulls/N/merge` for `method`: the head it must have, and no message. GitHub then writes
    /// exactly what its merge button writes under the repository's `merge_commit_title`/`merge_commit_message`
    /// and `squash_merge_commit_title`/`squash_merge_commit_message` settings (`Merge pull request #N from
    /// OWNER/BRANCH` and the title, by default; a one-commit squash keeps its commit's subject with ` (#N)`):
    /// any message firedrill chose would stand out in `git log` beside the team's own merges.
    pub(super) fn merge_body(head: &CommitSha, method: MergeMethod) -> Value {
        let name = match method {
            MergeMethod::Merge => "merge",
            MergeMethod::Squash => "squash",
            MergeMethod::FastForward => "rebase",
        };
        json!({"sha": head.to_string(), "merge_method": name})
    }

    /// Approves pull request `number` at `head` with the approver's token (`POST /pulls/N/reviews`).
    pub(super) async fn approve_at(&self, number: &str, head: &CommitSha) -> Result<()> {
        let Some(gh) = self.approver_gh()? else { return Ok(()) };
        let path = self.repo_path(&format!("/pulls/{number}/reviews"));
        let body = json!({"event": "APPROVE", "commit_id": head.to_string()});
        let (status, v) = self.call_on(gh, Method::POST, &path, Some(&body)).await?;
        if status.is_success() {
            return Ok(());
        }
        let said = wire::Said::of(&v);
        let why = said.why().unwrap_or("");
        Err(other(format!(
            "the approver token could not approve pull request #{number} (POST {path} answered {} {why}): it must \
             belong to another account than the drill token, with write access to {}/{}",
            status.as_u16(),
            self.owner,
            self.repo
        )))
    }

    /// Whether `head` is `expected` with only GitHub's merges of `base` on top (what `update-branch` makes, once or
    /// more): then the branch is still the drill's, moved by firedrill itself. One request per merge walked.
    pub(super) async fn brought_up_to_date(&self, head: &CommitSha, expected: &CommitSha, base: &str) -> Result<bool> {
        let mut cur = head.clone();
        for _ in 0..MAX_UPDATES {
            if cur == *expected {
                return Ok(true);
            }
            let c = self.ok(Method::GET, &self.repo_path(&format!("/commits/{cur}")), None).await?;
            let c: wire::Commit = wire::read(c, &format!("commit {}", cur.short()))?;
            let parents: Vec<&str> = c.parents.iter().flatten().filter_map(|p| p.sha.as_deref()).collect();
            let git = c.commit.as_ref();
            let message = git.and_then(|g| g.message.as_deref()).unwrap_or("");
            // GitHub commits the merges it makes itself (`web-flow`, noreply@github.com).
            let by_github = git.and_then(|g| g.committer.as_ref()).and_then(|c| c.email.as_deref())
                == Some("noreply@github.com")
                || c.committer.as_ref().and_then(|c| c.login.as_deref()) == Some("web-flow");
            if parents.len() != 2 || !by_github || !message.starts_with(&format!("Merge branch '{base}' into ")) {
                return Ok(false);
            }
            cur = wire::commit_id(Some(parents[0]))?;
        }
        Ok(cur == *expected)
    }

    /// What a pull request into `spec.base` waits for: as recorded when the drill opened, else read from the
    /// branch's guard rails once in this run (3 to 5 requests, for drills opened before it was recorded).
    pub(super) async fn gate(&self, spec: &MergeSpec<'_>) -> Result<Gate> {
        if let Some(g) = spec.gate {
            return Ok(g.clone());
        }
        if let Some(g) = self.memo.gates.lock().ok().and_then(|m| m.get(spec.base).cloned()) {
            return Ok(g);
        }
        let g = self.guard_rails(spec.base).await?.map(|r| r.gate()).unwrap_or_default();
        if let Ok(mut m) = self.memo.gates.lock() {
            m.insert(spec.base.to_owned(), g.clone());
        }
        Ok(g)
    }

    /// The state of each required check on `head`: its commit statuses (`GET /commits/{sha}/status`) and check runs
    /// (`GET /commits/{sha}/check-runs`), 2 requests; none when nothing is required.
    pub(super) async fn checks_on(&self, head: &CommitSha, spec: &MergeSpec<'_>) -> Result<Vec<(String, Check)>> {
        let gate = self.gate(spec).await?;
        if gate.checks.is_empty() {
            return Ok(Vec::new());
        }
        let statuses =
            self.ok(Method::GET, &self.repo_path(&format!("/commits/{head}/status?per_page=100")), None).await?;
        let runs = self
            .ok(Method::GET, &self.repo_path(&format!("/commits/{head}/check-runs?filter=latest&per_page=100")), None)
            .await?;
        let statuses: wire::CombinedStatus = wire::read(statuses, &format!("statuses of {}", head.short()))?;
        let runs: wire::CheckRuns = wire::read(runs, &format!("check runs of {}", head.short()))?;
        Ok(gate.checks.iter().map(|n| (n.clone(), check_of(n, &statuses, &runs))).collect())
    }

    /// Strict required checks and a head behind its base: GitHub merges the base into the pull request's branch
    /// (`update-branch`); then its required checks run again, and the merge waits for them like any other.
    pub(super) async fn update_pull_branch(
        &self,
        change: &Change,
        base: &str,
        Behind { head, refused, moved }: &Behind,
    ) -> Result<MergeOutcome> {
        let update = self.repo_path(&format!("/pulls/{}/update-branch", change.id));
        let (status, u) =
            self.call(Method::PUT, &update, Some(&json!({"expected_head_sha": head.to_string()}))).await?;
        // Up to date already: what GitHub expects is the checks themselves (rules changed since the drill opened).
        let u = wire::Said::of(&u);
        let said = u.message.as_deref().unwrap_or("");
        if status == StatusCode::UNPROCESSABLE_ENTITY && said.contains("no new commits") {
            return Ok(MergeOutcome::Waiting {
                reason: format!("a required check has not passed yet ({refused})"),
                head: moved.clone(),
            });
        }
        if !status.is_success() {
            return Ok(MergeOutcome::NotMergeable {
                reason: format!(
                    "`{}` is behind `{}` ({}) and GitHub refused to update it ({} {})",
                    change.branch,
                    base,
                    refused,
                    status.as_u16(),
                    said
                ),
            });
        }
        Ok(MergeOutcome::Waiting {
            reason: format!(
                "`{}` was brought up to date with `{}`; its required checks run again",
                change.branch, base
            ),
            head: moved.clone(),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_merge_sends_no_message_so_github_writes_what_its_button_writes() {
        let head = CommitSha::parse(&"a".repeat(40)).unwrap();
        for method in [MergeMethod::Merge, MergeMethod::Squash, MergeMethod::FastForward] {
            let body = GitHubForge::merge_body(&head, method);
            assert!(body.get("commit_title").is_none() && body.get("commit_message").is_none(), "{body}");
            assert_eq!(body["sha"], json!("a".repeat(40)));
        }
    }
}
