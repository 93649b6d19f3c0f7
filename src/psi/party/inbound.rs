//! The partner's messages (step 3): every header, structure, points, returned-values,
//! figures and hash message is checked against the agreement and what was declared
//! before it is applied; a breach is a typed [`ProtocolViolation`]. Evaluated values
//! go back to the partner here.

use super::{to_value, Op, PartnerState, Party, PartyError, Pending, ProtocolViolation, Task, Whose, CHUNK};
use crate::manifest::Mode;
use crate::psi::{shuffle, MatchKey, VALUE_LEN};
use crate::report::{MergedGroups, View};
use crate::wire::{Message, SetHeader};

impl Party {
    /// Handles a message from the partner.
    ///
    /// # Errors
    /// [`PartyError`] naming how the partner broke the protocol or the agreement.
    pub fn handle(&mut self, msg: Message) -> Result<(), PartyError> {
        match msg {
            Message::SetHeader(h) => self.on_header(h)?,
            Message::Structure { seq, records } => {
                let p = self.partner.as_mut().ok_or(ProtocolViolation::StructureBeforeHeader)?;
                if seq != p.structure_seq {
                    return Err(ProtocolViolation::StructureOutOfOrder { seq, expected: p.structure_seq }.into());
                }
                p.structure_seq += 1;
                if p.structure.len() + records.len() > p.header.records as usize {
                    return Err(ProtocolViolation::MoreRecordsThanDeclared.into());
                }
                for (g, counts) in &records {
                    if usize::from(*g) >= p.header.groups.len() || counts.is_empty() {
                        return Err(ProtocolViolation::UndeclaredGroup.into());
                    }
                }
                p.structure.extend(records);
                if p.structure.len() == p.header.records as usize {
                    check_structure(p)?;
                }
            }
            Message::Points { key, seq, points } => {
                let k = key.index();
                let p = self.partner.as_mut().ok_or(ProtocolViolation::PointsBeforeHeader)?;
                if p.structure.len() != p.header.records as usize {
                    return Err(ProtocolViolation::PointsBeforeStructure.into());
                }
                if seq != p.points_seq[k] {
                    return Err(ProtocolViolation::PointsOutOfOrder { key, seq, expected: p.points_seq[k] }.into());
                }
                p.points_seq[k] += 1;
                let n = (points.len() / 32) as u64;
                p.received[k] += n;
                if p.received[k] > u64::from(p.header.key_counts[k]) {
                    return Err(ProtocolViolation::MorePointsThanDeclared.into());
                }
                self.progress.received += n;
                let id = self.task_id(Pending::Evaluate { key, seq });
                self.tasks.push_back(Task { id, op: Op::Evaluate, input: points });
            }
            Message::Evaluated { key, seq, values } => {
                let (mkey, key) = (key, key.index());
                if seq != self.own_returned_seq[key] {
                    return Err(ProtocolViolation::ReturnedOutOfOrder { key: mkey, seq }.into());
                }
                self.own_returned_seq[key] += 1;
                if !matches!(self.matching, super::join::Matching::Collecting) {
                    return Err(ProtocolViolation::MoreValuesThanSent.into());
                }
                let got = &mut self.own_returned[key];
                got.extend(values.chunks_exact(VALUE_LEN).map(to_value));
                if got.len() > self.own_key_counts[key] as usize {
                    return Err(ProtocolViolation::MoreValuesThanSent.into());
                }
                self.progress.returned += (values.len() / VALUE_LEN) as u64;
            }
            Message::PartnerView { manifest_hash, json } => {
                if manifest_hash != self.manifest_hash {
                    return Err(ProtocolViolation::FiguresForOtherManifest.into());
                }
                let view: View = serde_json::from_str(&json).map_err(|_| ProtocolViolation::UnreadableFigures)?;
                if self.their_view.is_some() {
                    return Err(ProtocolViolation::FiguresForOtherSet.into());
                }
                self.check_partner_view(&view)?;
                self.their_view = Some(view);
            }
            Message::ReportHash(h) => {
                if self.partner_hash.replace(h).is_some() {
                    return Err(ProtocolViolation::SecondReportHash.into());
                }
            }
            Message::Propose(_) | Message::Counter { .. } | Message::Confirm(_) => {
                return Err(ProtocolViolation::NegotiationAfterAgreement.into());
            }
            Message::Abort { .. } => return Err(ProtocolViolation::AbortInRun.into()),
        }
        self.try_finish()
    }

    fn on_header(&mut self, h: SetHeader) -> Result<(), PartyError> {
        if self.partner.is_some() {
            return Err(ProtocolViolation::SecondHeader.into());
        }
        if h.manifest_hash != self.manifest_hash {
            return Err(ProtocolViolation::OtherManifest.into());
        }
        let n = u64::from(h.records);
        if n < u64::from(self.manifest.min_records) {
            return Err(PartyError::TooSmall { whose: Whose::Partner, records: n, min: self.manifest.min_records });
        }
        if n > u64::from(self.manifest.max_records) {
            return Err(PartyError::TooLarge { whose: Whose::Partner, records: n, max: self.manifest.max_records });
        }
        for (key, c) in MatchKey::ALL.into_iter().zip(h.key_counts) {
            if c > self.manifest.max_records {
                let (values, max) = (u64::from(c), self.manifest.max_records);
                return Err(PartyError::TooManyValues { whose: Whose::Partner, key, values, max });
            }
        }
        for (key, c) in MatchKey::ALL.into_iter().zip(h.key_counts) {
            if c > 0 && !self.manifest.keys.contains(&key) {
                return Err(ProtocolViolation::KeyOutsideAgreement(key).into());
            }
        }
        if self.manifest.mode == Mode::Audience && h.groups.len() > 1 {
            return Err(ProtocolViolation::GroupsInAudienceMode.into());
        }
        self.progress.partner_points = h.key_counts.iter().map(|c| u64::from(*c)).sum();
        let merged = MergedGroups::new(&h.groups, self.manifest.k);
        self.partner = Some(PartnerState {
            structure: Vec::with_capacity(h.records as usize),
            header: h,
            merged,
            structure_seq: 0,
            points_seq: [0; MatchKey::COUNT],
            received: [0; MatchKey::COUNT],
            evaluated: Default::default(),
            values: Default::default(),
            returned_key: [false; MatchKey::COUNT],
        });
        Ok(())
    }

    /// In aggregate mode, returns a key's values once all are evaluated: shuffled
    /// within each (merged) partner group, group after group.
    pub(super) fn after_evaluation(&mut self, key: MatchKey) -> Result<(), PartyError> {
        let Some(p) = self.partner.as_mut() else { return Ok(()) };
        let (mkey, key) = (key, key.index());
        if p.returned_key[key] || p.values[key].len() != p.header.key_counts[key] as usize {
            return Ok(());
        }
        p.returned_key[key] = true;
        if self.manifest.mode == Mode::Audience {
            return Ok(());
        }
        let mut by_group: Vec<Vec<[u8; VALUE_LEN]>> = vec![Vec::new(); p.merged.labels.len()];
        let mut values = p.values[key].iter();
        for (g, counts) in &p.structure {
            for _ in 0..counts.get(mkey) {
                let merged = p.merged.merged(*g).ok_or(ProtocolViolation::UndeclaredGroup)?;
                let v = values.next().ok_or(ProtocolViolation::FewerPointsThanStructure)?;
                if let Some(list) = by_group.get_mut(usize::from(merged)) {
                    list.push(*v);
                }
            }
        }
        let mut flat = Vec::with_capacity(p.values[key].len() * VALUE_LEN);
        for mut list in by_group {
            shuffle(&mut list)?;
            for v in list {
                flat.extend_from_slice(&v);
            }
        }
        for (seq, chunk) in flat.chunks(CHUNK * VALUE_LEN).enumerate() {
            self.outbox.push_back(Message::Evaluated { key: mkey, seq: seq as u32, values: chunk.to_vec() });
        }
        Ok(())
    }
}

fn check_structure(p: &PartnerState) -> Result<(), PartyError> {
    let mut counts = [0u32; MatchKey::COUNT];
    let mut groups = vec![0u32; p.header.groups.len()];
    for (g, per_key) in &p.structure {
        for (k, c) in counts.iter_mut().enumerate() {
            *c += per_key.at(k) as u32;
        }
        if let Some(n) = groups.get_mut(usize::from(*g)) {
            *n += 1;
        }
    }
    if counts != p.header.key_counts || groups.iter().zip(&p.header.groups).any(|(n, (_, c))| n != c) {
        return Err(ProtocolViolation::StructureDisagrees.into());
    }
    Ok(())
}
