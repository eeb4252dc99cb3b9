//! How free text goes into what firedrill writes: one-line Markdown text, code spans, table rows and links,
//! and the XML/HTML escaper of the badges and the history page. Every escape in `render` is one of these.

/// Text folded onto one line: line breaks and runs of spaces become one space.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Inline text from people: one line, no raw HTML (`<` escaped, which is all GitHub needs to show a tag as text).
pub fn text(s: &str) -> String {
    one_line(s).replace('<', "&lt;")
}

/// One line of Markdown-safe text for comments: line breaks folded, both HTML brackets escaped.
pub fn line(s: &str) -> String {
    one_line(s).replace('<', "&lt;").replace('>', "&gt;")
}

/// `&`, `<`, `>`, `"` and `'` as XML entities (SVG badges, the HTML history page).
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A code span that survives backticks in its content.
pub fn code(s: impl AsRef<str>) -> String {
    let s = one_line(s.as_ref());
    if s.contains('`') { format!("`` {s} ``") } else { format!("`{s}`") }
}

/// A table row; `|` inside cells is escaped (GitHub applies this before inline parsing, code spans included).
pub fn row(cells: &[String]) -> String {
    let cells: Vec<String> = cells.iter().map(|c| c.replace('|', "\\|")).collect();
    format!("| {} |", cells.join(" | "))
}

/// A Markdown link; the address is percent-encoded where Markdown would end it.
pub fn link(label: &str, url: &str) -> String {
    let url = url.replace(' ', "%20").replace('(', "%28").replace(')', "%29").replace('<', "%3C").replace('>', "%3E");
    format!("[{label}]({url})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_text_cannot_become_html_or_table_syntax() {
        assert_eq!(code("a`b"), "`` a`b ``");
        assert_eq!(row(&["a|b".into(), text("x\n<script>")]), "| a\\|b | x &lt;script> |");
        assert_eq!(line("a\n  <b>"), "a &lt;b&gt;");
        assert_eq!(xml("a<b & \"c\" 'd'"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;");
        assert_eq!(link("x", "http://h/a b(c)"), "[x](http://h/a%20b%28c%29)");
    }
}
