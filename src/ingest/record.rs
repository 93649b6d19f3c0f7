//! From a row to a record: the digests of its identifiers, with the key each matches on,
//! plus the row's breakdown group.
//!
//! Each identifier column is normalized and hashed with the agreed preset. A pre-hashed
//! column feeds the key it is a hash of (`email_sha256` → `email`), so hashes match
//! plain values hashed on the other side. Names and a postal code are never keys on
//! their own: with the row's country (or the default one) they form one `name_postal`
//! value (see [`crate::normalize::name_postal`]), and only when the layout has all the
//! parts ([`KeyPlan`]).

use super::key_plan::{KeyPlan, NamePostalColumns};
use super::numeric::{read_numeric, NumericCell, SCIENTIFIC};
use super::roles::ColumnRole;
use super::IngestError;
use crate::normalize::{Kind, NormalizeError, PersonName};

pub use crate::psi::MatchKey;

/// One row's identifiers, ready to be blinded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// SHA-256 of each valid normalized identifier, with the key it matches on; no
    /// (key, digest) pair twice.
    pub keys: Vec<(MatchKey, [u8; 32])>,
    /// The value of the group column, if one was chosen and the cell is not empty.
    pub group: Option<String>,
}

/// Turns raw values into the digests both partners compute. Implemented by the
/// normalization preset (tests implement simpler ones).
pub trait Digester {
    /// SHA-256 of the normalized value; for [`Kind::Sha256`] the decoded digest.
    ///
    /// # Errors
    /// [`NormalizeError::Empty`] for an empty value, [`NormalizeError::Invalid`] for one
    /// the rules refuse.
    fn digest(&self, kind: Kind, raw: &str, default_country: Option<&str>) -> Result<[u8; 32], NormalizeError>;

    /// SHA-256 of the `name_postal` value of a person's name, postal code and country.
    ///
    /// # Errors
    /// As [`crate::normalize::Preset::normalize_name_postal`].
    fn digest_name_postal(&self, person: PersonName<'_>, postal: &str, country: Option<&str>) -> Result<[u8; 32], NormalizeError>;
}

impl Digester for crate::normalize::Preset {
    fn digest(&self, kind: Kind, raw: &str, default_country: Option<&str>) -> Result<[u8; 32], NormalizeError> {
        crate::normalize::Preset::digest(self, kind, raw, default_country)
    }

    fn digest_name_postal(&self, person: PersonName<'_>, postal: &str, country: Option<&str>) -> Result<[u8; 32], NormalizeError> {
        crate::normalize::Preset::digest_name_postal(self, person, postal, country)
    }
}

/// What became of one identifier cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyStatus {
    /// Normalized and hashed.
    Valid,
    /// Empty (or only whitespace).
    Empty,
    /// Refused by the normalization rules.
    Invalid(NormalizeError),
}

/// The outcome for one identifier cell of a row, for the quality report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyCheck {
    /// The key the cell feeds.
    pub key: MatchKey,
    /// 0-based column of the cell (for `name_postal`, the column of the first part that
    /// is missing or refused, else the first name or full name column).
    pub column: usize,
    /// Valid, empty or invalid.
    pub status: KeyStatus,
    /// For a phone: it had no country code, so the row's or the default country was assumed.
    pub assumed_country: bool,
    /// Something about how the cell was written that the owner should know (one note per
    /// cell: a short US ZIP written as a decimal is noted as short).
    pub note: Option<CellNote>,
}

/// How a numeric identifier cell was written, when a tool rewrote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellNote {
    /// An integer written as a decimal (`447700900123.0`), read as its integer digits.
    DecimalInteger,
    /// Scientific notation (`4.477E+11`), refused.
    Scientific,
    /// A four-digit postal code in a US row: a leading zero was probably dropped.
    ShortUsZip,
}

/// A row's record and the outcome for each identifier cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extracted {
    /// The record (its `keys` may be empty: no valid identifier).
    pub record: Record,
    /// One entry per identifier cell (the parts of a name + postal value count as one).
    pub checks: Vec<KeyCheck>,
}

/// Where one key comes from.
#[derive(Clone, Copy, Debug)]
struct Source {
    key: MatchKey,
    kind: Kind,
    column: usize,
}

/// Turns rows into records for a fixed column layout.
pub struct RecordExtractor<D> {
    digester: D,
    default_country: Option<String>,
    sources: Vec<Source>,
    name_postal: Option<NamePostalColumns>,
    country: Option<usize>,
    group: Option<usize>,
}

impl<D: Digester> RecordExtractor<D> {
    /// An extractor for columns with `roles` (one per column), hashing with `digester`.
    /// `default_country` (ISO alpha-2) reads phones and forms the name + postal key of
    /// rows without a country column value; `group_column` is the 0-based breakdown
    /// column.
    ///
    /// # Errors
    /// [`IngestError::NoIdentifierColumn`] if no role feeds a match key;
    /// [`IngestError::NoUsableKey`] if names or a postal code are there but do not form
    /// the name + postal key and no other column is a key.
    pub fn new(
        roles: &[ColumnRole],
        digester: D,
        default_country: Option<&str>,
        group_column: Option<usize>,
    ) -> Result<RecordExtractor<D>, IngestError> {
        let plan = KeyPlan::new(roles, default_country.is_some());
        plan.check()?;
        let mut sources = Vec::new();
        for (column, role) in roles.iter().enumerate() {
            // Names and postal codes are read together below; every other key-feeding
            // column is read on its own.
            let (Some(key), Some(kind)) = (role.key(), role.kind()) else { continue };
            if key == MatchKey::NamePostal {
                continue;
            }
            sources.push(Source { key, kind, column });
        }
        Ok(RecordExtractor {
            digester,
            default_country: default_country.map(str::to_ascii_uppercase),
            sources,
            name_postal: plan.name_postal_columns(),
            country: roles.iter().position(|&r| r == ColumnRole::Country),
            group: group_column,
        })
    }

    /// Normalizes and hashes one row's identifiers. Missing cells (a short row) count
    /// as empty.
    pub fn extract(&self, fields: &[String]) -> Extracted {
        let cell = |c: usize| fields.get(c).map(|s| s.trim()).unwrap_or("");
        let row_country = self.country.map(cell).filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()));
        let upper;
        let country = match row_country {
            Some(c) => {
                upper = c.to_ascii_uppercase();
                Some(upper.as_str())
            }
            None => self.default_country.as_deref(),
        };
        let mut keys = Vec::new();
        let mut checks = Vec::with_capacity(self.sources.len() + 1);
        for s in &self.sources {
            let mut raw = cell(s.column);
            let mut note = None;
            if s.kind == Kind::Phone {
                let Some((digits, n)) = as_written(raw) else {
                    checks.push(scientific(s.key, s.column));
                    continue;
                };
                (raw, note) = (digits, n);
            }
            let assumed_country =
                s.kind == Kind::Phone && !raw.is_empty() && !raw.starts_with('+') && !raw.starts_with("00");
            let status = self.check(s.key, s.kind, raw, country, &mut keys);
            checks.push(KeyCheck { key: s.key, column: s.column, status, assumed_country, note });
        }
        if let Some(np) = self.name_postal {
            checks.push(self.name_postal(np, fields, country, &mut keys));
        }
        let group = self.group.map(cell).filter(|g| !g.is_empty()).map(str::to_owned);
        Extracted { record: Record { keys, group }, checks }
    }

    /// The row's name + postal value: the first and last name cells when both are
    /// filled, else the full name cell, with the postal code and the country.
    fn name_postal(
        &self,
        np: NamePostalColumns,
        fields: &[String],
        country: Option<&str>,
        keys: &mut Vec<(MatchKey, [u8; 32])>,
    ) -> KeyCheck {
        let cell = |c: Option<usize>| c.and_then(|c| fields.get(c)).map(|s| s.trim()).unwrap_or("");
        let (first, last, full) = (cell(np.first), cell(np.last), cell(np.full));
        let split = np.first.is_some() && np.last.is_some();
        let use_full = np.full.is_some() && !full.is_empty() && !(split && !first.is_empty() && !last.is_empty());
        let (person, name_column) =
            if use_full || !split { (PersonName::Full(full), np.full) } else { (PersonName::Split { first, last }, np.first) };
        let Some((raw_postal, mut note)) = as_written(cell(Some(np.postal))) else {
            return scientific(MatchKey::NamePostal, np.postal);
        };
        if country == Some("US") && raw_postal.len() == 4 && raw_postal.bytes().all(|b| b.is_ascii_digit()) {
            note = Some(CellNote::ShortUsZip);
        }
        let name_column = name_column.or(np.first).or(np.last).unwrap_or(np.postal);
        let status = match self.digester.digest_name_postal(person, raw_postal, country) {
            Ok(d) => {
                if !keys.contains(&(MatchKey::NamePostal, d)) {
                    keys.push((MatchKey::NamePostal, d));
                }
                KeyStatus::Valid
            }
            Err(NormalizeError::Empty) => KeyStatus::Empty,
            Err(e) => KeyStatus::Invalid(e),
        };
        // An invalid value is shown with the cell that explains it: the postal code when
        // it is missing or refused on its own (checked only for invalid rows), else the name.
        let postal_at_fault = matches!(status, KeyStatus::Invalid(NormalizeError::Invalid(_)))
            && self.digester.digest(Kind::Postal, raw_postal, country).is_err();
        let column = if postal_at_fault { np.postal } else { name_column };
        KeyCheck { key: MatchKey::NamePostal, column, status, assumed_country: false, note }
    }

    fn check(
        &self,
        key: MatchKey,
        kind: Kind,
        raw: &str,
        country: Option<&str>,
        keys: &mut Vec<(MatchKey, [u8; 32])>,
    ) -> KeyStatus {
        if raw.is_empty() {
            return KeyStatus::Empty;
        }
        match self.digester.digest(kind, raw, country) {
            Ok(d) => {
                if !keys.contains(&(key, d)) {
                    keys.push((key, d));
                }
                KeyStatus::Valid
            }
            Err(NormalizeError::Empty) => KeyStatus::Empty,
            Err(e) => KeyStatus::Invalid(e),
        }
    }
}

/// A phone or postal cell as a data tool may have rewritten it: the text to read and a
/// note for an integer written as a decimal, or `None` for scientific notation (digits
/// were lost, so it is refused).
fn as_written(raw: &str) -> Option<(&str, Option<CellNote>)> {
    match read_numeric(raw) {
        NumericCell::AsWritten(_) => Some((raw, None)),
        NumericCell::IntegerOfDecimal(digits) => Some((digits, Some(CellNote::DecimalInteger))),
        NumericCell::Scientific => None,
    }
}

/// The check of a cell in scientific notation.
fn scientific(key: MatchKey, column: usize) -> KeyCheck {
    let status = KeyStatus::Invalid(NormalizeError::Invalid(SCIENTIFIC));
    KeyCheck { key, column, status, assumed_country: false, note: Some(CellNote::Scientific) }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::normalize::Preset;

    /// A stand-in for a preset: lowercases, refuses values without `@` as emails and
    /// with letters as phones, and "hashes" by folding bytes; name + postal as the preset.
    pub(crate) struct Toy;

    impl Digester for Toy {
        fn digest(&self, kind: Kind, raw: &str, country: Option<&str>) -> Result<[u8; 32], NormalizeError> {
            let v = raw.trim().to_lowercase();
            if v.is_empty() {
                return Err(NormalizeError::Empty);
            }
            let ok = match kind {
                Kind::Email => v.contains('@'),
                Kind::Phone => v.bytes().all(|b| b.is_ascii_digit() || b" +-()".contains(&b)),
                Kind::Sha256 => v.len() == 64,
                _ => true,
            };
            if !ok {
                return Err(NormalizeError::Invalid("toy rule"));
            }
            let mut d = [0u8; 32];
            let tagged = format!("{}:{}:{}", kind.as_str(), country.unwrap_or(""), v);
            for (i, b) in tagged.bytes().enumerate() {
                d[i % 32] ^= b.rotate_left((i / 32) as u32);
            }
            Ok(d)
        }

        fn digest_name_postal(&self, person: PersonName<'_>, postal: &str, country: Option<&str>) -> Result<[u8; 32], NormalizeError> {
            Preset::named("plain").ok_or(NormalizeError::Empty)?.digest_name_postal(person, postal, country)
        }
    }

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn extracts_keys() -> Result<(), IngestError> {
        use ColumnRole::*;
        let roles = [Email, Phone, FirstName, LastName, Postal, Attribute];
        let ex = RecordExtractor::new(&roles, Toy, Some("us"), Some(5))?;
        let e = ex.extract(&row(&["A@x.com", "415 555 0100", "Ann", "Lee", "94043", "gold"]));
        let keys: Vec<MatchKey> = e.record.keys.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, [MatchKey::Email, MatchKey::Phone, MatchKey::NamePostal]);
        assert_eq!(e.record.group.as_deref(), Some("gold"));
        assert!(e.checks[1].assumed_country);
        let e = ex.extract(&row(&["nope", "", "", "", "", ""]));
        assert!(e.record.keys.is_empty());
        assert!(matches!(e.checks[0].status, KeyStatus::Invalid(_)));
        assert_eq!(e.checks[1].status, KeyStatus::Empty);
        assert_eq!(e.checks[2].status, KeyStatus::Empty);
        Ok(())
    }

    #[test]
    fn a_name_without_its_postal_code_is_no_key() -> Result<(), IngestError> {
        use ColumnRole::*;
        let ex = RecordExtractor::new(&[Email, FullName, Postal, Country], Toy, None, None)?;
        let e = ex.extract(&row(&["a@x.com", "Ann Lee", "", "US"]));
        assert_eq!(e.record.keys.len(), 1, "only the email");
        assert_eq!(
            e.checks[1],
            KeyCheck {
                key: MatchKey::NamePostal,
                column: 2,
                status: KeyStatus::Invalid(NormalizeError::Invalid("no postal code")),
                assumed_country: false,
                note: None
            }
        );
        let e = ex.extract(&row(&["", "Ann Lee", "94043", ""]));
        assert_eq!(e.checks[1].status, KeyStatus::Invalid(NormalizeError::NoCountryCode), "no row country, no default");
        assert_eq!(e.checks[1].column, 1);
        let e = ex.extract(&row(&["", "Lee, Ann", "94043.0", "us"]));
        assert_eq!(e.checks[1].status, KeyStatus::Valid);
        assert_eq!(e.checks[1].note, Some(CellNote::DecimalInteger));
        let e = ex.extract(&row(&["", "Ann Lee", "2100", "us"]));
        assert_eq!(e.checks[1].note, Some(CellNote::ShortUsZip));
        Ok(())
    }

    #[test]
    fn split_columns_win_over_a_full_name_and_give_its_value() -> Result<(), IngestError> {
        use ColumnRole::*;
        let ex = RecordExtractor::new(&[FirstName, LastName, FullName, Postal], Toy, Some("GB"), None)?;
        let a = ex.extract(&row(&["Ann", "Lee", "", "SW1A 1AA"]));
        let b = ex.extract(&row(&["", "", "ANN LEE", "sw1a1aa"]));
        let c = ex.extract(&row(&["Ann", "Lee", "Mrs Ann Lee", "sw1a-1aa"]));
        assert_eq!(a.record.keys.len(), 1);
        assert_eq!(a.record.keys, b.record.keys);
        assert_eq!(a.record.keys, c.record.keys);
        Ok(())
    }

    #[test]
    fn no_identifier() {
        let r = RecordExtractor::new(&[ColumnRole::Attribute, ColumnRole::Country], Toy, None, None);
        assert!(matches!(r, Err(IngestError::NoIdentifierColumn)));
        let r = RecordExtractor::new(&[ColumnRole::Postal, ColumnRole::Attribute], Toy, Some("US"), None);
        assert!(matches!(r, Err(IngestError::NoUsableKey { .. })));
        let r = RecordExtractor::new(&[ColumnRole::FirstName, ColumnRole::LastName], Toy, Some("US"), None);
        assert!(matches!(r, Err(IngestError::NoUsableKey { why: "names without a postal code" })));
    }
}
