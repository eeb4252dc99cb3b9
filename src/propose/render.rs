//! Every text `suggest` writes: the symptom and hints of a fault, the scenario file, and the listings
//! (Markdown and JSON).

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::chain::Mechanism;
use super::families::{Candidate, Family};
use super::{Proposal, Suggestion};
use crate::disguise::{ChangeKind, pool};
use crate::patch::DocumentSelector;
use crate::schedule::seed::SeededRng;

pub(crate) fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// What responders will see, for the report's reveal and the game master's review: the chain's own when it
/// made it exact, else the family's, true to how the fault shows ([`Mechanism`]).
pub fn symptom(c: &Candidate) -> String {
    if let Some(s) = &c.symptom {
        return s.clone();
    }
    let key = &c.key;
    let new = shown(&c.new);
    let seconds = !super::words(key).iter().any(|w| matches!(w.as_str(), "ms" | "millis" | "milliseconds"))
        && !new.ends_with("ms");
    let mut s = match c.family {
        Family::Timeout if c.mechanism == Mechanism::Reconcile => format!(
            "Flux gives up on each reconciliation after {new}: the object reports `Ready=False` (context deadline \
             exceeded) and nothing new deploys through it; the running pods are untouched"
        ),
        Family::PoolSize => format!(
            "with `{key}` at {new}, requests that need it wait for a connection or worker that never comes and time \
             out; the dependency itself is healthy"
        ),
        Family::Timeout if seconds && integer_one(&c.new) => format!(
            "with `{key}` at {new} s, every call that takes longer than a second gives up with a timeout error while \
             the other side is healthy: slow requests fail first"
        ),
        Family::Timeout => format!(
            "with `{key}` at {new}, every call it governs gives up at once with timeout errors while the other side \
             is healthy"
        ),
        Family::Retries => format!(
            "with `{key}` at {new}, transient failures that were retried away now reach users: the error rate rises \
             in bursts"
        ),
        Family::Replicas => "no pod runs: the Service has no endpoints and every request fails (503)".to_owned(),
        Family::Port => format!("connections on port {new} are refused: nothing listens there"),
        Family::Host => format!("`{new}` does not resolve (NXDOMAIN): every call to that dependency fails"),
        Family::ImageTag => format!(
            "new pods stay in ImagePullBackOff (`{new}` does not exist): the rollout stalls; the old pods keep \
             serving, fewer of them by the rollout's `maxUnavailable`"
        ),
        Family::Probe => format!("the probe now checks `{new}`: new pods never become ready and the rollout stalls"),
        Family::MemoryLimit => format!("the memory limit {new} is below what the pods use: they are OOMKilled"),
        Family::FeatureFlag => format!("the behaviour behind `{key}` is switched {} for every user", on_off(&c.new)),
        Family::UrlScheme => format!("calls to `{new}` fail: TLS and plain HTTP do not talk to each other"),
        Family::YamlBoolean => format!(
            "the manifest no longer applies: Kubernetes refuses the boolean {new} at `{key}` (`cannot unmarshal bool \
             into Go struct field … of type string`); the sync fails, the running pods keep the old settings, and \
             nothing else of this app deploys until the quotes are back"
        ),
    };
    if let Some(note) = &c.note {
        let _ = write!(s, " ({note})");
    }
    s
}

fn integer_one(v: &Value) -> bool {
    v.as_i64() == Some(1) || v.as_str() == Some("1")
}

fn on_off(v: &Value) -> &'static str {
    match v {
        Value::Bool(true) => "on",
        Value::String(s) if s == "true" => "on",
        _ => "off",
    }
}

/// Three hints, weakest first, true to how the fault shows: a refused object or a failed reconciliation sends
/// responders to the sync status, a stalled rollout to the new pods, a runtime break to the service.
pub fn hints(c: &Candidate) -> Vec<String> {
    let area = c.file.rsplit_once('/').map_or("the repository root", |(d, _)| d);
    let first = match c.mechanism {
        Mechanism::Rejected | Mechanism::Reconcile => {
            format!("Nothing has deployed since the last merge. What changed under `{area}`?")
        }
        Mechanism::Rollout => format!("The last deploy never finished rolling out. What changed under `{area}`?"),
        Mechanism::Runtime => {
            format!("Errors started right after a deploy. What changed in the configuration under `{area}`?")
        }
    };
    let medium = match (c.mechanism, c.family) {
        (Mechanism::Rejected, _) => "The last sync failed. Read the error Kubernetes gave for this app's manifests.",
        (Mechanism::Reconcile, _) => {
            "Flux reports the reconciliation failed: read the `Ready` condition and its message (`flux get all`)."
        }
        (Mechanism::Rollout, Family::ImageTag) => "Why do the new pods not start? Read their events.",
        (Mechanism::Rollout, Family::Port) => {
            "Why do the new pods never become ready? Compare the port their probe checks with where the app listens."
        }
        (Mechanism::Rollout, _) => "Why do the new pods never become ready? Look at their probes.",
        (_, Family::PoolSize) => "Look at how the service sizes its connection pools and workers.",
        (_, Family::Timeout) => "Look at the timeouts the service uses when it calls its dependencies.",
        (_, Family::Retries) => "Look at how the service retries failed calls.",
        (_, Family::Replicas) => "How many copies of the service are running right now?",
        (_, Family::Port) if c.chain.contains("the peer still listens") => {
            "The dependency is up. Is the service talking to the right port?"
        }
        (_, Family::Port) => "The pods look healthy. Does the traffic reach the port the app listens on?",
        (_, Family::Host) if c.symptom.as_deref().is_some_and(|s| s.contains("ingress")) => {
            "The service is healthy but its users get 404. Which host names does the ingress answer for?"
        }
        (_, Family::Host) => "Read the host names in the configuration letter by letter.",
        (_, Family::ImageTag) => "Which image version did the last rollout ask for, and does it exist?",
        (_, Family::Probe) => "Why are the pods restarting? Look at their probes and events.",
        (_, Family::MemoryLimit) => "Look at the memory settings of the pods and at their last termination reason.",
        (_, Family::FeatureFlag) => "Did a feature flag change in the last deploy?",
        (_, Family::UrlScheme) => "Look closely at the URLs the service calls.",
        (_, Family::YamlBoolean) => "The last sync failed. Read the error Kubernetes gave for this app's manifests.",
    };
    vec![first, medium.to_owned(), format!("Compare `{}` in `{}` with its value before the last merge.", c.key, c.file)]
}

/// The times the hints are given at, weakest first.
const HINT_AFTER: [&str; 3] = ["20m", "45m", "1h30m"];

/// A JSON string (or other value) as YAML: JSON is YAML, and a quoted string is a string to every reader.
fn y(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// The `target.document` / `target.embedded` lines of a selector.
fn selector_lines(selector: &DocumentSelector, out: &mut String) {
    match selector {
        DocumentSelector::Index(i) => {
            let _ = writeln!(out, "  document: {i}");
        }
        DocumentSelector::Named { kind, name } => {
            out.push_str("  document:\n");
            if let Some(k) = kind {
                let _ = writeln!(out, "    kind: {}", y(k));
            }
            let _ = writeln!(out, "    name: {}", y(name));
        }
        DocumentSelector::Embedded { outer, at } => {
            if let Some(o) = outer {
                selector_lines(o, out);
            }
            let _ = writeln!(out, "  embedded: {}", y(&at.to_string()));
        }
    }
}

/// The commit message, from the built-in wordings of the change's kind, picked by the scenario id.
pub fn commit_message(s: &Suggestion) -> &'static str {
    let kind = ChangeKind::of(&s.pointer, Some(&s.new));
    // A boolean whose quotes go reads as a style cleanup, not as a flag being flipped.
    let messages =
        if s.family == Family::YamlBoolean { QUOTING_MESSAGES } else { pool::wordings(kind).commit_messages };
    SeededRng::for_purpose(&s.id, "suggest.commit_message").pick(messages).copied().unwrap_or("chore: update config")
}

/// Commit messages for a change that only drops quotes.
const QUOTING_MESSAGES: &[&str] = &[
    "style: drop redundant quotes in {{ target.file }}",
    "chore({{ target.stem }}): normalise YAML booleans",
    "Clean up quoting in {{ target.stem }}",
    "chore: yamllint cleanup in {{ target.file }}",
];

/// A title for the game master (responders never see it: scenarios stay in the control repository).
fn title(s: &Suggestion) -> String {
    let key = &s.key;
    let what = match s.family {
        Family::PoolSize => "drained to 0",
        Family::Timeout => "cut to almost nothing",
        Family::Retries => "retries turned off",
        Family::Replicas => "scaled to 0",
        Family::Port => "one port off",
        Family::Host => "host name misspelt",
        Family::ImageTag => "image tag that does not exist",
        Family::Probe => "probe checks the wrong thing",
        Family::MemoryLimit => "memory limit too low",
        Family::FeatureFlag => "feature flag flipped",
        Family::UrlScheme => "URL scheme changed",
        Family::YamlBoolean => "quotes dropped, a boolean where Kubernetes wants a string",
    };
    format!("{key}: {what}")
}

/// The scenario file of a suggestion, ready for `validate` and `preview`.
pub fn scenario(s: &Suggestion, branch: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Suggested by `firedrill suggest`: {} at {}:{}.", s.family, s.file, s.line);
    let _ = writeln!(out, "# Score {} — review it before scheduling (docs/choosing-a-fault.md):", s.score.total);
    for (points, reason) in &s.score.reasons {
        let _ = writeln!(out, "#   {points:+} {reason}");
    }
    let _ = writeln!(out, "#   - {}\n#   + {}", s.before.trim_end(), s.after.trim_end());
    let _ = writeln!(out, "# Breaks ({}): {}", s.mechanism.label(), s.chain);
    let _ = writeln!(out, "id: {}", s.id);
    let _ = writeln!(out, "title: {}", y(&title(s)));
    let _ = writeln!(
        out,
        "description: {}",
        y(&format!("{} goes from {} to {} in {}. {}", s.pointer, s.old, s.new, s.file, capitalise(&s.symptom)))
    );
    target_lines(s, branch, &mut out);
    out.push_str("fault:\n");
    out.push_str(&fault_lines(s, "  "));
    out.push_str("disguise:\n");
    let _ = writeln!(out, "  commit_message: {}", y(&commit_message(s)));
    if s.family == Family::YamlBoolean {
        // The kind-keyed reasons of a boolean speak of flags being switched; this change claims to switch nothing.
        let _ = writeln!(
            out,
            "  pr_body: {}",
            y(&"Writes the boolean settings of `{{ target.file }}` as plain YAML booleans instead of quoted \
                strings; no value changes.")
        );
    }
    out.push_str("safety:\n  max_duration: 3h\n  auto_revert: true\n");
    out.push_str("hints:\n");
    for (after, text) in HINT_AFTER.iter().zip(&s.hints) {
        let _ = writeln!(out, "  - after: {after}\n    text: {}", y(text));
    }
    out.push_str("expect:\n");
    let _ = writeln!(out, "  symptom: {}", y(&s.symptom));
    out
}

/// The `target:` block of a suggestion's scenario.
fn target_lines(s: &Suggestion, branch: &str, out: &mut String) {
    out.push_str("target:\n");
    let _ = writeln!(out, "  path: {}", y(&s.file));
    let _ = writeln!(out, "  branch: {}", y(&branch));
    if let Some(sel) = &s.selector {
        selector_lines(sel, out);
    }
    if let Some(env) = &s.environment {
        let _ = writeln!(out, "  environment: {env}");
    }
}

/// The fault's two operations as YAML list items, indented by `indent`.
pub fn fault_lines(s: &Suggestion, indent: &str) -> String {
    let mut out = String::new();
    for (op, value) in [("test", &s.old), ("replace", &s.new)] {
        let _ = writeln!(out, "{indent}- op: {op}\n{indent}  path: {}\n{indent}  value: {}", y(&s.pointer), y(value));
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// The file name a suggestion is written to in `--out`.
pub fn file_name(s: &Suggestion) -> String {
    format!("{}.yaml", s.id)
}

/// The Markdown listing: ranked suggestions, then what was not read.
pub fn markdown(p: &Proposal, written: Option<&str>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Suggested faults\n\n{} suggestion(s) from {} configuration file(s), best first.\n",
        p.suggestions.len(),
        p.files_read
    );
    for (i, s) in p.suggestions.iter().enumerate() {
        let _ = writeln!(out, "## {}. {} — `{}` (score {})\n", i + 1, s.family, s.id, s.score.total);
        let _ = writeln!(
            out,
            "`{}:{}`{}\n",
            s.file,
            s.line,
            s.selector.as_ref().map_or_else(String::new, |d| format!(" (document `{d}`)"))
        );
        let _ = writeln!(out, "```diff\n-{}\n+{}\n```\n", s.before, s.after);
        let _ = writeln!(out, "- breaks ({}): {}", s.mechanism.label(), s.chain);
        let _ = writeln!(out, "- symptom: {}", s.symptom);
        for (points, reason) in &s.score.reasons {
            let _ = writeln!(out, "- {points:+} {reason}");
        }
        for (n, h) in s.hints.iter().enumerate() {
            let _ = writeln!(out, "- hint {}: {h}", n + 1);
        }
        if let Some(dir) = written {
            let _ = writeln!(out, "- scenario: `{dir}/{}`", file_name(s));
        }
        out.push('\n');
    }
    let lists = [
        ("Not read", &p.unread),
        ("Left out: production", &p.production),
        ("Not configuration", &p.not_config),
        ("Dropped", &p.dropped),
        ("Not proposed: nothing shown to break", &p.not_breaking),
    ];
    for (title, list) in lists {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "## {title}\n");
        for u in list {
            let _ = writeln!(out, "- `{}`: {}", u.path, u.why);
        }
        out.push('\n');
    }
    out
}

/// The JSON listing, for tools.
pub fn json(p: &Proposal, branch: &str) -> Value {
    let list = |l: &[super::Unread]| l.iter().map(|u| json!({"path": u.path, "why": u.why})).collect::<Vec<_>>();
    json!({
        "files_read": p.files_read,
        "suggestions": p.suggestions.iter().map(|s| json!({
            "id": s.id,
            "family": s.family.slug(),
            "file": s.file,
            "line": s.line,
            "document": s.selector.as_ref().map(ToString::to_string),
            "fault": super::check::fault_ops(&s.pointer, &s.old, &s.new),
            "before": s.before,
            "after": s.after,
            "symptom": s.symptom,
            "mechanism": s.mechanism.label(),
            "chain": s.chain,
            "hints": s.hints,
            "score": s.score.total,
            "reasons": s.score.reasons.iter().map(|(p, r)| json!({"points": p, "reason": r})).collect::<Vec<_>>(),
            "scenario": scenario(s, branch),
        })).collect::<Vec<_>>(),
        "unread": list(&p.unread),
        "production": list(&p.production),
        "not_configuration": list(&p.not_config),
        "dropped": list(&p.dropped),
        "not_breaking": list(&p.not_breaking),
    })
}

/// One scenario holding several suggestions of one family on one file as `variants:` (best first); its id
/// is the best one's with `-variants`. The hints are the two that do not name a key (they serve every
/// variant).
pub fn variants_scenario(group: &[&Suggestion], branch: &str) -> (String, String) {
    let best = group[0];
    let mut id = best.id.clone();
    id.truncate(crate::scenario::ScenarioId::MAX_LEN - "-variants".len());
    let id = format!("{}-variants", id.trim_end_matches('-'));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Suggested by `firedrill suggest --variants`: {} faults of {} in {}.",
        group.len(),
        best.family,
        best.file
    );
    let _ = writeln!(out, "# Review each before scheduling (docs/choosing-a-fault.md):");
    for s in group {
        let _ = writeln!(
            out,
            "#   {} (score {}), line {}: {} -> {}",
            s.id,
            s.score.total,
            s.line,
            s.before.trim(),
            s.after.trim()
        );
    }
    let _ = writeln!(out, "id: {id}");
    let _ = writeln!(out, "title: {}", y(&format!("{} in {}", best.family, best.file)));
    target_lines(best, branch, &mut out);
    out.push_str("variants:\n");
    for s in group {
        let _ = writeln!(out, "  - name: {}\n    fault:", y(&s.id));
        out.push_str(&fault_lines(s, "      "));
        let _ = writeln!(out, "    symptom: {}", y(&s.symptom));
    }
    out.push_str("safety:\n  max_duration: 3h\n  auto_revert: true\n");
    out.push_str("hints:\n");
    for (after, text) in HINT_AFTER.iter().zip(best.hints.iter().take(2)) {
        let _ = writeln!(out, "  - after: {after}\n    text: {}", y(text));
    }
    (id, out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::propose::index::Readers;

    fn candidate(family: Family, key: &str, pointer: &str, old: Value, new: Value, mechanism: Mechanism) -> Candidate {
        Candidate {
            family,
            file: "apps/staging/x.yaml".into(),
            format: crate::patch::Format::Yaml,
            selector: None,
            pointer: pointer.into(),
            key: key.into(),
            old,
            new,
            readers: Readers::Known { workloads: vec!["Deployment/x".into()], via: "its own manifest".into() },
            in_workload: false,
            environment: None,
            note: None,
            mechanism,
            chain: String::new(),
            symptom: None,
        }
    }

    /// Each family's symptom and hints, checked against how the fault shows: a refused object or a failed
    /// reconciliation never claims failing calls, a stalled rollout says the old pods keep serving, a runtime
    /// break never sends responders to the sync status.
    #[test]
    fn symptoms_and_hints_follow_the_mechanism() {
        use Mechanism::{Reconcile, Rejected, Rollout, Runtime};
        let s = Value::from;
        #[rustfmt::skip]
        let table: Vec<(Candidate, &[&str], &[&str])> = vec![
            (candidate(Family::PoolSize, "DB_POOL_SIZE", "/data/DB_POOL_SIZE", s("10"), s("0"), Runtime),
                &["never comes", "dependency itself is healthy"], &["sync", "rollout"]),
            (candidate(Family::Timeout, "HTTP_TIMEOUT_MS", "/data/HTTP_TIMEOUT_MS", s("3000"), s("1"), Runtime),
                &["gives up at once"], &["sync", "rollout", "reconciliation"]),
            (candidate(Family::Timeout, "QUERY_TIMEOUT_SECONDS", "/data/QUERY_TIMEOUT_SECONDS", s("30"), s("1"), Runtime),
                &["longer than a second"], &["at once"]),
            (candidate(Family::Timeout, "timeout", "/spec/timeout", s("5m"), s("1ms"), Reconcile),
                &["reconciliation", "nothing new deploys", "running pods are untouched"], &["every call", "timeout errors"]),
            (candidate(Family::Retries, "MAX_RETRIES", "/data/MAX_RETRIES", s("3"), s("0"), Runtime),
                &["transient failures"], &["sync"]),
            (candidate(Family::Replicas, "replicas", "/spec/replicas", Value::from(2), Value::from(0), Runtime),
                &["no pod runs", "503"], &["sync"]),
            (candidate(Family::Host, "DB_HOST", "/data/DB_HOST", s("db.x.internal"), s("bd.x.internal"), Runtime),
                &["does not resolve"], &["sync", "rollout"]),
            (candidate(Family::ImageTag, "image", "/spec/template/spec/containers/0/image", s("a:1.2.3"), s("a:1.2.13"), Rollout),
                &["ImagePullBackOff", "rollout stalls", "old pods keep serving"], &["every request fails"]),
            (candidate(Family::Probe, "path", "/x/readinessProbe/httpGet/path", s("/healthz"), s("/health"), Rollout),
                &["never become ready", "rollout stalls"], &["sync"]),
            (candidate(Family::FeatureFlag, "FEATURE_X", "/data/FEATURE_X", s("true"), s("false"), Runtime),
                &["switched off"], &["sync"]),
            (candidate(Family::UrlScheme, "BASE_URL", "/data/BASE_URL", s("https://a.b"), s("http://a.b"), Runtime),
                &["TLS and plain HTTP"], &["sync"]),
            (candidate(Family::YamlBoolean, "ENABLED", "/data/ENABLED", s("true"), Value::Bool(true), Rejected),
                &["no longer applies", "the sync fails", "running pods keep the old settings"], &["every call", "OOMKilled"]),
        ];
        for (c, must, never) in table {
            let text = symptom(&c);
            for w in must {
                assert!(text.contains(w), "{:?}: `{w}` missing from: {text}", c.family);
            }
            for w in never {
                assert!(!text.contains(w), "{:?}: `{w}` in: {text}", c.family);
            }
            let h = hints(&c);
            let sync_hint = h[1].contains("sync failed") || h[1].contains("reconciliation failed");
            assert_eq!(sync_hint, matches!(c.mechanism, Rejected | Reconcile), "{:?}: {h:?}", c.family);
            assert_eq!(h[0].starts_with("Nothing has deployed"), matches!(c.mechanism, Rejected | Reconcile), "{h:?}");
            assert_eq!(h[0].contains("never finished rolling out"), c.mechanism == Rollout, "{h:?}");
        }
    }
}
