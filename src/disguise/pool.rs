//! The built-in wordings a disguise picks from when the scenario gives none: branch names, and commit
//! messages and pull request bodies for each [`ChangeKind`], that read like a colleague's routine config tweak.
//!
//! Rules for adding a wording: only variables from [`KNOWN_VARIABLES`](super::KNOWN_VARIABLES), never
//! `scenario.id` or `drill.id` (scenario ids tend to say what breaks), and none of the giveaway words checked
//! by [`giveaway_words`](super::giveaway_words) (mind `default`, which contains one). Appending is safe for
//! past drills only in the sense that they are over; any change re-words future drills, which is fine.
//!
//! A wording of a kind gives a reason that fits that kind of setting ("the port the service listens on
//! moved"), never what the change breaks. The generic wordings give no reason tied to a kind of setting:
//! they serve every change whose keys tell nothing (a port change once got "we are over-provisioned here").

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

/// The commit messages (the pull request title is their first line) and pull request bodies for one kind.
#[derive(Debug)]
pub struct Wordings {
    /// Commit messages, conventional-commit and plain.
    pub commit_messages: &'static [&'static str],
    /// Pull request bodies: a short what and why, and a checklist, in a few house styles.
    pub pr_bodies: &'static [&'static str],
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
    pr_bodies: &[
        "## What\n\
         Adjusts `{{ key }}` in `{{ target.path }}`.\n\
         \n\
         ## Why\n\
         The current value was set a long time ago and no longer matches what we see in practice.\n\
         \n\
         ## Checklist\n\
         - [x] Config-only change\n\
         - [x] Checked that the file still parses\n\
         - [ ] Keep an eye on the dashboards after rollout\n",
        "**What:** update `{{ key }}` in `{{ target.path }}`\n\
         **Why:** bring {{ target.stem }} in line with the other environments\n\
         \n\
         - [x] config only\n\
         - [x] diff reviewed\n",
        "What\n\
         ----\n\
         Changes `{{ key }}` ({{ target.file }}).\n\
         \n\
         Why\n\
         ---\n\
         Cleaning up settings that drifted over time.\n\
         \n\
         - [x] Config change only\n\
         - [x] Nothing else touched\n",
        "## What\n\
         One-line change to `{{ key }}`.\n\
         \n\
         ## Why\n\
         Spotted while reading `{{ target.path }}`; the value looked off compared to what the service needs.\n\
         \n\
         ## Checklist\n\
         - [x] Single value changed\n\
         - [x] Formatting and comments untouched\n",
        "## What\n\
         Set `{{ key }}` to the value the other environments use.\n\
         \n\
         ## Why\n\
         Part of the ongoing cleanup of `{{ target.stem }}`; it was copied from another environment originally.\n\
         \n\
         ## Checklist\n\
         - [x] Config-only\n\
         - [x] Merges into `{{ target.branch }}`\n\
         - [ ] Follow up if anything looks odd after the sync\n",
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
    pr_bodies: &[
        "## What\n\
         Changes `{{ key }}` in `{{ target.path }}`.\n\
         \n\
         ## Why\n\
         The listener moved during the network rework; this keeps both ends on the same port.\n\
         \n\
         ## Checklist\n\
         - [x] Config-only change\n\
         - [x] Checked against the other end's settings\n",
        "### What\n\
         Update `{{ key }}` ({{ target.file }}).\n\
         \n\
         ### Why\n\
         The old port only kept working through the compatibility listener, which is going away.\n\
         \n\
         ### Checklist\n\
         - [x] No code changes\n\
         - [x] Reviewed the rendered diff\n",
        "**What:** `{{ key }}` in `{{ target.path }}`\n\
         **Why:** match the port the other environments already use\n\
         \n\
         - [x] config only\n\
         - [x] diff reviewed\n",
        "Quick port fix.\n\
         \n\
         **What**\n\
         - `{{ key }}` in `{{ target.path }}`\n\
         \n\
         **Why**\n\
         - the value was copied from another service and never matched what this one binds to\n\
         \n\
         **Checklist**\n\
         - [x] config only, no code\n\
         - [x] rolls out with the next sync of `{{ target.branch }}`\n",
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
    pr_bodies: &[
        "### What\n\
         Tune `{{ key }}` in `{{ target.file }}`.\n\
         \n\
         ### Why\n\
         Follow-up from the capacity review: we are over-provisioned here.\n\
         \n\
         ### Checklist\n\
         - [x] No code changes\n\
         - [x] Reviewed the rendered diff\n",
        "## Summary\n\
         Small tweak to `{{ target.path }}`: `{{ key }}`.\n\
         \n\
         ## Motivation\n\
         Keeps resource usage down on `{{ target.branch }}` without touching the services themselves.\n\
         \n\
         ## Checklist\n\
         - [x] Only `{{ target.file }}` changes\n\
         - [x] Rolls out with the next sync\n\
         - [ ] Revisit in a couple of weeks\n",
        "**What:** `{{ key }}` in `{{ target.path }}`\n\
         **Why:** the autoscaler handles the peaks now, so the fixed count can follow the quiet hours\n\
         \n\
         - [x] config only\n\
         - [x] diff reviewed\n",
        "## What\n\
         Adjusts `{{ key }}` for `{{ target.stem }}`.\n\
         \n\
         ## Why\n\
         Traffic here is a fraction of what it was when this count was chosen.\n\
         \n\
         ## Checklist\n\
         - [x] Config-only change\n\
         - [ ] Watch the latency panels after the sync\n",
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
    pr_bodies: &[
        "Quick config update.\n\
         \n\
         **What**\n\
         - `{{ key }}` in `{{ target.path }}`\n\
         \n\
         **Why**\n\
         - trimming settings we no longer need at this size\n\
         \n\
         **Checklist**\n\
         - [x] config only, no code\n\
         - [x] reviewed the diff\n",
        "## What\n\
         Adjusts `{{ key }}` in `{{ target.path }}`.\n\
         \n\
         ## Why\n\
         The pool size is aligned with the new per-client connection limits on the server side.\n\
         \n\
         ## Checklist\n\
         - [x] Config-only change\n\
         - [x] Checked the server's connection limit\n",
        "### Summary\n\
         Adjusting `{{ key }}`.\n\
         \n\
         ### Why\n\
         The value was copied from production, where the instances are much bigger.\n\
         \n\
         ### Checklist\n\
         - [x] `{{ target.file }}` only\n\
         - [x] Values double-checked\n",
        "**What:** `{{ key }}` in `{{ target.path }}`\n\
         **Why:** we were holding more idle connections than the other side is sized for\n\
         \n\
         - [x] config only\n\
         - [x] diff reviewed\n",
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
    pr_bodies: &[
        "## What\n\
         Adjusts `{{ key }}` in `{{ target.path }}`.\n\
         \n\
         ## Why\n\
         Our timeout should end before the load balancer's, so callers get our answer instead of its.\n\
         \n\
         ## Checklist\n\
         - [x] Config-only change\n\
         - [x] Compared with the upstream's timeout\n",
        "### What\n\
         Tune `{{ key }}` in `{{ target.file }}`.\n\
         \n\
         ### Why\n\
         Requests were held open much longer than anyone waits for them; fail fast instead.\n\
         \n\
         ### Checklist\n\
         - [x] No code changes\n\
         - [x] Reviewed the rendered diff\n",
        "**What:** `{{ key }}` in `{{ target.path }}`\n\
         **Why:** line it up with the latency we actually measure\n\
         \n\
         - [x] config only\n\
         - [x] diff reviewed\n",
        "## Summary\n\
         Small tweak to `{{ target.path }}`: `{{ key }}`.\n\
         \n\
         ## Motivation\n\
         The value predates the move to the new network and was never revisited.\n\
         \n\
         ## Checklist\n\
         - [x] Only `{{ target.file }}` changes\n\
         - [ ] Revisit in a couple of weeks\n",
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
    pr_bodies: &[
        "## What\n\
         Updates `{{ key }}` in `{{ target.path }}`.\n\
         \n\
         ## Why\n\
         Picks up the build from this week's release branch.\n\
         \n\
         ## Checklist\n\
         - [x] Image built and pushed by CI\n\
         - [x] Config-only change\n",
        "**What:** `{{ key }}` in `{{ target.path }}`\n\
         **Why:** roll forward to the newest release; changes are in the release notes\n\
         \n\
         - [x] config only\n\
         - [x] diff reviewed\n",
        "### Summary\n\
         New build in `{{ target.path }}`.\n\
         \n\
         ### Why\n\
         Keeps this environment on the same build as the others.\n\
         \n\
         ### Checklist\n\
         - [x] `{{ target.file }}` only\n\
         - [x] Merges into `{{ target.branch }}`\n",
        "Routine image bump.\n\
         \n\
         **What**\n\
         - `{{ key }}` in `{{ target.path }}`\n\
         \n\
         **Checklist**\n\
         - [x] no code changes in this repository\n\
         - [x] rolls out with the next sync\n",
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
    pr_bodies: &[
        "## Summary\n\
         Small tweak to `{{ target.path }}`: `{{ key }}`.\n\
         \n\
         ## Motivation\n\
         Keeps resource usage down on `{{ target.branch }}` without touching the services themselves.\n\
         \n\
         ## Checklist\n\
         - [x] Only `{{ target.file }}` changes\n\
         - [x] Rolls out with the next sync\n\
         - [ ] Revisit in a couple of weeks\n",
        "### Summary\n\
         Adjusting `{{ key }}`.\n\
         \n\
         ### Why\n\
         Came up while looking at resource usage; small change, easy to roll back.\n\
         \n\
         ### Checklist\n\
         - [x] `{{ target.file }}` only\n\
         - [x] Values double-checked\n",
        "## What\n\
         Adjusts `{{ key }}` in `{{ target.path }}`.\n\
         \n\
         ## Why\n\
         The dashboards show the pods using a fraction of what we reserve for them.\n\
         \n\
         ## Checklist\n\
         - [x] Config-only change\n\
         - [ ] Keep an eye on the dashboards after rollout\n",
        "**What:** `{{ key }}` in `{{ target.path }}`\n\
         **Why:** part of the cost review: this environment reserves far more than it uses\n\
         \n\
         - [x] config only\n\
         - [x] diff reviewed\n",
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
    pr_bodies: &[
        "## What\n\
         Adjusts `{{ key }}` in `{{ target.path }}`.\n\
         \n\
         ## Why\n\
         The probes still used the values from before the service moved to the new framework.\n\
         \n\
         ## Checklist\n\
         - [x] Config-only change\n\
         - [x] Health endpoints checked by hand\n",
        "### What\n\
         Tune `{{ key }}` in `{{ target.file }}`.\n\
         \n\
         ### Why\n\
         Restarts during rollouts look like they come from probe timings that do not match the startup time.\n\
         \n\
         ### Checklist\n\
         - [x] No code changes\n\
         - [x] Reviewed the rendered diff\n",
        "**What:** `{{ key }}` in `{{ target.path }}`\n\
         **Why:** use the same probe settings as the other services on the platform\n\
         \n\
         - [x] config only\n\
         - [x] diff reviewed\n",
        "## Summary\n\
         Health check tweak in `{{ target.path }}`: `{{ key }}`.\n\
         \n\
         ## Motivation\n\
         Spotted while reviewing the rollout settings of `{{ target.stem }}`.\n\
         \n\
         ## Checklist\n\
         - [x] Only `{{ target.file }}` changes\n\
         - [ ] Watch the next rollout\n",
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
    pr_bodies: &[
        "## What\n\
         Flips `{{ key }}` in `{{ target.path }}`.\n\
         \n\
         ## Why\n\
         Product wants this rolled out here before the wider release.\n\
         \n\
         ## Checklist\n\
         - [x] Config-only change\n\
         - [x] Easy to flip back\n",
        "**What:** `{{ key }}` in `{{ target.path }}`\n\
         **Why:** bring the flags here in line with what the other environments run\n\
         \n\
         - [x] config only\n\
         - [x] diff reviewed\n",
        "### Summary\n\
         Flag update: `{{ key }}`.\n\
         \n\
         ### Why\n\
         Part of the flag cleanup before the next release.\n\
         \n\
         ### Checklist\n\
         - [x] `{{ target.file }}` only\n\
         - [x] No code changes\n",
        "Quick flag change.\n\
         \n\
         **What**\n\
         - `{{ key }}` in `{{ target.path }}`\n\
         \n\
         **Why**\n\
         - agreed in the planning meeting; the code path has been on the main branch for weeks\n\
         \n\
         **Checklist**\n\
         - [x] config only, no code\n\
         - [x] rolls out with the next sync\n",
    ],
};
