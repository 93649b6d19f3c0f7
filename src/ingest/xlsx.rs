//! Spreadsheets (`.xlsx`, `.xls`, `.ods`) through calamine, over an in-memory buffer.
//!
//! A workbook cannot be streamed: a ZIP's directory is at its end, and an `.xls` is a
//! file system of its own. So the bytes are held whole (up to a limit), the chosen sheet
//! is decoded into cells, and rows are handed out one at a time as text.

use super::binary::FileFormat;
use super::reader::Row;
use super::IngestError;
use calamine::{Data, Ods, Range, Reader, StyleRange, Xls, Xlsx};
use std::io::Cursor;

/// One sheet's cells, handed out row by row.
pub struct SheetRows {
    range: Range<Data>,
    /// The cells' number formats (`.xlsx` only; empty for `.xls` and `.ods`).
    styles: StyleRange,
    next: usize,
    first_row: u64,
}

impl SheetRows {
    /// The next row with its sheet row number (1-based, as the spreadsheet shows it).
    /// Cells are rendered as text: whole numbers without a decimal point (phones stored
    /// as numbers stay digits), a number under a zero-padded format as Excel shows it
    /// (`2100` under `00000` is `02100`), errors such as `#N/A` as their code.
    pub fn next_row(&mut self) -> Option<Row> {
        let row = self.range.rows().nth(self.next)?;
        let (r0, c0) = self.range.start().unwrap_or((0, 0));
        let abs_row = r0 + self.next as u32;
        let number = self.first_row + self.next as u64;
        self.next += 1;
        let fields = row
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                let format = match cell {
                    Data::Float(_) | Data::Int(_) => self
                        .styles
                        .get((abs_row, c0 + c as u32))
                        .and_then(|s| s.number_format.as_ref())
                        .map(|f| f.format_code.as_str()),
                    _ => None,
                };
                cell_text(cell, format)
            })
            .collect();
        Some(Row { number, fields })
    }
}

fn cell_text(cell: &Data, format: Option<&str>) -> String {
    let whole = match cell {
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Some(*f as i64),
        Data::Int(i) => Some(*i),
        _ => None,
    };
    match whole {
        Some(n) => format.and_then(|code| zero_padded(n, code)).unwrap_or_else(|| n.to_string()),
        // Excel stores every number as a float; 4915112345678 must not become 4.9e12.
        None => cell.to_string(),
    }
}

/// A whole number as a format of `0` placeholders and literals shows it: `00000` pads
/// ZIP codes (`2100` → `02100`), `00000-0000` shows ZIP+4, `"+"0` a phone's plus.
/// `None` for any other format (`General`, `#,##0`, dates, decimals): the digits then
/// stay as they are, with no separators.
pub fn zero_padded(n: i64, code: &str) -> Option<String> {
    if n < 0 {
        return None;
    }
    // The first section formats positive numbers (`pos;neg;zero;text`).
    let section = code.split(';').next()?;
    let mut parts: Vec<Result<char, String>> = Vec::new(); // Ok('0') placeholder, Err(literal)
    let mut chars = section.chars();
    while let Some(c) = chars.next() {
        match c {
            '0' => parts.push(Ok('0')),
            '"' => {
                let lit: String = chars.by_ref().take_while(|&c| c != '"').collect();
                parts.push(Err(lit));
            }
            '\\' => parts.push(Err(chars.next()?.to_string())),
            '-' | ' ' | '(' | ')' | '/' | '+' | ':' => parts.push(Err(c.to_string())),
            // Anything else (#, ?, ., ',', %, E, @, colours, conditions, date letters) is
            // beyond a zero-padded code.
            _ => return None,
        }
    }
    let slots = parts.iter().filter(|p| p.is_ok()).count();
    if slots == 0 {
        return None;
    }
    let digits = format!("{n:0slots$}");
    // Fill placeholders right to left; extra digits go to the leftmost one, as Excel does.
    let extra = digits.len() - slots;
    let mut out = String::with_capacity(digits.len() + section.len());
    let mut next = 0;
    for p in &parts {
        match p {
            Ok(_) => {
                let take = if next == 0 { extra + 1 } else { 1 };
                let start = if next == 0 { 0 } else { extra + next };
                out.push_str(&digits[start..start + take]);
                next += 1;
            }
            Err(lit) => out.push_str(lit),
        }
    }
    Some(out)
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
        return Err(if sheets.is_empty() {
            IngestError::NoSheet
        } else {
            IngestError::NoSuchSheet { available: sheets }
        });
    };
    let range = wb.worksheet_range(&name).map_err(&err)?;
    // Number formats say how Excel shows a number (zero-padded ZIP codes); only the
    // `.xlsx` reader has them, the others give an empty range.
    let styles = wb.worksheet_style(&name).map_err(&err)?;
    // Rows above the first used cell are empty; numbering starts at the used area.
    let first_row = range.start().map_or(1, |(r, _)| u64::from(r) + 1);
    Ok(Workbook { sheets, sheet: name, rows: SheetRows { range, styles, next: 0, first_row } })
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

#[cfg(test)]
mod tests {
    use super::zero_padded;

    #[test]
    fn zero_padded_formats() {
        assert_eq!(zero_padded(2100, "00000").as_deref(), Some("02100"));
        assert_eq!(zero_padded(94016, "00000").as_deref(), Some("94016"));
        assert_eq!(zero_padded(123456, "00000").as_deref(), Some("123456"));
        assert_eq!(zero_padded(21001234, "00000-0000").as_deref(), Some("02100-1234"));
        assert_eq!(zero_padded(78051120, "000-00-0000").as_deref(), Some("078-05-1120"));
        assert_eq!(zero_padded(447700900123, "\"+\"0").as_deref(), Some("+447700900123"));
        assert_eq!(zero_padded(447700900123, "\\+0").as_deref(), Some("+447700900123"));
        assert_eq!(zero_padded(5, "0").as_deref(), Some("5"));
        assert_eq!(zero_padded(2100, "00000;[Red]-00000").as_deref(), Some("02100"));
        assert_eq!(zero_padded(2100, "General"), None);
        assert_eq!(zero_padded(2100, "#,##0"), None);
        assert_eq!(zero_padded(2100, "0.00"), None);
        assert_eq!(zero_padded(2100, "@"), None);
        assert_eq!(zero_padded(45000, "yyyy-mm-dd"), None);
        assert_eq!(zero_padded(-5, "00000"), None);
    }
}
