//! Reading a customer file into the records a native party blinds, and writing its
//! matched rows back out, through the core's [`crate::loader`].

use crate::export::AudienceFormat;
use crate::ingest::{IngestError, Suppression};
use crate::loader::{LoadOptions, Loaded, Loader, RowPicker, SuppressionLoader};
use crate::normalize::Preset;
use crate::psi::OwnSet;
use crate::quality::QualityReport;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Bytes per read.
const CHUNK: usize = 1 << 20;

/// A file read into records, with its quality report.
pub struct LoadedFile {
    set: OwnSet,
    report: QualityReport,
    file: PathBuf,
    options: LoadOptions,
}

/// A file that could not be read: the stable code (an [`IngestError`] code, or
/// `unreadable-file`, `unknown-preset`) and a message naming the file. The command line
/// prints `message [code]`; the Python package raises both. No identifier in either.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileError {
    /// Stable code, as the page and the npm API report.
    pub code: &'static str,
    /// What was wrong, naming the file.
    pub message: String,
}

impl FileError {
    fn ingest(path: &Path, e: &IngestError) -> FileError {
        FileError { code: e.code(), message: format!("{}: {e}", path.display()) }
    }

    fn io(path: &Path, e: &io::Error) -> FileError {
        FileError { code: "unreadable-file", message: format!("{}: cannot read: {e}", path.display()) }
    }
}

impl core::fmt::Display for FileError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} [{}]", self.message, self.code)
    }
}

impl From<FileError> for String {
    fn from(e: FileError) -> String {
        e.to_string()
    }
}

/// Streams `path` into `push` in 1 MiB reads.
fn stream(path: &Path, mut push: impl FnMut(&[u8]) -> Result<(), IngestError>) -> Result<(), FileError> {
    let mut file = File::open(path).map_err(|e| FileError::io(path, &e))?;
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(FileError::io(path, &e)),
        };
        push(&buf[..n]).map_err(|e| FileError::ingest(path, &e))?;
    }
}

/// The preset named `name`.
///
/// # Errors
/// `unknown-preset`, listing the valid names.
pub fn preset(name: &str) -> Result<Preset, FileError> {
    Preset::named(name).ok_or_else(|| FileError {
        code: "unknown-preset",
        message: format!("unknown preset {name:?}; valid presets: {}", Preset::NAMES.join(", ")),
    })
}

/// Reads a suppression (opt-out) file: every valid identifier in its guessed columns.
///
/// # Errors
/// As [`read`].
pub fn read_suppression(path: &Path, preset: &Preset, default_country: Option<String>) -> Result<Suppression, FileError> {
    let mut l = SuppressionLoader::new(preset.clone(), default_country);
    stream(path, |c| l.push(c))?;
    l.finish().map_err(|e| FileError::ingest(path, &e))
}

/// Reads the whole file through the core; with `keep_records` false only the quality
/// report is computed. Shared by the command line and the Python package.
///
/// # Errors
/// A [`FileError`] naming the file, what was wrong with it and its code.
pub fn read(file: &Path, preset_name: &str, options: LoadOptions, suppress: Option<&Path>, keep_records: bool) -> Result<Loaded, FileError> {
    let preset = preset(preset_name)?;
    let suppression = match suppress {
        Some(path) => Some(read_suppression(path, &preset, options.default_country.clone())?),
        None => None,
    };
    let mut loader = Loader::new(preset, options, suppression);
    if !keep_records {
        loader = loader.report_only();
    }
    stream(file, |c| loader.push(c))?;
    loader.finish().map_err(|e| FileError::ingest(file, &e))
}

/// Reads the whole file into records for a match.
///
/// # Errors
/// As [`read`], and when no record is usable.
pub fn load(file: &Path, preset: &str, options: LoadOptions, suppress: Option<&Path>) -> Result<LoadedFile, String> {
    let kept = options.clone();
    let loaded = read(file, preset, options, suppress, true)?;
    if loaded.set.is_empty() {
        return Err(format!(
            "{}: no usable record among {} rows; check the column roles with `cleanmatch inspect`",
            file.display(),
            loaded.report.rows
        ));
    }
    Ok(LoadedFile { set: loaded.set, report: loaded.report, file: file.to_path_buf(), options: kept })
}

impl LoadedFile {
    /// The match keys the file holds.
    pub fn held_keys(&self) -> crate::psi::KeyMask {
        self.set.held_keys()
    }

    /// Takes the records, with every key the file holds
    /// ([`crate::session::Session::start`] cuts them to the agreed keys). Afterwards
    /// the file holds no records.
    pub fn take_set(&mut self) -> OwnSet {
        std::mem::take(&mut self.set)
    }

    /// One line for stderr.
    pub fn summary(&self) -> String {
        let kinds: Vec<String> = self.report.by_key.iter().map(|(k, s)| format!("{k} {} valid", s.valid)).collect();
        format!(
            "{} rows read, {} records usable ({}); {} suppressed",
            self.report.rows,
            self.set.len(),
            kinds.join(", "),
            self.report.suppressed
        )
    }

    /// Writes the header (if any) and the rows numbered in `rows` (ascending) to `path`
    /// as CSV in `format`. Returns how many data rows were written.
    ///
    /// # Errors
    /// A message if the file cannot be read again or the output written.
    pub fn write_rows(&self, path: &Path, rows: &[u32], format: AudienceFormat) -> Result<usize, String> {
        write_rows(&self.file, &self.options, path, rows, format)
    }
}

/// Reads `file` again (with the `options` it was loaded with) and writes its header (if
/// any) and the rows numbered in `rows` (ascending) to `path` as CSV in `format`.
/// Returns how many data rows were written. Shared by the command line and the Python
/// driver.
///
/// # Errors
/// A message if the file cannot be read again or the output written.
pub fn write_rows(file: &Path, options: &LoadOptions, path: &Path, rows: &[u32], format: AudienceFormat) -> Result<usize, String> {
    let out = File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = io::BufWriter::new(out);
    let mut picker = RowPicker::new(rows.to_vec(), options.clone(), format);
    let mut write_err = None;
    stream(file, |c| {
        picker.push(c)?;
        if let Err(e) = out.write_all(&picker.take_output()) {
            write_err = Some(e);
        }
        Ok::<(), crate::ingest::IngestError>(())
    })?;
    let n = picker.finish().map_err(|e| format!("{}: {e}", file.display()))?;
    out.write_all(&picker.take_output()).map_err(|e| format!("{}: {e}", path.display()))?;
    out.flush().map_err(|e| format!("{}: {e}", path.display()))?;
    match write_err {
        Some(e) => Err(format!("{}: {e}", path.display())),
        None => Ok(n),
    }
}
