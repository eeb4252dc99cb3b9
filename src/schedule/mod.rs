//! When drills happen: cron occurrences in the scenario's time zone, merge instants, drill ids (pure, `now` is a parameter).
//!
//! - [`Cron`]: a five-field cron expression and its occurrences as wall-clock times in the scenario's zone.
//!   Across daylight-saving changes a wall-clock time that is skipped fires at the first instant after the gap
//!   (Berlin `30 2 * * *` on 2026-03-29 fires at 01:00 UTC), and one that happens twice fires once, on its
//!   first pass (on 2026-10-25 at 00:30 UTC only). See [`Cron`] for why croner is driven over civil time.
//! - [`Zone`]: an IANA zone; [`format_instant`] shows an instant in UTC and in the zone; [`is_blacked_out`].
//! - [`DrillId`], [`merge_instant`], [`open_instant`], [`Plan`], [`next_plan`], [`due_occurrences`].
//! - [`seed`]: the one seeded PRNG that every random choice in firedrill draws from.

mod cron;
mod plan;
pub mod seed;
mod zone;

pub use cron::{Cron, CronField, Occurrences};
pub use plan::{DrillId, MINUTE_RESOLUTION_FROM, Plan, due_occurrences, merge_instant, next_plan, open_instant};
pub use zone::{Zone, format_instant, is_blacked_out};

use jiff::Timestamp;

/// What can be wrong with a schedule, said so that the scenario's author can fix it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// The cron expression is blank.
    #[error("the schedule is empty: give a 5-field cron expression such as `0 10 * * 1-5` (10:00 on weekdays)")]
    EmptyCron,

    /// An `@name` that is not one of the supported nicknames.
    #[error(
        "cron `{expr}` is not a supported nickname: use @hourly, @daily, @weekly, @monthly or @yearly, or 5 fields \
         such as `0 10 * * 1-5`"
    )]
    UnknownNickname {
        /// The expression as written.
        expr: String,
    },

    /// Not exactly five fields.
    #[error(
        "cron `{expr}` has {found} fields, firedrill takes exactly 5 (minute hour day-of-month month day-of-week){hint}"
    )]
    FieldCount {
        /// The expression as written.
        expr: String,
        /// How many whitespace-separated fields it has.
        found: usize,
        /// What to do about it, starting with `:` or `,`.
        hint: String,
    },

    /// One field does not parse.
    #[error("cron `{expr}`: the {field} field `{value}` is invalid ({detail}); {field} takes {}; for example `{example}`", field.accepts())]
    InvalidField {
        /// The expression as written.
        expr: String,
        /// Which field.
        field: CronField,
        /// The field's text.
        value: String,
        /// croner's explanation.
        detail: String,
        /// The expression with that field replaced by a valid value.
        example: String,
    },

    /// Every field parses alone but the whole does not.
    #[error("cron `{expr}` is not understood ({detail}); for example `0 10 * * 1-5` is 10:00 on weekdays")]
    InvalidCron {
        /// The expression as written.
        expr: String,
        /// croner's explanation.
        detail: String,
    },

    /// The expression is valid but names no real date.
    #[error(
        "cron `{expr}` never happens: its day-of-month and month name no real date (such as February 30); \
         use a day that exists in that month, e.g. `0 10 28 2 *`"
    )]
    NeverMatches {
        /// The expression as written.
        expr: String,
    },

    /// The zone name is not in the time zone database.
    #[error("unknown time zone `{name}`: {}", zone_hint(.suggestion.as_deref()))]
    UnknownZone {
        /// The name as written.
        name: String,
        /// The closest known name, if one is close.
        suggestion: Option<String>,
    },

    /// No occurrence could be found (only at the edges of the representable time range).
    #[error("cron `{expr}` has no occurrence near {around}")]
    NoOccurrence {
        /// The expression as written.
        expr: String,
        /// Where the search started.
        around: Timestamp,
    },

    /// Text that is not a drill id.
    #[error(
        "`{value}` is not a drill id: expected `<scenario id>-<UTC time as YYYYMMDDTHHMMZ>`, e.g. `redis-pool-exhaustion-20261124T1000Z`"
    )]
    InvalidDrillId {
        /// The text as given.
        value: String,
    },
}

fn zone_hint(suggestion: Option<&str>) -> String {
    const USE: &str = "use an IANA name such as `Europe/Berlin` or `UTC`";
    match suggestion {
        Some(name) => format!("did you mean `{name}`? U{}", &USE[1..]),
        None => USE.to_owned(),
    }
}
