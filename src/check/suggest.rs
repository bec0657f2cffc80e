//! "Did you mean" for misspelt names.

/// The candidate closest to `name`, if it is close enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(&lower, &c.to_lowercase()), c))
        .filter(|(distance, c)| *distance <= (c.chars().count() / 3).max(2))
        .min_by_key(|(distance, c)| (*distance, *c))
        .map(|(_, c)| c)
}

/// A help line: "did you mean `x`?" when a near name exists, else `otherwise`.
pub fn help<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    otherwise: impl Into<String>,
) -> String {
    match closest(name, candidates) {
        Some(near) => format!("did you mean `{near}`?"),
        None => otherwise.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_and_not_strangers() {
        assert_eq!(
            closest("quickbook", ["staff", "portal", "quick_book"]),
            Some("quick_book")
        );
        assert_eq!(closest("smss", ["sms", "email"]), Some("sms"));
        assert_eq!(
            closest("fax", ["sms", "email", "inbox", "paper", "task"]),
            None
        );
    }
}
