//! The reader gives the same result however the bytes are split, and never panics on
//! arbitrary bytes fed in arbitrary chunks (the robustness stand-in for `fuzz/`, which
//! needs a nightly toolchain to run).
#![allow(clippy::panic)] // a test reports failure by panicking

mod ingest_support;

use cleanmatch::ingest::{Ingest, IngestOptions};
use cleanmatch::normalize::Preset;
use cleanmatch::quality::Inspector;
use ingest_support::{fixture, read_with};
use proptest::prelude::*;

/// A file with every hard case: BOM, quotes across lines, CRLF and CR, ragged rows,
/// multi-byte characters at every offset, and more than one sniff window of rows.
fn tricky() -> Vec<u8> {
    let mut s = String::from("\u{feff}E-Mail;Telefon;Name;Notiz\r\n");
    for i in 0..20_000 {
        match i % 5 {
            0 => s.push_str(&format!("u{i}@example.de;+49 30 {i:07};Zoë Müller;\"a;b\"\"c\"\r\n")),
            1 => s.push_str(&format!("v{i}@example.de;030 {i:07};\"Ann\nLee\";€\r")),
            2 => s.push_str(&format!("w{i}@example.de;;Ragged\n")),
            3 => s.push_str(&format!("x{i}@example.de;0049 {i};日本語;x;extra\n")),
            _ => s.push_str(&format!("\"y{i}@example.de\";\"\";\"\";\"\"\r\n")),
        }
    }
    s.into_bytes()
}

#[test]
fn same_result_for_any_chunking() {
    let files = [
        tricky(),
        fixture("utf16le_bom_tab.txt"),
        fixture("quoted.csv"),
        fixture("workbook.xlsx"),
        fixture("cp1252.csv"),
    ];
    for (f, bytes) in files.iter().enumerate() {
        let base = read_with(bytes, 1 << 20, IngestOptions::default()).unwrap_or_else(|e| panic!("file {f}: {e:?}"));
        for chunk in [1, 7, 4096] {
            let r = read_with(bytes, chunk, IngestOptions::default())
                .unwrap_or_else(|e| panic!("file {f}, chunk {chunk}: {e:?}"));
            assert_eq!(r.rows, base.rows, "chunk {chunk}");
            assert_eq!(r.stats, base.stats, "chunk {chunk}");
            assert_eq!(r.sniff.headers, base.sniff.headers, "chunk {chunk}");
            assert_eq!(r.sniff.delimiter, base.sniff.delimiter, "chunk {chunk}");
            assert_eq!(r.sniff.encoding, base.sniff.encoding, "chunk {chunk}");
            assert_eq!(r.sniff.columns, base.sniff.columns, "chunk {chunk}");
        }
    }
    let base = read_with(&tricky(), 1 << 20, IngestOptions::default()).unwrap();
    assert_eq!(base.rows.len(), 20_000);
    assert_eq!(base.stats.ragged_rows, 8_000);
}

/// Feeds bytes in the given chunk sizes through the reader and the quality inspector (with
/// the real `uid2` preset); only asserts that nothing panics and that the result is an
/// `Ok` or a typed error.
fn feed(bytes: &[u8], sizes: &[usize]) {
    let mut ingest = Ingest::new(IngestOptions {
        limits: cleanmatch::ingest::Limits { max_field_bytes: 512, max_row_bytes: 1024, max_columns: 64 },
        sniff_bytes: 256,
        ..IngestOptions::default()
    });
    let preset = Preset::named("uid2").unwrap_or_else(|| panic!("uid2 preset"));
    let mut inspector: Option<Option<Inspector<Preset>>> = None;
    let mut drain = |ingest: &mut Ingest| {
        if inspector.is_none() {
            if let Some(sniff) = ingest.sniff() {
                let group = (!sniff.columns.is_empty()).then_some(0);
                inspector = Some(Inspector::new(sniff, &sniff.columns, preset.clone(), Some("US"), group, None).ok());
            }
        }
        while let Some(row) = ingest.next_row() {
            if let Some(Some(ins)) = &mut inspector {
                ins.add(&row);
            }
        }
    };
    let mut pos = 0;
    let mut i = 0;
    while pos < bytes.len() {
        let n = sizes.get(i % sizes.len().max(1)).copied().unwrap_or(1).max(1).min(bytes.len() - pos);
        if ingest.push(&bytes[pos..pos + n]).is_err() {
            return;
        }
        drain(&mut ingest);
        pos += n;
        i += 1;
    }
    if ingest.finish().is_ok() {
        drain(&mut ingest);
    }
    if let Some(Some(ins)) = inspector {
        let report = ins.finish(ingest.stats());
        assert!(serde_json::to_string(&report).is_ok());
    }
}

#[test]
fn past_crashes_stay_fixed() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ingest/crashes");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for sizes in [&[1usize][..], &[7], &[4096], &[1 << 20], &[3, 1, 250]] {
            feed(&bytes, sizes);
        }
        n += 1;
    }
    assert!(n > 0, "no crash fixtures found in {}", dir.display());
}

/// Byte soup biased towards the characters that drive the parser.
fn soup() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        4 => prop::sample::select(b",;\t|\"\r\n@+ ".to_vec()),
        4 => b'a'..=b'z',
        1 => any::<u8>(),
    ];
    prop::collection::vec(byte, 0..2048)
}

/// A cell that is nearly an identifier: real shapes mixed with junk and quoting.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z.+]{0,8}@[a-z]{1,6}\\.[a-z]{2,3}",
        "\\+?[0-9 ()-]{0,18}",
        "[0-9a-f]{64}",
        "[A-Za-z0-9+/]{43}=",
        "[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}",
        "[A-Z]{2}",
        "\\PC{0,12}",
        "\"[^\"]{0,6}\"",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn never_panics(bytes in soup(), sizes in prop::collection::vec(1usize..300, 1..8)) {
        feed(&bytes, &sizes);
    }

    #[test]
    fn never_panics_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048), sizes in prop::collection::vec(1usize..300, 1..8)) {
        feed(&bytes, &sizes);
    }

    #[test]
    fn chunking_never_changes_text_results(bytes in soup(), chunk in 1usize..64) {
        let a = read_with(&bytes, 1 << 20, IngestOptions::default());
        let b = read_with(&bytes, chunk, IngestOptions::default());
        match (a, b) {
            (Ok(a), Ok(b)) => {
                prop_assert_eq!(a.rows, b.rows);
                prop_assert_eq!(a.stats, b.stats);
            }
            (a, b) => prop_assert_eq!(a.err(), b.err()),
        }
    }

    #[test]
    fn inspector_never_panics(rows in prop::collection::vec(prop::collection::vec(cell(), 0..9), 0..40), sep in prop::sample::select(vec![",", ";", "\t", "|"]), chunk in 1usize..100) {
        let mut text = ["email", "phone", "first_name", "last_name", "zip", "country", "maid", "email_sha256"].join(sep);
        text.push('\n');
        for row in rows {
            text.push_str(&row.join(sep));
            text.push_str("\r\n");
        }
        feed(text.as_bytes(), &[chunk]);
    }

    #[test]
    fn damaged_workbooks_are_errors(cut in 0usize..2045, flip in 0usize..2045) {
        let mut book = fixture("workbook.xlsx");
        let flip = flip % book.len();
        book[flip] ^= 0x5a;
        book.truncate(cut.max(1));
        feed(&book, &[4096]);
    }
}
