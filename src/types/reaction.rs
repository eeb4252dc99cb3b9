//! The reactions firedrill leaves on a comment it read, in GitHub's words.

use std::fmt;

/// A reaction on a comment (GitHub's reaction `content`): what firedrill says with one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reaction {
    /// Seen: the comment's commands are being handled.
    Eyes,
    /// Every command obeyed.
    Rocket,
    /// Something in the comment was not obeyed.
    Confused,
}

impl Reaction {
    /// GitHub's `content` word.
    pub fn as_str(self) -> &'static str {
        match self {
            Reaction::Eyes => "eyes",
            Reaction::Rocket => "rocket",
            Reaction::Confused => "confused",
        }
    }
}

impl fmt::Display for Reaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reactions_are_githubs_words() {
        for (r, word) in [(Reaction::Eyes, "eyes"), (Reaction::Rocket, "rocket"), (Reaction::Confused, "confused")] {
            assert_eq!(r.to_string(), word);
            assert_eq!(serde_json::to_value(r).unwrap(), serde_json::json!(word));
        }
    }
}
