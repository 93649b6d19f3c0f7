//! One side of a run as a sans-IO state machine: messages in, messages and work out.
//! This file owns the run's state, its tasks and its progress; `prepare` queues this
//! side's data, `inbound` checks and applies the partner's, `join` matches the
//! values, `finish` computes the figures and the report, `error` names every way a run can stop.
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
//! 4. When this side's values have come back and the partner's are evaluated, it joins
//!    them (in memory, or outside the core: `join`), computes the [`View`] of the
//!    partner's records from the outcome and sends it.
//! 5. With both views it assembles the [`Report`], sends its hash and compares it with
//!    the partner's.

mod error;
mod finish;
mod inbound;
mod join;
mod prepare;

pub use error::{PartyError, ProtocolViolation, Whose};
pub use join::{JoinInput, JoinOutcome, UNMATCHED};

use super::own_set::OwnSet;
use super::{blind_batch, evaluate_batch, KeyCounts, MatchKey, PsiError, Secret, VALUE_LEN};
use crate::manifest::{Manifest, Mode, Side};
use crate::report::{MergedGroups, Report, View};
use crate::wire::{Message, SetHeader};
use std::collections::{BTreeMap, VecDeque};

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
    /// [`blind_batch`] with this key.
    Blind(MatchKey),
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
    Blind { key: MatchKey, seq: u32 },
    Evaluate { key: MatchKey, seq: u32 },
}

/// One side of a run.
pub struct Party {
    side: Side,
    manifest: Manifest,
    manifest_hash: [u8; 32],
    secret: Secret,
    own: OwnSet,
    own_merged: MergedGroups,
    own_key_counts: [u32; MatchKey::COUNT],
    next_id: u64,
    pending: BTreeMap<u64, Pending>,
    tasks: VecDeque<Task>,
    outbox: VecDeque<Message>,
    blinded: [ReorderBuf; MatchKey::COUNT],
    partner: Option<PartnerState>,
    own_returned: [Vec<[u8; VALUE_LEN]>; MatchKey::COUNT],
    own_returned_seq: [u32; MatchKey::COUNT],
    my_view: Option<View>,
    their_view: Option<View>,
    report: Option<Report>,
    partner_hash: Option<[u8; 32]>,
    confirmed: bool,
    progress: Progress,
    /// Join outside the core ([`Party::match_outside`]).
    outside: bool,
    matching: join::Matching,
    /// Audience mode, after the join: own source rows matched.
    matched: Option<Vec<u32>>,
    /// Whether a side holds a value twice (the debug audit's model).
    #[cfg(debug_assertions)]
    repeats: bool,
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
    structure: Vec<(u16, KeyCounts)>,
    structure_seq: u32,
    points_seq: [u32; MatchKey::COUNT],
    received: [u64; MatchKey::COUNT],
    evaluated: [ReorderBuf; MatchKey::COUNT],
    values: [Vec<[u8; VALUE_LEN]>; MatchKey::COUNT],
    returned_key: [bool; MatchKey::COUNT],
}

impl Party {
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
        let pending = self.pending.remove(&id).ok_or(ProtocolViolation::UnknownTask)?;
        let out = result?;
        match pending {
            Pending::Blind { key, seq } => {
                self.progress.blinded += (out.len() / 32) as u64;
                for (seq, points) in self.blinded[key.index()].put(seq, out) {
                    self.outbox.push_back(Message::Points { key, seq, points });
                }
            }
            Pending::Evaluate { key, seq } => {
                self.progress.evaluated += (out.len() / VALUE_LEN) as u64;
                let audience = self.manifest.mode == Mode::Audience;
                let partner = self.partner.as_mut().ok_or(ProtocolViolation::PointsBeforeHeader)?;
                for (seq, values) in partner.evaluated[key.index()].put(seq, out) {
                    partner.values[key.index()].extend(values.chunks_exact(VALUE_LEN).map(to_value));
                    if audience {
                        self.outbox.push_back(Message::Evaluated { key, seq, values });
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
}

fn to_value(c: &[u8]) -> [u8; VALUE_LEN] {
    let mut v = [0u8; VALUE_LEN];
    v.copy_from_slice(c);
    v
}
