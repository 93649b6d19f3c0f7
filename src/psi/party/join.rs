//! Matching (step 4's join): which of the partner's double-blinded values equal one of
//! this side's returned values, key by key. The core hands the values out as a
//! [`JoinInput`] and takes back a [`JoinOutcome`]; everything the report publishes (a
//! record counts once, the cell of its smallest own group, first occurrences under noise,
//! groups under `k`, per-key counts, suppression) is decided from the outcome in
//! `finish`. By default the core joins in memory ([`JoinOutcome::compute`]); a driver
//! that holds the values on a cluster (the Spark driver) calls [`Party::match_outside`]
//! before the run, takes the input with [`Party::take_join`], joins there and hands the
//! outcome back with [`Party::complete_join`], so neither the values nor an index of them
//! need to fit in the driver's memory at once.
//!
//! Values are compared whole: 12 bytes, the truncated points the wire carries
//! ([`VALUE_LEN`]).

use super::{Party, PartyError, ProtocolViolation};
use crate::manifest::Mode;
use crate::psi::{MatchKey, VALUE_LEN};
use std::collections::hash_map::Entry;
use std::collections::HashMap;

/// An own group that matched nothing, in [`JoinOutcome::partner_group`].
pub const UNMATCHED: u16 = u16::MAX;

/// The values to join, per key in [`MatchKey::index`] order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JoinInput {
    /// The partner's values, [`VALUE_LEN`] bytes each, in the partner's record order
    /// (the order its record structure declares them).
    pub partner: [Vec<u8>; MatchKey::COUNT],
    /// This side's values as the partner returned them, [`VALUE_LEN`] bytes each.
    pub own: [Vec<u8>; MatchKey::COUNT],
    /// The own merged group of each own value (one per value of `own`).
    pub own_groups: [Vec<u16>; MatchKey::COUNT],
}

/// What the report needs from the join, per key, one entry per value in the order of
/// the [`JoinInput`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JoinOutcome {
    /// Per partner value: the smallest own group among the own values equal to it, or
    /// [`UNMATCHED`].
    pub partner_group: [Vec<u16>; MatchKey::COUNT],
    /// Per partner value: whether no earlier partner value of the key equals it. Needed
    /// when noise is agreed (a value counts for its first record only); may be empty
    /// otherwise.
    pub partner_first: [Vec<bool>; MatchKey::COUNT],
    /// Per own value: whether a partner value of the key equals it (audience mode's
    /// matched rows).
    pub own_matched: [Vec<bool>; MatchKey::COUNT],
    /// Per own value: whether no earlier own value of the key equals it.
    pub own_first: [Vec<bool>; MatchKey::COUNT],
}

impl JoinOutcome {
    /// The join in memory: one hash map of own values per key (value → smallest group,
    /// matched), ≈ 30 bytes per own value while it runs. `partner_first` is computed
    /// only if `first` (it needs a set of the partner's values as well).
    pub fn compute(input: &JoinInput, first: bool) -> JoinOutcome {
        let mut out = JoinOutcome::default();
        for k in 0..MatchKey::COUNT {
            let (own, groups) = (&input.own[k], &input.own_groups[k]);
            let mut index: HashMap<[u8; VALUE_LEN], (u16, bool)> = HashMap::with_capacity(groups.len());
            let own_first = &mut out.own_first[k];
            for (v, g) in own.chunks_exact(VALUE_LEN).zip(groups) {
                match index.entry(value(v)) {
                    Entry::Occupied(mut e) => {
                        let at = e.get_mut();
                        at.0 = at.0.min(*g);
                        own_first.push(false);
                    }
                    Entry::Vacant(e) => {
                        e.insert((*g, false));
                        own_first.push(true);
                    }
                }
            }
            let mut seen = std::collections::HashSet::new();
            for v in input.partner[k].chunks_exact(VALUE_LEN) {
                let v = value(v);
                let group = match index.get_mut(&v) {
                    Some(at) => {
                        at.1 = true;
                        at.0
                    }
                    None => UNMATCHED,
                };
                out.partner_group[k].push(group);
                if first {
                    out.partner_first[k].push(seen.insert(v));
                }
            }
            out.own_matched[k] = own.chunks_exact(VALUE_LEN).map(|v| index.get(&value(v)).is_some_and(|at| at.1)).collect();
        }
        out
    }

    /// Whether either side holds a value of a key twice (the disclosure audit then uses
    /// the per-view model).
    #[cfg(debug_assertions)]
    pub(super) fn repeats(&self) -> bool {
        self.partner_first.iter().chain(&self.own_first).any(|f| f.iter().any(|first| !first))
    }
}

fn value(v: &[u8]) -> [u8; VALUE_LEN] {
    let mut out = [0u8; VALUE_LEN];
    out.copy_from_slice(v);
    out
}

/// Where the join stands.
#[derive(Default)]
pub(super) enum Matching {
    /// Values still arriving.
    #[default]
    Collecting,
    /// Handed out for a join elsewhere (`None` once taken).
    Outside(Option<Box<JoinInput>>),
    /// The outcome is in.
    Done,
}

impl Party {
    /// Joins outside the core: once both directions are complete the run waits for
    /// [`Party::take_join`] and [`Party::complete_join`] instead of joining in memory.
    /// Call before the run finishes (right after [`Party::new`]).
    pub fn match_outside(&mut self) {
        self.outside = true;
    }

    /// After [`Party::match_outside`]: the values to join, once, when both directions are
    /// complete (the core keeps no copy).
    pub fn take_join(&mut self) -> Option<JoinInput> {
        match &mut self.matching {
            Matching::Outside(input) => input.take().map(|b| *b),
            _ => None,
        }
    }

    /// Hands back the outcome of the join of the input [`Party::take_join`] gave.
    ///
    /// # Errors
    /// [`ProtocolViolation::JoinOutcome`] (a caller's mistake) if no join was handed out
    /// or the outcome's sizes or groups do not fit it; then as [`Party::handle`].
    pub fn complete_join(&mut self, outcome: JoinOutcome) -> Result<(), PartyError> {
        if !matches!(self.matching, Matching::Outside(None)) {
            return Err(ProtocolViolation::JoinOutcome.into());
        }
        self.apply_join(&outcome)?;
        self.try_finish()
    }

    /// Moves the values out of the run into a [`JoinInput`] with each own value's group:
    /// in audience mode one group; in aggregate mode the partner returned them group
    /// after group (merged own groups in order), as many as own records of that group
    /// hold of the key.
    pub(super) fn join_input(&mut self) -> JoinInput {
        let mut input = JoinInput::default();
        let audience = self.manifest.mode == Mode::Audience;
        for key in MatchKey::ALL {
            let k = key.index();
            let own = std::mem::take(&mut self.own_returned[k]);
            input.own_groups[k] = if audience {
                vec![0; own.len()]
            } else {
                let mut per_group = vec![0usize; self.own_merged.labels.len()];
                for (g, counts, _) in &self.own.records {
                    if let Some(m) = self.own_merged.merged(*g) {
                        per_group[usize::from(m)] += counts.get(key);
                    }
                }
                per_group.iter().enumerate().flat_map(|(g, n)| std::iter::repeat_n(g as u16, *n)).collect()
            };
            input.own[k] = own.concat();
            if let Some(p) = self.partner.as_mut() {
                input.partner[k] = std::mem::take(&mut p.values[k]).concat();
            }
        }
        input
    }

    /// Checks an outcome against the sizes the run knows and computes this side's view
    /// (and, in audience mode, the matched rows) from it.
    pub(super) fn apply_join(&mut self, outcome: &JoinOutcome) -> Result<(), PartyError> {
        let p = self.partner.as_ref().ok_or(ProtocolViolation::PointsBeforeHeader)?;
        let noised = self.manifest.output.epsilon.is_some();
        let own_groups = self.own_merged.labels.len();
        for k in 0..MatchKey::COUNT {
            let (theirs, ours) = (p.header.key_counts[k] as usize, self.own_key_counts[k] as usize);
            let first = outcome.partner_first[k].len();
            let fits = outcome.partner_group[k].len() == theirs
                && (first == theirs || (first == 0 && !noised && !cfg!(debug_assertions)))
                && outcome.own_matched[k].len() == ours
                && outcome.own_first[k].len() == ours
                && outcome.partner_group[k].iter().all(|g| *g == UNMATCHED || usize::from(*g) < own_groups);
            if !fits {
                return Err(ProtocolViolation::JoinOutcome.into());
            }
        }
        #[cfg(debug_assertions)]
        {
            self.repeats = outcome.repeats();
        }
        let view = self.view_from(outcome)?;
        let json = serde_json::to_string(&view).map_err(|_| ProtocolViolation::UnreadableFigures)?;
        self.outbox.push_back(crate::wire::Message::PartnerView { manifest_hash: self.manifest_hash, json });
        self.my_view = Some(view);
        if self.manifest.mode == Mode::Audience {
            self.matched = Some(self.rows_matched(outcome));
        }
        self.matching = Matching::Done;
        Ok(())
    }

    /// This side's source rows with a value any partner value equals, ascending.
    fn rows_matched(&self, outcome: &JoinOutcome) -> Vec<u32> {
        let mut cursors = [0usize; MatchKey::COUNT];
        let mut rows = Vec::new();
        for (_, counts, row) in &self.own.records {
            let mut hit = false;
            for (k, cursor) in cursors.iter_mut().enumerate() {
                let n = counts.at(k);
                hit |= outcome.own_matched[k].get(*cursor..*cursor + n).is_some_and(|m| m.iter().any(|x| *x));
                *cursor += n;
            }
            if hit {
                rows.push(*row);
            }
        }
        rows.sort_unstable();
        rows
    }
}
