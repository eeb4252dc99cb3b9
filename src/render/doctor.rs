//! `firedrill doctor`'s readiness table: one row per check, then the verdict. Pure, snapshot-tested.

use std::fmt::Write as _;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

/// One check of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub check: String,
    pub status: Status,
    pub detail: String,
}

/// The row of a token GitHub rejects (401): the only row `doctor` prints then, since every other check would
/// fail the same way. `message` is GitHub's (`Bad credentials`); the token itself is never shown.
pub fn token_rejected(message: &str) -> Row {
    Row {
        check: "token".into(),
        status: Status::Fail,
        detail: format!(
            "GitHub answered 401 ({message}): the token in FIREDRILL_TOKEN (the Action's `drill-token`) is wrong, \
             expired or revoked; create a new one as docs/tokens.md says, set FIREDRILL_TOKEN to it and run \
             `doctor` again (nothing else was checked)"
        ),
    }
}

/// The table in aligned columns, and the verdict on the last line.
pub fn table(rows: &[Row]) -> String {
    let width = rows.iter().map(|r| r.check.chars().count()).max().unwrap_or(5).max(5);
    let mut out = format!("{:<width$}  STATUS  DETAIL\n", "CHECK");
    for r in rows {
        let status = match r.status {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
        };
        let _ = writeln!(out, "{:<width$}  {status:<6}  {}", r.check, r.detail);
    }
    let failed = rows.iter().filter(|r| r.status == Status::Fail).count();
    let warned = rows.iter().filter(|r| r.status == Status::Warn).count();
    out.push_str(&match (failed, warned) {
        (0, 0) => "Ready for the first drill.\n".to_owned(),
        (0, w) => format!("Ready, with {w} warning(s).\n"),
        (f, _) => format!("Not ready: {f} check(s) failed.\n"),
    });
    out
}

/// Why a drill made with this token shows as a bot's work, from the token alone: an App installation token
/// (`ghs_`, which the workflow's `GITHUB_TOKEN` also is) opens pull requests and authors squash and rebase commits
/// as `APP[bot]` or `github-actions[bot]`, whatever `identity` says (it names the drill commit's author only).
/// `None`: a person's token.
pub fn bot_token(token: &str, workflow_token: Option<&str>) -> Option<&'static str> {
    if workflow_token.is_some_and(|w| !w.is_empty() && w == token) {
        Some("the drill token is the workflow's GITHUB_TOKEN")
    } else if token.starts_with("ghs_") {
        Some("the drill token is a GitHub App installation token")
    } else {
        None
    }
}

/// The warning `doctor` and `preview` give before the first drill when [`bot_token`] says why, with the way out.
pub fn bot_warning(why: &str) -> String {
    format!(
        "{why}: the drill's pull request, its comments and its squash or rebase commits will show a bot as their \
         author (`APP[bot]`, `github-actions[bot]`), which no colleague is, and `identity` does not change that (it \
         names the drill commit's author only). Use a person's fine-grained personal access token as the drill token \
         (Contents and Pull requests: write), from an account the team knows, and set `identity` to match it"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(check: &str, status: Status, detail: &str) -> Row {
        Row { check: check.into(), status, detail: detail.into() }
    }

    #[test]
    fn app_and_workflow_tokens_show_as_bots() {
        assert_eq!(bot_token("ghs_abc", None), Some("the drill token is a GitHub App installation token"));
        assert_eq!(bot_token("ghs_abc", Some("ghs_abc")), Some("the drill token is the workflow's GITHUB_TOKEN"));
        assert_eq!(bot_token("github_pat_11AB", Some("ghs_abc")), None);
        assert_eq!(bot_token("ghp_abc", None), None);
        insta::assert_snapshot!(bot_warning("the drill token is a GitHub App installation token"));
    }

    #[test]
    fn a_table_with_every_status_and_its_verdict() {
        let rows = [
            row("token", Status::Ok, "fine-grained personal access token"),
            row("redis: branch", Status::Ok, "main of acme/shop at 1a2b3c4"),
            row("redis: next drill", Status::Warn, "in 97 days: GitHub pauses schedules after 60 days"),
            row("ledger", Status::Fail, "acme/drills: not found"),
        ];
        insta::assert_snapshot!(table(&rows));
        assert!(table(&rows[..2]).ends_with("Ready for the first drill.\n"));
        assert!(table(&rows[..3]).ends_with("Ready, with 1 warning(s).\n"));
    }

    #[test]
    fn a_rejected_token_is_the_only_row() {
        insta::assert_snapshot!(table(&[token_rejected("Bad credentials")]));
    }
}
