//! The messages git itself writes, so that what firedrill lands reads like any other commit (pure).

use super::CommitSha;

/// A commit's subject as git shows it (`%s`): its first paragraph on one line.
pub fn subject(message: &str) -> String {
    let message = message.trim_start_matches(['\n', '\r']);
    let first = message.split("\n\n").next().unwrap_or("");
    first.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What `git revert` writes for commit `sha` with `message` and `parents`: `Revert "SUBJECT"` and `This reverts
/// commit SHA.`; a merge commit is reverted against its first parent (`git revert -m 1`, what a forge's revert of
/// a merged pull request does), and git says so: `This reverts commit SHA, reversing\nchanges made to PARENT.`
pub fn revert_message(sha: &CommitSha, message: &str, parents: &[CommitSha]) -> String {
    let subject = subject(message);
    match parents {
        [first, _, ..] => {
            format!("Revert \"{subject}\"\n\nThis reverts commit {sha}, reversing\nchanges made to {first}.\n")
        }
        _ => format!("Revert \"{subject}\"\n\nThis reverts commit {sha}.\n"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sha(c: char) -> CommitSha {
        CommitSha::parse(&c.to_string().repeat(40)).unwrap()
    }

    #[test]
    fn a_revert_reads_like_git_revert() {
        let (a, b, c) = (sha('a'), sha('b'), sha('c'));
        assert_eq!(
            revert_message(&a, "Merge pull request #7 from acme/tune-pool\n\nTune pool", &[b.clone(), c]),
            format!(
                "Revert \"Merge pull request #7 from acme/tune-pool\"\n\nThis reverts commit {a}, reversing\nchanges made to {b}.\n"
            )
        );
        assert_eq!(
            revert_message(&a, "chore(redis): tune pool (#7)\n\nLonger timeout.", std::slice::from_ref(&b)),
            format!("Revert \"chore(redis): tune pool (#7)\"\n\nThis reverts commit {a}.\n")
        );
        // A subject written over two lines is one line to git.
        assert_eq!(subject("Tune\nredis pool\n\nWhy."), "Tune redis pool");
    }
}
