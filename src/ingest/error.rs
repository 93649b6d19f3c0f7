//! The one error type of the ingest area.
//!
//! Messages name rows, columns and limits, never a cell's content: the error may be shown
//! or logged where the file's owner is not the only reader.

use super::binary::BinaryKind;

/// Why a file could not be read. Rows that are merely unusable are counted, not errors.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IngestError {
    /// The file has no bytes, or only a byte order mark and whitespace.
    EmptyFile,
    /// The file is not text or a spreadsheet; `kind` says what it looks like.
    BinaryFile {
        /// The detected file type.
        kind: BinaryKind,
    },
    /// A field is longer than the configured limit; often an unbalanced quote that
    /// swallowed the rest of the file, starting at `row`.
    FieldTooLong {
        /// 1-based row (record) number; the header is row 1.
        row: u64,
        /// 1-based column number.
        column: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// A row is longer than the configured limit.
    RowTooLong {
        /// 1-based row (record) number.
        row: u64,
        /// 1-based column being read when the limit was passed.
        column: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// A row has more columns than the configured limit.
    TooManyColumns {
        /// 1-based row (record) number.
        row: u64,
        /// The limit.
        limit: usize,
    },
    /// A spreadsheet file is bigger than the limit for spreadsheets, which must be held
    /// whole in memory to be read (a ZIP's directory is at its end).
    SpreadsheetTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A spreadsheet could not be opened: truncated, damaged, encrypted, or not a
    /// workbook (such as a Word document).
    InvalidSpreadsheet {
        /// `xlsx`, `xls` or `ods`.
        format: &'static str,
        /// What went wrong, in words that contain no cell content.
        reason: &'static str,
    },
    /// The requested sheet does not exist.
    NoSuchSheet {
        /// The sheets the workbook has.
        available: Vec<String>,
    },
    /// The workbook has no sheet with any cell.
    NoSheet,
    /// No column holds an identifier (email, phone, MAID, a hash of one, or a name or
    /// postal code).
    NoIdentifierColumn,
    /// Some columns are parts of the name + postal key (names, a postal code) but the
    /// parts do not add up to it, and no other column is a key: a name or a postal code
    /// alone is not a person.
    NoUsableKey {
        /// What is missing, in words (`names without a postal code`); no cell content.
        why: &'static str,
    },
    /// A column override names a column the file does not have.
    UnknownColumn {
        /// The name given.
        name: String,
    },
    /// A column override names a role that does not exist.
    UnknownRole {
        /// The role given.
        role: String,
    },
    /// The chosen header row is not among the rows read before the data starts.
    HeaderRowNotFound {
        /// The row asked for (1-based).
        row: u64,
        /// The last row number that could be the header.
        last: u64,
    },
    /// `push` or `finish` was called after `finish`.
    Finished,
}

impl core::fmt::Display for IngestError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            IngestError::EmptyFile => f.write_str("the file is empty"),
            IngestError::BinaryFile { kind } => {
                write!(f, "this is a {}, not a CSV or spreadsheet export", kind.as_str())
            }
            IngestError::FieldTooLong { row, column, limit } => {
                write!(f, "row {row}, column {column}: field longer than {limit} bytes (an unclosed quote?)")
            }
            IngestError::RowTooLong { row, column, limit } => {
                write!(f, "row {row}: longer than {limit} bytes, passed in column {column} (an unclosed quote?)")
            }
            IngestError::TooManyColumns { row, limit } => {
                write!(f, "row {row}: more than {limit} columns")
            }
            IngestError::SpreadsheetTooLarge { limit } => {
                write!(f, "spreadsheet larger than {limit} bytes; save it as CSV, which streams")
            }
            IngestError::InvalidSpreadsheet { format, reason } => {
                write!(f, "cannot read this {format} file (truncated or damaged?): {reason}")
            }
            IngestError::NoSuchSheet { available } => {
                write!(f, "no such sheet; the workbook has: {}", available.join(", "))
            }
            IngestError::NoSheet => f.write_str("the workbook has no sheet with data"),
            IngestError::NoIdentifierColumn => f.write_str(
                "no column holds an email, phone, name and postal code, MAID or hashed identifier; \
                 name the columns with --columns",
            ),
            IngestError::NoUsableKey { why } => write!(
                f,
                "no usable key: {why}; a name or a postal code alone is not a key (name + postal needs \
                 first and last name, postal code and country together)"
            ),
            IngestError::UnknownColumn { name } => write!(f, "the file has no column named {name:?}"),
            IngestError::UnknownRole { role } => write!(f, "unknown column role {role:?}"),
            IngestError::HeaderRowNotFound { row, last } => {
                write!(f, "row {row} cannot be the header: the header must be one of rows 1 to {last}")
            }
            IngestError::Finished => f.write_str("the input was already finished"),
        }
    }
}

impl std::error::Error for IngestError {}

impl IngestError {
    /// A stable kebab-case code for programs and the JS API.
    pub fn code(&self) -> &'static str {
        match self {
            IngestError::EmptyFile => "empty-file",
            IngestError::BinaryFile { .. } => "binary-file",
            IngestError::FieldTooLong { .. }
            | IngestError::RowTooLong { .. }
            | IngestError::TooManyColumns { .. }
            | IngestError::SpreadsheetTooLarge { .. } => "file-limit",
            IngestError::InvalidSpreadsheet { .. } | IngestError::NoSuchSheet { .. } | IngestError::NoSheet => "spreadsheet",
            IngestError::NoIdentifierColumn => "no-identifier-column",
            IngestError::NoUsableKey { .. } => "no-usable-key",
            IngestError::UnknownColumn { .. } => "unknown-column",
            IngestError::UnknownRole { .. } => "unknown-role",
            IngestError::HeaderRowNotFound { .. } => "header-row",
            IngestError::Finished => "state",
        }
    }
}
