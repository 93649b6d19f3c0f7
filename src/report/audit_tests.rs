// Unit tests, compiled only under #[cfg(test)] (declared in the parent module).
// Unit tests of the disclosure rule and the auditor (declared in the parent module).
use super::audit::audit;
use super::disclosure::protect;
use super::grid::{Entry, Grid, Slot, State};
use super::*;
use proptest::prelude::*;

fn view(records: u64, matched: Count, groups: &[(&str, u64, Count)]) -> View {
    View {
        records,
        matched,
        by_key: vec![KeyFigures { key: MatchKey::Email, records, matched }],
        groups: groups.iter().map(|(l, r, m)| GroupFigures { label: l.to_string(), records: *r, matched: *m }).collect(),
        cells: Vec::new(),
    }
}

fn figures(host: View, guest: View, k: u32) -> Figures {
    Figures { version: 1, manifest_hash: String::new(), mode: crate::manifest::Mode::Aggregate, k, noise: None, host, guest }
}

#[test]
fn the_reports_of_issue_11_fail_the_auditor() {
    // matched 101 = north 100 + (other) "< k": (other) is exactly 1.
    let host = view(201, Some(101), &[("north", 200, Some(100)), ("(other)", 1, None)]);
    let guest = view(400, Some(101), &[("all", 400, Some(101))]);
    let leak = audit(&figures(host, guest, 50)).unwrap_err();
    assert!(leak.figure.contains("(other)"), "{leak}");
    assert_eq!((leak.lo, leak.hi), (1, 1));
    // Partner singleton segment: partner matched 101, one segment 100, (other) of 1.
    let host = view(400, Some(101), &[("all", 400, Some(101))]);
    let guest = view(101, Some(101), &[("north", 100, Some(100)), ("(other)", 1, None)]);
    assert!(audit(&figures(host, guest, 50)).is_err());
    // A published count under k fails whatever else holds.
    let host = view(400, Some(3), &[("all", 400, Some(3))]);
    let guest = view(400, None, &[("all", 400, None)]);
    assert!(audit(&figures(host, guest, 50)).unwrap_err().to_string().contains("under k"));
}

#[test]
fn a_protected_report_passes_and_hides_no_more_than_needed() {
    let mut host = view(300, Some(153), &[("a", 100, Some(80)), ("b", 100, None), ("c", 100, None)]);
    host.cells.push(Cell { group: "a".into(), partner_group: "all".into(), matched: Some(80) });
    let guest = view(400, Some(153), &[("all", 400, Some(153))]);
    let r = audit(&figures(host, guest, 50));
    assert!(r.is_ok(), "{r:?}");
}

/// Every table of non-negative integer cells (each at most `cap`) consistent with the
/// shown figures: the exact interval of each hidden figure, by enumeration.
fn brute_intervals(g: &Grid, cap: u64) -> Option<Vec<(Slot, u64, u64)>> {
    let (r, c) = (g.rows.len(), g.cols.len());
    let n = r * c;
    let mut best: Vec<Option<(u64, u64)>> = vec![None; g.slots().len()];
    let mut cells = vec![0u64; n];
    loop {
        let table = Grid {
            total: Entry { value: cells.iter().sum(), ..g.total },
            rows: (0..r).map(|i| Entry { value: (0..c).map(|j| cells[i * c + j]).sum(), ..g.rows[i] }).collect(),
            cols: (0..c).map(|j| Entry { value: (0..r).map(|i| cells[i * c + j]).sum(), ..g.cols[j] }).collect(),
            cells: (0..r).map(|i| (0..c).map(|j| Entry { value: cells[i * c + j], ..g.cells[i][j] }).collect()).collect(),
        };
        let fits = table.slots().iter().all(|s| {
            let (t, o) = (table.get(*s).unwrap(), g.get(*s).unwrap());
            t.value <= o.max && (o.state != State::Shown || t.value == o.value)
        });
        if fits {
            for (at, s) in table.slots().iter().enumerate() {
                let v = table.get(*s).unwrap().value;
                let b = best[at].get_or_insert((v, v));
                *b = (b.0.min(v), b.1.max(v));
            }
        }
        // Next table.
        let mut i = 0;
        loop {
            if i == n {
                let slots = g.slots();
                let mut out = Vec::new();
                for (at, s) in slots.iter().enumerate() {
                    if g.get(*s).unwrap().state == State::Hidden {
                        let (lo, hi) = best[at]?;
                        out.push((*s, lo, hi));
                    }
                }
                return Some(out);
            }
            cells[i] += 1;
            if cells[i] <= cap {
                break;
            }
            cells[i] = 0;
            i += 1;
        }
    }
}

fn random_grid(rows: usize, cols: usize, values: &[u64], hidden: &[bool], cap: u64) -> Grid {
    let cell = |i: usize, j: usize| values[(i * cols + j) % values.len()] % (cap + 1);
    let mk = |v: u64, max: u64, h: bool| Entry { value: v, max, state: if h { State::Hidden } else { State::Shown }, keep: false };
    let mut flag = hidden.iter().cycle();
    let mut next = || *flag.next().unwrap_or(&false);
    let total: u64 = (0..rows).flat_map(|i| (0..cols).map(move |j| (i, j))).map(|(i, j)| cell(i, j)).sum();
    Grid {
        total: mk(total, cap * (rows * cols) as u64, next()),
        rows: (0..rows).map(|i| mk((0..cols).map(|j| cell(i, j)).sum(), cap * cols as u64, next())).collect(),
        cols: (0..cols).map(|j| mk((0..rows).map(|i| cell(i, j)).sum(), cap * rows as u64, next())).collect(),
        cells: (0..rows).map(|i| (0..cols).map(|j| mk(cell(i, j), cap, next())).collect()).collect(),
    }
}

/// What the auditor sees: hidden values unknown.
fn published(g: &Grid) -> Grid {
    let mut p = g.clone();
    for s in p.slots() {
        let e = p.get_mut(s).unwrap();
        if e.state != State::Shown {
            e.value = 0;
        }
    }
    p
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// The flow-based intervals equal the intervals found by enumerating every table.
    #[test]
    fn intervals_are_exact(rows in 1usize..3, cols in 1usize..4, values in proptest::collection::vec(0u64..4, 6), hidden in proptest::collection::vec(any::<bool>(), 12)) {
        let g = random_grid(rows, cols, &values, &hidden, 3);
        let brute = brute_intervals(&g, 3).unwrap();
        let p = published(&g);
        for (slot, lo, hi) in brute {
            prop_assert_eq!(p.interval(slot).unwrap(), (lo, hi), "{:?}", slot);
        }
    }

    /// After protection, no hidden figure is narrowed (as the auditor, not knowing
    /// hidden values, computes it), and nothing under k is shown; adversarial
    /// singleton rows and columns included.
    #[test]
    fn protection_passes_the_auditor(rows in 1usize..5, cols in 1usize..5, values in proptest::collection::vec(0u64..200, 1..25), singles in proptest::collection::vec(any::<bool>(), 8), k in 2u64..60) {
        let mut g = random_grid(rows, cols, &values, &[false], 200);
        // Singleton groups: a row or column whose cells are all 0 but one cell of 1.
        for (i, s) in singles.iter().enumerate().take(rows) {
            if *s {
                for j in 0..cols {
                    let v = u64::from(j == 0);
                    let d = g.cells[i][j].value;
                    g.cells[i][j].value = v;
                    g.rows[i].value = g.rows[i].value + v - d;
                    g.cols[j].value = g.cols[j].value + v - d;
                    g.total.value = g.total.value + v - d;
                }
            }
        }
        protect(&mut g, k);
        prop_assert_eq!(published(&g).first_narrowed(k, false).unwrap(), None);
        for s in g.slots() {
            let e = g.get(s).unwrap();
            prop_assert!(e.state != State::Shown || e.value >= k);
        }
        // A report built to leak: one hidden figure, everything else shown.
        if let Some(h) = g.slots().into_iter().find(|s| g.get(*s).unwrap().state == State::Hidden && g.get(*s).unwrap().max > 0) {
            let mut leak = g.clone();
            for s in leak.slots() {
                let e = leak.get_mut(s).unwrap();
                e.state = if s == h { State::Hidden } else { State::Shown };
            }
            prop_assert!(published(&leak).first_narrowed(k, false).unwrap().is_some());
        }
    }
}

#[test]
fn a_table_too_large_publishes_margins_only_and_passes() {
    // 25 partner groups × 20 own groups = 500 cells > MAX_CELLS.
    let mut own = OwnIndex::new();
    for i in 0..2000u32 {
        let mut v = [0u8; 12];
        v[..4].copy_from_slice(&i.to_le_bytes());
        own.insert(0, v, (i % 20) as u16);
    }
    let declared: Vec<(String, u32)> = (0..25).map(|g| (format!("p{g:02}"), 100)).collect();
    let groups = MergedGroups::new(&declared, 10);
    let labels: Vec<String> = (0..20).map(|o| format!("o{o:02}")).collect();
    let mut b = ViewBuilder::new(10, groups, labels);
    for r in 0..2500u32 {
        let mut v = [0u8; 12];
        // Group g matches 4·g records (group 0 none, group 1 four: under k).
        let (g, n) = (r / 100, r % 100);
        let id = if n < 4 * g { g * 100 + n } else { 1_000_000 + r };
        v[..4].copy_from_slice(&id.to_le_bytes());
        b.add(g as u16, &[(0, v)], &own);
    }
    let view = b.finish(&[MatchKey::Email]).unwrap();
    assert!(view.cells.is_empty(), "no cells in a table this large");
    assert_eq!(view.groups[1].matched, None, "4 < k");
    audit::audit_view("partner's", &view, 10).unwrap();
}
