//! The audience export's rows for drivers that write them themselves (the Spark
//! driver): the core's [`AudienceWriter`] (layouts of `--audience-format`) and its CSV
//! line writer (quoting, formula protection), so Spark writes what `cleanmatch match
//! --audience-out` writes.

use crate::errors::error;
use cleanmatch::export::{csv_line, AudienceFormat, AudienceWriter};
use cleanmatch::ingest::roles::ColumnRole;
use pyo3::prelude::*;

/// Rows of an audience export in one layout, as CSV lines.
#[pyclass(module = "cleanmatch._native")]
pub struct AudienceRows {
    writer: AudienceWriter,
}

#[pymethods]
impl AudienceRows {
    /// A writer for `format` (`plain`, `google`, `google-sha256`, `meta`,
    /// `meta-sha256`) over columns with these `roles`; `default_country` as
    /// `--default-country`. Raises `usage` for an unknown format, `unknown-role` for an
    /// unknown role.
    #[new]
    #[pyo3(signature = (format, roles, default_country=None))]
    fn new(
        format: &str,
        roles: Vec<String>,
        default_country: Option<String>,
    ) -> PyResult<AudienceRows> {
        let format = AudienceFormat::parse(format).ok_or_else(|| {
            error(
                "usage",
                format!(
                    "unknown audience format '{format}' ({})",
                    AudienceFormat::NAMES.join(", ")
                ),
            )
        })?;
        let roles = roles
            .iter()
            .map(|r| {
                ColumnRole::parse(r)
                    .ok_or_else(|| error("unknown-role", format!("unknown role '{r}'")))
            })
            .collect::<PyResult<Vec<_>>>()?;
        Ok(AudienceRows {
            writer: AudienceWriter::new(format, &roles, default_country.as_deref()),
        })
    }

    /// The header line (without line end): the file's own `headers` in the plain
    /// layout, the template's columns otherwise.
    fn header(&self, headers: Vec<String>) -> String {
        let line = if self.writer.is_plain() {
            csv_line(&headers)
        } else {
            csv_line(&self.writer.header())
        };
        line.trim_end_matches("\r\n").to_owned()
    }

    /// One CSV line (without line end) per row of fields (`None` as empty).
    fn lines(&self, rows: Vec<Vec<Option<String>>>) -> Vec<String> {
        rows.into_iter()
            .map(|r| {
                let fields: Vec<String> = r.into_iter().map(Option::unwrap_or_default).collect();
                csv_line(&self.writer.row(&fields))
                    .trim_end_matches("\r\n")
                    .to_owned()
            })
            .collect()
    }
}
