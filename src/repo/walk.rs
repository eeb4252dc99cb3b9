//! Reading a repository's configuration files for `suggest`: listed with [`Source::find_files`] (hidden folders
//! and `.git` skipped, links not followed as folders) and read with [`Source::read`], which refuses what resolves
//! outside the repository, what is not a regular file, is not UTF-8 or is larger than [`MAX_FILE_BYTES`](super::MAX_FILE_BYTES).
//! What is wanted, left out and parsed is decided by [`crate::propose::walk`].

use super::{RepoError, Source};
use crate::propose::walk::{self, Walk};
use crate::propose::{RepoFile, Unread};

/// Lists, reads and parses the configuration files of `source` (at `branch` for a bare repository).
pub fn read_config(source: &Source, branch: &str, allow_production: bool) -> Result<Walk, RepoError> {
    let paths = source.find_files(branch, &walk::wanted, walk::MAX_FILES)?;
    let mut found = Walk::default();
    let mut todo = Vec::new();
    for path in paths {
        if let Some(unread) = walk::production(&path, allow_production) {
            found.production.push(unread);
            if let Ok(text) = source.read(branch, &path) {
                found.context.push((path, text));
            }
            continue;
        }
        todo.push(path);
    }
    // Parsing dominates on a large repository: spread it over the cores, keeping the listing's order.
    let threads = std::thread::available_parallelism().map_or(1, usize::from).clamp(1, 8);
    let chunk = todo.len().div_ceil(threads).max(1);
    let load = |path: &String| -> Result<Option<RepoFile>, Unread> {
        walk::file(path, source.read(branch, path).map_err(|e| e.to_string()))
    };
    let results: Vec<Vec<Result<Option<RepoFile>, Unread>>> = std::thread::scope(|scope| {
        let handles: Vec<_> =
            todo.chunks(chunk).map(|paths| scope.spawn(move || paths.iter().map(load).collect::<Vec<_>>())).collect();
        handles.into_iter().map(|h| h.join().unwrap_or_default()).collect()
    });
    for result in results.into_iter().flatten() {
        found.add(result);
    }
    Ok(found)
}
