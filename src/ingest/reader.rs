//! A streaming CSV reader over decoded text: feed it chunks of any size, take complete
//! rows out. It holds at most one partial row plus the rows the caller has not taken yet,
//! so memory stays constant however large the file is.

use super::IngestError;
use csv_core::{ReadRecordResult, ReaderBuilder, Terminator};
use std::collections::VecDeque;

/// Size limits that turn a runaway row (usually an unclosed quote) into an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest field, in bytes of UTF-8. Default 1 MiB.
    pub max_field_bytes: usize,
    /// Longest row (its fields' bytes), in bytes of UTF-8. Default 1 MiB.
    pub max_row_bytes: usize,
    /// Most columns in a row. Default 4096.
    pub max_columns: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_field_bytes: 1 << 20, max_row_bytes: 1 << 20, max_columns: 4096 }
    }
}

/// One row of a file, with its 1-based number (the header, if any, is row 1; in a
/// spreadsheet, the sheet's own row number).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Row {
    /// 1-based row number.
    pub number: u64,
    /// The fields, unquoted.
    pub fields: Vec<String>,
}

/// The chunk-fed CSV reader. Quoting is RFC 4180 (`"` quotes, `""` escapes); `\r\n`, `\n`
/// and a lone `\r` all end a row; blank lines are skipped.
pub struct CsvReader {
    core: csv_core::Reader,
    limits: Limits,
    out: Vec<u8>,
    out_len: usize,
    ends: Vec<usize>,
    ends_len: usize,
    rows: VecDeque<Row>,
    next_number: u64,
    finished: bool,
}

impl CsvReader {
    /// A reader splitting fields at `delimiter`.
    pub fn new(delimiter: u8, limits: Limits) -> CsvReader {
        let core = ReaderBuilder::new()
            .delimiter(delimiter)
            .terminator(Terminator::CRLF)
            .quoting(true)
            .double_quote(true)
            .build();
        CsvReader {
            core,
            limits,
            out: vec![0; 4096.min(limits.max_row_bytes.max(1))],
            out_len: 0,
            ends: vec![0; 64.min(limits.max_columns.max(1))],
            ends_len: 0,
            rows: VecDeque::new(),
            next_number: 1,
            finished: false,
        }
    }

    /// Parses `text` (UTF-8, any split) and queues the rows it completes.
    ///
    /// # Errors
    /// [`IngestError::FieldTooLong`], [`IngestError::RowTooLong`] or
    /// [`IngestError::TooManyColumns`] when the row being read passes a limit;
    /// [`IngestError::Finished`] after [`CsvReader::finish`].
    pub fn push(&mut self, text: &[u8]) -> Result<(), IngestError> {
        if self.finished {
            return Err(IngestError::Finished);
        }
        let mut input = text;
        // An empty slice means "end of input" to csv-core, so never pass one here.
        while !input.is_empty() {
            let n = self.step(input)?;
            input = &input[n..];
        }
        Ok(())
    }

    /// Ends the input: a last row without a final newline is queued.
    ///
    /// # Errors
    /// As [`CsvReader::push`].
    pub fn finish(&mut self) -> Result<(), IngestError> {
        if self.finished {
            return Ok(());
        }
        self.finished = true;
        loop {
            let (res, _, nout, nend) =
                self.core.read_record(&[], &mut self.out[self.out_len..], &mut self.ends[self.ends_len..]);
            self.out_len += nout;
            self.ends_len += nend;
            match res {
                ReadRecordResult::Record => self.emit(),
                ReadRecordResult::OutputEndsFull => self.grow_ends()?,
                ReadRecordResult::OutputFull => self.grow_out()?,
                ReadRecordResult::End | ReadRecordResult::InputEmpty => return Ok(()),
            }
        }
    }

    /// Takes the next complete row.
    pub fn pop(&mut self) -> Option<Row> {
        self.rows.pop_front()
    }

    /// One csv-core call; returns how many input bytes it consumed.
    fn step(&mut self, input: &[u8]) -> Result<usize, IngestError> {
        let (res, nin, nout, nend) =
            self.core.read_record(input, &mut self.out[self.out_len..], &mut self.ends[self.ends_len..]);
        self.out_len += nout;
        self.ends_len += nend;
        self.check_field()?;
        match res {
            ReadRecordResult::Record => self.emit(),
            ReadRecordResult::OutputFull => self.grow_out()?,
            ReadRecordResult::OutputEndsFull => self.grow_ends()?,
            ReadRecordResult::InputEmpty | ReadRecordResult::End => {}
        }
        Ok(nin)
    }

    /// The field being read must stay under the field limit.
    fn check_field(&self) -> Result<(), IngestError> {
        let start = if self.ends_len == 0 { 0 } else { self.ends[self.ends_len - 1] };
        if self.out_len.saturating_sub(start) > self.limits.max_field_bytes {
            return Err(IngestError::FieldTooLong {
                row: self.next_number,
                column: self.ends_len + 1,
                limit: self.limits.max_field_bytes,
            });
        }
        Ok(())
    }

    fn grow_out(&mut self) -> Result<(), IngestError> {
        self.check_field()?;
        if self.out.len() > self.limits.max_row_bytes {
            return Err(IngestError::RowTooLong { row: self.next_number, limit: self.limits.max_row_bytes });
        }
        // One byte past the limit, so a row of exactly the limit still fits.
        let len = (self.out.len() * 2).min(self.limits.max_row_bytes + 1);
        self.out.resize(len, 0);
        Ok(())
    }

    fn grow_ends(&mut self) -> Result<(), IngestError> {
        if self.ends.len() >= self.limits.max_columns {
            return Err(IngestError::TooManyColumns { row: self.next_number, limit: self.limits.max_columns });
        }
        let len = (self.ends.len() * 2).min(self.limits.max_columns);
        self.ends.resize(len, 0);
        Ok(())
    }

    /// Queues the completed record and resets the buffers for the next one.
    fn emit(&mut self) {
        let mut fields = Vec::with_capacity(self.ends_len);
        let mut start = 0;
        for &end in &self.ends[..self.ends_len] {
            // csv-core only removes ASCII quotes and delimiters, so slices of valid UTF-8
            // stay valid; the lossy path is a guard, not an expected case.
            fields.push(String::from_utf8_lossy(&self.out[start..end]).into_owned());
            start = end;
        }
        self.rows.push_back(Row { number: self.next_number, fields });
        self.next_number += 1;
        self.out_len = 0;
        self.ends_len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, delimiter: u8) -> Vec<Vec<String>> {
        let mut r = CsvReader::new(delimiter, Limits::default());
        let mut rows = Vec::new();
        for b in text.as_bytes() {
            r.push(core::slice::from_ref(b)).ok();
            while let Some(row) = r.pop() {
                rows.push(row.fields);
            }
        }
        r.finish().ok();
        while let Some(row) = r.pop() {
            rows.push(row.fields);
        }
        rows
    }

    #[test]
    fn quoting_and_terminators() {
        let rows = read("a,\"b,\"\"c\"\"\nd\"\r\ne,f\rg,h", b',');
        assert_eq!(rows, vec![vec!["a", "b,\"c\"\nd"], vec!["e", "f"], vec!["g", "h"]]);
    }

    #[test]
    fn limits() {
        let limits = Limits { max_field_bytes: 8, max_row_bytes: 16, max_columns: 3 };
        let mut r = CsvReader::new(b',', limits);
        assert_eq!(
            r.push(b"a\n\"0123456789"),
            Err(IngestError::FieldTooLong { row: 2, column: 1, limit: 8 })
        );
        let mut r = CsvReader::new(b',', limits);
        assert_eq!(r.push(b"a,b,c,d\n"), Err(IngestError::TooManyColumns { row: 1, limit: 3 }));
        let mut r = CsvReader::new(b',', limits);
        assert_eq!(r.push(b"1234567,1234567,1234567"), Err(IngestError::RowTooLong { row: 1, limit: 16 }));
    }
}
