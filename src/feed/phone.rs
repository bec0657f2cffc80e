//! Phone numbers as servers send them, made E.164. A number already in E.164 form is kept as
//! it is; an international number with spaces or dashes (`+46 70 123 45 04`) is read without a
//! region; a national one (`070-123 45 03`, `9137876555`) needs the feed configuration's
//! `phone_region`. The parsing and the validity check are Google's libphonenumber rules, by
//! the `phonenumber` crate.

use std::borrow::Cow;

use phonenumber::country::Id as Country;

use crate::booking::is_e164;

/// The number in E.164 form, or `None` when it cannot be one (too short, letters, a national
/// number without a region, not a valid number of its country).
pub fn e164<'a>(text: Cow<'a, str>, region: Option<Country>) -> Option<Cow<'a, str>> {
    if is_e164(&text) {
        return Some(text);
    }
    let trimmed = text.trim();
    // Only what a person writes in a number: digits, spaces, dashes, dots, brackets, a plus.
    let plausible = trimmed.bytes().any(|b| b.is_ascii_digit())
        && trimmed
            .bytes()
            .all(|b| b.is_ascii_digit() || b" -.()/+".contains(&b));
    if !plausible {
        return None;
    }
    let international = trimmed.starts_with('+') || trimmed.starts_with("00");
    if !international && region.is_none() {
        return None;
    }
    let number = phonenumber::parse(region, trimmed).ok()?;
    if !phonenumber::is_valid(&number) {
        return None;
    }
    // E.164 is the country code and the national number, with its leading zeros (Italy's).
    let national = number.national();
    let zeros = "0".repeat(usize::from(national.zeros()));
    let formatted = format!("+{}{zeros}{}", number.code().value(), national.value());
    is_e164(&formatted).then_some(Cow::Owned(formatted))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, region: Option<Country>) -> Option<String> {
        e164(Cow::Borrowed(text), region).map(Cow::into_owned)
    }

    #[test]
    fn national_and_spaced_numbers_become_e164() {
        let se = Some(Country::SE);
        assert_eq!(read("+46701234567", None).as_deref(), Some("+46701234567"));
        assert_eq!(read("070-123 45 03", se).as_deref(), Some("+46701234503"));
        assert_eq!(
            read("+46 70 123 45 04", None).as_deref(),
            Some("+46701234504")
        );
        assert_eq!(
            read("0046 70 123 45 04", se).as_deref(),
            Some("+46701234504")
        );
        assert_eq!(
            read("9137876555", Some(Country::US)).as_deref(),
            Some("+19137876555")
        );
        assert_eq!(
            read("(913) 787-6555", Some(Country::US)).as_deref(),
            Some("+19137876555")
        );
    }

    #[test]
    fn what_is_no_number_is_refused() {
        let se = Some(Country::SE);
        assert_eq!(
            read("070-123 45 03", None),
            None,
            "a national number needs a region"
        );
        assert_eq!(read("ring mamma", se), None);
        assert_eq!(read("070", se), None);
        assert_eq!(read("", se), None);
        assert_eq!(read("+46 70 123", None), None);
    }
}
