//! The base branch's guard rails (classic branch protection and rulesets), as the drill token sees them, and
//! what each one does to a drill: whether it blocks the merge, the revert, both or neither, and the fix.
//!
//! Pure: the GitHub forge reads the facts ([`GuardRails`]); `doctor` prints the verdict and the lifecycle
//! refuses, before anything is opened, a drill whose fault could land but not be removed.

use crate::types::MergeMethod;

/// What GitHub shows of a branch's guard rails to the drill token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuardRails {
    pub branch: String,
    /// `GET /branches/{b}`: the branch is protected, by classic protection or by a ruleset (GitHub says `true`
    /// for either).
    pub protected: bool,
    /// `GET /branches/{b}`'s `protection.enabled`: whether classic protection is on (shown to every reader);
    /// `None` when GitHub did not say.
    pub classic_enabled: Option<bool>,
    /// The classic protection in full (`GET /branches/{b}/protection` needs admin); `None` when the token cannot
    /// read it (then only `required_checks` from the branch is known).
    pub classic: Option<Classic>,
    /// Required checks the branch itself shows (readable by everyone).
    pub required_checks: Vec<String>,
    /// Every active ruleset rule that applies (`GET /rules/branches/{b}`).
    pub rules: Vec<RulesetRule>,
    /// The token has admin on the repository (classic protection lets admins through unless enforced).
    pub admin: bool,
    /// Who the token acts as (`login`), for push restrictions.
    pub login: Option<String>,
    /// Where a code owner's review is required and an approver is set: who CODEOWNERS (on the branch) names for
    /// the drill's file (empty: nobody, or no CODEOWNERS), and the approver's login. `None`: not read.
    pub owners: Option<Owners>,
}

/// The code owners of the drill's file, and who approves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Owners {
    pub path: String,
    /// As CODEOWNERS names them, without `@` (`ana`, `acme/platform` for a team, an email).
    pub owners: Vec<String>,
    pub approver: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Classic {
    pub required_reviews: Option<u64>,
    pub required_checks: Vec<String>,
    pub strict: bool,
    pub enforce_admins: bool,
    /// Push restrictions: the users (logins) and apps (slugs) allowed; `None`: no restriction.
    pub restrictions: Option<Vec<String>>,
    pub required_signatures: bool,
    pub linear_history: bool,
    /// `required_pull_request_reviews.require_code_owner_reviews`.
    pub code_owners: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulesetRule {
    /// `pull_request`, `required_status_checks`, `merge_queue`, `update`, `required_signatures`, …
    pub kind: String,
    pub ruleset: String,
    /// `current_user_can_bypass` of its ruleset (`always`, `pull_requests_only`, `never`).
    pub bypass: String,
    pub required_reviews: u64,
    pub required_checks: Vec<String>,
    /// A `pull_request` rule's `require_code_owner_review`.
    pub code_owners: bool,
}

/// What a pull request into the branch waits for, as preflight read it when the drill opened: recorded with the
/// opening, so that a refused merge (the drill's or its revert's) is decided from it without reading the guard
/// rails again on every run.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Gate {
    /// The required checks (classic protection and rulesets), by context.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<String>,
    /// A code owner's review is required.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub code_owners: bool,
}

impl GuardRails {
    /// What a pull request into the branch waits for (the rules the token bypasses left out).
    pub fn gate(&self) -> Gate {
        let mut g = Gate::default();
        let mut add = |names: &[String]| {
            for n in names {
                if !g.checks.contains(n) {
                    g.checks.push(n.clone());
                }
            }
        };
        // Admins pass classic protection unless it is enforced for them too.
        let passes = |c: &Classic| self.admin && !c.enforce_admins;
        match &self.classic {
            Some(c) if !passes(c) => add(&c.required_checks),
            Some(_) => {}
            None => add(&self.required_checks),
        }
        for r in self.rules.iter().filter(|r| r.bypass == "never") {
            add(&r.required_checks);
        }
        g.code_owners = self.classic.as_ref().is_some_and(|c| c.code_owners && !passes(c))
            || self.rules.iter().any(|r| r.bypass == "never" && r.code_owners);
        g
    }
}

/// What a rule does to the drill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocks {
    Neither,
    Merge,
    Revert,
    Both,
    /// Not known: the rules cannot be read with this token (`doctor` fails and names the permission to add).
    Unknown,
}

impl Blocks {
    pub fn word(self) -> &'static str {
        match self {
            Blocks::Unknown => "unknown",
            Blocks::Neither => "neither",
            Blocks::Merge => "the merge",
            Blocks::Revert => "the revert",
            Blocks::Both => "the merge and the revert",
        }
    }
}

/// One guard rail and its verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The rule, as people name it (`required review (1)`, `ruleset "staging": merge queue`).
    pub rule: String,
    pub blocks: Blocks,
    /// What happens, or what to change.
    pub how: String,
    /// Uncertain: the token cannot read everything (a warning, not a refusal).
    pub unsure: bool,
}

/// How the drill will meet the guard rails: the token's settings.
#[derive(Debug, Clone, Copy)]
pub struct Means {
    /// The merge method given; `None`: firedrill takes the first one GitHub allows.
    pub method: Option<MergeMethod>,
    pub approver: bool,
}

/// The verdict of every guard rail on `g`, in the order GitHub checks them.
pub fn verdicts(g: &GuardRails, m: Means) -> Vec<Verdict> {
    let mut out = Vec::new();
    let b = &g.branch;
    let row = |rule: String, blocks: Blocks, how: String| Verdict { rule, blocks, how, unsure: false };
    if let Some(c) = &g.classic {
        // Admins pass classic protection unless it is enforced for them too.
        let bypass = g.admin && !c.enforce_admins;
        let through = if bypass { " (the token is an admin and `enforce_admins` is off: it passes)" } else { "" };
        if let Some(n) = c.required_reviews {
            out.push(review(format!("required approving reviews ({n})"), bypass || m.approver, bypass, b));
        }
        if c.code_owners && !bypass {
            out.push(code_owners("required review from code owners".into(), m.approver, g.owners.as_ref(), b));
        }
        if !c.required_checks.is_empty() {
            out.push(checks(format!("required status checks{}", strict(c.strict)), &c.required_checks, bypass, b));
        }
        if let Some(allowed) = &c.restrictions {
            let listed = g.login.as_ref().is_some_and(|l| allowed.iter().any(|a| a.eq_ignore_ascii_case(l)));
            out.push(if listed || bypass {
                row("push restrictions".into(), Blocks::Neither, format!("the token's account may push{through}"))
            } else {
                row(
                    "push restrictions".into(),
                    Blocks::Both,
                    format!(
                        "only {} may push to `{b}`: add the drill token's user or App to the branch's push \
                         restrictions",
                        if allowed.is_empty() { "nobody".to_owned() } else { allowed.join(", ") }
                    ),
                )
            });
        }
        if c.required_signatures {
            out.push(signatures("required signatures".into(), bypass, b));
        }
        if c.linear_history {
            out.push(linear("required linear history".into(), m.method, b));
        }
        if out.is_empty() {
            out.push(row(
                "branch protection".into(),
                Blocks::Neither,
                format!("no rule of it stops a pull request merged and reverted through the API{through}"),
            ));
        }
    } else if g.protected && g.classic_enabled != Some(false) {
        // Classic protection the token cannot read (`GET /branches/{b}/protection` needs admin). A ruleset makes a
        // branch `protected` too, and rulesets are read below with any access: when GitHub does not say whether
        // classic protection is on and rulesets explain the protection, that is only a doubt.
        if !g.required_checks.is_empty() {
            out.push(checks("required status checks".into(), &g.required_checks, false, b));
        }
        let how = "a required review would need `approver-token`, and push restrictions must list the drill token's \
                   account";
        out.push(if g.classic_enabled.is_none() && !g.rules.is_empty() {
            Verdict {
                rule: "branch protection".into(),
                blocks: Blocks::Neither,
                how: format!(
                    "`{b}` is protected and its rulesets are read below; if it has classic protection too, the \
                     token cannot read it (that needs *Administration: read*): {how}"
                ),
                unsure: true,
            }
        } else {
            Verdict {
                rule: "branch protection".into(),
                blocks: Blocks::Unknown,
                how: format!(
                    "`{b}` has classic branch protection and the token cannot read its rules, so nothing can say \
                     whether a drill could land and be removed: give the drill token *Administration: read* on \
                     the target repository (a fine-grained token or a GitHub App; a classic token's account must \
                     be an admin of the repository), then run `doctor` again ({how})"
                ),
                unsure: true,
            }
        });
    }
    for r in &g.rules {
        let name = format!("ruleset \"{}\": {}", r.ruleset, r.kind.replace('_', " "));
        let bypass = matches!(r.bypass.as_str(), "always" | "exempt" | "pull_requests_only");
        let through = " (the token is on the ruleset's bypass list: it passes)";
        out.push(match r.kind.as_str() {
            "pull_request" if r.code_owners && !bypass => {
                code_owners(format!("{name} (code owners)"), m.approver, g.owners.as_ref(), b)
            }
            "pull_request" => {
                let mut v = review(name, bypass || m.approver || r.required_reviews == 0, bypass, b);
                if r.required_reviews == 0 && !bypass {
                    v.how = "changes go through a pull request: the drill does, and so does its revert".into();
                }
                v
            }
            "required_status_checks" => checks(name, &r.required_checks, bypass, b),
            "required_signatures" => signatures(name, bypass, b),
            "required_linear_history" => linear(name, m.method, b),
            "merge_queue" if bypass => row(name, Blocks::Neither, format!("merged directly{through}")),
            "merge_queue" => row(
                name,
                Blocks::Both,
                "GitHub's REST API cannot merge into a branch with a merge queue: add the drill token's user or \
                 App to the ruleset's bypass list, or drill a branch without a merge queue"
                    .to_owned(),
            ),
            "update" if bypass => row(name, Blocks::Neither, format!("updates are restricted{through}")),
            "update" => row(
                name,
                Blocks::Both,
                "nobody may update the branch: add the drill token's user or App to the ruleset's bypass list".into(),
            ),
            "non_fast_forward" | "deletion" | "creation" => {
                row(name, Blocks::Neither, "firedrill never force-pushes, deletes or creates the branch".into())
            }
            _ => Verdict {
                rule: name,
                blocks: Blocks::Neither,
                how: "not a rule firedrill knows: check it by hand".into(),
                unsure: true,
            },
        });
    }
    out
}

/// Where GitHub looks for CODEOWNERS on a branch, in its order.
pub const CODEOWNERS_PATHS: [&str; 3] = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

/// The owners CODEOWNERS `text` gives `path` (a repository path without a leading slash): the last matching line
/// wins, as on GitHub; `@` is dropped (`ana`, `acme/platform` for a team), emails are kept. Patterns follow
/// gitignore: a leading or inner `/` anchors to the root, a trailing `/` is a folder, `*` stays in a segment, `**`
/// crosses segments.
pub fn code_owners_of(text: &str, path: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        let mut words = line.split_whitespace();
        let Some(pattern) = words.next() else { continue };
        if owns(pattern, path) {
            found = words.map(|w| w.trim_start_matches('@').to_owned()).collect();
        }
    }
    found
}

fn owns(pattern: &str, path: &str) -> bool {
    let anchored = pattern.starts_with('/') || pattern.trim_end_matches('/').contains('/');
    let p = pattern.trim_start_matches('/');
    let p = p.strip_suffix('/').map_or_else(|| p.to_owned(), |dir| format!("{dir}/**"));
    let whole =
        |text: &str| fnmatch(p.as_bytes(), text.as_bytes()) || fnmatch(format!("{p}/**").as_bytes(), text.as_bytes());
    if anchored {
        return whole(path);
    }
    let mut starts = vec![0];
    starts.extend(path.match_indices('/').map(|(i, _)| i + 1));
    starts.into_iter().any(|i| whole(&path[i..]))
}

/// fnmatch as CODEOWNERS uses it: `*` and `?` stay within one path segment, `**` crosses them.
fn fnmatch(p: &[u8], t: &[u8]) -> bool {
    match p {
        [] => t.is_empty(),
        [b'*', b'*', rest @ ..] => (0..=t.len()).any(|i| fnmatch(rest, &t[i..])),
        [b'*', rest @ ..] => (0..=t.len()).take_while(|&i| !t[..i].contains(&b'/')).any(|i| fnmatch(rest, &t[i..])),
        [b'?', rest @ ..] => t.first().is_some_and(|c| *c != b'/') && fnmatch(rest, &t[1..]),
        [c, rest @ ..] => t.first() == Some(c) && fnmatch(rest, &t[1..]),
    }
}

/// Why a drill on `g` must not open: the guard rails that block the merge or the revert, with their fixes.
pub fn refusal(verdicts: &[Verdict]) -> Option<String> {
    let blocking: Vec<String> = verdicts
        .iter()
        .filter(|v| v.blocks != Blocks::Neither && !v.unsure)
        .map(|v| format!("{} blocks {}: {}", v.rule, v.blocks.word(), v.how))
        .collect();
    (!blocking.is_empty()).then(|| blocking.join("; "))
}

fn strict(on: bool) -> &'static str {
    if on { ", strict" } else { "" }
}

fn review(rule: String, passes: bool, bypass: bool, b: &str) -> Verdict {
    let (blocks, how) = if bypass {
        (Blocks::Neither, "the token passes it".to_owned())
    } else if passes {
        (
            Blocks::Neither,
            "the approver token approves the drill's pull request (and firedrill's revert pull request) right \
             before merging"
                .to_owned(),
        )
    } else {
        (
            Blocks::Both,
            format!(
                "`{b}` needs an approving review from another account: set `approver-token` (FIREDRILL_APPROVER_TOKEN) \
                 to a second account's token with write access, or add the drill token to the bypass list"
            ),
        )
    };
    Verdict { rule, blocks, how, unsure: false }
}

/// A code owner must approve: only an approver who owns the drill's path in CODEOWNERS can give that review, which
/// firedrill cannot tell from here (teams, patterns): a warning with an approver, a refusal without one.
fn code_owners(rule: String, approver: bool, owners: Option<&Owners>, b: &str) -> Verdict {
    let row = |blocks: Blocks, how: String, unsure: bool| Verdict { rule: rule.clone(), blocks, how, unsure };
    if let (true, Some(o)) = (approver, owners) {
        let path = &o.path;
        let named = o.owners.iter().map(|n| format!("@{n}")).collect::<Vec<_>>().join(", ");
        let owns = o.approver.as_ref().is_some_and(|a| o.owners.iter().any(|n| n.eq_ignore_ascii_case(a)));
        let who = o.approver.as_deref().unwrap_or("the approver");
        return if o.owners.is_empty() {
            row(
                Blocks::Neither,
                format!("CODEOWNERS names nobody for `{path}`: no code owner's review is needed"),
                false,
            )
        } else if owns {
            row(Blocks::Neither, format!("the approver `{who}` owns `{path}` in CODEOWNERS ({named})"), false)
        } else if o.owners.iter().any(|n| n.contains('/') || n.contains('@')) {
            // A team or an email: who is in it cannot be read from here.
            row(
                Blocks::Neither,
                format!(
                    "`{path}` is owned by {named} in CODEOWNERS: the approver `{who}` must be one of them (a team's \
                     member), or the merge is refused and the drill abandoned"
                ),
                true,
            )
        } else {
            row(
                Blocks::Both,
                format!(
                    "`{b}` needs a code owner's approval of `{path}`, owned by {named} in CODEOWNERS, and the approver \
                     `{who}` is none of them: set `approver-token` to one of theirs, or add the drill token to the \
                     bypass list"
                ),
                false,
            )
        };
    }
    if approver {
        Verdict {
            rule,
            blocks: Blocks::Neither,
            how: format!(
                "`{b}` needs a code owner's approval: the approver token's account must own the drill's file (and \
                 the revert's) in CODEOWNERS, or the merge is refused and the drill abandoned"
            ),
            unsure: true,
        }
    } else {
        Verdict {
            rule,
            blocks: Blocks::Both,
            how: format!(
                "`{b}` needs a code owner's approval: set `approver-token` (FIREDRILL_APPROVER_TOKEN) to the token of \
                 an account that owns the drill's file in CODEOWNERS, or add the drill token to the bypass list"
            ),
            unsure: false,
        }
    }
}

fn checks(rule: String, names: &[String], bypass: bool, b: &str) -> Verdict {
    let list = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
    let how = if bypass {
        format!("the token passes them ({list})")
    } else {
        format!(
            "the merge waits (up to `merge.max_wait`) for {list}, which must be able to pass on a config change; the \
             revert goes through a pull request into `{b}` and waits for them too"
        )
    };
    Verdict { rule, blocks: Blocks::Neither, how, unsure: false }
}

fn signatures(rule: String, bypass: bool, b: &str) -> Verdict {
    let how = if bypass {
        "the token passes it".to_owned()
    } else {
        format!(
            "commits made through the API are unsigned, so the revert cannot be pushed to `{b}` directly: it goes \
             through a pull request, which GitHub merges with a signed commit"
        )
    };
    Verdict { rule, blocks: Blocks::Neither, how, unsure: false }
}

fn linear(rule: String, method: Option<MergeMethod>, b: &str) -> Verdict {
    if method.is_none() {
        return Verdict {
            rule,
            blocks: Blocks::Neither,
            how: "merge commits are refused: firedrill merges with squash or fast-forward".into(),
            unsure: false,
        };
    }
    if method == Some(MergeMethod::Merge) {
        Verdict {
            rule,
            blocks: Blocks::Merge,
            how: format!("`{b}` refuses merge commits: merge drills with `squash` or `fast-forward`"),
            unsure: false,
        }
    } else {
        Verdict { rule, blocks: Blocks::Neither, how: "no merge commit is made".into(), unsure: false }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn means(approver: bool) -> Means {
        Means { method: Some(MergeMethod::Merge), approver }
    }

    #[test]
    fn a_required_review_blocks_both_without_an_approver_and_neither_with_one() {
        let g = GuardRails {
            branch: "main".into(),
            protected: true,
            classic: Some(Classic { required_reviews: Some(1), ..Classic::default() }),
            ..GuardRails::default()
        };
        let without = verdicts(&g, means(false));
        assert_eq!(without[0].blocks, Blocks::Both);
        assert!(refusal(&without).unwrap().contains("set `approver-token`"), "{without:?}");
        assert_eq!(verdicts(&g, means(true))[0].blocks, Blocks::Neither);
        assert!(refusal(&verdicts(&g, means(true))).is_none());
        // An admin passes classic protection unless enforce_admins.
        let admin = GuardRails { admin: true, ..g.clone() };
        assert!(refusal(&verdicts(&admin, means(false))).is_none());
        let mut enforced = admin.clone();
        enforced.classic.as_mut().unwrap().enforce_admins = true;
        assert!(refusal(&verdicts(&enforced, means(false))).is_some());
    }

    #[test]
    fn codeowners_take_the_last_matching_line() {
        let text = "# owners\n* @acme\n/charts/ @ana @acme/platform\n*.md @docs\ncharts/x/values-prod.yaml @sre\n";
        assert_eq!(code_owners_of(text, "README.md"), ["docs"]);
        assert_eq!(code_owners_of(text, "charts/x/values-staging.yaml"), ["ana", "acme/platform"]);
        assert_eq!(code_owners_of(text, "charts/x/values-prod.yaml"), ["sre"]);
        assert_eq!(code_owners_of(text, "src/main.rs"), ["acme"]);
        assert!(code_owners_of("/docs/ @ana\n", "charts/docs/x").is_empty(), "anchored to the root");
        assert_eq!(code_owners_of("docs/ @ana\n", "a/docs/y.md"), ["ana"], "a folder anywhere");
    }

    #[test]
    fn a_code_owner_rule_refuses_an_approver_who_owns_nothing_and_warns_about_teams() {
        let g = |owners: &[&str], approver: &str| GuardRails {
            branch: "main".into(),
            rules: vec![RulesetRule {
                kind: "pull_request".into(),
                ruleset: "staging".into(),
                bypass: "never".into(),
                required_reviews: 1,
                required_checks: vec![],
                code_owners: true,
            }],
            owners: Some(Owners {
                path: "charts/values.yaml".into(),
                owners: owners.iter().map(|o| (*o).to_owned()).collect(),
                approver: Some(approver.into()),
            }),
            ..GuardRails::default()
        };
        let refused = refusal(&verdicts(&g(&["ana"], "bob"), means(true))).unwrap();
        assert!(refused.contains("owned by @ana in CODEOWNERS, and the approver `bob` is none of them"), "{refused}");
        assert!(refusal(&verdicts(&g(&["Ana"], "ana"), means(true))).is_none());
        let team = verdicts(&g(&["acme/platform"], "bob"), means(true));
        assert!(team[0].unsure && refusal(&team).is_none(), "{team:?}");
        assert!(refusal(&verdicts(&g(&[], "bob"), means(true))).is_none(), "nobody owns the file");
    }

    #[test]
    fn a_merge_queue_or_push_restrictions_refuse_unless_the_token_passes() {
        let queue = |bypass: &str| GuardRails {
            branch: "main".into(),
            rules: vec![RulesetRule {
                kind: "merge_queue".into(),
                ruleset: "staging".into(),
                bypass: bypass.into(),
                required_reviews: 0,
                required_checks: vec![],
                code_owners: false,
            }],
            ..GuardRails::default()
        };
        let v = verdicts(&queue("never"), means(true));
        assert_eq!(v[0].rule, "ruleset \"staging\": merge queue");
        assert!(refusal(&v).unwrap().contains("bypass list"));
        assert!(refusal(&verdicts(&queue("always"), means(false))).is_none());
        let restricted = GuardRails {
            branch: "main".into(),
            protected: true,
            login: Some("sam".into()),
            classic: Some(Classic { restrictions: Some(vec!["deploy-bot".into()]), ..Classic::default() }),
            ..GuardRails::default()
        };
        assert_eq!(verdicts(&restricted, means(true))[0].blocks, Blocks::Both);
        let mut listed = restricted.clone();
        listed.login = Some("deploy-bot".into());
        assert!(refusal(&verdicts(&listed, means(true))).is_none());
    }

    #[test]
    fn checks_and_signatures_never_refuse_and_an_unreadable_protection_only_warns() {
        let g = GuardRails {
            branch: "main".into(),
            protected: true,
            classic: Some(Classic {
                required_checks: vec!["deploy-staging".into()],
                strict: true,
                required_signatures: true,
                ..Classic::default()
            }),
            ..GuardRails::default()
        };
        let v = verdicts(&g, means(false));
        assert_eq!(v.len(), 2);
        assert!(v[0].how.contains("`deploy-staging`, which must be able to pass"), "{}", v[0].how);
        assert!(refusal(&v).is_none());
        // Classic protection the token cannot read: unknown (doctor fails), never a refusal of the lifecycle.
        let unreadable = GuardRails { branch: "main".into(), protected: true, ..GuardRails::default() };
        let v = verdicts(&unreadable, means(false));
        assert!(v[0].unsure && v[0].blocks == Blocks::Unknown && refusal(&v).is_none(), "{v:?}");
        assert!(v[0].how.contains("*Administration: read*"), "{}", v[0].how);
        // A ruleset alone makes the branch protected: no classic protection to read, no doubt.
        let ruled = GuardRails { classic_enabled: Some(false), ..unreadable.clone() };
        assert!(verdicts(&ruled, means(false)).is_empty());
    }
}
