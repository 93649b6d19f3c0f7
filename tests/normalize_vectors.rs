//! Data-driven normalization tests: every row of the shared vectors
//! (`../shared/vectors/normalize.tsv`: published UID2, Google and PAIR examples) and of
//! our own `tests/vectors/normalize-*.tsv`.
//!
//! Columns: preset, kind, input, normalized, sha256_hex, comment. `error` in the
//! normalized column means the value must be refused. Lines starting with `#` are
//! comments, except `# @default-country XX` (or `none`), which sets the default country
//! for the phone rows that follow in that file; each file starts with `US`, as the
//! shared file assumes. Every failing row is reported with its file and line; an empty
//! vector set fails.
//!
//! Kind `name_postal` (`normalize-name_postal.tsv`) takes `first|last|postal|country` or
//! `full name|postal|country` as input (an empty country is the default country) and
//! writes its U+001F separators as `\x1f` in the normalized column.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cleanmatch::hash::to_hex;
use cleanmatch::normalize::{Kind, NormalizeError, PersonName, Preset};
use std::path::{Path, PathBuf};

/// The shared vectors live next to the repository (`../shared`), as in CI. A checkout
/// elsewhere (a git worktree) points `CLEANMATCH_SHARED_DIR` at that directory.
fn shared_file() -> PathBuf {
    let dir = std::env::var_os("CLEANMATCH_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared")));
    dir.join("vectors/normalize.tsv")
}
const OWN_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors");

/// Runs every row of `path`; returns (rows run, failure messages).
fn run_file(path: &Path) -> (usize, Vec<String>) {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{name}: cannot read: {e}"));
    let mut country: Option<String> = Some("US".to_string());
    let mut rows = 0;
    let mut failures = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let at = format!("{name}:{}", i + 1);
        if let Some(rest) = line.strip_prefix("# @default-country ") {
            let cc = rest.trim();
            country = (cc != "none").then(|| cc.to_string());
            continue;
        }
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let [preset, kind, input, expected, hex, comment] = f[..] else {
            failures.push(format!("{at}: expected 6 tab-separated fields, found {}", f.len()));
            continue;
        };
        rows += 1;
        let what = format!("{at} [{preset} {kind} {input:?}] ({comment})");
        let Some(p) = Preset::named(preset) else {
            failures.push(format!("{what}: unknown preset"));
            continue;
        };
        if kind == "name_postal" {
            match name_postal(&p, input, country.as_deref()) {
                Ok((got, digest)) => failures.extend(compare(&what, &expected.replace("\\x1f", "\u{1f}"), hex, got, digest)),
                Err(why) => failures.push(format!("{what}: {why}")),
            }
            continue;
        }
        let Some(k) = Kind::parse(kind) else {
            failures.push(format!("{what}: unknown kind"));
            continue;
        };
        let got = p.normalize(k, input, country.as_deref());
        match (expected, got) {
            ("error", Ok(n)) => failures.push(format!("{what}: expected an error, got {n:?}")),
            ("error", Err(_)) => {}
            (want, Err(e)) => failures.push(format!("{what}: expected {want:?}, got error {e}")),
            (want, Ok(n)) if n != want => failures.push(format!("{what}: expected {want:?}, got {n:?}")),
            (_, Ok(_)) => match p.digest(k, input, country.as_deref()) {
                Ok(d) if to_hex(&d) == hex => {}
                Ok(d) => failures.push(format!("{what}: digest {} != {hex}", to_hex(&d))),
                Err(e) => failures.push(format!("{what}: digest failed: {e}")),
            },
        }
    }
    if rows == 0 {
        failures.push(format!("{name}: no vectors"));
    }
    (rows, failures)
}

type Normalized = (Result<String, NormalizeError>, Result<[u8; 32], NormalizeError>);

/// A `name_postal` input (`first|last|postal|country` or `full|postal|country`) through the
/// preset: the normalized value and the digest.
fn name_postal(p: &Preset, input: &str, default_country: Option<&str>) -> Result<Normalized, String> {
    let parts: Vec<&str> = input.split('|').collect();
    let (person, postal, country) = match parts[..] {
        [first, last, postal, country] => (PersonName::Split { first, last }, postal, country),
        [full, postal, country] => (PersonName::Full(full), postal, country),
        _ => return Err(format!("expected 3 or 4 |-separated parts, found {}", parts.len())),
    };
    let country = if country.is_empty() { default_country } else { Some(country) };
    Ok((p.normalize_name_postal(person, postal, country), p.digest_name_postal(person, postal, country)))
}

/// Failures of one row whose result was computed.
fn compare(
    what: &str,
    expected: &str,
    hex: &str,
    got: Result<String, NormalizeError>,
    digest: Result<[u8; 32], NormalizeError>,
) -> Option<String> {
    match (expected, got, digest) {
        ("error", Ok(n), _) => Some(format!("{what}: expected an error, got {n:?}")),
        ("error", Err(_), Err(_)) => None,
        ("error", Err(_), Ok(_)) => Some(format!("{what}: normalizing refused it but the digest did not")),
        (want, Err(e), _) => Some(format!("{what}: expected {want:?}, got error {e}")),
        (want, Ok(n), _) if n != want => Some(format!("{what}: expected {want:?}, got {n:?}")),
        (_, Ok(_), Ok(d)) if to_hex(&d) == hex => None,
        (_, Ok(_), Ok(d)) => Some(format!("{what}: digest {} != {hex}", to_hex(&d))),
        (_, Ok(_), Err(e)) => Some(format!("{what}: digest failed: {e}")),
    }
}

fn own_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(OWN_DIR)
        .expect("tests/vectors")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("normalize-") && n.ends_with(".tsv")))
        .collect();
    files.sort();
    files
}

fn check(files: &[PathBuf]) {
    assert!(!files.is_empty(), "no vector files");
    let mut total = 0;
    let mut failures = Vec::new();
    for f in files {
        let (rows, fails) = run_file(f);
        total += rows;
        failures.extend(fails);
    }
    assert!(failures.is_empty(), "{} of {total} rows failed:\n{}", failures.len(), failures.join("\n"));
    assert!(total > 0, "no vectors");
    eprintln!("{total} rows passed in {} file(s)", files.len());
}

#[test]
fn shared_vectors() {
    check(&[shared_file()]);
}

#[test]
fn own_vectors() {
    let files = own_files();
    // One file per kind, so no rule goes untested by accident.
    for kind in Kind::ALL {
        assert!(
            files.iter().any(|f| f.ends_with(format!("normalize-{}.tsv", kind.as_str()))),
            "no tests/vectors/normalize-{}.tsv",
            kind.as_str()
        );
    }
    assert!(files.iter().any(|f| f.ends_with("normalize-name_postal.tsv")), "no tests/vectors/normalize-name_postal.tsv");
    check(&files);
}

#[test]
fn runner_refuses_an_empty_file() {
    let dir = std::env::temp_dir().join(format!("cleanmatch-empty-vectors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("normalize-empty.tsv");
    std::fs::write(&path, "# preset\tkind\tinput\tnormalized\tsha256_hex\tcomment\n").unwrap();
    let (rows, failures) = run_file(&path);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(rows, 0);
    assert_eq!(failures.len(), 1, "{failures:?}");
}

#[test]
fn runner_reports_a_wrong_name_postal_row() {
    let dir = std::env::temp_dir().join(format!("cleanmatch-np-vectors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("normalize-wrong.tsv");
    let rows = "uid2\tname_postal\tAnn|Lee|94043|\tann lee\\x1f94043\\x1fUS\t00\tright value, wrong digest\n\
                uid2\tname_postal\tAnn|Lee|94043|\tlee ann\\x1f94043\\x1fUS\t\twrong value\n\
                uid2\tname_postal\tAnn Lee|94043|US\terror\t\tnot an error\n\
                uid2\tname_postal\tAnn|94043\terror\t\ttwo parts\n";
    std::fs::write(&path, rows).unwrap();
    let (n, failures) = run_file(&path);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!((n, failures.len()), (4, 4), "{failures:?}");
}
