//! Computing one side's [`View`] of its partner's records.

use super::{Cell, GroupFigures, KeyFigures, View};
use crate::psi::{MatchKey, VALUE_LEN};
use std::collections::HashMap;

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
    /// Applies the threshold rule to declared `(label, records)` groups.
    pub fn new(declared: &[(String, u32)], k: u32) -> MergedGroups {
        let mut labels = Vec::new();
        let mut counts = Vec::new();
        let mut map = Vec::with_capacity(declared.len());
        let mut other: Option<u64> = None;
        for (label, count) in declared {
            if *count >= k && label != OTHER {
                map.push(labels.len() as u16);
                labels.push(label.clone());
                counts.push(u64::from(*count));
            } else {
                map.push(u16::MAX);
                *other.get_or_insert(0) += u64::from(*count);
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

/// Accumulates the figures about the partner's records, one record at a time.
pub struct ViewBuilder {
    k: u32,
    partner_groups: MergedGroups,
    own_labels: Vec<String>,
    records: u64,
    matched: u64,
    key_records: [u64; MatchKey::COUNT],
    key_matched: [u64; MatchKey::COUNT],
    group_matched: Vec<u64>,
    cells: HashMap<(u16, u16), u64>,
    scratch: Vec<u16>,
}

impl ViewBuilder {
    /// A builder for a partner with these merged groups, against own merged group labels.
    pub fn new(k: u32, partner_groups: MergedGroups, own_labels: Vec<String>) -> ViewBuilder {
        let group_matched = vec![0; partner_groups.labels.len()];
        ViewBuilder {
            k,
            partner_groups,
            own_labels,
            records: 0,
            matched: 0,
            key_records: [0; MatchKey::COUNT],
            key_matched: [0; MatchKey::COUNT],
            group_matched,
            cells: HashMap::new(),
            scratch: Vec::new(),
        }
    }

    /// Adds one partner record: its merged group and its `(key, value)` pairs.
    pub fn add(&mut self, group: u16, values: &[(usize, [u8; VALUE_LEN])], own: &OwnIndex) {
        self.records += 1;
        self.scratch.clear();
        // A record counts once per key however many values of the key it holds.
        let mut has = [false; MatchKey::COUNT];
        let mut hit = [false; MatchKey::COUNT];
        for (key, value) in values {
            let Some(slot) = has.get_mut(*key) else { continue };
            *slot = true;
            if own.groups_of(*key, value, &mut self.scratch) {
                hit[*key] = true;
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
        self.scratch.sort_unstable();
        self.scratch.dedup();
        for own_group in &self.scratch {
            *self.cells.entry((group, *own_group)).or_default() += 1;
        }
    }

    /// The view, with every count under `k` suppressed and cells under `k` left out.
    pub fn finish(self, keys: &[MatchKey]) -> View {
        let k = u64::from(self.k);
        let show = |n: u64| (n >= k).then_some(n);
        let by_key = keys
            .iter()
            .map(|key| KeyFigures {
                key: *key,
                records: self.key_records[key.index()],
                matched: show(self.key_matched[key.index()]),
            })
            .collect();
        let groups = self
            .partner_groups
            .labels
            .iter()
            .zip(&self.partner_groups.counts)
            .zip(&self.group_matched)
            .map(|((label, records), matched)| GroupFigures { label: label.clone(), records: *records, matched: show(*matched) })
            .collect();
        let mut cells: Vec<((u16, u16), u64)> = self.cells.into_iter().filter(|(_, n)| *n >= k).collect();
        cells.sort_unstable();
        let label = |labels: &[String], i: u16| labels.get(usize::from(i)).cloned().unwrap_or_default();
        let cells = cells
            .into_iter()
            .map(|((g, o), n)| Cell {
                group: label(&self.partner_groups.labels, g),
                partner_group: label(&self.own_labels, o),
                matched: Some(n),
            })
            .collect();
        View { records: self.records, matched: show(self.matched), by_key, groups, cells }
    }
}
