//! Several values of one key per record (two email columns, three phones): every value
//! takes part, a record counts once, per-key figures count records. The truth is
//! computed here from the plain values, independently of the protocol.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod pair;

use cleanmatch::manifest::{Mode, Side};
use cleanmatch::psi::{Party, PartyError, Secret, Whose};
use cleanmatch::wire::{Message, SetHeader};
use pair::*;
use std::collections::HashSet;

/// A small deterministic generator (SplitMix64), so a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> usize {
        (self.next() % n) as usize
    }
}

/// Records with 0–3 emails and 0–2 phones drawn from small pools (so values repeat
/// within and across records), each in one of two groups; records with no value are
/// left out as a file's empty rows would be.
fn side(rng: &mut Rng, n: usize, pool: usize) -> Vec<Rec<'static>> {
    let mut out = Vec::new();
    while out.len() < n {
        let mut vals = Vec::new();
        for _ in 0..rng.below(4) {
            vals.push(email(rng.below(pool as u64)));
        }
        for _ in 0..rng.below(3) {
            vals.push(phone(rng.below(pool as u64)));
        }
        if !vals.is_empty() {
            let group = if rng.below(2) == 0 { "north" } else { "south" };
            out.push((Some(group.to_string()), vals));
        }
    }
    out
}

/// Per record: whether any of its values of `key` (or of any key, for `None`) is among
/// the partner's values of that key.
fn matches(rec: &Rec<'_>, partner: &[Rec<'_>], key: Option<&str>) -> bool {
    let theirs: HashSet<(&str, &String)> = partner.iter().flat_map(|r| r.1.iter().map(|(k, v)| (*k, v))).collect();
    rec.1.iter().any(|(k, v)| key.is_none_or(|want| want == *k) && theirs.contains(&(*k, v)))
}

fn truth(own: &[Rec<'_>], partner: &[Rec<'_>], key: Option<&str>) -> u64 {
    own.iter().filter(|r| matches(r, partner, key)).count() as u64
}

fn holding(own: &[Rec<'_>], key: &str) -> u64 {
    own.iter().filter(|r| r.1.iter().any(|(k, _)| *k == key)).count() as u64
}

#[test]
fn every_value_of_a_key_takes_part_and_a_record_counts_once() {
    let mut rng = Rng(7);
    for round in 0..6 {
        let host = side(&mut rng, 400, 900);
        let guest = side(&mut rng, 300, 900);
        let m = manifest(Mode::Aggregate, &["email", "phone"], 1);
        let (a, b) = run_pair(&m, &host, &guest).unwrap();
        assert!(a.confirmed() && b.confirmed());
        let r = a.report().unwrap();
        assert_eq!(r, b.report().unwrap());
        for (own, partner, view) in [(&host, &guest, &r.figures.host), (&guest, &host, &r.figures.guest)] {
            assert_eq!(view.records, own.len() as u64, "round {round}");
            assert_eq!(view.matched, Some(truth(own, partner, None)), "round {round}: matched records");
            for name in ["email", "phone"] {
                let fig = view.by_key.iter().find(|f| f.key == key(name)).unwrap();
                assert_eq!(fig.records, holding(own, name), "round {round}: records holding {name}");
                assert_eq!(fig.matched, Some(truth(own, partner, Some(name))), "round {round}: matched on {name}");
            }
            for g in &view.groups {
                let in_group: Vec<Rec> = own.iter().filter(|x| x.0.as_deref() == Some(g.label.as_str())).cloned().collect();
                assert_eq!(g.matched, Some(truth(&in_group, partner, None)), "round {round}: group {}", g.label);
            }
        }
    }
}

#[test]
fn audience_rows_include_records_matching_on_a_second_column() {
    let mut rng = Rng(11);
    // Audience mode has no breakdown groups.
    let ungrouped = |v: Vec<Rec<'static>>| v.into_iter().map(|(_, vals)| (None, vals)).collect::<Vec<Rec>>();
    let host = ungrouped(side(&mut rng, 300, 600));
    let guest = ungrouped(side(&mut rng, 300, 600));
    let m = manifest(Mode::Audience, &["email", "phone"], 1);
    let (a, b) = run_pair(&m, &host, &guest).unwrap();
    for (party, own, partner) in [(&a, &host, &guest), (&b, &guest, &host)] {
        let want: Vec<u32> = (0..own.len() as u32).filter(|i| matches(&own[*i as usize], partner, None)).collect();
        assert_eq!(party.matched_rows().unwrap(), want);
    }
}

#[test]
fn a_second_email_column_matches_where_the_first_does_not() {
    // Host: `Email` and `Email 2`; the partner knows each person by the second one only.
    let host: Vec<Rec> = (0..50).map(|i| (None, vec![email(i), email(1000 + i)])).collect();
    let guest: Vec<Rec> = (0..50).map(|i| (None, vec![email(1000 + i)])).collect();
    let m = manifest(Mode::Aggregate, &["email"], 1);
    let (a, _) = run_pair(&m, &host, &guest).unwrap();
    let r = a.report().unwrap();
    assert_eq!(r.figures.host.matched, Some(50));
    assert_eq!(r.figures.host.by_key[0].records, 50, "per-key figures count records, not values");
    assert_eq!(r.figures.host.by_key[0].matched, Some(50));
    // The same email in both columns is one value: it matches once, counts once.
    let twice: Vec<Rec> = (0..50).map(|i| (None, vec![email(i), email(i)])).collect();
    let (a, _) = run_pair(&m, &twice, &guest).unwrap();
    assert_eq!(a.report().unwrap().figures.host.matched.unwrap_or(0), 0, "0 is below k = 1 and shown as none");
    let (a, _) = run_pair(&m, &twice, &host).unwrap();
    assert_eq!(a.report().unwrap().figures.host.matched, Some(50));
}

#[test]
fn the_size_limit_counts_values_of_each_key() {
    // 30 records within a limit of 40, but 60 email values above it.
    let host: Vec<Rec> = (0..30).map(|i| (None, vec![email(i), email(100 + i)])).collect();
    let guest: Vec<Rec> = (0..30).map(|i| (None, vec![email(i)])).collect();
    let mut m = manifest(Mode::Aggregate, &["email"], 1);
    m.max_records = 40;
    let err = run_pair(&m, &host, &guest).err().unwrap();
    assert!(matches!(err, PartyError::TooManyValues { whose: Whose::Own, values: 60, max: 40, .. }), "{err:?}");
    assert_eq!(err.code(), "set-too-large");
    // The partner's header is checked too: 60 email values among 30 records are refused.
    let mut a = Party::new(Side::Host, m.clone(), Secret::random().unwrap(), own_set(&guest, &m.keys)).unwrap();
    let header = SetHeader { manifest_hash: m.hash(), records: 30, key_counts: [60, 0, 0, 0], groups: vec![("all".into(), 30)] };
    let err = a.handle(Message::SetHeader(header)).err().unwrap();
    assert!(matches!(err, PartyError::TooManyValues { whose: Whose::Partner, values: 60, max: 40, .. }), "{err:?}");
}
