//! One side of a run as a sans-IO state machine: messages in, messages and work out.
//!
//! The heavy arithmetic is handed out as [`Task`]s so a caller can spread it over
//! threads (native) or Web Workers (browser); [`Task::run`] does it in place.
//! A run after both sides agreed on the manifest:
//!
//! 1. [`Party::new`] shuffles this side's records and queues the set header, the record
//!    structure (group and key mask per record) and one blind task per chunk and key.
//! 2. Completed blind tasks become [`Message::Points`], in order.
//! 3. The partner's points become evaluate tasks; their results are kept (the partner's
//!    double-blinded values) and returned: in `audience` mode in the order received, in
//!    `aggregate` mode once a key is complete, shuffled within each partner group.
//! 4. When this side's values have come back and the partner's are evaluated, it
//!    computes the [`View`] of the partner's records and sends it.
//! 5. With both views it assembles the [`Report`], sends its hash and compares it with
//!    the partner's.

use super::own_set::OwnSet;
use super::{blind_batch, evaluate_batch, shuffle, PsiError, Secret, KEYS, VALUE_LEN};
use crate::manifest::{Manifest, Mode, Side};
use crate::report::{check, MergedGroups, OwnIndex, Report, View, ViewBuilder, ViewRules};
use crate::wire::{Message, SetHeader, MAX_CHUNK_ITEMS};
use std::collections::{BTreeMap, HashSet, VecDeque};

/// Points per blind or evaluate task and per bulk message.
pub const CHUNK: usize = 16_384;

/// Work for a thread or worker.
#[derive(Clone, Debug)]
pub struct Task {
    /// Hand the result back with this id.
    pub id: u64,
    /// What to compute.
    pub op: Op,
    /// Digests (blind) or points (evaluate), 32 bytes each.
    pub input: Vec<u8>,
}

/// The operation of a [`Task`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// [`blind_batch`] with this key name.
    Blind(&'static str),
    /// [`evaluate_batch`].
    Evaluate,
}

impl Task {
    /// Computes the task with this side's secret.
    ///
    /// # Errors
    /// [`PsiError::InvalidPoint`] if the partner sent a bad point.
    pub fn run(&self, secret: &Secret) -> Result<Vec<u8>, PsiError> {
        match self.op {
            Op::Blind(key) => blind_batch(secret, key, &self.input),
            Op::Evaluate => evaluate_batch(secret, &self.input),
        }
    }
}

/// Why a run stopped. Never carries identifiers or keys.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PartyError {
    /// The partner broke the protocol; the text says how.
    Protocol(String),
    /// The partner sent an invalid point.
    Psi(PsiError),
    /// A set is smaller than the agreed minimum.
    TooSmall {
        /// Whose set.
        whose: &'static str,
        /// Its records.
        records: u64,
        /// The agreed minimum.
        min: u32,
    },
    /// A set is larger than the agreed maximum.
    TooLarge {
        /// Whose set.
        whose: &'static str,
        /// Its records.
        records: u64,
        /// The agreed maximum.
        max: u32,
    },
    /// The two reports differ.
    ReportMismatch,
    /// This side's breakdown column looks like an identifier.
    Breakdown(super::BreakdownError),
    /// The partner's figures about this side's records are not a valid report.
    InvalidReport(crate::report::check::InvalidReport),
}

impl core::fmt::Display for PartyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            PartyError::Protocol(why) => write!(f, "the partner broke the protocol: {why}"),
            PartyError::Psi(e) => write!(f, "{e}"),
            PartyError::TooSmall { whose, records, min } => {
                write!(f, "{whose} set has {records} usable records; the agreed minimum is {min}")
            }
            PartyError::TooLarge { whose, records, max } => {
                write!(f, "{whose} set has {records} records; the agreed maximum is {max}")
            }
            PartyError::Breakdown(e) => write!(f, "{e}"),
            PartyError::InvalidReport(e) => write!(f, "{e}"),
            PartyError::ReportMismatch => f.write_str(
                "the two reports differ (the partner's software disagrees with this one); nothing is shown",
            ),
        }
    }
}

impl std::error::Error for PartyError {}

impl From<PsiError> for PartyError {
    fn from(e: PsiError) -> Self {
        PartyError::Psi(e)
    }
}

fn protocol(why: impl Into<String>) -> PartyError {
    PartyError::Protocol(why.into())
}

/// How far a run is, for progress displays.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Progress {
    /// Own points blinded.
    pub blinded: u64,
    /// Own points to blind.
    pub own_points: u64,
    /// Partner points received.
    pub received: u64,
    /// Partner points declared (0 until the partner's header arrives).
    pub partner_points: u64,
    /// Partner points evaluated here.
    pub evaluated: u64,
    /// Own values returned by the partner (the partner's evaluation progress).
    pub returned: u64,
}

enum Pending {
    Blind { key: usize, seq: u32 },
    Evaluate { key: usize, seq: u32 },
}

/// One side of a run.
pub struct Party {
    side: Side,
    manifest: Manifest,
    manifest_hash: [u8; 32],
    secret: Secret,
    own: OwnSet,
    own_merged: MergedGroups,
    own_key_counts: [u32; KEYS.len()],
    next_id: u64,
    pending: BTreeMap<u64, Pending>,
    tasks: VecDeque<Task>,
    outbox: VecDeque<Message>,
    blinded: [ReorderBuf; KEYS.len()],
    partner: Option<PartnerState>,
    own_returned: [Vec<[u8; VALUE_LEN]>; KEYS.len()],
    own_returned_seq: [u32; KEYS.len()],
    my_view: Option<View>,
    their_view: Option<View>,
    report: Option<Report>,
    partner_hash: Option<[u8; 32]>,
    confirmed: bool,
    progress: Progress,
}

#[derive(Default)]
struct ReorderBuf {
    next: u32,
    ready: BTreeMap<u32, Vec<u8>>,
}

impl ReorderBuf {
    fn put(&mut self, seq: u32, data: Vec<u8>) -> Vec<(u32, Vec<u8>)> {
        self.ready.insert(seq, data);
        let mut out = Vec::new();
        while let Some(d) = self.ready.remove(&self.next) {
            out.push((self.next, d));
            self.next += 1;
        }
        out
    }
}

struct PartnerState {
    header: SetHeader,
    merged: MergedGroups,
    structure: Vec<(u16, u8)>,
    structure_seq: u32,
    points_seq: [u32; KEYS.len()],
    received: [u64; KEYS.len()],
    evaluated: [ReorderBuf; KEYS.len()],
    values: [Vec<[u8; VALUE_LEN]>; KEYS.len()],
    returned_key: [bool; KEYS.len()],
}

impl Party {
    /// Starts this side's run over `own` under the agreed `manifest`.
    ///
    /// # Errors
    /// [`PartyError::TooSmall`] / [`PartyError::TooLarge`] if `own` is outside the
    /// agreed set sizes; [`PsiError::Randomness`] if no randomness is available.
    pub fn new(side: Side, manifest: Manifest, secret: Secret, mut own: OwnSet) -> Result<Party, PartyError> {
        let n = own.len() as u64;
        if n < u64::from(manifest.min_records) {
            return Err(PartyError::TooSmall { whose: "your", records: n, min: manifest.min_records });
        }
        if n > u64::from(manifest.max_records) {
            return Err(PartyError::TooLarge { whose: "your", records: n, max: manifest.max_records });
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
            at += r.1.count_ones() as usize;
        }
        let mut order: Vec<u32> = (0..own.records.len() as u32).collect();
        shuffle(&mut order)?;
        let mut records = Vec::with_capacity(order.len());
        let mut digests = Vec::with_capacity(own.digests.len());
        for &i in &order {
            let r = own.records[i as usize];
            let start = offsets[i as usize];
            digests.extend_from_slice(&own.digests[start..start + r.1.count_ones() as usize]);
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
            own_key_counts: [0; KEYS.len()],
            next_id: 0,
            pending: BTreeMap::new(),
            tasks: VecDeque::new(),
            outbox: VecDeque::new(),
            blinded: Default::default(),
            partner: None,
            own_returned: Default::default(),
            own_returned_seq: [0; KEYS.len()],
            my_view: None,
            their_view: None,
            report: None,
            partner_hash: None,
            confirmed: false,
            progress: Progress::default(),
            own,
        };
        party.queue_own();
        Ok(party)
    }

    fn queue_own(&mut self) {
        let mut per_key: [Vec<u8>; KEYS.len()] = Default::default();
        let mut d = self.own.digests.iter();
        for (_, mask, _) in &self.own.records {
            for (k, buf) in per_key.iter_mut().enumerate() {
                if mask & (1 << k) != 0 {
                    if let Some(digest) = d.next() {
                        buf.extend_from_slice(digest);
                    }
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
        for (k, buf) in per_key.into_iter().enumerate() {
            for (seq, chunk) in buf.chunks(CHUNK * 32).enumerate() {
                let id = self.task_id(Pending::Blind { key: k, seq: seq as u32 });
                self.tasks.push_back(Task { id, op: Op::Blind(KEYS[k]), input: chunk.to_vec() });
            }
        }
        // The digests are no longer needed once handed to tasks.
        self.own.digests = Vec::new();
    }

    fn task_id(&mut self, p: Pending) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.pending.insert(id, p);
        id
    }

    /// The next task to compute, if any.
    pub fn poll_task(&mut self) -> Option<Task> {
        self.tasks.pop_front()
    }

    /// The next message to send, if any.
    pub fn poll_message(&mut self) -> Option<Message> {
        self.outbox.pop_front()
    }

    /// This run's secret, to hand to workers that compute tasks.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// Progress so far.
    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// The agreed manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Hands back a task's result.
    ///
    /// # Errors
    /// [`PartyError::Psi`] if an evaluate task failed on the partner's points;
    /// [`PartyError::Protocol`] for an unknown task id.
    pub fn complete(&mut self, id: u64, result: Result<Vec<u8>, PsiError>) -> Result<(), PartyError> {
        let pending = self.pending.remove(&id).ok_or_else(|| protocol("result for an unknown task"))?;
        let out = result?;
        match pending {
            Pending::Blind { key, seq } => {
                self.progress.blinded += (out.len() / 32) as u64;
                for (seq, points) in self.blinded[key].put(seq, out) {
                    self.outbox.push_back(Message::Points { key: key as u8, seq, points });
                }
            }
            Pending::Evaluate { key, seq } => {
                self.progress.evaluated += (out.len() / VALUE_LEN) as u64;
                let audience = self.manifest.mode == Mode::Audience;
                let partner = self.partner.as_mut().ok_or_else(|| protocol("evaluation before the header"))?;
                for (seq, values) in partner.evaluated[key].put(seq, out) {
                    partner.values[key].extend(values.chunks_exact(VALUE_LEN).map(to_value));
                    if audience {
                        self.outbox.push_back(Message::Evaluated { key: key as u8, seq, values });
                    }
                }
                self.after_evaluation(key)?;
            }
        }
        self.try_finish()
    }

    /// Runs every queued task in place (single-threaded callers and tests).
    ///
    /// # Errors
    /// As [`Party::complete`].
    pub fn run_tasks(&mut self) -> Result<(), PartyError> {
        while let Some(t) = self.poll_task() {
            let r = t.run(&self.secret);
            self.complete(t.id, r)?;
        }
        Ok(())
    }

    /// Handles a message from the partner.
    ///
    /// # Errors
    /// [`PartyError`] naming how the partner broke the protocol or the agreement.
    pub fn handle(&mut self, msg: Message) -> Result<(), PartyError> {
        match msg {
            Message::SetHeader(h) => self.on_header(h)?,
            Message::Structure { seq, records } => {
                let p = self.partner.as_mut().ok_or_else(|| protocol("record structure before the header"))?;
                if seq != p.structure_seq {
                    return Err(protocol(format!("structure chunk {seq} out of order (expected {})", p.structure_seq)));
                }
                p.structure_seq += 1;
                if p.structure.len() + records.len() > p.header.records as usize {
                    return Err(protocol("more records than declared"));
                }
                for (g, mask) in &records {
                    if usize::from(*g) >= p.header.groups.len() || *mask == 0 || *mask >> KEYS.len() != 0 {
                        return Err(protocol("a record with an undeclared group or no keys"));
                    }
                }
                p.structure.extend(records);
                if p.structure.len() == p.header.records as usize {
                    check_structure(p)?;
                }
            }
            Message::Points { key, seq, points } => {
                let key = usize::from(key);
                let p = self.partner.as_mut().ok_or_else(|| protocol("points before the header"))?;
                if p.structure.len() != p.header.records as usize {
                    return Err(protocol("points before the record structure"));
                }
                if seq != p.points_seq[key] {
                    return Err(protocol(format!("points chunk {seq} out of order (expected {})", p.points_seq[key])));
                }
                p.points_seq[key] += 1;
                let n = (points.len() / 32) as u64;
                p.received[key] += n;
                if p.received[key] > u64::from(p.header.key_counts[key]) {
                    return Err(protocol("more points than declared"));
                }
                self.progress.received += n;
                let id = self.task_id(Pending::Evaluate { key, seq });
                self.tasks.push_back(Task { id, op: Op::Evaluate, input: points });
            }
            Message::Evaluated { key, seq, values } => {
                let key = usize::from(key);
                if seq != self.own_returned_seq[key] {
                    return Err(protocol(format!("returned chunk {seq} out of order")));
                }
                self.own_returned_seq[key] += 1;
                let got = &mut self.own_returned[key];
                got.extend(values.chunks_exact(VALUE_LEN).map(to_value));
                if got.len() > self.own_key_counts[key] as usize {
                    return Err(protocol("more values returned than sent"));
                }
                self.progress.returned += (values.len() / VALUE_LEN) as u64;
            }
            Message::PartnerView { manifest_hash, json } => {
                if manifest_hash != self.manifest_hash {
                    return Err(protocol("figures bound to another manifest"));
                }
                let view: View = serde_json::from_str(&json).map_err(|_| protocol("unreadable figures"))?;
                if self.their_view.is_some() {
                    return Err(protocol("a second set of figures"));
                }
                self.check_partner_view(&view)?;
                self.their_view = Some(view);
            }
            Message::ReportHash(h) => {
                if self.partner_hash.replace(h).is_some() {
                    return Err(protocol("a second report hash"));
                }
            }
            Message::Propose(_) | Message::Counter(_) | Message::Confirm(_) => {
                return Err(protocol("negotiation message after the agreement"));
            }
            Message::Abort { .. } => return Err(protocol("abort handled by the session")),
        }
        self.try_finish()
    }

    fn on_header(&mut self, h: SetHeader) -> Result<(), PartyError> {
        if self.partner.is_some() {
            return Err(protocol("a second set header"));
        }
        if h.manifest_hash != self.manifest_hash {
            return Err(protocol("bulk data bound to another manifest"));
        }
        let n = u64::from(h.records);
        if n < u64::from(self.manifest.min_records) {
            return Err(PartyError::TooSmall { whose: "the partner's", records: n, min: self.manifest.min_records });
        }
        if n > u64::from(self.manifest.max_records) {
            return Err(PartyError::TooLarge { whose: "the partner's", records: n, max: self.manifest.max_records });
        }
        for (k, c) in h.key_counts.iter().enumerate() {
            if *c > 0 && !self.manifest.keys.iter().any(|m| m == KEYS[k]) {
                return Err(protocol(format!("points for key '{}' outside the agreement", KEYS[k])));
            }
        }
        if self.manifest.mode == Mode::Audience && h.groups.len() > 1 {
            return Err(protocol("groups in audience mode"));
        }
        self.progress.partner_points = h.key_counts.iter().map(|c| u64::from(*c)).sum();
        let merged = MergedGroups::new(&h.groups, self.manifest.k);
        self.partner = Some(PartnerState {
            structure: Vec::with_capacity(h.records as usize),
            header: h,
            merged,
            structure_seq: 0,
            points_seq: [0; KEYS.len()],
            received: [0; KEYS.len()],
            evaluated: Default::default(),
            values: Default::default(),
            returned_key: [false; KEYS.len()],
        });
        Ok(())
    }

    /// In aggregate mode, returns a key's values once all are evaluated: shuffled
    /// within each (merged) partner group, group after group.
    fn after_evaluation(&mut self, key: usize) -> Result<(), PartyError> {
        let Some(p) = self.partner.as_mut() else { return Ok(()) };
        if p.returned_key[key] || p.values[key].len() != p.header.key_counts[key] as usize {
            return Ok(());
        }
        p.returned_key[key] = true;
        if self.manifest.mode == Mode::Audience {
            return Ok(());
        }
        let mut by_group: Vec<Vec<[u8; VALUE_LEN]>> = vec![Vec::new(); p.merged.labels.len()];
        let mut values = p.values[key].iter();
        for (g, mask) in &p.structure {
            if mask & (1 << key) != 0 {
                let merged = p.merged.merged(*g).ok_or_else(|| protocol("undeclared group"))?;
                let v = values.next().ok_or_else(|| protocol("fewer points than the structure says"))?;
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
            self.outbox.push_back(Message::Evaluated { key: key as u8, seq: seq as u32, values: chunk.to_vec() });
        }
        Ok(())
    }

    fn partner_done(&self) -> bool {
        self.partner.as_ref().is_some_and(|p| {
            p.structure.len() == p.header.records as usize
                && (0..KEYS.len()).all(|k| p.values[k].len() == p.header.key_counts[k] as usize)
        })
    }

    fn own_done(&self) -> bool {
        (0..KEYS.len()).all(|k| self.own_returned[k].len() == self.own_key_counts[k] as usize)
    }

    fn try_finish(&mut self) -> Result<(), PartyError> {
        if self.my_view.is_none() && self.partner_done() && self.own_done() {
            let view = self.compute_view()?;
            let json = serde_json::to_string(&view).map_err(|_| protocol("figures"))?;
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
                // Debug builds (tests) audit every report they assemble.
                #[cfg(debug_assertions)]
                if crate::report::audit::audit(&report.figures).is_err() {
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
        for k in 0..KEYS.len() {
            let values = &self.own_returned[k];
            if self.manifest.mode == Mode::Audience {
                for v in values {
                    index.insert(k, *v, 0);
                }
                continue;
            }
            // Aggregate: group after group, as many values as own records of that
            // merged group have this key.
            let mut per_group = vec![0usize; self.own_merged.labels.len()];
            for (g, mask, _) in &self.own.records {
                if mask & (1 << k) != 0 {
                    if let Some(m) = self.own_merged.merged(*g) {
                        per_group[usize::from(m)] += 1;
                    }
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

    fn compute_view(&self) -> Result<View, PartyError> {
        let p = self.partner.as_ref().ok_or_else(|| protocol("no partner set"))?;
        let own = self.own_index();
        let rules = ViewRules {
            about: Some(if self.side == Side::Host { Side::Guest } else { Side::Host }),
            own_counts: self.own_merged.counts.clone(),
            own_key_records: self.own_key_counts.map(u64::from),
            noise: self.manifest.output.noise(self.manifest.keys.len()),
            keep: self.manifest.measurement.iter().flat_map(|m| [(m.side, m.exposed.clone()), (m.side, m.control.clone())]).collect(),
        };
        let mut builder = ViewBuilder::new(self.manifest.k, p.merged.clone(), self.own_merged.labels.clone()).with_rules(rules);
        let mut cursors = [0usize; KEYS.len()];
        let mut pairs = Vec::with_capacity(KEYS.len());
        for (g, mask) in &p.structure {
            pairs.clear();
            for (k, cursor) in cursors.iter_mut().enumerate() {
                if mask & (1 << k) != 0 {
                    let v = p.values[k].get(*cursor).ok_or_else(|| protocol("fewer points than the structure says"))?;
                    *cursor += 1;
                    pairs.push((k, *v));
                }
            }
            builder.add(p.merged.merged(*g).unwrap_or(0), &pairs, &own);
        }
        Ok(builder.finish(&self.manifest.keys)?)
    }

    fn check_partner_view(&self, view: &View) -> Result<(), PartyError> {
        let p = self.partner.as_ref().ok_or_else(|| protocol("figures before the partner's set"))?;
        let keys: Vec<(String, u64)> = self
            .manifest
            .keys
            .iter()
            .filter_map(|key| Some((key.clone(), u64::from(self.own_key_counts[crate::psi::key_index(key)?]))))
            .collect();
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
        let mut cursors = [0usize; KEYS.len()];
        let mut rows = Vec::new();
        for (_, mask, row) in &self.own.records {
            let mut hit = false;
            for (k, cursor) in cursors.iter_mut().enumerate() {
                if mask & (1 << k) != 0 {
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

fn check_structure(p: &PartnerState) -> Result<(), PartyError> {
    let mut counts = [0u32; KEYS.len()];
    let mut groups = vec![0u32; p.header.groups.len()];
    for (g, mask) in &p.structure {
        for (k, c) in counts.iter_mut().enumerate() {
            *c += u32::from(mask >> k & 1);
        }
        if let Some(n) = groups.get_mut(usize::from(*g)) {
            *n += 1;
        }
    }
    if counts != p.header.key_counts || groups.iter().zip(&p.header.groups).any(|(n, (_, c))| n != c) {
        return Err(protocol("the record structure disagrees with the declared counts"));
    }
    Ok(())
}

fn to_value(c: &[u8]) -> [u8; VALUE_LEN] {
    let mut v = [0u8; VALUE_LEN];
    v.copy_from_slice(c);
    v
}
