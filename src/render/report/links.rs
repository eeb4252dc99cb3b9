//! Links from the report into the target repository's web pages: commits, the pull request, the target file.

use crate::drill::state::Drill;
use crate::render::facts::{is_number, short};
use crate::render::markdown::{code, link};

/// `pull request `#42`` (in a code span, so GitHub does not link it to an issue of the wrong repository), or
/// the change's own name.
pub(super) fn change_ref(change: impl AsRef<str>) -> String {
    let change = change.as_ref();
    if is_number(change) { format!("pull request {}", code(format!("#{change}"))) } else { code(change) }
}

/// Links into the target repository's web pages, when its address is known.
pub(super) struct Links {
    pub(super) base: Option<String>,
}

impl Links {
    pub(super) fn new(url: Option<&str>) -> Links {
        Links { base: url.and_then(web_base) }
    }

    /// `` [`7c1e2d9`](…/commit/7c1e2d9…) ``, or the short id alone.
    pub(super) fn commit(&self, sha: impl AsRef<str>) -> String {
        let sha = sha.as_ref();
        match &self.base {
            Some(base) if is_hex(sha) => link(&code(short(sha)), &format!("{base}/commit/{sha}")),
            _ => code(short(sha)),
        }
    }

    /// `[#42](…/pull/42)` when the change is a pull request number and there is an address.
    pub(super) fn change(&self, change: impl AsRef<str>) -> Option<String> {
        let change = change.as_ref();
        let base = self.base.as_ref()?;
        is_number(change).then(|| link(&format!("#{change}"), &format!("{base}/pull/{change}")))
    }

    /// The target file, linked as it was right after the merge when possible.
    pub(super) fn file(&self, path: &str, drill: &Drill) -> String {
        match (&self.base, &drill.merged) {
            (Some(base), Some(m)) if is_hex(&m.commit) => {
                link(&code(path), &format!("{base}/blob/{}/{}", m.commit, path.trim_start_matches('/')))
            }
            _ => code(path),
        }
    }
}

/// `https://github.com/o/r` from a repository address: userinfo (a token) dropped, `.git` and `/` trimmed.
/// `None` for anything that is not http(s), which has no web pages to link to.
pub(super) fn web_base(url: &str) -> Option<String> {
    let (scheme, rest) = url.trim().split_once("://")?;
    if !matches!(scheme, "https" | "http") {
        return None;
    }
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(host_end);
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let path = path.split(['?', '#']).next().unwrap_or_default().trim_end_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    (!host.is_empty()).then(|| format!("{scheme}://{host}{path}"))
}

fn is_hex(s: impl AsRef<str>) -> bool {
    let s = s.as_ref();
    s.len() >= 7 && s.bytes().all(|b| b.is_ascii_hexdigit())
}
