//! The hidden markers firedrill writes at the end of its own comments and issues (`<!-- firedrill:status -->`),
//! so that a later run finds the one it wrote and edits it instead of posting twice. Every marker is a
//! [`Marker`]; this is the one place that writes them and reads them back.

use std::fmt;

/// The prefix every marker's key starts with.
const PREFIX: &str = "firedrill:";

/// One of firedrill's own texts on GitHub, as its hidden marker names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Marker {
    /// The drill's status comment on its pull request.
    Status,
    /// The reveal comment (`/drill reveal`, after the end).
    Reveal,
    /// The report comment on the drill's change or announcement issue.
    Report,
    /// The note that says a revert did not land.
    RevertBlocked,
    /// A drill's announcement issue: a hash of the drill id ([`crate::disguise::short_id`]), which names the
    /// scenario otherwise.
    Announce(String),
}

impl Marker {
    /// The key inside the comment: `firedrill:status`, `firedrill:announce:4f2a…`.
    pub fn key(&self) -> String {
        match self {
            Marker::Status => format!("{PREFIX}status"),
            Marker::Reveal => format!("{PREFIX}reveal"),
            Marker::Report => format!("{PREFIX}report"),
            Marker::RevertBlocked => format!("{PREFIX}revert-blocked"),
            Marker::Announce(id) => format!("{PREFIX}announce:{id}"),
        }
    }

    /// The marker as written: an HTML comment GitHub does not show.
    pub fn hidden(&self) -> String {
        format!("<!-- {} -->", self.key())
    }

    /// `body` with the marker after a blank line, as it is posted.
    pub fn attach(&self, body: &str) -> String {
        format!("{body}\n\n{}", self.hidden())
    }

    /// Whether `text` (a comment's or an issue's body) holds this marker.
    pub fn is_in(&self, text: &str) -> bool {
        text.contains(&self.hidden())
    }

    /// Whether `text` holds any of firedrill's markers: a text firedrill wrote itself.
    pub fn any_in(text: &str) -> bool {
        text.contains(&format!("<!-- {PREFIX}"))
    }

    /// The first marker in `text`, read back from its written form.
    pub fn parse(text: &str) -> Option<Marker> {
        text.match_indices("<!-- ").find_map(|(at, open)| {
            let rest = &text[at + open.len()..];
            let key = rest.get(..rest.find(" -->")?)?.strip_prefix(PREFIX)?;
            match key {
                "status" => Some(Marker::Status),
                "reveal" => Some(Marker::Reveal),
                "report" => Some(Marker::Report),
                "revert-blocked" => Some(Marker::RevertBlocked),
                _ => {
                    key.strip_prefix("announce:").filter(|id| !id.is_empty()).map(|id| Marker::Announce(id.to_owned()))
                }
            }
        })
    }
}

impl fmt::Display for Marker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_written_as_before_and_read_back() {
        let all =
            [Marker::Status, Marker::Reveal, Marker::Report, Marker::RevertBlocked, Marker::Announce("4f2a9c".into())];
        let written: Vec<String> = all.iter().map(Marker::hidden).collect();
        assert_eq!(
            written,
            [
                "<!-- firedrill:status -->",
                "<!-- firedrill:reveal -->",
                "<!-- firedrill:report -->",
                "<!-- firedrill:revert-blocked -->",
                "<!-- firedrill:announce:4f2a9c -->",
            ]
        );
        for m in all {
            let body = m.attach("Drill status\n\n<!-- a template's own comment -->");
            assert!(body.ends_with(&format!("\n\n{}", m.hidden())), "{body}");
            assert!(m.is_in(&body) && Marker::any_in(&body));
            assert_eq!(Marker::parse(&body), Some(m));
        }
        assert_eq!(Marker::parse("<!-- What does this change? -->"), None);
        assert!(!Marker::any_in("<!-- What does this change? -->"));
        assert!(!Marker::Status.is_in("<!-- firedrill:status-old -->"));
    }
}
