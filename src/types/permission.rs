//! What someone may do on a repository, in GitHub's words.

use std::fmt;

/// A person's permission on a repository, as GitHub's collaborator-permission API names it (its `role_name`:
/// team and organisation access included): `admin`, `maintain`, `write`, `triage`, `read`, `none`; a custom
/// repository role keeps its own name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(from = "String", into = "String")]
pub enum Permission {
    Admin,
    Maintain,
    Write,
    Triage,
    Read,
    /// No access (GitHub's `none`, or not a collaborator at all).
    NoAccess,
    /// A custom repository role, by its name.
    Custom(String),
}

impl Permission {
    /// GitHub's built-in roles, strongest first.
    pub const BUILT_IN: [Permission; 6] = [
        Permission::Admin,
        Permission::Maintain,
        Permission::Write,
        Permission::Triage,
        Permission::Read,
        Permission::NoAccess,
    ];

    /// The word GitHub uses.
    pub fn as_str(&self) -> &str {
        match self {
            Permission::Admin => "admin",
            Permission::Maintain => "maintain",
            Permission::Write => "write",
            Permission::Triage => "triage",
            Permission::Read => "read",
            Permission::NoAccess => "none",
            Permission::Custom(name) => name,
        }
    }

    /// Whether it lets people push to the repository (write access or more).
    pub fn can_write(&self) -> bool {
        matches!(self, Permission::Admin | Permission::Maintain | Permission::Write)
    }
}

/// GitHub's word; any other is a custom role's name.
impl From<&str> for Permission {
    fn from(word: &str) -> Permission {
        Permission::BUILT_IN
            .into_iter()
            .find(|p| p.as_str() == word)
            .unwrap_or_else(|| Permission::Custom(word.to_owned()))
    }
}

impl From<String> for Permission {
    fn from(word: String) -> Permission {
        Permission::from(word.as_str())
    }
}

impl From<Permission> for String {
    fn from(p: Permission) -> String {
        p.as_str().to_owned()
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn github_words_read_and_print_back() {
        for (word, p) in ["admin", "maintain", "write", "triage", "read", "none"].into_iter().zip(Permission::BUILT_IN)
        {
            assert_eq!(Permission::from(word), p);
            assert_eq!(p.to_string(), word);
            assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{word}\""));
        }
        assert_eq!(Permission::from("release-manager"), Permission::Custom("release-manager".into()));
        assert_eq!(Permission::from("release-manager").to_string(), "release-manager");
        let writers: Vec<bool> = Permission::BUILT_IN.iter().map(Permission::can_write).collect();
        assert_eq!(writers, [true, true, true, false, false, false]);
        assert!(!Permission::Custom("write-ish".into()).can_write());
    }
}
