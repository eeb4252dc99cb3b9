//! Branch names that git accepts: the rules of `git check-ref-format --branch`, and a sanitizer that meets them.
//!
//! A rendered template can hold anything a key or a file name holds (spaces, `..`, a trailing `.lock`), and a
//! push of an invalid ref fails only once everything else is done. Rather than fail the drill, the name is
//! repaired the way a person would name the branch, and checked here without spawning git.

/// Longest branch name produced: forges show and accept far longer ones, but no colleague types more.
pub const MAX_BRANCH_LEN: usize = 100;

/// Characters git refuses anywhere in a ref name (besides control characters).
const FORBIDDEN: [char; 9] = [' ', '~', '^', ':', '?', '*', '[', '\\', '\u{7f}'];

/// Why `name` is not a valid branch name, or `Ok` if it is, following `git check-ref-format --branch`
/// (checked case by case against git 2.x; see the tests).
pub fn check_branch_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("it is empty");
    }
    if name.starts_with('-') {
        return Err("it starts with `-`");
    }
    // git itself would create `refs/heads/@`, but `@` means HEAD in every revision argument, so a branch
    // with that name could not be named on the command line: the one place this is stricter than git.
    if name == "@" {
        return Err("it is `@`");
    }
    if name == "HEAD" {
        return Err("`HEAD` is reserved");
    }
    if let Some(c) = name.chars().find(|&c| c.is_ascii_control() || FORBIDDEN.contains(&c)) {
        return Err(match c {
            ' ' => "it contains a space",
            c if c.is_ascii_control() => "it contains a control character",
            _ => "it contains one of ~ ^ : ? * [ \\",
        });
    }
    if name.contains("..") {
        return Err("it contains `..`");
    }
    if name.contains("@{") {
        return Err("it contains `@{`");
    }
    if name.ends_with('.') {
        return Err("it ends with `.`");
    }
    for component in name.split('/') {
        if component.is_empty() {
            return Err("it has an empty path component (leading, trailing or double `/`)");
        }
        if component.starts_with('.') {
            return Err("a path component starts with `.`");
        }
        if component.ends_with(".lock") {
            return Err("a path component ends with `.lock`");
        }
    }
    Ok(())
}

/// A valid branch name as close to `raw` as possible, or `fallback` if nothing usable is left.
///
/// Forbidden characters, whitespace and braces become `-` (braces are legal but read like an unrendered
/// placeholder, and removing them also removes every `@{`), runs of `-` collapse, `..` becomes `.`, empty components
/// and leading dots go, `.lock` and trailing dots are cut, and the name is cut to [`MAX_BRANCH_LEN`] bytes.
/// A valid, short name without braces or `--` comes back unchanged. `fallback` must itself be valid.
pub fn sanitize_branch(raw: &str, fallback: &str) -> String {
    let mapped: String = raw
        .trim()
        .chars()
        .map(|c| {
            if c.is_whitespace() || c.is_control() || FORBIDDEN.contains(&c) || c == '{' || c == '}' { '-' } else { c }
        })
        .collect();
    let mut name = clean(&mapped);
    // Cutting can expose a new trailing `.`, `-` or `.lock`, so clean again after each cut.
    while name.len() > MAX_BRANCH_LEN {
        let mut cut = MAX_BRANCH_LEN;
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        name = clean(&name[..cut]);
    }
    if check_branch_name(&name).is_ok() { name } else { fallback.to_owned() }
}

/// One pass of the component-wise repairs of [`sanitize_branch`], repeated until nothing changes.
fn clean(name: &str) -> String {
    let mut current = name.to_owned();
    loop {
        let next = clean_once(&current);
        if next == current {
            return next;
        }
        current = next;
    }
}

fn clean_once(name: &str) -> String {
    let components: Vec<String> = name
        .split('/')
        .map(|component| {
            let mut c = component.to_owned();
            while c.contains("..") {
                c = c.replace("..", ".");
            }
            while c.contains("--") {
                c = c.replace("--", "-");
            }
            let mut c = c.trim_start_matches(['.', '-']).to_owned();
            loop {
                let trimmed = c.trim_end_matches(['.', '-']);
                let trimmed = trimmed.strip_suffix(".lock").unwrap_or(trimmed);
                if trimmed.len() == c.len() {
                    break;
                }
                c = trimmed.to_owned();
            }
            c
        })
        .filter(|c| !c.is_empty())
        .collect();
    let joined = components.join("/");
    if joined == "@" || joined == "HEAD" { String::new() } else { joined }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::schedule::seed::SeededRng;

    const FALLBACK: &str = "chore/config";

    #[test]
    fn accepts_ordinary_branch_names() {
        for name in [
            "main",
            "chore/tune-values-staging-settings",
            "fix/service-redis",
            "a/b/c",
            "v1.2",
            "ops/é",
            "x@y",
            "a{b}",
            "a.lockx",
            "a/b.lock.c",
            "@a",
            "a/@",
            "a/-b",
            "x@-1",
        ] {
            assert_eq!(check_branch_name(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn refuses_what_git_refuses() {
        let cases = [
            ("", "it is empty"),
            ("-x", "it starts with `-`"),
            ("@", "it is `@`"),
            ("HEAD", "`HEAD` is reserved"),
            ("a b", "it contains a space"),
            ("a\tb", "it contains a control character"),
            ("a~1", "it contains one of ~ ^ : ? * [ \\"),
            ("a^", "it contains one of ~ ^ : ? * [ \\"),
            ("a:b", "it contains one of ~ ^ : ? * [ \\"),
            ("a?", "it contains one of ~ ^ : ? * [ \\"),
            ("a*", "it contains one of ~ ^ : ? * [ \\"),
            ("a[b", "it contains one of ~ ^ : ? * [ \\"),
            ("a\\b", "it contains one of ~ ^ : ? * [ \\"),
            ("a..b", "it contains `..`"),
            ("a@{1}", "it contains `@{`"),
            ("a.", "it ends with `.`"),
            ("/a", "it has an empty path component (leading, trailing or double `/`)"),
            ("a/", "it has an empty path component (leading, trailing or double `/`)"),
            ("a//b", "it has an empty path component (leading, trailing or double `/`)"),
            ("a/.b", "a path component starts with `.`"),
            (".a", "a path component starts with `.`"),
            ("a.lock", "a path component ends with `.lock`"),
            ("a.lock/b", "a path component ends with `.lock`"),
        ];
        for (name, reason) in cases {
            assert_eq!(check_branch_name(name), Err(reason), "{name:?}");
        }
    }

    #[test]
    fn sanitizes_into_the_nearest_valid_name() {
        let cases = [
            ("chore/tune-values-staging-settings", "chore/tune-values-staging-settings"),
            ("fix/Redis Pool  Size", "fix/Redis-Pool-Size"),
            ("  ops/a..b  ", "ops/a.b"),
            ("ops//x/", "ops/x"),
            ("-ops/.hidden/x.lock", "ops/hidden/x"),
            ("x.lock.lock", "x"),
            ("a/b.", "a/b"),
            ("fix/{{ key }}", "fix/key"),
            ("a@{1}", "a@-1"),
            ("tweak/a~b^c:d?e*f[g\\h", "tweak/a-b-c-d-e-f-g-h"),
            ("HEAD", FALLBACK),
            ("@", FALLBACK),
            ("...", FALLBACK),
            ("", FALLBACK),
        ];
        for (raw, expected) in cases {
            assert_eq!(sanitize_branch(raw, FALLBACK), expected, "{raw:?}");
        }
    }

    #[test]
    fn long_names_are_cut_and_stay_valid() {
        let long = format!("chore/{}", "ab.".repeat(60));
        let name = sanitize_branch(&long, FALLBACK);
        assert!(name.len() <= MAX_BRANCH_LEN);
        assert_eq!(check_branch_name(&name), Ok(()));
        let multibyte = format!("fix/{}", "é".repeat(80));
        let name = sanitize_branch(&multibyte, FALLBACK);
        assert!(name.len() <= MAX_BRANCH_LEN && name.starts_with("fix/é"));
    }

    #[test]
    fn sanitized_names_are_always_valid_and_stable() {
        // Random strings over the characters git cares about most.
        let alphabet: Vec<char> = "ab-./@{}~^:?*[\\ \t\n.lockHEAD".chars().collect();
        let mut rng = SeededRng::from_seed("refname-fuzz");
        for _ in 0..3000 {
            let len = rng.below(24);
            let raw: String = (0..len).map(|_| *rng.pick(&alphabet).unwrap()).collect();
            let once = sanitize_branch(&raw, FALLBACK);
            assert_eq!(check_branch_name(&once), Ok(()), "{raw:?} -> {once:?}");
            assert_eq!(sanitize_branch(&once, FALLBACK), once, "stable for {raw:?}");
        }
    }
}
