//! Reading a customer file into the records a native party blinds, and writing its
//! matched rows back out.

use super::inspect::{read_file, read_suppression};
use crate::export::csv_line;
use crate::ingest::roles::{apply_overrides, find_column};
use crate::ingest::{IngestError, Sniff};
use crate::normalize::Preset;
use crate::psi::OwnSet;
use crate::quality::{Inspector, QualityReport, RowOutcome};
use std::io::Write;
use std::path::PathBuf;

/// How to read the file.
pub struct LoadOptions {
    /// The file.
    pub file: PathBuf,
    /// Normalization preset name.
    pub preset: String,
    /// Country for phone numbers without a country code.
    pub default_country: Option<String>,
    /// Column role overrides, `name=role,...`.
    pub columns: Option<String>,
    /// Breakdown column.
    pub group: Option<String>,
    /// Suppression file.
    pub suppress: Option<PathBuf>,
    /// Workbook sheet.
    pub sheet: Option<String>,
}

/// A file read into records, with its quality report.
pub struct LoadedFile {
    set: OwnSet,
    report: QualityReport,
    file: PathBuf,
    sheet: Option<String>,
}

/// Reads the whole file through the core.
///
/// # Errors
/// A message naming the file and what was wrong with it.
pub fn load(opts: &LoadOptions) -> Result<LoadedFile, String> {
    let preset = Preset::named(&opts.preset)
        .ok_or_else(|| format!("unknown preset {:?}; valid presets: {}", opts.preset, Preset::NAMES.join(", ")))?;
    let mut suppression = match &opts.suppress {
        Some(path) => Some(
            read_suppression(path, &preset, opts.default_country.as_deref())
                .map_err(|e| format!("{}: {e}", path.display()))?,
        ),
        None => None,
    };
    let setup = |sniff: &Sniff| {
        let mut columns = sniff.columns.clone();
        if let Some(spec) = &opts.columns {
            apply_overrides(&mut columns, spec)?;
        }
        let group = match &opts.group {
            Some(name) => Some(find_column(&columns, name).ok_or_else(|| IngestError::UnknownColumn { name: name.clone() })?),
            None => None,
        };
        let inspector = Inspector::new(sniff, &columns, preset.clone(), opts.default_country.as_deref(), group, suppression.take())?;
        Ok((inspector, OwnSet::new()))
    };
    let (ingest, state) = read_file(&opts.file, opts.sheet.as_deref(), setup, |(inspector, set), row| {
        let (outcome, record) = inspector.add(row);
        if outcome == RowOutcome::Used {
            let keys: Vec<(usize, [u8; 32])> = record.keys.iter().map(|(k, d)| (*k as usize, *d)).collect();
            let row = u32::try_from(row.number).unwrap_or(u32::MAX);
            set.add(row, record.group.as_deref(), &keys, u8::MAX);
        }
    })
    .map_err(|e| format!("{}: {e}", opts.file.display()))?;
    let (inspector, set) = state.ok_or_else(|| format!("{}: {}", opts.file.display(), IngestError::EmptyFile))?;
    let report = inspector.finish(ingest.stats());
    if set.is_empty() {
        return Err(format!(
            "{}: no usable record (rows {}, none with a valid identifier); check the column roles with `cleanmatch inspect`",
            opts.file.display(),
            report.rows
        ));
    }
    Ok(LoadedFile { set, report, file: opts.file.clone(), sheet: opts.sheet.clone() })
}

impl LoadedFile {
    /// The match keys the file holds.
    pub fn held_keys(&self) -> Vec<String> {
        self.set.held_keys()
    }

    /// The records, limited to the agreed keys.
    pub fn own_set(&self, keys: &[String]) -> OwnSet {
        self.set.restricted(keys)
    }

    /// One line for stderr.
    pub fn summary(&self) -> String {
        let kinds: Vec<String> = self.report.kinds.iter().map(|(k, s)| format!("{k} {} valid", s.valid)).collect();
        format!(
            "{} rows read, {} records usable ({}); {} suppressed",
            self.report.rows,
            self.set.len(),
            kinds.join(", "),
            self.report.suppressed
        )
    }

    /// Writes the header (if any) and the rows numbered in `rows` (ascending) to `path`
    /// as CSV. Returns how many data rows were written.
    ///
    /// # Errors
    /// A message if the file cannot be read again or the output written.
    pub fn write_rows(&self, path: &std::path::Path, rows: &[u32]) -> Result<usize, String> {
        let out = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut out = std::io::BufWriter::new(out);
        let mut written = 0usize;
        let mut failed = None;
        let setup = |sniff: &Sniff| {
            Ok(if sniff.has_header { Some(csv_line(&sniff.headers)) } else { None })
        };
        let mut wanted = rows.iter().peekable();
        read_file(&self.file, self.sheet.as_deref(), setup, |header, row| {
            if let Some(h) = header.take() {
                if let Err(e) = out.write_all(h.as_bytes()) {
                    failed = Some(e.to_string());
                }
            }
            while wanted.peek().is_some_and(|r| u64::from(**r) < row.number) {
                wanted.next();
            }
            if wanted.peek().is_some_and(|r| u64::from(**r) == row.number) {
                if let Err(e) = out.write_all(csv_line(&row.fields).as_bytes()) {
                    failed = Some(e.to_string());
                }
                written += 1;
            }
        })
        .map_err(|e| format!("{}: {e}", self.file.display()))?;
        out.flush().map_err(|e| e.to_string())?;
        match failed {
            Some(e) => Err(format!("{}: {e}", path.display())),
            None => Ok(written),
        }
    }
}
