//! Unified diffs of an edited file, as `git diff` would show them.

use similar::TextDiff;

/// A unified diff (3 lines of context) from `old` to `new` for `path`; empty when they are equal.
pub fn unified(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let diff = TextDiff::from_lines(old, new);
    let mut out = diff.unified_diff().context_radius(3).header(&format!("a/{path}"), &format!("b/{path}")).to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_change() {
        let d = unified("values.yaml", "a: 1\nb: 2\nc: 3\n", "a: 1\nb: 0\nc: 3\n");
        insta::assert_snapshot!(d, @r"
        --- a/values.yaml
        +++ b/values.yaml
        @@ -1,3 +1,3 @@
         a: 1
        -b: 2
        +b: 0
         c: 3
        ");
        assert_eq!(unified("x", "same\n", "same\n"), "");
    }
}
