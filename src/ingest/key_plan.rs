//! Which match keys a column layout can form, and what each column is used for.
//!
//! Email, phone and MAID columns (plain or SHA-256) are keys on their own. Names and
//! postal codes are not: many people share a ZIP code or a common name, so they form the
//! one `name_postal` key together (first name + last name, or a full name, + postal
//! code + the row's country or the default one), as Google Customer Match and Meta match
//! addresses. The page, the quality report and the command line all read this plan, so
//! each says the same thing about the same file.

use super::roles::ColumnRole;
use super::IngestError;
use crate::psi::MatchKey;
use serde::Serialize;

/// The keys a layout forms and why a column is or is not one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyPlan {
    /// The keys records of this layout can hold, in wire order.
    pub keys: Vec<MatchKey>,
    /// One entry per column whose role feeds a key or the country.
    pub columns: Vec<ColumnUse>,
    /// Why the name + postal key is not formed although some of its columns are there
    /// (`names without a postal code`); `None` when it is formed or no part is there.
    pub name_postal_missing: Option<&'static str>,
}

/// What one column is used for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ColumnUse {
    /// 0-based column.
    pub column: usize,
    /// Its role.
    pub role: ColumnRole,
    /// The key it feeds, `None` when it feeds none (a name without a postal code).
    pub key: Option<MatchKey>,
    /// In words: `Postal code: used only together with first name, last name and country
    /// as the name + postal key`, or `no key: names without a postal code`.
    pub note: String,
}

/// Where the parts of the name + postal key come from (0-based columns).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NamePostalColumns {
    pub first: Option<usize>,
    pub last: Option<usize>,
    pub full: Option<usize>,
    pub postal: usize,
}

impl KeyPlan {
    /// The plan for columns with `roles` (one per column); `default_country` says whether
    /// a default country is set for rows without a country cell.
    pub fn new(roles: &[ColumnRole], default_country: bool) -> KeyPlan {
        let mut keys: Vec<MatchKey> = roles.iter().filter(|r| r.is_identifier()).filter_map(|r| r.key()).collect();
        let missing = name_postal_missing(roles, default_country);
        let has_part = roles.iter().any(|r| r.key() == Some(MatchKey::NamePostal));
        if has_part && missing.is_none() {
            keys.push(MatchKey::NamePostal);
        }
        keys.sort_unstable();
        keys.dedup();
        let columns = roles
            .iter()
            .enumerate()
            .filter_map(|(column, &role)| {
                let (key, note) = match (role, role.key()) {
                    (ColumnRole::Country, _) => (None, country_note(has_part && missing.is_none())),
                    (_, None) => return None,
                    (_, Some(MatchKey::NamePostal)) => match missing {
                        Some(why) => (None, format!("no key: {why}")),
                        None => (Some(MatchKey::NamePostal), part_note(role)),
                    },
                    (_, Some(key)) => (Some(key), format!("the {} key", key_label(key))),
                };
                Some(ColumnUse { column, role, key, note })
            })
            .collect();
        KeyPlan { keys, columns, name_postal_missing: missing }
    }

    /// Whether records of this layout can hold any key.
    ///
    /// # Errors
    /// [`IngestError::NoUsableKey`] when the only key columns are parts of an incomplete
    /// name + postal key; [`IngestError::NoIdentifierColumn`] when there is no key column.
    pub fn check(&self) -> Result<(), IngestError> {
        match (self.keys.is_empty(), self.name_postal_missing) {
            (false, _) => Ok(()),
            (true, Some(why)) => Err(IngestError::NoUsableKey { why }),
            (true, None) => Err(IngestError::NoIdentifierColumn),
        }
    }

    /// The columns of the name + postal key, when it is formed.
    pub(crate) fn name_postal_columns(&self) -> Option<NamePostalColumns> {
        if !self.keys.contains(&MatchKey::NamePostal) {
            return None;
        }
        let find = |r: ColumnRole| self.columns.iter().find(|c| c.role == r).map(|c| c.column);
        Some(NamePostalColumns {
            first: find(ColumnRole::FirstName),
            last: find(ColumnRole::LastName),
            full: find(ColumnRole::FullName),
            postal: find(ColumnRole::Postal)?,
        })
    }
}

/// A key's name in the words of the notes.
pub fn key_label(key: MatchKey) -> &'static str {
    match key {
        MatchKey::Email => "email",
        MatchKey::Phone => "phone",
        MatchKey::NamePostal => "name + postal",
        MatchKey::Maid => "mobile ad id",
    }
}

/// Why the parts present do not form the name + postal key (`None` when they do, or when
/// no part is present).
fn name_postal_missing(roles: &[ColumnRole], default_country: bool) -> Option<&'static str> {
    let has = |r: ColumnRole| roles.contains(&r);
    let (first, last, full, postal) =
        (has(ColumnRole::FirstName), has(ColumnRole::LastName), has(ColumnRole::FullName), has(ColumnRole::Postal));
    let name = full || (first && last);
    let any_name = first || last || full;
    Some(match () {
        () if !any_name && !postal => return None,
        () if !any_name => "a postal code without first and last names",
        () if !name && first => "a first name without a last name",
        () if !name => "a last name without a first name",
        () if !postal => "names without a postal code",
        () if !(has(ColumnRole::Country) || default_country) => {
            "names and postal codes without a country (add a country column or choose a default country)"
        }
        () => return None,
    })
}

fn part_note(role: ColumnRole) -> String {
    let (what, others) = match role {
        ColumnRole::FirstName => ("First name", "last name, postal code and country"),
        ColumnRole::LastName => ("Last name", "first name, postal code and country"),
        ColumnRole::FullName => ("Full name", "postal code and country"),
        _ => ("Postal code", "first name, last name and country"),
    };
    format!("{what}: used only together with {others} as the name + postal key")
}

fn country_note(name_postal: bool) -> String {
    if name_postal {
        "Country: reads the row's phone numbers and is part of the name + postal key".to_owned()
    } else {
        "Country: reads the row's phone numbers".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ColumnRole::*;

    #[test]
    fn names_and_postal_codes_alone_are_no_key() {
        let cases: [(&[ColumnRole], bool, Option<&str>); 7] = [
            (&[Postal, Attribute], true, Some("a postal code without first and last names")),
            (&[FirstName, LastName], true, Some("names without a postal code")),
            (&[FullName], true, Some("names without a postal code")),
            (&[FirstName, Postal], true, Some("a first name without a last name")),
            (&[LastName, Postal, Country], true, Some("a last name without a first name")),
            (
                &[FirstName, LastName, Postal],
                false,
                Some("names and postal codes without a country (add a country column or choose a default country)"),
            ),
            (&[Attribute], true, None),
        ];
        for (roles, dc, why) in cases {
            let plan = KeyPlan::new(roles, dc);
            assert_eq!(plan.name_postal_missing, why, "{roles:?}");
            assert!(plan.keys.is_empty(), "{roles:?}");
            let err = plan.check().map(|()| "").unwrap_err();
            assert_eq!(err.code(), if why.is_some() { "no-usable-key" } else { "no-identifier-column" }, "{roles:?}");
        }
    }

    #[test]
    fn a_complete_tuple_is_one_key() {
        let plan = KeyPlan::new(&[Email, FirstName, LastName, Postal, Country, Attribute], false);
        assert_eq!(plan.keys, [MatchKey::Email, MatchKey::NamePostal]);
        assert!(plan.check().is_ok());
        let postal = plan.columns.iter().find(|c| c.role == Postal).unwrap();
        assert_eq!(postal.note, "Postal code: used only together with first name, last name and country as the name + postal key");
        assert_eq!(plan.name_postal_columns(), Some(NamePostalColumns { first: Some(1), last: Some(2), full: None, postal: 3 }));
        let plan = KeyPlan::new(&[FullName, Postal], true);
        assert_eq!(plan.keys, [MatchKey::NamePostal]);
    }

    #[test]
    fn another_key_keeps_the_file_usable_and_says_why_names_are_not() {
        let plan = KeyPlan::new(&[Email, FirstName, LastName], true);
        assert_eq!(plan.keys, [MatchKey::Email]);
        assert!(plan.check().is_ok());
        assert_eq!(plan.columns[1].key, None);
        assert_eq!(plan.columns[1].note, "no key: names without a postal code");
        assert_eq!(plan.name_postal_columns(), None);
    }
}
