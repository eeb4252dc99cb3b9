//! The report's closing checklist: the post-incident review's questions, or the follow-up when the fault never
//! landed.

use std::fmt::Write as _;

use super::reveal::playbook;
use crate::drill::event::RecoveryHow;
use crate::drill::state::Drill;
use crate::render::facts::utc;
use crate::render::markdown::text;
use crate::scenario::Scenario;

pub(super) fn review(o: &mut String, scenario: &Scenario, drill: &Drill) {
    let Some(landed) = drill.merged.as_ref().map(|m| utc(m.at)) else {
        // Nothing reached the team: what is left to review is why the drill did not happen.
        let _ = writeln!(o, "## Follow-up");
        let _ = writeln!(o);
        let _ = writeln!(o, "The fault never landed, so there is no response to review.");
        let _ = writeln!(o);
        let _ =
            writeln!(o, "- Why did the merge not happen: was the pull request closed, changed, or blocked by a rule?");
        let _ = writeln!(o, "- Did someone see through the disguise? What gave it away?");
        let _ = writeln!(o);
        let _ = writeln!(o, "- [ ] Fix what stopped the merge (disguise, permissions, branch protection).");
        let _ = writeln!(o, "- [ ] Schedule the drill again.");
        let _ = writeln!(o);
        return;
    };
    let _ = writeln!(o, "## Post-incident review");
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "_To fill in together, blameless, while memories are fresh. The timeline above has the facts; write down what people saw, thought and did._"
    );
    let _ = writeln!(o);

    let _ = writeln!(o, "### Detection");
    let _ = writeln!(o);
    let _ = writeln!(o, "- How was the problem noticed: an alert, a dashboard, a user report, by chance?");
    let _ = writeln!(o, "- How long after the fault landed ({landed}) did someone start looking?");
    if let Some(d) = scenario.expect.as_ref().and_then(|e| e.detect_by.as_deref()) {
        let _ = writeln!(o, "- It should have been detected by {}. Was it? If not, why not?", text(d));
    }
    let _ = writeln!(o);

    let _ = writeln!(o, "### Diagnosis");
    let _ = writeln!(o);
    let _ =
        writeln!(o, "- How was the suspicious change found? Which logs, dashboards, diffs or deploy history helped?");
    let _ = writeln!(o, "- How long did it take, and what led the team astray?");
    if !drill.hints.is_empty() {
        let _ = writeln!(
            o,
            "- {} hint(s) were released. Which one helped, and what would have made it unnecessary?",
            drill.hints.len()
        );
    }
    let _ = writeln!(o);

    let _ = writeln!(o, "### Reproduction");
    let _ = writeln!(o);
    let _ = writeln!(o, "- Was the failure reproduced before acting on it? Where, and how long did that take?");
    let _ = writeln!(o);

    let _ = writeln!(o, "### Fix");
    let _ = writeln!(o);
    match &drill.recovered {
        _ if drill.aborted.is_some() => {
            let _ = writeln!(
                o,
                "- How far had the team got? What would the fix have been, and who could have approved it?"
            );
        }
        Some((_, RecoveryHow::Revert)) => {
            let _ =
                writeln!(o, "- The change was reverted. What made revert the right call, and how sure was the team?");
        }
        Some((_, RecoveryHow::Fix)) => {
            let _ = writeln!(o, "- The fault was fixed forward instead of reverted. Why? Was it riskier?");
        }
        _ => {
            let _ =
                writeln!(o, "- What would the fix have been: a revert, or a fix forward? Who could have approved it?");
        }
    }
    let _ = writeln!(o, "- How long from finding the cause to having the fix merged?");
    let _ = writeln!(o);

    let _ = writeln!(o, "### Deploy");
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "- How long from the fix being merged to the service being healthy again? What slowed the rollout?"
    );
    let _ = writeln!(o);

    let _ = writeln!(o, "### What went well");
    let _ = writeln!(o);
    let _ = writeln!(o, "- What should the team keep doing next time?");
    let _ = writeln!(o);
    let _ = writeln!(o, "### What to improve");
    let _ = writeln!(o);
    let _ = writeln!(o, "- What cost the most time? What was missing: access, dashboards, alerts, knowledge?");
    let _ = writeln!(o);

    let _ = writeln!(o, "### Action items");
    let _ = writeln!(o);
    let _ = writeln!(o, "- [ ] Alerting: would an alert have caught this sooner? Add or tune it.");
    match &scenario.playbook {
        Some(p) => {
            let _ = writeln!(o, "- [ ] Update the playbook ({}) with what was learned.", playbook(p));
        }
        None => {
            let _ = writeln!(o, "- [ ] Write a playbook for this failure, and link it from the scenario's `playbook`.");
        }
    }
    let _ = writeln!(o, "- [ ] Make changes like this one easier to spot in review (checks, ownership, diff tooling).");
    let _ = writeln!(o, "- [ ] Schedule the next drill.");
    let _ = writeln!(o);
}
