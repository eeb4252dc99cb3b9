//! What may be quoted from a file in a message: short excerpts, with anything that looks like a secret masked.
//!
//! Pure. Errors quote the files they are about (a `test` that found another value, a parser's complaint), and
//! those files may hold credentials the scenario's author cannot see in the output of a workflow run. Every
//! quote goes through [`excerpt`]; every message shown to people goes through [`secrets`] as a last net.

/// The longest excerpt of a file an error quotes, in characters.
pub const EXCERPT_CHARS: usize = 40;

/// What a masked secret becomes.
const MASK: &str = "***";

/// Prefixes of well-known token formats (GitHub, GitLab, Slack, AWS, npm, PyPI, OpenAI-style keys).
const TOKEN_PREFIXES: [&str; 13] =
    ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "xoxb-", "xoxp-", "AKIA", "npm_", "pypi-", "sk-"];

/// Words after which the next word is a credential (`Authorization: Basic …`, `password=…`).
const CREDENTIAL_WORDS: [&str; 9] =
    ["authorization", "bearer", "basic", "token", "password", "passwd", "secret", "apikey", "api_key"];

/// `text` cut to [`EXCERPT_CHARS`] characters (with `…`), secrets masked, control characters escaped.
pub fn excerpt(text: &str) -> String {
    let masked = secrets(text);
    let mut out = String::new();
    for c in masked.chars().take(EXCERPT_CHARS) {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    if masked.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    out
}

/// `text` with every secret-looking word replaced by `***`: known token formats, the word after
/// `Authorization:`/`Bearer`/`password=`…, the userinfo of URLs, and long runs that mix letters and digits
/// (keys, base64 credentials).
pub fn secrets(text: &str) -> String {
    let text = without_userinfo(text);
    let mut out = String::with_capacity(text.len());
    let mut armed = false;
    let mut rest = text.as_str();
    while !rest.is_empty() {
        let start = rest.find(is_word_char).unwrap_or(rest.len());
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len());
        let word = &rest[..end];
        rest = &rest[end..];
        if word.is_empty() {
            continue;
        }
        let lower = word.to_ascii_lowercase();
        let credential = CREDENTIAL_WORDS.iter().any(|c| lower == *c || lower.ends_with(&format!("_{c}")));
        if credential && (lower == "bearer" || lower == "basic") {
            out.push_str(word);
            armed = true;
        } else if credential {
            out.push_str(word);
            // `password: x`, `TOKEN=x`: the value follows a `:` or `=`.
            armed = rest.trim_start_matches([' ', '\t']).starts_with([':', '=']);
        } else if armed || looks_secret(word) {
            out.push_str(MASK);
            armed = false;
        } else {
            out.push_str(word);
        }
    }
    out
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || "_-+/.%~".contains(c)
}

/// `text` with the userinfo of every URL in it masked: `https://kim:s3cr3t@host/x` becomes `https://***@host/x`.
fn without_userinfo(text: &str) -> String {
    replace_userinfo(text, &format!("{MASK}@"))
}

/// `text` with the userinfo (and its `@`) of every URL in it replaced by `with`.
pub(crate) fn replace_userinfo(text: &str, with: &str) -> String {
    let mut out = text.to_owned();
    let mut from = 0;
    while let Some(found) = out[from..].find("://") {
        let authority_start = from + found + 3;
        let rest = &out[authority_start..];
        let end = rest.find(|c: char| matches!(c, '/' | '?' | '#' | '\'' | '"' | '`') || c.is_whitespace());
        let authority = &rest[..end.unwrap_or(rest.len())];
        if let Some(at) = authority.rfind('@') {
            out.replace_range(authority_start..authority_start + at + 1, with);
        }
        from = authority_start;
    }
    out
}

fn looks_secret(word: &str) -> bool {
    let bare = word.trim_end_matches(['.', '=']);
    if TOKEN_PREFIXES.iter().any(|p| bare.starts_with(p) && bare.len() >= p.len() + 16) {
        return true;
    }
    // A key or a base64 credential: long, no path or sentence structure, letters and digits mixed.
    let (letters, digits) = bare
        .chars()
        .fold((0, 0), |(l, d), c| (l + usize::from(c.is_ascii_alphabetic()), d + usize::from(c.is_ascii_digit())));
    bare.len() >= 24 && letters >= 4 && digits >= 4 && !bare.contains(['/', '.'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_tokens_headers_and_userinfo() {
        let token = format!("ghp_{}", "a1B2".repeat(9));
        assert_eq!(secrets(&format!("FAKE_TOKEN={token} SHELL=/bin/bash")), "FAKE_TOKEN=*** SHELL=/bin/bash");
        assert_eq!(
            secrets("extraheader = AUTHORIZATION: basic c2VjcmV0LXRva2Vu"),
            "extraheader = AUTHORIZATION: basic ***"
        );
        assert_eq!(secrets("password: hunter2"), "password: ***");
        assert_eq!(secrets("see https://kim:s3cr3t@git.example/x.git now"), "see https://***@git.example/x.git now");
        assert_eq!(secrets("key: 8f14e45fceea167a5a36dedd4bea2543"), "key: ***");
    }

    #[test]
    fn keeps_ordinary_text() {
        for s in [
            "`test` failed: `/env/POOL_SIZE` is \"10\", not \"11\"",
            "deploy/staging/values.yaml:12:3",
            "image: registry.example/api:1.2.3",
            "SERVICE__REDIS__CONNECTION_POOL__SIZE",
            "the token is not valid",
        ] {
            assert_eq!(secrets(s), s);
        }
    }

    #[test]
    fn excerpts_are_short_and_escaped() {
        assert_eq!(excerpt("a\u{0}b"), "a\\0b");
        let long = "x".repeat(100);
        assert_eq!(excerpt(&long), format!("{}…", "x".repeat(EXCERPT_CHARS)));
    }
}
