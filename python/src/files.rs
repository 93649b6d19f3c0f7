//! Reading a customer file the way `cleanmatch inspect` and `cleanmatch match` do: the
//! core's [`Loader`] in 1 MiB reads, with the same messages (`FILE: what is wrong`) and
//! a stable code on each error.

use crate::errors::{error, ingest_code};
use crate::records::RecordSet;
use cleanmatch::ingest::Suppression;
use cleanmatch::loader::{LoadOptions, Loaded, Loader, SuppressionLoader};
use cleanmatch::normalize::Preset;
use pyo3::prelude::*;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Bytes per read, as the command line.
const CHUNK: usize = 1 << 20;

fn stream<E>(
    path: &Path,
    mut push: impl FnMut(&[u8]) -> Result<(), E>,
    code: impl Fn(&E) -> &'static str,
) -> PyResult<()>
where
    E: core::fmt::Display,
{
    let mut file = File::open(path).map_err(|e| {
        error(
            "unreadable-file",
            format!("{}: cannot read: {e}", path.display()),
        )
    })?;
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(error(
                    "unreadable-file",
                    format!("{}: cannot read: {e}", path.display()),
                ))
            }
        };
        push(&buf[..n]).map_err(|e| error(code(&e), format!("{}: {e}", path.display())))?;
    }
}

/// The preset by name, or the command line's message.
pub fn preset(name: &str) -> PyResult<Preset> {
    Preset::named(name).ok_or_else(|| {
        error(
            "unknown-preset",
            format!(
                "unknown preset {name:?}; valid presets: {}",
                Preset::NAMES.join(", ")
            ),
        )
    })
}

/// Reads a suppression (opt-out) file: every valid identifier in its guessed columns.
pub fn read_suppression(
    path: &Path,
    preset: &Preset,
    default_country: Option<String>,
) -> PyResult<Suppression> {
    let mut l = SuppressionLoader::new(preset.clone(), default_country);
    stream(path, |c| l.push(c), ingest_code)?;
    l.finish()
        .map_err(|e| error(ingest_code(&e), format!("{}: {e}", path.display())))
}

/// Reads a whole file through the core (see `cleanmatch::cli::records::read`).
pub fn read(
    file: &Path,
    preset_name: &str,
    options: LoadOptions,
    suppress: Option<&Path>,
    keep: bool,
) -> PyResult<Loaded> {
    let preset = preset(preset_name)?;
    let suppression = match suppress {
        Some(path) => Some(read_suppression(
            path,
            &preset,
            options.default_country.clone(),
        )?),
        None => None,
    };
    let mut loader = Loader::new(preset, options, suppression);
    if !keep {
        loader = loader.report_only();
    }
    stream(file, |c| loader.push(c), ingest_code)?;
    loader
        .finish()
        .map_err(|e| error(ingest_code(&e), format!("{}: {e}", file.display())))
}

fn options(
    default_country: Option<String>,
    columns: Option<String>,
    group: Option<String>,
    sheet: Option<String>,
    header_row: Option<u64>,
) -> LoadOptions {
    LoadOptions {
        columns,
        group,
        default_country,
        sheet,
        header_row,
    }
}

/// The local quality report of a file, as the JSON text `cleanmatch inspect` prints.
#[pyfunction]
#[pyo3(signature = (path, preset="uid2", default_country=None, columns=None, group=None, suppress=None, sheet=None, header_row=None))]
#[allow(clippy::too_many_arguments)]
pub fn inspect(
    py: Python<'_>,
    path: PathBuf,
    preset: &str,
    default_country: Option<String>,
    columns: Option<String>,
    group: Option<String>,
    suppress: Option<PathBuf>,
    sheet: Option<String>,
    header_row: Option<u64>,
) -> PyResult<String> {
    let opts = options(default_country, columns, group, sheet, header_row);
    let loaded = py.detach(|| read(&path, preset, opts, suppress.as_deref(), false))?;
    serde_json::to_string(&loaded.report).map_err(|e| error("internal", e))
}

/// Reads a file into the records a match blinds, with its quality report.
#[pyfunction]
#[pyo3(signature = (path, preset="uid2", default_country=None, columns=None, group=None, suppress=None, sheet=None, header_row=None))]
#[allow(clippy::too_many_arguments)]
pub fn read_file(
    py: Python<'_>,
    path: PathBuf,
    preset: &str,
    default_country: Option<String>,
    columns: Option<String>,
    group: Option<String>,
    suppress: Option<PathBuf>,
    sheet: Option<String>,
    header_row: Option<u64>,
) -> PyResult<RecordSet> {
    let opts = options(default_country, columns, group, sheet, header_row);
    let loaded = py.detach(|| read(&path, preset, opts.clone(), suppress.as_deref(), true))?;
    if loaded.set.is_empty() {
        return Err(error(
            "no-usable-record",
            format!(
                "{}: no usable record among {} rows; check the column roles with `cleanmatch inspect`",
                path.display(),
                loaded.report.rows
            ),
        ));
    }
    let report = serde_json::to_string(&loaded.report).map_err(|e| error("internal", e))?;
    Ok(RecordSet::from_file(loaded.set, report, path, opts))
}

/// What the core's reader detects at the start of a text file, as the JSON text of the
/// page's preview (`format`, `encoding` {`encoding`, `bom`}, `delimiter`, `has_header`,
/// `header_row`, `skipped`, `headers`, `preview`, `columns`): the Spark driver asks it
/// so that report titles, an Excel `sep=` line, the delimiter and the encoding are read as
/// `cleanmatch inspect` reads them. `head`: the file's first bytes (64 KiB is enough);
/// `complete`: `head` is the whole file. `header_row` as `--header-row` (None: detected).
/// Raises `CleanmatchError` with the reader's code (`empty-file`, `binary-file`, ...).
#[pyfunction]
#[pyo3(signature = (head, complete, header_row=None))]
pub fn sniff(head: &[u8], complete: bool, header_row: Option<u64>) -> PyResult<String> {
    use cleanmatch::ingest::{Ingest, IngestOptions};
    let mut ingest = Ingest::new(IngestOptions { header_row, ..IngestOptions::default() });
    ingest.push(head).map_err(|e| error(ingest_code(&e), e.to_string()))?;
    if complete {
        ingest.finish().map_err(|e| error(ingest_code(&e), e.to_string()))?;
    }
    // Rows are not needed; taking them lets the reader finish its look at the start.
    while ingest.next_row().is_some() {}
    let found = ingest.sniff().ok_or_else(|| error("usage", "not enough of the file to detect its layout: give more bytes"))?;
    serde_json::to_string(found).map_err(|e| error("internal", e))
}
