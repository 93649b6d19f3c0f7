//! Where the header is: report titles above it (detected, or chosen by row number),
//! Excel's `sep=` directive line, and files without a header. Each case is read in
//! several chunkings; the rows, numbers and roles must not depend on them.
#![allow(clippy::panic, clippy::unwrap_used)] // a test reports failure by panicking

mod ingest_support;

use cleanmatch::ingest::{ColumnRole, IngestError, IngestOptions};
use cleanmatch::loader::{LoadOptions, Loader};
use cleanmatch::normalize::Preset;
use ingest_support::{fields, read_with, Read};

fn read_all(bytes: &[u8], opts: &IngestOptions) -> Read {
    let whole = read_with(bytes, 1 << 20, opts.clone()).unwrap_or_else(|e| panic!("{e}"));
    for chunk in [1, 7, 64] {
        let r = read_with(bytes, chunk, IngestOptions { sniff_bytes: 16, ..opts.clone() }).unwrap();
        assert_eq!(fields(&r), fields(&whole), "chunk {chunk}");
        assert_eq!(r.sniff.header_row, whole.sniff.header_row, "chunk {chunk}");
        assert_eq!(r.sniff.headers, whole.sniff.headers, "chunk {chunk}");
    }
    whole
}

/// A POS export body: header and `n` members, delimited by `d`.
fn body(d: char, n: usize) -> String {
    let mut s = format!("Member no{d}Name{d}E-Mail{d}Mobile{d}Points\n");
    for i in 0..n {
        s.push_str(&format!("{}{d}Member {i}{d}m{i}@example.com{d}+44 7700 900{:03}{d}{}\n", 5000 + i, i, i * 3));
    }
    s
}

fn roles(r: &Read) -> Vec<ColumnRole> {
    r.sniff.columns.iter().map(|c| c.role).collect()
}

const EXPECTED: [ColumnRole; 5] =
    [ColumnRole::Attribute, ColumnRole::FullName, ColumnRole::Email, ColumnRole::Phone, ColumnRole::Attribute];

#[test]
fn title_lines_above_the_header_are_skipped() {
    let titles: [&[&str]; 4] = [
        &[],
        &["Loyalty members export"],
        &["Loyalty members export", "Generated 2024-03-01 09:00 by POS 4.2"],
        &["ACME Stores", "Loyalty members export", "Generated 2024-03-01 09:00, store 12", ""],
    ];
    for d in [',', ';', '\t'] {
        for t in titles {
            let text = t.iter().map(|l| format!("{l}\n")).collect::<String>() + &body(d, 30);
            let r = read_all(text.as_bytes(), &IngestOptions::default());
            // Blank lines are not rows; each title line is one.
            let n_titles = t.iter().filter(|l| !l.is_empty()).count() as u64;
            assert_eq!(r.sniff.header_row, Some(n_titles + 1), "{d:?} {t:?}");
            assert_eq!(r.sniff.skipped.len() as u64, n_titles);
            assert_eq!(r.sniff.headers, ["Member no", "Name", "E-Mail", "Mobile", "Points"], "{d:?} {t:?}");
            assert_eq!(roles(&r), EXPECTED, "{d:?} {t:?}");
            assert_eq!(r.rows.len(), 30);
            assert_eq!(r.rows[0].number, n_titles + 2);
            assert_eq!(r.rows[0].fields[3], "+44 7700 900000");
            assert_eq!(r.stats.ragged_rows, 0);
        }
    }
}

#[test]
fn header_row_can_be_chosen() {
    // A title line the detector keeps (it holds a phone number: it could be a sparse
    // record) is skipped when the user names the header row.
    let text = format!("+44 20 7946 0958\n{}", body(',', 5));
    let r = read_all(text.as_bytes(), &IngestOptions::default());
    assert!(r.sniff.skipped.is_empty(), "not detected: the title holds a phone number");
    let opts = IngestOptions { header_row: Some(2), ..IngestOptions::default() };
    let r = read_all(text.as_bytes(), &opts);
    assert_eq!(r.sniff.header_row, Some(2));
    assert_eq!(r.sniff.skipped.len(), 1);
    assert_eq!(roles(&r), EXPECTED);
    assert_eq!(r.rows.len(), 5);
    // Row 0: no header; every row is data.
    let opts = IngestOptions { header_row: Some(0), ..IngestOptions::default() };
    let r = read_all(body(',', 5).as_bytes(), &opts);
    assert!(!r.sniff.has_header);
    assert_eq!(r.rows.len(), 6);
    // ... also above titles: a short first row does not cut the columns of the rest.
    let text = format!("Loyalty members export\n{}", body(',', 5));
    let r = read_all(text.as_bytes(), &opts);
    assert_eq!(r.sniff.headers.len(), 5);
    assert_eq!(r.rows.len(), 7);
    assert_eq!(r.rows[0].fields, ["Loyalty members export", "", "", "", ""]);
    assert_eq!(r.stats.ragged_rows, 1);
    // A row past the first rows read cannot be the header.
    let opts = IngestOptions { header_row: Some(500), ..IngestOptions::default() };
    match read_with(body(',', 5).as_bytes(), 1 << 20, opts) {
        Err(IngestError::HeaderRowNotFound { row: 500, last: 6 }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn excel_sep_line_sets_the_delimiter_and_is_skipped() {
    for (line, d) in [("sep=;", ';'), ("SEP=|", '|'), ("\"sep=,\"", ','), ("sep=\t", '\t')] {
        // Values with the other delimiters in them, so sniffing alone could go wrong.
        let note: String = [',', ';', '|', '\t'].iter().filter(|&&c| c != d).map(|c| format!("a{c}b")).collect();
        let mut text = format!("{line}\r\nemail{d}note\r\n");
        for i in 0..20 {
            text.push_str(&format!("u{i}@example.com{d}{note}\r\n"));
        }
        let r = read_all(text.as_bytes(), &IngestOptions::default());
        assert_eq!(r.sniff.delimiter, Some(d), "{line}");
        assert_eq!(r.sniff.headers, ["email", "note"], "{line}");
        assert_eq!(r.sniff.header_row, Some(2));
        assert_eq!(r.rows.len(), 20);
        assert_eq!(r.rows[0].fields, ["u0@example.com", note.as_str()]);
    }
    // With a BOM and titles after it.
    let text = format!("\u{feff}sep=;\nLoyalty members export\n{}", body(';', 4));
    let r = read_all(text.as_bytes(), &IngestOptions::default());
    assert_eq!(r.sniff.header_row, Some(3));
    assert_eq!(roles(&r), EXPECTED);
}

#[test]
fn sparse_data_without_header_is_not_taken_for_titles() {
    // The first record holds only an email: data, not a title.
    let text = "ann@example.com,,\nbob@example.com,+44 7700 900001,Bob\ncid@example.com,+44 7700 900002,Cid\n";
    let r = read_all(text.as_bytes(), &IngestOptions::default());
    assert!(r.sniff.skipped.is_empty());
    assert!(!r.sniff.has_header);
    assert_eq!(r.rows.len(), 3);
}

/// Through the loader and the quality report: the skipped rows are said, and the
/// loader's `header_row` option reaches the reader.
#[test]
fn report_says_which_rows_were_skipped() {
    let text = format!("Loyalty members export\nGenerated 2024-03-01\n{}", body(',', 12));
    let mut loader = Loader::new(Preset::named("uid2").unwrap(), LoadOptions::default(), None);
    loader.push(text.as_bytes()).unwrap();
    let r = loader.finish().unwrap().report;
    assert_eq!(r.header_row, Some(3));
    assert_eq!(r.skipped_rows, [1, 2]);
    assert_eq!(r.rows, 12);
    assert_eq!(r.kinds["phone"].valid, 12);
    assert!(r.warnings.iter().any(|w| w.contains("rows 1 to 2 above the header (row 3)")), "{:?}", r.warnings);
    let options = LoadOptions { header_row: Some(0), columns: Some("3=email".into()), ..LoadOptions::default() };
    let mut loader = Loader::new(Preset::named("uid2").unwrap(), options, None);
    loader.push(body(',', 3).as_bytes()).unwrap();
    let r = loader.finish().unwrap().report;
    assert_eq!((r.rows, r.kinds["email"].valid, r.kinds["email"].invalid), (4, 3, 1));
}
