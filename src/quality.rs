//! The local data-quality report: what was read, how many identifiers of each kind are
//! valid, invalid, empty or repeated, which rows are not used and why, and warnings.
//!
//! It is computed on the file owner's machine and never sent: it holds examples of
//! invalid values with their row numbers so the owner can fix the file.
//!
//! [`Inspector`] is the one loop the browser worker and the command line share: give it
//! each row from [`crate::ingest::Ingest::next_row`]; it extracts the record, applies the
//! suppression list and the opt-out column, updates the report, and says whether the
//! record is used (to be blinded) or why not.

use crate::ingest::record::{CellNote, Digester, Extracted, KeyStatus, MatchKey, Record, RecordExtractor};
use crate::ingest::roles::{ColumnGuess, ColumnRole};
use crate::ingest::suppression::{is_truthy, opt_out_column, Suppression};
use crate::ingest::{FileFormat, IngestError, KeyPlan, ReadStats, Row, Sniff};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// Invalid examples kept per kind.
const EXAMPLES_PER_KIND: usize = 5;
/// Group values listed by count; the rest are summed as `other`.
const TOP_GROUPS: usize = 20;
/// Distinct group values tracked; later new values go to `other` (a breakdown column has
/// few values; one with more is an id, and tracking it would grow without bound).
const MAX_TRACKED_GROUPS: usize = 10_000;

/// The quality report, serialized as one JSON object.
#[derive(Clone, Debug, Serialize)]
pub struct QualityReport {
    /// Data rows read (not counting the header).
    pub rows: u64,
    /// Records used: rows with a valid identifier, not suppressed, not a duplicate.
    pub records: u64,
    /// `text`, `xlsx`, `xls` or `ods`.
    pub format: FileFormat,
    /// Text encoding (`UTF-8`, `UTF-16LE`, `UTF-16BE`, `windows-1252`); null for a workbook.
    pub encoding: Option<&'static str>,
    /// Whether the text started with a byte order mark.
    pub bom: bool,
    /// The delimiter (`,` `;` `\t` `|`); null for a workbook.
    pub delimiter: Option<String>,
    /// Whether a row was read as the header.
    pub has_header: bool,
    /// The header's row number (null without a header).
    pub header_row: Option<u64>,
    /// Rows above the header or the data that were not read as data (an Excel `sep=`
    /// line, report titles), with their numbers, for the owner to check.
    pub skipped_rows: Vec<u64>,
    /// The sheet read, for a workbook.
    pub sheet: Option<String>,
    /// All sheets of a workbook.
    pub sheets: Vec<String>,
    /// Each column's name, role and confidence.
    pub columns: Vec<ColumnReport>,
    /// The match keys the columns form, in wire order (names and a postal code form
    /// `name_postal` only together with a country; see [`KeyPlan`]).
    pub keys: Vec<MatchKey>,
    /// Per match key, for every identifier cell of every non-blank row.
    pub by_key: BTreeMap<MatchKey, KeyStats>,
    /// Rows whose set of identifiers repeats an earlier row's.
    pub duplicate_records: u64,
    /// Distribution of the group column.
    pub group: Option<GroupReport>,
    /// The first few invalid values per key, with row and column (local only).
    pub invalid_examples: BTreeMap<MatchKey, Vec<InvalidExample>>,
    /// Rows with more or fewer fields than the header.
    pub ragged_rows: u64,
    /// Rows with bytes malformed in the detected encoding.
    pub encoding_error_rows: u64,
    /// Rows not used, by reason: `blank`, `no_valid_identifier`, `suppressed`,
    /// `duplicate_record`.
    pub unused_rows: BTreeMap<&'static str, u64>,
    /// Rows removed by the suppression list or the opt-out column.
    pub suppressed: u64,
    /// Things the owner should look at, in words.
    pub warnings: Vec<String>,
}

/// A column as the report shows it.
#[derive(Clone, Debug, Serialize)]
pub struct ColumnReport {
    /// Header (or `column N`).
    pub name: String,
    /// The role used.
    pub role: ColumnRole,
    /// Confidence of the role, 1.0 when chosen by the user.
    #[serde(serialize_with = "crate::ingest::roles::serialize_confidence")]
    pub confidence: f32,
    /// Why the column was or was not taken as an identifier.
    pub evidence: String,
    /// For a column whose role feeds a key or the country: what it is used for
    /// (`the email key`, `Postal code: used only together with first name, last name and
    /// country as the name + postal key`, `no key: names without a postal code`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_use: Option<String>,
}

/// Counts for one match key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct KeyStats {
    /// Cells that normalized.
    pub valid: u64,
    /// Cells the rules refused.
    pub invalid: u64,
    /// Empty cells.
    pub empty: u64,
    /// Valid values already seen in an earlier row.
    pub duplicate: u64,
    /// Phones without a country code, read in the row's or the default country.
    #[serde(skip_serializing_if = "is_zero")]
    pub assumed_country: u64,
    /// Integers a data tool wrote as decimals (`447700900123.0`), read as their digits.
    #[serde(skip_serializing_if = "is_zero")]
    pub decimal_integer: u64,
    /// Values in scientific notation (`4.477E+11`), refused: digits were lost.
    #[serde(skip_serializing_if = "is_zero")]
    pub scientific: u64,
    /// Four-digit postal codes in US rows (a dropped leading zero: `2100` for `02100`).
    #[serde(skip_serializing_if = "is_zero")]
    pub short_us_zip: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// An invalid value (shown only to the file's owner).
#[derive(Clone, Debug, Serialize)]
pub struct InvalidExample {
    /// Row number.
    pub row: u64,
    /// Column name.
    pub column: String,
    /// The value as read.
    pub value: String,
    /// The rule that refused it.
    pub reason: String,
}

/// How rows spread over the group column's values.
#[derive(Clone, Debug, Serialize)]
pub struct GroupReport {
    /// Column name.
    pub column: String,
    /// Distinct values seen (up to the tracking cap).
    pub distinct: u64,
    /// The most common values, most common first.
    pub values: Vec<GroupCount>,
    /// Rows in all other values.
    pub other: u64,
    /// Rows with an empty group cell.
    pub empty: u64,
    /// Why a match would refuse this column as a breakdown (it looks like an
    /// identifier: code `breakdown-identifier`), so a page can say so before anything is
    /// sent; `None` when it is fit. Decided on the tracked values, by the rule the run
    /// applies to the whole set.
    pub refused: Option<String>,
}

/// One group value and its row count.
#[derive(Clone, Debug, Serialize)]
pub struct GroupCount {
    /// The value.
    pub value: String,
    /// Rows having it.
    pub count: u64,
}

/// What happens to a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowOutcome {
    /// The record is used (blinded and matched).
    Used,
    /// Every cell is empty.
    Blank,
    /// No identifier cell is valid.
    NoValidIdentifier,
    /// On the suppression list or flagged in the opt-out column.
    Suppressed,
    /// The same identifiers as an earlier row: adds nothing to the match.
    DuplicateRecord,
}

impl RowOutcome {
    fn as_str(self) -> &'static str {
        match self {
            RowOutcome::Used => "used",
            RowOutcome::Blank => "blank",
            RowOutcome::NoValidIdentifier => "no_valid_identifier",
            RowOutcome::Suppressed => "suppressed",
            RowOutcome::DuplicateRecord => "duplicate_record",
        }
    }
}

/// Passes a digest prefix through as its own hash: digests are already uniform.
#[derive(Default)]
struct PrefixHasher(u64);

impl Hasher for PrefixHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)) ^ (self.0 >> 56);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// 64 bits per value: a collision among 10 million values has odds of about 3 in a
/// million, and it would only miscount one duplicate in a local report.
type Seen = HashSet<u64, BuildHasherDefault<PrefixHasher>>;

/// Folds all 32 bytes into 64 bits. Not just a prefix: a pre-hashed column may hold
/// values that are not real digests (test data, zero-padded ids) and share prefixes.
fn prefix(d: &[u8; 32]) -> u64 {
    let mut h = 0u64;
    for w in d.chunks_exact(8) {
        let w = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        // splitmix64's finalizer, applied per word
        h = (h ^ w).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h ^= h >> 31;
    }
    h
}

/// Reads rows into records and the quality report. See the [module documentation](self).
pub struct Inspector<D> {
    extractor: RecordExtractor<D>,
    suppression: Option<Suppression>,
    opt_out: Option<usize>,
    names: Vec<String>,
    report: QualityReport,
    default_country: Option<String>,
    name_postal_missing: Option<&'static str>,
    seen_keys: BTreeMap<MatchKey, Seen>,
    seen_records: Seen,
    groups: HashMap<String, u64>,
}

impl<D: Digester> Inspector<D> {
    /// An inspector for a file described by `sniff`, with the final `columns` (the guesses,
    /// possibly overridden by the user), hashing with `digester`. Rows whose header names
    /// an opt-out flag (`opt_out`, `unsubscribed`, `do_not_contact`, ...) with a truthy
    /// value are suppressed, as are rows sharing a key with `suppression`.
    ///
    /// # Errors
    /// [`IngestError::NoIdentifierColumn`] if no column feeds a match key,
    /// [`IngestError::NoUsableKey`] if only names or a postal code do (see [`KeyPlan`]).
    pub fn new(
        sniff: &Sniff,
        columns: &[ColumnGuess],
        digester: D,
        default_country: Option<&str>,
        group_column: Option<usize>,
        suppression: Option<Suppression>,
    ) -> Result<Inspector<D>, IngestError> {
        let roles: Vec<ColumnRole> = columns.iter().map(|c| c.role).collect();
        let extractor = RecordExtractor::new(&roles, digester, default_country, group_column)?;
        let plan = KeyPlan::new(&roles, default_country.is_some());
        let key_use = |i: usize| plan.columns.iter().find(|u| u.column == i).map(|u| u.note.clone());
        let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
        let opt_out = if sniff.has_header { opt_out_column(&sniff.headers) } else { None };
        let encoding = sniff.encoding.map(|e| e.encoding.as_str());
        let report = QualityReport {
            rows: 0,
            records: 0,
            format: sniff.format,
            encoding,
            bom: sniff.encoding.is_some_and(|e| e.bom),
            delimiter: sniff.delimiter.map(String::from),
            has_header: sniff.has_header,
            header_row: sniff.header_row,
            skipped_rows: sniff.skipped.iter().map(|r| r.number).collect(),
            sheet: sniff.sheet.clone(),
            sheets: sniff.sheets.clone(),
            columns: columns
                .iter()
                .enumerate()
                .map(|(i, c)| ColumnReport {
                    name: c.name.clone(),
                    role: c.role,
                    confidence: c.confidence,
                    evidence: c.evidence.clone(),
                    key_use: key_use(i),
                })
                .collect(),
            keys: plan.keys.clone(),
            by_key: BTreeMap::new(),
            duplicate_records: 0,
            group: group_column.map(|c| GroupReport {
                column: names.get(c).cloned().unwrap_or_default(),
                distinct: 0,
                values: Vec::new(),
                other: 0,
                empty: 0,
                refused: None,
            }),
            invalid_examples: BTreeMap::new(),
            ragged_rows: 0,
            encoding_error_rows: 0,
            unused_rows: BTreeMap::new(),
            suppressed: 0,
            warnings: Vec::new(),
        };
        Ok(Inspector {
            extractor,
            suppression,
            opt_out,
            names,
            report,
            default_country: default_country.map(str::to_ascii_uppercase),
            name_postal_missing: plan.name_postal_missing,
            seen_keys: BTreeMap::new(),
            seen_records: Seen::default(),
            groups: HashMap::new(),
        })
    }

    /// Reads one row: returns its record and whether it is used. Only a
    /// [`RowOutcome::Used`] record may be blinded.
    pub fn add(&mut self, row: &Row) -> (RowOutcome, Record) {
        self.report.rows += 1;
        let ex = self.extractor.extract(&row.fields);
        let outcome = self.classify(row, &ex);
        if outcome == RowOutcome::Used {
            self.report.records += 1;
            self.count_group(ex.record.group.as_deref());
        } else {
            *self.report.unused_rows.entry(outcome.as_str()).or_default() += 1;
        }
        (outcome, ex.record)
    }

    fn classify(&mut self, row: &Row, ex: &Extracted) -> RowOutcome {
        if row.fields.iter().all(|f| f.trim().is_empty()) {
            return RowOutcome::Blank;
        }
        self.count_keys(row, ex);
        if ex.record.keys.is_empty() {
            return RowOutcome::NoValidIdentifier;
        }
        let opted_out = self.opt_out.and_then(|c| row.fields.get(c)).is_some_and(|v| is_truthy(v));
        if opted_out || self.suppression.as_ref().is_some_and(|s| s.contains(&ex.record)) {
            self.report.suppressed += 1;
            return RowOutcome::Suppressed;
        }
        if !self.seen_records.insert(record_fingerprint(&ex.record)) {
            self.report.duplicate_records += 1;
            return RowOutcome::DuplicateRecord;
        }
        RowOutcome::Used
    }

    fn count_keys(&mut self, row: &Row, ex: &Extracted) {
        for check in &ex.checks {
            let stats = self.report.by_key.entry(check.key).or_default();
            match &check.status {
                KeyStatus::Valid => stats.valid += 1,
                KeyStatus::Empty => stats.empty += 1,
                KeyStatus::Invalid(why) => {
                    stats.invalid += 1;
                    let examples = self.report.invalid_examples.entry(check.key).or_default();
                    if examples.len() < EXAMPLES_PER_KIND {
                        examples.push(InvalidExample {
                            row: row.number,
                            column: self.names.get(check.column).cloned().unwrap_or_default(),
                            value: row.fields.get(check.column).cloned().unwrap_or_default(),
                            reason: why.to_string(),
                        });
                    }
                }
            }
            if check.assumed_country && check.status != KeyStatus::Empty {
                stats.assumed_country += 1;
            }
            match check.note {
                None => {}
                Some(CellNote::DecimalInteger) => stats.decimal_integer += 1,
                Some(CellNote::Scientific) => stats.scientific += 1,
                Some(CellNote::ShortUsZip) => stats.short_us_zip += 1,
            }
        }
        for (key, digest) in &ex.record.keys {
            // A set per key: each grows (and rehashes) on its own, which keeps the peak
            // lower than one set of all keys would.
            if !self.seen_keys.entry(*key).or_default().insert(prefix(digest)) {
                self.report.by_key.entry(*key).or_default().duplicate += 1;
            }
        }
    }

    fn count_group(&mut self, value: Option<&str>) {
        let Some(report) = &mut self.report.group else { return };
        match value {
            None => report.empty += 1,
            Some(v) => {
                if let Some(n) = self.groups.get_mut(v) {
                    *n += 1;
                } else if self.groups.len() < MAX_TRACKED_GROUPS {
                    self.groups.insert(v.to_owned(), 1);
                } else {
                    report.other += 1;
                }
            }
        }
    }

    /// The finished report; `stats` are the reader's counts.
    pub fn finish(mut self, stats: &ReadStats) -> QualityReport {
        self.report.ragged_rows = stats.ragged_rows;
        self.report.encoding_error_rows = stats.encoding_error_rows;
        if let Some(g) = &mut self.report.group {
            let mut values: Vec<(String, u64)> = self.groups.into_iter().collect();
            values.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let labels: Vec<String> = values.iter().map(|(v, _)| v.clone()).collect();
            let counts: Vec<u32> = values.iter().map(|(_, n)| u32::try_from(*n).unwrap_or(u32::MAX)).collect();
            g.refused = crate::psi::check_breakdown(&labels, &counts).err().map(|e| e.to_string());
            g.distinct = values.len() as u64;
            g.other += values.iter().skip(TOP_GROUPS).map(|(_, n)| n).sum::<u64>();
            g.values = values.into_iter().take(TOP_GROUPS).map(|(value, count)| GroupCount { value, count }).collect();
        }
        self.report.warnings = warnings(&self.report, stats, self.default_country.as_deref());
        if let Some(why) = self.name_postal_missing {
            self.report.warnings.push(format!(
                "no name + postal key: {why}; a name or a postal code alone is not a key, so those columns are not matched"
            ));
        }
        self.report
    }
}

/// 64 bits standing for one (key, digest) pair.
fn key_fingerprint(key: MatchKey, digest: &[u8; 32]) -> u64 {
    prefix(digest) ^ (key as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// An order-independent fingerprint of a record's keys.
fn record_fingerprint(record: &Record) -> u64 {
    let mut keys: Vec<u64> = record.keys.iter().map(|(k, d)| key_fingerprint(*k, d)).collect();
    keys.sort_unstable();
    keys.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, k| (h ^ k).wrapping_mul(0x0100_0000_01b3).rotate_left(31))
}

fn percent(part: u64, whole: u64) -> u64 {
    (part * 100 + whole / 2).checked_div(whole).unwrap_or(0)
}

fn warnings(r: &QualityReport, stats: &ReadStats, default_country: Option<&str>) -> Vec<String> {
    let mut w = Vec::new();
    if r.rows == 0 {
        w.push("the file has a header but no data rows".to_owned());
    }
    if r.encoding == Some("windows-1252") {
        w.push("the file is not UTF-8; it was read as Windows-1252 (Western European)".to_owned());
    }
    if stats.encoding_error_rows > 0 {
        w.push(format!(
            "{} rows have bytes that are not valid {} (first: row {}); the file may mix encodings",
            stats.encoding_error_rows,
            r.encoding.unwrap_or("text"),
            stats.first_encoding_error_row.unwrap_or(0)
        ));
    }
    if let (Some(first), Some(last)) = (r.skipped_rows.first(), r.skipped_rows.last()) {
        let rows = if first == last { format!("row {first}") } else { format!("rows {first} to {last}") };
        w.push(match r.header_row {
            Some(h) => format!(
                "{rows} above the header (row {h}) were skipped as titles; choose another header row if that is wrong"
            ),
            None => format!("{rows} were skipped (an Excel sep= line or titles)"),
        });
    }
    if stats.ragged_rows > 0 {
        w.push(format!(
            "{} rows have a different number of fields than the header (first: row {}); an unquoted delimiter inside a value?",
            stats.ragged_rows,
            stats.first_ragged_row.unwrap_or(0)
        ));
    }
    for c in &r.columns {
        if c.role.key().is_some() && c.confidence < 0.6 {
            w.push(format!(
                "column {:?} was read as {} with low confidence ({:.2}); check it",
                c.name,
                c.role.as_str(),
                c.confidence
            ));
        }
    }
    if let Some(p) = r.by_key.get(&MatchKey::Phone) {
        let present = p.valid + p.invalid;
        let share = percent(p.assumed_country, present);
        if p.assumed_country > 0 && share >= 5 {
            w.push(match default_country {
                Some(cc) => {
                    format!("{share}% of phones have no country code; assumed {cc} unless the row has a country")
                }
                None => format!(
                    "{share}% of phones have no country code and no default country was given (--default-country)"
                ),
            });
        }
    }
    for (kind, s) in &r.by_key {
        if s.decimal_integer > 0 {
            w.push(format!(
                "{} {kind} values were written as decimals (like 447700900123.0, as pandas and csvkit write numbers); read as their integer digits",
                s.decimal_integer
            ));
        }
        if s.scientific > 0 {
            w.push(format!(
                "{} {kind} values are in scientific notation (like 4.477E+11) and cannot be used: digits were lost; export the column as text",
                s.scientific
            ));
        }
        if s.short_us_zip > 0 {
            w.push(format!(
                "{} US postal codes have 4 digits: a leading zero was probably dropped by a spreadsheet (2100 for 02100); they will not match until fixed",
                s.short_us_zip
            ));
        }
        let share = percent(s.invalid, s.valid + s.invalid);
        if s.invalid > 0 && share >= 10 {
            w.push(format!("{share}% of {kind} values are invalid; see invalid_examples"));
        }
    }
    if r.duplicate_records > 0 {
        w.push(format!("{} rows repeat an earlier row's identifiers and are counted once", r.duplicate_records));
    }
    if let Some(g) = &r.group {
        if g.distinct >= MAX_TRACKED_GROUPS as u64 {
            w.push(format!(
                "group column {:?} has over {MAX_TRACKED_GROUPS} distinct values; breakdowns need a column with few",
                g.column
            ));
        }
    }
    w
}

#[cfg(test)]
mod tests;
