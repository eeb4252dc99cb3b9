//! Writing like the team (pure): the target's recent merged work read into a [`Style`] (Conventional Commits and
//! the scopes in use, a ticket prefix such as `PLAT-123: `, capitalisation, how long bodies are, checklists, the
//! repository's own pull request template), and a built-in disguise fitted to it.
//!
//! The history is read by the forge adapter before a drill opens (its `recent_work`): the last
//! [`RECENT_LIMIT`] merged pull requests' titles and bodies on GitHub (one listing), the first-parent subjects on
//! plain git. What a scenario spells out itself is never re-worded; only the built-in wordings are fitted. Every
//! sentence is drawn, with the drill id's seed, among those the recent history does not already hold, so the same
//! sentence does not come back while the team's last drills are in view (the pools hold more than 20 of each).
//! The branch name is not fitted: it is how a re-run finds the pull request it opened, so it depends on the drill
//! id alone.

use super::pool;
use super::template::{Vars, render};
use crate::schedule::seed::SeededRng;

/// The most merged pull requests (or first-parent commits) read.
pub const RECENT_LIMIT: usize = 50;

/// One piece of the team's recent work: a merged pull request (or a commit on plain git).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Work {
    /// The pull request's title (the commit's subject).
    pub title: String,
    /// Its body (the commit's body), possibly empty.
    pub body: String,
}

/// The team's recent work as read from the target, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recent {
    pub work: Vec<Work>,
    /// The repository's pull request template (`.github/pull_request_template.md`), when it has one.
    pub template: Option<String>,
    /// Whether bodies were read (pull requests); plain git's subjects say nothing of bodies.
    pub bodies: bool,
}

/// How titles begin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Prefix {
    /// Plain sentences.
    None,
    /// Conventional Commits: the types and scopes in use, most used first.
    Conventional { types: Vec<String>, scopes: Vec<String> },
    /// A ticket key: `PROJECT-N: `, with the highest number seen.
    Ticket { project: String, last: u64 },
}

/// How pull request bodies look.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// Mostly empty.
    Empty,
    /// A sentence or two of prose.
    Prose,
    /// Headings or checklists.
    Sections { checklist: bool },
    /// The repository's template, filled in.
    Template(String),
}

/// What the team's recent work shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Style {
    /// How many pieces of work it was read from.
    pub read: usize,
    pub prefix: Prefix,
    /// Titles start in lower case (after any prefix).
    pub lowercase: bool,
    pub body: Body,
}

/// `type(scope)!: rest` → (type, scope, rest).
fn conventional(title: &str) -> Option<(&str, Option<&str>, &str)> {
    let (head, rest) = title.split_once(": ")?;
    let head = head.strip_suffix('!').unwrap_or(head);
    let (kind, scope) = match head.split_once('(') {
        Some((k, s)) => (k, Some(s.strip_suffix(')')?)),
        None => (head, None),
    };
    let word = |w: &str| !w.is_empty() && w.len() <= 12 && w.chars().all(|c| c.is_ascii_lowercase());
    let scope_ok = scope.is_none_or(|s| !s.is_empty() && s.len() <= 24 && !s.contains(' '));
    (word(kind) && scope_ok).then_some((kind, scope, rest))
}

/// `PLAT-123: rest` (or `PLAT-123 rest`, `[PLAT-123] rest`) → (project, number, rest).
fn ticket(title: &str) -> Option<(&str, u64, &str)> {
    let t = title.strip_prefix('[').unwrap_or(title);
    let (project, after) = t.split_once('-')?;
    let ok = !project.is_empty()
        && project.len() <= 10
        && project.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && project.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    let number = digits.parse().ok().filter(|_| ok)?;
    let rest = after[digits.len()..].trim_start_matches([']', ':']).trim_start();
    Some((project, number, rest))
}

/// The title without a Conventional Commits or ticket prefix.
pub fn core(title: &str) -> &str {
    if let Some((_, _, rest)) = conventional(title) {
        return rest;
    }
    if let Some((_, _, rest)) = ticket(title) {
        return rest;
    }
    title
}

/// The items of `values` by how often they come, most first (ties by first appearance).
fn by_count<'a>(values: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut counted: Vec<(String, usize)> = Vec::new();
    for v in values {
        match counted.iter_mut().find(|(x, _)| x == v) {
            Some((_, n)) => *n += 1,
            None => counted.push((v.to_owned(), 1)),
        }
    }
    counted.sort_by_key(|c| std::cmp::Reverse(c.1));
    counted.into_iter().map(|(v, _)| v).collect()
}

fn has_checklist(body: &str) -> bool {
    body.lines().any(|l| {
        let l = l.trim_start();
        l.starts_with("- [ ]") || l.starts_with("- [x]") || l.starts_with("* [ ]") || l.starts_with("* [x]")
    })
}

fn has_headings(body: &str) -> bool {
    body.lines().any(|l| l.starts_with('#') || (l.starts_with("**") && l.trim_end().ends_with("**")))
}

impl Style {
    /// The style of `recent`: what most of it does (half or more).
    pub fn of(recent: &Recent) -> Style {
        let titles: Vec<&str> = recent.work.iter().map(|w| w.title.trim()).filter(|t| !t.is_empty()).collect();
        let n = titles.len();
        let most = |k: usize| n > 0 && k * 2 >= n;
        let conv: Vec<(&str, Option<&str>)> =
            titles.iter().filter_map(|t| conventional(t)).map(|(k, s, _)| (k, s)).collect();
        let tickets: Vec<(&str, u64)> = titles.iter().filter_map(|t| ticket(t)).map(|(p, n, _)| (p, n)).collect();
        let prefix = if most(conv.len()) {
            Prefix::Conventional {
                types: by_count(conv.iter().map(|(k, _)| *k)),
                scopes: by_count(conv.iter().filter_map(|(_, s)| *s)),
            }
        } else if most(tickets.len()) {
            let project = by_count(tickets.iter().map(|(p, _)| *p)).into_iter().next().unwrap_or_default();
            let last = tickets.iter().filter(|(p, _)| *p == project).map(|(_, n)| *n).max().unwrap_or(0);
            Prefix::Ticket { project, last }
        } else {
            Prefix::None
        };
        let lower = titles.iter().filter(|t| core(t).chars().next().is_some_and(char::is_lowercase)).count();
        let body = match &recent.template {
            Some(t) if !t.trim().is_empty() => Body::Template(t.clone()),
            _ if !recent.bodies => Body::Sections { checklist: true },
            _ => {
                let bodies: Vec<&str> = recent.work.iter().map(|w| w.body.trim()).collect();
                let empty = bodies.iter().filter(|b| b.is_empty()).count();
                let checklists = bodies.iter().filter(|b| has_checklist(b)).count();
                let sections = bodies.iter().filter(|b| has_headings(b) || has_checklist(b)).count();
                if most(empty) {
                    Body::Empty
                } else if sections * 3 >= n.max(1) {
                    Body::Sections { checklist: checklists * 3 >= n.max(1) }
                } else {
                    Body::Prose
                }
            }
        };
        Style { read: n, prefix, lowercase: most(lower), body }
    }

    /// A one-line description for `preview`.
    pub fn describe(&self) -> String {
        let prefix = match &self.prefix {
            Prefix::None => "plain titles".to_owned(),
            Prefix::Conventional { types, scopes } if scopes.is_empty() => {
                format!("Conventional Commits ({})", types.join(", "))
            }
            Prefix::Conventional { types, scopes } => {
                format!("Conventional Commits ({}; scopes {})", types.join(", "), scopes.join(", "))
            }
            Prefix::Ticket { project, .. } => format!("ticket-prefixed titles ({project}-N: …)"),
        };
        let case = if self.lowercase { "lower case" } else { "capitalised" };
        let body = match &self.body {
            Body::Empty => "empty bodies",
            Body::Prose => "short prose bodies",
            Body::Sections { checklist: true } => "bodies with headings and checklists",
            Body::Sections { checklist: false } => "bodies with headings",
            Body::Template(_) => "the repository's pull request template",
        };
        format!("{prefix}, {case}, {body}; read from {} recent change(s)", self.read)
    }
}

/// Everything the recent work says, lower-cased: where a candidate sentence is looked for.
fn seen_text(recent: &Recent) -> String {
    let mut all = String::new();
    for w in &recent.work {
        all.push_str(&w.title.to_lowercase());
        all.push('\n');
        all.push_str(&w.body.to_lowercase());
        all.push('\n');
    }
    all
}

/// One of `pool` (templates, rendered with `vars`) that `seen` does not hold, drawn for `purpose` under `seed`;
/// when every one is there, any. `key`: what of a rendered candidate is looked for.
fn fresh(seed: &str, purpose: &str, pool: &[&str], vars: &Vars, seen: &str, key: impl Fn(&str) -> String) -> String {
    let rendered: Vec<String> = pool.iter().filter_map(|t| render(t, vars).ok()).collect();
    let unseen: Vec<&String> = rendered.iter().filter(|r| !seen.contains(&key(r).to_lowercase())).collect::<Vec<_>>();
    let mut rng = SeededRng::for_purpose(seed, purpose);
    match rng.pick(&unseen) {
        Some(r) => (*r).clone(),
        None => rng.pick(&rendered).cloned().unwrap_or_default(),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

fn decapitalise(s: &str) -> String {
    let mut c = s.chars();
    match (c.next(), c.clone().next()) {
        // `API`, `TLS`: an acronym keeps its case.
        (Some(f), Some(g)) if g.is_uppercase() => std::iter::once(f).chain(c).collect(),
        (Some(f), _) => f.to_lowercase().chain(c).collect(),
        (None, _) => String::new(),
    }
}

/// The fitted texts: title (the commit's subject too) and pull request body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fitted {
    pub title: String,
    pub body: String,
}

/// What the fit needs of the drill.
pub struct Facts<'a> {
    pub seed: &'a str,
    pub vars: &'a Vars,
    /// The kind's wordings.
    pub wordings: &'static pool::Wordings,
    /// The words of the target's path and key, to choose a scope the team uses for it.
    pub words: Vec<String>,
}

/// The title and body of a drill written in `style`, every sentence one `recent` does not already hold.
pub fn fit(style: &Style, recent: &Recent, facts: &Facts<'_>) -> Fitted {
    let seen = seen_text(recent);
    let titles: Vec<&str> = facts
        .wordings
        .commit_messages
        .iter()
        .chain(pool::GENERIC.commit_messages)
        .chain(pool::MORE_TITLES)
        .copied()
        .collect();
    let chosen = fresh(facts.seed, "disguise.fit.title", &titles, facts.vars, &seen, |t| core(t).to_owned());
    let core_text = core(&chosen).trim().to_owned();
    let core_text = if style.lowercase { decapitalise(&core_text) } else { capitalise(&core_text) };
    let title = match &style.prefix {
        Prefix::None => core_text,
        Prefix::Conventional { types, scopes } => {
            let preferred = conventional(&chosen).map(|(k, _, _)| k).filter(|k| types.iter().any(|t| t == k));
            let kind = preferred.map(str::to_owned).or_else(|| {
                ["chore", "fix", "ops", "config"]
                    .iter()
                    .find(|k| types.iter().any(|t| t == *k))
                    .map(|k| (*k).to_owned())
            });
            let kind = kind.or_else(|| types.first().cloned()).unwrap_or_else(|| "chore".to_owned());
            // A scope the team uses that names the target, else none (a made-up scope would stand out).
            let scope = scopes.iter().find(|s| facts.words.iter().any(|w| w == &s.to_lowercase()));
            match scope {
                Some(s) => format!("{kind}({s}): {}", decapitalise(&core_text)),
                None => format!("{kind}: {}", decapitalise(&core_text)),
            }
        }
        Prefix::Ticket { project, last } => {
            let step = SeededRng::for_purpose(facts.seed, "disguise.fit.ticket").below(7) + 1;
            format!("{project}-{}: {core_text}", last + step)
        }
    };
    let reasons: Vec<&str> =
        facts.wordings.reasons.iter().chain(pool::GENERIC.reasons).chain(pool::MORE_REASONS).copied().collect();
    let why = fresh(facts.seed, "disguise.fit.why", &reasons, facts.vars, &seen, first_sentence);
    let what = fresh(facts.seed, "disguise.fit.what", pool::WHAT, facts.vars, &seen, |w| w.to_owned());
    let checks = |n: usize| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut seen = seen.clone();
        for i in 0..n {
            let c = fresh(facts.seed, &format!("disguise.fit.check.{i}"), pool::CHECKS, facts.vars, &seen, |c| {
                c.to_owned()
            });
            seen.push_str(&c.to_lowercase());
            seen.push('\n');
            out.push(c);
        }
        out
    };
    let body = match &style.body {
        Body::Empty => String::new(),
        Body::Prose => format!("{what} {why}\n"),
        Body::Sections { checklist } => {
            let mut b = format!("## What\n{what}\n\n## Why\n{why}\n");
            if *checklist {
                b.push_str("\n## Checklist\n");
                for c in checks(2) {
                    b.push_str(&format!("- [x] {c}\n"));
                }
            }
            b
        }
        Body::Template(t) => {
            let ticket = title.split_once(": ").map(|(k, _)| k).filter(|k| ticket(&format!("{k}: x")).is_some());
            fill_template(t, &what, &why, ticket)
        }
    };
    Fitted { title, body }
}

/// The first sentence of `text` (to its first `. `), where repeated wording is looked for.
fn first_sentence(text: &str) -> String {
    text.split(". ").next().unwrap_or(text).trim_end_matches('.').to_owned()
}

/// The repository's template filled in as a colleague does: its comments dropped, what changed under the first
/// heading (with why, unless a heading asks it), the ticket under a heading that asks for one, its checklist ticked.
pub fn fill_template(template: &str, what: &str, why: &str, ticket: Option<&str>) -> String {
    // HTML comments are the template's instructions: nobody leaves them in.
    let mut text = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("<!--") {
        text.push_str(&rest[..start]);
        match rest[start..].find("-->") {
            Some(end) => rest = &rest[start + end + 3..],
            None => rest = "",
        }
    }
    text.push_str(rest);
    let mut out: Vec<String> = Vec::new();
    let (mut put_what, mut put_why) = (false, false);
    let asks_why = text.lines().any(|l| {
        l.trim_start().starts_with('#')
            && ["why", "motivation", "context", "reason"].iter().any(|w| l.to_lowercase().contains(w))
    });
    for line in text.lines() {
        let trimmed = line.trim_start();
        let line =
            if let Some(item) = trimmed.strip_prefix("- [ ]") { format!("- [x]{item}") } else { line.to_owned() };
        let heading = trimmed.starts_with('#');
        let lower = trimmed.to_lowercase();
        out.push(line);
        if heading && !put_why && ["why", "motivation", "context", "reason"].iter().any(|w| lower.contains(w)) {
            out.push(why.to_owned());
            put_why = true;
        } else if heading && ["ticket", "issue", "jira"].iter().any(|w| lower.contains(w)) {
            if let Some(t) = ticket {
                out.push(t.to_owned());
            }
        } else if heading && !put_what {
            if asks_why {
                out.push(what.to_owned());
            } else {
                out.push(format!("{what} {why}"));
                put_why = true;
            }
            put_what = true;
        }
    }
    let mut body = out.join("\n");
    // Collapse the blank lines the comments left.
    while body.contains("\n\n\n") {
        body = body.replace("\n\n\n", "\n\n");
    }
    let mut body = body.trim().to_owned();
    if !put_what {
        body = format!("{what}\n\n{body}");
    }
    if !put_why {
        body = format!("{body}\n\n{why}");
    }
    format!("{}\n", body.trim())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn work(titles: &[&str], body: &str) -> Recent {
        Recent {
            work: titles.iter().map(|t| Work { title: (*t).to_owned(), body: body.to_owned() }).collect(),
            template: None,
            bodies: true,
        }
    }

    #[test]
    fn prefixes_are_read_from_the_titles() {
        let s = Style::of(&work(&["feat(api): add x", "fix(worker): y", "chore(api): z", "Merge x"], ""));
        assert_eq!(
            s.prefix,
            Prefix::Conventional {
                types: vec!["feat".into(), "fix".into(), "chore".into()],
                scopes: vec!["api".into(), "worker".into()]
            }
        );
        assert!(s.lowercase);
        assert_eq!(s.body, Body::Empty);
        let s = Style::of(&work(&["PLAT-12: Add a thing", "PLAT-40: Fix it", "[PLAT-7] Tidy"], "Some words here."));
        assert_eq!(s.prefix, Prefix::Ticket { project: "PLAT".into(), last: 40 });
        assert!(!s.lowercase);
        assert_eq!(s.body, Body::Prose);
        assert_eq!(core("PLAT-12: Add a thing"), "Add a thing");
        assert_eq!(core("chore(api)!: drop v1"), "drop v1");
        assert_eq!(core("Fix: the thing"), "Fix: the thing");
    }

    #[test]
    fn a_template_is_filled_without_its_comments_and_with_its_boxes_ticked() {
        let t = "## Description\n<!-- What does this change? -->\n\n## Motivation\n<!-- why -->\n\n- [ ] Docs updated\n- [ ] Reviewed\n";
        let filled = fill_template(t, "Adjusts `A`.", "It was off.", None);
        assert_eq!(
            filled,
            "## Description\nAdjusts `A`.\n\n## Motivation\nIt was off.\n\n- [x] Docs updated\n- [x] Reviewed\n"
        );
    }
}
