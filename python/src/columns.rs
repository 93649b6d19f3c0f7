//! Columnar entry points: whole Arrow columns in, whole columns out, never a Python call
//! per value. Python hands over an Arrow array's buffers as `bytes` (see
//! `cleanmatch/_arrow.py`); the results come back as buffers Python wraps into arrays.

use crate::errors::{error, normalize_code, psi};
use crate::files::preset;
use cleanmatch::normalize::Kind;
use cleanmatch::psi::{
    blind_batch, evaluate_batch, MatchKey, PsiError, Secret, DIGEST_LEN, POINT_LEN, VALUE_LEN,
};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rayon::prelude::*;

/// Points per parallel piece: large enough that the batch compression's one inversion
/// is shared widely, small enough to spread a column over every core.
const PIECE: usize = 4096;

/// An Arrow `large_string` array as its buffers: `offsets` (little-endian i64, at least
/// `offset + len + 1` of them), `data` (UTF-8), `validity` (bitmap or empty for none).
pub struct StrColumn<'a> {
    pub offsets: &'a [u8],
    pub data: &'a [u8],
    pub validity: &'a [u8],
    pub offset: usize,
    pub len: usize,
}

impl<'a> StrColumn<'a> {
    /// Checks the buffers against the declared length once, so `get` cannot fail later.
    pub fn new(
        offsets: &'a [u8],
        data: &'a [u8],
        validity: &'a [u8],
        offset: usize,
        len: usize,
    ) -> PyResult<Self> {
        let need = (offset + len + 1) * 8;
        let bitmap_ok = validity.is_empty() || validity.len() * 8 >= offset + len;
        if offsets.len() < need || !bitmap_ok {
            return Err(error(
                "invalid-length",
                "the column's buffers are shorter than its length",
            ));
        }
        Ok(StrColumn {
            offsets,
            data,
            validity,
            offset,
            len,
        })
    }

    fn at(&self, i: usize) -> usize {
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.offsets[i * 8..i * 8 + 8]);
        usize::try_from(i64::from_le_bytes(b)).unwrap_or(0)
    }

    /// Value `i`, or `None` for a null or a value that is not UTF-8 in range.
    pub fn get(&self, i: usize) -> Option<&'a str> {
        self.get_bytes(i).and_then(|b| core::str::from_utf8(b).ok())
    }

    /// Value `i` as bytes (a large_binary column has the same layout).
    pub fn get_bytes(&self, i: usize) -> Option<&'a [u8]> {
        let j = self.offset + i;
        if !self.validity.is_empty() && self.validity[j / 8] >> (j % 8) & 1 == 0 {
            return None;
        }
        self.data.get(self.at(j)..self.at(j + 1))
    }
}

/// Builds a `large_string` column: offsets, data, validity.
#[derive(Default)]
pub struct StrBuilder {
    pub offsets: Vec<u8>,
    pub data: Vec<u8>,
    pub validity: Vec<u8>,
    len: usize,
}

impl StrBuilder {
    pub fn new() -> StrBuilder {
        let mut b = StrBuilder::default();
        b.offsets.extend_from_slice(&0i64.to_le_bytes());
        b
    }

    pub fn push(&mut self, v: Option<&str>) {
        self.push_opt(v.map(str::as_bytes));
    }

    pub fn push_bytes(&mut self, v: &[u8]) {
        self.push_opt(Some(v));
    }

    fn push_opt(&mut self, v: Option<&[u8]>) {
        if self.len % 8 == 0 {
            self.validity.push(0);
        }
        if let Some(s) = v {
            self.data.extend_from_slice(s);
            if let Some(last) = self.validity.last_mut() {
                *last |= 1 << (self.len % 8);
            }
        }
        self.offsets
            .extend_from_slice(&(self.data.len() as i64).to_le_bytes());
        self.len += 1;
    }

    pub fn into_py<'py>(
        self,
        py: Python<'py>,
    ) -> (
        Bound<'py, PyBytes>,
        Bound<'py, PyBytes>,
        Bound<'py, PyBytes>,
    ) {
        (
            PyBytes::new(py, &self.offsets),
            PyBytes::new(py, &self.data),
            PyBytes::new(py, &self.validity),
        )
    }
}


fn kind(name: &str) -> PyResult<Kind> {
    Kind::parse(name).ok_or_else(|| {
        let all: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        error(
            "unknown-kind",
            format!("unknown kind {name:?}; valid kinds: {}", all.join(", ")),
        )
    })
}

type NormalizeOut<'py> = (
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
    (
        Bound<'py, PyBytes>,
        Bound<'py, PyBytes>,
        Bound<'py, PyBytes>,
    ),
);

/// Normalizes and hashes a string column: returns the normalized column, the digests
/// (32 bytes per value, zeros where the value failed; the normalized column's validity
/// says which) and per-value error codes and reasons (null where the value is fine).
#[pyfunction]
#[pyo3(signature = (preset_name, kind_name, default_country, offsets, data, validity, offset, length))]
#[allow(clippy::too_many_arguments)]
pub fn normalize_column<'py>(
    py: Python<'py>,
    preset_name: &str,
    kind_name: &str,
    default_country: Option<&str>,
    offsets: &[u8],
    data: &[u8],
    validity: &[u8],
    offset: usize,
    length: usize,
) -> PyResult<NormalizeOut<'py>> {
    let preset = preset(preset_name)?;
    let kind = kind(kind_name)?;
    if let Some(cc) = default_country {
        if !cleanmatch::normalize::is_known_country(cc) {
            return Err(error(
                "unknown-country",
                format!("unknown default country {cc:?} (ISO 3166-1 alpha-2)"),
            ));
        }
    }
    let column = StrColumn::new(offsets, data, validity, offset, length)?;
    let (normalized, digests, codes, reasons) = py.detach(|| {
        let mut normalized = StrBuilder::new();
        let mut codes = StrBuilder::new();
        let mut reasons = StrBuilder::new();
        let mut digests = Vec::with_capacity(length * DIGEST_LEN);
        for i in 0..length {
            let raw = column.get(i).unwrap_or("");
            match preset.normalize_and_digest(kind, raw, default_country) {
                Ok((n, d)) => {
                    normalized.push(Some(&n));
                    digests.extend_from_slice(&d);
                    codes.push(None);
                    reasons.push(None);
                }
                Err(e) => {
                    normalized.push(None);
                    digests.extend_from_slice(&[0u8; DIGEST_LEN]);
                    codes.push(Some(normalize_code(&e)));
                    reasons.push(Some(&e.to_string()));
                }
            }
        }
        (normalized, digests, codes, reasons)
    });
    Ok((
        normalized.into_py(py),
        PyBytes::new(py, &digests),
        codes.into_py(py),
        reasons.into_py(py),
    ))
}

fn secret(bytes: &[u8]) -> PyResult<Secret> {
    Secret::from_bytes(bytes).map_err(|e| psi(&e))
}

fn pieces<F>(
    input: &[u8],
    width: usize,
    parallel: bool,
    f: F,
) -> Result<Vec<u8>, cleanmatch::psi::PsiError>
where
    F: Fn(&[u8]) -> Result<Vec<u8>, cleanmatch::psi::PsiError> + Sync,
{
    if !parallel || input.len() <= PIECE * width {
        return f(input);
    }
    let parts: Vec<_> = input.par_chunks(PIECE * width).map(&f).collect();
    let mut out = Vec::new();
    for (i, p) in parts.into_iter().enumerate() {
        match p {
            Ok(p) => out.extend_from_slice(&p),
            // Report the bad point's index in the whole column, not in its piece.
            Err(cleanmatch::psi::PsiError::InvalidPoint { index }) => {
                return Err(cleanmatch::psi::PsiError::InvalidPoint {
                    index: i * PIECE + index,
                })
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// `hash_to_group(key, d)·s` for every 32-byte digest `d`: 32-byte compressed points,
/// in order.
#[pyfunction]
#[pyo3(signature = (key, digests, secret_bytes, parallel=true))]
pub fn blind<'py>(
    py: Python<'py>,
    key: &str,
    digests: &[u8],
    secret_bytes: &[u8],
    parallel: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let key = MatchKey::parse(key).ok_or_else(|| psi(&PsiError::UnknownKey))?;
    let s = secret(secret_bytes)?;
    let out = py
        .detach(|| pieces(digests, DIGEST_LEN, parallel, |d| blind_batch(&s, key, d)))
        .map_err(|e| psi(&e))?;
    Ok(PyBytes::new(py, &out))
}

/// `(P·s)[..12]` for every 32-byte point `P`.
#[pyfunction]
#[pyo3(signature = (points, secret_bytes, parallel=true))]
pub fn evaluate<'py>(
    py: Python<'py>,
    points: &[u8],
    secret_bytes: &[u8],
    parallel: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let s = secret(secret_bytes)?;
    let out = py
        .detach(|| pieces(points, POINT_LEN, parallel, |p| evaluate_batch(&s, p)))
        .map_err(|e| psi(&e))?;
    debug_assert_eq!(out.len() % VALUE_LEN, 0);
    Ok(PyBytes::new(py, &out))
}

/// A fresh random secret scalar (32 bytes). Whoever holds it can undo this side's
/// blinding: keep it inside this partner's own machines.
#[pyfunction]
pub fn random_secret<'py>(py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
    let s = Secret::random().map_err(|e| psi(&e))?;
    Ok(PyBytes::new(py, &s.to_bytes()))
}
