//! Each fixture under tests/fixtures/ingest/ (made by tests/fixtures/gen_fixtures.py) read
//! through the library API: dialects, encodings, quoting, workbooks and bad files.
#![allow(clippy::panic)] // a test reports failure by panicking

mod ingest_support;

use cleanmatch::ingest::{BinaryKind, ColumnRole, FileFormat, IngestError, IngestOptions, Limits, TextEncoding};
use ingest_support::{fields, fixture, read, read_with};

const ROWS: [[&str; 5]; 3] = [
    ["ann@example.com", "+1 415 555 0100", "Ann", "Lee", "gold"],
    ["bob@example.org", "+1 (212) 555-0199", "Bob", "Ray", "silver"],
    ["cid@example.net", "+44 20 7946 0958", "Cid", "Müller", "gold"],
];

fn expected() -> Vec<Vec<String>> {
    ROWS.iter().map(|r| r.iter().map(|s| s.to_string()).collect()).collect()
}

const ROLES: [ColumnRole; 5] =
    [ColumnRole::Email, ColumnRole::Phone, ColumnRole::FirstName, ColumnRole::LastName, ColumnRole::Attribute];

#[test]
fn dialects_and_encodings() {
    let cases = [
        ("comma_lf.csv", ',', TextEncoding::Utf8, false),
        ("semicolon_crlf.csv", ';', TextEncoding::Utf8, false),
        ("tab.tsv", '\t', TextEncoding::Utf8, false),
        ("pipe_cr.txt", '|', TextEncoding::Utf8, false),
        ("utf8_bom.csv", ',', TextEncoding::Utf8, true),
        ("utf16le_bom_tab.txt", '\t', TextEncoding::Utf16Le, true),
        ("utf16be_bom_tab.txt", '\t', TextEncoding::Utf16Be, true),
    ];
    for (name, delimiter, encoding, bom) in cases {
        let r = read(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(r.sniff.delimiter, Some(delimiter), "{name}");
        let enc = r.sniff.encoding.unwrap_or_else(|| panic!("{name}: no encoding"));
        assert_eq!((enc.encoding, enc.bom), (encoding, bom), "{name}");
        assert!(r.sniff.has_header, "{name}");
        assert_eq!(r.sniff.headers, ["email", "phone", "first_name", "last_name", "segment"], "{name}");
        assert_eq!(fields(&r), expected(), "{name}");
        assert_eq!(r.rows.iter().map(|r| r.number).collect::<Vec<_>>(), [2, 3, 4], "{name}");
        let roles: Vec<ColumnRole> = r.sniff.columns.iter().map(|c| c.role).collect();
        assert_eq!(roles, ROLES, "{name}");
        assert_eq!(r.stats.ragged_rows, 0, "{name}");
    }
}

#[test]
fn windows_1252() {
    let r = read(&fixture("cp1252.csv")).unwrap();
    assert_eq!(r.sniff.encoding.map(|e| e.encoding), Some(TextEncoding::Windows1252));
    assert_eq!(fields(&r), [["zoe@example.fr", "Müller", "Zoë"]]);
    let roles: Vec<ColumnRole> = r.sniff.columns.iter().map(|c| c.role).collect();
    assert_eq!(roles, [ColumnRole::Email, ColumnRole::LastName, ColumnRole::FirstName]);
}

#[test]
fn mixed_encoding_is_counted_per_row() {
    // UTF-8 for the whole sniffed head, then a Latin-1 byte far below it.
    let mut bytes = b"email,name\n".to_vec();
    for i in 0..5000 {
        bytes.extend_from_slice(format!("user{i}@example.com,Zoë\n").as_bytes());
    }
    bytes.extend_from_slice(b"late@example.com,M\xfcller\n");
    let r = read(&bytes).unwrap();
    assert_eq!(r.sniff.encoding.map(|e| e.encoding), Some(TextEncoding::Utf8));
    assert_eq!(r.stats.encoding_error_rows, 1);
    assert_eq!(r.stats.first_encoding_error_row, Some(5002));
}

#[test]
fn quoted_fields() {
    let r = read(&fixture("quoted.csv")).unwrap();
    assert_eq!(
        fields(&r),
        [
            ["ann@example.com", "Lee, Ann", "said \"hi\""],
            ["bob@example.org", "Ray\nBob", "two\r\nlines"],
            ["cid@example.net", "Cid", "plain"],
        ]
    );
    assert_eq!(r.rows[2].number, 4);
}

#[test]
fn ragged_rows_are_padded_and_counted() {
    let r = read(&fixture("ragged.csv")).unwrap();
    assert_eq!(r.stats.ragged_rows, 2);
    assert_eq!(r.stats.first_ragged_row, Some(3));
    assert_eq!(fields(&r)[1], ["bob@example.org", "", ""]);
    assert_eq!(fields(&r)[2], ["cid@example.net", "+442079460958", "gold"]);
}

#[test]
fn no_header() {
    let r = read(&fixture("no_header.csv")).unwrap();
    assert!(!r.sniff.has_header);
    assert_eq!(r.sniff.headers, ["column 1", "column 2", "column 3", "column 4", "column 5"]);
    assert_eq!(fields(&r), expected());
    assert_eq!(r.rows[0].number, 1);
    assert_eq!(r.sniff.columns[0].role, ColumnRole::Email);
    assert_eq!(r.sniff.columns[1].role, ColumnRole::Phone);
    // Forcing a header is honoured.
    let opts = IngestOptions { has_header: Some(true), ..IngestOptions::default() };
    let r = read_with(&fixture("no_header.csv"), 4096, opts).unwrap();
    assert_eq!(r.rows.len(), 2);
}

#[test]
fn header_only_has_no_rows() {
    let r = read(&fixture("header_only.csv")).unwrap();
    assert!(r.rows.is_empty());
    assert_eq!(r.sniff.headers, ["email", "phone"]);
}

#[test]
fn languages() {
    let r = read(&fixture("headers_multilang.csv")).unwrap();
    let roles: Vec<ColumnRole> = r.sniff.columns.iter().map(|c| c.role).collect();
    use ColumnRole::*;
    assert_eq!(roles, [Email, Phone, FirstName, LastName, Postal, Country]);
}

#[test]
fn hashed_columns() {
    let r = read(&fixture("hashed.csv")).unwrap();
    let roles: Vec<ColumnRole> = r.sniff.columns.iter().map(|c| c.role).collect();
    assert_eq!(roles, [ColumnRole::EmailSha256, ColumnRole::PhoneSha256]);
}

#[test]
fn empty_files() {
    assert_eq!(read(&fixture("empty.csv")).err(), Some(IngestError::EmptyFile));
    assert_eq!(read(&fixture("whitespace.csv")).err(), Some(IngestError::EmptyFile));
}

#[test]
fn binary_files() {
    let cases = [
        ("image.png", BinaryKind::Png),
        ("document.pdf", BinaryKind::Pdf),
        ("archive.zip", BinaryKind::Zip),
        ("data.gz", BinaryKind::Gzip),
    ];
    for (name, kind) in cases {
        assert_eq!(read(&fixture(name)).err(), Some(IngestError::BinaryFile { kind }), "{name}");
        // Fed byte by byte, the error is the same.
        assert_eq!(
            read_with(&fixture(name), 1, IngestOptions::default()).err(),
            Some(IngestError::BinaryFile { kind })
        );
    }
}

#[test]
fn workbook() {
    let r = read(&fixture("workbook.xlsx")).unwrap();
    assert_eq!(r.sniff.format, FileFormat::Xlsx);
    assert_eq!(r.sniff.sheets, ["Customers", "Opt-outs"]);
    assert_eq!(r.sniff.sheet.as_deref(), Some("Customers"));
    assert_eq!(r.sniff.headers, ["email", "phone", "first_name", "last_name", "segment"]);
    assert_eq!(r.rows.len(), 3);
    // A phone stored as a number stays digits.
    assert_eq!(r.rows[2].fields[1], "4915112345678");
    assert_eq!(r.rows[2].number, 4);
    let opts = IngestOptions { sheet: Some("Opt-outs".into()), ..IngestOptions::default() };
    let r = read_with(&fixture("workbook.xlsx"), 7, opts).unwrap();
    assert_eq!(fields(&r), [["bob@example.org"]]);
    let opts = IngestOptions { sheet: Some("Nope".into()), ..IngestOptions::default() };
    assert!(matches!(read_with(&fixture("workbook.xlsx"), 7, opts), Err(IngestError::NoSuchSheet { .. })));
}

#[test]
fn opendocument_workbook() {
    let r = read(&fixture("workbook.ods")).unwrap();
    assert_eq!(r.sniff.format, FileFormat::Ods);
    assert_eq!(r.sniff.sheets, ["Kunden"]);
    assert_eq!(fields(&r), [["ann@example.de", "+49 30 1234567"], ["bob@example.de", "49307654321"]]);
    let roles: Vec<ColumnRole> = r.sniff.columns.iter().map(|c| c.role).collect();
    assert_eq!(roles, [ColumnRole::Email, ColumnRole::Phone]);
}

#[test]
fn truncated_workbook() {
    let e = read(&fixture("truncated.xlsx")).err();
    assert!(matches!(e, Some(IngestError::InvalidSpreadsheet { format: "xlsx", .. })), "{e:?}");
}

#[test]
fn long_lines() {
    // A 2 MiB field under the default 1 MiB limits names its row and column.
    let mut bytes = b"email,note\na@example.com,short\nb@example.com,".to_vec();
    bytes.extend(std::iter::repeat_n(b'x', 2 << 20));
    bytes.push(b'\n');
    let e = read(&bytes).err();
    assert_eq!(e, Some(IngestError::RowTooLong { row: 3, column: 2, limit: 1 << 20 }));
    // An unclosed quote swallows the rest of the file: the error points at where it began.
    let mut bytes = b"email,note\na@example.com,\"oops\n".to_vec();
    for i in 0..100 {
        bytes.extend_from_slice(format!("u{i}@example.com,fine\n").as_bytes());
    }
    let opts =
        IngestOptions { limits: Limits { max_field_bytes: 256, ..Limits::default() }, ..IngestOptions::default() };
    assert_eq!(read_with(&bytes, 7, opts).err(), Some(IngestError::FieldTooLong { row: 2, column: 2, limit: 256 }));
}

#[test]
fn too_many_columns() {
    let header: Vec<String> = (0..5000).map(|i| format!("c{i}")).collect();
    let bytes = format!("{}\n", header.join(","));
    assert_eq!(read(bytes.as_bytes()).err(), Some(IngestError::TooManyColumns { row: 1, limit: 4096 }));
}

#[test]
fn preview_holds_the_first_ten_rows() {
    let mut bytes = b"email\n".to_vec();
    for i in 0..25 {
        bytes.extend_from_slice(format!("u{i}@example.com\n").as_bytes());
    }
    let r = read(&bytes).unwrap();
    assert_eq!(r.sniff.preview.len(), 10);
    assert_eq!(r.sniff.preview[9].number, 11);
    assert_eq!(r.rows.len(), 25);
}
