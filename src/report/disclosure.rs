//! The disclosure rule for the whole report: primary suppression under `k`, then
//! complementary (secondary) suppression until no suppressed figure can be narrowed to
//! less than `k` from the published ones.
//!
//! The figures about matched records form one table in host orientation (host groups ×
//! guest groups, with both sides' group figures as margins and the matched total; with
//! no breakdown, one group each). When each person appears at most once per side, the
//! view about the host's records and the view about the guest's records are the two
//! halves of that one table, and each side knows the whole of it: the side computing a
//! view knows its cells, and their column sums are the partner's group figures. Both
//! sides run this rule on the same table with the same deterministic choices, so the
//! two views hide the same figures and the report passes the auditor
//! ([`super::audit`]).
//!
//! Per-key figures are not additive (a record may match on several keys); they are
//! protected against the one relation that binds them: every matched record matched on
//! at least one key, so `matched ≤ Σ per-key matched`.

use super::grid::{Grid, Narrowed, Slot, State};

/// Applies primary and complementary suppression to `grid` (whose entries hold the
/// true values), turning figures from [`State::Shown`] to [`State::Hidden`] until
/// every hidden figure's interval given the shown ones is at least `min(k, max)` wide.
///
/// Complements are chosen deterministically: the smallest shown figure on a line
/// (row, column, or the margins) through the narrowed figure, ties broken by slot
/// order, figures marked `keep` last; if no line has one, the smallest shown figure
/// anywhere. Hiding everything
/// always passes, so the loop ends.
pub fn protect(grid: &mut Grid, k: u64) {
    for slot in grid.slots() {
        if let Some(e) = grid.get_mut(slot) {
            if e.state == State::Shown && e.value < k {
                e.state = State::Hidden;
            }
        }
    }
    loop {
        let narrowed = match grid.first_narrowed(k, true) {
            Ok(Some(n)) => n,
            Ok(None) => return,
            // Figures computed from real data are consistent; if not, hide everything
            // rather than publish figures the rule could not check.
            Err(_) => {
                hide_all(grid);
                return;
            }
        };
        let Some(next) = complement(grid, narrowed) else {
            hide_all(grid);
            return;
        };
        if let Some(e) = grid.get_mut(next) {
            e.state = State::Hidden;
        }
    }
}

fn hide_all(grid: &mut Grid) {
    for slot in grid.slots() {
        if let Some(e) = grid.get_mut(slot) {
            if e.state == State::Shown {
                e.state = State::Hidden;
            }
        }
    }
}

/// The figure to hide next to protect `n`.
fn complement(grid: &Grid, n: Narrowed) -> Option<Slot> {
    let (r, c) = (grid.rows.len(), grid.cols.len());
    let mut lines: Vec<Slot> = Vec::new();
    match n.slot {
        Slot::Cell(i, j) => {
            lines.push(Slot::Row(i));
            lines.extend((0..c).map(|x| Slot::Cell(i, x)));
            lines.push(Slot::Col(j));
            lines.extend((0..r).map(|x| Slot::Cell(x, j)));
        }
        Slot::Row(i) => {
            lines.extend((0..c).map(|x| Slot::Cell(i, x)));
            lines.push(Slot::Total);
            lines.extend((0..r).map(Slot::Row));
        }
        Slot::Col(j) => {
            lines.extend((0..r).map(|x| Slot::Cell(x, j)));
            lines.push(Slot::Total);
            lines.extend((0..c).map(Slot::Col));
        }
        Slot::Total => {
            lines.extend((0..r).map(Slot::Row));
            lines.extend((0..c).map(Slot::Col));
        }
    }
    let smallest = |slots: &mut dyn Iterator<Item = Slot>| {
        slots.filter_map(|s| grid.get(s).filter(|e| e.state == State::Shown).map(|e| (e.keep, e.value, s))).min().map(|(_, _, s)| s)
    };
    smallest(&mut lines.into_iter()).or_else(|| smallest(&mut grid.slots().into_iter()))
}

/// A per-key figure: records with the key (and its bound) and matched records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyEntry {
    /// Matched records (the truth, or 0 where the auditor does not know it).
    pub matched: u64,
    /// The most it can be from set sizes: records with this key on the smaller side.
    pub max: u64,
    /// Published or not.
    pub shown: bool,
}

/// The interval of key `at`'s matched count given the others and a total in
/// `total = (lo, hi)`: at least `lo - Σ others' upper bounds` (every matched record
/// matched on some key), at most `min(max, hi)`. With `all_hidden`, as if no key
/// figure were shown.
pub fn key_interval(keys: &[KeyEntry], at: usize, total: (u64, u64), all_hidden: bool) -> (u64, u64) {
    let Some(me) = keys.get(at) else { return (0, 0) };
    let others: u64 = keys
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != at)
        .map(|(_, e)| if e.shown && !all_hidden { e.matched } else { e.max.min(total.1) })
        .sum();
    let hi = me.max.min(total.1);
    let lo = total.0.saturating_sub(others).min(hi);
    (lo, hi)
}

/// The first hidden key whose interval is narrower than the rule allows: `k`, or the
/// width it has when no key figure is shown (the total alone may already bound it).
pub fn key_narrowed(keys: &[KeyEntry], total: (u64, u64), k: u64) -> Option<usize> {
    (0..keys.len()).find(|&i| {
        if keys[i].shown {
            return false;
        }
        let (lo, hi) = key_interval(keys, i, total, false);
        let (blo, bhi) = key_interval(keys, i, total, true);
        hi - lo < k.min(bhi - blo)
    })
}

/// Primary and complementary suppression of per-key figures, given the total's true
/// value: hides keys under `k`, then the smallest shown key while any hidden one is
/// narrowed (see [`key_narrowed`]).
pub fn protect_keys(keys: &mut [KeyEntry], total: u64, k: u64) {
    for e in keys.iter_mut() {
        if e.matched < k {
            e.shown = false;
        }
    }
    while key_narrowed(keys, (total, total), k).is_some() {
        let next = keys.iter().enumerate().filter(|(_, e)| e.shown).min_by_key(|(i, e)| (e.matched, *i)).map(|(i, _)| i);
        match next {
            Some(i) => keys[i].shown = false,
            None => return,
        }
    }
}
