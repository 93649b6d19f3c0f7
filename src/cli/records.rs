//! Reading a customer file into the records a native party blinds, and writing its
//! matched rows back out, through the core's [`crate::loader`].

use crate::export::AudienceFormat;
use crate::ingest::IngestError;
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

/// A file's error as the command line prints it: the file, the message and the stable
/// code in brackets (the same code the page and the npm API report).
fn file_error(path: &Path, e: &IngestError) -> String {
    format!("{}: {e} [{}]", path.display(), e.code())
}

/// Streams `path` into `push` in 1 MiB reads.
fn stream(path: &Path, mut push: impl FnMut(&[u8]) -> Result<(), IngestError>) -> Result<(), String> {
    let mut file = File::open(path).map_err(|e| format!("{}: cannot read: {e} [unreadable-file]", path.display()))?;
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("{}: cannot read: {e} [unreadable-file]", path.display())),
        };
        push(&buf[..n]).map_err(|e| file_error(path, &e))?;
    }
}

/// Reads the whole file through the core; with `keep_records` false only the quality
/// report is computed.
///
/// # Errors
/// A message naming the file and what was wrong with it.
pub fn read(file: &Path, preset: &str, options: LoadOptions, suppress: Option<&Path>, keep_records: bool) -> Result<Loaded, String> {
    let preset = Preset::named(preset).ok_or_else(|| format!("unknown preset {preset:?}; valid presets: {}", Preset::NAMES.join(", ")))?;
    let suppression = match suppress {
        Some(path) => {
            let mut l = SuppressionLoader::new(preset.clone(), options.default_country.clone());
            stream(path, |c| l.push(c))?;
            Some(l.finish().map_err(|e| file_error(path, &e))?)
        }
        None => None,
    };
    let mut loader = Loader::new(preset, options, suppression);
    if !keep_records {
        loader = loader.report_only();
    }
    stream(file, |c| loader.push(c))?;
    loader.finish().map_err(|e| file_error(file, &e))
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
