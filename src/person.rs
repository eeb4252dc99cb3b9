//! A person as git and forges know them: a name and an email. The one person type of firedrill. Pure.

use std::fmt;

/// Someone who writes commits: the drill token's owner, a disguise's author, a responder who reverted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Person {
    pub name: String,
    pub email: String,
}

impl Person {
    pub fn new(name: impl Into<String>, email: impl Into<String>) -> Person {
        Person { name: name.into(), email: email.into() }
    }

    /// `Name <email>` (as `git log` shows it) into a person.
    pub fn parse(s: &str) -> Result<Person, String> {
        let s = s.trim();
        let bad = || format!("`{s}` is not of the form `Name <email>`");
        let (name, rest) = s.split_once('<').ok_or_else(bad)?;
        let email = rest.strip_suffix('>').ok_or_else(bad)?;
        if name.trim().is_empty() || !email.contains('@') {
            return Err(bad());
        }
        Ok(Person::new(name.trim(), email.trim()))
    }
}

impl fmt::Display for Person {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} <{}>", self.name, self.email)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_git_identities() {
        let p = Person::parse(" Sam Rivera <sam@acme.example> ").unwrap();
        assert_eq!(p, Person::new("Sam Rivera", "sam@acme.example"));
        assert_eq!(p.to_string(), "Sam Rivera <sam@acme.example>");
        assert!(Person::parse("Sam").is_err());
        assert!(Person::parse("<sam@acme.example>").is_err());
        assert!(Person::parse("Sam <nope>").is_err());
    }
}
