//! The role guesser against a corpus of realistic columns (tests/fixtures/roles/corpus.tsv):
//! headers in seven languages, ids, dates, amounts and flags that must stay attributes,
//! and columns without a header where only unmistakable values make an identifier.
#![allow(clippy::panic)] // a test reports failure by panicking

mod ingest_support;

use cleanmatch::ingest::roles::guess_roles;
use cleanmatch::ingest::ColumnRole;
use ingest_support::read;
use std::collections::BTreeSet;
use std::path::PathBuf;

struct Case {
    line: usize,
    lang: String,
    header: Option<String>,
    role: ColumnRole,
    values: Vec<String>,
}

fn corpus() -> Vec<Case> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/roles/corpus.tsv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut cases = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split('\t').collect();
        let [lang, header, role, values] = parts[..] else { panic!("line {}: four tab-separated fields", i + 1) };
        let role = ColumnRole::parse(role).unwrap_or_else(|| panic!("line {}: unknown role {role}", i + 1));
        cases.push(Case {
            line: i + 1,
            lang: lang.to_owned(),
            header: (header != "-").then(|| header.to_owned()),
            role,
            values: values.split(" | ").map(str::to_owned).collect(),
        });
    }
    cases
}

#[test]
fn corpus_roles() {
    let cases = corpus();
    assert!(cases.len() >= 80, "the corpus is too small: {}", cases.len());
    let langs: BTreeSet<&str> = cases.iter().map(|c| c.lang.as_str()).filter(|l| *l != "-").collect();
    for l in ["en", "de", "fr", "es", "nl", "it", "pt"] {
        assert!(langs.contains(l), "no case in {l}");
    }
    let mut failures = Vec::new();
    for c in &cases {
        let name = c.header.clone().unwrap_or_else(|| "column 1".to_owned());
        let sample: Vec<Vec<String>> = c.values.iter().map(|v| vec![v.clone()]).collect();
        let g = &guess_roles(&[name], c.header.is_some(), &sample)[0];
        assert!(!g.evidence.is_empty(), "line {}: no evidence", c.line);
        if g.role != c.role {
            failures.push(format!(
                "line {} ({}, {:?}): expected {}, got {} ({:.2}): {}",
                c.line,
                c.lang,
                c.header.as_deref().unwrap_or("no header"),
                c.role.as_str(),
                g.role.as_str(),
                g.confidence,
                g.evidence
            ));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases wrong:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

/// Every column the corpus expects to be an attribute, under a neutral header, with the
/// values shuffled: never an identifier, whatever the order.
#[test]
fn attribute_values_stay_attributes_under_any_unknown_header() {
    for c in corpus().iter().filter(|c| c.role == ColumnRole::Attribute) {
        for header in ["Feld", "Info", "x"] {
            let mut values = c.values.clone();
            values.reverse();
            let sample: Vec<Vec<String>> = values.iter().map(|v| vec![v.clone()]).collect();
            let g = &guess_roles(&[header.to_owned()], true, &sample)[0];
            assert!(
                g.role.key().is_none(),
                "line {}: {:?} values under {header:?} guessed {}: {}",
                c.line,
                c.header,
                g.role.as_str(),
                g.evidence
            );
        }
    }
}

/// The reported case end to end: ids `G0`, `G1`, ... under `Kunde` beside real keys.
#[test]
fn customer_ids_beside_keys_are_not_postal_codes() {
    let mut csv = String::from("Kunde;Vorname;E-Mail;Umsatz\n");
    for i in 0..40 {
        csv.push_str(&format!("G{i};Anna;anna{i}@example.de;{},{:02}\n", 10 + i, i));
    }
    let r = read(csv.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let roles: Vec<ColumnRole> = r.sniff.columns.iter().map(|c| c.role).collect();
    assert_eq!(roles, [ColumnRole::Attribute, ColumnRole::FirstName, ColumnRole::Email, ColumnRole::Attribute]);
    assert!(r.sniff.columns[0].evidence.contains("Kunde"), "{}", r.sniff.columns[0].evidence);
}
