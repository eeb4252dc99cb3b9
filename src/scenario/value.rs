//! Newtypes for the scalar values of a scenario (ids, durations, cron expressions, time zones, pointers…),
//! each parsed from a string with an error that says what was found, what was expected and how to fix it.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::yaml::quote;

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
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.as_str())
            }
        }
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.as_str())
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(|e: ValueError| serde::de::Error::custom(e))
            }
        }
        impl JsonSchema for $ty {
            fn schema_name() -> Cow<'static, str> {
                $name.into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!($schema)
            }
        }
        impl Leaf for $ty {
            const EXPECTED: &'static str = $expected;
        }
    };
}

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

// ---------------------------------------------------------------------------------------------------------

/// The id of a scenario: a slug of lowercase ASCII letters, digits and single `-`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ScenarioId(String);

impl ScenarioId {
    pub const MAX_LEN: usize = 64;

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ScenarioId {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let slug = slugify(s);
        let suggest = |e: ValueError| if slug.is_empty() || slug == s { e } else { e.hint(format!("write `{slug}`")) };
        if s.is_empty() {
            return Err(ValueError::new("the id is empty").hint("use a slug such as `redis-pool-zero`"));
        }
        if s.chars().count() > Self::MAX_LEN {
            return Err(ValueError::new(format!(
                "the id is {} characters long, more than {}",
                s.chars().count(),
                Self::MAX_LEN
            ))
            .hint("use a shorter slug"));
        }
        if let Some(c) = s.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')) {
            return Err(suggest(ValueError::new(format!(
                "{} is not a slug: `{c}` is not allowed (only lowercase letters, digits and `-`)",
                quote(s)
            ))));
        }
        if s.starts_with('-') || s.ends_with('-') || s.contains("--") {
            return Err(suggest(ValueError::new(format!(
                "{} is not a slug: `-` must separate words (not start, end or double)",
                quote(s)
            ))));
        }
        Ok(ScenarioId(s.to_owned()))
    }
}

/// The slug closest to `s`: lowercase, runs of other characters turned into one `-`.
pub fn slugify(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').chars().take(ScenarioId::MAX_LEN).collect()
}

string_value!(ScenarioId, "ScenarioId", "a slug such as `redis-pool-zero`", {
    "type": "string",
    "description": "A slug: lowercase letters, digits and single `-`.",
    "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$",
    "maxLength": 64,
    "examples": ["redis-pool-zero"]
});

// ---------------------------------------------------------------------------------------------------------

/// A length of time written like `90s`, `30m`, `1h30m`, `2h`, `1d` (units from largest to smallest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration {
    secs: u64,
}

impl Duration {
    pub const ZERO: Duration = Duration { secs: 0 };

    pub const fn from_secs(secs: u64) -> Self {
        Duration { secs }
    }
    pub const fn from_mins(mins: u64) -> Self {
        Duration { secs: mins * 60 }
    }
    pub const fn from_hours(hours: u64) -> Self {
        Duration { secs: hours * 3600 }
    }
    pub const fn as_secs(self) -> u64 {
        self.secs
    }
    pub const fn is_zero(self) -> bool {
        self.secs == 0
    }
    /// The same length as a jiff duration, for arithmetic on timestamps.
    pub fn to_signed(self) -> jiff::SignedDuration {
        jiff::SignedDuration::from_secs(i64::try_from(self.secs).unwrap_or(i64::MAX))
    }
    /// The canonical spelling, such as `1h30m` (or `0s`).
    pub fn as_str(&self) -> String {
        if self.secs == 0 {
            return "0s".into();
        }
        let mut rest = self.secs;
        let mut out = String::new();
        for (unit, size) in UNITS {
            if rest >= size {
                out.push_str(&format!("{}{unit}", rest / size));
                rest %= size;
            }
        }
        out
    }
}

const UNITS: [(char, u64); 4] = [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)];

/// `4 hours 30 min` → `4h30m`: spaces dropped and unit words shortened, to suggest a fix.
fn normalize_duration(s: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let unit = match word.to_ascii_lowercase().as_str() {
            "d" | "day" | "days" => "d",
            "h" | "hr" | "hrs" | "hour" | "hours" => "h",
            "m" | "min" | "mins" | "minute" | "minutes" => "m",
            "s" | "sec" | "secs" | "second" | "seconds" => "s",
            _ => word.as_str(),
        }
        .to_owned();
        out.push_str(&unit);
        word.clear();
    };
    for c in s.chars() {
        if c.is_alphabetic() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            if !c.is_whitespace() {
                out.push(c);
            }
        }
    }
    flush(&mut word, &mut out);
    out
}

impl FromStr for Duration {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let hint = "write a number followed by a unit — s, m, h or d — such as `90s`, `30m` or `1h30m`";
        let bad = |why: String| ValueError::new(format!("{} is not a duration: {why}", quote(s))).hint(hint);
        if s == "0" {
            return Ok(Duration::ZERO);
        }
        if s.is_empty() {
            return Err(ValueError::new("the duration is empty").hint(hint));
        }
        let normalized = normalize_duration(s);
        if normalized != s {
            return Err(match normalized.parse::<Duration>() {
                Ok(_) => {
                    bad("units are single letters, written without spaces".into()).hint(format!("write `{normalized}`"))
                }
                Err(_) => bad("it contains spaces or unit words".into()),
            });
        }
        let mut secs: u64 = 0;
        let mut last_unit: Option<usize> = None;
        let mut rest = s;
        while !rest.is_empty() {
            let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
            if digits == 0 {
                return Err(bad(format!("expected a number at {}", quote(rest))));
            }
            let (number, after) = rest.split_at(digits);
            let mut chars = after.chars();
            let Some(unit) = chars.next() else {
                return Err(bad(format!("`{number}` has no unit")).hint(format!(
                    "add a unit: `{number}m` for minutes, `{number}s` for seconds, `{number}h` for hours"
                )));
            };
            if unit == '.' || unit == ',' {
                return Err(
                    bad("fractions are not supported".into()).hint("combine units instead: `1h30m` rather than `1.5h`")
                );
            }
            let Some(index) = UNITS.iter().position(|(u, _)| *u == unit) else {
                let word: String = after.chars().take_while(|c| c.is_alphabetic()).collect();
                let word = if word.is_empty() { unit.to_string() } else { word };
                return Err(bad(format!("unknown unit `{word}`")).hint("use s, m, h or d, such as `30m` or `2h`"));
            };
            if let Some(prev) = last_unit
                && index <= prev
            {
                return Err(bad(format!(
                    "units must go from largest to smallest, each once (`{unit}` comes too late)"
                )));
            }
            last_unit = Some(index);
            let n: u64 = number.parse().map_err(|_| bad("the number is too large".into()))?;
            secs = n
                .checked_mul(UNITS[index].1)
                .and_then(|v| secs.checked_add(v))
                .ok_or_else(|| bad("the duration is too long".into()))?;
            rest = chars.as_str();
        }
        Ok(Duration { secs })
    }
}

string_value!(Duration, "Duration", "a duration such as `30m` or `1h30m`", {
    "type": "string",
    "description": "A length of time: numbers with units d, h, m, s from largest to smallest, such as `90s`, `30m`, `1h30m`, `1d`; `0` is zero.",
    "pattern": "^(0|([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?)$",
    "examples": ["30m", "1h30m"]
});

// ---------------------------------------------------------------------------------------------------------

/// A five-field cron expression (minute hour day-of-month month day-of-week), or a nickname such as
/// `@weekly`. Accepted exactly when the scheduler ([`crate::schedule::Cron`]) accepts it.
#[derive(Debug, Clone)]
pub struct CronExpr {
    text: String,
    cron: crate::schedule::Cron,
}

impl CronExpr {
    pub fn as_str(&self) -> &str {
        &self.text
    }
    /// The parsed expression, to compute occurrences.
    pub fn cron(&self) -> &crate::schedule::Cron {
        &self.cron
    }
}

impl PartialEq for CronExpr {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for CronExpr {}

const CRON_HINT: &str = "use five fields: minute hour day-of-month month day-of-week, e.g. \"0 10 * * 2\"";

impl FromStr for CronExpr {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        use crate::schedule::ScheduleError as E;
        let bad = |why: String| ValueError::new(format!("invalid cron expression {}: {why}", quote(s))).hint(CRON_HINT);
        let trimmed = s.trim();
        if trimmed.is_empty() {
            return Err(ValueError::new("the cron expression is empty").hint(CRON_HINT));
        }
        // One cron validator: the scheduler's. Its errors become a scenario diagnostic here.
        match crate::schedule::Cron::parse(s) {
            Ok(cron) => Ok(CronExpr { text: s.to_owned(), cron }),
            Err(E::FieldCount { found, .. }) => {
                Err(bad(format!("it has {found} field{}, expected 5", if found == 1 { "" } else { "s" })))
            }
            Err(E::InvalidField { field, value, detail, example, .. }) => {
                Err(bad(format!("{field} `{value}` is invalid ({detail})"))
                    .hint(format!("the {field} field takes {}; for example \"{example}\"", field.accepts())))
            }
            Err(E::NeverMatches { .. }) => {
                Err(bad("it never fires: its day of month and month name no real date".into())
                    .hint("use a day that exists in that month, e.g. \"0 10 28 2 *\""))
            }
            Err(E::UnknownNickname { .. }) => Err(bad("unknown nickname".into())
                .hint("use @hourly, @daily, @weekly, @monthly or @yearly, or five fields such as \"0 10 * * 2\"")),
            Err(E::InvalidCron { detail, .. }) => Err(bad(detail)),
            Err(other) => Err(bad(other.to_string())),
        }
    }
}

string_value!(CronExpr, "CronExpr", "a cron expression such as \"0 10 * * 2\"", {
    "type": "string",
    "description": "Five cron fields: minute hour day-of-month month day-of-week, such as `0 10 * * 2` (Tuesdays 10:00); or @hourly, @daily, @weekly, @monthly, @yearly.",
    "examples": ["0 10 * * 2"]
});

// ---------------------------------------------------------------------------------------------------------

/// An IANA time zone name known to the bundled time zone database, such as `Europe/Paris` or `UTC`.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeZoneName {
    zone: crate::schedule::Zone,
}

impl Eq for TimeZoneName {}

impl TimeZoneName {
    pub fn utc() -> Self {
        TimeZoneName { zone: crate::schedule::Zone::utc() }
    }
    pub fn as_str(&self) -> &str {
        self.zone.name()
    }
    /// The zone, as the scheduler uses it.
    pub fn zone(&self) -> &crate::schedule::Zone {
        &self.zone
    }
    pub fn time_zone(&self) -> &jiff::tz::TimeZone {
        self.zone.time_zone()
    }
}

impl FromStr for TimeZoneName {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        if s.trim() == s
            && let Ok(zone) = crate::schedule::Zone::parse(s)
        {
            return Ok(TimeZoneName { zone });
        }
        let err = ValueError::new(format!("unknown time zone {}", quote(s)));
        if s.starts_with(['+', '-'])
            || s.to_ascii_uppercase().starts_with("UTC")
            || s.to_ascii_uppercase().starts_with("GMT")
        {
            return Err(err.hint("write an IANA zone name such as `Europe/Paris`, so daylight saving time is followed; for a fixed offset use `Etc/GMT-2` (sign reversed)"));
        }
        Err(match crate::suggest::closest_zones(s).as_slice() {
            [] => err.hint("use an IANA name such as `Europe/Paris`, `America/New_York` or `UTC`"),
            [one] => err.hint(format!("did you mean `{one}`?")),
            many => err.hint(format!(
                "did you mean one of {}?",
                many.iter().map(|z| format!("`{z}`")).collect::<Vec<_>>().join(", ")
            )),
        })
    }
}

string_value!(TimeZoneName, "TimeZoneName", "an IANA time zone such as `Europe/Paris`", {
    "type": "string",
    "description": "An IANA time zone name, such as `Europe/Paris`, `America/New_York` or `UTC`.",
    "examples": ["Europe/Paris"]
});

// ---------------------------------------------------------------------------------------------------------

/// An RFC 6901 JSON pointer such as `/spec/replicas` (the empty string is the whole document).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JsonPointer(String);

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

// ---------------------------------------------------------------------------------------------------------

/// A calendar date written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(jiff::civil::Date);

impl Date {
    pub fn date(self) -> jiff::civil::Date {
        self.0
    }
    pub fn as_str(&self) -> String {
        self.0.to_string()
    }
}

impl FromStr for Date {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let shape_ok = s.len() == 10
            && s.char_indices().all(|(i, c)| if i == 4 || i == 7 { c == '-' } else { c.is_ascii_digit() });
        let err = |why: &str| {
            ValueError::new(format!("{} is not a date: {why}", quote(s))).hint("write YYYY-MM-DD, such as `2025-12-24`")
        };
        if !shape_ok {
            return Err(err("expected YYYY-MM-DD"));
        }
        s.parse::<jiff::civil::Date>().map(Date).map_err(|_| err("no such day"))
    }
}

string_value!(Date, "Date", "a date such as `2025-12-24`", {
    "type": "string",
    "format": "date",
    "description": "A calendar date, `YYYY-MM-DD`.",
    "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    "examples": ["2025-12-24"]
});

// ---------------------------------------------------------------------------------------------------------

/// A GitHub user login.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GithubLogin(String);

impl GithubLogin {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for GithubLogin {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        if let Some(rest) = s.strip_prefix('@')
            && rest.parse::<GithubLogin>().is_ok()
        {
            return Err(
                ValueError::new(format!("{} starts with `@`", quote(s))).hint(format!("write the bare login `{rest}`"))
            );
        }
        let ok = !s.is_empty()
            && s.len() <= 39
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !s.starts_with('-')
            && !s.ends_with('-')
            && !s.contains("--");
        if !ok {
            return Err(ValueError::new(format!("{} is not a GitHub login", quote(s)))
                .hint("a login has up to 39 letters, digits and single inner `-`, such as `octo-cat`"));
        }
        Ok(GithubLogin(s.to_owned()))
    }
}

string_value!(GithubLogin, "GithubLogin", "a GitHub login such as `octocat`", {
    "type": "string",
    "description": "A GitHub user login, without `@`.",
    "pattern": "^[A-Za-z0-9](-?[A-Za-z0-9])*$",
    "maxLength": 39
});

// ---------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------

/// A git branch name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BranchName(String);

impl BranchName {
    pub fn main() -> Self {
        BranchName("main".into())
    }
    /// For names known to be valid (constants).
    pub(crate) fn unchecked(name: &str) -> Self {
        BranchName(name.to_owned())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why `s` is not a valid git branch name, if it is not (the rules the disguise module enforces, so that
/// `validate` and the drill agree).
pub(crate) fn branch_name_problem(s: &str) -> Option<&'static str> {
    crate::disguise::check_branch_name(s).err()
}

impl FromStr for BranchName {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        match branch_name_problem(s) {
            Some(why) => Err(ValueError::new(format!("{} is not a valid branch name: {why}", quote(s)))
                .hint("use letters, digits, `-`, `_`, `.` and `/`, such as `main` or `env/staging`")),
            None => Ok(BranchName(s.to_owned())),
        }
    }
}

string_value!(BranchName, "BranchName", "a branch name such as `main`", {
    "type": "string",
    "description": "A git branch name, such as `main` or `env/staging`.",
    "examples": ["main"]
});

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
