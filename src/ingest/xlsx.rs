//! Spreadsheets (`.xlsx`, `.xls`, `.ods`) through calamine, over an in-memory buffer.
//!
//! A workbook cannot be streamed: a ZIP's directory is at its end, and an `.xls` is a
//! file system of its own. So the bytes are held whole (up to a limit), the chosen sheet
//! is decoded into cells, and rows are handed out one at a time as text.

use super::binary::FileFormat;
use super::reader::Row;
use super::IngestError;
use calamine::{Data, Ods, Range, Reader, Xls, Xlsx};
use std::io::Cursor;

/// One sheet's cells, handed out row by row.
pub struct SheetRows {
    range: Range<Data>,
    next: usize,
    first_row: u64,
}

impl SheetRows {
    /// The next row with its sheet row number (1-based, as the spreadsheet shows it).
    /// Cells are rendered as text: whole numbers without a decimal point (phones stored
    /// as numbers stay digits), errors such as `#N/A` as their code.
    pub fn next_row(&mut self) -> Option<Row> {
        let row = self.range.rows().nth(self.next)?;
        let number = self.first_row + self.next as u64;
        self.next += 1;
        Some(Row { number, fields: row.iter().map(cell_text).collect() })
    }
}

fn cell_text(cell: &Data) -> String {
    match cell {
        // Excel stores every number as a float; 4915112345678 must not become 4.9e12.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string(),
    }
}

/// An opened workbook's sheet names, the chosen sheet, and its rows.
pub struct Workbook {
    /// All sheet names, in workbook order.
    pub sheets: Vec<String>,
    /// The sheet being read.
    pub sheet: String,
    /// Its rows.
    pub rows: SheetRows,
}

/// Opens `bytes` as `format` and reads `sheet` (default: the first).
///
/// # Errors
/// [`IngestError::InvalidSpreadsheet`] for a truncated, damaged or encrypted file or one
/// that is not a workbook; [`IngestError::NoSuchSheet`]; [`IngestError::NoSheet`].
pub fn open(bytes: &[u8], format: FileFormat, sheet: Option<&str>) -> Result<Workbook, IngestError> {
    match format {
        FileFormat::Xls => {
            let wb = Xls::new(Cursor::new(bytes)).map_err(|e| invalid("xls", xls_reason(&e)))?;
            read(wb, sheet, |e| invalid("xls", xls_reason(&e)))
        }
        FileFormat::Ods => {
            let wb = Ods::new(Cursor::new(bytes)).map_err(|e| invalid("ods", ods_reason(&e)))?;
            read(wb, sheet, |e| invalid("ods", ods_reason(&e)))
        }
        _ => {
            let wb = Xlsx::new(Cursor::new(bytes)).map_err(|e| invalid("xlsx", xlsx_reason(&e)))?;
            read(wb, sheet, |e| invalid("xlsx", xlsx_reason(&e)))
        }
    }
}

fn invalid(format: &'static str, reason: &'static str) -> IngestError {
    IngestError::InvalidSpreadsheet { format, reason }
}

fn read<'a, R, F>(mut wb: R, sheet: Option<&str>, err: F) -> Result<Workbook, IngestError>
where
    R: Reader<Cursor<&'a [u8]>>,
    F: Fn(R::Error) -> IngestError,
{
    let sheets = wb.sheet_names();
    let name = match sheet {
        Some(s) => sheets.iter().find(|n| n.as_str() == s).cloned(),
        None => sheets.first().cloned(),
    };
    let Some(name) = name else {
        return Err(if sheets.is_empty() { IngestError::NoSheet } else { IngestError::NoSuchSheet { available: sheets } });
    };
    let range = wb.worksheet_range(&name).map_err(err)?;
    // Rows above the first used cell are empty; numbering starts at the used area.
    let first_row = range.start().map_or(1, |(r, _)| u64::from(r) + 1);
    Ok(Workbook { sheets, sheet: name, rows: SheetRows { range, next: 0, first_row } })
}

// calamine's errors can quote cell text, so only their category is passed on.

fn xlsx_reason(e: &calamine::XlsxError) -> &'static str {
    use calamine::XlsxError as E;
    match e {
        E::Io(_) | E::Zip(_) => "the ZIP container is truncated or damaged",
        E::Password => "the workbook is password-protected",
        E::FileNotFound(_) | E::RelationshipNotFound | E::WorksheetNotFound(_) | E::NotAWorksheet(_) => {
            "a workbook part is missing (not an Excel workbook?)"
        }
        _ => "the workbook's XML is malformed",
    }
}

fn ods_reason(e: &calamine::OdsError) -> &'static str {
    use calamine::OdsError as E;
    match e {
        E::Io(_) | E::Zip(_) => "the ZIP container is truncated or damaged",
        E::Password => "the spreadsheet is password-protected",
        E::InvalidMime(_) | E::FileNotFound(_) => "not an OpenDocument spreadsheet",
        E::CellLimitExceeded { .. } => "the sheet has too many cells",
        _ => "the spreadsheet's XML is malformed",
    }
}

fn xls_reason(e: &calamine::XlsError) -> &'static str {
    use calamine::XlsError as E;
    match e {
        E::Io(_) | E::Cfb(_) => "the file is truncated or damaged (or not an Excel workbook)",
        E::Password => "the workbook is password-protected",
        _ => "the workbook's records are malformed",
    }
}
