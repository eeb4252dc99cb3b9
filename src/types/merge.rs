//! How a change request lands on its base branch.

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
