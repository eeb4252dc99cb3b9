//! Numbers across drills: each drill's outcome, phase times and hints, and time-to-recovery statistics.
//!
//! Pure: every figure comes from the drills' events and the `now` passed in.
//!
//! Time to recovery runs from the fault's landing to the landing of the commit that removed it. A drill that
//! timed out or that the team gave up on has no recovery time: all we know is that the team had not recovered
//! by then. Such a time is **censored** (`≥ 3 h`), never dropped and never counted as if it were a recovery.
//! Medians and 90th percentiles are Kaplan–Meier estimates over recovered and censored drills; means count a
//! censored drill at its limit and are then a lower bound (`≥`). Aborted and abandoned drills are listed but
//! not counted: their clock stopped for reasons that say nothing about the team.

pub mod survival;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::drill::command::DrillCommand;
use crate::drill::event::{EventKind, RecoveryHow};
use crate::drill::state::Drill;
pub use survival::{Estimate, Sample, Summary, summarize};

/// How a drill ended, for statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The team removed the fault (revert or fix). Counted, exactly.
    Recovered,
    /// The team gave up (`/drill revert`) and firedrill reverted. Counted, censored at that moment.
    GaveUp,
    /// `safety.max_duration` passed (firedrill reverted, or the fault was left in place). Counted, censored at
    /// the limit.
    TimedOut,
    /// Stopped by the game master. Listed, not counted.
    Aborted,
    /// The fault never landed. Listed, not counted.
    Abandoned,
    /// The fault is in place and the time limit has not passed. Not counted yet.
    Running,
    /// The change is planned or open; the fault has not landed yet. Not counted yet.
    Waiting,
}

impl Outcome {
    /// The word used in tables, JSON and badges.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Recovered => "recovered",
            Outcome::GaveUp => "gave up",
            Outcome::TimedOut => "timed out",
            Outcome::Aborted => "aborted",
            Outcome::Abandoned => "abandoned",
            Outcome::Running => "running",
            Outcome::Waiting => "waiting",
        }
    }

    /// Whether the drill's time to recovery enters the statistics (exactly or censored).
    pub fn counted(self) -> bool {
        matches!(self, Outcome::Recovered | Outcome::GaveUp | Outcome::TimedOut)
    }
}

/// The `/drill` commands that stamp a phase, in the order of an incident.
pub const PHASE_COMMANDS: [(DrillCommand, Stage); 3] =
    [(DrillCommand::Ack, Stage::Detect), (DrillCommand::Found, Stage::Identify), (DrillCommand::Fixed, Stage::Fix)];

/// The steps of an incident, in order; each ends at a moment the timeline may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// Until someone acknowledged the problem (`/drill ack`).
    Detect,
    /// Until someone found the change at fault (`/drill found`).
    Identify,
    /// Until the fix was ready (`/drill fixed`).
    Fix,
    /// Until the commit that removed the fault landed on the watched branch.
    Recover,
    /// Until that commit went live (the first success of a deploy signal on a commit holding it).
    Deploy,
}

impl Stage {
    pub const ALL: [Stage; 5] = [Stage::Detect, Stage::Identify, Stage::Fix, Stage::Recover, Stage::Deploy];

    pub fn name(self) -> &'static str {
        match self {
            Stage::Detect => "detect",
            Stage::Identify => "identify",
            Stage::Fix => "fix",
            Stage::Recover => "recover",
            Stage::Deploy => "deploy",
        }
    }
}

/// The moments that end each stage, as offsets from the fault's landing ("time to detect" and so on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Phases {
    pub detect: Option<SignedDuration>,
    pub identify: Option<SignedDuration>,
    pub fix: Option<SignedDuration>,
    /// The team's recovery (not firedrill's revert after a timeout or a give-up).
    pub recover: Option<SignedDuration>,
    pub deploy: Option<SignedDuration>,
}

impl Phases {
    pub fn get(&self, stage: Stage) -> Option<SignedDuration> {
        match stage {
            Stage::Detect => self.detect,
            Stage::Identify => self.identify,
            Stage::Fix => self.fix,
            Stage::Recover => self.recover,
            Stage::Deploy => self.deploy,
        }
    }

    /// How long each stage took: from the end of the latest earlier stage that was stamped (or the landing) to
    /// its own end. `None` for a stage without a stamp, or stamped before an earlier stage's end.
    pub fn durations(&self) -> Vec<(Stage, Option<SignedDuration>, Option<SignedDuration>)> {
        let mut since = SignedDuration::ZERO;
        Stage::ALL
            .iter()
            .map(|&stage| {
                let at = self.get(stage);
                let took = at.and_then(|t| (t >= since).then(|| t - since));
                if let Some(t) = at {
                    since = since.max(t);
                }
                (stage, at, took)
            })
            .collect()
    }
}

/// One drill's figures (kept in the ledger's index once the drill has ended, so the statistics and the public
/// files are built without reading every log).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DrillMetrics {
    pub id: String,
    pub scenario: String,
    /// The variant it ran (`variants:`), as its log recorded at the opening.
    pub variant: Option<String>,
    /// When the fault landed; for a drill where it never did, when it was planned to.
    pub date: Timestamp,
    pub outcome: Outcome,
    /// Time to recovery: exact for a recovery, `AtLeast` (censored) for a timeout or a give-up; `None` for
    /// drills that are not counted.
    pub time_to_recovery: Option<Estimate>,
    /// The team recovered, but only after the time limit had passed (the fault had been left in place).
    pub after_limit: bool,
    pub phases: Phases,
    /// Time to restore service: from the fault going live to the fix going live, where both were observed
    /// and the team recovered.
    pub restore: Option<SignedDuration>,
    /// Hints released during the drill.
    pub hints_used: usize,
    /// Time to detect, from the team's monitoring: the service broken → the first matching alert. Exact when
    /// both were seen; `AtLeast` (censored) when the service broke and no alert fired before the drill ended;
    /// `None` when no breakage was observed.
    pub time_to_detect: Option<Estimate>,
    /// Time to acknowledge: the first alert → the first `/drill ack` (or inferred acknowledgement) after it.
    pub time_to_acknowledge: Option<SignedDuration>,
    /// Time to restore service as the monitoring saw it: the service broken → healthy again.
    pub health_restore: Option<SignedDuration>,
}

/// Time to detect of a drill: broken → alert, censored at the drill's end when no alert fired.
fn time_to_detect(drill: &Drill) -> Option<Estimate> {
    let broken = drill.broken?;
    match &drill.alert {
        Some((at, _, _)) => Some(Estimate::Exact(at.duration_since(broken).max(SignedDuration::ZERO))),
        None if drill.is_resolved() => {
            let end = drill
                .recovered
                .as_ref()
                .map(|(l, _)| l.at)
                .or(drill.aborted.as_ref().map(|a| a.at))
                .or(drill.timed_out)?;
            Some(Estimate::AtLeast(end.duration_since(broken).max(SignedDuration::ZERO)))
        }
        None => None,
    }
}

impl DrillMetrics {
    pub fn of(drill: &Drill) -> DrillMetrics {
        let landed = drill.merged.as_ref().map(|m| m.at);
        let since = |t: Timestamp| landed.map(|l| t.duration_since(l));
        let outcome = outcome(drill);
        let recovered_at = drill.recovered.as_ref().map(|(l, _)| l.at);
        let time_to_recovery = match outcome {
            Outcome::Recovered => recovered_at.and_then(since).map(Estimate::Exact),
            // Censored at the moment the team stopped (gave up) or was stopped (the time limit).
            Outcome::GaveUp => recovered_at.and_then(since).map(Estimate::AtLeast),
            Outcome::TimedOut => drill.timed_out.or(recovered_at).and_then(since).map(Estimate::AtLeast),
            _ => None,
        };
        // A command stamps a phase; where none did, what the repository showed (an inference) does.
        let first_command = |wanted: DrillCommand| {
            let stamps = |inferred: bool| {
                let mut t: Vec<Timestamp> = drill
                    .events
                    .iter()
                    .filter(|e| match &e.kind {
                        EventKind::Command { name, .. } => !inferred && *name == wanted,
                        EventKind::Inferred { phase, .. } => inferred && *phase == wanted,
                        _ => false,
                    })
                    .map(|e| e.time)
                    .collect();
                t.sort();
                t.into_iter().find(|t| landed.is_some_and(|l| *t >= l))
            };
            stamps(false).or_else(|| stamps(true)).and_then(since)
        };
        let phases = Phases {
            detect: first_command(DrillCommand::Ack),
            identify: first_command(DrillCommand::Found),
            fix: first_command(DrillCommand::Fixed),
            recover: match outcome {
                Outcome::Recovered => recovered_at.and_then(since),
                _ => None,
            },
            deploy: match outcome {
                Outcome::Recovered => drill.fix_live.as_ref().and_then(|l| since(l.at)),
                _ => None,
            },
        };
        DrillMetrics {
            id: drill.id.to_string(),
            scenario: drill.scenario.to_string(),
            variant: drill.opened.as_ref().and_then(|o| o.variant.clone()),
            date: landed.unwrap_or(drill.merge_at),
            outcome,
            time_to_recovery,
            after_limit: outcome == Outcome::Recovered && drill.timed_out.is_some(),
            phases,
            restore: match outcome {
                Outcome::Recovered => drill.deploy_time_to_recovery(),
                _ => None,
            },
            hints_used: drill.hints.len(),
            time_to_detect: time_to_detect(drill),
            time_to_acknowledge: drill.alert.as_ref().and_then(|(alert, _, _)| {
                let acked =
                    landed.and_then(|l| first_command(DrillCommand::Ack).map(|d| l.checked_add(d).unwrap_or(l)))?;
                (acked >= *alert).then(|| acked.duration_since(*alert))
            }),
            health_restore: drill.broken.zip(drill.restored).map(|(b, r)| r.duration_since(b)),
        }
    }

    /// The drill as a sample for the statistics, when it is counted.
    pub fn sample(&self) -> Option<Sample> {
        self.time_to_recovery.map(Sample::from)
    }
}

/// How a drill ended (or where it stands).
pub fn outcome(drill: &Drill) -> Outcome {
    if drill.aborted.is_some() {
        return Outcome::Aborted;
    }
    match &drill.recovered {
        Some((_, RecoveryHow::Revert | RecoveryHow::Fix)) => Outcome::Recovered,
        Some((_, RecoveryHow::GaveUp)) => Outcome::GaveUp,
        Some((_, RecoveryHow::Timeout)) => Outcome::TimedOut,
        None if drill.abandoned.is_some() => Outcome::Abandoned,
        // Left in place after the time limit (auto-revert off): censored at the limit, even if someone removes
        // the fault much later (that later recovery would then be counted exactly).
        None if drill.timed_out.is_some() && drill.merged.is_some() => Outcome::TimedOut,
        None if drill.merged.is_some() => Outcome::Running,
        None => Outcome::Waiting,
    }
}

/// A calendar quarter (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    pub year: i16,
    /// 1 to 4.
    pub q: i8,
}

impl Quarter {
    pub fn of(ts: Timestamp) -> Quarter {
        let d = ts.to_zoned(TimeZone::UTC).date();
        Quarter { year: d.year(), q: (d.month() - 1) / 3 + 1 }
    }

    pub fn previous(self) -> Quarter {
        if self.q == 1 { Quarter { year: self.year - 1, q: 4 } } else { Quarter { year: self.year, q: self.q - 1 } }
    }
}

impl std::fmt::Display for Quarter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} Q{}", self.year, self.q)
    }
}

/// Which way the median time to recovery moved between two periods.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trend {
    /// Faster now; the ratio (previous ÷ now) when both medians are exact.
    Faster(Option<f64>),
    /// Slower now; the ratio (now ÷ previous) when both medians are exact.
    Slower(Option<f64>),
    /// Within 5 % either way.
    Same,
    /// One side has no median, or the bounds overlap.
    Unclear,
}

impl Trend {
    /// Compares the median `now` with the median `before`.
    pub fn between(now: Option<Estimate>, before: Option<Estimate>) -> Trend {
        let (Some(now), Some(before)) = (now, before) else { return Trend::Unclear };
        let (n, b) = (now.value().as_secs_f64(), before.value().as_secs_f64());
        match (now, before) {
            (Estimate::Exact(_), Estimate::Exact(_)) if n > 0.0 && b > 0.0 => {
                if b / n >= 1.05 {
                    Trend::Faster(Some(b / n))
                } else if n / b >= 1.05 {
                    Trend::Slower(Some(n / b))
                } else {
                    Trend::Same
                }
            }
            // Now ≤ a bound the earlier period is above: faster, by at least that much.
            (Estimate::Exact(_), Estimate::AtLeast(_)) if n < b => Trend::Faster(None),
            (Estimate::AtLeast(_), Estimate::Exact(_)) if n > b => Trend::Slower(None),
            _ => Trend::Unclear,
        }
    }
}

/// A set of drills and their summary, with the trend against the period before.
#[derive(Debug, Clone, PartialEq)]
pub struct Period {
    /// The drills counted in it (ids), oldest first.
    pub drills: Vec<String>,
    pub summary: Summary,
    /// The same figures for the period before (the `last` drills before these; the previous quarter).
    pub previous: Summary,
    pub trend: Trend,
}

impl Period {
    fn new(now: &[&DrillMetrics], before: &[&DrillMetrics]) -> Period {
        let samples = |ds: &[&DrillMetrics]| ds.iter().filter_map(|d| d.sample()).collect::<Vec<_>>();
        let summary = summarize(&samples(now));
        let previous = summarize(&samples(before));
        let trend = Trend::between(summary.median, previous.median);
        Period { drills: now.iter().map(|d| d.id.clone()).collect(), summary, previous, trend }
    }
}

/// Everything `firedrill stats`, the badges and the history page show.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    pub now: Timestamp,
    /// Every drill, oldest first (by landing, or planned landing).
    pub drills: Vec<DrillMetrics>,
    /// How many recent counted drills "the last N" covers.
    pub last_n: usize,
    /// The last N counted drills, against the N before them.
    pub last: Period,
    /// Each quarter with a counted drill, oldest first, against the quarter before it.
    pub quarters: Vec<(Quarter, Period)>,
    /// Drills whose fault landed in the current quarter (every outcome but abandoned).
    pub this_quarter: usize,
    /// Whole days since the last drill's fault landed.
    pub days_since_last: Option<i64>,
    /// `baseline_mttr` of `firedrill.yml`.
    pub baseline: Option<SignedDuration>,
    /// Time to restore service (fault live → fix live) over the last N counted drills where both deploys
    /// were observed.
    pub restore: Summary,
    /// Time to detect (the service broken → the first alert, from the team's monitoring) over the last N drills
    /// whose breakage was observed; a drill whose alert never fired is censored at its end.
    pub detect: Summary,
    /// Every counted drill, by scenario and variant (a scenario without variants is one group), sorted by
    /// scenario then variant.
    pub by_scenario: Vec<Group>,
}

/// The counted drills of one scenario's variant (or of a scenario without variants).
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub scenario: String,
    pub variant: Option<String>,
    pub summary: Summary,
    /// When the latest of them landed.
    pub last: Timestamp,
}

impl Stats {
    /// The figures over `drills` at `now`, with `last_n` recent drills and the baseline.
    pub fn new(drills: &[Drill], last_n: usize, baseline: Option<SignedDuration>, now: Timestamp) -> Stats {
        Stats::of_metrics(drills.iter().map(DrillMetrics::of).collect(), last_n, baseline, now)
    }

    /// [`Stats::new`] over the drills' figures.
    pub fn of_metrics(
        mut all: Vec<DrillMetrics>,
        last_n: usize,
        baseline: Option<SignedDuration>,
        now: Timestamp,
    ) -> Stats {
        all.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.id.cmp(&b.id)));
        let counted: Vec<&DrillMetrics> = all.iter().filter(|d| d.outcome.counted()).collect();
        let last_n = last_n.max(1);
        let split = counted.len().saturating_sub(last_n);
        let last = Period::new(&counted[split..], &counted[split.saturating_sub(last_n)..split]);

        let mut quarters: Vec<Quarter> = counted.iter().map(|d| Quarter::of(d.date)).collect();
        quarters.dedup();
        let in_quarter = |q: Quarter| counted.iter().copied().filter(|d| Quarter::of(d.date) == q).collect::<Vec<_>>();
        let quarters =
            quarters.into_iter().map(|q| (q, Period::new(&in_quarter(q), &in_quarter(q.previous())))).collect();

        let ran: Vec<&DrillMetrics> =
            all.iter().filter(|d| d.outcome != Outcome::Waiting && d.outcome != Outcome::Abandoned).collect();
        let this = Quarter::of(now);
        let this_quarter = ran.iter().filter(|d| Quarter::of(d.date) == this && d.date <= now).count();
        let days_since_last = ran
            .iter()
            .filter(|d| d.date <= now)
            .map(|d| d.date)
            .max()
            .map(|t| now.duration_since(t).as_secs().div_euclid(86_400));
        let restore_samples: Vec<Sample> =
            (counted[split..].iter()).filter_map(|d| d.restore).map(|time| Sample { time, censored: false }).collect();
        let restore = summarize(&restore_samples);
        let observed: Vec<&DrillMetrics> = ran.iter().copied().filter(|d| d.time_to_detect.is_some()).collect();
        let detect_samples: Vec<Sample> = observed[observed.len().saturating_sub(last_n)..]
            .iter()
            .filter_map(|d| d.time_to_detect.map(Sample::from))
            .collect();
        let detect = summarize(&detect_samples);
        let mut groups: std::collections::BTreeMap<(&str, Option<&str>), Vec<&DrillMetrics>> =
            std::collections::BTreeMap::new();
        for d in &counted {
            groups.entry((d.scenario.as_str(), d.variant.as_deref())).or_default().push(d);
        }
        let by_scenario = groups
            .into_iter()
            .map(|((scenario, variant), ds)| Group {
                scenario: scenario.to_owned(),
                variant: variant.map(str::to_owned),
                summary: summarize(&ds.iter().filter_map(|d| d.sample()).collect::<Vec<_>>()),
                last: ds.iter().map(|d| d.date).max().unwrap_or(now),
            })
            .collect();
        Stats {
            now,
            drills: all,
            last_n,
            last,
            quarters,
            this_quarter,
            days_since_last,
            baseline,
            restore,
            detect,
            by_scenario,
        }
    }

    /// The most recent drill that is counted (the "last time to recovery").
    pub fn latest(&self) -> Option<&DrillMetrics> {
        self.drills.iter().rev().find(|d| d.outcome.counted())
    }

    /// Counted drills before `id` (in date order), most recent last: what a drill is compared with.
    pub fn before(&self, id: &str) -> Vec<&DrillMetrics> {
        let end = self.drills.iter().position(|d| d.id == id).unwrap_or(self.drills.len());
        self.drills[..end].iter().filter(|d| d.outcome.counted()).collect()
    }

    pub fn get(&self, id: &str) -> Option<&DrillMetrics> {
        self.drills.iter().find(|d| d.id == id)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
