//! The built-in wordings a disguise picks from when the scenario gives none: branch names, commit messages
//! and pull request bodies that read like a colleague's routine config tweak.
//!
//! Rules for adding a wording: only variables from [`KNOWN_VARIABLES`](super::KNOWN_VARIABLES), never
//! `scenario.id` or `drill.id` (scenario ids tend to say what breaks), and none of the giveaway words checked
//! by [`giveaway_words`](super::giveaway_words) (mind `default`, which contains one). Appending is safe for
//! past drills only in the sense that they are over; any change re-words future drills, which is fine.

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

/// Commit messages, conventional-commit and plain; the pull request title is the first line.
pub const COMMIT_MESSAGES: [&str; 10] = [
    "chore(config): adjust {{ key }}",
    "Tune {{ key.words }}",
    "Reduce resource usage in {{ target.stem }}",
    "chore: update {{ target.file }}",
    "fix(config): correct {{ key.words }}",
    "Adjust {{ target.stem }} settings",
    "ops: tweak {{ key }}",
    "Update {{ key }}",
    "chore: align {{ key.words }} with current usage",
    "Clean up {{ target.stem }} configuration",
];

/// Pull request bodies: a short what and why, and a checklist, in a few house styles.
pub const PR_BODIES: [&str; 9] = [
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
    "### What\n\
     Tune `{{ key }}` in `{{ target.file }}`.\n\
     \n\
     ### Why\n\
     Follow-up from the capacity review: we are over-provisioned here.\n\
     \n\
     ### Checklist\n\
     - [x] No code changes\n\
     - [x] Reviewed the rendered diff\n",
    "**What:** update `{{ key }}` in `{{ target.path }}`\n\
     **Why:** bring {{ target.stem }} in line with the other environments\n\
     \n\
     - [x] config only\n\
     - [x] diff reviewed\n",
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
     Set `{{ key }}` to a value that fits current load.\n\
     \n\
     ## Why\n\
     Part of the ongoing cleanup of `{{ target.stem }}`; it was copied from another environment originally.\n\
     \n\
     ## Checklist\n\
     - [x] Config-only\n\
     - [x] Merges into `{{ target.branch }}`\n\
     - [ ] Follow up if anything looks odd after the sync\n",
    "### Summary\n\
     Adjusting `{{ key }}`.\n\
     \n\
     ### Why\n\
     Came up while looking at resource usage; small change, easy to roll back.\n\
     \n\
     ### Checklist\n\
     - [x] `{{ target.file }}` only\n\
     - [x] Values double-checked\n",
];
