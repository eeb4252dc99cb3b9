//! Five-field cron expressions and their occurrences in a time zone, correct across daylight saving changes.
//!
//! # What an occurrence is
//! A cron expression names wall-clock times in the scenario's zone (`0 9 * * 1` is 09:00 on Mondays in New
//! York, 13:00 UTC in summer and 14:00 UTC in winter). Two days a year the wall clock does not map one-to-one
//! onto instants, and firedrill decides:
//! - **fall back** (a wall-clock hour happens twice): a matching wall-clock time fires **once**, at its first
//!   instant (the earlier, daylight-saving offset). In Europe/Berlin `30 2 * * *` on 2026-10-25 fires at
//!   02:30 CEST = 00:30 UTC only, never again at 02:30 CET. A drill must not be opened twice.
//! - **spring forward** (a wall-clock hour is skipped): a matching wall-clock time that does not exist fires
//!   at the first instant after the gap. In Europe/Berlin `30 2 * * *` on 2026-03-29 fires at 03:00 CEST =
//!   01:00 UTC. Several skipped matches (`*/15 * * * *` has four in the gap) collapse into that one instant.
//!
//! # Why croner is driven over civil time
//! croner can search zoned times itself, but it applies the rules above only to "fixed-time" patterns (one
//! minute and one hour). For any other pattern it skips non-existent times and fires twice in a repeated hour:
//! with croner 4.0's `Zoned` search, `30 2,14 * * *` in Berlin has no 2026-03-29 02:30 run and two runs on
//! 2026-10-25 02:30 (00:30 and 01:30 UTC). So croner walks wall-clock (`civil::DateTime`) times only, and
//! [`Cron::resolve`] maps each match onto the time line with the rules above. That mapping never decreases
//! (a later wall-clock time never gives an earlier instant), which is what lets the searches below stop at the
//! first match past their bound.

use std::fmt;
use std::str::FromStr;

use croner::parser::{CronParser, Seconds, Year};
use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::AmbiguousOffset;

use super::{ScheduleError, Zone};

/// The five fields of a cron expression, in order; used to say which one is wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CronField {
    /// Minute of the hour.
    Minute,
    /// Hour of the day.
    Hour,
    /// Day of the month.
    DayOfMonth,
    /// Month of the year.
    Month,
    /// Day of the week.
    DayOfWeek,
}

impl CronField {
    /// All fields in the order they are written.
    pub const ALL: [CronField; 5] =
        [CronField::Minute, CronField::Hour, CronField::DayOfMonth, CronField::Month, CronField::DayOfWeek];

    /// The field's name as shown in messages.
    pub fn name(self) -> &'static str {
        match self {
            CronField::Minute => "minute",
            CronField::Hour => "hour",
            CronField::DayOfMonth => "day-of-month",
            CronField::Month => "month",
            CronField::DayOfWeek => "day-of-week",
        }
    }

    /// What the field accepts, in words.
    pub fn accepts(self) -> &'static str {
        match self {
            CronField::Minute => "0-59, a list like `0,30` or a step like `*/15`",
            CronField::Hour => "0-23, a range like `9-17` or a list like `10,14`",
            CronField::DayOfMonth => "1-31 or `L` (last day), a range like `1-7`",
            CronField::Month => "1-12 or JAN-DEC, a list like `1,4,7,10`",
            CronField::DayOfWeek => "0-7 (0 and 7 are Sunday) or SUN-SAT, a range like `1-5` or `MON-FRI`",
        }
    }

    /// A value that would be valid in this field, used to build an example fix.
    fn example(self) -> &'static str {
        match self {
            CronField::Minute => "0",
            CronField::Hour => "10",
            CronField::DayOfMonth => "1",
            CronField::Month => "1,4,7,10",
            CronField::DayOfWeek => "1-5",
        }
    }

    /// The field's range and, for months and days of the week, their names (JAN = 1, SUN = 0).
    fn range(self) -> (u32, u32, &'static [&'static str]) {
        match self {
            CronField::Minute => (0, 59, &[]),
            CronField::Hour => (0, 23, &[]),
            CronField::DayOfMonth => (1, 31, &[]),
            CronField::Month => {
                (1, 12, &["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"])
            }
            CronField::DayOfWeek => (0, 7, &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]),
        }
    }

    /// Checks the plain forms (`*`, `5`, `1-5`, `*/15`, `MON-FRI`, lists of those) and names the value out of
    /// range; anything else (`L`, `W`, `#`…) is left to croner, which does not say which value is wrong.
    fn check_plain(self, text: &str) -> Result<(), String> {
        for part in text.split(',') {
            let (base, step) = match part.split_once('/') {
                Some((b, s)) => (b, Some(s)),
                None => (part, None),
            };
            if let Some(step) = step
                && step.parse::<u32>().is_ok_and(|n| n == 0)
            {
                return Err(format!("the step `/{step}` must be at least 1"));
            }
            if base == "*" {
                continue;
            }
            let (lo, hi) = match base.split_once('-') {
                Some((a, b)) => (self.plain_value(a)?, self.plain_value(b)?),
                None => (self.plain_value(base)?, None),
            };
            if let (Some(lo), Some(hi)) = (lo, hi)
                && hi < lo
            {
                return Err(format!("the range {base} goes backwards"));
            }
        }
        Ok(())
    }

    /// The number `token` stands for: `Ok(None)` when it is not a plain number or name (left to croner).
    fn plain_value(self, token: &str) -> Result<Option<u32>, String> {
        let (min, max, names) = self.range();
        if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(token)) {
            return Ok(Some(u32::try_from(i).unwrap_or(0) + min));
        }
        if token.is_empty() || !token.chars().all(|c| c.is_ascii_digit()) {
            return Ok(None);
        }
        match token.parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(format!("{token} is out of range {min}-{max}")),
        }
    }

    fn index(self) -> usize {
        match self {
            CronField::Minute => 0,
            CronField::Hour => 1,
            CronField::DayOfMonth => 2,
            CronField::Month => 3,
            CronField::DayOfWeek => 4,
        }
    }
}

impl fmt::Display for CronField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A parsed five-field cron expression (minute hour day-of-month month day-of-week).
///
/// Occurrences follow the daylight-saving rules of this module: a skipped wall-clock time fires at the end of
/// the gap, a repeated one fires once, at its first instant. croner is asked for wall-clock matches only,
/// because its own zoned search applies those rules to single-minute, single-hour patterns alone (with it,
/// `30 2,14 * * *` would skip Berlin's spring-forward day and fire twice on the fall-back day).
///
/// Seconds and year fields, which croner would accept, are refused: drills are planned to the minute, and a
/// six-field expression is far more often a copy-paste from a Quartz scheduler than an intent.
#[derive(Clone, Debug)]
pub struct Cron {
    expr: String,
    inner: croner::Cron,
}

/// Nicknames that stand for one five-field expression each.
const NICKNAMES: [(&str, &str); 6] = [
    ("@yearly", "0 0 1 1 *"),
    ("@annually", "0 0 1 1 *"),
    ("@monthly", "0 0 1 * *"),
    ("@weekly", "0 0 * * 0"),
    ("@daily", "0 0 * * *"),
    ("@hourly", "0 * * * *"),
];

/// Bound on the matches one search may step over; only matches inside a repeated hour are ever stepped over
/// (at most one per minute of the fold), so this is never reached by a valid pattern.
const MAX_SKIPPED_MATCHES: usize = 10_000;

impl Cron {
    /// Parses and checks a five-field cron expression; nicknames such as `@daily` are accepted too.
    pub fn parse(expr: &str) -> Result<Cron, ScheduleError> {
        let expr = expr.trim();
        if expr.is_empty() {
            return Err(ScheduleError::EmptyCron);
        }
        let expanded = if expr.starts_with('@') {
            NICKNAMES
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(expr))
                .map(|(_, fields)| *fields)
                .ok_or_else(|| ScheduleError::UnknownNickname { expr: expr.to_owned() })?
        } else {
            expr
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(ScheduleError::FieldCount {
                expr: expr.to_owned(),
                found: fields.len(),
                hint: field_count_hint(&fields),
            });
        }
        for field in CronField::ALL {
            field.check_plain(fields[field.index()]).map_err(|detail| {
                let mut fixed = fields.clone();
                fixed[field.index()] = field.example();
                ScheduleError::InvalidField {
                    expr: expr.to_owned(),
                    field,
                    value: fields[field.index()].to_owned(),
                    detail,
                    example: fixed.join(" "),
                }
            })?;
        }
        let parser = CronParser::builder().seconds(Seconds::Disallowed).year(Year::Disallowed).build();
        // croner's errors do not say which field is wrong, so each field is first parsed alone, with `*`
        // everywhere else: the first one that fails on its own is the one to name.
        for field in CronField::ALL {
            let mut probe = ["*"; 5];
            probe[field.index()] = fields[field.index()];
            if let Err(err) = parser.parse(&probe.join(" ")) {
                let mut fixed = fields.clone();
                fixed[field.index()] = field.example();
                return Err(ScheduleError::InvalidField {
                    expr: expr.to_owned(),
                    field,
                    value: fields[field.index()].to_owned(),
                    detail: field_detail(&err),
                    example: fixed.join(" "),
                });
            }
        }
        let inner = parser
            .parse(&fields.join(" "))
            .map_err(|err| ScheduleError::InvalidCron { expr: expr.to_owned(), detail: err.to_string() })?;
        let cron = Cron { expr: expr.to_owned(), inner };
        // `0 10 30 2 *` parses but never happens; better to say so now than to plan nothing, silently.
        // Every valid day-of-month/month pair recurs within 8 years (Feb 29 every 4, skipping 2100).
        let origin = jiff::civil::date(2000, 1, 1).at(0, 0, 0, 0);
        match cron.inner.find_next_occurrence(&origin, true) {
            Ok(found) if found.year() <= 2008 => Ok(cron),
            _ => Err(ScheduleError::NeverMatches { expr: expr.to_owned() }),
        }
    }

    /// The expression as written (trimmed).
    pub fn as_str(&self) -> &str {
        &self.expr
    }

    /// The first occurrence strictly after `after`.
    pub fn next_after(&self, zone: &Zone, after: Timestamp) -> Result<Timestamp, ScheduleError> {
        // Every wall-clock time before `after`'s own maps to an instant at or before `after` (the mapping never
        // decreases and `after`'s own wall-clock time maps to `after` or to its earlier twin in a fold), so the
        // search can start there and only has to step over matches inside a fold.
        let mut cursor = zone.time_zone().to_datetime(after);
        for _ in 0..MAX_SKIPPED_MATCHES {
            let civil = self.inner.find_next_occurrence(&cursor, false).map_err(|_| self.no_occurrence(after))?;
            let instant = self.resolve(zone, civil, after)?;
            if instant > after {
                return Ok(instant);
            }
            cursor = civil;
        }
        Err(self.no_occurrence(after))
    }

    /// The last occurrence strictly before `before`.
    pub fn previous_before(&self, zone: &Zone, before: Timestamp) -> Result<Timestamp, ScheduleError> {
        let tz = zone.time_zone();
        // Start from a wall-clock time that maps to `before` or later. In the second half of a fold `before`'s
        // own wall-clock time maps to its earlier twin, so start from the wall-clock time `before` would have
        // under the pre-transition offset instead.
        let mut cursor = match tz.to_ambiguous_timestamp(tz.to_datetime(before)).offset() {
            AmbiguousOffset::Fold { before: offset, .. } => offset.to_datetime(before),
            _ => tz.to_datetime(before),
        };
        // croner sees whole seconds; round a fractional bound up so a match in its own second is not skipped.
        if before.subsec_nanosecond() != 0 {
            cursor = cursor.checked_add(jiff::SignedDuration::from_secs(1)).map_err(|_| self.no_occurrence(before))?;
        }
        for _ in 0..MAX_SKIPPED_MATCHES {
            let civil = self.inner.find_previous_occurrence(&cursor, false).map_err(|_| self.no_occurrence(before))?;
            let instant = self.resolve(zone, civil, before)?;
            if instant < before {
                return Ok(instant);
            }
            cursor = civil;
        }
        Err(self.no_occurrence(before))
    }

    /// Occurrences in `(from, to]`: after `from`, up to and including `to`, in order.
    ///
    /// The half-open interval is the one a scheduler needs: an occurrence exactly at "now" is due, and one
    /// exactly at "the last time we looked" was already seen.
    pub fn occurrences_between<'a>(&'a self, zone: &'a Zone, from: Timestamp, to: Timestamp) -> Occurrences<'a> {
        Occurrences { cron: self, zone, cursor: from, until: to, done: false }
    }

    /// The instant at which the wall-clock time `civil` fires in `zone` (see the module docs for the rules).
    ///
    /// `around` is only used to describe a failure, which needs a date at the edge of jiff's range.
    fn resolve(&self, zone: &Zone, civil: DateTime, around: Timestamp) -> Result<Timestamp, ScheduleError> {
        let tz = zone.time_zone();
        let instant = match tz.to_ambiguous_timestamp(civil).offset() {
            AmbiguousOffset::Unambiguous { offset } => offset.to_timestamp(civil).ok(),
            // Fires once, on the first pass through the repeated hour.
            AmbiguousOffset::Fold { before, .. } => before.to_timestamp(civil).ok(),
            // `civil` read with the post-transition offset lands before the transition, so the next transition
            // after that is the end of the gap: the first instant that exists again.
            AmbiguousOffset::Gap { after, .. } => after
                .to_timestamp(civil)
                .ok()
                .and_then(|probe| tz.following(probe).next())
                .map(|transition| transition.timestamp()),
        };
        instant.ok_or_else(|| self.no_occurrence(around))
    }

    fn no_occurrence(&self, around: Timestamp) -> ScheduleError {
        ScheduleError::NoOccurrence { expr: self.expr.clone(), around }
    }
}

impl PartialEq for Cron {
    fn eq(&self, other: &Cron) -> bool {
        self.expr == other.expr
    }
}

impl Eq for Cron {}

impl FromStr for Cron {
    type Err = ScheduleError;

    fn from_str(s: &str) -> Result<Cron, ScheduleError> {
        Cron::parse(s)
    }
}

impl fmt::Display for Cron {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.expr)
    }
}

/// The hint for an expression with the wrong number of fields, with a corrected expression where one can be
/// guessed (six fields are croner's and Quartz's seconds-first form; seven add a year at the end).
fn field_count_hint(fields: &[&str]) -> String {
    match fields.len() {
        6 => format!(
            ": seconds are not supported, drills are planned to the minute; drop the first field: `{}`",
            fields[1..].join(" ")
        ),
        7 => format!(
            ": seconds and years are not supported; drop the first and last fields: `{}`",
            fields[1..6].join(" ")
        ),
        _ => ", e.g. `0 10 * * 1-5` for 10:00 on weekdays".to_owned(),
    }
}

/// croner's reason in the user's words: its illegal-character message quotes the field after its own
/// rewriting (`MONDAY` becomes `1DAY`), which would only confuse, so that one is replaced.
fn field_detail(err: &croner::errors::CronError) -> String {
    use croner::errors::CronError;
    match err {
        CronError::IllegalCharacters(_) => "unexpected characters".to_owned(),
        CronError::ComponentError(message) | CronError::InvalidPattern(message) => {
            let message = message.trim().trim_end_matches('.');
            let mut chars = message.chars();
            chars.next().map_or_else(String::new, |first| first.to_lowercase().chain(chars).collect())
        }
        other => other.to_string(),
    }
}

/// Iterator over the occurrences of a [`Cron`] in an interval; see [`Cron::occurrences_between`].
#[derive(Debug)]
pub struct Occurrences<'a> {
    cron: &'a Cron,
    zone: &'a Zone,
    cursor: Timestamp,
    until: Timestamp,
    done: bool,
}

impl Iterator for Occurrences<'_> {
    type Item = Timestamp;

    fn next(&mut self) -> Option<Timestamp> {
        if self.done {
            return None;
        }
        match self.cron.next_after(self.zone, self.cursor) {
            Ok(next) if next <= self.until => {
                self.cursor = next;
                Some(next)
            }
            _ => {
                self.done = true;
                None
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn zone(name: &str) -> Zone {
        Zone::parse(name).unwrap()
    }

    fn between(cron: &str, zone_name: &str, from: &str, to: &str) -> Vec<String> {
        let cron = Cron::parse(cron).unwrap();
        let zone = zone(zone_name);
        cron.occurrences_between(&zone, ts(from), ts(to)).map(|t| t.to_string()).collect()
    }

    #[test]
    fn parses_five_fields_and_nicknames() {
        assert_eq!(Cron::parse("  0 10 * * 1-5 ").unwrap().as_str(), "0 10 * * 1-5");
        assert_eq!(Cron::parse("0 10 * JAN,APR mon-fri").unwrap().to_string(), "0 10 * JAN,APR mon-fri");
        assert!(Cron::parse("@Daily").is_ok());
        assert!(Cron::parse("0 0 29 2 *").is_ok());
        assert_eq!("*/15 * * * *".parse::<Cron>().unwrap(), Cron::parse("*/15 * * * *").unwrap());
    }

    #[test]
    fn refuses_seconds_and_years_with_a_fix() {
        let err = Cron::parse("0 30 2 * * *").unwrap_err();
        assert_eq!(
            err.to_string(),
            "cron `0 30 2 * * *` has 6 fields, firedrill takes exactly 5 (minute hour day-of-month month \
             day-of-week): seconds are not supported, drills are planned to the minute; drop the first field: \
             `30 2 * * *`"
        );
        let err = Cron::parse("0 30 2 * * * 2026").unwrap_err();
        assert!(err.to_string().ends_with("drop the first and last fields: `30 2 * * *`"), "{err}");
        let err = Cron::parse("30 2 *").unwrap_err();
        assert!(err.to_string().contains("has 3 fields"), "{err}");
        assert!(err.to_string().contains("e.g. `0 10 * * 1-5`"), "{err}");
        assert_eq!(Cron::parse("   ").unwrap_err(), ScheduleError::EmptyCron);
        assert!(Cron::parse("@reboot").unwrap_err().to_string().contains("@reboot"));
    }

    #[test]
    fn names_the_bad_field_and_shows_a_fixed_expression() {
        let err = Cron::parse("0 25 * * *").unwrap_err();
        let ScheduleError::InvalidField { field, value, example, .. } = &err else { panic!("{err:?}") };
        assert_eq!((*field, value.as_str(), example.as_str()), (CronField::Hour, "25", "0 10 * * *"));
        let message = err.to_string();
        assert_eq!(
            message,
            "cron `0 25 * * *`: the hour field `25` is invalid (25 is out of range 0-23); hour takes 0-23, a range like \
             `9-17` or a list like `10,14`; for example `0 10 * * *`"
        );
        let err = Cron::parse("0 10 * * MONDAY").unwrap_err().to_string();
        assert!(err.contains("the day-of-week field `MONDAY` is invalid (unexpected characters)"), "{err}");

        let cases = [
            ("61 10 * * *", CronField::Minute),
            ("0 10 32 * *", CronField::DayOfMonth),
            ("0 10 * 13 *", CronField::Month),
            ("0 10 * * MONDAY", CronField::DayOfWeek),
            ("0 10 * * 8", CronField::DayOfWeek),
            ("x 10 * * *", CronField::Minute),
        ];
        for (expr, expected) in cases {
            match Cron::parse(expr) {
                Err(ScheduleError::InvalidField { field, .. }) => assert_eq!(field, expected, "{expr}"),
                other => panic!("{expr}: {other:?}"),
            }
        }
    }

    #[test]
    fn refuses_expressions_that_never_happen() {
        let err = Cron::parse("0 10 30 2 *").unwrap_err();
        assert_eq!(err, ScheduleError::NeverMatches { expr: "0 10 30 2 *".to_owned() });
        assert!(err.to_string().contains("never"), "{err}");
    }

    #[test]
    fn next_and_previous_are_strict() {
        let cron = Cron::parse("0 10 * * *").unwrap();
        let utc = Zone::utc();
        assert_eq!(cron.next_after(&utc, ts("2026-11-24T10:00:00Z")).unwrap(), ts("2026-11-25T10:00:00Z"));
        assert_eq!(cron.next_after(&utc, ts("2026-11-24T09:59:59.999Z")).unwrap(), ts("2026-11-24T10:00:00Z"));
        assert_eq!(cron.previous_before(&utc, ts("2026-11-24T10:00:00Z")).unwrap(), ts("2026-11-23T10:00:00Z"));
        assert_eq!(cron.previous_before(&utc, ts("2026-11-24T10:00:00.5Z")).unwrap(), ts("2026-11-24T10:00:00Z"));
    }

    #[test]
    fn between_is_after_from_and_up_to_to() {
        assert_eq!(
            between("0 10 * * *", "UTC", "2026-11-24T10:00:00Z", "2026-11-26T10:00:00Z"),
            ["2026-11-25T10:00:00Z", "2026-11-26T10:00:00Z"]
        );
        assert!(between("0 10 * * *", "UTC", "2026-11-24T10:00:00Z", "2026-11-24T10:00:00Z").is_empty());
    }

    // ---- DST: the exact instants promised in the module docs ----

    #[test]
    fn berlin_spring_forward_fires_at_the_end_of_the_gap() {
        // 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00 UTC); 02:30 does not exist.
        assert_eq!(
            between("30 2 * * *", "Europe/Berlin", "2026-03-28T00:00:00Z", "2026-03-30T23:59:59Z"),
            ["2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"]
        );
        // croner's own zoned search would drop this day for a non-fixed-time pattern; ours does not.
        assert_eq!(
            between("30 2,14 * * *", "Europe/Berlin", "2026-03-29T00:00:00Z", "2026-03-29T23:59:59Z"),
            ["2026-03-29T01:00:00Z", "2026-03-29T12:30:00Z"]
        );
    }

    #[test]
    fn berlin_fall_back_fires_once_on_the_first_pass() {
        // 2026-10-25: 03:00 CEST goes back to 02:00 CET (01:00 UTC); 02:30 happens at 00:30 and 01:30 UTC.
        assert_eq!(
            between("30 2 * * *", "Europe/Berlin", "2026-10-24T00:00:00Z", "2026-10-26T23:59:59Z"),
            ["2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"]
        );
        assert_eq!(
            between("30 2,14 * * *", "Europe/Berlin", "2026-10-25T00:00:00Z", "2026-10-25T23:59:59Z"),
            ["2026-10-25T00:30:00Z", "2026-10-25T13:30:00Z"]
        );
    }

    #[test]
    fn a_search_starting_inside_the_repeated_hour_does_not_fire_again() {
        let cron = Cron::parse("30 2 * * *").unwrap();
        let berlin = zone("Europe/Berlin");
        // 02:10 CET, the second pass: 02:30 already fired on the first pass.
        assert_eq!(cron.next_after(&berlin, ts("2026-10-25T01:10:00Z")).unwrap(), ts("2026-10-26T01:30:00Z"));
        // Looking back from the second pass finds the first-pass occurrence.
        assert_eq!(cron.previous_before(&berlin, ts("2026-10-25T01:10:00Z")).unwrap(), ts("2026-10-25T00:30:00Z"));
        assert_eq!(cron.previous_before(&berlin, ts("2026-10-25T00:30:00Z")).unwrap(), ts("2026-10-24T00:30:00Z"));
        assert_eq!(cron.previous_before(&berlin, ts("2026-03-29T01:00:01Z")).unwrap(), ts("2026-03-29T01:00:00Z"));
    }

    #[test]
    fn interval_patterns_neither_repeat_nor_stack_up_around_transitions() {
        // Spring forward: 02:00, 02:15, 02:30 and 02:45 do not exist; they collapse into 03:00 CEST.
        assert_eq!(
            between("*/15 * * * *", "Europe/Berlin", "2026-03-29T00:30:00Z", "2026-03-29T01:20:00Z"),
            ["2026-03-29T00:45:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:15:00Z"]
        );
        // Fall back: the repeated hour fires on its first pass only, so 02:45 CEST is followed by 03:00 CET.
        assert_eq!(
            between("*/15 * * * *", "Europe/Berlin", "2026-10-25T00:30:00Z", "2026-10-25T02:20:00Z"),
            ["2026-10-25T00:45:00Z", "2026-10-25T02:00:00Z", "2026-10-25T02:15:00Z"]
        );
    }

    #[test]
    fn new_york_monday_nine_stays_nine_local() {
        // EDT (UTC-4) until 2026-11-01, EST (UTC-5) after; DST starts again 2027-03-14.
        assert_eq!(
            between("0 9 * * 1", "America/New_York", "2026-10-19T00:00:00Z", "2026-11-10T00:00:00Z"),
            ["2026-10-19T13:00:00Z", "2026-10-26T13:00:00Z", "2026-11-02T14:00:00Z", "2026-11-09T14:00:00Z"]
        );
        assert_eq!(
            between("0 9 * * 1", "America/New_York", "2027-03-07T00:00:00Z", "2027-03-16T00:00:00Z"),
            ["2027-03-08T14:00:00Z", "2027-03-15T13:00:00Z"]
        );
    }

    #[test]
    fn zones_without_dst_and_half_hour_offsets() {
        assert_eq!(
            between("0 10 * * *", "Asia/Kolkata", "2026-11-24T00:00:00Z", "2026-11-25T00:00:00Z"),
            ["2026-11-24T04:30:00Z"]
        );
    }
}
