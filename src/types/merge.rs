//! How a change request lands on its base branch, and the words people choose one with.

/// How a change request lands on its base branch (the three buttons forges offer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MergeMethod {
    /// A merge commit with parents (base, head), even when a fast-forward were possible (forges' "merge").
    Merge,
    /// One new commit on base with the merged tree and base as its only parent.
    Squash,
    /// Base moves to head; only possible when base is an ancestor of head.
    FastForward,
}

impl MergeMethod {
    /// `first`, then the others in the order firedrill tries them where it chooses: merge, squash, fast-forward.
    pub fn in_turn_from(first: MergeMethod) -> Vec<MergeMethod> {
        let mut order = vec![first];
        for m in [MergeMethod::Merge, MergeMethod::Squash, MergeMethod::FastForward] {
            if m != first {
                order.push(m);
            }
        }
        order
    }
}

/// A word that names no merge method.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a merge method")]
pub struct UnknownMergeMethod(pub String);

impl MergeMethod {
    /// The method people choose (`--merge-method`, the Action's `merge-method` input): `merge`, `squash`,
    /// `fast-forward` or `rebase` (GitHub's word for it); `auto` or nothing leaves it to the scenario's
    /// `merge.method`, else to what the repository allows (`None`).
    pub fn choice(word: &str) -> Result<Option<MergeMethod>, UnknownMergeMethod> {
        match word {
            "" | "auto" => Ok(None),
            "merge" => Ok(Some(MergeMethod::Merge)),
            "squash" => Ok(Some(MergeMethod::Squash)),
            "fast-forward" | "rebase" => Ok(Some(MergeMethod::FastForward)),
            other => Err(UnknownMergeMethod(other.to_owned())),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_words_people_choose_a_method_with() {
        assert_eq!(MergeMethod::choice("auto"), Ok(None));
        assert_eq!(MergeMethod::choice(""), Ok(None));
        assert_eq!(MergeMethod::choice("merge"), Ok(Some(MergeMethod::Merge)));
        assert_eq!(MergeMethod::choice("squash"), Ok(Some(MergeMethod::Squash)));
        assert_eq!(MergeMethod::choice("fast-forward"), Ok(Some(MergeMethod::FastForward)));
        assert_eq!(MergeMethod::choice("rebase"), Ok(Some(MergeMethod::FastForward)));
        assert_eq!(MergeMethod::choice("octopus"), Err(UnknownMergeMethod("octopus".into())));
    }
}

/// What a forge's refused merge asks for that firedrill can give itself; the step decides to give it (an
/// [`Effect`](crate::drill::step::Effect)), then the merge is sent again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeNeed {
    /// A review is required: the approver's approval of the change at `head`.
    Approval { head: super::CommitSha },
    /// A strict branch wants the change's head up to date with its base.
    UpToDate(Behind),
}

/// A change a strict branch refused to merge as behind its base: brought up to date (GitHub's `update-branch`,
/// expecting `head`), its required checks run again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Behind {
    pub head: super::CommitSha,
    /// The forge's words for the refusal (their first line, as `forge::refused::first_line` reads them).
    pub refused: String,
    /// The head firedrill moved in an earlier run, which later merges must expect.
    pub moved: Option<super::CommitSha>,
}

/// A revert the base branch refused to take directly (branch protection, a ruleset): the revert commit built on
/// its tip, the forge's words (its first line), and the revert's message. It lands through a change request,
/// as a colleague's would: the step decides ([`Effect::OpenRevertChange`](crate::drill::step::Effect)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevertRefused {
    pub reverted: super::CommitSha,
    pub refused: String,
    pub message: String,
}
