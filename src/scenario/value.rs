//! Newtypes for the scalar values of a scenario (ids, durations, cron expressions, time zones, pointers…),
//! each parsed from a string with an error that says what was found, what was expected and how to fix it.

//!
//! The types live by kind: names ([`names`]: scenario ids, GitHub logins, branch names), times ([`time`]:
//! durations, cron expressions, time zones, dates) and places ([`place`]: JSON pointers, repository paths,
//! repositories); here the error, the [`Leaf`] trait the shape checker uses, and the macro they share.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;

/// Why a value was refused: one sentence naming the value, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    pub message: String,
    pub hint: Option<String>,
}

impl ValueError {
    fn new(message: impl Into<String>) -> Self {
        ValueError { message: message.into(), hint: None }
    }
    fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(h) = &self.hint {
            write!(f, " ({h})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValueError {}

/// A value written as one YAML string and checked on its own: the shape checker calls [`Leaf::check`]
/// wherever the schema refers to the type by its schema name.
pub(crate) trait Leaf: FromStr<Err = ValueError> + JsonSchema {
    /// What a valid value looks like, for "expected …, found …" messages.
    const EXPECTED: &'static str;
}

/// Implements `Display`, serde (as a string) and `JsonSchema` (a named string schema) for a newtype
/// that implements `FromStr<Err = ValueError>` and `as_str()`.
macro_rules! string_value {
    ($ty:ident, $name:literal, $expected:literal, $schema:tt) => {
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.as_str())
            }
        }
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.as_str())
            }
        }
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <String as serde::Deserialize>::deserialize(d)?;
                s.parse().map_err(|e: super::ValueError| serde::de::Error::custom(e))
            }
        }
        impl schemars::JsonSchema for $ty {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                $name.into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!($schema)
            }
        }
        impl super::Leaf for $ty {
            const EXPECTED: &'static str = $expected;
        }
    };
}

mod names;
mod place;
mod time;

pub(crate) use names::branch_name_problem;
pub use names::{BranchName, GithubLogin, ScenarioId, slugify};
pub use place::{JsonPointer, RepoKind, RepoPath, RepoRef};
pub use time::{CronExpr, Date, Duration, TimeZoneName};

/// A leaf type's checker and its "expected …" wording.
pub(crate) struct LeafInfo {
    pub expected: &'static str,
    pub check: fn(&str) -> Result<(), ValueError>,
}

/// The leaf type whose schema name is `name`, if there is one.
pub(crate) fn leaf(name: &str) -> Option<LeafInfo> {
    fn info<T: Leaf>() -> (Cow<'static, str>, LeafInfo) {
        (T::schema_name(), LeafInfo { expected: T::EXPECTED, check: |s| T::from_str(s).map(drop) })
    }
    [
        info::<ScenarioId>(),
        info::<Duration>(),
        info::<CronExpr>(),
        info::<TimeZoneName>(),
        info::<JsonPointer>(),
        info::<Date>(),
        info::<GithubLogin>(),
        info::<RepoPath>(),
        info::<RepoRef>(),
        info::<BranchName>(),
    ]
    .into_iter()
    .find(|(n, _)| n == name)
    .map(|(_, i)| i)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_print() {
        for (s, secs, canon) in [
            ("90s", 90, "1m30s"),
            ("30m", 1800, "30m"),
            ("1h30m", 5400, "1h30m"),
            ("2h", 7200, "2h"),
            ("1d", 86400, "1d"),
            ("0", 0, "0s"),
            ("0s", 0, "0s"),
        ] {
            let d: Duration = s.parse().unwrap();
            assert_eq!(d.as_secs(), secs, "{s}");
            assert_eq!(d.to_string(), canon);
        }
        for bad in ["", "30", "1.5h", "1m1h", "1h1h", "30 min", "h", "-1h", "99999999999999999999d", "1 h"] {
            assert!(bad.parse::<Duration>().is_err(), "{bad}");
        }
        assert_eq!(
            "30".parse::<Duration>().unwrap_err().hint.unwrap(),
            "add a unit: `30m` for minutes, `30s` for seconds, `30h` for hours"
        );
        assert_eq!("1 h".parse::<Duration>().unwrap_err().hint.unwrap(), "write `1h`");
        assert_eq!("4 hours 30 mins".parse::<Duration>().unwrap_err().hint.unwrap(), "write `4h30m`");
        assert_eq!("2hours".parse::<Duration>().unwrap_err().hint.unwrap(), "write `2h`");
    }

    #[test]
    fn cron_expressions_name_the_bad_field() {
        assert!("0 10 * * 2".parse::<CronExpr>().is_ok());
        assert!("*/15 9-17 * * MON-FRI".parse::<CronExpr>().is_ok());
        assert!("0 10 1,15 JAN,jul 0".parse::<CronExpr>().is_ok());
        assert!("0 10 L * *".parse::<CronExpr>().is_ok());
        assert!("@weekly".parse::<CronExpr>().is_ok());
        assert!("0 10 30 2 *".parse::<CronExpr>().unwrap_err().message.contains("never fires"));
        let e = "61 * * * *".parse::<CronExpr>().unwrap_err();
        assert_eq!(
            e.message,
            "invalid cron expression \"61 * * * *\": minute `61` is invalid (61 is out of range 0-59)"
        );
        assert_eq!(
            e.hint.as_deref(),
            Some("the minute field takes 0-59, a list like `0,30` or a step like `*/15`; for example \"0 * * * *\"")
        );
        assert!("0 0 * * * *".parse::<CronExpr>().unwrap_err().message.ends_with("it has 6 fields, expected 5"));
        assert!("0 24 * * *".parse::<CronExpr>().unwrap_err().message.ends_with("(24 is out of range 0-23)"));
        assert!("0 0 0 * *".parse::<CronExpr>().is_err());
        assert!("0 0 * 13 *".parse::<CronExpr>().is_err());
        assert!("0 0 * * 8".parse::<CronExpr>().is_err());
        assert!("*/0 * * * *".parse::<CronExpr>().is_err());
        assert!("x * * * *".parse::<CronExpr>().is_err());
        assert!("@often".parse::<CronExpr>().is_err());
    }

    #[test]
    fn time_zones_suggest_close_names() {
        assert!("Europe/Paris".parse::<TimeZoneName>().is_ok());
        assert!("UTC".parse::<TimeZoneName>().is_ok());
        assert_eq!("Europe/Pariss".parse::<TimeZoneName>().unwrap_err().hint.unwrap(), "did you mean `Europe/Paris`?");
        assert!("Paris".parse::<TimeZoneName>().unwrap_err().hint.unwrap().contains("Europe/Paris"));
        assert!("Mars/Olympus".parse::<TimeZoneName>().is_err());
    }

    #[test]
    fn ids_pointers_paths_and_repos() {
        assert!("redis-pool-zero".parse::<ScenarioId>().is_ok());
        assert_eq!("Redis_Pool".parse::<ScenarioId>().unwrap_err().hint.unwrap(), "write `redis-pool`");
        assert!("-a".parse::<ScenarioId>().is_err());
        assert_eq!(
            "spec.replicas".parse::<JsonPointer>().unwrap_err().hint.unwrap(),
            "write `/spec/replicas` (keys separated by `/`, list items by their index)"
        );
        assert!("/a~2".parse::<JsonPointer>().is_err());
        assert!("".parse::<JsonPointer>().is_ok());
        assert!(JsonPointer("/a".into()).contains(&JsonPointer("/a/b".into())));
        assert!(!JsonPointer("/a".into()).contains(&JsonPointer("/ab".into())));
        assert!("deploy/values.yaml".parse::<RepoPath>().is_ok());
        for bad in ["/etc/x", "a/../b", "a//b", "dir/", "a\\b", ""] {
            assert!(bad.parse::<RepoPath>().is_err(), "{bad}");
        }
        for good in ["acme/config", "https://x.org/a.git", "git@github.com:a/b.git", "../config", "/srv/repo"] {
            assert!(good.parse::<RepoRef>().is_ok(), "{good}");
        }
        for bad in ["config", "a/b/c", "ftp://x", "a b/c"] {
            assert!(bad.parse::<RepoRef>().is_err(), "{bad}");
        }
        assert!("2025-02-29".parse::<Date>().is_err());
        assert!("2024-02-29".parse::<Date>().is_ok());
        assert!("2024-2-9".parse::<Date>().is_err());
        assert!("@octocat".parse::<GithubLogin>().unwrap_err().hint.unwrap().contains("octocat"));
        assert!("main".parse::<BranchName>().is_ok());
        assert!("my branch".parse::<BranchName>().is_err());
        assert!((leaf("Duration").unwrap().check)("5m").is_ok());
        assert!(leaf("Nope").is_none());
    }
}
