//! The rules a well-shaped scenario or config must also follow: a fault that changes something and can be
//! recognised later, cover edits that leave the fault alone, values YAML 1.1 tools would misread, and rules
//! across files (unique ids, `firedrill.yml` allow-lists).

use std::collections::HashMap;

use super::ScenarioFile;
use super::diagnostic::Diagnostic;
use super::fault;
use super::model::{Config, Disguise, PatchOp, Scenario};
use super::source::Source;
use super::value::branch_name_problem;
use super::yaml::{Node, Scalar, Style, Value, quote};
use crate::patch::Format;

/// The longest a drill may run before its safety timer ends it.
const MAX_DRILL_DURATION: jiff::SignedDuration = jiff::SignedDuration::from_hours(30 * 24);

/// The longest `merge.max_wait`: a pull request held open longer is noticed and merged by someone else.
const MAX_MERGE_WAIT: jiff::SignedDuration = jiff::SignedDuration::from_hours(12);

/// The longest `deploy.watch`: a fix not live a day after the revert is an outage of its own, not a drill's.
const MAX_DEPLOY_WATCH: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

fn check_deploy(src: &Source, field: &str, deploy: &super::model::DeploySettings, out: &mut Vec<Diagnostic>) {
    if let Some(d) = deploy.watch {
        if d.is_zero() {
            out.push(
                src.at_value(&format!("{field}.watch"), "the watch is zero: the fix's deploy would never be asked")
                    .hint("use a duration such as `2h` (the default), or `signals: []` to observe no deploy"),
            );
        } else if d.to_signed() > MAX_DEPLOY_WATCH {
            out.push(
                src.at_value(&format!("{field}.watch"), format!("the watch {} is longer than 24 hours", d.as_str()))
                    .hint("use a duration of at most `24h`, such as `2h` (the default)"),
            );
        }
    }
    for (i, signal) in deploy.signals.iter().flatten().enumerate() {
        let (kind, text) = match signal {
            super::model::DeploySignal::Deployments(e) => ("deployments", e),
            super::model::DeploySignal::Status(c) => ("status", c),
            super::model::DeploySignal::Check(n) => ("check", n),
        };
        not_blank(src, out, &format!("{field}.signals[{i}].{kind}"), text);
    }
}

fn check_max_wait(src: &Source, field: &str, wait: Option<super::value::Duration>, out: &mut Vec<Diagnostic>) {
    let Some(d) = wait else { return };
    if d.is_zero() {
        out.push(
            src.at_value(field, "the wait is zero: a pending required check would abandon the drill at once")
                .hint("use a duration such as `30m` (the default)"),
        );
    } else if d.to_signed() > MAX_MERGE_WAIT {
        out.push(
            src.at_value(
                field,
                format!(
                    "the wait {} is longer than 12 hours: the disguised pull request would stay open that long",
                    d.as_str()
                ),
            )
            .hint("use a duration of at most `12h`, such as `30m` (the default)"),
        );
    }
}

/// `merge.open_for`: zero is allowed (merge at the opening), longer than `merge.max_wait`'s bound is not.
fn check_open_for(src: &Source, field: &str, open_for: Option<super::value::Duration>, out: &mut Vec<Diagnostic>) {
    let Some(d) = open_for else { return };
    if d.to_signed() > MAX_MERGE_WAIT {
        out.push(
            src.at_value(
                field,
                format!(
                    "{} is longer than 12 hours: the disguised pull request would stay open that long before its merge",
                    d.as_str()
                ),
            )
            .hint("use a duration of at most `12h`, such as `30m` (the default)"),
        );
    }
}

/// Checks one scenario on its own.
pub(crate) fn check_scenario(src: &Source, s: &Scenario) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    not_blank(src, &mut out, "title", &s.title);
    check_fault(src, s, &mut out);
    check_cover(src, s, &mut out);
    if s.target.document.is_some() && s.target.format() != Format::Yaml {
        out.push(
            src.at_key(
                "target.document",
                format!("a document selector only applies to YAML, and this target is {}", s.target.format()),
            )
            .hint("remove `document`, or set `format: yaml` if the file is YAML"),
        );
    }
    if s.target.embedded.is_some() && s.target.format() != Format::Yaml {
        out.push(
            src.at_key(
                "target.embedded",
                format!(
                    "an embedded document is a YAML string inside a YAML file, and this target is {}",
                    s.target.format()
                ),
            )
            .hint("remove `embedded`, or set `format: yaml` if the file is YAML"),
        );
    }
    if let Some(env) = &s.target.environment {
        not_blank(src, &mut out, "target.environment", env);
    }
    check_disguise(src, "disguise", &s.disguise, &mut out);
    if s.safety.max_duration.is_some_and(|d| d.is_zero()) {
        out.push(
            src.at_value("safety.max_duration", "the maximum duration is zero: the drill would end at once")
                .hint("use a duration such as `4h`"),
        );
    }
    if let Some(d) = s.safety.max_duration
        && d.to_signed() > MAX_DRILL_DURATION
    {
        // A fault left in staging for longer is not a drill; and a deadline past the calendar would never fire.
        out.push(
            src.at_value(
                "safety.max_duration",
                format!("the maximum duration {} is longer than 30 days: the fault would stay that long", d.as_str()),
            )
            .hint("use a duration of at most `30d`, such as `4h`"),
        );
    }
    check_max_wait(src, "merge.max_wait", s.merge.max_wait, &mut out);
    check_open_for(src, "merge.open_for", s.merge.open_for, &mut out);
    check_deploy(src, "deploy", &s.deploy, &mut out);
    super::observe::check(src, "observe", &s.observe, &mut out);
    super::observe::check_safety(src, "safety", &s.safety, &s.observe, &mut out);
    for (i, hint) in s.hints.iter().enumerate() {
        not_blank(src, &mut out, &format!("hints[{i}].text"), &hint.text);
    }
    if let Some(expect) = &s.expect {
        not_blank(src, &mut out, "expect.symptom", &expect.symptom);
    }
    if let Some(announce) = &s.announce {
        not_blank(src, &mut out, "announce.issue", &announce.issue);
    }
    if let Some(playbook) = &s.playbook {
        let url = playbook.starts_with("https://") || playbook.starts_with("http://");
        if !url && playbook.parse::<super::value::RepoPath>().is_err() {
            out.push(
                src.at_value("playbook", format!("{} is neither an http(s) URL nor a file path in this repository", quote(playbook)))
                    .hint("write a URL such as `https://wiki.example.com/runbooks/redis` or a path such as `docs/runbooks/redis.md`"),
            );
        }
    }
    out
}

fn not_blank(src: &Source, out: &mut Vec<Diagnostic>, path: &str, text: &str) {
    if text.trim().is_empty() {
        out.push(
            src.at_value(path, "the text is empty").hint("write a few words, or remove the field if it is optional"),
        );
    }
}

fn check_fault(src: &Source, s: &Scenario, out: &mut Vec<Diagnostic>) {
    let max = crate::patch::MAX_OPERATIONS;
    for (i, edit) in s.cover.iter().enumerate().filter(|(_, e)| e.patch.len() > max) {
        out.push(
            src.at_key(
                &format!("cover[{i}].patch"),
                format!("the cover edit has {} operations, more than the {max} firedrill applies", edit.patch.len()),
            )
            .hint("a cover edit is a small change: keep to a few operations"),
        );
    }
    if s.variants.is_empty() {
        check_ops(src, "fault", &s.fault, out);
        return;
    }
    if !s.fault.is_empty() {
        out.push(
            src.at_key("fault", "a scenario with `variants` takes its faults from them: this `fault` is never used")
                .hint("move this fault into `variants` as one more variant, or remove `variants`"),
        );
    }
    if s.variants.len() < 2 {
        out.push(
            src.at_key("variants", "one variant is just a fault: variants are there to vary")
                .hint("add a second variant, or write this one as `fault`"),
        );
    }
    let mut names: HashMap<&str, usize> = HashMap::new();
    for (i, v) in s.variants.iter().enumerate() {
        not_blank(src, out, &format!("variants[{i}].name"), &v.name);
        if let Some(first) = names.insert(v.name.as_str(), i) {
            out.push(
                src.at_value(
                    &format!("variants[{i}].name"),
                    format!("the name `{}` is also variants[{first}]'s", v.name),
                )
                .hint("give each variant its own name: the report and `stats` tell them apart by it"),
            );
        }
        if let Some(symptom) = &v.symptom {
            not_blank(src, out, &format!("variants[{i}].symptom"), symptom);
        }
        check_ops(src, &format!("variants[{i}].fault"), &v.fault, out);
    }
}

/// The rules of one fault (`fault`, or a variant's): it changes something, not too much, and it can be
/// recognised later.
fn check_ops(src: &Source, base: &str, ops: &[PatchOp], out: &mut Vec<Diagnostic>) {
    if ops.is_empty() {
        out.push(
            src.at_value(base, "the fault is empty: it needs at least one operation that changes the file")
                .hint("add an operation such as `- {op: replace, path: /redis/pool/size, value: 0}`"),
        );
        return;
    }
    let max = crate::patch::MAX_OPERATIONS;
    if ops.len() > max {
        out.push(
            src.at_key(base, format!("the fault has {} operations, more than the {max} firedrill applies", ops.len()))
                .hint("a fault is a small change: keep to a few operations"),
        );
    }
    if !ops.iter().any(PatchOp::changes) {
        out.push(
            src.at_value(base, "the fault only has `test` operations: it changes nothing")
                .hint("add an `add`, `remove`, `replace`, `move` or `copy` operation"),
        );
        return;
    }
    ops_rules(src, base, ops, out);
    if let Err(e) = fault::derive(ops) {
        out.push(
            src.at_value(&format!("{base}[{}]", e.op), format!("cannot tell when the fault is present: {}", e.why)).hint(
                "add a `test` operation after the changes with the value the fault leaves, such as `- {op: test, path: /a/b, value: 0}`",
            ),
        );
    }
}

/// Rules for any list of operations (fault or cover).
fn ops_rules(src: &Source, base: &str, ops: &[PatchOp], out: &mut Vec<Diagnostic>) {
    for (i, op) in ops.iter().enumerate() {
        let at = format!("{base}[{i}]");
        if let PatchOp::Move { from, path } = op
            && from.contains(path)
        {
            let message = if from == path { "moves a value onto itself" } else { "moves a value into itself" };
            out.push(src.at_value(&format!("{at}.path"), format!("`{path}` {message} (from `{from}`)")));
        }
        if let Some(node) = src.node(&format!("{at}.value")) {
            ambiguous_scalars(src, node, &format!("{at}.value"), out);
        }
    }
}

/// Plain scalars that YAML 1.1 tools (Helm, kubectl) read differently from this YAML 1.2 reader.
fn ambiguous_scalars(src: &Source, node: &Node, path: &str, out: &mut Vec<Diagnostic>) {
    match &node.value {
        Value::Scalar { text, style: Style::Plain, tag: None } if crate::yaml::scalar::ambiguous(text) => {
            let (here, there) = (crate::yaml::scalar::core(text), crate::yaml::scalar::yaml11(text));
            let reading = match (&here, &there) {
                (Scalar::Int(_) | Scalar::Float(_), Scalar::Int(_) | Scalar::Float(_)) => {
                    format!("the number {} here, but the number {} by", number(&here), number(&there))
                }
                _ => format!("{} here, but {} by", here.describe(), there.describe()),
            };
            let hint = match there {
                Scalar::Bool(_) if here == Scalar::Str => {
                    format!("write `true` or `false` for a boolean, or quote it (\"{text}\") for a string")
                }
                Scalar::Int(_) if here != Scalar::Str => {
                    format!("quote it (\"{text}\") for a string, or drop the leading zeros for a number")
                }
                _ => format!("quote it (\"{text}\") for a string"),
            };
            let message = format!("`{text}` is ambiguous: it is {reading} YAML 1.1 tools such as Helm and kubectl");
            out.push(Diagnostic::new(&src.file, node.pos, path, message).hint(hint));
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                ambiguous_scalars(src, item, &format!("{path}[{i}]"), out);
            }
        }
        Value::Map(entries) => {
            for e in entries {
                let key = e.key.scalar_text().unwrap_or_default();
                ambiguous_scalars(src, &e.value, &format!("{path}.{key}"), out);
            }
        }
        Value::Scalar { .. } => {}
    }
}

fn number(s: &Scalar) -> String {
    match s {
        Scalar::Int(n) => n.to_string(),
        Scalar::Float(f) => f.to_string(),
        other => other.describe().to_owned(),
    }
}

fn check_cover(src: &Source, s: &Scenario, out: &mut Vec<Diagnostic>) {
    let fault_paths: Vec<&super::value::JsonPointer> = (s.fault.iter().chain(s.variants.iter().flat_map(|v| &v.fault)))
        .filter(|op| op.changes())
        .flat_map(|op| [Some(op.path()), op.from()])
        .flatten()
        .collect();
    for (i, edit) in s.cover.iter().enumerate() {
        let at = format!("cover[{i}]");
        if edit.patch.is_empty() {
            out.push(
                src.at_value(&format!("{at}.patch"), "the cover edit is empty")
                    .hint("add operations, or remove this cover edit"),
            );
        }
        if edit.document.is_some() && edit.format(&s.target) != Format::Yaml {
            out.push(
                src.at_key(
                    &format!("{at}.document"),
                    format!("a document selector only applies to YAML, and this file is {}", edit.format(&s.target)),
                )
                .hint("remove `document`, or set `format: yaml` if the file is YAML"),
            );
        }
        ops_rules(src, &format!("{at}.patch"), &edit.patch, out);
        let same_document = edit.document_selector(&s.target) == s.target.document_selector();
        if !(edit.is_on_target(&s.target) && same_document) {
            continue;
        }
        for (j, op) in edit.patch.iter().enumerate() {
            let touched = [Some(op.path()), op.from()].into_iter().flatten();
            for p in touched {
                if let Some(f) = fault_paths.iter().find(|f| f.contains(p) || p.contains(f)) {
                    out.push(
                        src.at_value(
                            &format!("{at}.patch[{j}].path"),
                            format!("the cover edit touches `{p}`, which the fault changes at `{f}`"),
                        )
                        .hint("cover edits must leave the fault alone: pick another key"),
                    );
                    break;
                }
            }
        }
    }
}

/// Checks the texts of a disguise (scenario or defaults): placeholders the drill can fill, a branch name git
/// accepts once they are filled, an email address.
fn check_disguise(src: &Source, base: &str, d: &Disguise, out: &mut Vec<Diagnostic>) {
    let author = d.author.as_ref();
    let texts = [
        ("branch", d.branch.as_ref()),
        ("commit_message", d.commit_message.as_ref()),
        ("pr_title", d.pr_title.as_ref()),
        ("pr_body", d.pr_body.as_ref()),
        ("author.name", author.map(|a| &a.name)),
        ("author.email", author.map(|a| &a.email)),
    ];
    for (name, text) in texts {
        let Some(text) = text else { continue };
        let path = format!("{base}.{name}");
        if text.trim().is_empty() {
            out.push(
                src.at_value(&path, "the text is empty").hint("write the text, or remove the field to use the default"),
            );
            continue;
        }
        if let Err(e) = crate::disguise::check_template(text) {
            out.push(template_error(src, &path, &e));
            continue;
        }
        if name == "branch"
            && let Some(why) = branch_name_problem(&without_placeholders(text))
        {
            out.push(
                src.at_value(&path, format!("{} would not be a valid branch name: {why}", quote(text)))
                    .hint("use letters, digits, `-`, `_`, `.` and `/`, such as `chore/bump-{{ short_id }}`"),
            );
        }
        if name == "author.email" {
            let literal = without_placeholders(text);
            let ok = literal.split_once('@').is_some_and(|(u, h)| !u.is_empty() && !h.is_empty())
                && !literal.chars().any(char::is_whitespace);
            if !ok {
                out.push(
                    src.at_value(&path, format!("{} is not an email address", quote(text)))
                        .hint("write an address such as `dana@example.com`"),
                );
            }
        }
    }
}

/// A template problem, pointed at the placeholder itself when the text is on one line of the file.
fn template_error(src: &Source, path: &str, e: &crate::disguise::TemplateError) -> Diagnostic {
    use crate::disguise::TemplateError as E;
    let (at, message, hint) = match e {
        E::Unclosed { at } => (
            at,
            "a placeholder `{{` is never closed with `}}`".to_owned(),
            "write placeholders as `{{ short_id }}`".to_owned(),
        ),
        E::Empty { at, known } => {
            (at, "a placeholder `{{ }}` is empty".to_owned(), format!("known placeholders: {known}"))
        }
        E::Unknown { name, at, suggestion, known } => (
            at,
            format!("unknown placeholder `{{{{ {name} }}}}`"),
            match suggestion {
                Some(s) => format!("did you mean `{s}`? known placeholders: {known}"),
                None => format!("known placeholders: {known}"),
            },
        ),
    };
    let mut diag = src.at_value(path, message).hint(hint);
    if let Some(node) = src.node(path)
        && let Value::Scalar { style: style @ (Style::Plain | Style::Quoted), .. } = &node.value
        && at.line == 1
    {
        // On one line, the placeholder is `column - 1` characters after the value's start (and its quote).
        diag.column += at.column - 1 + usize::from(*style == Style::Quoted);
    }
    diag
}

/// The text with each placeholder replaced by `x`, to check what is literal in it.
fn without_placeholders(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        out.push('x');
        rest = rest[open..].find("}}").map_or("", |c| &rest[open + c + 2..]);
    }
    out.push_str(rest);
    out
}

/// Checks `firedrill.yml` on its own.
pub(crate) fn check_config(src: &Source, c: &Config) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, pattern) in c.allowed_branches.iter().flatten().enumerate() {
        if let Some(why) = branch_name_problem(&pattern.replace('*', "x")) {
            out.push(src.at_value(
                &format!("allowed_branches[{i}]"),
                format!("{} is not a branch name or pattern: {why}", quote(pattern)),
            ));
        }
    }
    for (i, env) in c.allowed_environments.iter().flatten().enumerate() {
        not_blank(src, &mut out, &format!("allowed_environments[{i}]"), env);
    }
    not_blank(src, &mut out, "incident_label", &c.incident_label);
    if c.baseline_mttr.is_some_and(|d| d.is_zero()) {
        out.push(
            src.at_value("baseline_mttr", "the baseline is zero")
                .hint("give the recovery time of the last real outage, such as `4h`"),
        );
    }
    if c.defaults.safety.max_duration.is_some_and(|d| d.is_zero()) {
        out.push(
            src.at_value("defaults.safety.max_duration", "the maximum duration is zero: drills would end at once"),
        );
    }
    if let Some(d) = c.defaults.safety.max_duration
        && d.to_signed() > MAX_DRILL_DURATION
    {
        out.push(
            src.at_value(
                "defaults.safety.max_duration",
                format!("the maximum duration {} is longer than 30 days: faults would stay that long", d.as_str()),
            )
            .hint("use a duration of at most `30d`, such as `4h`"),
        );
    }
    check_max_wait(src, "defaults.merge.max_wait", c.defaults.merge.max_wait, &mut out);
    check_open_for(src, "defaults.merge.open_for", c.defaults.merge.open_for, &mut out);
    check_deploy(src, "defaults.deploy", &c.defaults.deploy, &mut out);
    super::observe::check(src, "defaults.observe", &c.defaults.observe, &mut out);
    super::observe::check_safety(src, "defaults.safety", &c.defaults.safety, &c.defaults.observe, &mut out);
    check_disguise(src, "defaults.disguise", &c.defaults.disguise, &mut out);
    let colors = &c.stats;
    if colors.time_to_recovery.yellow < colors.time_to_recovery.green {
        out.push(
            src.at_value("stats.time_to_recovery.yellow", "the yellow threshold is below the green one")
                .hint(format!("set it to `{}` or more", colors.time_to_recovery.green.as_str())),
        );
    }
    if colors.days_since_drill.yellow < colors.days_since_drill.green {
        out.push(
            src.at_value("stats.days_since_drill.yellow", "the yellow threshold is below the green one")
                .hint(format!("set it to {} or more", colors.days_since_drill.green)),
        );
    }
    out
}

/// Rules across scenario files, and against `firedrill.yml` when there is one.
pub(crate) fn check_set(files: &[ScenarioFile], config: Option<&Config>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut first: HashMap<&str, &ScenarioFile> = HashMap::new();
    for f in files {
        let id = f.scenario.id.as_str();
        match first.get(id) {
            Some(other) => {
                let p = other.source.value_pos("id");
                out.push(
                    f.source
                        .at_value(
                            "id",
                            format!("duplicate id `{id}`: {}:{}:{} uses it too", other.source.file, p.line, p.column),
                        )
                        .hint("give each scenario its own id"),
                );
            }
            None => {
                first.insert(id, f);
            }
        }
        let mut s = f.scenario.clone();
        if let Some(c) = config {
            s.apply_defaults(&c.defaults);
        }
        let max = s.safety.max_duration();
        for (i, hint) in s.hints.iter().enumerate() {
            if hint.after > max {
                out.push(
                    f.source
                        .at_value(
                            &format!("hints[{i}].after"),
                            format!("this hint comes after {}, but the drill ends after {max}", hint.after),
                        )
                        .hint("release it earlier, or raise `safety.max_duration`"),
                );
            }
        }
        if !config.is_some_and(|c| c.allow_production) {
            production(f, &s, &mut out);
        }
        super::observe::check_with_defaults(&f.source, &s, &mut out);
        let Some(c) = config else { continue };
        let branch = s.target.branch.as_str();
        if !c.allows_branch(branch) {
            let allowed = c.allowed_branches.iter().flatten().map(|b| format!("`{b}`")).collect::<Vec<_>>().join(", ");
            let message = format!("branch `{branch}` is not allowed by firedrill.yml (allowed_branches: {allowed})");
            // Point at the branch when it is written, else at `target:` (the branch is the default one).
            let diag = match f.source.node("target.branch") {
                Some(_) => f.source.at_value("target.branch", message),
                None => f.source.at_key("target", message),
            };
            out.push(diag.hint("target an allowed branch, or add it to `allowed_branches` in firedrill.yml"));
        }
        if let Some(list) = &c.allowed_environments {
            let allowed = list.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ");
            match &s.target.environment {
                Some(env) if !c.allows_environment(env) => out.push(
                    f.source
                        .at_value("target.environment", format!("environment `{env}` is not allowed by firedrill.yml (allowed_environments: {allowed})"))
                        .with_hint(
                            super::shape::did_you_mean(env, list.iter().map(String::as_str))
                                .map(|g| format!("did you mean `{g}`?"))
                                .or_else(|| Some("use an allowed environment, or add it to `allowed_environments` in firedrill.yml".into())),
                        ),
                ),
                None => out.push(
                    f.source
                        .at_key("target", format!("firedrill.yml restricts environments ({allowed}), and this target names none"))
                        .hint("add `environment:` to the target"),
                ),
                _ => {}
            }
        }
    }
    out
}

/// Targets that look like production (see [`super::model::looks_like_production`]): refused unless
/// `allow_production: true` in firedrill.yml: the target's branch, environment and path (the same three as
/// `drill::step::limits` checks where the drill opens and merges).
fn production(f: &ScenarioFile, s: &Scenario, out: &mut Vec<Diagnostic>) {
    let t = &s.target;
    let mut named: Vec<(String, &str, &str)> = vec![("target.branch".into(), "branch", t.branch.as_str())];
    if let Some(env) = &t.environment {
        named.push(("target.environment".into(), "environment", env));
    }
    named.push(("target.path".into(), "path", t.path.as_str()));
    for (field, what, name) in named {
        let Some(word) = super::model::looks_like_production(name) else { continue };
        let message = format!("{what} `{name}` looks like production (the word `{word}`): drills break things");
        // A default branch is not written: point at `target:` then.
        let diag = match f.source.node(&field) {
            Some(_) => f.source.at_value(&field, message),
            None => f.source.at_key("target", message),
        };
        out.push(diag.hint(
            "aim the drill at a staging target, or set `allow_production: true` in firedrill.yml if this is not \
             production",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        assert_eq!(without_placeholders("chore/{{ scenario.id }}-x"), "chore/x-x");
        assert_eq!(without_placeholders("a {{ b"), "a x");
    }
}
