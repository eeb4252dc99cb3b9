//! A merge GitHub refused, decided from what GitHub knows: the pull request's `mergeable_state`, the branch's
//! required checks and their results on the head, and whether an approval was given. Pure: the GitHub forge reads
//! the facts, [`decide`] says what to do, and GitHub's sentence is kept only for the report and as a last hint.
//!
//! GitHub words the same refusal differently over REST, classic protection and rulesets (a strict branch that is
//! behind reads `6 of 6 required status checks are expected.`, never "not up to date"), so no sentence is a key.

/// The state of one required check on the pull request's head: its newest commit status or check run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    Passing,
    /// Reported and still running (a `pending` status, a `queued` or `in_progress` check run).
    Pending,
    /// Not reported at all on this head (yet).
    Missing,
    Failing,
}

/// What GitHub showed about a refused merge.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    /// The HTTP status of the refusal (405; 409 for a race).
    pub status: u16,
    /// GitHub's `message`: evidence for the report, a hint only where the state cannot tell.
    pub message: &'a str,
    /// The pull request's `mergeable_state` (`unknown` when `mergeable` was `null`: not computed yet).
    pub state: &'a str,
    /// The branch's required checks and their state on the head; `None` while not read.
    pub checks: Option<Vec<(String, Check)>>,
    /// The approver approved this head in this run.
    pub approved: bool,
    /// An approver token is configured.
    pub approver: bool,
    /// The branch requires a code owner's review.
    pub code_owners: bool,
    /// Another merge method is left to try.
    pub more_methods: bool,
}

/// What to do about a refused merge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// GitHub has not computed whether it can merge (`mergeable: null`): read the pull request again (bounded in
    /// the run; after that, the next run asks).
    AskAgain,
    /// The state needs the required checks' results on the head: read them, then decide again.
    ReadChecks,
    /// Strict required checks and the head is behind its base: `update-branch`, then wait for the checks.
    UpdateBranch,
    /// A required check has not passed yet (pending, or not reported): wait, up to `merge.max_wait`.
    Wait(String),
    /// Blocked with every required check green: the approver approves, then the merge is sent again.
    Approve,
    /// The base branch moved while merging: send the merge again.
    Retry,
    /// The repository (or a rule) does not allow this merge method: try the next one.
    NextMethod,
    /// The merge cannot go through: why, in words a person acts on.
    Final(String),
}

/// Reads GitHub's refusal (the state first, the sentence only as a last hint).
pub fn decide(f: &Facts<'_>) -> Decision {
    let hint = f.message.to_ascii_lowercase();
    // A race leaves no state behind: by the time it is read, the base has settled. GitHub answers it with 405 (and
    // documents 409); only the words tell it apart from a refusal that stays.
    if (f.status == 405 || f.status == 409) && hint.contains("base branch was modified") {
        return Decision::Retry;
    }
    // The repository's merge settings or a linear-history rule: nothing in the pull request's state says which
    // methods are allowed, the answer does.
    if method_not_allowed(&hint) {
        return if f.more_methods { Decision::NextMethod } else { Decision::Final(f.message.trim().to_owned()) };
    }
    if hint.contains("merge queue") {
        return Decision::Final(
            "the branch requires a merge queue, which GitHub's REST API cannot enter: add the drill token's user or \
             App to the ruleset's bypass list"
                .to_owned(),
        );
    }
    match f.state {
        "unknown" => Decision::AskAgain,
        "behind" => Decision::UpdateBranch,
        "dirty" => Decision::Final("it conflicts with its base branch".to_owned()),
        "draft" => Decision::Final("it is a draft".to_owned()),
        _ => blocked(f, &hint),
    }
}

/// Blocked (or a state that said mergeable, and GitHub refused anyway): the required checks, then the reviews.
fn blocked(f: &Facts<'_>, hint: &str) -> Decision {
    let Some(checks) = &f.checks else { return Decision::ReadChecks };
    let named = |want: &[Check]| -> Vec<String> {
        checks.iter().filter(|(_, s)| want.contains(s)).map(|(n, _)| format!("`{n}`")).collect()
    };
    let failing = named(&[Check::Failing]);
    if !failing.is_empty() {
        let noun = if failing.len() == 1 { "check" } else { "checks" };
        return Decision::Final(format!("the required {noun} {} failed on the pull request's head", list(&failing)));
    }
    let pending = named(&[Check::Pending, Check::Missing]);
    if !pending.is_empty() {
        let (noun, verb) = if pending.len() == 1 { ("check", "has") } else { ("checks", "have") };
        return Decision::Wait(format!("the required {noun} {} {verb} not passed yet", list(&pending)));
    }
    // Every check the branch required when the drill opened is green. The rules may have changed since: GitHub's
    // words are the last hint.
    if hint.contains("required status check") {
        if hint.contains("failing") || hint.contains("have not succeeded") || hint.contains("has not succeeded") {
            return Decision::Final(format!("a required check failed ({})", first_line(f.message)));
        }
        // Every required check passed on this head, yet GitHub expects them: a strict branch wants them on the
        // head brought up to date (GitHub may show such a pull request `blocked` rather than `behind`).
        if hint.contains("expected") && !checks.is_empty() {
            return Decision::UpdateBranch;
        }
        if hint.contains("expected") || hint.contains("in progress") || hint.contains("queued") {
            return Decision::Wait(format!("a required check has not passed yet ({})", first_line(f.message)));
        }
    }
    if f.approver && !f.approved {
        return Decision::Approve;
    }
    if f.code_owners || hint.contains("code owner") {
        return Decision::Final(format!(
            "it waits for a code owner's review ({}): the approver token must belong to an owner of the changed \
             path in CODEOWNERS",
            first_line(f.message)
        ));
    }
    if f.approved {
        return Decision::Final(format!(
            "it stays blocked after the approver's review, with every required check green ({})",
            first_line(f.message)
        ));
    }
    Decision::Final(format!(
        "{} (give a second account's token as FIREDRILL_APPROVER_TOKEN, the Action's `approver-token`, to approve the \
         drill's pull request)",
        first_line(f.message)
    ))
}

fn method_not_allowed(hint: &str) -> bool {
    (hint.contains("merges are not allowed") || hint.contains("merge commits are not allowed"))
        || (hint.contains("merge method") && hint.contains("not allowed"))
        || hint.contains("must not contain merge commits")
}

/// The first line of GitHub's message that says something (rule violations start with a heading).
pub fn first_line(message: &str) -> String {
    let lines: Vec<&str> = message.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    match lines.as_slice() {
        [] => "no message".to_owned(),
        [only] => (*only).to_owned(),
        [head, rest @ ..] if head.eq_ignore_ascii_case("Repository rule violations found") => rest.join(" "),
        all => all.join(" "),
    }
}

fn list(names: &[String]) -> String {
    match names {
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(status: u16, message: &'a str, state: &'a str) -> Facts<'a> {
        Facts {
            status,
            message,
            state,
            checks: None,
            approved: false,
            approver: false,
            code_owners: false,
            more_methods: true,
        }
    }

    fn ci(state: Check) -> Option<Vec<(String, Check)>> {
        Some(vec![("deploy-staging".to_owned(), state), ("lint".to_owned(), Check::Passing)])
    }

    /// Every refusal wording GitHub is known to give (see docs/protected-branches.md for where each was seen),
    /// with the state GitHub shows beside it, and the row of the table it must land on.
    #[test]
    fn every_real_wording_lands_on_the_row_its_state_says() {
        let rules = |line: &str| format!("Repository rule violations found\n\n{line}\n\n");
        let code_owner = rules("Waiting on code owner review from acme/platform.");
        let ruled_strict = rules("2 of 2 required status checks are expected.");
        let linear = rules("This branch must not contain merge commits.");
        let rows: Vec<(&str, Facts<'_>, Decision)> = vec![
            (
                "strict, behind, checks green on the old head",
                facts(405, "6 of 6 required status checks are expected.", "behind"),
                Decision::UpdateBranch,
            ),
            ("the same under a ruleset", facts(405, &ruled_strict, "behind"), Decision::UpdateBranch),
            (
                "strict and behind, shown blocked, every check green on the old head",
                Facts {
                    checks: ci(Check::Passing),
                    ..facts(405, "2 of 2 required status checks are expected.", "blocked")
                },
                Decision::UpdateBranch,
            ),
            (
                "mergeability not computed yet",
                facts(405, "1 of 1 required status checks are expected.", "unknown"),
                Decision::AskAgain,
            ),
            (
                "checks in progress: the checks are read first",
                facts(405, "2 of 2 required status checks are in progress.", "blocked"),
                Decision::ReadChecks,
            ),
            (
                "checks in progress",
                Facts {
                    checks: ci(Check::Pending),
                    ..facts(405, "2 of 2 required status checks are in progress.", "blocked")
                },
                Decision::Wait("the required check `deploy-staging` has not passed yet".into()),
            ),
            (
                "a check not reported on the updated head",
                Facts {
                    checks: ci(Check::Missing),
                    ..facts(405, "1 of 2 required status checks are expected.", "blocked")
                },
                Decision::Wait("the required check `deploy-staging` has not passed yet".into()),
            ),
            (
                "a failing check",
                Facts {
                    checks: ci(Check::Failing),
                    ..facts(405, "1 of 2 required status checks have not succeeded: 1 failing.", "blocked")
                },
                Decision::Final("the required check `deploy-staging` failed on the pull request's head".into()),
            ),
            (
                "a failing check with an empty name",
                Facts {
                    checks: ci(Check::Failing),
                    ..facts(405, "1 of 1 required status checks have not succeeded: .", "blocked")
                },
                Decision::Final("the required check `deploy-staging` failed on the pull request's head".into()),
            ),
            (
                "a required review, an approver",
                Facts {
                    checks: ci(Check::Passing),
                    approver: true,
                    ..facts(405, "At least 1 approving review is required by reviewers with write access.", "blocked")
                },
                Decision::Approve,
            ),
            (
                "a code owner's review, an approver who has not approved yet",
                Facts { checks: Some(vec![]), approver: true, code_owners: true, ..facts(405, &code_owner, "blocked") },
                Decision::Approve,
            ),
            (
                "a code owner's review the approver's approval did not give",
                Facts {
                    checks: Some(vec![]),
                    approver: true,
                    approved: true,
                    code_owners: true,
                    ..facts(405, &code_owner, "blocked")
                },
                Decision::Final(
                    "it waits for a code owner's review (Waiting on code owner review from acme/platform.): the \
                     approver token must belong to an owner of the changed path in CODEOWNERS"
                        .into(),
                ),
            ),
            (
                "conflicts",
                facts(405, "Pull Request is not mergeable", "dirty"),
                Decision::Final("it conflicts with its base branch".into()),
            ),
            (
                "a race with another merge (405)",
                facts(405, "Base branch was modified. Review and try the merge again.", "clean"),
                Decision::Retry,
            ),
            (
                "a race with another merge (409)",
                facts(409, "Base branch was modified. Review and try the merge again.", "clean"),
                Decision::Retry,
            ),
            (
                "merge commits disabled",
                facts(405, "Merge commits are not allowed on this repository.", "clean"),
                Decision::NextMethod,
            ),
            (
                "squash disabled",
                facts(405, "Squash merges are not allowed on this repository.", "clean"),
                Decision::NextMethod,
            ),
            (
                "rebase disabled",
                facts(405, "Rebase merges are not allowed on this repository.", "clean"),
                Decision::NextMethod,
            ),
            (
                "the last method disabled",
                Facts {
                    more_methods: false,
                    ..facts(405, "Rebase merges are not allowed on this repository.", "clean")
                },
                Decision::Final("Rebase merges are not allowed on this repository.".into()),
            ),
            ("linear history under a ruleset", facts(405, &linear, "blocked"), Decision::NextMethod),
        ];
        for (row, f, want) in &rows {
            assert_eq!(&decide(f), want, "{row}");
        }
        // 409 "Head branch was modified" is no race to retry (the forge reads the pull request first: a head that
        // moved ends the drill).
        let head = decide(&facts(409, "Head branch was modified. Review and try the merge again.", "clean"));
        assert_ne!(head, Decision::Retry);
        let queue = decide(&facts(405, &rules("Changes must be made through the merge queue"), "blocked"));
        assert!(matches!(&queue, Decision::Final(w) if w.contains("merge queue")), "{queue:?}");
    }

    #[test]
    fn a_review_without_an_approver_is_final_and_names_the_fix() {
        let f = Facts {
            checks: Some(vec![]),
            ..facts(405, "At least 1 approving review is required by reviewers with write access.", "blocked")
        };
        let Decision::Final(why) = decide(&f) else { panic!("{:?}", decide(&f)) };
        assert!(why.starts_with("At least 1 approving review is required"), "{why}");
        assert!(why.contains("FIREDRILL_APPROVER_TOKEN"), "{why}");
        // Approved, still blocked, checks green: nothing more firedrill can give.
        let after = Facts { approver: true, approved: true, ..f };
        assert!(
            matches!(decide(&after), Decision::Final(w) if w.contains("stays blocked after the approver's review"))
        );
    }

    #[test]
    fn rules_added_since_the_drill_opened_fall_back_on_the_words() {
        // The branch required only `lint` when the drill opened; GitHub now wants another check.
        let waiting = Facts {
            checks: Some(vec![("lint".into(), Check::Passing)]),
            ..facts(405, "2 of 2 required status checks are in progress.", "blocked")
        };
        assert!(
            matches!(decide(&waiting), Decision::Wait(w) if w.contains("2 of 2 required status checks are in progress."))
        );
        let failing = Facts {
            checks: Some(vec![]),
            ..facts(
                405,
                "Repository rule violations found\n\n1 of 1 required status checks have not succeeded: 1 failing.\n\n",
                "blocked",
            )
        };
        assert!(
            matches!(decide(&failing), Decision::Final(w) if w.contains("1 of 1 required status checks have not succeeded"))
        );
        // The state outranks the words: a pull request GitHub shows behind is brought up to date, whatever it says.
        assert_eq!(
            decide(&facts(405, "2 of 2 required status checks are in progress.", "behind")),
            Decision::UpdateBranch
        );
    }
}
