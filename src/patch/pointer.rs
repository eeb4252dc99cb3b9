//! JSON pointers (RFC 6901) as a list of unescaped tokens, shared by every format engine.

use std::fmt;

use super::{PatchError, PatchErrorKind};

/// A parsed JSON pointer: `/a/b~1c/0` is `["a", "b/c", "0"]`; the empty pointer is the whole document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pointer {
    pub tokens: Vec<String>,
}

impl Pointer {
    pub fn parse(s: &str) -> Result<Pointer, PatchError> {
        if s.is_empty() {
            return Ok(Pointer::default());
        }
        let Some(rest) = s.strip_prefix('/') else {
            return Err(PatchError::new(
                PatchErrorKind::BadPatch,
                format!("`{s}` is not a JSON pointer: it must start with `/`"),
            )
            .hint("write paths as /key/subkey/0, escaping `~` as ~0 and `/` as ~1"));
        };
        let mut tokens = Vec::new();
        for raw in rest.split('/') {
            let mut out = String::with_capacity(raw.len());
            let mut chars = raw.chars();
            while let Some(c) = chars.next() {
                if c == '~' {
                    match chars.next() {
                        Some('0') => out.push('~'),
                        Some('1') => out.push('/'),
                        _ => {
                            return Err(PatchError::new(
                                PatchErrorKind::BadPatch,
                                format!("`{s}` has a `~` not followed by 0 or 1"),
                            )
                            .hint("escape `~` as ~0 and `/` as ~1"));
                        }
                    }
                } else {
                    out.push(c);
                }
            }
            tokens.push(out);
        }
        Ok(Pointer { tokens })
    }

    pub fn is_root(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The parent pointer and the last token; `None` for the root.
    pub fn split_last(&self) -> Option<(Pointer, &str)> {
        let (last, parent) = self.tokens.split_last()?;
        Some((Pointer { tokens: parent.to_vec() }, last.as_str()))
    }

    pub fn push(&mut self, token: impl Into<String>) {
        self.tokens.push(token.into());
    }

    /// Parses an array index token: digits without leading zeros (RFC 6901), or `None`.
    pub fn array_index(token: &str) -> Option<usize> {
        if token.is_empty() || (token.len() > 1 && token.starts_with('0')) || !token.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        token.parse().ok()
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for t in &self.tokens {
            write!(f, "/{}", t.replace('~', "~0").replace('/', "~1"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_escapes() {
        let p = Pointer::parse("/a~1b/c~0d/0").unwrap();
        assert_eq!(p.tokens, ["a/b", "c~d", "0"]);
        assert_eq!(p.to_string(), "/a~1b/c~0d/0");
        assert!(Pointer::parse("").unwrap().is_root());
        assert_eq!(Pointer::parse("/").unwrap().tokens, [""]);
        assert!(Pointer::parse("a/b").is_err());
        assert!(Pointer::parse("/a~2").is_err());
    }

    #[test]
    fn array_indexes_follow_rfc6901() {
        assert_eq!(Pointer::array_index("0"), Some(0));
        assert_eq!(Pointer::array_index("12"), Some(12));
        assert_eq!(Pointer::array_index("01"), None);
        assert_eq!(Pointer::array_index("-"), None);
        assert_eq!(Pointer::array_index("1a"), None);
    }
}
