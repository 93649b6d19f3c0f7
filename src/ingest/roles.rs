//! Column roles: what each column holds, guessed from its header and its values.
//!
//! A header name is compared after folding case and accents and dropping everything but
//! letters and digits (`E-Mail`, `e_mail` and `EMAIL` are all `email`), against names in
//! English, German, French, Spanish, Dutch, Italian and Portuguese, and against words that
//! name ids, dates, amounts and other attributes (`Kunde`, `Order number`, `Montant`).
//! Sampled values are tested for the shape of an email, a phone number, a SHA-256 digest,
//! a MAID, a postal code or a country code, and for what ids, dates, amounts and flags
//! look like. The two are combined into one role with a confidence in `0.0..=1.0` and the
//! evidence in words; the caller shows the guess and lets the user override it.

mod header;
mod shape;

pub use header::{fold, header_role};
pub use shape::{looks_email, looks_identifier, looks_maid, looks_phone, looks_sha256};

use super::IngestError;
use serde::{Deserialize, Serialize};
use shape::{analyse, Shape, Values};

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
    /// ignore). A pre-hashed column feeds the key it is a hash of; the name roles and
    /// postal feed the one `name_postal` key together, never a key on their own (see
    /// [`crate::ingest::KeyPlan`] for whether a layout forms it).
    pub fn key(self) -> Option<crate::psi::MatchKey> {
        use crate::psi::MatchKey;
        match self {
            ColumnRole::Email | ColumnRole::EmailSha256 => Some(MatchKey::Email),
            ColumnRole::Phone | ColumnRole::PhoneSha256 => Some(MatchKey::Phone),
            ColumnRole::FirstName | ColumnRole::LastName | ColumnRole::FullName | ColumnRole::Postal => {
                Some(MatchKey::NamePostal)
            }
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

    /// Whether a column of this role yields a match key on its own. Names and postal
    /// codes do not: they are parts of `name_postal`, which needs all of them and a
    /// country, so a file of names alone or ZIP codes alone has no identifier.
    pub fn is_identifier(self) -> bool {
        matches!(
            self,
            ColumnRole::Email | ColumnRole::Phone | ColumnRole::Maid | ColumnRole::EmailSha256 | ColumnRole::PhoneSha256
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
    /// Why the column was or was not taken as an identifier, in words (the header name
    /// it matched, the share of sampled values with an identifier's shape, what else the
    /// values look like).
    pub evidence: String,
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
///
/// A role that makes a column a match key (or qualifies one: postal, country, names) comes
/// from a recognised header name. Without one, only values that cannot be anything else
/// make an identifier: email addresses, SHA-256 digests, and phone numbers written as
/// phone numbers (`+44 ...`, `(212) 555-0199`). Plain digit strings, prefixed ids
/// (`G0`, `G1`), UUIDs, dates, amounts and flags stay attributes, since customer and order
/// numbers look the same as phones or postal codes.
pub fn guess_roles(names: &[String], has_header: bool, sample: &[Vec<String>]) -> Vec<ColumnGuess> {
    names
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let header = if has_header { header_role(name) } else { None };
            let values = analyse(sample.iter().filter_map(|r| r.get(c)).map(String::as_str));
            let (role, confidence, evidence) = combine(name, has_header, header, &values);
            ColumnGuess { name: name.clone(), role, confidence, evidence }
        })
        .collect()
}

fn percent(share: f32) -> u32 {
    (share * 100.0).round() as u32
}

/// Reconciles the header's suggestion with the values.
fn combine(name: &str, has_header: bool, header: Option<(ColumnRole, f32)>, v: &Values) -> (ColumnRole, f32, String) {
    let named = |how: &str| format!("header \u{201c}{name}\u{201d} {how}");
    let sampled = |share: f32, what: &str| format!("{}% of {} sampled values {what}", percent(share), v.total);
    let Some((shape, share)) = v.shape.filter(|(_, share)| *share >= 0.6 && v.total > 0) else {
        return match header {
            Some((role, c)) if v.total == 0 => {
                (role, c, named(&format!("is a known {} column name; no values to check", role.as_str())))
            }
            None if v.total == 0 => (ColumnRole::Ignore, 0.5, "no known header and no values".to_owned()),
            Some((role, c)) => header_only(name, role, c, v),
            None => (ColumnRole::Attribute, 0.5, unknown(has_header, v, None)),
        };
    };
    match (header, shape) {
        // Hashed values: the header says which identifier they are hashes of.
        (Some((ColumnRole::Phone | ColumnRole::PhoneSha256, c)), Shape::Hash) => (
            ColumnRole::PhoneSha256,
            c.max(share * 0.95),
            format!("{}; {}", named("names a phone column"), sampled(share, "are SHA-256 digests")),
        ),
        (Some((role, c)), Shape::Hash) if role != ColumnRole::Attribute => (
            ColumnRole::EmailSha256,
            c.max(share * 0.9),
            format!(
                "{}; {} (read as hashed emails)",
                named(&format!("suggests {}", role.as_str())),
                sampled(share, "are SHA-256 digests")
            ),
        ),
        (None, Shape::Hash) => (
            ColumnRole::EmailSha256,
            0.4 + 0.4 * share,
            format!(
                "{}; {} (read as hashed emails; choose phone_sha256 if they are phones)",
                no_header(has_header),
                sampled(share, "are SHA-256 digests")
            ),
        ),
        (Some((role, c)), s) if agrees(role, s) => (
            role,
            (c + 0.1 * share).min(0.99),
            format!(
                "{}; {}",
                named(&format!("is a known {} column name", role.as_str())),
                sampled(share, &format!("look like {}", role_words(role, s)))
            ),
        ),
        // Unmistakable values win over a header that says something else.
        (Some((role, _)), Shape::Email) => (
            ColumnRole::Email,
            0.6 * share,
            format!("{}, but {}", named(&format!("suggests {}", role.as_str())), sampled(share, "are email addresses")),
        ),
        (Some((role, c)), _) => header_only(name, role, c, v),
        (None, Shape::Email) => (
            ColumnRole::Email,
            0.5 + 0.45 * share,
            format!("{}; {}", no_header(has_header), sampled(share, "are email addresses")),
        ),
        (None, Shape::Phone) if v.formatted_phone >= 0.6 => (
            ColumnRole::Phone,
            0.4 + 0.4 * v.formatted_phone,
            format!(
                "{}; {}",
                no_header(has_header),
                sampled(v.formatted_phone, "are written as phone numbers (a + or 00 prefix, or digit groups)")
            ),
        ),
        (None, s) => (ColumnRole::Attribute, 0.5, unknown(has_header, v, Some(s))),
    }
}

/// The header decides; the values did not confirm it.
fn header_only(name: &str, role: ColumnRole, c: f32, v: &Values) -> (ColumnRole, f32, String) {
    let named = format!("header \u{201c}{name}\u{201d}");
    if role == ColumnRole::Attribute {
        let why = v.hint.map(|h| format!("; {}", h.describe())).unwrap_or_default();
        return (role, c, format!("{named} names an id, date, amount or other attribute, not an identifier{why}"));
    }
    if has_shape(role) {
        let seen = match v.shape {
            Some((s, share)) => format!("{}% look like {}", percent(share), shape_words(s)),
            None => "none has a recognisable shape".to_owned(),
        };
        if c < 0.75 {
            // Only a substring matched ("Telefonkosten"): not enough against the values.
            return (
                ColumnRole::Attribute,
                0.5,
                format!(
                    "{named} only contains a {} column name and its values do not look like one ({seen})",
                    role.as_str()
                ),
            );
        }
        return (
            role,
            c * 0.6,
            format!(
                "{named} is a known {} column name, but of {} sampled values {seen}; check it",
                role.as_str(),
                v.total
            ),
        );
    }
    (role, c, format!("{named} is a known {} column name", role.as_str()))
}

fn no_header(has_header: bool) -> &'static str {
    if has_header {
        "no known header"
    } else {
        "no header row"
    }
}

/// Why a column without a known header is not an identifier.
fn unknown(has_header: bool, v: &Values, shape: Option<Shape>) -> String {
    let why = match (v.hint, shape) {
        (Some(h), _) => h.describe().to_owned(),
        (None, Some(Shape::Postal)) => "values look like postal codes, but ids look the same; a postal column is taken only from its header (zip, PLZ, code postal, ...)".to_owned(),
        (None, Some(Shape::Country)) => "values are two-letter codes; a country column is taken only from its header".to_owned(),
        (None, Some(Shape::Phone)) => "values are digits without a phone's prefix or grouping; a phone column with plain digits is taken only from its header".to_owned(),
        (None, Some(s)) => format!("values look like {}", shape_words(s)),
        (None, None) => "values have no identifier's shape".to_owned(),
    };
    format!("{}; {why}; not an identifier unless you choose a role", no_header(has_header))
}

/// What values agreeing with `role` look like (a ZIP+4 has a phone's shape, but is a ZIP).
fn role_words(role: ColumnRole, s: Shape) -> &'static str {
    match role {
        ColumnRole::Postal => "postal codes",
        _ => shape_words(s),
    }
}

fn shape_words(s: Shape) -> &'static str {
    match s {
        Shape::Email => "email addresses",
        Shape::Phone => "phone numbers",
        Shape::Hash => "SHA-256 digests",
        Shape::Maid => "UUIDs",
        Shape::Postal => "postal codes",
        Shape::Country => "country codes",
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
        columns[index].evidence = "chosen by the user".to_owned();
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
            .map(|n| ColumnGuess {
                name: n.to_string(),
                role: ColumnRole::Attribute,
                confidence: 0.5,
                evidence: String::new(),
            })
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
