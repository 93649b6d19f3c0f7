//! Previewing a file before it is read: only the core's `Ingest`, so the page can show
//! the detected format, encoding, delimiter, header, first rows and guessed roles even
//! when those roles cannot be matched yet (no identifier column) and the user is about
//! to change them.

use super::error::JsResult;
use crate::ingest::{Ingest, IngestOptions};
use wasm_bindgen::prelude::*;

/// Reads the start of a file (a workbook whole) for a preview.
#[wasm_bindgen(js_name = FileSniffer)]
pub struct JsFileSniffer {
    ingest: Ingest,
}

#[wasm_bindgen(js_class = FileSniffer)]
impl JsFileSniffer {
    /// A sniffer with the reader's default options; `header_row` chooses the header's
    /// row number (0: no header; absent: detected).
    #[wasm_bindgen(constructor)]
    pub fn new(header_row: Option<u32>) -> JsFileSniffer {
        let opts = IngestOptions { header_row: header_row.map(u64::from), ..IngestOptions::default() };
        JsFileSniffer { ingest: Ingest::new(opts) }
    }

    /// Feeds the next chunk; returns the sniff as JSON once known (the `Sniff` of
    /// `FileIngest.sniff`). Errors: as `FileIngest.push` (empty, binary, limits).
    pub fn push(&mut self, chunk: &[u8]) -> JsResult<Option<String>> {
        self.ingest.push(chunk)?;
        // Rows are not needed here; taking them keeps memory bounded.
        while self.ingest.next_row().is_some() {}
        Ok(self.sniff())
    }

    /// Ends the file (a short text file or a workbook is sniffed only now).
    pub fn finish(&mut self) -> JsResult<Option<String>> {
        self.ingest.finish()?;
        while self.ingest.next_row().is_some() {}
        Ok(self.sniff())
    }

    fn sniff(&self) -> Option<String> {
        self.ingest.sniff().and_then(|s| serde_json::to_string(s).ok())
    }
}

impl Default for JsFileSniffer {
    fn default() -> Self {
        JsFileSniffer::new(None)
    }
}
