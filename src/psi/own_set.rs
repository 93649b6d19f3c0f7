//! One side's records, ready to blind: flat storage so a million records fit in well
//! under 100 bytes each.

use super::{DIGEST_LEN, KEYS};
use crate::wire::{MAX_GROUPS, MAX_LABEL};
use std::collections::HashMap;

/// The group every record belongs to when no breakdown column is used.
pub const ALL: &str = "all";

/// An [`OwnSet`] as flat arrays (see [`OwnSet::to_flat`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlatRecords {
    /// Source row of each record.
    pub rows: Vec<u32>,
    /// Keys per record.
    pub counts: Vec<u8>,
    /// Key index (into [`KEYS`]) of each digest.
    pub keys: Vec<u8>,
    /// 32-byte digests back to back.
    pub digests: Vec<u8>,
    /// Group of each record: an index into `labels` (out of range: no group).
    pub groups: Vec<u32>,
    /// Group labels.
    pub labels: Vec<String>,
}

/// A side's records: per record a group and the digests of its match keys.
#[derive(Clone, Debug, Default)]
pub struct OwnSet {
    pub(crate) labels: Vec<String>,
    pub(crate) group_counts: Vec<u32>,
    /// Per record: declared group index, key mask, source row.
    pub(crate) records: Vec<(u16, u8, u32)>,
    /// Digests back to back, in record order, each record's keys in [`KEYS`] order.
    pub(crate) digests: Vec<[u8; DIGEST_LEN]>,
    label_index: HashMap<String, u16>,
    /// Records passed to `add` that had none of the allowed keys.
    pub(crate) skipped: u64,
}

impl OwnSet {
    /// An empty set.
    pub fn new() -> OwnSet {
        OwnSet::default()
    }

    /// Adds a record from source row `row` (used to export matched rows in audience
    /// mode). `keys` holds `(key index, digest)` pairs; keys outside `allowed` (a mask
    /// over [`KEYS`]) are ignored, and duplicate keys keep the first value. A record
    /// with no allowed key is counted as skipped. A group label longer than the wire
    /// allows is cut; labels beyond the wire's group limit share one overflow group.
    pub fn add(&mut self, row: u32, group: Option<&str>, keys: &[(usize, [u8; DIGEST_LEN])], allowed: u8) {
        let mut mask = 0u8;
        let mut ordered: [Option<[u8; DIGEST_LEN]>; KEYS.len()] = [None; KEYS.len()];
        for (k, d) in keys {
            if *k < KEYS.len() && allowed & (1 << k) != 0 && ordered[*k].is_none() {
                ordered[*k] = Some(*d);
                mask |= 1 << k;
            }
        }
        if mask == 0 {
            self.skipped += 1;
            return;
        }
        let g = self.intern(group.unwrap_or(ALL));
        self.group_counts[usize::from(g)] += 1;
        self.records.push((g, mask, row));
        self.digests.extend(ordered.into_iter().flatten());
    }

    fn intern(&mut self, label: &str) -> u16 {
        let mut end = label.len().min(MAX_LABEL);
        while !label.is_char_boundary(end) {
            end -= 1;
        }
        let label = &label[..end];
        if let Some(g) = self.label_index.get(label) {
            return *g;
        }
        let label = if self.labels.len() + 1 >= MAX_GROUPS { "(more groups)" } else { label };
        if let Some(g) = self.label_index.get(label) {
            return *g;
        }
        let g = self.labels.len() as u16;
        self.labels.push(label.to_string());
        self.group_counts.push(0);
        self.label_index.insert(label.to_string(), g);
        g
    }

    /// The match keys at least one record has, in [`KEYS`] order.
    pub fn held_keys(&self) -> Vec<String> {
        let mask = self.records.iter().fold(0u8, |m, r| m | r.1);
        KEYS.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, k)| k.to_string()).collect()
    }

    /// The set limited to the agreed keys: records left without any are dropped.
    pub fn restricted(self, keys: &[String]) -> OwnSet {
        let allowed = keys.iter().filter_map(|k| super::key_index(k)).fold(0u8, |m, i| m | 1 << i);
        if self.records.iter().all(|r| r.1 & !allowed == 0) {
            return self;
        }
        let mut out = OwnSet::new();
        let mut digests = self.digests.iter();
        let mut pairs = Vec::with_capacity(KEYS.len());
        for (g, mask, row) in &self.records {
            pairs.clear();
            for k in 0..KEYS.len() {
                if mask & (1 << k) != 0 {
                    if let Some(d) = digests.next() {
                        pairs.push((k, *d));
                    }
                }
            }
            let label = self.labels.get(usize::from(*g)).map(String::as_str);
            out.add(*row, label, &pairs, allowed);
        }
        out
    }

    /// The set as flat arrays, to move it between threads or wasm instances:
    /// `OwnSet::from_flat(set.to_flat())` holds the same records.
    pub fn to_flat(&self) -> FlatRecords {
        let mut f = FlatRecords { labels: self.labels.clone(), ..FlatRecords::default() };
        let mut digests = self.digests.iter();
        for (g, mask, row) in &self.records {
            f.rows.push(*row);
            f.groups.push(u32::from(*g));
            f.counts.push(mask.count_ones() as u8);
            for k in 0..KEYS.len() {
                if mask & (1 << k) != 0 {
                    if let Some(d) = digests.next() {
                        f.keys.push(k as u8);
                        f.digests.extend_from_slice(d);
                    }
                }
            }
        }
        f
    }

    /// Adds the records of [`OwnSet::to_flat`] (or an equivalent producer).
    ///
    /// # Errors
    /// [`super::PsiError::Length`] if the arrays disagree in length.
    pub fn add_flat(&mut self, f: &FlatRecords, allowed: u8) -> Result<(), super::PsiError> {
        let total: usize = f.counts.iter().map(|c| usize::from(*c)).sum();
        if f.counts.len() != f.rows.len() || f.groups.len() != f.rows.len() || f.keys.len() != total || f.digests.len() != total * DIGEST_LEN {
            return Err(super::PsiError::Length { len: f.digests.len(), multiple_of: DIGEST_LEN });
        }
        let mut at = 0;
        let mut pairs = Vec::with_capacity(KEYS.len());
        for ((row, count), group) in f.rows.iter().zip(&f.counts).zip(&f.groups) {
            pairs.clear();
            for j in at..at + usize::from(*count) {
                let mut digest = [0u8; DIGEST_LEN];
                digest.copy_from_slice(&f.digests[j * DIGEST_LEN..(j + 1) * DIGEST_LEN]);
                pairs.push((usize::from(f.keys[j]), digest));
            }
            at += usize::from(*count);
            let label = f.labels.get(*group as usize).map(String::as_str);
            self.add(*row, label, &pairs, allowed);
        }
        Ok(())
    }

    /// Records in the set.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Records given to [`OwnSet::add`] without any allowed key.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }
}
