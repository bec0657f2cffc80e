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

/// A help line: "did you mean `x`?" when a near name was found, else `otherwise`. The one
/// place that words a suggestion, for every stage's errors.
pub fn did_you_mean(suggestion: &Option<String>, otherwise: impl std::fmt::Display) -> String {
    match suggestion {
        Some(near) => format!("did you mean `{near}`?"),
        None => otherwise.to_string(),
    }
}

/// `` `a`, `b` ``: the names there are, as a help lists them when none is near.
pub fn quoted(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    quoted.join(", ")
}

/// [`closest`], owned, as an error variant keeps it.
pub fn suggestion<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    closest(name, candidates).map(str::to_string)
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
