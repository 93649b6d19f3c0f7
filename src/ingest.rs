//! Streaming ingest: bytes of a CSV or spreadsheet in, rows out.
//!
//! Feed [`Ingest::push`] the file's bytes in chunks of any size (the browser's
//! `File.stream()` chunks, the command line's 1 MiB reads), take rows out with
//! [`Ingest::next_row`] after each chunk, and call [`Ingest::finish`] at the end. A text
//! file is never held whole: the reader keeps one partial row plus the rows not yet taken.
//!
//! After the first 64 KiB (or the end of a shorter file), [`Ingest::sniff`] says what the
//! file is: encoding, delimiter, header, the first rows, and a guessed role for every
//! column. A spreadsheet must be held whole, so its sniff comes only at `finish`.
//!
//! ```
//! use cleanmatch::ingest::{Ingest, IngestOptions, ColumnRole};
//! let mut ingest = Ingest::new(IngestOptions::default());
//! let mut rows = Vec::new();
//! for chunk in [&b"E-Mail;Telefon\nann@example.de;030 1234"[..], b"567\n"] {
//!     ingest.push(chunk)?;
//!     while let Some(row) = ingest.next_row() { rows.push(row); }
//! }
//! ingest.finish()?;
//! while let Some(row) = ingest.next_row() { rows.push(row); }
//! let sniff = ingest.sniff().ok_or(cleanmatch::ingest::IngestError::EmptyFile)?;
//! assert_eq!(sniff.delimiter, Some(';'));
//! assert_eq!(sniff.columns[0].role, ColumnRole::Email);
//! assert_eq!(rows[0].number, 2);
//! assert_eq!(rows[0].fields, ["ann@example.de", "030 1234567"]);
//! # Ok::<(), cleanmatch::ingest::IngestError>(())
//! ```

pub mod binary;
pub mod decode;
pub mod dialect;
mod error;
pub mod key_plan;
pub mod numeric;
pub mod reader;
pub mod record;
pub mod roles;
pub mod suppression;
pub mod xlsx;

pub use binary::{BinaryKind, FileFormat};
pub use decode::{DetectedEncoding, TextEncoding};
pub use error::IngestError;
pub use key_plan::{ColumnUse, KeyPlan};
pub use reader::{Limits, Row};
pub use record::{CellNote, Digester, Extracted, KeyCheck, KeyStatus, MatchKey, Record, RecordExtractor};
pub use roles::{ColumnGuess, ColumnRole};
pub use suppression::Suppression;

use decode::TextDecoder;
use reader::CsvReader;
use serde::Serialize;
use std::collections::VecDeque;
use xlsx::SheetRows;

/// How to read a file. `Default` suits customer lists.
#[derive(Clone, Debug)]
pub struct IngestOptions {
    /// Field, row and column limits.
    pub limits: Limits,
    /// Bytes buffered before sniffing (default 64 KiB).
    pub sniff_bytes: usize,
    /// Data rows whose values inform the role guesses (default 1000).
    pub sample_rows: usize,
    /// Data rows kept in [`Sniff::preview`] (default 10).
    pub preview_rows: usize,
    /// Whether the first row is a header; `None` detects it.
    pub has_header: Option<bool>,
    /// The header's 1-based row number, as [`Sniff::skipped`] and the preview number
    /// rows: rows above it are skipped (report titles); `Some(0)` means no header row
    /// (nothing skipped but an Excel `sep=` line). Overrides `has_header`. `None` detects
    /// title lines and the header.
    pub header_row: Option<u64>,
    /// The delimiter; `None` detects it among `,` `;` tab `|`.
    pub delimiter: Option<u8>,
    /// The sheet of a workbook to read; `None` reads the first.
    pub sheet: Option<String>,
    /// Largest spreadsheet accepted, since it is held whole (default 256 MiB).
    pub max_spreadsheet_bytes: usize,
}

impl Default for IngestOptions {
    fn default() -> IngestOptions {
        IngestOptions {
            limits: Limits::default(),
            sniff_bytes: 64 << 10,
            sample_rows: 1000,
            preview_rows: 10,
            has_header: None,
            header_row: None,
            delimiter: None,
            sheet: None,
            max_spreadsheet_bytes: 256 << 20,
        }
    }
}

/// What the start of a file says about it.
#[derive(Clone, Debug, Serialize)]
pub struct Sniff {
    /// Text or which spreadsheet format.
    pub format: FileFormat,
    /// The text encoding (`None` for a spreadsheet).
    pub encoding: Option<DetectedEncoding>,
    /// The delimiter (`None` for a spreadsheet).
    pub delimiter: Option<char>,
    /// Whether a row is read as the header.
    pub has_header: bool,
    /// The header's row number (`None` without a header).
    pub header_row: Option<u64>,
    /// Rows above the data that are not read as data: an Excel `sep=` line, report
    /// titles above the header (at most [`MAX_TITLE_ROWS`] plus a chosen header row).
    pub skipped: Vec<Row>,
    /// Column names: the header, or `column 1`, `column 2`, ... without one.
    pub headers: Vec<String>,
    /// The first data rows (local display only).
    pub preview: Vec<Row>,
    /// The guessed role of each column.
    pub columns: Vec<ColumnGuess>,
    /// A workbook's sheet names (empty for text).
    pub sheets: Vec<String>,
    /// The sheet being read.
    pub sheet: Option<String>,
}

/// Most rows above the header that are skipped as titles when the header is detected.
pub const MAX_TITLE_ROWS: usize = 10;

/// Counts kept while reading.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ReadStats {
    /// Data rows read (the header is not one).
    pub rows: u64,
    /// Rows with a different number of fields than the header; short rows are padded
    /// with empty cells, extra fields dropped.
    pub ragged_rows: u64,
    /// The first ragged row's number.
    pub first_ragged_row: Option<u64>,
    /// Rows with bytes that are malformed in the detected encoding (shown as U+FFFD).
    pub encoding_error_rows: u64,
    /// The first such row's number.
    pub first_encoding_error_row: Option<u64>,
}

// One `Ingest` exists per file, so the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
enum State {
    /// Buffering the first bytes until there are enough to sniff.
    Head(Vec<u8>),
    /// Streaming text.
    Text { decoder: TextDecoder, reader: CsvReader },
    /// Buffering a whole workbook.
    Sheet(FileFormat, Vec<u8>),
    /// Handing out a workbook's rows.
    SheetRows(SheetRows),
    /// Finished, or failed.
    Done,
}

/// The streaming reader of one file. See the [module documentation](self).
pub struct Ingest {
    opts: IngestOptions,
    state: State,
    sniff: Option<Sniff>,
    rows: VecDeque<Row>,
    stats: ReadStats,
    width: usize,
    check_encoding: bool,
}

impl Ingest {
    /// A reader with `options`.
    pub fn new(options: IngestOptions) -> Ingest {
        Ingest {
            opts: options,
            state: State::Head(Vec::new()),
            sniff: None,
            rows: VecDeque::new(),
            stats: ReadStats::default(),
            width: 0,
            check_encoding: false,
        }
    }

    /// Feeds the next chunk of the file. Take the rows it completed with
    /// [`Ingest::next_row`] before the next push to keep memory constant.
    ///
    /// # Errors
    /// [`IngestError::BinaryFile`] once the first bytes show a non-text file; the limit
    /// errors ([`IngestError::FieldTooLong`], [`IngestError::RowTooLong`],
    /// [`IngestError::TooManyColumns`], [`IngestError::SpreadsheetTooLarge`]);
    /// [`IngestError::Finished`] after `finish` or an earlier error.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), IngestError> {
        let r = self.push_inner(chunk);
        if r.is_err() {
            self.state = State::Done;
        }
        r
    }

    /// Ends the file: reads the last row, and opens a workbook.
    ///
    /// # Errors
    /// [`IngestError::EmptyFile`], [`IngestError::BinaryFile`], the spreadsheet errors
    /// ([`IngestError::InvalidSpreadsheet`], [`IngestError::NoSuchSheet`],
    /// [`IngestError::NoSheet`]), the limit errors, and [`IngestError::Finished`] if
    /// called twice or after an error.
    pub fn finish(&mut self) -> Result<(), IngestError> {
        let state = core::mem::replace(&mut self.state, State::Done);
        let r = self.finish_inner(state);
        if r.is_err() {
            self.state = State::Done;
        }
        r
    }

    /// What the file looks like, once enough of it has been read.
    pub fn sniff(&self) -> Option<&Sniff> {
        self.sniff.as_ref()
    }

    /// Counts so far.
    pub fn stats(&self) -> &ReadStats {
        &self.stats
    }

    /// The next data row, in file order, with as many fields as there are columns.
    pub fn next_row(&mut self) -> Option<Row> {
        if let Some(row) = self.rows.pop_front() {
            return Some(row);
        }
        let State::SheetRows(sheet) = &mut self.state else { return None };
        let row = sheet.next_row()?;
        Some(self.shape(row))
    }

    fn push_inner(&mut self, chunk: &[u8]) -> Result<(), IngestError> {
        match &mut self.state {
            State::Head(buf) => {
                buf.extend_from_slice(chunk);
                if self.head_is_enough() {
                    let State::Head(buf) = core::mem::replace(&mut self.state, State::Done) else {
                        return Ok(());
                    };
                    self.start(buf, false)?;
                }
            }
            State::Text { decoder, reader } => {
                let text = decoder.decode(chunk, false);
                reader.push(text.as_bytes())?;
                self.check_encoding |= decoder.had_replacements();
                self.drain_reader();
            }
            State::Sheet(_, buf) => {
                if buf.len() + chunk.len() > self.opts.max_spreadsheet_bytes {
                    return Err(IngestError::SpreadsheetTooLarge { limit: self.opts.max_spreadsheet_bytes });
                }
                buf.extend_from_slice(chunk);
            }
            State::SheetRows(_) | State::Done => return Err(IngestError::Finished),
        }
        Ok(())
    }

    /// Sniffing looks at a window of the head: at least `sniff_bytes`, extended to hold
    /// `MAX_TITLE_ROWS + 3` line ends so titles, a header and some rows are whole (up to
    /// the row limit). The window
    /// depends only on the bytes, never on how they were chunked, so every decision made
    /// from it is the same for any chunking. `None`: not enough bytes yet.
    fn sniff_window(&self, buf: &[u8]) -> Option<usize> {
        let min = self.opts.sniff_bytes.max(1);
        if buf.len() < min {
            return None;
        }
        // Enough lines for title lines above the header, the header and two rows.
        let third_line_end = buf
            .iter()
            .enumerate()
            .filter(|(_, &b)| b == b'\n' || b == b'\r')
            .nth(MAX_TITLE_ROWS + 2)
            .map(|(i, _)| i + 1);
        let cap = self.opts.limits.max_row_bytes.saturating_add(min);
        match third_line_end {
            Some(end) => Some(end.max(min).min(cap)),
            None if buf.len() >= cap => Some(cap),
            None => None,
        }
    }

    fn head_is_enough(&self) -> bool {
        let State::Head(buf) = &self.state else { return false };
        self.sniff_window(buf).is_some()
    }

    fn finish_inner(&mut self, state: State) -> Result<(), IngestError> {
        match state {
            State::Head(buf) => self.start(buf, true)?,
            State::Text { decoder, reader } => self.finish_text(decoder, reader)?,
            State::Sheet(format, buf) => self.open_sheet(format, &buf)?,
            State::SheetRows(_) | State::Done => return Err(IngestError::Finished),
        }
        match &self.sniff {
            Some(s) if !s.headers.is_empty() => Ok(()),
            _ => Err(IngestError::EmptyFile),
        }
    }

    /// Decides what the file is from its head and starts reading it.
    fn start(&mut self, head: Vec<u8>, complete: bool) -> Result<(), IngestError> {
        let format = binary::sniff_format(&head[..head.len().min(binary::SNIFF_LEN)]);
        match format {
            FileFormat::Binary(kind) => Err(IngestError::BinaryFile { kind }),
            FileFormat::Xlsx | FileFormat::Ods | FileFormat::Xls => {
                if head.len() > self.opts.max_spreadsheet_bytes {
                    return Err(IngestError::SpreadsheetTooLarge { limit: self.opts.max_spreadsheet_bytes });
                }
                if complete {
                    self.open_sheet(format, &head)
                } else {
                    self.state = State::Sheet(format, head);
                    Ok(())
                }
            }
            FileFormat::Text => {
                let window = self.sniff_window(&head).unwrap_or(head.len()).min(head.len());
                let (sniffed, rest) = head.split_at(window);
                // Whole file in the window: its end is known, so a cut character is an error.
                let whole = complete && rest.is_empty();
                let encoding = decode::detect(sniffed, whole);
                let mut decoder = TextDecoder::new(encoding);
                let text = decoder.decode(sniffed, whole).to_owned();
                if whole && text.trim().is_empty() {
                    return Err(IngestError::EmptyFile);
                }
                // Excel's `sep=;` first line names the delimiter; the line is skipped below.
                let sep = dialect::sep_directive(&text);
                let delimiter =
                    self.opts.delimiter.or(sep).unwrap_or_else(|| {
                        dialect::sniff_delimiter(dialect::after_sep_line(&text, sep.is_some()), whole)
                    });
                let mut reader = CsvReader::new(delimiter, self.opts.limits);
                reader.push(text.as_bytes())?;
                if whole {
                    reader.finish()?;
                }
                self.check_encoding = decoder.had_replacements();
                let mut first = Vec::new();
                while let Some(row) = reader.pop() {
                    first.push(row);
                }
                self.state = State::Text { decoder, reader };
                self.begin(
                    first,
                    sep.is_some(),
                    format,
                    Some(encoding),
                    Some(char::from(delimiter)),
                    Vec::new(),
                    None,
                )?;
                if !rest.is_empty() {
                    self.push_inner(rest)?;
                }
                if complete {
                    if let State::Text { decoder, reader } = core::mem::replace(&mut self.state, State::Done) {
                        self.finish_text(decoder, reader)?;
                    }
                }
                Ok(())
            }
        }
    }

    /// Flushes the decoder and the reader at the end of a text file.
    fn finish_text(&mut self, mut decoder: TextDecoder, mut reader: CsvReader) -> Result<(), IngestError> {
        let text = decoder.decode(&[], true);
        reader.push(text.as_bytes())?;
        reader.finish()?;
        self.check_encoding |= decoder.had_replacements();
        self.state = State::Text { decoder, reader };
        self.drain_reader();
        self.state = State::Done;
        Ok(())
    }

    fn open_sheet(&mut self, format: FileFormat, bytes: &[u8]) -> Result<(), IngestError> {
        let wb = xlsx::open(bytes, format, self.opts.sheet.as_deref())?;
        let mut rows = wb.rows;
        let mut first = Vec::new();
        while first.len() <= self.opts.sample_rows {
            match rows.next_row() {
                Some(r) => first.push(r),
                None => break,
            }
        }
        if first.is_empty() {
            return Err(IngestError::EmptyFile);
        }
        self.state = State::SheetRows(rows);
        self.begin(first, false, format, None, None, wb.sheets, Some(wb.sheet))
    }

    /// How many of `first` (after a `sep=` line) are above the header or the data: a
    /// chosen header row, or detected title lines.
    fn rows_above(&self, first: &[Row], skip_sep: bool) -> Result<(usize, Option<bool>), IngestError> {
        let start = usize::from(skip_sep && !first.is_empty());
        match self.opts.header_row {
            Some(0) => Ok((start, Some(false))),
            Some(n) => {
                let at = first.iter().position(|r| r.number == n).filter(|&i| i >= start);
                let window = first.get(start..).unwrap_or_default();
                let last = window[..window.len().min(MAX_TITLE_ROWS + 40)].last().map_or(0, |r| r.number);
                match at {
                    Some(i) if n <= last => Ok((i, Some(true))),
                    _ => Err(IngestError::HeaderRowNotFound { row: n, last }),
                }
            }
            None if self.opts.has_header == Some(false) => Ok((start, Some(false))),
            None => {
                let sample: Vec<&[String]> = first[start..].iter().take(50).map(|r| r.fields.as_slice()).collect();
                Ok((start + dialect::title_rows(&sample, MAX_TITLE_ROWS), self.opts.has_header))
            }
        }
    }

    /// Builds the sniff from the first rows and queues their data rows.
    #[allow(clippy::too_many_arguments)]
    fn begin(
        &mut self,
        mut first: Vec<Row>,
        skip_sep: bool,
        format: FileFormat,
        encoding: Option<DetectedEncoding>,
        delimiter: Option<char>,
        sheets: Vec<String>,
        sheet: Option<String>,
    ) -> Result<(), IngestError> {
        let (above, has_header) = self.rows_above(&first, skip_sep)?;
        let rest = first.split_off(above.min(first.len()));
        let skipped = first;
        let sample: Vec<Vec<String>> = rest.iter().take(50).map(|r| r.fields.clone()).collect();
        let has_header = has_header.unwrap_or_else(|| dialect::detect_header(&sample));
        let header_row = if has_header { rest.first().map(|r| r.number) } else { None };
        let mut rows = rest.into_iter();
        let header = if has_header { rows.next() } else { None };
        let data: Vec<Row> = rows.collect();
        self.width = match (&header, data.first()) {
            (Some(h), _) => h.fields.len(),
            // Without a header, the widest of the first rows: a short first row (a title
            // kept as data) must not cut the columns of the rest.
            (None, _) => data.iter().take(50).map(|r| r.fields.len()).max().unwrap_or(0),
        };
        let headers: Vec<String> = match header {
            Some(h) => h
                .fields
                .into_iter()
                .enumerate()
                .map(|(i, f)| if f.trim().is_empty() { format!("column {}", i + 1) } else { f.trim().to_owned() })
                .collect(),
            None => (1..=self.width).map(|i| format!("column {i}")).collect(),
        };
        let sample: Vec<Vec<String>> = data.iter().take(self.opts.sample_rows).map(|r| r.fields.clone()).collect();
        let columns = roles::guess_roles(&headers, has_header, &sample);
        let mut preview = Vec::new();
        for row in data {
            let row = self.shape(row);
            if preview.len() < self.opts.preview_rows {
                preview.push(row.clone());
            }
            self.rows.push_back(row);
        }
        self.sniff = Some(Sniff {
            format,
            encoding,
            delimiter,
            has_header,
            header_row,
            skipped,
            headers,
            preview,
            columns,
            sheets,
            sheet,
        });
        Ok(())
    }

    fn drain_reader(&mut self) {
        let State::Text { reader, .. } = &mut self.state else { return };
        let mut rows = Vec::new();
        while let Some(row) = reader.pop() {
            rows.push(row);
        }
        for row in rows {
            let row = self.shape(row);
            self.rows.push_back(row);
        }
    }

    /// Counts the row and fits it to the column count.
    fn shape(&mut self, mut row: Row) -> Row {
        self.stats.rows += 1;
        if row.fields.len() != self.width {
            self.stats.ragged_rows += 1;
            self.stats.first_ragged_row.get_or_insert(row.number);
            row.fields.resize(self.width, String::new());
        }
        if self.check_encoding && row.fields.iter().any(|f| f.contains('\u{fffd}')) {
            self.stats.encoding_error_rows += 1;
            self.stats.first_encoding_error_row.get_or_insert(row.number);
        }
        row
    }
}
