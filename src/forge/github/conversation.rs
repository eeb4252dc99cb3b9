//! Comments, reviews and notes on pull requests and issues.

use super::*;

/// A comment as the REST API shows it (`on`: the issue or pull request number it belongs to).
pub(super) fn comment_of(c: &Value, on: &str) -> Option<crate::forge::Comment> {
    let by = c["user"]["login"].as_str()?.to_owned();
    Some(crate::forge::Comment {
        id: c["id"].as_u64()?,
        on: on.to_owned(),
        body: c["body"].as_str().unwrap_or_default().to_owned(),
        bot: c["user"]["type"].as_str() == Some("Bot") || by.ends_with("[bot]"),
        by,
        created_at: time(&c["created_at"])?,
        updated_at: time(&c["updated_at"]).or_else(|| time(&c["created_at"]))?,
    })
}

/// At most this many pages of comments (or open issues) are read in one listing (10,000 items).
pub(super) const MAX_COMMENT_PAGES: usize = 100;

impl GitHubForge {
    /// The comments of `GET /{list}/{number}/comments` (`issues`: the conversation; `pulls`: lines of the diff),
    /// page by page. GitHub answers at most 100 a page; a drill's pull request rarely needs a second.
    /// `missing_ok`: a 404 (not a pull request after all) is no comments rather than an error.
    pub(super) async fn comment_pages(
        &self,
        list: &str,
        number: &str,
        since: &str,
        missing_ok: bool,
    ) -> Result<Vec<crate::forge::Comment>> {
        let mut all = Vec::new();
        for page in 1..=MAX_COMMENT_PAGES {
            let path = self.repo_path(&format!("/{list}/{number}/comments?per_page=100&page={page}{since}"));
            let (status, items) = self.call(Method::GET, &path, None).await?;
            if missing_ok && status == StatusCode::NOT_FOUND {
                break;
            }
            if !status.is_success() {
                return Err(api_error(&Method::GET, &path, status, &items));
            }
            let items = items.as_array().cloned().unwrap_or_default();
            all.extend(items.iter().filter_map(|c| comment_of(c, number)));
            if items.len() < 100 {
                break;
            }
        }
        Ok(all)
    }

    pub(super) fn note_review_comments(&self, ids: impl Iterator<Item = u64>) {
        if let Ok(mut seen) = self.memo.review_comments.lock() {
            seen.extend(ids);
        }
    }
}
