//! What the team's own monitoring saw: the service broken, the alert fired, the service restored.
//!
//! Pure rules here ([`Selector`], [`first_alert`], [`first_broken`], [`first_restored`], [`steps`]); the HTTP
//! adapter that asks Prometheus is [`prometheus`], and alert notifications pushed by Alertmanager, Grafana or
//! PagerDuty are read by [`push`].

pub mod prometheus;
pub mod push;

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

/// What a run needs to observe: the Prometheus request counter, the alerts pushed to this run, and how
/// environment variables are read (the process's; tests give their own).
#[derive(Debug, Clone)]
pub struct Observer {
    pub counter: prometheus::Counter,
    /// Alerts handed to this run (`repository_dispatch`, `firedrill observe --alert`), already read.
    pub pushed: Vec<AlertSeen>,
    pub env: fn(&str) -> Option<String>,
}

impl Default for Observer {
    fn default() -> Self {
        Observer { counter: prometheus::Counter::default(), pushed: Vec::new(), env: |name| std::env::var(name).ok() }
    }
}

/// The most points a `query_range` asks for per series (Prometheus refuses more than 11,000).
pub const MAX_POINTS: i64 = 10_000;

/// An alert seen firing: by Prometheus' `ALERTS` or in a pushed notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertSeen {
    /// When it started firing (the first `ALERTS` sample in `firing`, or the notification's `startsAt`).
    pub at: Timestamp,
    /// The alert's name (`alertname`, or a PagerDuty incident's title).
    pub name: String,
    /// Its labels (without `__name__` and `alertstate`).
    pub labels: BTreeMap<String, String>,
    /// Where it was seen: `prometheus`, `alertmanager`, `grafana`, `pagerduty`.
    pub from: String,
    /// The notification's fingerprint (or PagerDuty's incident id), when pushed.
    pub fingerprint: Option<String>,
}

/// One label matcher of a series selector.
#[derive(Debug, Clone)]
struct Matcher {
    name: String,
    op: Op,
    value: String,
    regex: Option<regex_automata::meta::Regex>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Re,
    NotRe,
}

/// A series selector in braces, `{namespace="staging", service=~"checkout|cart"}`, as Prometheus reads it.
#[derive(Debug, Clone)]
pub struct Selector {
    /// The matchers as written, without the braces (checked, so safe to put into a query).
    inner: String,
    matchers: Vec<Matcher>,
}

impl Selector {
    /// Reads a selector; the error says what is wrong in a few words.
    pub fn parse(text: &str) -> Result<Selector, String> {
        let t = text.trim();
        let inner = t
            .strip_prefix('{')
            .and_then(|r| r.strip_suffix('}'))
            .ok_or_else(|| "it must be label matchers in braces `{...}`".to_owned())?;
        let mut matchers = Vec::new();
        let mut rest = inner.trim_start();
        while !rest.is_empty() {
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
            let name = &rest[..end];
            if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
                return Err(format!("a label name is expected at `{}`", head(rest)));
            }
            rest = rest[end..].trim_start();
            let op = if let Some(r) = rest.strip_prefix("=~") {
                rest = r;
                Op::Re
            } else if let Some(r) = rest.strip_prefix("!~") {
                rest = r;
                Op::NotRe
            } else if let Some(r) = rest.strip_prefix("!=") {
                rest = r;
                Op::Ne
            } else if let Some(r) = rest.strip_prefix('=') {
                rest = r;
                Op::Eq
            } else {
                return Err(format!("`=`, `!=`, `=~` or `!~` is expected after `{name}`"));
            };
            rest = rest.trim_start();
            let (value, after) = quoted(rest).ok_or_else(|| format!("a quoted value is expected after `{name}`"))?;
            let regex = match op {
                Op::Re | Op::NotRe => Some(
                    regex_automata::meta::Regex::new(&format!("^(?:{value})$"))
                        .map_err(|e| format!("the regular expression of `{name}` does not compile: {e}"))?,
                ),
                _ => None,
            };
            matchers.push(Matcher { name: name.to_owned(), op, value, regex });
            rest = after.trim_start();
            match rest.strip_prefix(',') {
                Some(r) => rest = r.trim_start(),
                None if rest.is_empty() => {}
                None => return Err(format!("`,` or `}}` is expected at `{}`", head(rest))),
            }
        }
        if matchers.is_empty() {
            return Err("it has no matcher, and would match every alert".to_owned());
        }
        Ok(Selector { inner: inner.trim().trim_end_matches(',').to_owned(), matchers })
    }

    /// Whether a set of labels satisfies every matcher (an absent label is the empty string, as in Prometheus).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.matchers.iter().all(|m| holds(m, labels.get(&m.name).map_or("", String::as_str)))
    }

    /// Whether an alerting rule with this name and these static labels can produce a matching alert: matchers on
    /// labels the rule does not set (they come from its expression's series) are not held against it. The
    /// second value names those labels.
    pub fn may_match_rule(&self, name: &str, labels: &BTreeMap<String, String>) -> (bool, Vec<String>) {
        let mut unknown = Vec::new();
        let ok = self.matchers.iter().all(|m| {
            let value = if m.name == "alertname" { Some(name) } else { labels.get(&m.name).map(String::as_str) };
            match value {
                Some(v) => holds(m, v),
                None => {
                    unknown.push(m.name.clone());
                    true
                }
            }
        });
        (ok, unknown)
    }

    /// The query of the alerts in `firing` this selector matches.
    pub fn firing_query(&self) -> String {
        format!("ALERTS{{alertstate=\"firing\", {}}}", self.inner)
    }
}

fn holds(m: &Matcher, v: &str) -> bool {
    match m.op {
        Op::Eq => v == m.value,
        Op::Ne => v != m.value,
        Op::Re => m.regex.as_ref().is_some_and(|r| r.is_match(v)),
        Op::NotRe => m.regex.as_ref().is_some_and(|r| !r.is_match(v)),
    }
}

/// A quoted string at the start of `text` (`"…"`, `'…'` with `\` escapes, or a raw `` `…` ``) and what follows.
fn quoted(text: &str) -> Option<(String, &str)> {
    let quote = text.chars().next().filter(|c| matches!(c, '"' | '\'' | '`'))?;
    let mut out = String::new();
    let mut chars = text[1..].char_indices();
    while let Some((i, c)) = chars.next() {
        if c == quote {
            return Some((out, &text[1 + i + 1..]));
        }
        if c == '\\' && quote != '`' {
            let (_, e) = chars.next()?;
            out.push(match e {
                'n' => '\n',
                't' => '\t',
                other => other,
            });
        } else {
            out.push(c);
        }
    }
    None
}

fn head(text: &str) -> String {
    text.chars().take(20).collect()
}

/// A series of a `query_range` answer: its labels and (time, value) samples.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    pub labels: BTreeMap<String, String>,
    pub samples: Vec<(Timestamp, f64)>,
    /// A scalar answer (`scalar(…)`, `1 > bool 0`): true where its value is not 0. A vector's sample is true
    /// whatever its value, as PromQL's filters (`rate(errors[1m]) < 0.1`) keep the left side's value.
    pub scalar: bool,
}

impl Series {
    fn true_sample(&self, v: f64) -> bool {
        !self.scalar || v != 0.0
    }
}

/// The range a `query_range` covers, and its step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub start: Timestamp,
    pub end: Timestamp,
    pub step: SignedDuration,
}

/// The range from `start` to `end` in steps of at least `min_step` (whole seconds), no more than
/// [`MAX_POINTS`] of them; `None` when `end` is not after `start`. `end` is rounded up to the whole second, so
/// that a sample ingested in the current second is seen (Prometheus evaluates a step with its latest samples).
pub fn steps(start: Timestamp, end: Timestamp, min_step: SignedDuration) -> Option<Range> {
    let end =
        if end.subsec_nanosecond() > 0 { Timestamp::from_second(end.as_second() + 1).unwrap_or(end) } else { end };
    let span = end.duration_since(start).as_secs();
    if span <= 0 {
        return None;
    }
    let step = min_step.as_secs().max(1).max((span + MAX_POINTS - 1) / MAX_POINTS);
    let start = Timestamp::from_second(start.as_second() - start.as_second().rem_euclid(step)).unwrap_or(start);
    Some(Range { start, end, step: SignedDuration::from_secs(step) })
}

impl Range {
    /// The evaluation instants of the range, as Prometheus steps through it.
    pub fn instants(&self) -> impl Iterator<Item = Timestamp> + '_ {
        let step = self.step;
        std::iter::successors(Some(self.start), move |t| t.checked_add(step).ok()).take_while(|t| *t <= self.end)
    }
}

/// Whether the answer of a health expression says healthy at `t`: a series with a sample at `t` (a scalar's
/// not 0). An empty answer is unhealthy.
fn healthy_at(health: &[Series], t: Timestamp) -> bool {
    health.iter().any(|s| s.samples.iter().any(|(at, v)| *at == t && s.true_sample(*v)))
}

/// The first instant of `range` at or after `from` where the health expression was false (empty, or 0).
pub fn first_broken(health: &[Series], range: &Range, from: Timestamp) -> Option<Timestamp> {
    range.instants().find(|t| *t >= from && !healthy_at(health, *t))
}

/// The first instant of `range` at or after `from` where the health expression was true again.
pub fn first_restored(health: &[Series], range: &Range, from: Timestamp) -> Option<Timestamp> {
    range.instants().find(|t| *t >= from && healthy_at(health, *t))
}

/// Whether the health expression was true at every instant of `range` from `from` to `until`.
pub fn healthy_throughout(health: &[Series], range: &Range, from: Timestamp, until: Timestamp) -> bool {
    range.instants().filter(|t| *t >= from && *t <= until).all(|t| healthy_at(health, t))
}

/// The first alert of an `ALERTS{alertstate="firing", …}` answer at or after `from`: its first sample.
pub fn first_alert(alerts: &[Series], from: Timestamp) -> Option<AlertSeen> {
    alerts
        .iter()
        .filter_map(|s| s.samples.iter().find(|(t, _)| *t >= from).map(|(t, _)| (*t, s)))
        .min_by_key(|(t, s)| (*t, s.labels.clone()))
        .map(|(at, s)| {
            let mut labels = s.labels.clone();
            labels.remove("__name__");
            labels.remove("alertstate");
            AlertSeen {
                at,
                name: labels.get("alertname").cloned().unwrap_or_default(),
                labels,
                from: "prometheus".to_owned(),
                fingerprint: None,
            }
        })
}

/// Whether an instant query's answer is true: a sample of a vector, or a scalar that is not 0.
pub fn is_true(answer: &[Series]) -> bool {
    answer.iter().any(|s| s.samples.iter().any(|(_, v)| s.true_sample(*v)))
}

/// `labels` as PromQL writes them: `{alertname="X", namespace="staging"}`.
pub fn describe_labels(labels: &BTreeMap<String, String>) -> String {
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{{{}}}", inner.join(", "))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn selectors_read_as_prometheus_reads_them() {
        let s = Selector::parse(r#"{namespace="staging", service=~"check.*", env!="prod", team!~"a|b",}"#).unwrap();
        assert!(s.matches(&labels(&[("namespace", "staging"), ("service", "checkout"), ("team", "c")])));
        assert!(!s.matches(&labels(&[("namespace", "staging"), ("service", "xcheckout")])));
        assert!(!s.matches(&labels(&[("namespace", "staging"), ("service", "checkout"), ("env", "prod")])));
        assert!(!s.matches(&labels(&[("namespace", "staging"), ("service", "checkout"), ("team", "a")])));
        assert_eq!(
            s.firing_query(),
            r#"ALERTS{alertstate="firing", namespace="staging", service=~"check.*", env!="prod", team!~"a|b"}"#
        );
        for bad in
            ["", "{}", "namespace=\"x\"", "{namespace}", "{a=b}", "{a=\"b\" c=\"d\"}", "{a=~\"(\"}", "{1a=\"b\"}"]
        {
            assert!(Selector::parse(bad).is_err(), "{bad}");
        }
        assert!(Selector::parse(r#"{a='x\'y'}"#).unwrap().matches(&labels(&[("a", "x'y")])));
    }

    #[test]
    fn a_rule_may_match_when_the_labels_it_sets_agree() {
        let s = Selector::parse(r#"{alertname="CheckoutErrors", namespace="staging"}"#).unwrap();
        assert_eq!(s.may_match_rule("CheckoutErrors", &BTreeMap::new()), (true, vec!["namespace".to_owned()]));
        assert!(!s.may_match_rule("Other", &BTreeMap::new()).0);
        assert!(!s.may_match_rule("CheckoutErrors", &labels(&[("namespace", "prod")])).0);
    }

    #[test]
    fn broken_and_restored_are_the_first_steps_that_say_so() {
        let t = |s: i64| Timestamp::from_second(1_800_000_000 + s).unwrap();
        let range = steps(t(0), t(10), SignedDuration::from_secs(1)).unwrap();
        // Healthy at 0..=3 and 8..=10; absent (the comparison filtered it out) in between.
        // A filter keeps the left side's value: 0 is a sample, so healthy.
        let health = vec![Series {
            labels: BTreeMap::new(),
            samples: (0..=10).filter(|s| !(4..8).contains(s)).map(|s| (t(s), 0.0)).collect(),
            scalar: false,
        }];
        assert_eq!(first_broken(&health, &range, t(1)), Some(t(4)));
        assert_eq!(first_restored(&health, &range, t(4)), Some(t(8)));
        assert!(healthy_throughout(&health, &range, t(0), t(3)));
        assert!(!healthy_throughout(&health, &range, t(0), t(4)));
        let alerts = vec![
            Series {
                labels: labels(&[("alertname", "B"), ("alertstate", "firing")]),
                samples: vec![(t(6), 1.0)],
                scalar: false,
            },
            Series {
                labels: labels(&[("alertname", "A"), ("__name__", "ALERTS")]),
                samples: vec![(t(5), 1.0)],
                scalar: false,
            },
        ];
        let a = first_alert(&alerts, t(0)).unwrap();
        assert_eq!((a.at, a.name.as_str()), (t(5), "A"));
        assert_eq!(a.labels, labels(&[("alertname", "A")]));
    }

    #[test]
    fn long_windows_keep_under_prometheus_point_limit() {
        let start = Timestamp::from_second(1_800_000_000).unwrap();
        let end = start.checked_add(SignedDuration::from_hours(24 * 30)).unwrap();
        let r = steps(start, end, SignedDuration::from_secs(1)).unwrap();
        assert!(r.instants().count() as i64 <= MAX_POINTS + 1);
        assert!(steps(end, start, SignedDuration::from_secs(1)).is_none());
    }
}
