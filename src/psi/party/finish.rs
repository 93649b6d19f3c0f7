//! The end of a run (steps 4–5): once both directions are complete, the figures about
//! the partner's records ([`View`]), the report from both views and the comparison of
//! the two hashes; in audience mode this side's matched rows.

use super::{Party, PartyError, ProtocolViolation};
use crate::manifest::{Mode, Side};
use crate::psi::{MatchKey, VALUE_LEN};
use crate::report::{check, OwnIndex, Report, View, ViewBuilder, ViewRules};
use crate::wire::Message;
use std::collections::HashSet;

impl Party {
    fn partner_done(&self) -> bool {
        self.partner.as_ref().is_some_and(|p| {
            p.structure.len() == p.header.records as usize
                && (0..MatchKey::COUNT).all(|k| p.values[k].len() == p.header.key_counts[k] as usize)
        })
    }

    fn own_done(&self) -> bool {
        (0..MatchKey::COUNT).all(|k| self.own_returned[k].len() == self.own_key_counts[k] as usize)
    }

    pub(super) fn try_finish(&mut self) -> Result<(), PartyError> {
        if self.my_view.is_none() && self.partner_done() && self.own_done() {
            let view = self.compute_view()?;
            let json = serde_json::to_string(&view).map_err(|_| ProtocolViolation::UnreadableFigures)?;
            self.outbox.push_back(Message::PartnerView { manifest_hash: self.manifest_hash, json });
            self.my_view = Some(view);
        }
        if self.report.is_none() {
            if let (Some(mine), Some(theirs)) = (&self.my_view, &self.their_view) {
                let (host, guest) = match self.side {
                    Side::Host => (theirs.clone(), mine.clone()),
                    Side::Guest => (mine.clone(), theirs.clone()),
                };
                let report = Report::assemble(&self.manifest, host, guest);
                // Debug builds (tests) audit every report they assemble: in the joint model
                // unless a set holds the same value in several records (both sides see
                // repeated values, so the attacker knows the joint model does not hold).
                #[cfg(debug_assertions)]
                if self.audit_report(&report.figures).is_err() {
                    return Err(PartyError::InvalidReport(check::InvalidReport("the report fails the disclosure audit")));
                }
                self.outbox.push_back(Message::ReportHash(report.hash));
                self.report = Some(report);
            }
        }
        if let (Some(report), Some(theirs)) = (&self.report, &self.partner_hash) {
            if *theirs != report.hash {
                return Err(PartyError::ReportMismatch);
            }
            self.confirmed = true;
        }
        Ok(())
    }

    /// Own values as returned, mapped to own merged groups.
    fn own_index(&self) -> OwnIndex {
        let mut index = OwnIndex::new();
        for key in MatchKey::ALL {
            let k = key.index();
            let values = &self.own_returned[k];
            if self.manifest.mode == Mode::Audience {
                for v in values {
                    index.insert(k, *v, 0);
                }
                continue;
            }
            // Aggregate: group after group, as many values as own records of that
            // merged group hold of this key.
            let mut per_group = vec![0usize; self.own_merged.labels.len()];
            for (g, counts, _) in &self.own.records {
                if let Some(m) = self.own_merged.merged(*g) {
                    per_group[usize::from(m)] += counts.get(key);
                }
            }
            let mut it = values.iter();
            for (g, n) in per_group.iter().enumerate() {
                for v in it.by_ref().take(*n) {
                    index.insert(k, *v, g as u16);
                }
            }
        }
        index
    }

    /// This side's records that hold each key (a record with two emails counts once; the
    /// set header's key counts are values).
    fn own_key_records(&self) -> [u64; MatchKey::COUNT] {
        let mut out = [0u64; MatchKey::COUNT];
        for (_, counts, _) in &self.own.records {
            for k in MatchKey::ALL {
                out[k.index()] += u64::from(counts.get(k) > 0);
            }
        }
        out
    }

    fn compute_view(&self) -> Result<View, PartyError> {
        let p = self.partner.as_ref().ok_or(ProtocolViolation::PointsBeforeHeader)?;
        let own = self.own_index();
        let rules = ViewRules {
            about: Some(if self.side == Side::Host { Side::Guest } else { Side::Host }),
            own_counts: self.own_merged.counts.clone(),
            own_key_records: self.own_key_records(),
            noise: self.manifest.output.noise(self.manifest.keys.len()),
            keep: self.manifest.measurement.iter().flat_map(|m| [(m.side, m.exposed.clone()), (m.side, m.control.clone())]).collect(),
        };
        let mut builder = ViewBuilder::new(self.manifest.k, p.merged.clone(), self.own_merged.labels.clone()).with_rules(rules);
        let mut cursors = [0usize; MatchKey::COUNT];
        let mut pairs = Vec::with_capacity(MatchKey::COUNT);
        for (g, counts) in &p.structure {
            pairs.clear();
            for (k, cursor) in cursors.iter_mut().enumerate() {
                for _ in 0..counts.at(k) {
                    let v = p.values[k].get(*cursor).ok_or(ProtocolViolation::FewerPointsThanStructure)?;
                    *cursor += 1;
                    pairs.push((k, *v));
                }
            }
            builder.add(p.merged.merged(*g).unwrap_or(0), &pairs, &own);
        }
        Ok(builder.finish(&self.manifest.keys)?)
    }

    /// Checks the partner's figures about this side's records before they are used: a
    /// view that is not a valid report (wrong sizes, a count under `k`, a suppressed
    /// count derivable from the published ones) ends the run.
    pub(super) fn check_partner_view(&self, view: &View) -> Result<(), PartyError> {
        let p = self.partner.as_ref().ok_or(ProtocolViolation::FiguresForOtherSet)?;
        let per_key = self.own_key_records();
        let keys: Vec<(MatchKey, u64)> = self.manifest.keys.iter().map(|key| (*key, per_key[key.index()])).collect();
        let expected = check::Expected {
            k: self.manifest.k,
            records: self.own.records.len() as u64,
            groups: &self.own_merged,
            partner_labels: &p.merged.labels,
            keys: &keys,
            noised: self.manifest.output.epsilon.is_some(),
        };
        check::partner_view(view, &expected).map_err(PartyError::InvalidReport)
    }

    /// The report, once both views are in (confirmed or not: see [`Party::confirmed`]).
    pub fn report(&self) -> Option<&Report> {
        self.report.as_ref()
    }

    /// Whether the partner's report hash equals this side's.
    pub fn confirmed(&self) -> bool {
        self.confirmed
    }

    /// In `audience` mode, once this side's values are back and the partner's
    /// evaluated: the source rows of this side's matched records, ascending.
    /// `None` in `aggregate` mode or before then.
    pub fn matched_rows(&self) -> Option<Vec<u32>> {
        if self.manifest.mode != Mode::Audience || !self.own_done() || !self.partner_done() {
            return None;
        }
        let p = self.partner.as_ref()?;
        let sets: Vec<HashSet<&[u8; VALUE_LEN]>> = p.values.iter().map(|v| v.iter().collect()).collect();
        let mut cursors = [0usize; MatchKey::COUNT];
        let mut rows = Vec::new();
        for (_, counts, row) in &self.own.records {
            let mut hit = false;
            for (k, cursor) in cursors.iter_mut().enumerate() {
                for _ in 0..counts.at(k) {
                    if let Some(v) = self.own_returned[k].get(*cursor) {
                        hit |= sets[k].contains(v);
                    }
                    *cursor += 1;
                }
            }
            if hit {
                rows.push(*row);
            }
        }
        rows.sort_unstable();
        Some(rows)
    }
}

#[cfg(debug_assertions)]
impl Party {
    fn audit_report(&self, figures: &crate::report::Figures) -> Result<crate::report::audit::Model, crate::report::audit::Leak> {
        let repeated = |vs: &[[u8; crate::psi::VALUE_LEN]]| {
            let mut seen = std::collections::HashSet::with_capacity(vs.len());
            vs.iter().any(|v| !seen.insert(*v))
        };
        let duplicates = MatchKey::ALL.iter().any(|k| {
            repeated(&self.own_returned[k.index()]) || self.partner.as_ref().is_some_and(|p| repeated(&p.values[k.index()]))
        });
        if duplicates {
            crate::report::audit::audit_per_view(figures)
        } else {
            crate::report::audit::audit(figures)
        }
    }
}
