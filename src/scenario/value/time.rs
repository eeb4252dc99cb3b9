//! Times in scenarios: durations (`1h30m`), cron expressions, IANA time zones and calendar dates.

use std::str::FromStr;

use super::ValueError;
use crate::scenario::yaml::quote;

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
