//! Column roles: what each column holds, guessed from its header and its values.
//!
//! A header name is compared after folding case and accents and dropping everything but
//! letters and digits (`E-Mail`, `e_mail` and `EMAIL` are all `email`), against names in
//! English, German, French, Spanish and Dutch. Sampled values are tested for the shape of
//! an email, a phone number, a SHA-256 digest, a MAID, a postal code or a country code.
//! The two are combined into one role with a confidence in `0.0..=1.0`; the caller shows
//! the guess and lets the user override it.

mod header;
mod shape;

pub use header::{fold, header_role};
pub use shape::{looks_email, looks_identifier, looks_maid, looks_phone, looks_sha256};

use super::IngestError;
use serde::{Deserialize, Serialize};
use shape::{value_shape, Shape};

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnRole {
    /// An email address.
    Email,
    /// A phone number.
    Phone,
    /// Given name.
    FirstName,
    /// Family name.
    LastName,
    /// Whole name in one column.
    FullName,
    /// Postal (ZIP) code.
    Postal,
    /// Country (ISO 3166 alpha-2 code), used to read the row's phone and postal code.
    Country,
    /// Mobile advertising id.
    Maid,
    /// SHA-256 of a normalized email, as hex or base64.
    EmailSha256,
    /// SHA-256 of a normalized phone number, as hex or base64.
    PhoneSha256,
    /// Anything else: kept for breakdowns and the audience export, never matched on.
    Attribute,
    /// Not read at all.
    Ignore,
}

impl ColumnRole {
    /// Every role, in a stable order.
    pub const ALL: [ColumnRole; 12] = [
        ColumnRole::Email,
        ColumnRole::Phone,
        ColumnRole::FirstName,
        ColumnRole::LastName,
        ColumnRole::FullName,
        ColumnRole::Postal,
        ColumnRole::Country,
        ColumnRole::Maid,
        ColumnRole::EmailSha256,
        ColumnRole::PhoneSha256,
        ColumnRole::Attribute,
        ColumnRole::Ignore,
    ];

    /// The role's name, as in `--columns` and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnRole::Email => "email",
            ColumnRole::Phone => "phone",
            ColumnRole::FirstName => "first_name",
            ColumnRole::LastName => "last_name",
            ColumnRole::FullName => "full_name",
            ColumnRole::Postal => "postal",
            ColumnRole::Country => "country",
            ColumnRole::Maid => "maid",
            ColumnRole::EmailSha256 => "email_sha256",
            ColumnRole::PhoneSha256 => "phone_sha256",
            ColumnRole::Attribute => "attribute",
            ColumnRole::Ignore => "ignore",
        }
    }

    /// Parses a role name.
    pub fn parse(name: &str) -> Option<ColumnRole> {
        ColumnRole::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// The match key a column of this role feeds (`None` for country, attribute and
    /// ignore). A pre-hashed column feeds the key it is a hash of; the name roles feed
    /// one `name` key together.
    pub fn key(self) -> Option<crate::psi::MatchKey> {
        use crate::psi::MatchKey;
        match self {
            ColumnRole::Email | ColumnRole::EmailSha256 => Some(MatchKey::Email),
            ColumnRole::Phone | ColumnRole::PhoneSha256 => Some(MatchKey::Phone),
            ColumnRole::FirstName | ColumnRole::LastName | ColumnRole::FullName => Some(MatchKey::Name),
            ColumnRole::Postal => Some(MatchKey::Postal),
            ColumnRole::Maid => Some(MatchKey::Maid),
            ColumnRole::Country | ColumnRole::Attribute | ColumnRole::Ignore => None,
        }
    }

    /// The normalization kind a cell of this role is read as (`None` where
    /// [`ColumnRole::key`] is `None`).
    pub fn kind(self) -> Option<crate::normalize::Kind> {
        use crate::normalize::Kind;
        match self {
            ColumnRole::Email => Some(Kind::Email),
            ColumnRole::Phone => Some(Kind::Phone),
            ColumnRole::FirstName | ColumnRole::LastName | ColumnRole::FullName => Some(Kind::Name),
            ColumnRole::Postal => Some(Kind::Postal),
            ColumnRole::Maid => Some(Kind::Maid),
            ColumnRole::EmailSha256 | ColumnRole::PhoneSha256 => Some(Kind::Sha256),
            ColumnRole::Country | ColumnRole::Attribute | ColumnRole::Ignore => None,
        }
    }

    /// Whether a column of this role yields a match key on its own (postal and country
    /// only qualify other keys, so a file of ZIP codes alone has no identifier).
    pub fn is_identifier(self) -> bool {
        matches!(
            self,
            ColumnRole::Email
                | ColumnRole::Phone
                | ColumnRole::FirstName
                | ColumnRole::LastName
                | ColumnRole::FullName
                | ColumnRole::Maid
                | ColumnRole::EmailSha256
                | ColumnRole::PhoneSha256
        )
    }
}

/// A column's guessed role.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ColumnGuess {
    /// The column's name: its header, or `column N` in a file without one.
    pub name: String,
    /// The role.
    pub role: ColumnRole,
    /// How sure the guess is, `0.0..=1.0` (1.0 for a role the user chose).
    #[serde(serialize_with = "serialize_confidence")]
    pub confidence: f32,
}

/// Writes a confidence with two decimals (`0.98`, not `0.97999996`).
///
/// # Errors
/// Those of the serializer.
pub fn serialize_confidence<S: serde::Serializer>(c: &f32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((f64::from(*c) * 100.0).round() / 100.0)
}

/// Guesses the role of each column from its name (if the file has a header) and from
/// `sample`, the first data rows.
pub fn guess_roles(names: &[String], has_header: bool, sample: &[Vec<String>]) -> Vec<ColumnGuess> {
    names
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let header = if has_header { header_role(name) } else { None };
            let values = value_shape(sample.iter().filter_map(|r| r.get(c)).map(String::as_str));
            let (role, confidence) = combine(header, values);
            ColumnGuess { name: name.clone(), role, confidence }
        })
        .collect()
}

/// Reconciles the header's suggestion with the values' shape.
fn combine(header: Option<(ColumnRole, f32)>, values: Option<(Option<Shape>, f32)>) -> (ColumnRole, f32) {
    let (shape, share) = match values {
        Some((Some(s), share)) if share >= 0.6 => (Some(s), share),
        Some(_) => (None, 0.0),
        // No values to judge by: the header alone decides.
        None => return header.unwrap_or((ColumnRole::Ignore, 0.5)),
    };
    match (header, shape) {
        // Hashed values: the header says which identifier they are hashes of.
        (Some((ColumnRole::Phone | ColumnRole::PhoneSha256, c)), Some(Shape::Hash)) => {
            (ColumnRole::PhoneSha256, c.max(share * 0.95))
        }
        (Some((_, c)), Some(Shape::Hash)) => (ColumnRole::EmailSha256, c.max(share * 0.9)),
        (None, Some(Shape::Hash)) => (ColumnRole::EmailSha256, 0.4 + 0.4 * share),
        (Some((role, c)), Some(s)) if agrees(role, s) => (role, (c + 0.1 * share).min(0.99)),
        // Header and values disagree: unmistakable values win, else the header does.
        (Some(_), Some(s @ (Shape::Email | Shape::Maid))) => (shape_role(s), 0.6 * share),
        (Some((role, c)), None) if has_shape(role) => {
            // The header says email, phone or MAID but few values look like one.
            (role, c * 0.6)
        }
        (Some((role, c)), None) => (role, c),
        (Some((role, c)), _) => (role, c * 0.8),
        (None, Some(s)) => {
            let (base, span) = match s {
                Shape::Email | Shape::Maid => (0.5, 0.45),
                Shape::Phone => (0.4, 0.4),
                _ => (0.3, 0.3),
            };
            (shape_role(s), base + span * share)
        }
        (None, None) => (ColumnRole::Attribute, 0.5),
    }
}

/// Roles whose values have a recognizable shape.
fn has_shape(role: ColumnRole) -> bool {
    matches!(
        role,
        ColumnRole::Email | ColumnRole::Phone | ColumnRole::Maid | ColumnRole::EmailSha256 | ColumnRole::PhoneSha256
    )
}

fn agrees(role: ColumnRole, shape: Shape) -> bool {
    matches!(
        (role, shape),
        (ColumnRole::Email, Shape::Email)
            | (ColumnRole::Phone, Shape::Phone)
            | (ColumnRole::Maid, Shape::Maid)
            | (ColumnRole::Postal, Shape::Postal | Shape::Phone)
            | (ColumnRole::Country, Shape::Country)
    )
}

fn shape_role(shape: Shape) -> ColumnRole {
    match shape {
        Shape::Email => ColumnRole::Email,
        Shape::Phone => ColumnRole::Phone,
        Shape::Hash => ColumnRole::EmailSha256,
        Shape::Maid => ColumnRole::Maid,
        Shape::Postal => ColumnRole::Postal,
        Shape::Country => ColumnRole::Country,
    }
}

/// Applies user choices `name=role,name=role` to `columns` (confidence 1.0). A column is
/// named by its header exactly, by its folded header (`e-mail` finds `E-Mail`), or by its
/// 1-based number.
///
/// # Errors
/// [`IngestError::UnknownColumn`] or [`IngestError::UnknownRole`].
pub fn apply_overrides(columns: &mut [ColumnGuess], spec: &str) -> Result<(), IngestError> {
    for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, role) = pair.rsplit_once('=').unwrap_or((pair, ""));
        let (name, role) = (name.trim(), role.trim());
        let role = ColumnRole::parse(role).ok_or_else(|| IngestError::UnknownRole { role: role.to_owned() })?;
        let index = find_column(columns, name).ok_or_else(|| IngestError::UnknownColumn { name: name.to_owned() })?;
        columns[index].role = role;
        columns[index].confidence = 1.0;
    }
    Ok(())
}

/// The 0-based index of the column `name` names: its header exactly, its folded header,
/// or its 1-based number.
pub fn find_column(columns: &[ColumnGuess], name: &str) -> Option<usize> {
    let folded = fold(name);
    columns
        .iter()
        .position(|c| c.name == name)
        .or_else(|| columns.iter().position(|c| !folded.is_empty() && fold(&c.name) == folded))
        .or_else(|| name.parse::<usize>().ok().and_then(|n| n.checked_sub(1)).filter(|&i| i < columns.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides() {
        let mut cols: Vec<ColumnGuess> = ["E-Mail", "x"]
            .iter()
            .map(|n| ColumnGuess { name: n.to_string(), role: ColumnRole::Attribute, confidence: 0.5 })
            .collect();
        assert_eq!(apply_overrides(&mut cols, "e-mail=email_sha256, 2=phone"), Ok(()));
        assert_eq!(cols[0].role, ColumnRole::EmailSha256);
        assert_eq!(cols[1].role, ColumnRole::Phone);
        assert!(matches!(apply_overrides(&mut cols, "zzz=email"), Err(IngestError::UnknownColumn { .. })));
        assert!(matches!(apply_overrides(&mut cols, "x=mail"), Err(IngestError::UnknownRole { .. })));
    }

    fn role(h: &str) -> Option<ColumnRole> {
        header_role(h).map(|(r, _)| r)
    }

    #[test]
    fn header_names_in_five_languages() {
        assert_eq!(role("E-Mail"), Some(ColumnRole::Email));
        assert_eq!(role("Courriel"), Some(ColumnRole::Email));
        assert_eq!(role("Correo electrónico"), Some(ColumnRole::Email));
        assert_eq!(role("Teléfono"), Some(ColumnRole::Phone));
        assert_eq!(role("Telefoonnummer"), Some(ColumnRole::Phone));
        assert_eq!(role("Vorname"), Some(ColumnRole::FirstName));
        assert_eq!(role("Prénom"), Some(ColumnRole::FirstName));
        assert_eq!(role("Achternaam"), Some(ColumnRole::LastName));
        assert_eq!(role("Postleitzahl"), Some(ColumnRole::Postal));
        assert_eq!(role("Code postal"), Some(ColumnRole::Postal));
        assert_eq!(role("País"), Some(ColumnRole::Country));
        assert_eq!(role("Customer E-Mail"), Some(ColumnRole::Email));
        assert_eq!(role("firstName"), Some(ColumnRole::FirstName));
        assert_eq!(role("hashed_phone"), Some(ColumnRole::PhoneSha256));
        assert_eq!(role("SHA256 (email)"), Some(ColumnRole::EmailSha256));
        assert_eq!(role("IDFA"), Some(ColumnRole::Maid));
        assert_eq!(role("lifetime_value"), Some(ColumnRole::Attribute));
        assert_eq!(role("favourite colour"), None);
    }

    #[test]
    fn values_decide_without_header() {
        let names: Vec<String> = (1..=4).map(|i| format!("column {i}")).collect();
        let sample: Vec<Vec<String>> = (0..20)
            .map(|i| {
                vec![
                    format!("user{i}@example.com"),
                    format!("+1 415 555 {:04}", i),
                    format!("{:064x}", i),
                    format!("gold{i}"),
                ]
            })
            .collect();
        let g = guess_roles(&names, false, &sample);
        let roles: Vec<ColumnRole> = g.iter().map(|g| g.role).collect();
        assert_eq!(roles, [ColumnRole::Email, ColumnRole::Phone, ColumnRole::EmailSha256, ColumnRole::Attribute]);
        assert!(g[0].confidence > 0.9);
    }

    #[test]
    fn hashed_phone_by_header() {
        let names = vec!["Phone".to_string(), "Email".to_string()];
        let sample = vec![vec![format!("{:064x}", 7), format!("{:064x}", 8)]];
        let g = guess_roles(&names, true, &sample);
        assert_eq!(g[0].role, ColumnRole::PhoneSha256);
        assert_eq!(g[1].role, ColumnRole::EmailSha256);
    }
}
