//! A two-way table with its margins, as the report publishes it: how far each
//! suppressed figure can be narrowed from the published ones.
//!
//! Rows are one side's groups, columns the other's; a cell counts matched records of a
//! (row group, column group) pair, a row margin the matched records of a row group, a
//! column margin those of a column group, and the total all matched records. When each
//! person appears at most once on each side, every matched record pairs with exactly
//! one record of the partner, so the cells of a row sum to its margin, the cells of a
//! column to its margin, and the margins to the total: a circulation (see
//! [`super::flow`]). The interval a figure can be narrowed to is then exact.

use super::flow::{self, Edge};

/// Whether a figure is published.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Published: its value is known to the reader.
    Shown,
    /// Suppressed: shown as "< k"; its interval must stay at least `k` wide.
    Hidden,
    /// Not a published figure at all (an unknown the reader must also allow for).
    Free,
}

/// One figure of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The true value (known to the side that computes the figure; the auditor, which
    /// sees only published figures, puts 0 for a figure that is not shown).
    pub value: u64,
    /// The largest value the reader knows is possible from set sizes alone (group
    /// sizes are visible in PSI).
    pub max: u64,
    /// Published or not.
    pub state: State,
    /// Hide this figure as a complement only when nothing else will do (the groups a
    /// measurement compares).
    pub keep: bool,
}

impl Entry {
    /// A published figure.
    pub fn shown(value: u64, max: u64) -> Entry {
        Entry { value, max: max.max(value), state: State::Shown, keep: false }
    }
    /// A suppressed figure.
    pub fn hidden(max: u64) -> Entry {
        Entry { value: 0, max, state: State::Hidden, keep: false }
    }
    /// A figure that is no published figure at all.
    pub fn free(max: u64) -> Entry {
        Entry { value: 0, max, state: State::Free, keep: false }
    }
}

/// A figure's place in the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Slot {
    /// All matched records.
    Total,
    /// A row margin.
    Row(usize),
    /// A column margin.
    Col(usize),
    /// A cell (row, column).
    Cell(usize, usize),
}

/// A suppressed figure that the published ones narrow to less than required.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Narrowed {
    /// Which figure.
    pub slot: Slot,
    /// The least value consistent with the published figures.
    pub lo: u64,
    /// The greatest.
    pub hi: u64,
    /// The width it must keep: `k`, or the width set sizes alone allow when narrower.
    pub required: u64,
}

/// The published figures are inconsistent with the table's constraints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Infeasible;

/// A table with margins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grid {
    /// All matched records.
    pub total: Entry,
    /// Row margins.
    pub rows: Vec<Entry>,
    /// Column margins.
    pub cols: Vec<Entry>,
    /// Cells, row by row (`rows.len()` × `cols.len()`).
    pub cells: Vec<Vec<Entry>>,
}

impl Grid {
    /// The figure in `slot`.
    pub fn get(&self, slot: Slot) -> Option<&Entry> {
        match slot {
            Slot::Total => Some(&self.total),
            Slot::Row(i) => self.rows.get(i),
            Slot::Col(j) => self.cols.get(j),
            Slot::Cell(i, j) => self.cells.get(i).and_then(|r| r.get(j)),
        }
    }

    /// The figure in `slot`, to change.
    pub fn get_mut(&mut self, slot: Slot) -> Option<&mut Entry> {
        match slot {
            Slot::Total => Some(&mut self.total),
            Slot::Row(i) => self.rows.get_mut(i),
            Slot::Col(j) => self.cols.get_mut(j),
            Slot::Cell(i, j) => self.cells.get_mut(i).and_then(|r| r.get_mut(j)),
        }
    }

    /// Every slot, in a fixed order (total, rows, columns, cells).
    pub fn slots(&self) -> Vec<Slot> {
        let mut out = vec![Slot::Total];
        out.extend((0..self.rows.len()).map(Slot::Row));
        out.extend((0..self.cols.len()).map(Slot::Col));
        for i in 0..self.rows.len() {
            out.extend((0..self.cols.len()).map(|j| Slot::Cell(i, j)));
        }
        out
    }

    /// Nodes: 0 source, 1 sink, rows, then columns. One edge per slot, in `slots` order.
    fn network(&self) -> (usize, Vec<Edge>) {
        let (r, c) = (self.rows.len(), self.cols.len());
        let row = |i: usize| 2 + i;
        let col = |j: usize| 2 + r + j;
        let bounds = |e: &Entry| match e.state {
            State::Shown => (clamp(e.value), clamp(e.value)),
            State::Hidden | State::Free => (0, clamp(e.max)),
        };
        let mut edges = Vec::with_capacity(1 + r + c + r * c);
        for slot in self.slots() {
            let Some(e) = self.get(slot) else { continue };
            let (lo, hi) = bounds(e);
            let (from, to) = match slot {
                Slot::Total => (1, 0),
                Slot::Row(i) => (0, row(i)),
                Slot::Col(j) => (col(j), 1),
                Slot::Cell(i, j) => (row(i), col(j)),
            };
            edges.push(Edge { from, to, lo, hi });
        }
        (2 + r + c, edges)
    }

    /// Whether the published figures are consistent with the table's constraints.
    pub fn consistent(&self) -> bool {
        let (n, edges) = self.network();
        flow::feasible(n, &edges)
    }

    /// The exact interval of the figure in `slot` given every published figure.
    ///
    /// # Errors
    /// [`Infeasible`] if the published figures contradict each other.
    pub fn interval(&self, slot: Slot) -> Result<(u64, u64), Infeasible> {
        let (n, edges) = self.network();
        let at = self.slots().iter().position(|s| *s == slot).ok_or(Infeasible)?;
        let (lo, hi) = flow::interval(n, &edges, at).ok_or(Infeasible)?;
        Ok((lo.max(0) as u64, hi.max(0) as u64))
    }

    /// The first suppressed figure (in `slots` order) whose interval is narrower than
    /// `k`, or than the interval set sizes alone allow (all figures suppressed) where that
    /// is narrower, if any.
    ///
    /// When `known` is true the entries' values are the truth, which allows a quick
    /// test (the interval reaches `k` above or below the true value) before the exact
    /// interval is computed.
    ///
    /// # Errors
    /// [`Infeasible`] if the published figures contradict each other.
    pub fn first_narrowed(&self, k: u64, known: bool) -> Result<Option<Narrowed>, Infeasible> {
        let (n, edges) = self.network();
        if !flow::feasible(n, &edges) {
            return Err(Infeasible);
        }
        for (at, slot) in self.slots().into_iter().enumerate() {
            let Some(e) = self.get(slot) else { continue };
            if e.state != State::Hidden {
                continue;
            }
            let required = k.min(e.max);
            if known {
                let mut work = edges.clone();
                let v = clamp(e.value);
                let r = clamp(required);
                work[at].lo = v.saturating_add(r);
                if flow::feasible(n, &work) {
                    continue;
                }
                work[at].lo = 0;
                work[at].hi = v - r;
                if v >= r && flow::feasible(n, &work) {
                    continue;
                }
            }
            let (lo, hi) = flow::interval(n, &edges, at).ok_or(Infeasible)?;
            let (lo, hi) = (lo.max(0) as u64, hi.max(0) as u64);
            if hi - lo >= required {
                continue;
            }
            // Set sizes alone may bound the figure more tightly than k (a side with
            // fewer than k records): the rule asks for no more than they allow.
            let (_, base) = self.baseline().network();
            let (blo, bhi) = flow::interval(n, &base, at).ok_or(Infeasible)?;
            let required = required.min((bhi - blo).max(0) as u64);
            if hi - lo < required {
                return Ok(Some(Narrowed { slot, lo, hi, required }));
            }
        }
        Ok(None)
    }
}

impl Grid {
    /// The same table with nothing published: what set sizes alone allow.
    fn baseline(&self) -> Grid {
        let mut b = self.clone();
        for slot in b.slots() {
            if let Some(e) = b.get_mut(slot) {
                if e.state == State::Shown {
                    e.state = State::Hidden;
                }
            }
        }
        b
    }
}

fn clamp(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX / 4).min(i64::MAX / 4)
}
