//! Computing one side's [`View`] of its partner's records.

use super::disclosure::{protect, protect_keys, KeyEntry};
use super::grid::{Entry, Grid, Slot, State};
use super::noise::{NoiseScale, Sampler};
use super::{Cell, GroupFigures, KeyFigures, View};
use crate::manifest::Side;
use crate::psi::{MatchKey, PsiError, VALUE_LEN};
use std::collections::{HashMap, HashSet};

/// The label groups under the threshold are merged into.
pub const OTHER: &str = "(other)";

/// Groups after the threshold rule: every declared group with fewer than `k` records
/// is merged into [`OTHER`], so nobody can single a person out by giving them a group
/// of their own (DESIGN §4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergedGroups {
    /// Labels after merging; [`OTHER`] last if present.
    pub labels: Vec<String>,
    /// Records per merged group.
    pub counts: Vec<u64>,
    /// Declared group index → merged group index.
    pub map: Vec<u16>,
}

impl MergedGroups {
    /// Applies the threshold rule to declared `(label, records)` groups: groups under
    /// `k` merge into [`OTHER`], and while [`OTHER`] holds fewer than `k` records the
    /// smallest remaining group (then the first by label) joins it, so that every group
    /// published holds at least `k` records. Both sides apply the same rule to the same
    /// declared groups and get the same merged groups.
    pub fn new(declared: &[(String, u32)], k: u32) -> MergedGroups {
        let small = |(label, count): &(String, u32)| *count < k || label == OTHER;
        let mut into_other: Vec<bool> = declared.iter().map(small).collect();
        let mut other: Option<u64> = None;
        for (d, o) in declared.iter().zip(&into_other) {
            if *o {
                *other.get_or_insert(0) += u64::from(d.1);
            }
        }
        // (other) must reach k, or take its complement with it.
        while let Some(n) = other.filter(|n| *n < u64::from(k)) {
            let next = (0..declared.len())
                .filter(|i| !into_other[*i])
                .min_by(|a, b| (declared[*a].1, &declared[*a].0).cmp(&(declared[*b].1, &declared[*b].0)));
            let Some(i) = next else { break };
            into_other[i] = true;
            other = Some(n + u64::from(declared[i].1));
        }
        let mut labels = Vec::new();
        let mut counts = Vec::new();
        let mut map = Vec::with_capacity(declared.len());
        for ((label, count), o) in declared.iter().zip(&into_other) {
            if *o {
                map.push(u16::MAX);
            } else {
                map.push(labels.len() as u16);
                labels.push(label.clone());
                counts.push(u64::from(*count));
            }
        }
        if let Some(n) = other {
            let idx = labels.len() as u16;
            for m in map.iter_mut().filter(|m| **m == u16::MAX) {
                *m = idx;
            }
            labels.push(OTHER.to_string());
            counts.push(n);
        }
        MergedGroups { labels, counts, map }
    }

    /// The merged index of a declared group, if the index is valid.
    pub fn merged(&self, declared: u16) -> Option<u16> {
        self.map.get(usize::from(declared)).copied()
    }
}

/// This side's own double-blinded values, per key, with the (merged) own group each
/// came back in.
#[derive(Default)]
pub struct OwnIndex {
    maps: Vec<HashMap<[u8; VALUE_LEN], u16>>,
    // Values that occur in more than one own group (duplicates across groups).
    multi: HashMap<(u8, [u8; VALUE_LEN]), Vec<u16>>,
}

const MULTI: u16 = u16::MAX;

impl OwnIndex {
    /// An empty index.
    pub fn new() -> OwnIndex {
        OwnIndex { maps: (0..MatchKey::COUNT).map(|_| HashMap::new()).collect(), multi: HashMap::new() }
    }

    /// Records that own value `value` of key `key` came back in own group `group`.
    pub fn insert(&mut self, key: usize, value: [u8; VALUE_LEN], group: u16) {
        let Some(map) = self.maps.get_mut(key) else { return };
        match map.get(&value).copied() {
            None => {
                map.insert(value, group);
            }
            Some(g) if g == group => {}
            Some(MULTI) => {
                let groups = self.multi.entry((key as u8, value)).or_default();
                if !groups.contains(&group) {
                    groups.push(group);
                }
            }
            Some(g) => {
                map.insert(value, MULTI);
                self.multi.insert((key as u8, value), vec![g, group]);
            }
        }
    }

    /// Whether a value of `key` is among this side's values.
    pub fn contains(&self, key: usize, value: &[u8; VALUE_LEN]) -> bool {
        self.maps.get(key).is_some_and(|m| m.contains_key(value))
    }

    fn groups_of(&self, key: usize, value: &[u8; VALUE_LEN], out: &mut Vec<u16>) -> bool {
        match self.maps.get(key).and_then(|m| m.get(value)) {
            None => false,
            Some(&MULTI) => {
                if let Some(gs) = self.multi.get(&(key as u8, *value)) {
                    out.extend_from_slice(gs);
                }
                true
            }
            Some(&g) => {
                out.push(g);
                true
            }
        }
    }
}

/// Tables with more cells than this publish no cells (the margins are still protected).
pub const MAX_CELLS: usize = 400;

/// How a view is protected: whose records it is about (for the table's host
/// orientation), the computing side's own group and key sizes (bounds a reader knows),
/// and the noise, if both sides agreed on a privacy budget.
#[derive(Clone, Debug, Default)]
pub struct ViewRules {
    /// Whose records the view is about.
    pub about: Option<Side>,
    /// Records per merged own group of the side computing the view.
    pub own_counts: Vec<u64>,
    /// Records per key ([`MatchKey::index`] order) of the side computing the view.
    pub own_key_records: [u64; MatchKey::COUNT],
    /// Discrete Laplace noise on every published count.
    pub noise: Option<NoiseScale>,
    /// Labels of groups to hide as complements only when nothing else will do, as
    /// `(side, label)`: the exposed and control groups of a measurement.
    pub keep: Vec<(Side, String)>,
}

/// Accumulates the figures about the partner's records, one record at a time.
pub struct ViewBuilder {
    k: u32,
    partner_groups: MergedGroups,
    own_labels: Vec<String>,
    rules: ViewRules,
    records: u64,
    matched: u64,
    key_records: [u64; MatchKey::COUNT],
    key_matched: [u64; MatchKey::COUNT],
    group_matched: Vec<u64>,
    cells: HashMap<(u16, u16), u64>,
    scratch: Vec<u16>,
    // With noise: partner values already seen, each counted for one record only.
    seen: Option<HashSet<(u8, [u8; VALUE_LEN])>>,
}

impl ViewBuilder {
    /// A builder for a partner with these merged groups, against own merged group labels.
    pub fn new(k: u32, partner_groups: MergedGroups, own_labels: Vec<String>) -> ViewBuilder {
        let group_matched = vec![0; partner_groups.labels.len()];
        ViewBuilder {
            k,
            partner_groups,
            own_labels,
            rules: ViewRules::default(),
            records: 0,
            matched: 0,
            key_records: [0; MatchKey::COUNT],
            key_matched: [0; MatchKey::COUNT],
            group_matched,
            cells: HashMap::new(),
            scratch: Vec::new(),
            seen: None,
        }
    }

    /// The protection rules (see [`ViewRules`]); without them the table is oriented as
    /// if the view were about the host's records and own groups are unbounded.
    pub fn with_rules(mut self, rules: ViewRules) -> ViewBuilder {
        if rules.noise.is_some() {
            self.seen = Some(HashSet::new());
        }
        self.rules = rules;
        self
    }

    /// Adds one partner record: its merged group and its `(key, value)` pairs, looked up
    /// in `own` (the in-memory join; [`ViewBuilder::add_matched`] takes a join done
    /// elsewhere).
    pub fn add(&mut self, group: u16, values: &[(usize, [u8; VALUE_LEN])], own: &OwnIndex) {
        let mut facts = Vec::with_capacity(values.len());
        for (key, value) in values {
            // With noise, a value seen in an earlier partner record is not a first occurrence.
            let first = self.seen.as_mut().is_none_or(|seen| seen.insert((*key as u8, *value)));
            self.scratch.clear();
            own.groups_of(*key, value, &mut self.scratch);
            facts.push((*key, first, self.scratch.iter().min().copied()));
        }
        self.add_matched(group, &facts);
    }

    /// Adds one partner record whose values were matched already: its merged group and,
    /// per value, `(key index, first, own group)`: `first` whether no earlier partner
    /// record holds an equal value of the key, `own group` the smallest own merged group
    /// holding an equal value (`None`: no match). A matched record counts once, in the
    /// cell of the smallest own group it matched into, so the cells of a group sum to
    /// the group's matched records; with noise, a partner value counts for its first
    /// record only (the sensitivity the noise scale assumes).
    pub fn add_matched(&mut self, group: u16, values: &[(usize, bool, Option<u16>)]) {
        self.records += 1;
        let noised = self.rules.noise.is_some();
        // A record counts once per key however many values of the key it holds.
        let mut has = [false; MatchKey::COUNT];
        let mut hit = [false; MatchKey::COUNT];
        let mut cell: Option<u16> = None;
        for &(key, first, own_group) in values {
            let Some(slot) = has.get_mut(key) else { continue };
            *slot = true;
            if noised && !first {
                continue;
            }
            if let Some(g) = own_group {
                hit[key] = true;
                cell = Some(cell.map_or(g, |c| c.min(g)));
            }
        }
        let mut any = false;
        for k in 0..MatchKey::COUNT {
            self.key_records[k] += u64::from(has[k]);
            self.key_matched[k] += u64::from(hit[k]);
            any |= hit[k];
        }
        if !any {
            return;
        }
        self.matched += 1;
        if let Some(m) = self.group_matched.get_mut(usize::from(group)) {
            *m += 1;
        }
        if let Some(own_group) = cell {
            *self.cells.entry((group, own_group)).or_default() += 1;
        }
    }

    /// The view: every count under `k` suppressed, then complementary suppression
    /// ([`disclosure`](super::disclosure)) so no suppressed figure can be narrowed to
    /// less than `k`; suppressed cells are left out. With noise, every count is noised
    /// and those under `k` after noise are suppressed.
    ///
    /// # Errors
    /// [`PsiError::Randomness`] if noise is agreed and no randomness is available.
    pub fn finish(self, keys: &[MatchKey]) -> Result<View, PsiError> {
        let k = u64::from(self.k);
        let key_list = keys;
        let (s_n, p_n) = (self.partner_groups.labels.len(), self.own_labels.len());
        let cell = |g: usize, o: usize| self.cells.get(&(g as u16, o as u16)).copied().unwrap_or(0);
        let mut shown_total: Option<u64>;
        let mut shown_groups: Vec<Option<u64>>;
        let mut shown_cells: Vec<((usize, usize), u64)> = Vec::new();
        let mut shown_keys: Vec<Option<u64>>;
        if let Some(scale) = self.rules.noise {
            let mut sampler = Sampler::new();
            // Noised counts are clamped to 0..=their public bound (set sizes):
            // post-processing, which costs no privacy.
            let mut noisy = |n: u64, bound: u64| -> Result<Option<u64>, PsiError> {
                let v = sampler.noisy(n, &scale)?.min(bound);
                Ok((v >= k).then_some(v))
            };
            let s_rec = &self.partner_groups.counts;
            shown_total = noisy(self.matched, self.records)?;
            shown_groups = self.group_matched.iter().zip(s_rec).map(|(n, r)| noisy(*n, *r)).collect::<Result<_, _>>()?;
            for (g, rec) in s_rec.iter().enumerate().take(s_n) {
                for o in 0..p_n {
                    let bound = self.rules.own_counts.get(o).map_or(*rec, |p| (*p).min(*rec));
                    if let Some(v) = noisy(cell(g, o), bound)? {
                        shown_cells.push(((g, o), v));
                    }
                }
            }
            shown_keys =
                key_list.iter().map(|key| noisy(self.key_matched[key.index()], self.key_records[key.index()])).collect::<Result<_, _>>()?;
        } else {
            let s_rec = &self.partner_groups.counts;
            let p_rec: Vec<u64> = (0..p_n).map(|o| self.rules.own_counts.get(o).copied().unwrap_or(self.records)).collect();
            let mut cols = vec![0u64; p_n];
            for ((_, o), n) in &self.cells {
                if let Some(c) = cols.get_mut(usize::from(*o)) {
                    *c += n;
                }
            }
            let about_guest = self.rules.about == Some(Side::Guest);
            let about = if about_guest { Side::Guest } else { Side::Host };
            let kept = |side: Side, label: &String| self.rules.keep.iter().any(|(s, l)| *s == side && l == label);
            let entry = |m: u64, r: u64, side: Side, label: &String| Entry { keep: kept(side, label), ..Entry::shown(m, r) };
            let s_entries: Vec<Entry> =
                (0..s_n).map(|g| entry(self.group_matched[g], s_rec[g], about, &self.partner_groups.labels[g])).collect();
            let other = if about_guest { Side::Host } else { Side::Guest };
            let p_entries: Vec<Entry> = (0..p_n).map(|o| entry(cols[o], p_rec[o], other, &self.own_labels[o])).collect();
            let total_max = self.records.min(p_rec.iter().sum());
            // A table too large to protect cell by cell publishes no cells: the view's
            // groups are protected against its total alone (one free column).
            let big = s_n * p_n > MAX_CELLS;
            let (rows, cols) = match (big, about_guest) {
                (true, _) => (s_entries, vec![Entry::free(total_max)]),
                (false, true) => (p_entries, s_entries),
                (false, false) => (s_entries, p_entries),
            };
            let about_guest = about_guest && !big;
            let cells = (0..rows.len())
                .map(|i| {
                    (0..cols.len())
                        .map(|j| {
                            if big {
                                return Entry::free(rows[i].max);
                            }
                            let v = if about_guest { cell(j, i) } else { cell(i, j) };
                            Entry::shown(v, rows[i].max.min(cols[j].max))
                        })
                        .collect()
                })
                .collect();
            let mut grid = Grid { total: Entry::shown(self.matched, total_max), rows, cols, cells };
            protect(&mut grid, k);
            let shown = |slot: Slot| grid.get(slot).filter(|e| e.state == State::Shown).map(|e| e.value);
            shown_total = shown(Slot::Total);
            shown_groups = (0..s_n).map(|g| shown(if about_guest { Slot::Col(g) } else { Slot::Row(g) })).collect();
            for g in 0..s_n {
                for o in 0..p_n {
                    let slot = if about_guest { Slot::Cell(o, g) } else { Slot::Cell(g, o) };
                    if let Some(v) = shown(slot) {
                        shown_cells.push(((g, o), v));
                    }
                }
            }
            let mut entries: Vec<KeyEntry> = key_list
                .iter()
                .map(|key| KeyEntry {
                    matched: self.key_matched[key.index()],
                    max: self.key_records[key.index()].min(self.rules.own_key_records[key.index()].max(self.key_matched[key.index()])),
                    shown: shown_total.is_some(),
                })
                .collect();
            protect_keys(&mut entries, self.matched, k);
            shown_keys = entries.iter().map(|e| e.shown.then_some(e.matched)).collect();
        }
        if shown_total.is_some_and(|v| v < k) {
            shown_total = None;
        }
        shown_groups.iter_mut().for_each(|g| *g = g.filter(|v| *v >= k));
        shown_keys.iter_mut().for_each(|g| *g = g.filter(|v| *v >= k));
        let by_key = key_list
            .iter()
            .zip(shown_keys)
            .map(|(key, matched)| KeyFigures { key: *key, records: self.key_records[key.index()], matched })
            .collect();
        let groups = self
            .partner_groups
            .labels
            .iter()
            .zip(&self.partner_groups.counts)
            .zip(shown_groups)
            .map(|((label, records), matched)| GroupFigures { label: label.clone(), records: *records, matched })
            .collect();
        let label = |labels: &[String], i: usize| labels.get(i).cloned().unwrap_or_default();
        let cells = shown_cells
            .into_iter()
            .filter(|(_, n)| *n >= k)
            .map(|((g, o), n)| Cell {
                group: label(&self.partner_groups.labels, g),
                partner_group: label(&self.own_labels, o),
                matched: Some(n),
            })
            .collect();
        Ok(View { records: self.records, matched: shown_total, by_key, groups, cells })
    }
}
