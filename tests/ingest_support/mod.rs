//! Helpers shared by the ingest tests.
#![allow(dead_code, clippy::panic)] // helpers of several test crates; tests fail by panicking

use cleanmatch::ingest::{Ingest, IngestError, IngestOptions, ReadStats, Row, Sniff};
use std::path::PathBuf;

/// Everything a read produced.
#[derive(Debug, Clone)]
pub struct Read {
    pub sniff: Sniff,
    pub rows: Vec<Row>,
    pub stats: ReadStats,
}

pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ingest").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Feeds `bytes` in chunks of `chunk` bytes, taking rows after every push.
pub fn read_with(bytes: &[u8], chunk: usize, opts: IngestOptions) -> Result<Read, IngestError> {
    let mut ingest = Ingest::new(opts);
    let mut rows = Vec::new();
    for c in bytes.chunks(chunk.max(1)) {
        ingest.push(c)?;
        while let Some(r) = ingest.next_row() {
            rows.push(r);
        }
    }
    ingest.finish()?;
    while let Some(r) = ingest.next_row() {
        rows.push(r);
    }
    let sniff = ingest.sniff().cloned().ok_or(IngestError::EmptyFile)?;
    Ok(Read { sniff, rows, stats: ingest.stats().clone() })
}

pub fn read(bytes: &[u8]) -> Result<Read, IngestError> {
    read_with(bytes, 1 << 20, IngestOptions::default())
}

/// The rows' fields only.
pub fn fields(r: &Read) -> Vec<Vec<String>> {
    r.rows.iter().map(|r| r.fields.clone()).collect()
}
