//! Times to recovery with censoring: Kaplan–Meier quantiles and lower-bound means.
//!
//! A censored time says "not recovered after this long". Treating it as a recovery would flatter the team;
//! dropping it would too. The Kaplan–Meier estimator uses it for exactly what it says: the drill was still at
//! risk up to that time. The share not recovered, S(t), drops at each recovery time t by the factor
//! (1 − recoveries at t ÷ drills still at risk at t); a drill censored at t is still at risk at t. The q-th
//! quantile is the first recovery time where S falls to 1 − q or below (the midpoint to the next recovery time
//! when S equals 1 − q exactly, so that without censoring the median is the ordinary median). When S never
//! falls that far, the quantile is not reached: all we can say is that it is at least the longest time seen.

use jiff::SignedDuration;

/// A time to recovery, or a lower bound on one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Estimate {
    Exact(SignedDuration),
    /// At least this long (censored data).
    AtLeast(SignedDuration),
}

impl Estimate {
    pub fn value(self) -> SignedDuration {
        match self {
            Estimate::Exact(d) | Estimate::AtLeast(d) => d,
        }
    }
    pub fn is_bound(self) -> bool {
        matches!(self, Estimate::AtLeast(_))
    }
}

/// One drill's time to recovery for the statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    pub time: SignedDuration,
    /// Not recovered after `time` (timed out, gave up).
    pub censored: bool,
}

impl From<Estimate> for Sample {
    fn from(e: Estimate) -> Sample {
        Sample { time: e.value(), censored: e.is_bound() }
    }
}

/// Count, mean, median and 90th percentile of a set of times to recovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Drills counted (recovered and censored).
    pub count: usize,
    /// Of which censored (timed out, gave up).
    pub censored: usize,
    /// The mean, to the minute; a lower bound when any time is censored (censored times count at their limit).
    pub mean: Option<Estimate>,
    /// Kaplan–Meier median.
    pub median: Option<Estimate>,
    /// Kaplan–Meier 90th percentile.
    pub p90: Option<Estimate>,
}

pub fn summarize(samples: &[Sample]) -> Summary {
    if samples.is_empty() {
        return Summary::default();
    }
    let censored = samples.iter().filter(|s| s.censored).count();
    let total: i64 = samples.iter().map(|s| s.time.as_secs()).sum();
    let n = i64::try_from(samples.len()).unwrap_or(i64::MAX);
    // Rounded to the minute, half up: seconds in a mean of drills are noise.
    let mean = SignedDuration::from_mins((total + 30 * n) / (60 * n));
    Summary {
        count: samples.len(),
        censored,
        mean: Some(if censored > 0 { Estimate::AtLeast(mean) } else { Estimate::Exact(mean) }),
        median: quantile(samples, 0.5),
        p90: quantile(samples, 0.9),
    }
}

/// The Kaplan–Meier `q` quantile (0 < q < 1) of the times; see the module comment.
pub fn quantile(samples: &[Sample], q: f64) -> Option<Estimate> {
    let longest = samples.iter().map(|s| s.time).max()?;
    let mut times: Vec<SignedDuration> = samples.iter().filter(|s| !s.censored).map(|s| s.time).collect();
    times.sort();
    times.dedup();
    let target = 1.0 - q;
    let mut surviving = 1.0_f64;
    for (i, &t) in times.iter().enumerate() {
        let at_risk = samples.iter().filter(|s| s.time >= t).count() as f64;
        let recovered = samples.iter().filter(|s| !s.censored && s.time == t).count() as f64;
        surviving *= 1.0 - recovered / at_risk;
        // Floating point: 0.5 computed as 1 − 1/2 or as a product must compare equal.
        if (surviving - target).abs() < 1e-9 {
            return Some(match times.get(i + 1) {
                Some(&next) => Estimate::Exact(midpoint(t, next)),
                // Flat at exactly 1 − q until the longest (censored) time, then unknown: t is the best answer
                // when nothing longer was seen, else the quantile lies somewhere after t.
                None if longest > t => Estimate::AtLeast(t),
                None => Estimate::Exact(t),
            });
        }
        if surviving < target {
            return Some(Estimate::Exact(t));
        }
    }
    Some(Estimate::AtLeast(longest))
}

fn midpoint(a: SignedDuration, b: SignedDuration) -> SignedDuration {
    SignedDuration::from_secs((a.as_secs() + b.as_secs()) / 2)
}
