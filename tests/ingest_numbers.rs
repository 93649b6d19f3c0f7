//! Numbers that spreadsheets and data tools rewrite: pandas/csvkit floats
//! (`447700900123.0`) are read as their integer digits, scientific notation is refused
//! with its reason, `.xlsx` cells read as Excel shows them under their number format, and
//! four-digit US ZIP codes are warned about. Expected digests are SHA-256 of the expected
//! normalized text, computed here with `sha2`.
#![allow(clippy::panic, clippy::unwrap_used)] // a test reports failure by panicking

mod ingest_support;

use cleanmatch::ingest::{CellNote, ColumnRole, KeyStatus, MatchKey, RecordExtractor};
use cleanmatch::loader::{LoadOptions, Loader};
use cleanmatch::normalize::{NormalizeError, Preset};
use ingest_support::{fields, fixture, read};
use sha2::{Digest, Sha256};

fn sha(s: &str) -> [u8; 32] {
    Sha256::digest(s.as_bytes()).into()
}

fn extractor(roles: &[ColumnRole], country: &str) -> RecordExtractor<Preset> {
    RecordExtractor::new(roles, Preset::named("uid2").unwrap(), Some(country), None).unwrap()
}

#[test]
fn decimal_phones_are_their_integer_digits() {
    // (cell as a data tool wrote it, default country, the E.164 number a person wrote)
    let cases = [
        ("447700900123.0", "GB", "+447700900123"),
        ("447700900123.00", "GB", "+447700900123"),
        ("+447700900123.0", "US", "+447700900123"),
        ("4915112345678.0", "DE", "+4915112345678"),
        ("14155550100.0", "US", "+14155550100"),
        ("33612345678.0", "FR", "+33612345678"),
        ("+34612345678.0", "ES", "+34612345678"),
    ];
    for (cell, cc, e164) in cases {
        let ex = extractor(&[ColumnRole::Phone], cc);
        let e = ex.extract(&[cell.to_owned()]);
        assert_eq!(e.record.keys, [(MatchKey::Phone, sha(e164))], "{cell} ({cc})");
        assert_eq!(e.checks[0].note, Some(CellNote::DecimalInteger), "{cell}");
        // Never one digit more: the wrong reading the `.0` used to give.
        let wrong = format!("{e164}0");
        assert_ne!(e.record.keys[0].1, sha(&wrong));
    }
}

#[test]
fn scientific_notation_is_refused_with_its_reason() {
    for cell in ["4.477E+11", "4,477009E+11", "4.4770090012e11", "1E10", "-4.47E+11"] {
        let roles = [ColumnRole::Phone, ColumnRole::FirstName, ColumnRole::LastName, ColumnRole::Postal];
        let ex = extractor(&roles, "GB");
        let e = ex.extract(&[cell.to_owned(), "Ann".to_owned(), "Lee".to_owned(), cell.to_owned()]);
        assert_eq!(e.checks.len(), 2, "the phone and the name + postal value");
        assert!(e.record.keys.is_empty(), "{cell}");
        for c in &e.checks {
            match &c.status {
                KeyStatus::Invalid(NormalizeError::Invalid(why)) => {
                    assert!(why.contains("scientific"), "{cell}: {why}")
                }
                other => panic!("{cell}: {other:?}"),
            }
            assert_eq!(c.note, Some(CellNote::Scientific));
        }
    }
}

/// The whole loop through the quality report: counts and warnings.
#[test]
fn report_counts_rewritten_numbers_and_short_us_zips() {
    let csv = "email,first_name,last_name,phone,zip,country\n\
        a@example.com,Ann,Lee,+447700900123.0,2100,US\n\
        b@example.com,Bo,Ek,4.477E+11,02100,US\n\
        c@example.com,Cy,Orr,+447700900456,1010,AT\n\
        d@example.com,Di,Poe,+447700900789.0,2139.0,US\n\
        e@example.com,Ed,Roe,,94016,US\n";
    let mut loader = Loader::new(Preset::named("uid2").unwrap(), LoadOptions::default(), None);
    loader.push(csv.as_bytes()).unwrap();
    let r = loader.finish().unwrap().report;
    let phone = &r.by_key[&MatchKey::Phone];
    assert_eq!((phone.valid, phone.invalid, phone.decimal_integer, phone.scientific), (3, 1, 2, 1));
    let postal = &r.by_key[&MatchKey::NamePostal];
    // 2100 (US), 2139.0 → 2139 (US): short (the note that matters more); 1010 is
    // Austria's, 02100 and 94016 are whole.
    assert_eq!((postal.short_us_zip, postal.decimal_integer, postal.valid), (2, 0, 5));
    let w = r.warnings.join("\n");
    assert!(w.contains("2 phone values were written as decimals"), "{w}");
    assert!(w.contains("1 phone values are in scientific notation"), "{w}");
    assert!(w.contains("2 US postal codes have 4 digits"), "{w}");
    assert_eq!(r.invalid_examples[&MatchKey::Phone][0].row, 3);
}

#[test]
fn xlsx_cells_read_as_excel_shows_them() {
    let r = read(&fixture("formats.xlsx")).unwrap();
    assert_eq!(r.sniff.header_row, Some(4), "two title lines and a blank row above the header");
    assert_eq!(r.sniff.skipped.iter().map(|r| r.number).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(r.sniff.headers, ["Email", "Phone", "Zip", "Zip+4", "Member no", "Points", "Country"]);
    assert_eq!(
        fields(&r),
        [
            ["ann@example.com", "447700900123", "02100", "02100-1234", "00042", "120", "US"],
            ["bob@example.com", "+447700900456", "94016", "94016-0001", "00043", "45", "US"],
            ["cid@example.com", "447700900789", "02139", "", "00044", "7", "US"],
        ]
    );
    assert_eq!(r.rows[0].number, 5);
    let roles: Vec<ColumnRole> = r.sniff.columns.iter().map(|c| c.role).collect();
    use ColumnRole::*;
    assert_eq!(roles, [Email, Phone, Postal, Postal, Attribute, Attribute, Country]);
}
