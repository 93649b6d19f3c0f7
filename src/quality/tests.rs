// Unit tests, compiled only under #[cfg(test)] (declared in the parent module).
#![allow(clippy::panic)] // a test reports failure by panicking

use super::*;
use crate::ingest::{Ingest, IngestOptions};
use crate::normalize::Preset;

fn inspect(csv: &str, group: Option<usize>, suppression: Option<Suppression>) -> QualityReport {
    let mut ingest = Ingest::new(IngestOptions::default());
    assert_eq!(ingest.push(csv.as_bytes()), Ok(()));
    assert_eq!(ingest.finish(), Ok(()));
    let Some(sniff) = ingest.sniff().cloned() else { panic!("no sniff") };
    let Some(preset) = Preset::named("uid2") else { panic!("no preset") };
    let ins = Inspector::new(&sniff, &sniff.columns, preset, Some("US"), group, suppression);
    let Ok(mut ins) = ins else { panic!("inspector") };
    while let Some(row) = ingest.next_row() {
        ins.add(&row);
    }
    ins.finish(ingest.stats())
}

#[test]
fn counts_every_row_with_its_reason() {
    let csv = "email,phone,tier\n\
               a@example.com,+14155550100,gold\n\
               not-an-email,,gold\n\
               ,,\n\
               a@example.com,+14155550100,silver\n\
               b@example.com,(415) 555-0101,silver\n";
    let r = inspect(csv, Some(2), None);
    assert_eq!(r.rows, 5);
    assert_eq!(r.records, 2);
    assert_eq!(r.unused_rows.get("no_valid_identifier"), Some(&1));
    assert_eq!(r.unused_rows.get("blank"), Some(&1));
    assert_eq!(r.unused_rows.get("duplicate_record"), Some(&1));
    let email = &r.by_key[&MatchKey::Email];
    assert_eq!((email.valid, email.invalid, email.empty, email.duplicate), (3, 1, 0, 1));
    let phone = &r.by_key[&MatchKey::Phone];
    assert_eq!((phone.valid, phone.empty, phone.assumed_country), (3, 1, 1));
    assert_eq!(r.invalid_examples[&MatchKey::Email][0].row, 3);
    assert_eq!(r.invalid_examples[&MatchKey::Email][0].column, "email");
    assert!(r.warnings.iter().any(|w| w.contains("no country code; assumed US")));
    let Some(g) = &r.group else { panic!("no group") };
    assert_eq!(g.values.len(), 2);
}

#[test]
fn group_lists_top_twenty_and_other() {
    let mut csv = String::from("email,city\n");
    for i in 0..100 {
        csv.push_str(&format!("u{i}@example.com,city{}\n", i % 25));
    }
    let r = inspect(&csv, Some(1), None);
    let Some(g) = &r.group else { panic!("no group") };
    assert_eq!(g.values.len(), TOP_GROUPS);
    assert_eq!(g.distinct, 25);
    assert_eq!(g.other, 20);
    assert_eq!(g.values.iter().map(|v| v.count).sum::<u64>() + g.other, 100);
    assert_eq!(g.refused, None, "25 cities of 4 records each are segments");
}

#[test]
fn an_identifier_like_group_column_is_flagged_before_any_run() {
    // Unique customer numbers: a run would refuse them (`breakdown-identifier`); the
    // quality report says so while the file is checked.
    let mut csv = String::from("email,customer\n");
    for i in 0..100 {
        csv.push_str(&format!("u{i}@example.com,C{i:06}\n"));
    }
    let r = inspect(&csv, Some(1), None);
    let Some(g) = &r.group else { panic!("no group") };
    assert!(g.refused.as_deref().is_some_and(|w| w.contains("most of its values occur once")), "{:?}", g.refused);
    assert!(!g.refused.as_deref().unwrap_or_default().contains("C000"), "names no value");
}

#[test]
fn suppression_list_removes_records() {
    let Some(preset) = Preset::named("uid2") else { panic!("no preset") };
    let Ok(d) = preset.digest(crate::normalize::Kind::Email, "B@Example.com", None) else { panic!("digest") };
    let list = Suppression::from_records([Record { keys: vec![(MatchKey::Email, d)], group: None }]);
    let r = inspect("email\na@example.com\nb@example.com\n", None, Some(list));
    assert_eq!((r.records, r.suppressed), (1, 1));
}
