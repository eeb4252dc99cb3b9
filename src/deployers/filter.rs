//! GitHub's filter patterns for `branches`, `branches-ignore`, `paths` and `paths-ignore` ("Filter pattern
//! cheat sheet" of the workflow syntax): `*` matches any characters but `/`, `**` any characters, `?` makes
//! the character (or class) before it optional, `+` repeats it once or more, `[…]` is one character of a set
//! or range, `\` escapes; a leading `!` negates, and later patterns override earlier ones.

/// Whether `name` (a branch or a repository path) passes `patterns`, read in order: it passes when the last
/// pattern that matches it is a positive one.
pub fn selects(patterns: &[String], name: &str) -> bool {
    let mut selected = false;
    for p in patterns {
        match p.strip_prefix('!') {
            Some(negated) => {
                if matches(negated, name) {
                    selected = false;
                }
            }
            None => {
                if matches(p, name) {
                    selected = true;
                }
            }
        }
    }
    selected
}

/// Whether one pattern (without its `!`) matches all of `name`.
pub fn matches(pattern: &str, name: &str) -> bool {
    let atoms = compile(pattern);
    let name: Vec<char> = name.chars().collect();
    match_at(&atoms, &name)
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Char(char),
    /// `[…]`: ranges of characters (a single character is a range of one).
    Class(Vec<(char, char)>),
    /// `*`: any characters but `/`.
    Star,
    /// `**`: any characters.
    Globstar,
    /// `**/`: nothing, or any characters ending with `/` (so `**/a` matches `a` at the root).
    GlobstarSlash,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Repeat {
    Once,
    /// `?`: zero or one.
    Optional,
    /// `+`: one or more.
    OneOrMore,
}

fn compile(pattern: &str) -> Vec<(Token, Repeat)> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out: Vec<(Token, Repeat)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let token = match c {
            '*' if chars.get(i + 1) == Some(&'*') => {
                if chars.get(i + 2) == Some(&'/') {
                    i += 3;
                    out.push((Token::GlobstarSlash, Repeat::Once));
                } else {
                    i += 2;
                    out.push((Token::Globstar, Repeat::Once));
                }
                continue;
            }
            '*' => Token::Star,
            '?' | '+' if out.last().is_some_and(|(t, r)| *r == Repeat::Once && quantifiable(t)) => {
                if let Some(last) = out.last_mut() {
                    last.1 = if c == '?' { Repeat::Optional } else { Repeat::OneOrMore };
                }
                i += 1;
                continue;
            }
            '\\' if i + 1 < chars.len() => {
                i += 1;
                Token::Char(chars[i])
            }
            '[' => match class(&chars[i + 1..]) {
                Some((ranges, used)) => {
                    i += used;
                    Token::Class(ranges)
                }
                None => Token::Char('['),
            },
            c => Token::Char(c),
        };
        out.push((token, Repeat::Once));
        i += 1;
    }
    out
}

fn quantifiable(t: &Token) -> bool {
    matches!(t, Token::Char(_) | Token::Class(_))
}

/// The ranges of a class whose text (after `[`) is `rest`, and how many characters it used (the `]` included).
fn class(rest: &[char]) -> Option<(Vec<(char, char)>, usize)> {
    let end = rest.iter().position(|&c| c == ']')?;
    if end == 0 {
        return None;
    }
    let body = &rest[..end];
    let mut ranges = Vec::new();
    let mut j = 0;
    while j < body.len() {
        if j + 2 < body.len() && body[j + 1] == '-' {
            ranges.push((body[j], body[j + 2]));
            j += 3;
        } else {
            ranges.push((body[j], body[j]));
            j += 1;
        }
    }
    Some((ranges, end + 1))
}

fn one(token: &Token, c: char) -> bool {
    match token {
        Token::Char(x) => *x == c,
        Token::Class(ranges) => ranges.iter().any(|(a, b)| (*a..=*b).contains(&c)),
        Token::Star | Token::Globstar | Token::GlobstarSlash => false,
    }
}

/// Backtracking: patterns are short, names too.
fn match_at(atoms: &[(Token, Repeat)], name: &[char]) -> bool {
    let Some(((token, repeat), rest)) = atoms.split_first() else { return name.is_empty() };
    match token {
        Token::Star => {
            (0..=name.len()).take_while(|&n| n == 0 || name[n - 1] != '/').any(|n| match_at(rest, &name[n..]))
        }
        Token::Globstar => (0..=name.len()).any(|n| match_at(rest, &name[n..])),
        Token::GlobstarSlash => {
            match_at(rest, name) || (1..=name.len()).any(|n| name[n - 1] == '/' && match_at(rest, &name[n..]))
        }
        _ => match repeat {
            Repeat::Once => name.first().is_some_and(|&c| one(token, c)) && match_at(rest, &name[1..]),
            Repeat::Optional => {
                match_at(rest, name) || (name.first().is_some_and(|&c| one(token, c)) && match_at(rest, &name[1..]))
            }
            Repeat::OneOrMore => {
                let run = name.iter().take_while(|&&c| one(token, c)).count();
                (1..=run).any(|n| match_at(rest, &name[n..]))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The examples of GitHub's cheat sheet, and the edges around them: (pattern, name, matches).
    #[test]
    fn filter_patterns_follow_githubs_cheat_sheet() {
        let table: &[(&str, &str, bool)] = &[
            // Branches.
            ("feature/*", "feature/my-branch", true),
            ("feature/*", "feature/your/branch", false),
            ("feature/**", "feature/your/branch", true),
            ("main", "main", true),
            ("main", "main2", false),
            ("main", "xmain", false),
            ("releases/mona-the-octocat", "releases/mona-the-octocat", true),
            ("*", "main", true),
            ("*", "releases/v1", false),
            ("**", "all/the/branches", true),
            ("*feature", "mona-feature", true),
            ("*feature", "feature", true),
            ("v2*", "v2.0", true),
            ("v[12].[0-9]+.[0-9]+", "v1.10.1", true),
            ("v[12].[0-9]+.[0-9]+", "v2.0.0", true),
            ("v[12].[0-9]+.[0-9]+", "v3.0.0", false),
            ("v[12].[0-9]+.[0-9]+", "v1..0", false),
            // Paths.
            ("*", "README.md", true),
            ("*", "docs/README.md", false),
            ("*.jsx?", "page.js", true),
            ("*.jsx?", "page.jsx", true),
            ("*.jsx?", "page.jsxx", false),
            ("**", "all/the/files.md", true),
            ("*.js", "app.js", true),
            ("*.js", "js/index.js", false),
            ("**.js", "js/index.js", true),
            ("docs/*", "docs/README.md", true),
            ("docs/*", "docs/mona/octocat.txt", false),
            ("docs/**", "docs/mona/octocat.txt", true),
            ("docs/**/*.md", "docs/a/markdown/file.md", true),
            ("docs/**/*.md", "docs/file.md", true),
            ("**/docs/**", "docs/hello.md", true),
            ("**/docs/**", "dir/docs/my-file.txt", true),
            ("**/docs/**", "space/docs/plan/space.doc", true),
            ("**/README.md", "README.md", true),
            ("**/README.md", "js/README.md", true),
            ("**/README.md", "js/README.mdx", false),
            ("**/*src/**", "a/src/app.js", true),
            ("**/*src/**", "my-src/code/js/app.js", true),
            ("**/*-post.md", "my-post.md", true),
            ("**/*-post.md", "path/their-post.md", true),
            ("migrate-10909.sql", "migrate-10909.sql", true),
            ("*.md", "README.md", true),
            ("*.md", "docs/README.md", false),
            ("deploy/staging/**", "deploy/staging/values.yaml", true),
            ("deploy/staging", "deploy/staging/values.yaml", false),
            ("charts/*/values-staging.yaml", "charts/checkout/values-staging.yaml", true),
            ("[abc]", "b", true),
            ("[abc]", "d", false),
            ("a\\*b", "a*b", true),
            ("a\\*b", "axb", false),
        ];
        let wrong: Vec<String> = table
            .iter()
            .filter(|(p, n, want)| matches(p, n) != *want)
            .map(|(p, n, want)| format!("`{p}` on `{n}`: expected {want}"))
            .collect();
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn filter_negations_are_read_in_order_and_later_patterns_win() {
        let p = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        // GitHub's example: every `.md` but README.md at the root.
        assert!(selects(&p(&["*.md", "!README.md"]), "CHANGELOG.md"));
        assert!(!selects(&p(&["*.md", "!README.md"]), "README.md"));
        // A later positive pattern selects again.
        assert!(selects(&p(&["*.md", "!README.md", "README*"]), "README.md"));
        // Only negations select nothing.
        assert!(!selects(&p(&["!docs/**"]), "src/app.js"));
        assert!(!selects(&p(&[]), "anything"));
        // Branches: `releases/**` but not the alpha ones.
        let b = p(&["releases/**", "!releases/**-alpha"]);
        assert!(selects(&b, "releases/10"));
        assert!(!selects(&b, "releases/10-alpha"));
    }
}
