//! The built-in wordings a disguise picks from when the scenario gives none: branch names, pull request body
//! layouts, and for each [`ChangeKind`] commit messages and reasons, that read like a colleague's routine
//! config tweak. A body is a layout (a house style: what, why, checklist) with a reason of the change's kind
//! in its [`WHY`] slot, each drawn on its own, so that a few texts give many bodies.
//!
//! Rules for adding a wording: only variables from [`KNOWN_VARIABLES`](super::KNOWN_VARIABLES), never
//! `scenario.id` or `drill.id` (scenario ids tend to say what breaks), and none of the giveaway words checked
//! by [`giveaway_words`](super::giveaway_words) (mind `default`, which contains one). Appending is safe for
//! past drills only in the sense that they are over; any change re-words future drills, which is fine.
//!
//! A kind's wording gives a reason that fits that kind of setting ("the listener moved"), never what the
//! change breaks. Layouts and generic wordings say nothing tied to a kind of setting: they serve every change
//! (a port change once got "we are over-provisioned here").

use super::ChangeKind;

/// Branch names; sanitized into valid ref names after rendering.
pub const BRANCHES: [&str; 10] = [
    "chore/tune-{{ target.stem }}-settings",
    "fix/{{ key.kebab }}",
    "ops/adjust-{{ key.kebab }}",
    "chore/bump-config-{{ short_id }}",
    "config/{{ target.stem }}-{{ short_id }}",
    "chore/update-{{ key.kebab }}",
    "tweak/{{ target.stem }}-{{ date }}",
    "ops/{{ target.stem }}-tuning",
    "chore/cleanup-{{ target.stem }}",
    "update-{{ target.stem }}",
];

/// Where a layout takes the reason: not a template placeholder, so that it is filled before rendering.
pub const WHY: &str = "{why}";

/// Pull request body layouts, in a few house styles; each has the [`WHY`] slot once.
pub const LAYOUTS: [&str; 7] = [
    "## What\n\
     Adjusts `{{ key }}` in `{{ target.path }}`.\n\
     \n\
     ## Why\n\
     {why}\n\
     \n\
     ## Checklist\n\
     - [x] Config-only change\n\
     - [x] Checked that the file still parses\n\
     - [ ] Keep an eye on the dashboards after rollout\n",
    "### What\n\
     Tune `{{ key }}` in `{{ target.file }}`.\n\
     \n\
     ### Why\n\
     {why}\n\
     \n\
     ### Checklist\n\
     - [x] No code changes\n\
     - [x] Reviewed the rendered diff\n",
    "**What:** update `{{ key }}` in `{{ target.path }}`\n\
     **Why:** {why}\n\
     \n\
     - [x] config only\n\
     - [x] diff reviewed\n",
    "## Summary\n\
     Small tweak to `{{ target.path }}`: `{{ key }}`.\n\
     \n\
     ## Motivation\n\
     {why}\n\
     \n\
     ## Checklist\n\
     - [x] Only `{{ target.file }}` changes\n\
     - [x] Rolls out with the next sync\n\
     - [ ] Revisit in a couple of weeks\n",
    "What\n\
     ----\n\
     Changes `{{ key }}` ({{ target.file }}).\n\
     \n\
     Why\n\
     ---\n\
     {why}\n\
     \n\
     - [x] Config change only\n\
     - [x] Nothing else touched\n",
    "Quick config update.\n\
     \n\
     **What**\n\
     - `{{ key }}` in `{{ target.path }}`\n\
     \n\
     **Why**\n\
     - {why}\n\
     \n\
     **Checklist**\n\
     - [x] config only, no code\n\
     - [x] reviewed the diff\n",
    "### Summary\n\
     Adjusting `{{ key }}`.\n\
     \n\
     ### Why\n\
     {why}\n\
     \n\
     ### Checklist\n\
     - [x] `{{ target.file }}` only\n\
     - [x] Values double-checked\n",
];

/// The commit messages (the pull request title is their first line) and the reasons for one kind of change.
#[derive(Debug)]
pub struct Wordings {
    /// Commit messages, conventional-commit and plain.
    pub commit_messages: &'static [&'static str],
    /// Why the change is made, one or two sentences, for a layout's [`WHY`] slot.
    pub reasons: &'static [&'static str],
}

/// A body template: `layout` with `reason` in its [`WHY`] slot.
pub fn compose(layout: &str, reason: &str) -> String {
    layout.replacen(WHY, reason, 1)
}

/// Every body template a change of `kind` can get (each layout with each reason), for checks and previews.
pub fn bodies(kind: ChangeKind) -> Vec<String> {
    let reasons = wordings(kind).reasons;
    LAYOUTS.iter().flat_map(|layout| reasons.iter().map(|reason| compose(layout, reason))).collect()
}

/// The wordings for changes of `kind`.
pub fn wordings(kind: ChangeKind) -> &'static Wordings {
    match kind {
        ChangeKind::Port => &PORT,
        ChangeKind::Replicas => &REPLICAS,
        ChangeKind::PoolSize => &POOL_SIZE,
        ChangeKind::Timeout => &TIMEOUT,
        ChangeKind::ImageTag => &IMAGE_TAG,
        ChangeKind::Resources => &RESOURCES,
        ChangeKind::Probe => &PROBE,
        ChangeKind::FeatureFlag => &FEATURE_FLAG,
        ChangeKind::Generic => &GENERIC,
    }
}

/// Any setting: nothing here may hint at what kind of value it is or why it would change in a given way.
pub static GENERIC: Wordings = Wordings {
    commit_messages: &[
        "chore(config): adjust {{ key }}",
        "Tune {{ key.words }}",
        "chore: update {{ target.file }}",
        "fix(config): correct {{ key.words }}",
        "Adjust {{ target.stem }} settings",
        "ops: tweak {{ key }}",
        "Update {{ key }}",
        "chore: align {{ key.words }} with the other environments",
        "Clean up {{ target.stem }} configuration",
    ],
    reasons: &[
        "The current value was set a long time ago and no longer matches what we see in practice.",
        "Brings {{ target.stem }} in line with the other environments.",
        "Cleaning up settings that drifted over time.",
        "Spotted while reading `{{ target.path }}`; the value looked off compared to what the service needs.",
        "Part of the ongoing cleanup of `{{ target.stem }}`; it was copied from another environment originally.",
    ],
};

/// A port a service listens on or connects to.
pub static PORT: Wordings = Wordings {
    commit_messages: &[
        "Point {{ key }} at the new listener",
        "fix(config): correct {{ key.words }}",
        "Align {{ key }} with the port the service listens on",
        "chore(net): update {{ key.words }} in {{ target.stem }}",
        "Update {{ key }} after the listener move",
    ],
    reasons: &[
        "The listener moved during the network rework; this keeps both ends on the same port.",
        "The old port only kept working through the compatibility listener, which is going away.",
        "Matches the port the other environments already use.",
        "The value was copied from another service and never matched what this one binds to.",
    ],
};

/// How many copies of a service run.
pub static REPLICAS: Wordings = Wordings {
    commit_messages: &[
        "Right-size {{ key.words }} in {{ target.stem }}",
        "chore(scaling): adjust {{ key }}",
        "Tune {{ key.words }} for current traffic",
        "ops: right-size replicas in {{ target.file }}",
        "Adjust {{ key }} after the capacity review",
    ],
    reasons: &[
        "Follow-up from the capacity review: we are over-provisioned here.",
        "The autoscaler handles the peaks now, so the fixed count can follow the quiet hours.",
        "Traffic here is a fraction of what it was when this count was chosen.",
        "Keeps resource usage down on `{{ target.branch }}` without touching the services themselves.",
    ],
};

/// The size of a connection pool.
pub static POOL_SIZE: Wordings = Wordings {
    commit_messages: &[
        "Tune {{ key.words }}",
        "chore(config): align {{ key }} with the new connection limits",
        "Right-size connection pool in {{ target.stem }}",
        "fix(config): correct {{ key.words }}",
        "Adjust pool settings in {{ target.stem }}",
    ],
    reasons: &[
        "Trimming settings we no longer need at this size.",
        "The pool size is aligned with the new per-client connection limits on the server side.",
        "The value was copied from production, where the instances are much bigger.",
        "We were holding more idle connections than the other side is sized for.",
    ],
};

/// A timeout or a time to live.
pub static TIMEOUT: Wordings = Wordings {
    commit_messages: &[
        "Tune {{ key.words }}",
        "fix(config): align {{ key }} with the upstream timeout",
        "Fail fast: adjust {{ key.words }}",
        "chore(config): adjust {{ key }}",
        "Adjust timeouts in {{ target.stem }}",
    ],
    reasons: &[
        "Our timeout should end before the load balancer's, so callers get our answer instead of its.",
        "Requests were held open much longer than anyone waits for them; fail fast instead.",
        "Lines it up with the latency we actually measure.",
        "The value predates the move to the new network and was never revisited.",
    ],
};

/// A container image or its tag.
pub static IMAGE_TAG: Wordings = Wordings {
    commit_messages: &[
        "chore(deps): bump image in {{ target.file }}",
        "Update {{ key.words }} in {{ target.stem }}",
        "deploy: roll out the new build via {{ target.file }}",
        "chore: update {{ key.words }} in {{ target.file }}",
        "Bump image to the release cut on {{ date }}",
    ],
    reasons: &[
        "Picks up the build from this week's release branch.",
        "Rolls forward to the newest release; the changes are in the release notes.",
        "Keeps this environment on the same build as the others.",
        "Routine image bump; the build went through CI as usual.",
    ],
};

/// CPU or memory requests and limits.
pub static RESOURCES: Wordings = Wordings {
    commit_messages: &[
        "Right-size {{ key }} in {{ target.stem }}",
        "Reduce resource usage in {{ target.stem }}",
        "chore(resources): adjust {{ key.words }}",
        "Tune {{ key.words }} for {{ target.stem }}",
        "Align {{ key.words }} with observed usage",
    ],
    reasons: &[
        "Came up while looking at resource usage; small change, easy to roll back.",
        "The dashboards show the pods using a fraction of what we reserve for them.",
        "Part of the cost review: this environment reserves far more than it uses.",
        "Requests and limits were copied from production and never sized for this environment.",
    ],
};

/// A liveness, readiness or startup probe.
pub static PROBE: Wordings = Wordings {
    commit_messages: &[
        "Align probes with the new health endpoints",
        "Tune {{ key.words }} in {{ target.stem }}",
        "fix(k8s): adjust probe {{ key }}",
        "chore: align health checks in {{ target.file }}",
        "Tune probe timings in {{ target.file }}",
    ],
    reasons: &[
        "The probes still used the values from before the service moved to the new framework.",
        "Restarts during rollouts look like they come from probe timings that do not match the startup time.",
        "Uses the same probe settings as the other services on the platform.",
        "Spotted while reviewing the rollout settings of `{{ target.stem }}`.",
    ],
};

/// A switch: a feature flag or any boolean setting.
pub static FEATURE_FLAG: Wordings = Wordings {
    commit_messages: &[
        "Toggle {{ key.words }} in {{ target.stem }}",
        "feat(flags): update {{ key }}",
        "chore(flags): flip {{ key }}",
        "Update feature flags in {{ target.stem }}",
        "flags: switch {{ key.words }}",
    ],
    reasons: &[
        "Product wants this rolled out here before the wider release.",
        "Brings the flags here in line with what the other environments run.",
        "Part of the flag cleanup before the next release.",
        "Agreed in the planning meeting; the code path has been on the main branch for weeks.",
    ],
};

/// More titles for any kind of setting, for the wording fitted to a team's style
/// ([`super::style`]): with a kind's own and the generic ones, more than 20 to draw from, so that none comes back
/// while a team's last 20 changes are in view.
pub const MORE_TITLES: &[&str] = &[
    "Adjust {{ key.words }} for {{ target.stem }}",
    "Revisit {{ key.words }}",
    "Set {{ key }} explicitly in {{ target.file }}",
    "Small tweak to {{ target.stem }} config",
    "Follow-up: {{ key.words }}",
    "Update {{ key.words }} after review",
    "Tidy up {{ key.words }} in {{ target.stem }}",
    "Change {{ key }} for {{ target.branch }}",
    "Refresh {{ target.stem }} values",
    "Correct {{ key }} value",
    "Align {{ key.words }} across environments",
    "Simplify {{ target.stem }} settings",
    "Bring {{ key.words }} up to date",
    "Rework {{ key.words }}",
];

/// More reasons for any kind of setting (see [`MORE_TITLES`]).
pub const MORE_REASONS: &[&str] = &[
    "Came up in last week's review of this file.",
    "This was on the cleanup list from the last planning session.",
    "Keeping this in sync with what we agreed on in the channel.",
    "Nobody remembered why it had this value, and the reasoning no longer holds.",
    "Another team asked us to line this up with their side.",
    "The comment next to it in the old wiki page suggested this value all along.",
    "Small follow-up to the change we made here last month.",
    "Reduces the number of special cases we carry in `{{ target.path }}`.",
    "Found while going through the settings with the new on-call.",
    "We have been meaning to change this since the last retro.",
    "Making the value match what the runbook says it should be.",
    "One less thing that differs between environments.",
    "The earlier value was a stopgap that was never removed.",
    "Noticed while reviewing the dashboards; this should be closer to what we run.",
];

/// What a pull request changes, one sentence, for fitted bodies.
pub const WHAT: &[&str] = &[
    "Adjusts `{{ key }}` in `{{ target.path }}`.",
    "Changes `{{ key }}` in `{{ target.file }}`.",
    "Updates `{{ key }}` for `{{ target.stem }}`.",
    "This sets `{{ key }}` to a new value in `{{ target.path }}`.",
    "Only `{{ key }}` in `{{ target.file }}` changes.",
    "A one-line change to `{{ key }}`.",
    "Touches `{{ key }}` in `{{ target.path }}`, nothing else.",
    "Tweaks `{{ key }}` ({{ target.file }}).",
    "Small change to `{{ key }}` in the {{ target.stem }} config.",
    "Edits `{{ key }}` in `{{ target.dir }}`.",
    "Moves `{{ key }}` to a new value.",
    "Sets a new `{{ key }}` in `{{ target.file }}`.",
    "Revises the `{{ key }}` value in `{{ target.path }}`.",
    "The change is to `{{ key }}` only.",
    "Updating `{{ key }}` on `{{ target.branch }}`.",
    "Here `{{ key }}` gets a new value.",
    "One value changes: `{{ key }}`.",
    "Config change to `{{ key }}` in `{{ target.stem }}`.",
    "Bumps `{{ key }}` in `{{ target.file }}`.",
    "Replaces the current `{{ key }}` in `{{ target.path }}`.",
    "Just `{{ key }}`, in `{{ target.file }}`.",
    "A config-only change to `{{ key }}`.",
];

/// Checklist lines for fitted bodies, two per body.
pub const CHECKS: &[&str] = &[
    "Config only",
    "No code changes",
    "Diff reviewed",
    "File still parses",
    "Rendered output checked",
    "Only `{{ target.file }}` changes",
    "Rolls out with the next sync",
    "Values double-checked",
    "Nothing else touched",
    "Checked the other environments",
    "Dashboards open for the rollout",
    "Reviewed with the owning team",
    "No schema changes",
    "Linter passes",
    "Docs need no update",
    "Runbook still accurate",
    "No secrets in the diff",
    "Single value changed",
    "Checked against the chart's values",
    "Rollback is a plain revert",
    "Staging first",
    "Alerts look unaffected",
    "Compared with the previous release",
    "No migration needed",
    "Labels and annotations unchanged",
    "Owners informed",
    "Change is reversible",
    "No dependency updates",
    "YAML validated",
    "Sync status checked",
    "Capacity looked at",
    "Ticket linked",
    "Peer-reviewed the value",
    "No new permissions",
    "Formatting unchanged",
    "Watched the first rollout",
    "Change log entry not needed",
    "Nothing to announce",
    "Kept the comments in the file",
    "Same value shape as before",
    "Checked the history of this value",
    "No manual steps",
    "Reviewed the rendered manifest",
    "No restart ordering needed",
    "Safe to roll forward",
];
