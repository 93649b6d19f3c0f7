//! From a row to a record: the digests of its identifiers, one per match key, plus the
//! row's breakdown group.
//!
//! Each identifier column is normalized and hashed with the agreed preset. A pre-hashed
//! column feeds the key it is a hash of (`email_sha256` → `email`), so hashes match
//! plain values hashed on the other side. Names come from a full-name column, or from
//! first and last name joined by a space.

use super::numeric::{read_numeric, NumericCell, SCIENTIFIC};
use super::roles::ColumnRole;
use super::IngestError;
use crate::normalize::{Kind, NormalizeError};
use serde::Serialize;

/// A key the protocol matches on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchKey {
    /// Email address (plain or SHA-256).
    Email,
    /// Phone number (plain or SHA-256).
    Phone,
    /// Person's name.
    Name,
    /// Postal code.
    Postal,
    /// Mobile advertising id.
    Maid,
}

impl MatchKey {
    /// Every key, in a stable order.
    pub const ALL: [MatchKey; 5] = [MatchKey::Email, MatchKey::Phone, MatchKey::Name, MatchKey::Postal, MatchKey::Maid];

    /// The key's name, as in DSTs and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKey::Email => "email",
            MatchKey::Phone => "phone",
            MatchKey::Name => "name",
            MatchKey::Postal => "postal",
            MatchKey::Maid => "maid",
        }
    }
}

/// One row's identifiers, ready to be blinded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// SHA-256 of each valid normalized identifier, with the key it matches on; no
    /// (key, digest) pair twice.
    pub keys: Vec<(MatchKey, [u8; 32])>,
    /// The value of the group column, if one was chosen and the cell is not empty.
    pub group: Option<String>,
}

/// Turns a raw value into the digest both partners compute. Implemented by the
/// normalization preset and by any closure of the same shape (tests use simple ones).
pub trait Digester {
    /// SHA-256 of the normalized value; for [`Kind::Sha256`] the decoded digest.
    ///
    /// # Errors
    /// [`NormalizeError::Empty`] for an empty value, [`NormalizeError::Invalid`] for one
    /// the rules refuse.
    fn digest(&self, kind: Kind, raw: &str, default_country: Option<&str>) -> Result<[u8; 32], NormalizeError>;
}

impl<F> Digester for F
where
    F: Fn(Kind, &str, Option<&str>) -> Result<[u8; 32], NormalizeError>,
{
    fn digest(&self, kind: Kind, raw: &str, default_country: Option<&str>) -> Result<[u8; 32], NormalizeError> {
        self(kind, raw, default_country)
    }
}

impl Digester for crate::normalize::Preset {
    fn digest(&self, kind: Kind, raw: &str, default_country: Option<&str>) -> Result<[u8; 32], NormalizeError> {
        crate::normalize::Preset::digest(self, kind, raw, default_country)
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
    /// 0-based column of the cell (the first name column for a first+last name).
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
    /// One entry per identifier cell (a first+last name pair counts as one).
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
    full_name: Option<usize>,
    first_name: Option<usize>,
    last_name: Option<usize>,
    country: Option<usize>,
    group: Option<usize>,
}

impl<D: Digester> RecordExtractor<D> {
    /// An extractor for columns with `roles` (one per column), hashing with `digester`.
    /// `default_country` (ISO alpha-2) reads phones and postal codes of rows without a
    /// country column value; `group_column` is the 0-based breakdown column.
    ///
    /// # Errors
    /// [`IngestError::NoIdentifierColumn`] if no role yields a match key.
    pub fn new(
        roles: &[ColumnRole],
        digester: D,
        default_country: Option<&str>,
        group_column: Option<usize>,
    ) -> Result<RecordExtractor<D>, IngestError> {
        let mut sources = Vec::new();
        let find = |r: ColumnRole| roles.iter().position(|&x| x == r);
        for (column, role) in roles.iter().enumerate() {
            let (key, kind) = match role {
                ColumnRole::Email => (MatchKey::Email, Kind::Email),
                ColumnRole::Phone => (MatchKey::Phone, Kind::Phone),
                ColumnRole::EmailSha256 => (MatchKey::Email, Kind::Sha256),
                ColumnRole::PhoneSha256 => (MatchKey::Phone, Kind::Sha256),
                ColumnRole::Maid => (MatchKey::Maid, Kind::Maid),
                ColumnRole::Postal => (MatchKey::Postal, Kind::Postal),
                _ => continue,
            };
            sources.push(Source { key, kind, column });
        }
        let ex = RecordExtractor {
            digester,
            default_country: default_country.map(str::to_ascii_uppercase),
            sources,
            full_name: find(ColumnRole::FullName),
            first_name: find(ColumnRole::FirstName),
            last_name: find(ColumnRole::LastName),
            country: find(ColumnRole::Country),
            group: group_column,
        };
        if !roles.iter().any(|r| r.is_identifier()) {
            return Err(IngestError::NoIdentifierColumn);
        }
        Ok(ex)
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
            if matches!(s.kind, Kind::Phone | Kind::Postal) {
                match read_numeric(raw) {
                    NumericCell::AsWritten(_) => {}
                    NumericCell::IntegerOfDecimal(digits) => {
                        raw = digits;
                        note = Some(CellNote::DecimalInteger);
                    }
                    NumericCell::Scientific => {
                        let status = KeyStatus::Invalid(NormalizeError::Invalid(SCIENTIFIC));
                        let note = Some(CellNote::Scientific);
                        checks.push(KeyCheck { key: s.key, column: s.column, status, assumed_country: false, note });
                        continue;
                    }
                }
                if s.kind == Kind::Postal
                    && country == Some("US")
                    && raw.len() == 4
                    && raw.bytes().all(|b| b.is_ascii_digit())
                {
                    note = Some(CellNote::ShortUsZip);
                }
            }
            let assumed_country =
                s.kind == Kind::Phone && !raw.is_empty() && !raw.starts_with('+') && !raw.starts_with("00");
            let status = self.check(s.key, s.kind, raw, country, &mut keys);
            checks.push(KeyCheck { key: s.key, column: s.column, status, assumed_country, note });
        }
        if let Some((column, name)) = self.name(fields) {
            let status = self.check(MatchKey::Name, Kind::Name, &name, country, &mut keys);
            checks.push(KeyCheck { key: MatchKey::Name, column, status, assumed_country: false, note: None });
        }
        let group = self.group.map(cell).filter(|g| !g.is_empty()).map(str::to_owned);
        Extracted { record: Record { keys, group }, checks }
    }

    /// The row's name: the full-name cell, else first and last name joined.
    fn name(&self, fields: &[String]) -> Option<(usize, String)> {
        let cell = |c: Option<usize>| c.and_then(|c| fields.get(c)).map(|s| s.trim()).unwrap_or("");
        if let Some(c) = self.full_name {
            if !cell(Some(c)).is_empty() || (self.first_name.is_none() && self.last_name.is_none()) {
                return Some((c, cell(Some(c)).to_owned()));
            }
        }
        let column = self.first_name.or(self.last_name)?;
        let (first, last) = (cell(self.first_name), cell(self.last_name));
        let joined = match (first.is_empty(), last.is_empty()) {
            (false, false) => format!("{first} {last}"),
            (false, true) => first.to_owned(),
            (true, _) => last.to_owned(),
        };
        Some((column, joined))
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A stand-in for a preset: lowercases, refuses values without `@` as emails and
    /// with letters as phones, and "hashes" by copying bytes.
    pub(crate) fn toy(kind: Kind, raw: &str, country: Option<&str>) -> Result<[u8; 32], NormalizeError> {
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

    #[test]
    fn extracts_keys() -> Result<(), IngestError> {
        use ColumnRole::*;
        let roles = [Email, Phone, FirstName, LastName, Attribute];
        let ex = RecordExtractor::new(&roles, toy, Some("us"), Some(4))?;
        let row: Vec<String> = ["A@x.com", "415 555 0100", "Ann", "Lee", "gold"].map(String::from).into();
        let e = ex.extract(&row);
        assert_eq!(e.record.keys.len(), 3);
        assert_eq!(e.record.group.as_deref(), Some("gold"));
        assert!(e.checks[1].assumed_country);
        let row: Vec<String> = ["nope", "", "", "", ""].map(String::from).into();
        let e = ex.extract(&row);
        assert!(e.record.keys.is_empty());
        assert!(matches!(e.checks[0].status, KeyStatus::Invalid(_)));
        assert_eq!(e.checks[1].status, KeyStatus::Empty);
        assert_eq!(e.checks[2].status, KeyStatus::Empty);
        Ok(())
    }

    #[test]
    fn no_identifier() {
        let r = RecordExtractor::new(&[ColumnRole::Postal, ColumnRole::Attribute], toy, None, None);
        assert!(matches!(r, Err(IngestError::NoIdentifierColumn)));
    }
}
