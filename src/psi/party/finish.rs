//! The end of a run (steps 4–5): once both directions are complete, the figures about
//! the partner's records ([`View`]), the report from both views and the comparison of
//! the two hashes; in audience mode this side's matched rows.

use super::join::{JoinOutcome, Matching, UNMATCHED};
use super::{Party, PartyError, ProtocolViolation};
use crate::manifest::Side;
use crate::psi::MatchKey;
use crate::report::{check, Report, View, ViewBuilder, ViewRules};
use crate::wire::Message;

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
        if matches!(self.matching, Matching::Collecting) && self.partner_done() && self.own_done() {
            let input = self.join_input();
            if self.outside {
                self.matching = Matching::Outside(Some(Box::new(input)));
                return Ok(());
            }
            // First occurrences matter under noise, and to the debug builds' audit.
            let first = self.manifest.output.epsilon.is_some() || cfg!(debug_assertions);
            let outcome = JoinOutcome::compute(&input, first);
            drop(input);
            self.apply_join(&outcome)?;
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

    /// The view of the partner's records from the join's outcome (see
    /// [`ViewBuilder::add_matched`]), record by record in the partner's order.
    pub(super) fn view_from(&self, outcome: &JoinOutcome) -> Result<View, PartyError> {
        let p = self.partner.as_ref().ok_or(ProtocolViolation::PointsBeforeHeader)?;
        let rules = ViewRules {
            about: Some(if self.side == Side::Host { Side::Guest } else { Side::Host }),
            own_counts: self.own_merged.counts.clone(),
            own_key_records: self.own_key_records(),
            noise: self.manifest.output.noise(self.manifest.keys.len()),
            keep: self.manifest.measurement.iter().flat_map(|m| [(m.side, m.exposed.clone()), (m.side, m.control.clone())]).collect(),
        };
        let mut builder = ViewBuilder::new(self.manifest.k, p.merged.clone(), self.own_merged.labels.clone()).with_rules(rules);
        let mut cursors = [0usize; MatchKey::COUNT];
        let mut facts = Vec::with_capacity(MatchKey::COUNT);
        for (g, counts) in &p.structure {
            facts.clear();
            for (k, cursor) in cursors.iter_mut().enumerate() {
                for _ in 0..counts.at(k) {
                    let group = *outcome.partner_group[k].get(*cursor).ok_or(ProtocolViolation::FewerPointsThanStructure)?;
                    let first = outcome.partner_first[k].get(*cursor).copied().unwrap_or(true);
                    *cursor += 1;
                    facts.push((k, first, (group != UNMATCHED).then_some(group)));
                }
            }
            builder.add_matched(p.merged.merged(*g).unwrap_or(0), &facts);
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

    /// In `audience` mode, once the join is done: the source rows of this side's
    /// matched records, ascending. `None` in `aggregate` mode or before then.
    pub fn matched_rows(&self) -> Option<Vec<u32>> {
        self.matched.clone()
    }
}

#[cfg(debug_assertions)]
impl Party {
    fn audit_report(&self, figures: &crate::report::Figures) -> Result<crate::report::audit::Model, crate::report::audit::Leak> {
        if self.repeats {
            crate::report::audit::audit_per_view(figures)
        } else {
            crate::report::audit::audit(figures)
        }
    }
}
