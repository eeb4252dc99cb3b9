//! `variants:`: several faults of one family in one scenario, so that a team replaying it every quarter
//! cannot remember the answer. Each occurrence uses one, picked by the drill id's seed, the same on every
//! re-run; the drill then runs the scenario with that variant's fault (and symptom) in place of `fault`.

use std::borrow::Cow;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::model::{Expect, PatchOp, Scenario};
use crate::schedule::seed::SeededRng;

/// One of a scenario's alternative faults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// A short name, unique in the scenario, for the report's reveal and `stats` (`redis-port`).
    pub name: String,
    /// This variant's fault, used in place of the scenario's `fault` (the same rules apply).
    pub fault: Vec<PatchOp>,
    /// What responders should notice with this variant, in place of `expect.symptom`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symptom: Option<String>,
}

/// The variant a drill runs, as the report's reveal and `stats` name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Running {
    pub name: String,
    /// The names of all the scenario's variants, in order (the reveal says which others it could have been).
    pub among: Vec<String>,
}

/// The seed purpose of the pick: its own stream, so that no other seeded choice shifts it.
const PURPOSE: &str = "scenario.variant";

impl Scenario {
    /// The index of the variant the drill `drill_id` uses; `None` without variants.
    pub fn variant_index(&self, drill_id: &str) -> Option<usize> {
        let n = u64::try_from(self.variants.len()).ok().filter(|n| *n > 0)?;
        usize::try_from(SeededRng::for_purpose(drill_id, PURPOSE).below(n)).ok()
    }

    /// The variant the drill `drill_id` uses; `None` without variants.
    pub fn variant(&self, drill_id: &str) -> Option<&Variant> {
        self.variant_index(drill_id).and_then(|i| self.variants.get(i))
    }

    /// The scenario as the drill `drill_id` runs it: with variants, the picked variant's fault (and symptom)
    /// in place of `fault`, and its name in [`Scenario::running_variant`], so that the report's reveal and
    /// `stats` name it. Without variants, the scenario itself.
    ///
    /// `recorded`: the variant the drill's log says it opened with. It wins while the scenario still has a
    /// variant of that name, so that a drill keeps the fault it landed (and its report names it) even when
    /// the game master has since added, removed or reordered variants.
    pub fn for_drill(&self, drill_id: &str, recorded: Option<&str>) -> Cow<'_, Scenario> {
        let kept = recorded.and_then(|name| self.variants.iter().find(|v| v.name == name));
        match kept.or_else(|| self.variant(drill_id)) {
            Some(v) => Cow::Owned(self.with_variant(v)),
            None => Cow::Borrowed(self),
        }
    }

    /// The scenario with `v`'s fault and symptom, naming `v` as the one it runs.
    pub fn with_variant(&self, v: &Variant) -> Scenario {
        let mut s = self.clone();
        s.fault.clone_from(&v.fault);
        if let Some(symptom) = &v.symptom {
            let detect_by = s.expect.take().and_then(|e| e.detect_by);
            s.expect = Some(Expect { symptom: symptom.clone(), detect_by });
        }
        s.running_variant =
            Some(Running { name: v.name.clone(), among: self.variants.iter().map(|v| v.name.clone()).collect() });
        s.variants.clear();
        s
    }

    /// The name of the variant this copy runs ([`Scenario::with_variant`]).
    pub fn variant_name(&self) -> Option<&str> {
        self.running_variant.as_ref().map(|r| r.name.as_str())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::builder::ScenarioBuilder;
    use crate::schedule::DrillId;

    fn three() -> super::Scenario {
        ScenarioBuilder::new("ports")
            .no_fault()
            .raw(
                "variants:\n  - name: http\n    fault:\n      - {op: replace, path: /env/SERVICE__HTTP__PORT, value: \"8081\"}\n  \
                 - name: redis\n    fault:\n      - {op: replace, path: /env/SERVICE__REDIS__PORT, value: \"6380\"}\n    \
                 symptom: the cache is unreachable\n  - name: pool\n    fault:\n      - {op: replace, path: \
                 /env/SERVICE__REDIS__CONNECTION_POOL__SIZE, value: \"0\"}\n",
            )
            .build()
    }

    /// Weekly occurrences over two years: each pick is the same when asked again, and every variant gets
    /// a fair share.
    #[test]
    fn the_pick_per_occurrence_is_stable_and_spread() {
        let s = three();
        let start: jiff::Timestamp = "2026-01-06T09:00:00Z".parse().unwrap();
        let mut counts = [0usize; 3];
        let mut picks = Vec::new();
        for week in 0..104 {
            let at = start + jiff::SignedDuration::from_hours(24 * 7 * week);
            let id = DrillId::new("ports", at);
            let i = s.variant_index(id.as_str()).unwrap();
            assert_eq!(s.variant_index(id.as_str()), Some(i), "stable for {id}");
            assert_eq!(three().variant_index(id.as_str()), Some(i), "stable across loads for {id}");
            counts[i] += 1;
            picks.push(i);
        }
        // 104 draws over 3: each share within 20..50 (a fair die is outside that far less than once in 10^4).
        assert!(counts.iter().all(|c| (20..=50).contains(c)), "{counts:?}");
        // Not one long run: consecutive occurrences change variant often.
        let changes = picks.windows(2).filter(|w| w[0] != w[1]).count();
        assert!(changes > 50, "{changes} changes in {picks:?}");
    }

    #[test]
    fn a_drill_runs_the_picked_variant_with_its_name_and_symptom() {
        let s = three();
        let table: Vec<(String, &str)> = (0..6)
            .map(|d| {
                let at: jiff::Timestamp = "2026-03-03T09:00:00Z".parse().unwrap();
                let id = DrillId::new("ports", at + jiff::SignedDuration::from_hours(24 * 7 * d));
                (id.as_str().to_owned(), s.variant(id.as_str()).unwrap().name.as_str())
            })
            .collect();
        for (id, name) in &table {
            let run = s.for_drill(id, None);
            let v = s.variants.iter().find(|v| v.name == *name).unwrap();
            assert_eq!(run.fault, v.fault);
            assert!(run.variants.is_empty());
            assert_eq!(run.variant_name(), Some(*name));
            assert_eq!(run.title, s.title, "the title stays the scenario's");
            assert_eq!(run.running_variant.as_ref().unwrap().among, ["http", "redis", "pool"]);
            // What the log recorded wins over the pick; a name the scenario no longer has does not.
            let other = if *name == "pool" { "http" } else { "pool" };
            assert_eq!(s.for_drill(id, Some(other)).variant_name(), Some(other));
            assert_eq!(s.for_drill(id, Some("gone")).variant_name(), Some(*name));
            if let Some(symptom) = &v.symptom {
                assert_eq!(&run.expect.as_ref().unwrap().symptom, symptom);
            }
        }
        let names: std::collections::BTreeSet<&str> = table.iter().map(|(_, n)| *n).collect();
        assert!(names.len() >= 2, "six weeks use more than one variant: {table:?}");
    }
}
