//! The job summary (`GITHUB_STEP_SUMMARY`): Markdown that GitHub shows on the run's page.

use std::fmt::Write as _;

use super::output::Outputs;

/// What one `firedrill action` run did, for the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// `firedrill tick at 2026-11-24T09:00:00Z`.
    pub title: String,
    /// Why this ran: `schedule`, `workflow_dispatch (preview of redis)`…
    pub trigger: String,
    /// The numbered steps and what each did.
    pub steps: Vec<(String, Vec<String>)>,
    /// A block shown as is (a preview's diff), in a code fence.
    pub detail: Option<String>,
    pub outputs: Outputs,
    /// Warnings worth seeing on the run's page.
    pub warnings: Vec<String>,
}

/// Text from steps and drills may hold `<`, `|` or backticks; keep it from becoming HTML or table syntax.
fn inline(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('|', "\\|")
}

/// A code fence longer than any run of backticks in `text`.
fn fence(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// Renders the summary as Markdown.
pub fn render(s: &RunSummary) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "### {}\n", inline(&s.title));
    let _ = writeln!(o, "Triggered by `{}`.\n", s.trigger.replace('`', "'"));
    for w in &s.warnings {
        let _ = writeln!(o, "> [!WARNING]\n> {}\n", inline(w));
    }
    for (i, (step, lines)) in s.steps.iter().enumerate() {
        let _ = writeln!(o, "{}. **{}**", i + 1, inline(step));
        if lines.is_empty() {
            let _ = writeln!(o, "   - nothing to do");
        }
        for l in lines {
            let _ = writeln!(o, "   - {}", inline(l));
        }
    }
    if !s.steps.is_empty() {
        o.push('\n');
    }
    if let Some(d) = &s.detail {
        let f = fence(d);
        let _ = writeln!(o, "{f}\n{}\n{f}\n", d.trim_end());
    }
    let pairs = s.outputs.pairs();
    if !pairs.is_empty() {
        let _ = writeln!(o, "| output | value |\n|---|---|");
        for (name, value) in pairs {
            let _ = writeln!(o, "| `{name}` | {} |", inline(&value));
        }
        o.push('\n');
    }
    o
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn steps_outputs_and_escaping() {
        let s = RunSummary {
            title: "firedrill tick at 2026-11-24T09:00:00Z".into(),
            trigger: "schedule".into(),
            steps: vec![("Plan".into(), vec!["redis: planned <soon> | a".into()]), ("Merge".into(), vec![])],
            detail: Some("```diff\n-a\n+b\n".into()),
            outputs: Outputs { state: Some("open".into()), ..Outputs::default() },
            warnings: vec!["only GITHUB_TOKEN".into()],
        };
        assert_eq!(
            render(&s),
            "### firedrill tick at 2026-11-24T09:00:00Z\n\nTriggered by `schedule`.\n\n> [!WARNING]\n> only GITHUB_TOKEN\n\n\
             1. **Plan**\n   - redis: planned &lt;soon&gt; \\| a\n2. **Merge**\n   - nothing to do\n\n\
             ````\n```diff\n-a\n+b\n````\n\n| output | value |\n|---|---|\n| `state` | open |\n\n"
        );
    }
}
