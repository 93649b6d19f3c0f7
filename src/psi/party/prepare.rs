//! Queueing this side's data (steps 1–2): the size check, the shuffle that hides the
//! file's order, the set header and record structure, one blind task per chunk and key,
//! and blinded chunks leaving in order.

use super::{Op, OwnSet, Party, PartyError, Pending, Progress, Task, Whose, CHUNK};
use crate::manifest::{Manifest, Side};
use crate::psi::{shuffle, MatchKey, Secret};
use crate::report::MergedGroups;
use crate::wire::{Message, SetHeader, MAX_CHUNK_ITEMS};
use std::collections::{BTreeMap, VecDeque};

impl Party {
    /// Starts this side's run over `own` under the agreed `manifest`.
    ///
    /// # Errors
    /// [`PartyError::TooSmall`] / [`PartyError::TooLarge`] if `own` is outside the
    /// agreed set sizes; [`PartyError::Breakdown`] if the breakdown column looks like an
    /// identifier; [`PsiError::Randomness`] if no randomness is available.
    pub fn new(side: Side, manifest: Manifest, secret: Secret, mut own: OwnSet) -> Result<Party, PartyError> {
        let n = own.len() as u64;
        if n < u64::from(manifest.min_records) {
            return Err(PartyError::TooSmall { whose: Whose::Own, records: n, min: manifest.min_records });
        }
        if n > u64::from(manifest.max_records) {
            return Err(PartyError::TooLarge { whose: Whose::Own, records: n, max: manifest.max_records });
        }
        // `max_records` bounds each key's values too, so the work per key stays what the
        // limit says however many columns of a key a record has.
        for (key, values) in MatchKey::ALL.into_iter().zip(own.values_per_key()) {
            if values > u64::from(manifest.max_records) {
                return Err(PartyError::TooManyValues { whose: Whose::Own, key, values, max: manifest.max_records });
            }
        }
        // Groups under k never leave the machine (issue 11).
        own.merge_small_groups(manifest.k).map_err(PartyError::Breakdown)?;
        // Groups in label order, so the header says nothing about the file's order.
        let mut by_label: Vec<usize> = (0..own.labels.len()).collect();
        by_label.sort_by(|x, y| own.labels[*x].cmp(&own.labels[*y]));
        let mut remap = vec![0u16; by_label.len()];
        for (new, old) in by_label.iter().enumerate() {
            remap[*old] = new as u16;
        }
        own.labels = by_label.iter().map(|i| own.labels[*i].clone()).collect();
        own.group_counts = by_label.iter().map(|i| own.group_counts[*i]).collect();
        for r in &mut own.records {
            r.0 = remap[usize::from(r.0)];
        }
        // Shuffle records (with their digests) so the order of the file says nothing.
        let mut offsets = Vec::with_capacity(own.records.len());
        let mut at = 0usize;
        for r in &own.records {
            offsets.push(at);
            at += r.1.total();
        }
        let mut order: Vec<u32> = (0..own.records.len() as u32).collect();
        shuffle(&mut order)?;
        let mut records = Vec::with_capacity(order.len());
        let mut digests = Vec::with_capacity(own.digests.len());
        for &i in &order {
            let r = own.records[i as usize];
            let start = offsets[i as usize];
            digests.extend_from_slice(&own.digests[start..start + r.1.total()]);
            records.push(r);
        }
        own.records = records;
        own.digests = digests;
        drop(offsets);

        let declared: Vec<(String, u32)> = own.labels.iter().cloned().zip(own.group_counts.iter().copied()).collect();
        let own_merged = MergedGroups::new(&declared, manifest.k);
        let mut party = Party {
            side,
            manifest_hash: manifest.hash(),
            manifest,
            secret,
            own_merged,
            own_key_counts: [0; MatchKey::COUNT],
            next_id: 0,
            pending: BTreeMap::new(),
            tasks: VecDeque::new(),
            outbox: VecDeque::new(),
            blinded: Default::default(),
            partner: None,
            own_returned: Default::default(),
            own_returned_seq: [0; MatchKey::COUNT],
            my_view: None,
            their_view: None,
            report: None,
            partner_hash: None,
            confirmed: false,
            progress: Progress::default(),
            outside: false,
            matching: Default::default(),
            matched: None,
            #[cfg(debug_assertions)]
            repeats: false,
            own,
        };
        party.queue_own();
        Ok(party)
    }

    fn queue_own(&mut self) {
        let mut per_key: [Vec<u8>; MatchKey::COUNT] = Default::default();
        let mut d = self.own.digests.iter();
        for (_, counts, _) in &self.own.records {
            for k in MatchKey::ALL {
                for digest in d.by_ref().take(counts.get(k)) {
                    per_key[k.index()].extend_from_slice(digest);
                }
            }
        }
        for (k, buf) in per_key.iter().enumerate() {
            self.own_key_counts[k] = (buf.len() / 32) as u32;
        }
        self.progress.own_points = self.own_key_counts.iter().map(|c| u64::from(*c)).sum();
        self.outbox.push_back(Message::SetHeader(SetHeader {
            manifest_hash: self.manifest_hash,
            records: self.own.records.len() as u32,
            key_counts: self.own_key_counts,
            groups: self.own.labels.iter().cloned().zip(self.own.group_counts.iter().copied()).collect(),
        }));
        for (seq, chunk) in self.own.records.chunks(MAX_CHUNK_ITEMS).enumerate() {
            let records = chunk.iter().map(|(g, m, _)| (*g, *m)).collect();
            self.outbox.push_back(Message::Structure { seq: seq as u32, records });
        }
        for (key, buf) in MatchKey::ALL.into_iter().zip(per_key) {
            for (seq, chunk) in buf.chunks(CHUNK * 32).enumerate() {
                let id = self.task_id(Pending::Blind { key, seq: seq as u32 });
                self.tasks.push_back(Task { id, op: Op::Blind(key), input: chunk.to_vec() });
            }
        }
        // The digests are no longer needed once handed to tasks.
        self.own.digests = Vec::new();
    }

    pub(super) fn task_id(&mut self, p: Pending) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.pending.insert(id, p);
        id
    }
}
