//! Places in scenarios: JSON pointers into a document, file paths inside a repository, and repositories
//! (`owner/name`, a git URL or a local path).

use std::str::FromStr;

use super::ValueError;
use super::names::GithubLogin;
use crate::scenario::yaml::quote;

/// An RFC 6901 JSON pointer such as `/spec/replicas` (the empty string is the whole document).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JsonPointer(pub(super) String);

impl JsonPointer {
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The pointer split into unescaped tokens.
    pub fn pointer(&self) -> crate::patch::Pointer {
        crate::patch::Pointer::parse(&self.0).unwrap_or_default()
    }
    /// Whether `self` is `other` or one of its ancestors.
    pub fn contains(&self, other: &JsonPointer) -> bool {
        let (a, b) = (self.pointer().tokens, other.pointer().tokens);
        b.starts_with(&a)
    }
}

impl FromStr for JsonPointer {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        if !s.is_empty() && !s.starts_with('/') {
            let guess = if s.contains('.') && !s.contains('/') {
                format!("/{}", s.split('.').collect::<Vec<_>>().join("/"))
            } else {
                format!("/{s}")
            };
            return Err(ValueError::new(format!("{} is not a JSON pointer: it must start with `/`", quote(s)))
                .hint(format!("write `{guess}` (keys separated by `/`, list items by their index)")));
        }
        crate::patch::Pointer::parse(s).map_err(|e| ValueError {
            message: format!("{} is not a valid JSON pointer: {}", quote(s), e.message),
            hint: e.hint,
        })?;
        Ok(JsonPointer(s.to_owned()))
    }
}

string_value!(JsonPointer, "JsonPointer", "a JSON pointer such as `/spec/replicas`", {
    "type": "string",
    "description": "An RFC 6901 JSON pointer: `/`-separated keys and list indexes, `~` written `~0` and `/` written `~1`.",
    "pattern": "^(/([^~]|~[01])*)*$",
    "examples": ["/spec/replicas"]
});

/// A file path inside a repository, relative to its root, with `/` separators.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RepoPath(String);

impl RepoPath {
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn as_path(&self) -> &std::path::Path {
        std::path::Path::new(&self.0)
    }
}

impl FromStr for RepoPath {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let err = |why: &str| ValueError::new(format!("{} is not a file path inside the repository: {why}", quote(s)));
        if s.is_empty() {
            return Err(ValueError::new("the path is empty")
                .hint("give the file's path from the repository root, such as `deploy/values.yaml`"));
        }
        if s.starts_with('/') {
            return Err(err("it is absolute")
                .hint(format!("write it from the repository root: `{}`", s.trim_start_matches('/'))));
        }
        if s.contains('\\') {
            return Err(err("it contains `\\`").hint(format!("separate folders with `/`: `{}`", s.replace('\\', "/"))));
        }
        if s.ends_with('/') {
            return Err(err("it names a folder").hint("name the file itself, such as `deploy/values.yaml`"));
        }
        if s.split('/').any(|seg| seg.is_empty() || seg == "." || seg == "..") {
            return Err(err("it has an empty, `.` or `..` segment")
                .hint("write the plain path from the repository root, such as `deploy/values.yaml`"));
        }
        if s.split('/').any(|seg| seg.eq_ignore_ascii_case(".git")) {
            // git's own folder holds its configuration and credentials, never a drill's target.
            return Err(err("it goes through `.git`, git's own folder")
                .hint("target a file of the repository's content, such as `deploy/values.yaml`"));
        }
        Ok(RepoPath(s.to_owned()))
    }
}

string_value!(RepoPath, "RepoPath", "a path such as `deploy/values.yaml`", {
    "type": "string",
    "description": "A file path from the repository root, with `/` separators and no `.` or `..` segments.",
    "examples": ["deploy/staging/values.yaml"]
});

/// Where a repository is: `owner/name` on GitHub, a git URL (`https://…`, `ssh://…`, `git@host:path`,
/// `file://…`) or a local path (`/…`, `./…`, `../…`, `~/…`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RepoRef(String);

/// The kinds of [`RepoRef`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepoKind {
    GitHub,
    Url,
    Path,
}

impl RepoRef {
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn kind(&self) -> RepoKind {
        let s = &self.0;
        if s.starts_with(['/', '.', '~']) {
            RepoKind::Path
        } else if s.contains("://") || s.contains('@') {
            RepoKind::Url
        } else {
            RepoKind::GitHub
        }
    }
}

impl FromStr for RepoRef {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let err = || {
            ValueError::new(format!("{} is not a repository", quote(s)))
                .hint("write `owner/name` for GitHub, a git URL such as `https://git.example.com/team/config.git`, or a path such as `../config`")
        };
        if s.is_empty() || s.chars().any(char::is_whitespace) {
            return Err(err());
        }
        if s.starts_with(['/', '~']) || s.starts_with("./") || s.starts_with("../") || s == "." || s == ".." {
            return Ok(RepoRef(s.to_owned()));
        }
        if let Some((scheme, rest)) = s.split_once("://") {
            let known = ["https", "http", "ssh", "git", "file"];
            if !known.contains(&scheme) || rest.is_empty() {
                return Err(err());
            }
            return Ok(RepoRef(s.to_owned()));
        }
        if let Some((userhost, path)) = s.split_once(':')
            && userhost.contains('@')
            && !path.is_empty()
        {
            return Ok(RepoRef(s.to_owned()));
        }
        let name_ok = |n: &str| {
            !n.is_empty() && n != "." && n != ".." && n.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        };
        match s.split_once('/') {
            Some((owner, name)) if owner.parse::<GithubLogin>().is_ok() && name_ok(name) => Ok(RepoRef(s.to_owned())),
            Some((_, name)) if name.contains('/') => {
                Err(err().hint("a GitHub repository is exactly `owner/name`; for another host write its full URL"))
            }
            _ => Err(err()),
        }
    }
}

string_value!(RepoRef, "RepoRef", "`owner/name`, a git URL or a path", {
    "type": "string",
    "description": "A repository: `owner/name` on GitHub, a git URL (`https://…`, `ssh://…`, `git@host:path`, `file://…`) or a local path (`/…`, `./…`, `../…`).",
    "examples": ["acme/staging-config", "https://gitlab.example.com/acme/config.git", "../config"]
});
