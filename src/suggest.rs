//! "Did you mean …?": the one place that finds the likely intended word for a misspelt one. Pure.

/// The closest candidate to `word`, when one is close enough to be a likely typo (case is ignored).
pub fn did_you_mean<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let word_l = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&word_l, &c.to_ascii_lowercase()), c))
        .filter(|(score, c)| *score >= 0.8 || strsim::levenshtein(&word_l, &c.to_ascii_lowercase()) <= 1)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Up to three IANA zone names close to `s`: the same city ignoring case and separators, else the names at the
/// smallest edit distance (whole names and city parts).
pub fn closest_zones(s: &str) -> Vec<String> {
    let norm = |z: &str| z.to_ascii_lowercase().replace([' ', '-', '_'], "");
    let wanted = norm(s);
    let wanted_city = wanted.rsplit('/').next().unwrap_or_default().to_owned();
    let names: Vec<String> = jiff::tz::db().available().map(|n| n.as_str().to_owned()).collect();
    let same_city: Vec<String> = names
        .iter()
        .filter(|n| {
            norm(n) == wanted || (!wanted_city.is_empty() && norm(n).rsplit('/').next() == Some(wanted_city.as_str()))
        })
        .take(3)
        .cloned()
        .collect();
    if !same_city.is_empty() {
        return same_city;
    }
    let city = |z: &str| norm(z).rsplit('/').next().unwrap_or_default().to_owned();
    let distance =
        |n: &str| strsim::levenshtein(&wanted, &norm(n)).min(strsim::levenshtein(&wanted_city, &city(n)) + 1);
    let best = names.iter().map(|n| distance(n)).min().unwrap_or(usize::MAX);
    if best > 2.max(wanted.len() / 5) {
        return Vec::new();
    }
    names.iter().filter(|n| distance(n) == best).take(3).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_prefer_close_words() {
        assert_eq!(did_you_mean("shedule", ["schedule", "safety", "hints"]), Some("schedule"));
        assert_eq!(did_you_mean("zzz", ["schedule", "safety"]), None);
        assert_eq!(did_you_mean("ymal", ["yaml", "json", "toml"]), Some("yaml"));
        assert_eq!(did_you_mean("revret", ["revert", "reveal", "status"]), Some("revert"));
    }

    #[test]
    fn zones_by_city_then_by_distance() {
        assert_eq!(closest_zones("europe/pariss"), vec!["Europe/Paris".to_owned()]);
        assert_eq!(closest_zones("berlin"), vec!["Europe/Berlin".to_owned()]);
        assert!(closest_zones("Qqqqqqqqqq/Zzzzzzzzz").is_empty());
    }
}
