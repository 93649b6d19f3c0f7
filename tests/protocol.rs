//! Two real parties in one process: overlap, multi-key, groups, suppression, lift.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod pair;

use cleanmatch::manifest::{Measurement, Mode, Side};
use pair::*;

fn emails(range: std::ops::Range<usize>) -> Vec<Rec<'static>> {
    range.map(|i| (None, vec![email(i)])).collect()
}

#[test]
fn hundred_thousand_each_aggregate_and_audience() {
    // Host 0..100k, guest 60k..160k: overlap 40k.
    let host = emails(0..100_000);
    let guest = emails(60_000..160_000);
    for mode in [Mode::Aggregate, Mode::Audience] {
        let m = manifest(mode, &["email"], 50);
        let (a, b) = run_pair(&m, &host, &guest).unwrap();
        assert!(a.confirmed() && b.confirmed());
        let (ra, rb) = (a.report().unwrap(), b.report().unwrap());
        assert_eq!(ra, rb, "both sides compute the same report");
        assert_eq!(ra.figures.host.matched, Some(40_000));
        assert_eq!(ra.figures.guest.matched, Some(40_000));
        assert_eq!(ra.figures.host.records, 100_000);
        let rows = a.matched_rows();
        if mode == Mode::Audience {
            assert_eq!(rows.unwrap(), (60_000..100_000).collect::<Vec<u32>>());
            assert_eq!(b.matched_rows().unwrap(), (0..40_000).collect::<Vec<u32>>());
        } else {
            assert_eq!(rows, None, "aggregate mode never says which records matched");
        }
    }
}

#[test]
fn a_record_counts_once_whatever_key_matches() {
    // Host record i: email i + phone i. Guest: records matching by phone only, by
    // email only, by both, and two guest records matching one host record.
    let host: Vec<Rec> = (0..100).map(|i| (None, vec![email(i), phone(i)])).collect();
    let mut guest: Vec<Rec> = Vec::new();
    guest.extend((0..10).map(|i| (None, vec![phone(i), email(1000 + i)]))); // phone only
    guest.extend((10..20).map(|i| (None, vec![email(i)]))); // email only
    guest.extend((20..30).map(|i| (None, vec![email(i), phone(i)]))); // both
    guest.extend((30..35).map(|i| (None, vec![email(i)]))); // host 30..35 twice:
    guest.extend((30..35).map(|i| (None, vec![phone(i)])));
    guest.extend((0..40).map(|i| (None, vec![email(5000 + i)]))); // no match
    let m = manifest(Mode::Aggregate, &["email", "phone"], 2);
    let (a, b) = run_pair(&m, &host, &guest).unwrap();
    let r = a.report().unwrap();
    assert_eq!(r, b.report().unwrap());
    assert_eq!(r.figures.host.matched, Some(35), "host records 0..35 matched, each once");
    assert_eq!(r.figures.guest.matched, Some(40), "guest records matching any host record");
    let email_fig = r.figures.guest.by_key.iter().find(|k| k.key == key("email")).unwrap();
    assert_eq!(email_fig.matched, Some(25));
}

#[test]
fn groups_cells_suppression_and_lift() {
    // Host: exposure groups; 1000 exposed (ids 0..1000), 1000 control (1000..2000),
    // and 3 records in a tiny group that must be merged into "(other)".
    let mut host: Vec<Rec> = Vec::new();
    host.extend((0..1000).map(|i| (Some("exposed".to_string()), vec![email(i)])));
    host.extend((1000..2000).map(|i| (Some("control".to_string()), vec![email(i)])));
    host.extend((2000..2003).map(|i| (Some("vip".to_string()), vec![email(i)])));
    // A group of 30 (>= k) that joins "(other)" so that "(other)" itself reaches k.
    host.extend((3000..3030).map(|i| (Some("loyal".to_string()), vec![email(i)])));
    // Guest: converters: 150 exposed, 100 control, 2 of the tiny group; region groups.
    let mut guest: Vec<Rec> = Vec::new();
    guest.extend((0..150).map(|i| (Some(if i % 2 == 0 { "north" } else { "south" }.to_string()), vec![email(i)])));
    guest.extend((1000..1100).map(|i| (Some("north".to_string()), vec![email(i)])));
    guest.extend((2000..2002).map(|i| (Some("north".to_string()), vec![email(i)])));
    guest.extend((0..500).map(|i| (Some("south".to_string()), vec![email(9000 + i)])));
    let mut m = manifest(Mode::Aggregate, &["email"], 20);
    m.host_group = Some("exposure".into());
    m.guest_group = Some("region".into());
    m.measurement = Some(Measurement { side: Side::Host, exposed: "exposed".into(), control: "control".into() });
    let (a, b) = run_pair(&m, &host, &guest).unwrap();
    let r = a.report().unwrap();
    assert_eq!(r, b.report().unwrap());
    assert_audit_passes(r);
    let labels: Vec<&str> = r.figures.host.groups.iter().map(|g| g.label.as_str()).collect();
    assert_eq!(labels, vec!["control", "exposed", "(other)"]);
    assert!(!labels.contains(&"vip"), "a group under k is merged: {labels:?}");
    let g = |label: &str| r.figures.host.groups.iter().find(|g| g.label == label).unwrap();
    assert_eq!(g("(other)").records, 33, "(other) took the smallest group to reach k");
    assert_eq!(g("exposed").matched, Some(150));
    assert_eq!(g("control").matched, Some(100));
    assert_eq!(g("(other)").matched, None, "2 < k is suppressed");
    // Cells: exposed×north 75, exposed×south 75, control×north 100, control×south 0,
    // (other)×north 2, (other)×south 0. The zero and the 2 are suppressed, and so is
    // enough of the rest that none of them follows from the margins.
    let cell = |h: &str, gst: &str| {
        r.figures.host.cells.iter().find(|c| c.group == h && c.partner_group == gst).and_then(|c| c.matched)
    };
    let truth = [("exposed", "north", 75), ("exposed", "south", 75), ("control", "north", 100), ("control", "south", 0)];
    for (h, gst, n) in truth {
        assert!(cell(h, gst).is_none_or(|v| v == n), "{h}×{gst} is {n} or suppressed");
    }
    assert_eq!(cell("control", "south"), None);
    assert_eq!(cell("(other)", "north"), None);
    let lift = r.lift.as_ref().unwrap();
    assert!((lift.lift.unwrap() - 0.5).abs() < 1e-9, "15% vs 10% conversion is +50%");
}

#[test]
fn overlap_under_k_is_suppressed_and_sizes_are_enforced() {
    let host = emails(0..100);
    let guest = emails(95..200);
    let m = manifest(Mode::Aggregate, &["email"], 10);
    let (a, _) = run_pair(&m, &host, &guest).unwrap();
    assert_eq!(a.report().unwrap().figures.host.matched, None);
    let mut strict = manifest(Mode::Aggregate, &["email"], 10);
    strict.min_records = 150;
    let err = run_pair(&strict, &guest, &host).err().unwrap();
    assert!(err.to_string().contains("minimum"), "{err}");
}
