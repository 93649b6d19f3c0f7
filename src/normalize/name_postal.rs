//! `name_postal`: first name, last name, postal code and country as one value.
//!
//! A name or a postal code alone is shared by many people, so neither is a key; Google
//! Customer Match and Meta both match an address as first name + last name + postal code
//! + country together. The value is
//!
//! ```text
//! name ␟ postal ␟ country        (␟ = U+001F, the ASCII unit separator)
//! ```
//!
//! where `name` is the `name` rules applied to `"<first> <last>"` (so a full-name cell
//! `First Last` or `Last, First` gives the same bytes as the two columns), `postal` the
//! `postal` rules, and `country` the ISO 3166-1 alpha-2 code in upper case. No part can
//! hold U+001F (names refuse control characters, postal codes are ASCII letters and
//! digits), so the layout is unambiguous.

use super::rules::Rules;
use super::{name, phone, postal, NormalizeError};

/// The separator between the parts: a control character, which no normalized part holds.
pub const SEPARATOR: char = '\u{1f}';

/// How a record writes a person's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PersonName<'a> {
    /// First and last name in their own cells.
    Split {
        /// Given name.
        first: &'a str,
        /// Family name.
        last: &'a str,
    },
    /// The whole name in one cell, `First Last` (any middle names are kept) or
    /// `Last, First`.
    Full(&'a str),
}

impl PersonName<'_> {
    /// Whether no part of the name has a character other than whitespace.
    pub fn is_blank(&self) -> bool {
        match self {
            PersonName::Split { first, last } => first.trim().is_empty() && last.trim().is_empty(),
            PersonName::Full(full) => full.trim().is_empty(),
        }
    }

    /// The name as `"<first> <last>"`, before the name rules.
    fn joined(&self) -> Result<String, NormalizeError> {
        match *self {
            PersonName::Split { first, last } => {
                let (first, last) = (first.trim(), last.trim());
                if first.is_empty() {
                    return Err(NormalizeError::Invalid("no first name"));
                }
                if last.is_empty() {
                    return Err(NormalizeError::Invalid("no last name"));
                }
                Ok(format!("{first} {last}"))
            }
            PersonName::Full(full) => {
                let full = full.trim();
                // `Lee, Ann` is `Ann Lee`: exports of the "Last, First" kind are common.
                let ordered = match full.split_once(',') {
                    Some((last, first)) if !first.contains(',') && !first.trim().is_empty() && !last.trim().is_empty() => {
                        format!("{} {}", first.trim(), last.trim())
                    }
                    _ => full.to_owned(),
                };
                if ordered.split_whitespace().filter(|w| w.chars().any(char::is_alphabetic)).count() < 2 {
                    return Err(NormalizeError::Invalid("a full name needs a first and a last name"));
                }
                Ok(ordered)
            }
        }
    }
}

/// The canonical `name ␟ postal ␟ country` value (see the module documentation).
///
/// `country` is the row's country or the default one (ISO alpha-2, any case).
pub(super) fn normalize(rules: &Rules, person: PersonName<'_>, raw_postal: &str, country: Option<&str>) -> Result<String, NormalizeError> {
    if person.is_blank() && raw_postal.trim().is_empty() {
        return Err(NormalizeError::Empty);
    }
    let name = name::normalize(&rules.name, &person.joined()?)?;
    let postal = match postal::normalize(&rules.postal, raw_postal) {
        Err(NormalizeError::Empty) => return Err(NormalizeError::Invalid("no postal code")),
        other => other?,
    };
    let country = country.map(str::trim).filter(|c| !c.is_empty()).ok_or(NormalizeError::NoCountryCode)?;
    if !(country.len() == 2 && phone::is_known_country(country)) {
        return Err(NormalizeError::UnknownCountry);
    }
    let country = country.to_ascii_uppercase();
    let mut out = String::with_capacity(name.len() + postal.len() + 4);
    for (i, part) in [name.as_str(), postal.as_str(), country.as_str()].into_iter().enumerate() {
        if i > 0 {
            out.push(SEPARATOR);
        }
        out.push_str(part);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::Preset;

    fn np(preset: &str, person: PersonName<'_>, postal: &str, country: Option<&str>) -> Result<String, NormalizeError> {
        Preset::named(preset).ok_or(NormalizeError::Empty)?.normalize_name_postal(person, postal, country)
    }

    #[test]
    fn full_name_equals_split_columns() {
        let split = np("uid2", PersonName::Split { first: " Ann  Marie ", last: "LEE" }, "SW1A 1AA", Some("gb"));
        assert_eq!(split.as_deref(), Ok("ann marie lee\u{1f}sw1a1aa\u{1f}GB"));
        for full in ["Ann Marie Lee", "  ann   marie  lee ", "Lee, Ann Marie", "LEE ,Ann Marie"] {
            assert_eq!(np("uid2", PersonName::Full(full), "sw1a1aa", Some("GB")), split, "{full}");
        }
    }

    #[test]
    fn every_part_is_needed() {
        let both = PersonName::Split { first: "Ann", last: "Lee" };
        assert_eq!(np("uid2", PersonName::Split { first: "", last: " " }, " ", Some("US")), Err(NormalizeError::Empty));
        assert_eq!(np("uid2", both, "", Some("US")), Err(NormalizeError::Invalid("no postal code")));
        assert_eq!(
            np("uid2", PersonName::Split { first: "Ann", last: "" }, "94043", Some("US")),
            Err(NormalizeError::Invalid("no last name"))
        );
        assert_eq!(
            np("uid2", PersonName::Split { first: "", last: "Lee" }, "94043", Some("US")),
            Err(NormalizeError::Invalid("no first name"))
        );
        assert!(matches!(np("uid2", PersonName::Full("Cher"), "94043", Some("US")), Err(NormalizeError::Invalid(_))));
        assert!(matches!(np("uid2", PersonName::Full(", Lee"), "94043", Some("US")), Err(NormalizeError::Invalid(_))));
        assert_eq!(np("uid2", both, "94043", None), Err(NormalizeError::NoCountryCode));
        assert_eq!(np("uid2", both, "94043", Some("XX")), Err(NormalizeError::UnknownCountry));
        assert_eq!(np("uid2", both, "94043", Some("USA")), Err(NormalizeError::UnknownCountry));
        assert_eq!(np("uid2", both, "94043-1351", Some("us")).as_deref(), Ok("ann lee\u{1f}94043\u{1f}US"));
    }

    #[test]
    fn no_part_holds_the_separator() {
        let tab = PersonName::Split { first: "Ann\u{1f}", last: "Lee" };
        assert!(np("plain", tab, "94043", Some("US")).is_err());
        assert!(np("plain", PersonName::Split { first: "Ann", last: "Lee" }, "940\u{1f}43", Some("US")).is_err());
    }
}
