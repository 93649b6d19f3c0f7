//! Checking the view a partner sends about this side's records before it is shown.
//!
//! A partner running other software could put counts under `k`, labels of its own
//! invention or a view of any size into this side's report. The view must describe
//! exactly this side's set (its records, its merged groups, its keys), name only the
//! partner's agreed groups, show no count under `k`, agree with itself, and (without
//! noise) pass the auditor ([`super::audit::audit_view`]).

use super::{audit, MergedGroups, View};

/// What this side knows about the view it should receive.
pub struct Expected<'a> {
    /// The threshold.
    pub k: u32,
    /// This side's records.
    pub records: u64,
    /// This side's merged groups (the partner merges them by the same rule).
    pub groups: &'a MergedGroups,
    /// The partner's merged group labels.
    pub partner_labels: &'a [String],
    /// The agreed keys, with this side's records per key.
    pub keys: &'a [(crate::psi::MatchKey, u64)],
    /// Whether counts carry noise (sums then need not hold exactly).
    pub noised: bool,
}

/// The partner's view is not a valid report about this side's records. Stable code
/// `partner-invalid-report`; the text says what is wrong, never a value or label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidReport(pub &'static str);

impl InvalidReport {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        "partner-invalid-report"
    }
}

impl core::fmt::Display for InvalidReport {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "the partner's figures are not a valid report ({}); nothing is shown", self.0)
    }
}

impl std::error::Error for InvalidReport {}

/// Checks a partner's view.
///
/// # Errors
/// [`InvalidReport`] saying which rule the view breaks.
pub fn partner_view(view: &View, want: &Expected<'_>) -> Result<(), InvalidReport> {
    let k = u64::from(want.k);
    let bad = |why: &'static str| Err(InvalidReport(why));
    let under_k = |c: Option<u64>| c.is_some_and(|v| v < k);
    if view.records != want.records {
        return bad("figures about a different set");
    }
    if view.groups.len() != want.groups.labels.len()
        || view.groups.iter().zip(&want.groups.labels).zip(&want.groups.counts).any(|((g, l), n)| g.label != *l || g.records != *n)
    {
        return bad("groups other than this side's merged groups");
    }
    if view.by_key.len() != want.keys.len() || view.by_key.iter().zip(want.keys).any(|(f, (key, n))| f.key != *key || f.records != *n) {
        return bad("keys other than the agreed ones");
    }
    let max_cells = want.groups.labels.len() * want.partner_labels.len();
    if view.cells.len() > max_cells {
        return bad("more cells than pairs of groups");
    }
    let counts = std::iter::once(view.matched)
        .chain(view.groups.iter().map(|g| g.matched))
        .chain(view.by_key.iter().map(|f| f.matched))
        .chain(view.cells.iter().map(|c| c.matched));
    let mut counts = counts;
    if counts.any(under_k) {
        return bad("a count under k that is not marked suppressed");
    }
    if view.matched.is_some_and(|m| m > view.records)
        || view.groups.iter().any(|g| g.matched.is_some_and(|m| m > g.records))
        || view.by_key.iter().any(|f| f.matched.is_some_and(|m| m > f.records))
    {
        return bad("more matched records than records");
    }
    let mut seen = std::collections::HashSet::new();
    for c in &view.cells {
        let Some(g) = view.groups.iter().find(|g| g.label == c.group) else {
            return bad("a cell for a group that is not this side's");
        };
        if !want.partner_labels.contains(&c.partner_group) {
            return bad("a cell for a group the partner did not declare");
        }
        if !seen.insert((&c.group, &c.partner_group)) {
            return bad("a cell given twice");
        }
        if c.matched.is_none() || c.matched.is_some_and(|m| m > g.records) {
            return bad("a cell that is not a count of the group's records");
        }
    }
    if want.noised {
        return Ok(());
    }
    // Without noise the figures are exact: parts never exceed their whole.
    let sum = |it: &mut dyn Iterator<Item = Option<u64>>| it.flatten().sum::<u64>();
    if let Some(m) = view.matched {
        if sum(&mut view.groups.iter().map(|g| g.matched)) > m || view.by_key.iter().any(|f| f.matched.is_some_and(|x| x > m)) {
            return bad("figures inconsistent with the total");
        }
    }
    for g in &view.groups {
        let cells = sum(&mut view.cells.iter().filter(|c| c.group == g.label).map(|c| c.matched));
        if g.matched.is_some_and(|m| cells > m) || cells > g.records {
            return bad("cells inconsistent with their group");
        }
    }
    if audit::audit_view("partner's", view, k).is_err() {
        return bad("a suppressed count can be derived from the published ones");
    }
    Ok(())
}
