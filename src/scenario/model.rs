//! The typed models of the two files firedrill reads, each in its own module: scenario files ([`file`]) and
//! `firedrill.yml` ([`config`]), with the settings both can hold ([`settings`]). Their doc comments become the
//! JSON Schema descriptions.

mod config;
mod file;
mod settings;

pub use config::{
    Config, CountColors, DEFAULT_LEDGER_BRANCH, DayColors, Defaults, DurationColors, Enabled, Environments,
    StatsSettings, glob_match, looks_like_production, words,
};
pub use file::{Announce, CoverEdit, DocumentSpec, Expect, Hint, NamedDocument, PatchOp, Scenario, Target, to_patch};
pub use settings::{
    Author, DEFAULT_DEPLOY_WATCH, DEFAULT_MAX_DURATION, DEFAULT_MAX_LATENESS, DEFAULT_MERGE_MAX_WAIT,
    DEFAULT_MERGE_OPEN_FOR, DeploySettings, DeploySignal, Disguise, MergeSettings, Safety, Schedule, ScheduleDefaults,
};
