//! Time zones by IANA name, and how instants are shown to people: in UTC and in the scenario's zone.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::ScheduleError;

/// An IANA time zone together with the name it was given by, so it can be shown back to the user.
///
/// The zone data is compiled into the binary (jiff's bundled tzdb), so a scenario is read the same way on a
/// laptop, in a container without `/usr/share/zoneinfo` and in CI.
#[derive(Clone, Debug)]
pub struct Zone {
    name: String,
    tz: TimeZone,
}

impl Zone {
    /// Looks `name` up in the time zone database, e.g. `Europe/Berlin`.
    pub fn parse(name: &str) -> Result<Zone, ScheduleError> {
        let trimmed = name.trim();
        match jiff::tz::db().get(trimmed) {
            Ok(tz) => Ok(Zone { name: trimmed.to_owned(), tz }),
            Err(_) => Err(ScheduleError::UnknownZone {
                name: name.to_owned(),
                suggestion: crate::suggest::closest_zones(trimmed).into_iter().next(),
            }),
        }
    }

    /// UTC, for scenarios that give no zone.
    pub fn utc() -> Zone {
        Zone { name: "UTC".to_owned(), tz: TimeZone::UTC }
    }

    /// The name as written in the scenario (trimmed).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The jiff time zone, for conversions.
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// The civil date of `ts` in this zone: what "today" means to the team that owns the scenario.
    pub fn date_of(&self, ts: Timestamp) -> Date {
        self.tz.to_datetime(ts).date()
    }

    /// Whether the zone is UTC under another name, so the preview need not show the same time twice.
    pub fn is_utc(&self) -> bool {
        matches!(
            self.name.as_str(),
            "UTC" | "Etc/UTC" | "Etc/UCT" | "UCT" | "Etc/Universal" | "Universal" | "Zulu" | "Etc/Zulu"
        )
    }
}

impl PartialEq for Zone {
    /// Two zones are the same when they were named the same; the data behind a name is fixed by the build.
    fn eq(&self, other: &Zone) -> bool {
        self.name == other.name
    }
}

impl Eq for Zone {}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// Shows `ts` in UTC and in `zone`, e.g. `2026-11-24 10:17 UTC (2026-11-24 11:17 CET, Europe/Berlin)`.
///
/// Seconds are shown only when they are not zero: occurrences and long-window merge instants fall on whole
/// minutes, and a preview full of `:00` is harder to read. The abbreviation (CET/CEST) is shown because it is
/// what tells a reader whether daylight saving time applies on that date.
pub fn format_instant(ts: Timestamp, zone: &Zone) -> String {
    let pattern = if ts.as_second().rem_euclid(60) == 0 && ts.subsec_nanosecond() == 0 {
        "%Y-%m-%d %H:%M"
    } else {
        "%Y-%m-%d %H:%M:%S"
    };
    let utc = ts.to_zoned(TimeZone::UTC).strftime(pattern).to_string();
    if zone.is_utc() {
        return format!("{utc} UTC");
    }
    let local = ts.to_zoned(zone.tz.clone());
    format!("{utc} UTC ({} {}, {})", local.strftime(pattern), local.strftime("%Z"), zone.name)
}

/// Whether `ts` falls on one of the `blackout` dates, read as civil dates in `zone`.
///
/// Blackout dates are days the team has said "not today" (a release, a holiday); they are civil dates because
/// that is how people write them, and the zone decides where a day starts.
pub fn is_blacked_out(ts: Timestamp, zone: &Zone, blackout: &[Date]) -> bool {
    blackout.contains(&zone.date_of(ts))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn parses_iana_names_and_keeps_the_given_name() {
        let zone = Zone::parse(" Europe/Berlin ").unwrap();
        assert_eq!(zone.name(), "Europe/Berlin");
        assert_eq!(zone.to_string(), "Europe/Berlin");
        assert_eq!(zone.time_zone().iana_name(), Some("Europe/Berlin"));
    }

    #[test]
    fn unknown_zone_suggests_a_close_name() {
        let err = Zone::parse("Europe/Berln").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown time zone `Europe/Berln`: did you mean `Europe/Berlin`? Use an IANA name such as `Europe/Berlin` or `UTC`"
        );
        let err = Zone::parse("Nowhere/Atlantis-Deep").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown time zone `Nowhere/Atlantis-Deep`: use an IANA name such as `Europe/Berlin` or `UTC`"
        );
    }

    #[test]
    fn formats_in_utc_and_local_time_with_the_abbreviation() {
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        assert_eq!(
            format_instant(ts("2026-11-24T10:17:00Z"), &berlin),
            "2026-11-24 10:17 UTC (2026-11-24 11:17 CET, Europe/Berlin)"
        );
        assert_eq!(
            format_instant(ts("2026-07-01T10:17:00Z"), &berlin),
            "2026-07-01 10:17 UTC (2026-07-01 12:17 CEST, Europe/Berlin)"
        );
        assert_eq!(
            format_instant(ts("2026-11-24T10:17:42Z"), &berlin),
            "2026-11-24 10:17:42 UTC (2026-11-24 11:17:42 CET, Europe/Berlin)"
        );
        assert_eq!(format_instant(ts("2026-11-24T10:17:00Z"), &Zone::utc()), "2026-11-24 10:17 UTC");
        // The local date can differ from the UTC date; both are shown.
        let tokyo = Zone::parse("Asia/Tokyo").unwrap();
        assert_eq!(
            format_instant(ts("2026-11-24T20:00:00Z"), &tokyo),
            "2026-11-24 20:00 UTC (2026-11-25 05:00 JST, Asia/Tokyo)"
        );
    }

    #[test]
    fn blackout_dates_are_civil_dates_in_the_zone() {
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        let blackout = [date(2026, 12, 24)];
        // 23:30 UTC on the 23rd is already the 24th in Berlin.
        assert!(is_blacked_out(ts("2026-12-23T23:30:00Z"), &berlin, &blackout));
        assert!(!is_blacked_out(ts("2026-12-23T23:30:00Z"), &Zone::utc(), &blackout));
        assert!(!is_blacked_out(ts("2026-12-24T23:30:00Z"), &berlin, &blackout));
        assert!(!is_blacked_out(ts("2026-12-24T12:00:00Z"), &berlin, &[]));
    }
}
