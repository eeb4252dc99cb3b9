//! From an occurrence to a drill: its id, when its pull request opens, when it merges, and which are due.

use std::fmt;
use std::str::FromStr;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::seed::SeededRng;
use super::{Cron, ScheduleError, Zone};

/// The strftime pattern of the occurrence suffix of a drill id, always in UTC.
const OCCURRENCE_FORMAT: &str = "%Y%m%dT%H%MZ";
/// Length of that suffix, e.g. `20261124T1000Z`.
const OCCURRENCE_LEN: usize = 14;

/// Identifies one drill: the scenario and the occurrence (in UTC, to the minute) it was scheduled for, e.g.
/// `redis-pool-exhaustion-20261124T1000Z`.
///
/// It is derived, never drawn, so every tick that looks at the same occurrence names the same drill, and it
/// seeds every random choice of that drill.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DrillId(String);

impl DrillId {
    /// The id of `scenario_id`'s drill for `occurrence`.
    pub fn new(scenario_id: &str, occurrence: Timestamp) -> DrillId {
        let suffix = occurrence.to_zoned(TimeZone::UTC).strftime(OCCURRENCE_FORMAT).to_string();
        DrillId(format!("{scenario_id}-{suffix}"))
    }

    /// Reads a drill id back, e.g. from a ledger file name.
    pub fn parse(s: &str) -> Result<DrillId, ScheduleError> {
        let invalid = || ScheduleError::InvalidDrillId { value: s.to_owned() };
        let split = s.len().checked_sub(OCCURRENCE_LEN + 1).filter(|&at| at > 0).ok_or_else(invalid)?;
        let (scenario, suffix) = s.split_at(split);
        let suffix = suffix.strip_prefix('-').ok_or_else(invalid)?;
        let occurrence = jiff::fmt::strtime::parse(OCCURRENCE_FORMAT, suffix)
            .and_then(|parsed| parsed.to_datetime())
            .and_then(|civil| civil.to_zoned(TimeZone::UTC))
            .map_err(|_| invalid())?
            .timestamp();
        let id = DrillId::new(scenario, occurrence);
        // Only the canonical spelling is accepted, so one drill never has two ids.
        if id.0 == s { Ok(id) } else { Err(invalid()) }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The scenario part of the id.
    pub fn scenario_id(&self) -> &str {
        &self.0[..self.0.len() - OCCURRENCE_LEN - 1]
    }
}

impl PartialEq<str> for DrillId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for DrillId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for DrillId {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl serde::Serialize for DrillId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for DrillId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DrillId::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for DrillId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for DrillId {
    type Err = ScheduleError;

    fn from_str(s: &str) -> Result<DrillId, ScheduleError> {
        DrillId::parse(s)
    }
}

impl AsRef<str> for DrillId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Windows at least this long draw whole minutes; shorter ones draw whole seconds.
///
/// A merge at 10:17:00 in a one-hour window reads like a person's; seconds only matter when the window is so
/// short that minutes would leave almost no choice.
pub const MINUTE_RESOLUTION_FROM: SignedDuration = SignedDuration::from_mins(10);

/// The instant to merge a drill scheduled at `occurrence`: `occurrence` plus an offset drawn uniformly from
/// `[0, window)`, the same for the same `seed` (the drill id) on every run.
///
/// The offset has whole-minute resolution when `window` is at least [`MINUTE_RESOLUTION_FROM`], whole seconds
/// otherwise; a window under one second (or negative) means "merge at the occurrence".
pub fn merge_instant(occurrence: Timestamp, window: SignedDuration, seed: &str) -> Timestamp {
    let window_secs = u64::try_from(window.as_secs()).unwrap_or(0);
    let unit = if window >= MINUTE_RESOLUTION_FROM { 60 } else { 1 };
    // Drawn from a stream of its own so that disguise draws under the same drill id never move the merge.
    let units = SeededRng::for_purpose(seed, "schedule.merge-instant").below(window_secs / unit);
    let offset = i64::try_from(units * unit).unwrap_or(i64::MAX);
    shift(occurrence, SignedDuration::from_secs(offset))
}

/// The instant to open a drill's pull request: `open_before` ahead of its merge, so it sits there looking
/// ordinary (and gets its checks run) before it lands.
pub fn open_instant(merge: Timestamp, open_before: SignedDuration) -> Timestamp {
    shift(merge, -open_before)
}

/// `ts + by`, clamped to jiff's range: instants that far out only come from absurd inputs, and a clamped
/// instant is still correctly "never".
fn shift(ts: Timestamp, by: SignedDuration) -> Timestamp {
    ts.saturating_add(by).unwrap_or(if by.is_negative() { Timestamp::MIN } else { Timestamp::MAX })
}

/// When one drill will happen, for `preview` and for the runner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The drill's id, derived from the scenario and the occurrence.
    pub drill_id: DrillId,
    /// The cron occurrence the drill belongs to.
    pub occurrence: Timestamp,
    /// When the pull request is opened.
    pub open_at: Timestamp,
    /// When the pull request is merged.
    pub merge_at: Timestamp,
    /// The scenario's zone, for showing the instants.
    pub zone: Zone,
}

impl Plan {
    /// The plan of `scenario_id`'s drill for one `occurrence`.
    pub fn for_occurrence(
        scenario_id: &str,
        occurrence: Timestamp,
        zone: &Zone,
        window: SignedDuration,
        open_before: SignedDuration,
    ) -> Plan {
        let drill_id = DrillId::new(scenario_id, occurrence);
        let merge_at = merge_instant(occurrence, window, drill_id.as_str());
        Plan { open_at: open_instant(merge_at, open_before), merge_at, occurrence, zone: zone.clone(), drill_id }
    }
}

/// The plan for the first occurrence strictly after `now`. `seed_prefix` is the scenario id.
pub fn next_plan(
    cron: &Cron,
    zone: &Zone,
    window: SignedDuration,
    open_before: SignedDuration,
    seed_prefix: &str,
    now: Timestamp,
) -> Result<Plan, ScheduleError> {
    let occurrence = cron.next_after(zone, now)?;
    Ok(Plan::for_occurrence(seed_prefix, occurrence, zone, window, open_before))
}

/// The occurrences a tick at `now` should act on: those in `(max(last_handled, now - max_lateness), now]`.
///
/// Scheduled workflows run late and sometimes not at all, so a tick catches up on what it missed; but an
/// occurrence older than `max_lateness` is dropped rather than sprung on a team hours later than planned.
pub fn due_occurrences(
    cron: &Cron,
    zone: &Zone,
    last_handled: Option<Timestamp>,
    now: Timestamp,
    max_lateness: SignedDuration,
) -> Vec<Timestamp> {
    let oldest = shift(now, -max_lateness.abs());
    let from = last_handled.map_or(oldest, |last| last.max(oldest));
    cron.occurrences_between(zone, from, now).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn drill_id_is_scenario_and_utc_minute() {
        let id = DrillId::new("redis-pool-exhaustion", ts("2026-11-24T10:00:00Z"));
        assert_eq!(id.to_string(), "redis-pool-exhaustion-20261124T1000Z");
        assert_eq!(id.scenario_id(), "redis-pool-exhaustion");
        // Whatever zone the occurrence was computed in, the id is in UTC.
        let berlin_morning = ts("2026-03-29T03:00:00+02:00");
        assert_eq!(DrillId::new("x", berlin_morning).as_str(), "x-20260329T0100Z");
    }

    #[test]
    fn drill_id_round_trips_and_rejects_non_canonical_text() {
        let id = DrillId::parse("redis-pool-exhaustion-20261124T1000Z").unwrap();
        assert_eq!(id, DrillId::new("redis-pool-exhaustion", ts("2026-11-24T10:00:00Z")));
        for bad in ["20261124T1000Z", "-20261124T1000Z", "x-20261124T1000", "x-20261324T1000Z", "x_20261124T1000Z", "x"]
        {
            let err = DrillId::parse(bad).unwrap_err();
            assert_eq!(err, ScheduleError::InvalidDrillId { value: bad.to_owned() }, "{bad}");
        }
        let message = DrillId::parse("nope").unwrap_err().to_string();
        assert!(message.contains("e.g. `redis-pool-exhaustion-20261124T1000Z`"), "{message}");
    }

    #[test]
    fn merge_instant_is_pinned() {
        // Changing these values changes when every future drill merges: only on purpose.
        let occurrence = ts("2026-11-24T10:00:00Z");
        let seed = "redis-pool-exhaustion-20261124T1000Z";
        assert_eq!(merge_instant(occurrence, SignedDuration::from_hours(2), seed), ts(PINNED_TWO_HOURS));
        assert_eq!(merge_instant(occurrence, SignedDuration::from_mins(5), seed), ts(PINNED_FIVE_MINUTES));
        assert_eq!(merge_instant(occurrence, SignedDuration::from_hours(2), "other-20261124T1000Z"), ts(PINNED_OTHER));
    }

    // Cross-checked against an independent implementation of the draw.
    const PINNED_TWO_HOURS: &str = "2026-11-24T11:21:00Z";
    const PINNED_FIVE_MINUTES: &str = "2026-11-24T10:03:23Z";
    const PINNED_OTHER: &str = "2026-11-24T11:04:00Z";

    #[test]
    fn merge_instant_stays_in_the_window_at_the_documented_resolution() {
        let occurrence = ts("2026-11-24T10:00:00Z");
        let hour = SignedDuration::from_hours(1);
        let short = SignedDuration::from_secs(90);
        let mut distinct = std::collections::BTreeSet::new();
        for n in 0..200 {
            let seed = format!("scenario-{n}");
            let long = merge_instant(occurrence, hour, &seed);
            assert!(long >= occurrence && long < occurrence + hour);
            assert_eq!(long.as_second() % 60, 0, "whole minutes for a long window");
            distinct.insert(long);
            let quick = merge_instant(occurrence, short, &seed);
            assert!(quick >= occurrence && quick < occurrence + short);
        }
        assert!(distinct.len() > 30, "the window is used: {}", distinct.len());
        assert_eq!(merge_instant(occurrence, SignedDuration::ZERO, "x"), occurrence);
        assert_eq!(merge_instant(occurrence, SignedDuration::from_millis(999), "x"), occurrence);
        assert_eq!(merge_instant(occurrence, -hour, "x"), occurrence);
        // A window of exactly ten minutes draws minutes 0..=9.
        let ten = SignedDuration::from_mins(10);
        let tens: std::collections::BTreeSet<_> = (0..300)
            .map(|n| merge_instant(occurrence, ten, &n.to_string()).as_second() - occurrence.as_second())
            .collect();
        assert_eq!(tens, (0..10).map(|m| m * 60).collect());
    }

    #[test]
    fn open_instant_is_before_the_merge() {
        let merge = ts("2026-11-24T10:17:00Z");
        assert_eq!(open_instant(merge, SignedDuration::from_mins(30)), ts("2026-11-24T09:47:00Z"));
        assert_eq!(open_instant(Timestamp::MIN, SignedDuration::from_mins(30)), Timestamp::MIN);
    }

    #[test]
    fn next_plan_names_the_drill_and_seeds_the_merge_with_its_id() {
        let cron = Cron::parse("0 11 * * 2").unwrap();
        let zone = Zone::parse("Europe/Berlin").unwrap();
        let window = SignedDuration::from_hours(1);
        let open_before = SignedDuration::from_mins(20);
        let plan =
            next_plan(&cron, &zone, window, open_before, "redis-pool-exhaustion", ts("2026-11-20T00:00:00Z")).unwrap();
        assert_eq!(plan.drill_id.as_str(), "redis-pool-exhaustion-20261124T1000Z");
        assert_eq!(plan.occurrence, ts("2026-11-24T10:00:00Z"));
        assert_eq!(plan.merge_at, merge_instant(plan.occurrence, window, "redis-pool-exhaustion-20261124T1000Z"));
        assert_eq!(plan.open_at, plan.merge_at - open_before);
        assert_eq!(plan.zone, zone);
    }

    #[test]
    fn due_occurrences_catch_up_within_the_lateness_bound() {
        let cron = Cron::parse("*/10 * * * *").unwrap();
        let utc = Zone::utc();
        let now = ts("2026-11-24T10:25:00Z");
        let hour = SignedDuration::from_hours(1);
        let strs = |v: Vec<Timestamp>| v.into_iter().map(|t| t.to_string()).collect::<Vec<_>>();
        assert_eq!(
            strs(due_occurrences(&cron, &utc, Some(ts("2026-11-24T10:00:00Z")), now, hour)),
            ["2026-11-24T10:10:00Z", "2026-11-24T10:20:00Z"]
        );
        // Nothing handled yet: bounded by the lateness, which excludes an occurrence exactly at its edge.
        assert_eq!(
            strs(due_occurrences(&cron, &utc, None, now, SignedDuration::from_mins(15))),
            ["2026-11-24T10:20:00Z"]
        );
        // A last-handled instant older than the bound does not widen it.
        assert_eq!(due_occurrences(&cron, &utc, Some(ts("2026-11-01T00:00:00Z")), now, hour).len(), 6);
        // An occurrence exactly at now is due.
        assert_eq!(
            strs(due_occurrences(&cron, &utc, None, ts("2026-11-24T10:30:00Z"), SignedDuration::from_mins(5))),
            ["2026-11-24T10:30:00Z"]
        );
        assert!(due_occurrences(&cron, &utc, Some(now), now, hour).is_empty());
    }
}
