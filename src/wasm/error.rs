//! The one place where core errors become JavaScript errors.
//!
//! Each becomes a JS `Error` whose `message` is the core error's `Display` text and whose
//! `code` is a stable kebab-case string, the style of `SessionError::code` (listed in docs/interfaces.md, "## JS API"); some
//! carry structured fields (e.g. `index` for an invalid point). Messages never contain
//! identifiers or key material, because the core errors never do.

use crate::ingest::IngestError;
use crate::normalize::NormalizeError;
use crate::psi::PsiError;
use crate::seal::SealError;
use crate::session::SessionError;
use wasm_bindgen::prelude::*;

/// Result type of every binding: the error is already a JS `Error`.
pub type JsResult<T> = Result<T, CoreError>;

/// A core error on its way to JavaScript.
pub struct CoreError {
    code: &'static str,
    message: String,
    /// Extra numeric fields set on the JS error, e.g. `("index", 3)`.
    fields: Vec<(&'static str, f64)>,
}

impl CoreError {
    pub(super) fn new(code: &'static str, message: impl core::fmt::Display) -> CoreError {
        CoreError { code, message: message.to_string(), fields: Vec::new() }
    }

    fn field(mut self, name: &'static str, value: usize) -> CoreError {
        // usize on wasm32 is 32 bits, exactly representable as f64.
        self.fields.push((name, value as f64));
        self
    }
}

impl From<CoreError> for JsValue {
    fn from(e: CoreError) -> JsValue {
        let err = js_sys::Error::new(&e.message);
        // Reflect::set only fails on frozen or proxied targets; a fresh Error is neither,
        // and losing a field would still leave a readable error, so failures are ignored.
        let _ = js_sys::Reflect::set(&err, &"code".into(), &e.code.into());
        for (name, value) in e.fields {
            let _ = js_sys::Reflect::set(&err, &name.into(), &value.into());
        }
        err.into()
    }
}

impl From<PsiError> for CoreError {
    fn from(e: PsiError) -> CoreError {
        let code = match &e {
            PsiError::Randomness => "randomness",
            PsiError::InvalidSecret => "invalid-secret",
            PsiError::UnknownKey => "unknown-key",
            PsiError::Length { .. } => "invalid-length",
            PsiError::InvalidPoint { .. } => "invalid-point",
        };
        let err = CoreError::new(code, &e);
        match e {
            PsiError::InvalidPoint { index } => err.field("index", index),
            _ => err,
        }
    }
}

impl From<NormalizeError> for CoreError {
    fn from(e: NormalizeError) -> CoreError {
        let code = match &e {
            NormalizeError::Empty => "empty",
            NormalizeError::Invalid(_) => "invalid",
            NormalizeError::NoCountryCode => "no-country-code",
            NormalizeError::UnknownCountry => "unknown-country",
        };
        CoreError::new(code, &e)
    }
}

impl From<SessionError> for CoreError {
    fn from(e: SessionError) -> CoreError {
        // The session already names its errors for the page and the JS API.
        CoreError::new(e.code(), &e)
    }
}

impl From<SealError> for CoreError {
    fn from(e: SealError) -> CoreError {
        CoreError::new("seal", &e)
    }
}

impl From<IngestError> for CoreError {
    fn from(e: IngestError) -> CoreError {
        let code = match &e {
            IngestError::EmptyFile => "empty-file",
            IngestError::BinaryFile { .. } => "binary-file",
            IngestError::FieldTooLong { .. } | IngestError::RowTooLong { .. } | IngestError::TooManyColumns { .. } => "file-limit",
            IngestError::SpreadsheetTooLarge { .. } => "file-limit",
            IngestError::InvalidSpreadsheet { .. } | IngestError::NoSuchSheet { .. } | IngestError::NoSheet => "spreadsheet",
            IngestError::NoIdentifierColumn => "no-identifier-column",
            IngestError::UnknownColumn { .. } => "unknown-column",
            IngestError::UnknownRole { .. } => "unknown-role",
            IngestError::HeaderRowNotFound { .. } => "header-row",
            IngestError::Finished => "state",
        };
        CoreError::new(code, &e)
    }
}
