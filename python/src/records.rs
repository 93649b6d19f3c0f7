//! A side's records on their way into a match, and the per-partition reader the Spark
//! driver runs on executors.
//!
//! [`PartitionReader`] applies the core's quality [`Inspector`] (normalize, SHA-256,
//! opt-out columns, duplicate records, quality counts) to Arrow batches of one partition.
//! Its output per used record is its id, group, key mask, the digest of each key in
//! key order (32 bytes each, as [`OwnSet`] keeps them) and a 16-byte fingerprint of all
//! its keys, on which Spark removes duplicates across partitions. [`RecordSet`] gathers
//! those records (or a file's) on the driver.

use crate::columns::{StrBuilder, StrColumn};
use crate::errors::error;
use crate::files::preset;
use cleanmatch::ingest::{ColumnGuess, ColumnRole, FileFormat, ReadStats, Row, Sniff};
use cleanmatch::loader::LoadOptions;
use cleanmatch::normalize::Preset;
use cleanmatch::psi::{MatchKey, OwnSet, DIGEST_LEN};
use cleanmatch::quality::{Inspector, RowOutcome};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::path::PathBuf;

/// A side's records, ready for [`crate::driver`].
#[pyclass(module = "cleanmatch._native")]
pub struct RecordSet {
    pub set: Option<OwnSet>,
    report: String,
    /// The source file and how it was read, for writing matched rows in audience mode.
    pub source: Option<(PathBuf, LoadOptions)>,
    /// For records added from Spark: the Spark record id of each record, by position.
    pub ids: Vec<i64>,
}

impl RecordSet {
    pub fn from_file(
        set: OwnSet,
        report: String,
        path: PathBuf,
        options: LoadOptions,
    ) -> RecordSet {
        RecordSet {
            set: Some(set),
            report,
            source: Some((path, options)),
            ids: Vec::new(),
        }
    }

    fn set_mut(&mut self) -> PyResult<&mut OwnSet> {
        self.set
            .as_mut()
            .ok_or_else(|| error("state", "these records were already handed to a match"))
    }
}

#[pymethods]
impl RecordSet {
    /// An empty set, filled with [`RecordSet::add_batch`].
    #[new]
    fn new() -> RecordSet {
        RecordSet {
            set: Some(OwnSet::new()),
            report: "{}".into(),
            source: None,
            ids: Vec::new(),
        }
    }

    /// Adds records: `ids` little-endian i64 per record, `groups` a large_string column
    /// (buffers), `masks` one byte per record (bit k: key `KEYS[k]` present, the core's wire index), `digests`
    /// a large_binary column whose value holds 32 bytes per present key in key order.
    #[pyo3(signature = (ids, groups, masks, digests))]
    fn add_batch(
        &mut self,
        ids: &[u8],
        groups: (Vec<u8>, Vec<u8>, Vec<u8>, usize, usize),
        masks: &[u8],
        digests: (Vec<u8>, Vec<u8>, Vec<u8>, usize, usize),
    ) -> PyResult<usize> {
        let n = masks.len();
        let g = StrColumn::new(&groups.0, &groups.1, &groups.2, groups.3, groups.4)?;
        let d = StrColumn::new(&digests.0, &digests.1, &digests.2, digests.3, digests.4)?;
        if ids.len() != n * 8 || g.len != n || d.len != n {
            return Err(error(
                "invalid-length",
                "the record columns differ in length",
            ));
        }
        let start = self.ids.len();
        let set = self.set_mut()?;
        let mut keys = Vec::with_capacity(MatchKey::COUNT);
        for (i, mask) in masks.iter().enumerate() {
            keys.clear();
            let bytes = d.get_bytes(i).unwrap_or(&[]);
            let mut pieces = bytes.chunks_exact(DIGEST_LEN);
            for k in MatchKey::ALL {
                if mask & (1 << k.index()) != 0 {
                    let piece = pieces.next().ok_or_else(|| {
                        error("invalid-length", "a record has fewer digests than keys")
                    })?;
                    let mut digest = [0u8; DIGEST_LEN];
                    digest.copy_from_slice(piece);
                    keys.push((k, digest));
                }
            }
            let row = u32::try_from(start + i)
                .map_err(|_| error("set-too-large", "more than 2^32 records"))?;
            set.add(row, g.get(i), &keys);
        }
        for c in ids.chunks_exact(8) {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            self.ids.push(i64::from_le_bytes(b));
        }
        Ok(n)
    }

    /// The Spark record ids at `positions` (as `Run.matched_rows` returns them).
    fn ids_of(&self, positions: Vec<u32>) -> Vec<i64> {
        positions
            .iter()
            .filter_map(|p| self.ids.get(*p as usize).copied())
            .collect()
    }

    /// An order-independent SHA-256 over every record's group and key digests, for
    /// checking that two readings (file and Spark, or two partitionings) agree.
    fn fingerprint<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let set = self
            .set
            .as_ref()
            .ok_or_else(|| error("state", "these records were already handed to a match"))?;
        let flat = set.to_flat();
        let mut per_record: Vec<[u8; 32]> = Vec::with_capacity(flat.rows.len());
        let mut at = 0usize;
        for (i, count) in flat.counts.iter().enumerate() {
            let mut bytes = Vec::new();
            let label = flat
                .groups
                .get(i)
                .and_then(|g| flat.labels.get(*g as usize))
                .map_or("", String::as_str);
            bytes.extend_from_slice(label.as_bytes());
            bytes.push(0);
            for j in at..at + usize::from(*count) {
                bytes.push(flat.keys.get(j).copied().unwrap_or(u8::MAX));
                bytes.extend_from_slice(
                    flat.digests
                        .get(j * DIGEST_LEN..(j + 1) * DIGEST_LEN)
                        .unwrap_or(&[]),
                );
            }
            at += usize::from(*count);
            per_record.push(cleanmatch::hash::sha256(&bytes));
        }
        per_record.sort_unstable();
        Ok(PyBytes::new(
            py,
            &cleanmatch::hash::sha256(per_record.as_flattened()),
        ))
    }

    /// Usable records.
    fn __len__(&self) -> usize {
        self.set.as_ref().map_or(0, |s| s.len())
    }

    /// The match keys these records hold.
    fn held_keys(&self) -> Vec<String> {
        self.set.as_ref().map_or_else(Vec::new, |s| {
            s.held_keys()
                .iter()
                .map(|k| k.as_str().to_owned())
                .collect()
        })
    }

    /// The quality report (JSON text) of the file the records came from.
    #[getter]
    fn report(&self) -> String {
        self.report.clone()
    }

    /// Sets the quality report text (the Spark driver merges the partitions' reports).
    #[setter]
    fn set_report(&mut self, text: String) {
        self.report = text;
    }
}

/// Reads one partition's Arrow batches with the core's quality inspector.
#[pyclass(module = "cleanmatch._native")]
pub struct PartitionReader {
    inspector: Option<Inspector<Preset>>,
    columns: usize,
}

#[pymethods]
impl PartitionReader {
    /// A reader for columns named `headers` with `roles` (role names as `inspect`
    /// prints them), the breakdown column `group` (0-based) and a preset.
    #[new]
    /// `suppress` is a suppression (opt-out) file each partition reads for itself, so it
    /// must be readable where the executors run.
    #[pyo3(signature = (headers, roles, preset_name, default_country=None, group=None, suppress=None))]
    fn new(
        headers: Vec<String>,
        roles: Vec<String>,
        preset_name: &str,
        default_country: Option<String>,
        group: Option<usize>,
        suppress: Option<PathBuf>,
    ) -> PyResult<PartitionReader> {
        let preset = preset(preset_name)?;
        if headers.len() != roles.len() {
            return Err(error("invalid-length", "one role per column is needed"));
        }
        let mut columns = Vec::with_capacity(roles.len());
        for (name, role) in headers.iter().zip(&roles) {
            let role = ColumnRole::parse(role)
                .ok_or_else(|| error("unknown-role", format!("unknown column role {role:?}")))?;
            columns.push(ColumnGuess {
                name: name.clone(),
                role,
                confidence: 1.0,
                evidence: "chosen by the Spark driver".into(),
            });
        }
        let sniff = Sniff {
            format: FileFormat::Text,
            encoding: None,
            delimiter: None,
            has_header: true,
            header_row: Some(1),
            skipped: Vec::new(),
            headers: headers.clone(),
            preview: Vec::new(),
            columns: columns.clone(),
            sheets: Vec::new(),
            sheet: None,
        };
        let suppression = match &suppress {
            Some(path) => Some(crate::files::read_suppression(
                path,
                &preset,
                default_country.clone(),
            )?),
            None => None,
        };
        let inspector = Inspector::new(
            &sniff,
            &columns,
            preset,
            default_country.as_deref(),
            group,
            suppression,
        )
        .map_err(|e| error(e.code(), e))?;
        Ok(PartitionReader {
            inspector: Some(inspector),
            columns: headers.len(),
        })
    }

    /// Reads one batch: `columns` holds each column's large_string buffers
    /// `(offsets, data, validity, offset, length)`, `ids` one little-endian i64 per row
    /// (also the row number the quality report shows). Returns the used records as
    /// `(ids, groups, masks, digests, fingerprints)` buffers.
    #[allow(clippy::type_complexity)]
    fn add<'py>(
        &mut self,
        py: Python<'py>,
        columns: Vec<(Vec<u8>, Vec<u8>, Vec<u8>, usize, usize)>,
        ids: &[u8],
    ) -> PyResult<(
        Bound<'py, PyBytes>,
        (
            Bound<'py, PyBytes>,
            Bound<'py, PyBytes>,
            Bound<'py, PyBytes>,
        ),
        Bound<'py, PyBytes>,
        (
            Bound<'py, PyBytes>,
            Bound<'py, PyBytes>,
            Bound<'py, PyBytes>,
        ),
        Bound<'py, PyBytes>,
    )> {
        if columns.len() != self.columns {
            return Err(error(
                "invalid-length",
                "the batch has another number of columns",
            ));
        }
        let n = ids.len() / 8;
        let cols = columns
            .iter()
            .map(|c| StrColumn::new(&c.0, &c.1, &c.2, c.3, c.4))
            .collect::<PyResult<Vec<_>>>()?;
        if cols.iter().any(|c| c.len != n) {
            return Err(error("invalid-length", "the columns differ in length"));
        }
        let inspector = self
            .inspector
            .as_mut()
            .ok_or_else(|| error("state", "the partition is finished"))?;
        let (out_ids, groups, masks, digests, fps) = py.detach(|| {
            let mut out_ids = Vec::new();
            let mut groups = StrBuilder::new();
            let mut masks = Vec::new();
            let mut digests = StrBuilder::new();
            let mut fps = Vec::new();
            let mut fields = Vec::with_capacity(cols.len());
            for i in 0..n {
                let mut b = [0u8; 8];
                b.copy_from_slice(&ids[i * 8..i * 8 + 8]);
                let id = i64::from_le_bytes(b);
                fields.clear();
                fields.extend(cols.iter().map(|c| c.get(i).unwrap_or("").to_owned()));
                let row = Row {
                    number: u64::try_from(id).unwrap_or(0),
                    fields: core::mem::take(&mut fields),
                };
                let (outcome, record) = inspector.add(&row);
                fields = row.fields;
                if outcome != RowOutcome::Used {
                    continue;
                }
                let mut first: [Option<[u8; DIGEST_LEN]>; MatchKey::COUNT] =
                    [None; MatchKey::COUNT];
                let mut all: Vec<(usize, [u8; DIGEST_LEN])> = Vec::with_capacity(record.keys.len());
                for (k, d) in &record.keys {
                    let k = k.index();
                    if first[k].is_none() {
                        first[k] = Some(*d);
                    }
                    all.push((k, *d));
                }
                let mut mask = 0u8;
                let mut joined = Vec::with_capacity(MatchKey::COUNT * DIGEST_LEN);
                for (k, d) in first.iter().enumerate() {
                    if let Some(d) = d {
                        mask |= 1 << k;
                        joined.extend_from_slice(d);
                    }
                }
                all.sort_unstable();
                let mut fp_input = Vec::with_capacity(all.len() * (DIGEST_LEN + 1));
                for (k, d) in &all {
                    fp_input.push(*k as u8);
                    fp_input.extend_from_slice(d);
                }
                fps.extend_from_slice(&cleanmatch::hash::sha256(&fp_input)[..16]);
                out_ids.extend_from_slice(&id.to_le_bytes());
                groups.push(record.group.as_deref());
                masks.push(mask);
                digests.push_bytes(&joined);
            }
            (out_ids, groups, masks, digests, fps)
        });
        Ok((
            PyBytes::new(py, &out_ids),
            groups.into_py(py),
            PyBytes::new(py, &masks),
            digests.into_py(py),
            PyBytes::new(py, &fps),
        ))
    }

    /// Ends the partition: its quality report as JSON text (rows, records, per-kind
    /// counts, unused rows; duplicates only within the partition).
    fn finish(&mut self) -> PyResult<String> {
        let inspector = self
            .inspector
            .take()
            .ok_or_else(|| error("state", "the partition is finished"))?;
        let report = inspector.finish(&ReadStats::default());
        serde_json::to_string(&report).map_err(|e| error("internal", e))
    }
}

/// The column roles of a table with `headers`, guessed from the names and a `sample`
/// of rows as for a file, then `columns` overrides (`name=role,...`) applied; and the
/// 0-based index of the `group` column. Returns `(roles, confidences, group)`.
/// `has_header=False`: the names are placeholders (`column 1`, ...), so only the values
/// inform the guesses, as for a file read with `--header-row 0`.
#[pyfunction]
#[pyo3(signature = (headers, sample, columns=None, group=None, has_header=true))]
pub fn column_roles(
    headers: Vec<String>,
    sample: Vec<Vec<String>>,
    columns: Option<String>,
    group: Option<String>,
    has_header: bool,
) -> PyResult<(Vec<String>, Vec<f32>, Option<usize>)> {
    let mut guesses = cleanmatch::ingest::roles::guess_roles(&headers, has_header, &sample);
    if let Some(spec) = &columns {
        cleanmatch::ingest::roles::apply_overrides(&mut guesses, spec)
            .map_err(|e| error(e.code(), e))?;
    }
    let group = match &group {
        Some(name) => Some(
            cleanmatch::ingest::roles::find_column(&guesses, name).ok_or_else(|| {
                let e = cleanmatch::ingest::IngestError::UnknownColumn { name: name.clone() };
                error(e.code(), e)
            })?,
        ),
        None => None,
    };
    if !guesses.iter().any(|g| g.role.is_identifier()) {
        let e = cleanmatch::ingest::IngestError::NoIdentifierColumn;
        return Err(error(e.code(), e));
    }
    Ok((
        guesses.iter().map(|g| g.role.as_str().to_owned()).collect(),
        guesses.iter().map(|g| g.confidence).collect(),
        group,
    ))
}
