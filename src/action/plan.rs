//! What one Action run does, decided from the inputs and the event before anything is read or written.

use jiff::Timestamp;

use super::event::{DispatchMode, Trigger};
use super::inputs::{Inputs, Mode};

/// The work of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    /// Check the scenarios; problems become `::error file=…` annotations.
    Validate,
    /// Show what a scenario would do.
    Preview { scenario: String, now: Option<Timestamp> },
    /// Do whatever is due (for one scenario only when `only` is set).
    Tick { now: Option<Timestamp>, only: Option<String> },
    /// Start a drill of one scenario now, by hand.
    Start { scenario: String, now: Option<Timestamp> },
    /// A drill command (`revert`, `abort`, `status`) on one drill.
    Command { name: String, drill: String, actor: String, now: Option<Timestamp> },
    /// The `/drill` commands of one comment (named by an `issue_comment` event or a relay's dispatch), read back
    /// through the API and handled on the drill whose pull request it is on.
    /// `review_of`: the comment is a review's body, on that pull request.
    Comment { repository: String, id: u64, review_of: Option<u64>, now: Option<Timestamp> },
    /// Record pushed alerts on the drills they belong to, then do whatever is due.
    Alerts { pushed: crate::observe::push::Pushed, now: Option<Timestamp> },
    /// Nothing to do, and why.
    Nothing(String),
}

/// Chooses the job. `actor` is who started the run (`GITHUB_ACTOR`). An `Err` is a usage error for people.
pub fn job(inputs: &Inputs, trigger: &Trigger, actor: &str) -> Result<Job, String> {
    let now = inputs.now;
    let need_scenario = |from: Option<&String>| {
        from.or(inputs.scenario.as_ref())
            .cloned()
            .ok_or_else(|| "preview needs a scenario: set the `scenario` input (or the dispatch input)".to_owned())
    };
    match (inputs.command, trigger) {
        (Mode::Validate, _) => Ok(Job::Validate),
        (Mode::Preview, Trigger::Dispatch(d)) => {
            Ok(Job::Preview { scenario: need_scenario(d.scenario.as_ref())?, now: now.or(d.now) })
        }
        (Mode::Preview, _) => Ok(Job::Preview { scenario: need_scenario(None)?, now }),
        (Mode::Tick | Mode::Auto, Trigger::Alerts(p)) => Ok(Job::Alerts { pushed: p.clone(), now }),
        (Mode::Tick, Trigger::Dispatch(d)) => {
            Ok(Job::Tick { now: now.or(d.now), only: d.scenario.clone().or_else(|| inputs.scenario.clone()) })
        }
        (Mode::Tick, _) => Ok(Job::Tick { now, only: inputs.scenario.clone() }),
        (Mode::Command | Mode::Auto, Trigger::Dispatch(d)) if d.comment.is_some() => {
            let (repository, id) = d.comment.clone().unwrap_or_default();
            Ok(Job::Comment { repository, id, review_of: d.review_of, now: now.or(d.now) })
        }
        (Mode::Command | Mode::Auto, Trigger::Command(c)) => match &c.repository {
            Some(repository) => {
                Ok(Job::Comment { repository: repository.clone(), id: c.id, review_of: c.review_of, now })
            }
            None => Err("the issue_comment event payload has no repository.full_name".into()),
        },
        (Mode::Command | Mode::Auto, Trigger::Dispatch(d)) if d.command.is_some() => {
            let name = d.command.clone().unwrap_or_default();
            let drill = d
                .drill
                .clone()
                .ok_or_else(|| format!("the `{name}` command needs the drill: add a `drill` input to the dispatch"))?;
            Ok(Job::Command { name, drill, actor: actor.to_owned(), now: now.or(d.now) })
        }
        (Mode::Command, _) => {
            Err("`command: command` needs an issue_comment event or a dispatch with a `command` input".into())
        }
        (Mode::Auto, Trigger::Tick) => Ok(Job::Tick { now, only: None }),
        (Mode::Auto, Trigger::Dispatch(d)) => match d.mode {
            DispatchMode::Preview => {
                Ok(Job::Preview { scenario: need_scenario(d.scenario.as_ref())?, now: now.or(d.now) })
            }
            // A manual run of one scenario starts it now; without a scenario it does what is due.
            DispatchMode::Run => match d.scenario.clone().or_else(|| inputs.scenario.clone()) {
                Some(scenario) => Ok(Job::Start { scenario, now: now.or(d.now) }),
                None => Ok(Job::Tick { now: now.or(d.now), only: None }),
            },
        },
        // Observing is what a tick does first; doing it now saves waiting for the next scheduled run.
        (Mode::Auto, Trigger::Observe(_)) => Ok(Job::Tick { now, only: None }),
        (Mode::Auto, Trigger::Ignored(why)) => Ok(Job::Nothing(why.clone())),
    }
}

/// Which forge the lifecycle runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForgeChoice {
    /// Plain git: firedrill pushes and merges the branch itself.
    Local,
    /// The GitHub REST API at this root.
    GitHub { api_url: String },
}

/// The seam where the GitHub forge plugs in: `api-url: local` (or none at all, outside GitHub) means plain
/// git; any other API root means GitHub or GitHub Enterprise.
pub fn forge_for(api_url: Option<&str>) -> ForgeChoice {
    match api_url.map(str::trim) {
        None | Some("" | "local" | "none") => ForgeChoice::Local,
        Some(url) => ForgeChoice::GitHub { api_url: url.trim_end_matches('/').to_owned() },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::action::event::Dispatch;

    fn inputs(pairs: &[(&str, &str)]) -> Inputs {
        let vars: BTreeMap<String, String> = pairs.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        Inputs::from_vars(&vars).unwrap()
    }

    fn dispatch(scenario: Option<&str>, mode: DispatchMode, command: Option<&str>) -> Trigger {
        Trigger::Dispatch(Dispatch {
            scenario: scenario.map(Into::into),
            mode,
            now: None,
            command: command.map(Into::into),
            drill: None,
            comment: None,
            review_of: None,
        })
    }

    #[test]
    fn auto_follows_the_event() {
        let i = inputs(&[]);
        assert_eq!(job(&i, &Trigger::Tick, "a"), Ok(Job::Tick { now: None, only: None }));
        assert_eq!(
            job(&i, &dispatch(Some("redis"), DispatchMode::Preview, None), "a"),
            Ok(Job::Preview { scenario: "redis".into(), now: None })
        );
        assert_eq!(
            job(&i, &dispatch(Some("redis"), DispatchMode::Run, None), "a"),
            Ok(Job::Start { scenario: "redis".into(), now: None })
        );
        assert!(job(&i, &dispatch(None, DispatchMode::Preview, None), "a").unwrap_err().contains("needs a scenario"));
        assert!(
            job(&i, &dispatch(None, DispatchMode::Run, Some("revert")), "a").unwrap_err().contains("needs the drill")
        );
        assert!(matches!(job(&i, &Trigger::Ignored("x".into()), "a"), Ok(Job::Nothing(_))));
    }

    #[test]
    fn the_command_input_overrides_the_event() {
        assert_eq!(job(&inputs(&[("INPUT_COMMAND", "validate")]), &Trigger::Tick, "a"), Ok(Job::Validate));
        let i =
            inputs(&[("INPUT_COMMAND", "preview"), ("INPUT_SCENARIO", "redis"), ("INPUT_NOW", "2026-11-24T09:00:00Z")]);
        assert_eq!(
            job(&i, &Trigger::Tick, "a"),
            Ok(Job::Preview { scenario: "redis".into(), now: Some("2026-11-24T09:00:00Z".parse().unwrap()) })
        );
        assert!(job(&inputs(&[("INPUT_COMMAND", "command")]), &Trigger::Tick, "a").is_err());
    }

    #[test]
    fn forge_choice() {
        assert_eq!(forge_for(None), ForgeChoice::Local);
        assert_eq!(forge_for(Some("local")), ForgeChoice::Local);
        assert_eq!(
            forge_for(Some("https://api.github.com/")),
            ForgeChoice::GitHub { api_url: "https://api.github.com".into() }
        );
    }
}
