//! One side's records, ready to blind: flat storage so a million records fit in well
//! under 100 bytes each.

use super::{KeyCounts, KeyMask, MatchKey, DIGEST_LEN, MAX_VALUES_PER_KEY};
use crate::report::MergedGroups;
use crate::wire::{MAX_GROUPS, MAX_LABEL};
use std::collections::HashMap;

/// The group every record belongs to when no breakdown column is used.
pub const ALL: &str = "all";

/// An [`OwnSet`] as flat arrays (see [`OwnSet::to_flat`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlatRecords {
    /// Source row of each record.
    pub rows: Vec<u32>,
    /// Values per record (over all its keys).
    pub counts: Vec<u8>,
    /// Wire index ([`MatchKey::index`]) of each digest's key.
    pub keys: Vec<u8>,
    /// 32-byte digests back to back.
    pub digests: Vec<u8>,
    /// Group of each record: an index into `labels` (out of range: no group).
    pub groups: Vec<u32>,
    /// Group labels.
    pub labels: Vec<String>,
}

/// A side's records: per record a group and the digests of every value of its match keys.
#[derive(Clone, Debug, Default)]
pub struct OwnSet {
    pub(crate) labels: Vec<String>,
    pub(crate) group_counts: Vec<u32>,
    /// Per record: declared group index, values per key, source row.
    pub(crate) records: Vec<(u16, KeyCounts, u32)>,
    /// Digests back to back, in record order, each record's keys in wire order and each
    /// key's values in the order given.
    pub(crate) digests: Vec<[u8; DIGEST_LEN]>,
    label_index: HashMap<String, u16>,
    /// Records passed to `add` that had no key.
    pub(crate) skipped: u64,
    /// Values left out beyond [`MAX_VALUES_PER_KEY`] of one key in one record.
    pub(crate) extra_values: u64,
}

impl OwnSet {
    /// An empty set.
    pub fn new() -> OwnSet {
        OwnSet::default()
    }

    /// Adds a record from source row `row` (used to export matched rows in audience
    /// mode) with its `(key, digest)` pairs. Every value of a key takes part (a record
    /// with two email columns has two email values; it matches if either does); a value
    /// given twice for one key is kept once, and beyond [`MAX_VALUES_PER_KEY`] distinct
    /// values of a key the rest are left out (counted by [`OwnSet::extra_values`]). A
    /// record with no key is counted as skipped. A group label longer than the wire
    /// allows is cut; labels beyond the wire's group limit share one overflow group.
    /// Every key may be added: [`crate::session::Session::start`] cuts the set to the
    /// agreed keys.
    pub fn add(&mut self, row: u32, group: Option<&str>, keys: &[(MatchKey, [u8; DIGEST_LEN])]) {
        let mut counts = KeyCounts::NONE;
        let start = self.digests.len();
        for key in MatchKey::ALL {
            let from = self.digests.len();
            for (k, d) in keys {
                if *k != key || self.digests[from..].contains(d) {
                    continue;
                }
                if self.digests.len() - from >= usize::from(MAX_VALUES_PER_KEY) {
                    self.extra_values += 1;
                    continue;
                }
                self.digests.push(*d);
            }
            counts = counts.with(key, (self.digests.len() - from) as u8);
        }
        if counts.is_empty() {
            self.skipped += 1;
            return;
        }
        debug_assert_eq!(self.digests.len() - start, counts.total());
        let g = self.intern(group.unwrap_or(ALL));
        self.group_counts[usize::from(g)] += 1;
        self.records.push((g, counts, row));
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

    /// The match keys at least one record has.
    pub fn held_keys(&self) -> KeyMask {
        self.records.iter().fold(KeyMask::NONE, |m, r| m.union(r.1.mask()))
    }

    /// The set limited to the `allowed` keys: records left without any are dropped
    /// (and counted as skipped).
    pub fn restricted(self, allowed: KeyMask) -> OwnSet {
        if self.records.iter().all(|r| r.1.mask().is_subset(allowed)) {
            return self;
        }
        let mut out = OwnSet { skipped: self.skipped, extra_values: self.extra_values, ..OwnSet::new() };
        let mut digests = self.digests.iter();
        let mut pairs = Vec::with_capacity(MatchKey::COUNT);
        for (g, counts, row) in &self.records {
            pairs.clear();
            for k in MatchKey::ALL {
                for d in digests.by_ref().take(counts.get(k)) {
                    if allowed.contains(k) {
                        pairs.push((k, *d));
                    }
                }
            }
            let label = self.labels.get(usize::from(*g)).map(String::as_str);
            out.add(*row, label, &pairs);
        }
        out
    }

    /// The set as flat arrays, to move it between threads or wasm instances:
    /// `OwnSet::from_flat(set.to_flat())` holds the same records.
    pub fn to_flat(&self) -> FlatRecords {
        let mut f = FlatRecords { labels: self.labels.clone(), ..FlatRecords::default() };
        let mut digests = self.digests.iter();
        for (g, counts, row) in &self.records {
            f.rows.push(*row);
            f.groups.push(u32::from(*g));
            f.counts.push(counts.total() as u8);
            for k in MatchKey::ALL {
                for d in digests.by_ref().take(counts.get(k)) {
                    f.keys.push(k.index() as u8);
                    f.digests.extend_from_slice(d);
                }
            }
        }
        f
    }

    /// Adds the records of [`OwnSet::to_flat`] (or an equivalent producer).
    ///
    /// # Errors
    /// [`super::PsiError::Length`] if the arrays disagree in length;
    /// [`super::PsiError::UnknownKey`] for a key index that names no key.
    pub fn add_flat(&mut self, f: &FlatRecords) -> Result<(), super::PsiError> {
        let total: usize = f.counts.iter().map(|c| usize::from(*c)).sum();
        if f.counts.len() != f.rows.len()
            || f.groups.len() != f.rows.len()
            || f.keys.len() != total
            || f.digests.len() != total * DIGEST_LEN
        {
            return Err(super::PsiError::Length { len: f.digests.len(), multiple_of: DIGEST_LEN });
        }
        let mut at = 0;
        let mut pairs = Vec::with_capacity(MatchKey::COUNT);
        for ((row, count), group) in f.rows.iter().zip(&f.counts).zip(&f.groups) {
            pairs.clear();
            for j in at..at + usize::from(*count) {
                let key = MatchKey::from_index(usize::from(f.keys[j])).ok_or(super::PsiError::UnknownKey)?;
                let mut digest = [0u8; DIGEST_LEN];
                digest.copy_from_slice(&f.digests[j * DIGEST_LEN..(j + 1) * DIGEST_LEN]);
                pairs.push((key, digest));
            }
            at += usize::from(*count);
            let label = f.labels.get(*group as usize).map(String::as_str);
            self.add(*row, label, &pairs);
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

    /// Records given to [`OwnSet::add`] without any key, or left without one by
    /// [`OwnSet::restricted`].
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Values of every key over all records (what is blinded and sent).
    pub fn values(&self) -> u64 {
        self.records.iter().map(|r| r.1.total() as u64).sum()
    }

    /// Values per key over all records, indexed by [`MatchKey::index`].
    pub fn values_per_key(&self) -> [u64; MatchKey::COUNT] {
        let mut out = [0u64; MatchKey::COUNT];
        for (_, counts, _) in &self.records {
            for k in MatchKey::ALL {
                out[k.index()] += counts.get(k) as u64;
            }
        }
        out
    }

    /// Values left out because a record held more than [`MAX_VALUES_PER_KEY`] distinct
    /// values of one key.
    pub fn extra_values(&self) -> u64 {
        self.extra_values
    }

    /// Merges groups under `k` records into `(other)` on this side, before any label,
    /// count or per-record group leaves the machine, by the rule both sides apply
    /// ([`MergedGroups::new`]: `(other)` itself reaches `k`, or takes its complement
    /// with it). Refuses first a breakdown column that looks like an identifier.
    ///
    /// # Errors
    /// [`BreakdownError`] if most groups hold a single record, or most labels look like
    /// email addresses or phone numbers.
    pub fn merge_small_groups(&mut self, k: u32) -> Result<(), BreakdownError> {
        check_breakdown(&self.labels, &self.group_counts)?;
        let declared: Vec<(String, u32)> = self.labels.iter().cloned().zip(self.group_counts.iter().copied()).collect();
        let merged = MergedGroups::new(&declared, k);
        for r in &mut self.records {
            r.0 = merged.merged(r.0).unwrap_or(0);
        }
        self.labels = merged.labels;
        self.group_counts = merged.counts.iter().map(|c| u32::try_from(*c).unwrap_or(u32::MAX)).collect();
        self.label_index = self.labels.iter().enumerate().map(|(i, l)| (l.clone(), i as u16)).collect();
        Ok(())
    }
}

/// A breakdown column refused because it looks like an identifier. Stable code
/// `breakdown-identifier`; the message names no value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BreakdownError {
    /// Why it looks like an identifier.
    pub why: &'static str,
}

impl BreakdownError {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        "breakdown-identifier"
    }
}

impl core::fmt::Display for BreakdownError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "the breakdown column looks like an identifier ({}); its values would reach the partner as segment labels. Choose a column with a few categories (region, tier, campaign)",
            self.why
        )
    }
}

impl std::error::Error for BreakdownError {}

/// Groups with a single record, over all groups, beyond which a column is taken for an
/// identifier (with at least [`MIN_SINGLETONS`] of them).
const MAX_SINGLETON_SHARE: f64 = 0.5;
const MIN_SINGLETONS: usize = 20;

/// Refuses labels that look like identifiers: mostly unique values, or mostly email
/// addresses or phone numbers.
pub(crate) fn check_breakdown(labels: &[String], counts: &[u32]) -> Result<(), BreakdownError> {
    if labels.len() <= 1 {
        return Ok(());
    }
    let singletons = counts.iter().filter(|c| **c == 1).count();
    if singletons >= MIN_SINGLETONS && singletons as f64 > MAX_SINGLETON_SHARE * labels.len() as f64 {
        return Err(BreakdownError { why: "most of its values occur once" });
    }
    let emails = labels.iter().filter(|l| looks_like_email(l)).count();
    if emails * 2 > labels.len() {
        return Err(BreakdownError { why: "its values are email addresses" });
    }
    let phones = labels.iter().filter(|l| looks_like_phone(l)).count();
    if phones * 2 > labels.len() {
        return Err(BreakdownError { why: "its values are phone numbers" });
    }
    Ok(())
}

fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.trim().rsplit_once('@') else { return false };
    !local.is_empty() && domain.contains('.') && !domain.contains(' ')
}

fn looks_like_phone(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    digits >= 7 && s.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c))
}
