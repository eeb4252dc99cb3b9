//! Which kind of environment a declared name is: production, staging, something else, or unknown.

use crate::scenario::{Environments, glob_match, words};

/// What an environment is. Ordered by what is at stake: a route is as dangerous as its most dangerous name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// No name firedrill can read says which environment this is.
    Unknown,
    /// Development, test, preview: neither production nor staging.
    Other,
    Staging,
    Production,
}

impl Class {
    pub fn word(self) -> &'static str {
        match self {
            Class::Unknown => "unknown",
            Class::Other => "other",
            Class::Staging => "staging",
            Class::Production => "production",
        }
    }
}

/// Words that name production (whole words of the name; see [`crate::scenario::words`]).
const PRODUCTION: [&str; 4] = ["prod", "production", "live", "prd"];
/// Words that name staging.
const STAGING: [&str; 6] = ["staging", "stage", "stg", "preprod", "preproduction", "prestaging"];
/// Words that name other environments.
const OTHER: [&str; 21] = [
    "dev",
    "tests",
    "develop",
    "development",
    "test",
    "testing",
    "tst",
    "qa",
    "sandbox",
    "demo",
    "local",
    "ci",
    "e2e",
    "integration",
    "uat",
    "review",
    "preview",
    "nonprod",
    "perf",
    "playground",
    "lab",
];

/// The class of the environment called `name`: as `firedrill.yml` lists it (`environments:`, patterns with
/// `*`, case-insensitive), else by its words: `pre-prod` is staging and `non-prod` other before `prod` is
/// production; production words win over the others (`prod-staging` is production).
pub fn classify(name: &str, named: &Environments) -> Class {
    let lower = name.trim().to_ascii_lowercase();
    for (list, class) in
        [(&named.production, Class::Production), (&named.staging, Class::Staging), (&named.other, Class::Other)]
    {
        if list.iter().any(|p| glob_match(&p.trim().to_ascii_lowercase(), &lower)) {
            return class;
        }
    }
    let w = words(name);
    let mut found = Class::Unknown;
    for (i, word) in w.iter().enumerate() {
        let before = i.checked_sub(1).map(|j| w[j].as_str());
        let class = match word.as_str() {
            "prod" | "production" if before == Some("pre") => Class::Staging,
            "prod" | "production" if before == Some("non") => Class::Other,
            x if PRODUCTION.contains(&x) => Class::Production,
            x if STAGING.contains(&x) => Class::Staging,
            x if OTHER.contains(&x) => Class::Other,
            _ => Class::Unknown,
        };
        found = found.max(class);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_by_their_words() {
        let none = Environments::default();
        for (name, class) in [
            ("production", Class::Production),
            ("prod-eu-west-1", Class::Production),
            ("https://prod.k8s.example.com", Class::Production),
            ("podinfo-live", Class::Production),
            ("staging", Class::Staging),
            ("stg", Class::Staging),
            ("pre-prod", Class::Staging),
            ("preprod", Class::Staging),
            ("non-prod", Class::Other),
            ("dev", Class::Other),
            ("qa", Class::Other),
            ("prod-staging", Class::Production),
            ("product-api", Class::Unknown),
            ("liveness", Class::Unknown),
            ("kustomize", Class::Unknown),
            ("https://kubernetes.default.svc", Class::Unknown),
        ] {
            assert_eq!(classify(name, &none), class, "{name}");
        }
    }

    #[test]
    fn the_teams_own_names_come_first() {
        let named = Environments {
            production: vec!["blue".into(), "eu-*".into()],
            staging: vec!["green".into(), "prod-rehearsal".into()],
            other: vec!["scratch".into()],
        };
        assert_eq!(classify("Blue", &named), Class::Production);
        assert_eq!(classify("eu-central", &named), Class::Production);
        assert_eq!(classify("green", &named), Class::Staging);
        // listed as staging although its words say production
        assert_eq!(classify("prod-rehearsal", &named), Class::Staging);
        assert_eq!(classify("scratch", &named), Class::Other);
        assert_eq!(classify("prod", &named), Class::Production);
    }
}
