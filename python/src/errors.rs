//! The one place where core errors become Python exceptions.
//!
//! Each becomes a `cleanmatch.CleanmatchError` whose message is the core error's text and
//! whose `code` attribute is the same stable kebab-case string the JS API uses
//! (docs/interfaces.md); an invalid point also carries `index`. Messages never contain
//! identifiers or key material, because the core errors never do.

use cleanmatch::normalize::NormalizeError;
use cleanmatch::psi::PsiError;
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(
    _native,
    CleanmatchError,
    PyException,
    "A cleanmatch failure; `code` is a stable kebab-case string."
);

/// A `CleanmatchError` with `code` and `message` set, and an optional `index`.
pub fn error(code: &str, message: impl core::fmt::Display) -> PyErr {
    with_index(code, message, None)
}

fn with_index(code: &str, message: impl core::fmt::Display, index: Option<usize>) -> PyErr {
    let message = message.to_string();
    Python::attach(|py| {
        let err = CleanmatchError::new_err(message.clone());
        let value = err.value(py);
        // Setting attributes on a fresh exception instance cannot fail in practice; if it
        // did, the exception would still carry its message.
        let _ = value.setattr("code", code);
        let _ = value.setattr("message", message);
        if let Some(i) = index {
            let _ = value.setattr("index", i);
        }
        err
    })
}

/// The stable code of a protocol arithmetic error.
pub fn psi(e: &PsiError) -> PyErr {
    let code = e.code();
    let index = match e {
        PsiError::InvalidPoint { index } => Some(*index),
        _ => None,
    };
    with_index(code, e, index)
}

/// The stable code of a normalization error (also used per value in columns).
pub fn normalize_code(e: &NormalizeError) -> &'static str {
    match e {
        NormalizeError::Empty => "empty",
        NormalizeError::Invalid(_) => "invalid",
        NormalizeError::NoCountryCode => "no-country-code",
        NormalizeError::UnknownCountry => "unknown-country",
        _ => "invalid",
    }
}
