//! A typed builder of scenarios for tests: each test says what it needs instead of editing a shipped example
//! file, so changing `scenarios/*.yaml` never silently changes a test. The result goes through the real loader.

use std::path::Path;

use super::{Config, Scenario};

/// A scenario under construction. Defaults: a Helm values file on `main` of the control repository, the seed's
/// fault (`SERVICE__REDIS__CONNECTION_POOL__SIZE` "10" → "0"), no schedule, `max_duration: 3h`, auto-revert.
#[derive(Debug, Clone)]
pub struct ScenarioBuilder {
    id: String,
    title: String,
    repo: Option<String>,
    path: String,
    branch: String,
    environment: Option<String>,
    fault: Vec<String>,
    schedule: Option<String>,
    max_duration: String,
    auto_revert: bool,
    hints: Vec<(String, String)>,
    extra: Vec<String>,
}

/// The seed's values file and fault.
pub const SEED_VALUES: &str = "charts/checkout/values-staging.yaml";

impl ScenarioBuilder {
    pub fn new(id: &str) -> ScenarioBuilder {
        ScenarioBuilder {
            id: id.to_owned(),
            title: id.to_owned(),
            repo: None,
            path: SEED_VALUES.to_owned(),
            branch: "main".to_owned(),
            environment: Some("staging".to_owned()),
            fault: vec![
                r#"{op: test, path: /env/SERVICE__REDIS__CONNECTION_POOL__SIZE, value: "10"}"#.to_owned(),
                r#"{op: replace, path: /env/SERVICE__REDIS__CONNECTION_POOL__SIZE, value: "0"}"#.to_owned(),
            ],
            schedule: None,
            max_duration: "3h".to_owned(),
            auto_revert: true,
            hints: Vec::new(),
            extra: Vec::new(),
        }
    }

    /// The seed drill, written out here rather than read from `scenarios/`, so that editing the shipped
    /// example never silently changes a test: the Redis pool of the checkout service drained to 0 in the
    /// staging values, a cover edit, a disguise, Tuesdays 10:00 Berlin time in a 2 h window opened 45 min
    /// before, a 3 h limit and two hints.
    pub fn seed() -> ScenarioBuilder {
        ScenarioBuilder::new("redis-pool-exhaustion")
            .title("Redis connection pool drained")
            .schedule("0 10 * * 2", "Europe/Berlin", "2h", "45m")
            .hint("30m", "Errors started right after a deploy. What changed in the checkout service's configuration?")
            .hint("1h", "Look at how the service talks to Redis.")
            .raw(
                "cover:\n  - patch:\n      - op: replace\n        path: /env/SERVICE__REDIS__CONNECTION_POOL__TIMEOUT_MS\n        \
                 value: \"300\"\n",
            )
            .raw(
                "disguise:\n  branch: chore/tune-redis-pool-{{ short_id }}\n  commit_message: \"chore(checkout): tune \
                 redis pool settings for staging\"\n  pr_body: |\n    Tuning the Redis client settings in staging \
                 after last week's load test.\n\n    - slightly longer pool timeout to absorb bursts\n    \
                 - pool size aligned with the new connection limits\n",
            )
            .raw("expect:\n  symptom: checkout returns 503 on every request that reads the cart\n")
    }

    pub fn title(mut self, title: &str) -> Self {
        self.title = title.to_owned();
        self
    }

    /// The target repository (a path, a git URL or `owner/name`).
    pub fn repo(mut self, repo: &str) -> Self {
        self.repo = Some(repo.to_owned());
        self
    }
    pub fn path(mut self, path: &str) -> Self {
        self.path = path.to_owned();
        self
    }
    pub fn branch(mut self, branch: &str) -> Self {
        self.branch = branch.to_owned();
        self
    }
    pub fn environment(mut self, env: Option<&str>) -> Self {
        self.environment = env.map(str::to_owned);
        self
    }
    /// Replaces the fault with `replace` of `pointer` by the string `value`.
    pub fn fault_replace(mut self, pointer: &str, value: &str) -> Self {
        self.fault = vec![format!("{{op: replace, path: {pointer}, value: {value:?}}}")];
        self
    }
    /// No `fault:` (for scenarios whose faults are `variants:`, given with [`ScenarioBuilder::raw`]).
    pub fn no_fault(mut self) -> Self {
        self.fault.clear();
        self
    }
    /// A weekly schedule: `cron` in `timezone`, with `window` and `open_before`.
    pub fn schedule(mut self, cron: &str, timezone: &str, window: &str, open_before: &str) -> Self {
        self.schedule = Some(format!(
            "schedule:\n  cron: {cron:?}\n  timezone: {timezone}\n  window: {window}\n  open_before: {open_before}\n  \
             max_lateness: 1h\n"
        ));
        self
    }
    pub fn max_duration(mut self, d: &str) -> Self {
        self.max_duration = d.to_owned();
        self
    }
    pub fn auto_revert(mut self, on: bool) -> Self {
        self.auto_revert = on;
        self
    }
    pub fn hint(mut self, after: &str, text: &str) -> Self {
        self.hints.push((after.to_owned(), text.to_owned()));
        self
    }
    /// Any other top-level YAML, verbatim (e.g. a `disguise:` block).
    pub fn raw(mut self, yaml: &str) -> Self {
        self.extra.push(yaml.to_owned());
        self
    }

    /// The scenario file's text.
    pub fn yaml(&self) -> String {
        let mut y = format!("id: {}\ntitle: {}\ntarget:\n", self.id, self.title);
        if let Some(r) = &self.repo {
            y.push_str(&format!("  repo: {r}\n"));
        }
        y.push_str(&format!("  path: {}\n  branch: {}\n", self.path, self.branch));
        if let Some(e) = &self.environment {
            y.push_str(&format!("  environment: {e}\n"));
        }
        if !self.fault.is_empty() {
            y.push_str("fault:\n");
        }
        for op in &self.fault {
            y.push_str(&format!("  - {op}\n"));
        }
        if let Some(s) = &self.schedule {
            y.push_str(s);
        }
        y.push_str(&format!("safety:\n  max_duration: {}\n  auto_revert: {}\n", self.max_duration, self.auto_revert));
        if !self.hints.is_empty() {
            y.push_str("hints:\n");
            for (after, text) in &self.hints {
                y.push_str(&format!("  - after: {after}\n    text: {text:?}\n"));
            }
        }
        for e in &self.extra {
            y.push_str(e);
            if !e.ends_with('\n') {
                y.push('\n');
            }
        }
        y
    }

    /// The scenario, loaded by the real loader (panics with the diagnostics when the builder was misused).
    pub fn build(&self) -> Scenario {
        let text = self.yaml();
        match super::load(Path::new(&format!("{}.yaml", self.id)), &text) {
            Ok(s) => s,
            Err(d) => panic!("the scenario builder wrote an invalid scenario:\n{text}\n{d:?}"),
        }
    }
}

/// A `firedrill.yml` from its text, loaded by the real loader (panics when invalid).
pub fn config(yaml: &str) -> Config {
    if yaml.trim().is_empty() {
        return Config::default();
    }
    match super::load_config(Path::new("firedrill.yml"), yaml) {
        Ok(c) => c,
        Err(d) => panic!("invalid firedrill.yml in a test:\n{yaml}\n{d:?}"),
    }
}
