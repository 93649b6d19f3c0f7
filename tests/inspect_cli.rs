//! `cleanmatch inspect` run as a real process on the fixtures.
#![allow(clippy::panic)] // a test reports failure by panicking

use std::path::PathBuf;
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ingest").join(name)
}

fn inspect(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cleanmatch"))
        .arg("inspect")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run cleanmatch: {e}"))
}

fn report(args: &[&str]) -> serde_json::Value {
    let out = inspect(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "inspect {args:?} failed: {stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "one JSON object on one line");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

#[test]
fn reports_the_required_fields() {
    let path = fixture("semicolon_crlf.csv");
    let r = report(&[path.to_str().unwrap_or_default(), "--default-country", "US", "--group", "segment"]);
    assert_eq!(r["rows"], 3);
    assert_eq!(r["encoding"], "UTF-8");
    assert_eq!(r["delimiter"], ";");
    let columns = r["columns"].as_array().cloned().unwrap_or_default();
    assert_eq!(columns.len(), 5);
    assert_eq!(columns[0]["name"], "email");
    assert_eq!(columns[0]["role"], "email");
    assert!(columns[0]["confidence"].as_f64().unwrap_or(0.0) > 0.9);
    // Names without a postal code are no key, and the report says why.
    assert_eq!(r["keys"], serde_json::json!(["email", "phone"]));
    assert_eq!(columns[2]["key_use"], "no key: names without a postal code");
    assert_eq!(columns[0]["key_use"], "the email key");
    assert!(r["by_key"].get("name_postal").is_none());
    for kind in ["email", "phone"] {
        for field in ["valid", "invalid", "empty", "duplicate"] {
            assert!(r["by_key"][kind][field].is_u64(), "by_key.{kind}.{field}");
        }
    }
    assert_eq!(r["by_key"]["email"]["valid"], 3);
    assert_eq!(r["by_key"]["phone"]["valid"], 3);
    assert_eq!(r["group"]["values"][0]["value"], "gold");
    assert_eq!(r["group"]["values"][0]["count"], 2);
    assert_eq!(r["records"], 3);
}

#[test]
fn column_overrides_and_suppression() {
    let path = fixture("comma_lf.csv");
    let supp = fixture("suppress.csv");
    let r = report(&[
        path.to_str().unwrap_or_default(),
        "--columns",
        "phone=ignore,segment=attribute",
        "--suppress",
        supp.to_str().unwrap_or_default(),
    ]);
    assert_eq!(r["columns"][1]["role"], "ignore");
    assert_eq!(r["columns"][1]["confidence"], 1.0);
    assert!(r["by_key"].get("phone").is_none());
    assert_eq!(r["suppressed"], 1);
    assert_eq!(r["unused_rows"]["suppressed"], 1);
    assert_eq!(r["records"], 2);
}

#[test]
fn opt_out_column() {
    let r = report(&[fixture("opt_out.csv").to_str().unwrap_or_default()]);
    assert_eq!(r["suppressed"], 1);
    assert_eq!(r["records"], 2);
}

#[test]
fn workbook_sheets() {
    let path = fixture("workbook.xlsx");
    let r = report(&[path.to_str().unwrap_or_default(), "--default-country", "DE"]);
    assert_eq!(r["format"], "xlsx");
    assert_eq!(r["sheet"], "Customers");
    assert_eq!(r["rows"], 3);
    assert_eq!(r["by_key"]["phone"]["valid"], 3);
    let r = report(&[path.to_str().unwrap_or_default(), "--sheet", "Opt-outs"]);
    assert_eq!(r["rows"], 1);
}

#[test]
fn invalid_examples_name_row_and_column() {
    let path = fixture("ragged.csv");
    let r = report(&[path.to_str().unwrap_or_default()]);
    assert_eq!(r["ragged_rows"], 2);
    assert!(r["warnings"].as_array().is_some_and(|w| !w.is_empty()));
}

#[test]
fn bad_files_fail_clearly() {
    let cases = [
        ("empty.csv", "empty"),
        ("image.png", "PNG image"),
        ("document.pdf", "PDF"),
        ("archive.zip", "ZIP archive"),
        ("truncated.xlsx", "xlsx"),
        ("no_identifier.csv", "no column holds"),
    ];
    for (name, needle) in cases {
        let out = inspect(&[fixture(name).to_str().unwrap_or_default()]);
        assert!(!out.status.success(), "{name} should fail");
        assert!(out.stdout.is_empty(), "{name}: nothing on stdout");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{name}: {stderr}");
    }
    let out = inspect(&["/nonexistent/file.csv"]);
    assert!(!out.status.success());
    let out = inspect(&[fixture("comma_lf.csv").to_str().unwrap_or_default(), "--columns", "nope=email"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no column named"));
    let out = inspect(&[fixture("comma_lf.csv").to_str().unwrap_or_default(), "--preset", "nope"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn header_row_and_evidence() {
    // formats.xlsx: two title lines and a blank row above the header (row 4).
    let path = fixture("formats.xlsx");
    let p = path.to_str().unwrap_or_default();
    let r = report(&[p, "--default-country", "GB"]);
    assert_eq!(r["header_row"], 4);
    assert_eq!(r["skipped_rows"], serde_json::json!([1, 2, 3]));
    assert_eq!(r["rows"], 3);
    let columns = r["columns"].as_array().cloned().unwrap_or_default();
    let evidence = |i: usize| columns[i]["evidence"].as_str().unwrap_or_default().to_owned();
    assert!(evidence(0).contains("header \u{201c}Email\u{201d} is a known email column name"), "{}", evidence(0));
    assert!(evidence(4).contains("not an identifier"), "{}", evidence(4));
    // Zip codes without names form no key, and the report says so.
    assert_eq!(r["keys"], serde_json::json!(["email", "phone"]));
    assert!(r["by_key"].get("name_postal").is_none());
    assert_eq!(columns[2]["key_use"], "no key: a postal code without first and last names");
    assert!(r["warnings"].to_string().contains("a name or a postal code alone is not a key"), "{}", r["warnings"]);
    // The summary on stderr says why each column was or was not taken.
    let out = inspect(&[p, "--default-country", "GB"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Member no = attribute"), "{stderr}");
    assert!(stderr.contains("header: row 4"), "{stderr}");
    // Choosing the header row: row 5 as header leaves two data rows.
    let r = report(&[p, "--header-row", "5", "--columns", "1=email"]);
    assert_eq!(r["header_row"], 5);
    assert_eq!(r["rows"], 2);
    let out = inspect(&[p, "--header-row", "99"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("row 99 cannot be the header"));
}
