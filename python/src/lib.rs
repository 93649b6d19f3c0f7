//! `cleanmatch._native`: the Python extension module of the cleanmatch core. It only
//! translates; the Python package (`cleanmatch/`) wraps its buffers into Arrow arrays.
//!
//! - [`columns`]: normalize, blind and evaluate whole columns.
//! - [`files`]: read a file as `cleanmatch inspect` / `match` do.
//! - [`records`]: a side's records, and the per-partition reader of the Spark driver.
//! - [`driver`]: a party through the relay (the only user of the session API).
//! - [`errors`]: core errors as `CleanmatchError` with stable codes.

use pyo3::prelude::*;

mod columns;
mod driver;
mod errors;
mod export;
mod files;
mod records;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add(
        "CleanmatchError",
        m.py().get_type::<errors::CleanmatchError>(),
    )?;
    m.add(
        "KEYS",
        cleanmatch::psi::MatchKey::ALL
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>(),
    )?;
    m.add("POINT_LEN", cleanmatch::psi::POINT_LEN)?;
    m.add("VALUE_LEN", cleanmatch::psi::VALUE_LEN)?;
    m.add("DIGEST_LEN", cleanmatch::psi::DIGEST_LEN)?;
    m.add("CHUNK", cleanmatch::psi::CHUNK)?;
    m.add("PRESETS", cleanmatch::normalize::Preset::NAMES.to_vec())?;
    m.add("VERSION", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(columns::normalize_column, m)?)?;
    m.add_function(wrap_pyfunction!(columns::blind, m)?)?;
    m.add_function(wrap_pyfunction!(columns::evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(columns::random_secret, m)?)?;
    m.add_function(wrap_pyfunction!(files::inspect, m)?)?;
    m.add_function(wrap_pyfunction!(files::read_file, m)?)?;
    m.add_function(wrap_pyfunction!(files::sniff, m)?)?;
    m.add_function(wrap_pyfunction!(records::column_roles, m)?)?;
    m.add_class::<records::RecordSet>()?;
    m.add_class::<records::PartitionReader>()?;
    m.add_class::<driver::Run>()?;
    m.add_class::<export::AudienceRows>()?;
    m.add_function(wrap_pyfunction!(driver::join_in_memory, m)?)?;
    Ok(())
}
