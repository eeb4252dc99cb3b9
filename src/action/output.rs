//! Step outputs in the `GITHUB_OUTPUT` file format: `name=value`, or `name<<DELIMITER` … `DELIMITER` for
//! values with line breaks.

use std::io;

/// The delimiter of a multi-line value: a fixed word, lengthened until no line of the value equals it, so
/// the output is the same on every run and a value can never end the block early.
pub fn delimiter(value: &str) -> String {
    let mut d = String::from("FIREDRILL_EOF");
    let mut n = 0u32;
    while value.split(['\n', '\r']).any(|l| l == d) {
        n += 1;
        d = format!("FIREDRILL_EOF_{n}");
    }
    d
}

/// Writes one output. Names are what a workflow can read as `steps.<id>.outputs.<name>`.
pub fn write_output(out: &mut dyn io::Write, name: &str, value: &str) -> io::Result<()> {
    let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("`{name}` is not a valid output name")));
    }
    if value.contains(['\n', '\r']) {
        let d = delimiter(value);
        writeln!(out, "{name}<<{d}")?;
        writeln!(out, "{value}")?;
        writeln!(out, "{d}")
    } else {
        writeln!(out, "{name}={value}")
    }
}

/// The Action's outputs (see `action.yml`). Absent values are not written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outputs {
    pub drill_id: Option<String>,
    /// The drill's phase as [`crate::drill::state::Phase::key`] names it (`recovered`, `gave_up`, `timed_out`, …).
    pub state: Option<String>,
    pub pr_number: Option<u64>,
    pub pr_url: Option<String>,
    pub mttr_seconds: Option<i64>,
    /// For a drill that ended without the team's recovery: how long the fault was live.
    pub censored_seconds: Option<i64>,
    pub report_path: Option<String>,
    /// Forge API requests the run made.
    pub requests: Option<u64>,
}

impl Outputs {
    /// The outputs as (name, value) pairs, in `action.yml`'s order.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut p = Vec::new();
        let mut put = |name, value: Option<String>| {
            if let Some(v) = value {
                p.push((name, v));
            }
        };
        put("drill-id", self.drill_id.clone());
        put("state", self.state.clone());
        put("pr-number", self.pr_number.map(|n| n.to_string()));
        put("pr-url", self.pr_url.clone());
        put("mttr-seconds", self.mttr_seconds.map(|n| n.to_string()));
        put("censored-seconds", self.censored_seconds.map(|n| n.to_string()));
        put("report-path", self.report_path.clone());
        put("requests", self.requests.map(|n| n.to_string()));
        p
    }

    pub fn write(&self, out: &mut dyn io::Write) -> io::Result<()> {
        for (name, value) in self.pairs() {
            write_output(out, name, &value)?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn written(name: &str, value: &str) -> String {
        let mut out = Vec::new();
        write_output(&mut out, name, value).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn single_and_multi_line_values() {
        assert_eq!(written("state", "running"), "state=running\n");
        assert_eq!(written("state", ""), "state=\n");
        assert_eq!(written("note", "a\nb"), "note<<FIREDRILL_EOF\na\nb\nFIREDRILL_EOF\n");
    }

    #[test]
    fn the_delimiter_never_appears_as_a_line_of_the_value() {
        let v = "x\nFIREDRILL_EOF\nFIREDRILL_EOF_1\ny";
        assert_eq!(delimiter(v), "FIREDRILL_EOF_2");
        assert_eq!(written("n", v), format!("n<<FIREDRILL_EOF_2\n{v}\nFIREDRILL_EOF_2\n"));
        // Inside a line it cannot end the block, so it may stay.
        assert_eq!(delimiter("say FIREDRILL_EOF\n"), "FIREDRILL_EOF");
        assert_eq!(delimiter("a\r\nFIREDRILL_EOF\r\n"), "FIREDRILL_EOF_1");
    }

    #[test]
    fn bad_names_are_refused() {
        assert!(write_output(&mut Vec::new(), "a=b", "x").is_err());
        assert!(write_output(&mut Vec::new(), "", "x").is_err());
        assert!(write_output(&mut Vec::new(), "a<<b", "x").is_err());
    }

    #[test]
    fn outputs_in_order_without_absent_ones() {
        let o = Outputs {
            drill_id: Some("redis-20261124T0900Z".into()),
            state: Some("recovered".into()),
            mttr_seconds: Some(4680),
            requests: Some(0),
            ..Outputs::default()
        };
        let mut out = Vec::new();
        o.write(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "drill-id=redis-20261124T0900Z\nstate=recovered\nmttr-seconds=4680\nrequests=0\n"
        );
    }
}
