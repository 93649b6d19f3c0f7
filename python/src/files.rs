//! Reading a customer file the way `cleanmatch inspect` and `cleanmatch match` do: the
//! command line's own reader (`cleanmatch::cli::records`), its messages (`FILE: what is
//! wrong`) and stable codes raised as `CleanmatchError`.

use crate::errors::error;
use crate::records::RecordSet;
use cleanmatch::cli::records::{self as core_files, FileError};
use cleanmatch::ingest::Suppression;
use cleanmatch::loader::{LoadOptions, Loaded};
use cleanmatch::normalize::Preset;
use pyo3::prelude::*;
use std::path::{Path, PathBuf};

/// The command line's file error as a `CleanmatchError` (same code, same message).
fn raise(e: FileError) -> PyErr {
    error(e.code, e.message)
}

/// The preset by name, or the command line's message.
pub fn preset(name: &str) -> PyResult<Preset> {
    core_files::preset(name).map_err(raise)
}

/// Reads a suppression (opt-out) file: every valid identifier in its guessed columns.
pub fn read_suppression(
    path: &Path,
    preset: &Preset,
    default_country: Option<String>,
) -> PyResult<Suppression> {
    core_files::read_suppression(path, preset, default_country).map_err(raise)
}

/// Reads a whole file through the core, as the command line does.
pub fn read(
    file: &Path,
    preset_name: &str,
    options: LoadOptions,
    suppress: Option<&Path>,
    keep: bool,
) -> PyResult<Loaded> {
    core_files::read(file, preset_name, options, suppress, keep).map_err(raise)
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
    ingest.push(head).map_err(|e| error(e.code(), e.to_string()))?;
    if complete {
        ingest.finish().map_err(|e| error(e.code(), e.to_string()))?;
    }
    // Rows are not needed; taking them lets the reader finish its look at the start.
    while ingest.next_row().is_some() {}
    let found = ingest.sniff().ok_or_else(|| error("usage", "not enough of the file to detect its layout: give more bytes"))?;
    serde_json::to_string(found).map_err(|e| error("internal", e))
}
