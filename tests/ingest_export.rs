//! The audience export: matched rows in the file's own columns or in the upload layouts
//! of Google Customer Match and Meta customer lists, plain or SHA-256, and never a cell a
//! spreadsheet would run as a formula. Expected values are written out by hand and
//! hashed here with `sha2`.
#![allow(clippy::panic, clippy::unwrap_used)] // a test reports failure by panicking

use cleanmatch::export::{is_formula, AudienceFormat};
use cleanmatch::loader::{LoadOptions, RowPicker};
use sha2::{Digest, Sha256};

fn hex(s: &str) -> String {
    Sha256::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

const FILE: &str = "Loyalty members export\n\
    Generated 2024-03-01 09:00\n\
    Member no,First name,Last name,E-Mail,Mobile,ZIP,Country,Note\n\
    5001, Ann ,Lee, Ann.Lee@Gmail.com ,+1 (415) 555-0100,02100,US,=HYPERLINK(\"http://x\")\n\
    5002,Bob,Ray,bob@example.com,+14155550199,94016,US,-12.5\n\
    5003,Cid,Müller,cid@example.de,030 1234567,10115,DE,+1+cmd|' /C calc'!A0\n\
    5004,Dan,Ng,dan@example.com,447700900123.0,,GB,@SUM(A1)\n";

/// Rows 4, 6 and 7 (Ann, Cid, Dan) matched; Bob did not.
fn export(format: AudienceFormat, chunk: usize) -> String {
    let mut picker = RowPicker::new(vec![4, 6, 7], LoadOptions::default(), format);
    let mut out = Vec::new();
    for c in FILE.as_bytes().chunks(chunk) {
        picker.push(c).unwrap();
        out.extend(picker.take_output());
    }
    assert_eq!(picker.finish().unwrap(), 3);
    out.extend(picker.take_output());
    String::from_utf8(out).unwrap()
}

fn lines(text: &str) -> Vec<&str> {
    text.split("\r\n").filter(|l| !l.is_empty()).collect()
}

#[test]
fn google_layout() {
    let t = export(AudienceFormat::Google, 1 << 20);
    assert_eq!(
        lines(&t),
        [
            "Email,Phone,First Name,Last Name,Zip,Country",
            "annlee@gmail.com,+14155550100,ann,lee,02100,US",
            "cid@example.de,+49301234567,cid,müller,10115,DE",
            "dan@example.com,+447700900123,dan,ng,,GB",
        ]
    );
    let t = export(AudienceFormat::GoogleSha256, 7);
    let ann = [hex("annlee@gmail.com"), hex("+14155550100"), hex("ann"), hex("lee"), "02100".into(), "US".into()];
    assert_eq!(lines(&t)[0], "Email,Phone,First Name,Last Name,Zip,Country");
    assert_eq!(lines(&t)[1], ann.join(","));
    assert_eq!(lines(&t)[3].split(',').nth(1).unwrap(), hex("+447700900123"), "the pandas float is its digits");
}

#[test]
fn meta_layout() {
    let t = export(AudienceFormat::Meta, 1 << 20);
    assert_eq!(
        lines(&t),
        [
            "email,phone,fn,ln,zip,country",
            "ann.lee@gmail.com,14155550100,ann,lee,02100,us",
            "cid@example.de,49301234567,cid,müller,10115,de",
            "dan@example.com,447700900123,dan,ng,,gb",
        ]
    );
    let t = export(AudienceFormat::MetaSha256, 3);
    let ann = [hex("ann.lee@gmail.com"), hex("14155550100"), hex("ann"), hex("lee"), hex("02100"), hex("us")];
    assert_eq!(lines(&t)[1], ann.join(","));
}

#[test]
fn plain_layout_keeps_the_files_columns_and_neutralizes_only_formulas() {
    let t = export(AudienceFormat::Plain, 5);
    let l = lines(&t);
    assert_eq!(l[0], "Member no,First name,Last name,E-Mail,Mobile,ZIP,Country,Note");
    assert_eq!(l.len(), 4);
    // Cells as written (spaces too); a phone with spaces and parentheses is a formula to
    // a spreadsheet (`+1 (415)` is evaluated), a plain signed number is not.
    assert!(
        l[1].starts_with("5001, Ann ,Lee, Ann.Lee@Gmail.com ,\"'+1 (415) 555-0100\",02100,US,\"'=HYPERLINK("),
        "{}",
        l[1]
    );
    assert!(l[2].contains(",\"'+1+cmd|"), "{}", l[2]);
    assert!(l[3].contains(",447700900123.0,,GB,\"'@SUM(A1)\""), "{}", l[3]);
}

/// A spreadsheet opening any export runs no formula: every unquoted field and every
/// quoted field without the leading `'` is not one.
#[test]
fn no_export_holds_a_formula() {
    for name in AudienceFormat::NAMES {
        let t = export(AudienceFormat::parse(name).unwrap(), 11);
        for line in lines(&t) {
            for field in split_csv(line) {
                assert!(field.starts_with('\'') || !is_formula(&field), "{name}: {field:?} in {line:?}");
            }
        }
    }
}

/// Splits one CSV line (RFC 4180 quoting) into fields.
fn split_csv(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let (mut quoted, mut chars) = (false, line.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (c, _) => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}
