//! Ranking: blast radius (how many workloads read the value), subtlety (a plausible one-line value, away
//! from the manifests responders open first) and reversibility, each with the reason printed.

use super::families::{Candidate, Family};
use super::index::{Index, Readers};

/// Points per workload reading the value, up to [`MAX_BLAST`] workloads.
const PER_WORKLOAD: i32 = 12;
const MAX_BLAST: usize = 4;

/// A score and the reasons that make it, each with its points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Score {
    pub total: i32,
    /// `(points, reason)`, in the order blast radius, subtlety, reversibility.
    pub reasons: Vec<(i32, String)>,
}

impl Score {
    pub fn add(&mut self, points: i32, reason: impl Into<String>) {
        self.total += points;
        self.reasons.push((points, reason.into()));
    }
}

/// Scores a candidate (before the patch engine checks it; [`super::check`] adds nothing to the score).
pub fn score(c: &Candidate, index: &Index) -> Score {
    let mut s = Score { total: 0, reasons: Vec::new() };
    // Blast radius.
    match &c.readers {
        Readers::Known { workloads, via } if workloads.is_empty() => {
            s.add(0, format!("blast radius: no workload in this repository reads it (looked through {via})"));
        }
        Readers::Known { workloads, via } => {
            let n = workloads.len();
            let shown: Vec<&str> = workloads.iter().take(MAX_BLAST).map(String::as_str).collect();
            let more = if n > MAX_BLAST { format!(" and {} more", n - MAX_BLAST) } else { String::new() };
            let points = PER_WORKLOAD * i32::try_from(n.min(MAX_BLAST)).unwrap_or(0);
            let word = if n == 1 { "workload reads" } else { "workloads read" };
            s.add(points, format!("blast radius: {n} {word} it through {via} ({}{more})", shown.join(", ")));
        }
        Readers::Unknown { why } => {
            s.add(
                PER_WORKLOAD / 2,
                format!("blast radius: readers not in this repository ({why}); counted as half a workload"),
            );
        }
    }
    let overlays = index.overlays(&c.file);
    if overlays > 1 && !c.in_workload {
        s.add(4, format!("blast radius: {overlays} Kustomize overlays reach the file"));
    }
    // Subtlety.
    let (points, why) = plausibility(c.family);
    s.add(points, format!("subtlety: {why}"));
    if !c.in_workload {
        s.add(6, "subtlety: the value sits in a configuration file, not in the manifest responders open first");
    }
    // Impact: how the break shows (a refused object or a stalled rollout leaves the running pods serving).
    let (points, why) = impact(super::chain::expected(c));
    s.add(points, format!("impact: {why}"));
    // Reversibility: checked for every suggestion (the revert gives the file back byte for byte).
    let (points, why) = reversibility(c.family);
    s.add(points, format!("reversibility: {why}"));
    s
}

/// What a break of each mechanism is worth, and why.
pub fn impact(m: super::chain::Mechanism) -> (i32, &'static str) {
    use super::chain::Mechanism;
    match m {
        Mechanism::Runtime => (10, "the running service breaks"),
        Mechanism::Rollout => (4, "the rollout stalls; the old pods keep serving"),
        Mechanism::Rejected => (2, "the sync fails; the running pods keep the old settings"),
        Mechanism::Reconcile => (0, "the GitOps tool stops deploying; nothing running changes"),
    }
}

/// The score with its impact made exact once the chain is known (a port whose readiness probe follows it
/// stalls a rollout rather than breaking the running service).
pub fn with_impact(mut s: Score, m: super::chain::Mechanism) -> Score {
    let (points, why) = impact(m);
    if let Some(reason) = s.reasons.iter_mut().find(|(_, r)| r.starts_with("impact: ")) {
        s.total += points - reason.0;
        *reason = (points, format!("impact: {why}"));
    }
    s
}

/// How routine a change to the value looks (what teams tune every week ranks first among equals): pool sizes,
/// timeouts, replicas and image tags, then the rest.
pub fn routine(c: &Candidate) -> u8 {
    match c.family {
        Family::PoolSize | Family::Timeout | Family::ImageTag | Family::Replicas => 3,
        Family::MemoryLimit | Family::Retries | Family::FeatureFlag => 2,
        Family::Port | Family::Host | Family::Probe | Family::UrlScheme => 1,
        Family::YamlBoolean => 0,
    }
}

/// How plausible the faulty value looks in a diff, and why.
fn plausibility(family: Family) -> (i32, &'static str) {
    match family {
        Family::Port => (16, "a port one above today's reads like a listener move"),
        Family::Host => (16, "two swapped letters in a host name are hard to see in a diff"),
        Family::ImageTag => (14, "a patch bump of the image tag is routine work"),
        Family::Timeout => (12, "a timeout change reads like tuning; 1 ms fails every call"),
        Family::PoolSize => (12, "a pool size change reads like tuning; 0 starves every request"),
        Family::Retries => (10, "turning retries down reads like a latency fix; failures now surface at once"),
        Family::Probe => (12, "a probe path one letter off passes review; the pods never become ready"),
        Family::UrlScheme => (10, "one dropped `s` in a URL is easy to miss"),
        Family::YamlBoolean => (14, "dropping the quotes around a boolean reads like a style fix"),
        Family::FeatureFlag => (8, "flipping a flag is routine, but the diff says what it turns off"),
        Family::MemoryLimit => (8, "a resources change is routine, though the numbers are visible"),
        Family::Replicas => (2, "replicas at 0 shows at once on any dashboard"),
    }
}

/// How cleanly the fault comes undone.
fn reversibility(family: Family) -> (i32, &'static str) {
    match family {
        Family::Replicas | Family::ImageTag | Family::Probe | Family::MemoryLimit => {
            (8, "a one-line revert restores the file byte for byte; pods are recreated by the rollout")
        }
        _ => (10, "a one-line revert restores the file byte for byte; the next sync heals it"),
    }
}
