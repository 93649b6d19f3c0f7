// Unit tests, compiled only under #[cfg(test)] (declared in the parent module).
use super::view::MergedGroups;
use super::*;

fn v(n: u8) -> [u8; 12] {
    [n; 12]
}

#[test]
fn small_groups_merge_into_other() {
    let m = MergedGroups::new(&[("a".into(), 60), ("b".into(), 3), ("c".into(), 4)], 5);
    assert_eq!(m.labels, vec!["a".to_string(), "(other)".to_string()]);
    assert_eq!(m.counts, vec![60, 7]);
    assert_eq!(m.map, vec![0, 1, 1]);
    // (other) must reach k: with one record it takes the smallest group with it.
    let m = MergedGroups::new(&[("north".into(), 100), ("east".into(), 60), ("target".into(), 1)], 50);
    assert_eq!(m.labels, vec!["north".to_string(), "(other)".to_string()]);
    assert_eq!(m.counts, vec![100, 61]);
    let m = MergedGroups::new(&[("north".into(), 100), ("target".into(), 1)], 50);
    assert_eq!(m.labels, vec!["(other)".to_string()], "a lone complement goes too");
}

#[test]
fn a_record_counts_once_and_small_counts_are_suppressed() {
    let mut own = OwnIndex::new();
    own.insert(0, v(1), 0);
    own.insert(1, v(2), 0);
    own.insert(0, v(3), 1);
    own.insert(0, v(3), 0); // the same person in two own groups
    let groups = MergedGroups::new(&[("all".into(), 4)], 1);
    // One own group shown ("x"); own group 1 exists only in the index, so the record
    // matching into both counts in the first.
    let mut b = ViewBuilder::new(1, groups, vec!["x".into()]);
    b.add(0, &[(0, v(1)), (1, v(2))], &own); // matches on both keys: counts once
    b.add(0, &[(0, v(9))], &own);
    b.add(0, &[(0, v(3))], &own); // matches into both own groups: one cell, the first
    b.add(0, &[(1, v(9))], &own);
    let view = b.finish(&[MatchKey::Email, MatchKey::Phone]).unwrap();
    assert_eq!(view.records, 4);
    assert_eq!(view.matched, Some(2));
    assert_eq!(view.by_key[0].records, 3);
    assert_eq!(view.by_key[0].matched, Some(2));
    assert_eq!(view.by_key[1].matched, Some(1));
    assert_eq!(view.cells.len(), 1, "a record counts in one cell");
    assert_eq!(view.cells[0].matched, Some(2));

    let groups = MergedGroups::new(&[("all".into(), 4)], 1);
    let mut b = ViewBuilder::new(2, groups, vec!["x".into()]);
    b.add(0, &[(0, v(1)), (1, v(2))], &own);
    b.add(0, &[(0, v(3))], &own);
    let view = b.finish(&[MatchKey::Email, MatchKey::Phone]).unwrap();
    assert_eq!(view.matched, Some(2));
    assert_eq!(view.by_key[1].matched, None, "1 < k = 2 is suppressed");
    assert_eq!(view.by_key[0].matched, Some(2), "phone is only known to be 0..=1 either way");
}

#[test]
fn lift_matches_a_hand_computation() {
    let g = |label: &str, records, matched| GroupFigures { label: label.into(), records, matched: Some(matched) };
    let l = Lift::compute(&g("exposed", 1000, 120), &g("control", 1000, 100));
    assert!((l.lift.unwrap() - 0.2).abs() < 1e-12);
    let (lo, hi) = l.ci95.unwrap();
    assert!(lo < 0.2 && hi > 0.2 && lo > -0.1 && hi < 0.6, "{lo} {hi}");
    let none = Lift::compute(&g("exposed", 1000, 120), &GroupFigures { matched: None, ..g("control", 1000, 0) });
    assert_eq!(none.lift, None);
}
