//! The auditor: given a published report, how far can each suppressed figure be
//! narrowed from the published ones? It fails if any to less than `k`.
//!
//! What it proves, for a report without noise:
//! - **Joint model** (each person at most once per side, so the view about the host's
//!   records and the view about the guest's are two halves of one host × guest table:
//!   cells of a row sum to the row group's matched records, cells of a column to the
//!   column group's, margins to the total, and a cell both views publish is one
//!   number). This is the attacker's best model when files hold no duplicates, the
//!   common case and the one in which subtraction attacks work. Every suppressed figure's
//!   interval over *all* integer tables consistent with the published figures and the
//!   group sizes is computed exactly ([`super::grid`], by maximum flows), and must be
//!   at least `min(k, size bound)` wide.
//! - If the published figures contradict the joint model (duplicates), the attacker
//!   knows it does not hold; each view is then audited alone under the constraints
//!   that always hold for it (its cells of a group sum to the group, its groups to its
//!   total; cells are counted once per record by construction).
//! - Per-key figures: every matched record matched on some key, so a suppressed key is
//!   at least `total − Σ other keys' upper bounds`; its interval must be at least `k`
//!   wide or as wide as the total alone allows. While the total is suppressed no key
//!   may be shown (a key's count bounds the total from below).
//! - Always: no published count is under `k`.
//! - Tables of more than [`super::view::MAX_CELLS`] cells publish no cells; each view's
//!   groups are audited against its total alone (the partner's margins enter only through
//!   cell bounds, which this ignores).
//!
//! With noise no sum holds exactly, and the noise is the protection (see
//! [`super::noise`]); only the last rule is checked.

use super::grid::{Entry, Grid, Slot, State};
use super::{disclosure, Figures, View};

/// A figure the published report narrows too far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leak {
    /// Which figure, in words (`host group 'north' matched`, ...).
    pub figure: String,
    /// The least value consistent with the published figures.
    pub lo: u64,
    /// The greatest.
    pub hi: u64,
    /// The width it must keep.
    pub required: u64,
}

impl core::fmt::Display for Leak {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{} is suppressed but the published figures narrow it to {}..={} (width {}, at least {} required)",
            self.figure,
            self.lo,
            self.hi,
            self.hi - self.lo,
            self.required
        )
    }
}

impl std::error::Error for Leak {}

/// Which model the audit could use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Model {
    /// Both views as one table (each person once per side).
    Joint,
    /// Each view alone (the published figures show duplicates).
    PerView,
    /// Only the threshold (noised figures).
    Noised,
}

/// Audits a published report.
///
/// # Errors
/// [`Leak`] naming the first figure narrowed too far, or a published count under `k`.
pub fn audit(figures: &Figures) -> Result<Model, Leak> {
    let k = u64::from(figures.k);
    for (side, view) in [("host", &figures.host), ("guest", &figures.guest)] {
        under_k(side, view, k)?;
    }
    if figures.noise.is_some() {
        return Ok(Model::Noised);
    }
    let cells = figures.host.groups.len() * figures.guest.groups.len();
    let joint = if cells <= super::view::MAX_CELLS { joint_grid(&figures.host, &figures.guest) } else { None };
    if let Some(grid) = joint {
        if grid.consistent() {
            check_grid(&grid, k, &|s| name_joint(figures, s))?;
            let total = total_interval(&grid);
            for (side, view, other) in [("host", &figures.host, &figures.guest), ("guest", &figures.guest, &figures.host)] {
                check_keys(side, view, Some(other), total, k)?;
            }
            return Ok(Model::Joint);
        }
    }
    for (side, view) in [("host", &figures.host), ("guest", &figures.guest)] {
        audit_view(side, view, k)?;
    }
    Ok(Model::PerView)
}

/// Audits a published report when a side knows a file holds the same identifier in
/// several records (it sees repeated values): the joint model does not hold, and the
/// attacker knows it, so each view is audited alone.
///
/// # Errors
/// [`Leak`] as [`audit`].
pub fn audit_per_view(figures: &Figures) -> Result<Model, Leak> {
    let k = u64::from(figures.k);
    for (side, view) in [("host", &figures.host), ("guest", &figures.guest)] {
        under_k(side, view, k)?;
    }
    if figures.noise.is_some() {
        return Ok(Model::Noised);
    }
    for (side, view) in [("host", &figures.host), ("guest", &figures.guest)] {
        audit_view(side, view, k)?;
    }
    Ok(Model::PerView)
}

/// Audits one view alone (as a side checks its partner's), under the constraints that
/// always hold for it.
///
/// # Errors
/// [`Leak`] as [`audit`].
pub fn audit_view(side: &str, view: &View, k: u64) -> Result<(), Leak> {
    under_k(side, view, k)?;
    let grid = view_grid(view);
    if !grid.consistent() {
        return Err(Leak { figure: format!("the {side} figures (inconsistent with each other)"), lo: 0, hi: 0, required: k });
    }
    let partner_labels = partner_labels(view);
    check_grid(&grid, k, &|s| match s {
        Slot::Total => format!("{side} matched"),
        Slot::Row(i) => format!("{side} group '{}' matched", label(&view.groups, i)),
        Slot::Col(j) => format!("{side} records matched into partner group '{}'", partner_labels.get(j).cloned().unwrap_or_default()),
        Slot::Cell(i, j) => format!("{side} cell '{}' × '{}'", label(&view.groups, i), partner_labels.get(j).cloned().unwrap_or_default()),
    })?;
    check_keys(side, view, None, total_interval(&grid), k)
}

fn under_k(side: &str, view: &View, k: u64) -> Result<(), Leak> {
    let low = |what: String, v: u64| Err(Leak { figure: format!("{what} (published as {v}, under k)"), lo: v, hi: v, required: k });
    if let Some(v) = view.matched.filter(|v| *v < k) {
        return low(format!("{side} matched"), v);
    }
    for g in &view.groups {
        if let Some(v) = g.matched.filter(|v| *v < k) {
            return low(format!("{side} group '{}' matched", g.label), v);
        }
    }
    for c in &view.cells {
        if let Some(v) = c.matched.filter(|v| *v < k) {
            return low(format!("{side} cell '{}' × '{}'", c.group, c.partner_group), v);
        }
    }
    for key in &view.by_key {
        if let Some(v) = key.matched.filter(|v| *v < k) {
            return low(format!("{side} '{}' matched", key.key), v);
        }
    }
    Ok(())
}

fn label(groups: &[super::GroupFigures], i: usize) -> String {
    groups.get(i).map(|g| g.label.clone()).unwrap_or_default()
}

fn entry(matched: Option<u64>, max: u64) -> Entry {
    match matched {
        Some(v) => Entry::shown(v, max),
        None => Entry::hidden(max),
    }
}

/// The host × guest table both views describe, if their cells name known groups.
fn joint_grid(host: &View, guest: &View) -> Option<Grid> {
    let (r, c) = (host.groups.len(), guest.groups.len());
    let hosts: Vec<u64> = host.groups.iter().map(|g| g.records).collect();
    let guests: Vec<u64> = guest.groups.iter().map(|g| g.records).collect();
    let rows = host.groups.iter().map(|g| entry(g.matched, g.records)).collect();
    let cols = guest.groups.iter().map(|g| entry(g.matched, g.records)).collect();
    let mut cells: Vec<Vec<Entry>> = (0..r).map(|i| (0..c).map(|j| Entry::hidden(hosts[i].min(guests[j]))).collect()).collect();
    let hi = |l: &str| host.groups.iter().position(|g| g.label == l);
    let gi = |l: &str| guest.groups.iter().position(|g| g.label == l);
    // A cell both views publish must be one number, and so must the total; if not,
    // the published figures refute the joint model.
    let mut put = |i: usize, j: usize, v: Option<u64>| -> Option<()> {
        let Some(v) = v else { return Some(()) };
        let e = cells.get_mut(i)?.get_mut(j)?;
        if e.state == State::Shown && e.value != v {
            return None;
        }
        *e = Entry::shown(v, e.max);
        Some(())
    };
    for cell in &host.cells {
        put(hi(&cell.group)?, gi(&cell.partner_group)?, cell.matched)?;
    }
    for cell in &guest.cells {
        put(hi(&cell.partner_group)?, gi(&cell.group)?, cell.matched)?;
    }
    let total_max = host.records.min(guest.records);
    let total = match (host.matched, guest.matched) {
        (Some(a), Some(b)) if a != b => return None,
        (Some(a), _) | (None, Some(a)) => Entry::shown(a, total_max),
        (None, None) => Entry::hidden(total_max),
    };
    Some(Grid { total, rows, cols, cells })
}

fn partner_labels(view: &View) -> Vec<String> {
    let mut labels: Vec<String> = Vec::new();
    for c in &view.cells {
        if !labels.contains(&c.partner_group) {
            labels.push(c.partner_group.clone());
        }
    }
    labels
}

/// One view as a table: its groups as rows; columns are the partner groups its cells
/// name, plus one column standing for every cell not shown (partner groups it does not
/// name), since the view alone does not list them.
fn view_grid(view: &View) -> Grid {
    let cols_labels = partner_labels(view);
    let rows: Vec<Entry> = view.groups.iter().map(|g| entry(g.matched, g.records)).collect();
    let total_max = view.records;
    let mut cols: Vec<Entry> = cols_labels.iter().map(|_| Entry::free(total_max)).collect();
    cols.push(Entry::free(total_max));
    let cells = view
        .groups
        .iter()
        .map(|g| {
            let mut row: Vec<Entry> = cols_labels
                .iter()
                .map(|p| {
                    let shown = view.cells.iter().find(|c| c.group == g.label && c.partner_group == *p).and_then(|c| c.matched);
                    entry(shown, g.records)
                })
                .collect();
            // The rest of the row: unnamed partner groups, not a published figure.
            row.push(Entry::free(g.records));
            row
        })
        .collect();
    Grid { total: entry(view.matched, total_max), rows, cols, cells }
}

fn check_grid(grid: &Grid, k: u64, name: &dyn Fn(Slot) -> String) -> Result<(), Leak> {
    match grid.first_narrowed(k, false) {
        Ok(None) => Ok(()),
        Ok(Some(n)) => Err(Leak { figure: name(n.slot), lo: n.lo, hi: n.hi, required: n.required }),
        Err(_) => Err(Leak { figure: "the report (figures inconsistent with each other)".into(), lo: 0, hi: 0, required: k }),
    }
}

fn total_interval(grid: &Grid) -> (u64, u64) {
    match grid.total.state {
        State::Shown => (grid.total.value, grid.total.value),
        _ => grid.interval(Slot::Total).unwrap_or((0, grid.total.max)),
    }
}

fn check_keys(side: &str, view: &View, other: Option<&View>, total: (u64, u64), k: u64) -> Result<(), Leak> {
    let shown_total = total.0 == total.1;
    let keys: Vec<disclosure::KeyEntry> = view
        .by_key
        .iter()
        .map(|key| {
            let other_records = other.and_then(|o| o.by_key.iter().find(|x| x.key == key.key)).map_or(key.records, |x| x.records);
            disclosure::KeyEntry { matched: key.matched.unwrap_or(0), max: key.records.min(other_records), shown: key.matched.is_some() }
        })
        .collect();
    if !shown_total {
        if let Some(key) = view.by_key.iter().find(|x| x.matched.is_some()) {
            return Err(Leak {
                figure: format!("{side} matched (bounded below by the '{}' figure)", key.key),
                lo: total.0,
                hi: total.1,
                required: k,
            });
        }
        return Ok(());
    }
    match disclosure::key_narrowed(&keys, total, k) {
        None => Ok(()),
        Some(i) => {
            let (lo, hi) = disclosure::key_interval(&keys, i, total, false);
            let (blo, bhi) = disclosure::key_interval(&keys, i, total, true);
            Err(Leak {
                figure: format!("{side} '{}' matched", view.by_key.get(i).map(|x| x.key.as_str()).unwrap_or("")),
                lo,
                hi,
                required: k.min(bhi - blo),
            })
        }
    }
}

fn name_joint(figures: &Figures, slot: Slot) -> String {
    let h = |i: usize| label(&figures.host.groups, i);
    let g = |j: usize| label(&figures.guest.groups, j);
    match slot {
        Slot::Total => "matched records".into(),
        Slot::Row(i) => format!("host group '{}' matched", h(i)),
        Slot::Col(j) => format!("guest group '{}' matched", g(j)),
        Slot::Cell(i, j) => format!("cell host '{}' × guest '{}'", h(i), g(j)),
    }
}
