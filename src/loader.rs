//! From a customer file's bytes to the records a side blinds, in one pass: the glue the
//! browser worker and the command line share.
//!
//! [`Loader`] streams chunks through [`Ingest`], applies the chosen column roles, the
//! preset and the suppression list through the quality [`Inspector`], and keeps every
//! usable record in an [`OwnSet`] (about 40 bytes plus 32 per identifier). After the
//! match, [`RowPicker`] streams the same file again and writes out the matched rows.

use crate::export::{csv_line, AudienceFormat, AudienceWriter};
use crate::ingest::roles::{apply_overrides, find_column};
use crate::ingest::{Ingest, IngestError, IngestOptions, Row, Suppression};
use crate::normalize::Preset;
use crate::psi::OwnSet;
use crate::quality::{Inspector, QualityReport, RowOutcome};

/// How to read the file.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Column role overrides, `name=role,...` (names or 1-based numbers).
    pub columns: Option<String>,
    /// The breakdown column (name or 1-based number).
    pub group: Option<String>,
    /// Country for phone numbers written without a country code.
    pub default_country: Option<String>,
    /// A workbook's sheet (default: the first).
    pub sheet: Option<String>,
    /// The header's 1-based row number; `Some(0)` for a file without one; `None` detects
    /// title lines and the header (see [`IngestOptions::header_row`]).
    pub header_row: Option<u64>,
}

impl LoadOptions {
    fn ingest(&self) -> IngestOptions {
        IngestOptions { sheet: self.sheet.clone(), header_row: self.header_row, ..IngestOptions::default() }
    }
}

/// A file read into records.
pub struct Loaded {
    /// The usable records, with every key the file holds.
    pub set: OwnSet,
    /// The local quality report.
    pub report: QualityReport,
}

/// Reads one file. Feed it chunks, then [`Loader::finish`].
pub struct Loader {
    ingest: Ingest,
    preset: Preset,
    options: LoadOptions,
    suppression: Option<Suppression>,
    inspector: Option<Inspector<Preset>>,
    set: OwnSet,
    keep: bool,
}

impl Loader {
    /// A loader hashing with `preset`, removing records that share an identifier with
    /// `suppression`.
    pub fn new(preset: Preset, options: LoadOptions, suppression: Option<Suppression>) -> Loader {
        let ingest = Ingest::new(options.ingest());
        Loader { ingest, preset, options, suppression, inspector: None, set: OwnSet::new(), keep: true }
    }

    /// Computes the quality report only, keeping no records (for `inspect`).
    pub fn report_only(mut self) -> Loader {
        self.keep = false;
        self
    }

    /// Feeds the next chunk of the file.
    ///
    /// # Errors
    /// The first [`IngestError`]: unreadable file, a limit exceeded, an unknown column in
    /// the options, no identifier column.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), IngestError> {
        self.ingest.push(chunk)?;
        self.drain()
    }

    fn drain(&mut self) -> Result<(), IngestError> {
        if self.inspector.is_none() {
            let Some(sniff) = self.ingest.sniff() else { return Ok(()) };
            let mut columns = sniff.columns.clone();
            if let Some(spec) = &self.options.columns {
                apply_overrides(&mut columns, spec)?;
            }
            let group = match &self.options.group {
                Some(name) => {
                    Some(find_column(&columns, name).ok_or_else(|| IngestError::UnknownColumn { name: name.clone() })?)
                }
                None => None,
            };
            self.inspector = Some(Inspector::new(
                sniff,
                &columns,
                self.preset.clone(),
                self.options.default_country.as_deref(),
                group,
                self.suppression.take(),
            )?);
        }
        if let Some(inspector) = &mut self.inspector {
            while let Some(row) = self.ingest.next_row() {
                let (outcome, record) = inspector.add(&row);
                if self.keep && outcome == RowOutcome::Used {
                    let keys: Vec<(usize, [u8; 32])> = record.keys.iter().map(|(k, d)| (*k as usize, *d)).collect();
                    let number = u32::try_from(row.number).unwrap_or(u32::MAX);
                    self.set.add(number, record.group.as_deref(), &keys, u8::MAX);
                }
            }
        }
        Ok(())
    }

    /// What the start of the file says, once known.
    pub fn sniff(&self) -> Option<&crate::ingest::Sniff> {
        self.ingest.sniff()
    }

    /// Rows read so far, for progress.
    pub fn rows_read(&self) -> u64 {
        self.ingest.stats().rows
    }

    /// Ends the file.
    ///
    /// # Errors
    /// [`IngestError::EmptyFile`] if nothing was read, or what [`Loader::push`] returns.
    /// The sniff stays readable afterwards, also when this fails (e.g. no identifier
    /// column), so a caller can show the file and let the user fix the roles.
    pub fn finish(&mut self) -> Result<Loaded, IngestError> {
        self.ingest.finish()?;
        self.drain()?;
        let inspector = self.inspector.take().ok_or(IngestError::EmptyFile)?;
        let report = inspector.finish(self.ingest.stats());
        Ok(Loaded { set: core::mem::take(&mut self.set), report })
    }
}

/// Reads a suppression file: every valid identifier in whatever identifier columns its
/// guessed roles find. Feed chunks, then [`SuppressionLoader::finish`].
pub struct SuppressionLoader {
    ingest: Ingest,
    preset: Preset,
    default_country: Option<String>,
    extractor: Option<crate::ingest::RecordExtractor<Preset>>,
    list: Suppression,
}

impl SuppressionLoader {
    /// A loader hashing with `preset`.
    pub fn new(preset: Preset, default_country: Option<String>) -> SuppressionLoader {
        SuppressionLoader {
            ingest: Ingest::new(IngestOptions::default()),
            preset,
            default_country,
            extractor: None,
            list: Suppression::new(),
        }
    }

    /// Feeds the next chunk.
    ///
    /// # Errors
    /// As [`Loader::push`].
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), IngestError> {
        self.ingest.push(chunk)?;
        self.drain()
    }

    fn drain(&mut self) -> Result<(), IngestError> {
        if self.extractor.is_none() {
            let Some(sniff) = self.ingest.sniff() else { return Ok(()) };
            let roles: Vec<_> = sniff.columns.iter().map(|c| c.role).collect();
            self.extractor = Some(crate::ingest::RecordExtractor::new(
                &roles,
                self.preset.clone(),
                self.default_country.as_deref(),
                None,
            )?);
        }
        if let Some(ex) = &self.extractor {
            while let Some(row) = self.ingest.next_row() {
                self.list.insert(&ex.extract(&row.fields).record);
            }
        }
        Ok(())
    }

    /// Ends the file.
    ///
    /// # Errors
    /// As [`Loader::finish`].
    pub fn finish(mut self) -> Result<Suppression, IngestError> {
        self.ingest.finish()?;
        self.drain()?;
        Ok(self.list)
    }
}

/// Streams a file again and keeps the rows whose numbers were matched, as CSV lines
/// (header first): the file's own columns, or a platform's upload layout
/// ([`AudienceFormat`]). The file is read with the same options as when it was loaded, so
/// row numbers, header and column roles are the same.
pub struct RowPicker {
    ingest: Ingest,
    options: LoadOptions,
    format: AudienceFormat,
    writer: Option<AudienceWriter>,
    wanted: Vec<u32>,
    next: usize,
    out: Vec<u8>,
    written: usize,
}

impl RowPicker {
    /// A picker for `rows` (row numbers as the loader recorded them, ascending), reading
    /// with the `options` the file was loaded with and writing `format`.
    pub fn new(rows: Vec<u32>, options: LoadOptions, format: AudienceFormat) -> RowPicker {
        let ingest = Ingest::new(options.ingest());
        RowPicker { ingest, options, format, writer: None, wanted: rows, next: 0, out: Vec::new(), written: 0 }
    }

    /// Feeds the next chunk; CSV accumulates for [`RowPicker::take_output`].
    ///
    /// # Errors
    /// As [`Loader::push`].
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), IngestError> {
        self.ingest.push(chunk)?;
        self.drain()
    }

    fn drain(&mut self) -> Result<(), IngestError> {
        if self.writer.is_none() {
            let Some(sniff) = self.ingest.sniff() else { return Ok(()) };
            let mut columns = sniff.columns.clone();
            if let Some(spec) = &self.options.columns {
                apply_overrides(&mut columns, spec)?;
            }
            let roles: Vec<_> = columns.iter().map(|c| c.role).collect();
            let writer = AudienceWriter::new(self.format, &roles, self.options.default_country.as_deref());
            if !writer.is_plain() {
                self.out.extend_from_slice(csv_line(&writer.header()).as_bytes());
            } else if sniff.has_header {
                self.out.extend_from_slice(csv_line(&sniff.headers).as_bytes());
            }
            self.writer = Some(writer);
        }
        while let Some(row) = self.ingest.next_row() {
            self.pick(&row);
        }
        Ok(())
    }

    fn pick(&mut self, row: &Row) {
        while self.wanted.get(self.next).is_some_and(|r| u64::from(*r) < row.number) {
            self.next += 1;
        }
        if self.wanted.get(self.next).is_some_and(|r| u64::from(*r) == row.number) {
            let line = match &self.writer {
                Some(w) if !w.is_plain() => csv_line(&w.row(&row.fields)),
                _ => csv_line(&row.fields),
            };
            self.out.extend_from_slice(line.as_bytes());
            self.written += 1;
        }
    }

    /// CSV produced so far (taken, so memory stays bounded while streaming).
    pub fn take_output(&mut self) -> Vec<u8> {
        core::mem::take(&mut self.out)
    }

    /// Ends the file; returns the number of data rows written.
    ///
    /// # Errors
    /// As [`Loader::finish`].
    pub fn finish(&mut self) -> Result<usize, IngestError> {
        self.ingest.finish()?;
        self.drain()?;
        Ok(self.written)
    }
}
