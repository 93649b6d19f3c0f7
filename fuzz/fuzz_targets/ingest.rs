//! Fuzzes the streaming reader: arbitrary bytes, split at fuzzer-chosen points, through
//! `Ingest` and the quality inspector. Run with `cargo +nightly fuzz run ingest`; copy any
//! crash into `tests/fixtures/ingest/crashes/` so the regular tests keep it fixed.
#![no_main]

use cleanmatch::ingest::{Ingest, IngestOptions, Limits};
use cleanmatch::normalize::Preset;
use cleanmatch::quality::Inspector;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the chunk size, so splits are explored too.
    let Some((&split, bytes)) = data.split_first() else { return };
    let chunk = usize::from(split).max(1);
    let mut ingest = Ingest::new(IngestOptions {
        limits: Limits { max_field_bytes: 4096, max_row_bytes: 8192, max_columns: 256 },
        sniff_bytes: 512,
        ..IngestOptions::default()
    });
    let Some(preset) = Preset::named("uid2") else { return };
    let mut inspector = None;
    for c in bytes.chunks(chunk) {
        if ingest.push(c).is_err() {
            return;
        }
        drain(&mut ingest, &mut inspector, &preset);
    }
    if ingest.finish().is_err() {
        return;
    }
    drain(&mut ingest, &mut inspector, &preset);
    if let Some(ins) = inspector.flatten() {
        let _ = ins.finish(ingest.stats());
    }
});

fn drain(ingest: &mut Ingest, inspector: &mut Option<Option<Inspector<Preset>>>, preset: &Preset) {
    if inspector.is_none() {
        let Some(sniff) = ingest.sniff() else { return };
        let columns = sniff.columns.clone();
        *inspector = Some(Inspector::new(sniff, &columns, preset.clone(), Some("US"), Some(0), None).ok());
    }
    while let Some(row) = ingest.next_row() {
        if let Some(Some(ins)) = inspector {
            ins.add(&row);
        }
    }
}
