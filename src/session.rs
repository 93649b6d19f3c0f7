//! The whole two-party conversation as a sans-IO state machine (DESIGN §3).
//!
//! The caller moves bytes between the session and a relay connection and runs the
//! tasks it hands out; the session does the rest:
//!
//! 1. **Handshake.** On `peer-joined` each side sends a commitment to its hello, and
//!    its hello once it holds the partner's commitment ([`crate::seal`]); the channel
//!    keys and the verification code follow ([`Event::Connected`]). Both people compare
//!    the code and say so ([`Session::confirm_code`]) before the host's proposal goes
//!    out or the guest can accept it.
//! 2. **Agree** ([`agreement`](self) state). The host sends its proposal once; the guest
//!    reviews it ([`Event::Proposed`]) and accepts what it was shown, possibly tightened
//!    ([`Session::accept`], bound to the proposal's hash); the host confirms
//!    ([`Event::Countered`] when the guest changed a rule, [`Session::confirm`]). Both get
//!    [`Event::Agreed`]. A second proposal, an answer to other terms or a confirmation
//!    of another answer ends the session. Nothing is blinded before.
//! 3. **Run.** Each side hands in its records ([`Session::start`]), which are cut to the
//!    agreed keys; the [`Party`] does the protocol; tasks go out through
//!    [`Session::poll_task`].
//! 4. **Report.** Both views are exchanged, the report is assembled and both hashes
//!    compared ([`Event::Finished`]).
//!
//! Every message travels sealed over a link that acknowledges, resumes and resends
//! (`link`). A failure on either side sends an abort with its stable code and a reason
//! and ends the session on both: the partner's [`Event::Failed`] carries the same code
//! with [`Origin::Partner`].
//!
//! Two sessions end to end in memory:
//! ```
//! use cleanmatch::manifest::{LocalRules, Proposal};
//! use cleanmatch::psi::{KeyMask, MatchKey, OwnSet};
//! use cleanmatch::seal::Invite;
//! use cleanmatch::session::{Event, Session, SessionError};
//!
//! fn records(ids: std::ops::Range<u32>) -> OwnSet {
//!     let mut set = OwnSet::new();
//!     for i in ids {
//!         let digest = cleanmatch::hash::sha256(format!("user{i}@example.com").as_bytes());
//!         set.add(i, None, &[(MatchKey::Email, digest)]);
//!     }
//!     set
//! }
//!
//! /// Runs tasks and answers events as a user who accepts; true once finished.
//! fn drive(s: &mut Session, set: &mut Option<OwnSet>) -> Result<bool, SessionError> {
//!     while let Some(task) = s.poll_task() {
//!         let Some(secret) = s.secret() else { break }; // a started run has one
//!         let result = task.run(secret);
//!         s.complete(task.id, result)?;
//!     }
//!     let mut finished = false;
//!     while let Some(event) = s.poll_event() {
//!         match event {
//!             // The people compared the code (here: trusted, as a script would).
//!             Event::Connected { .. } => s.confirm_code()?,
//!             Event::Proposed { manifest, .. } => {
//!                 s.accept(&manifest.hash(), KeyMask::ALL, None)?;
//!             }
//!             Event::Agreed { .. } => s.start(set.take().unwrap_or_default())?,
//!             Event::Finished => finished = true,
//!             _ => {}
//!         }
//!     }
//!     Ok(finished)
//! }
//!
//! let rules = LocalRules { min_k: 10, ..LocalRules::default() };
//! let invite = Invite::generate()?;
//! let proposal = Proposal { k: 10, ..Proposal::default() }.to_manifest()?;
//! let mut host = Session::host(invite.clone(), rules.clone(), proposal)?;
//! let mut guest = Session::guest(Invite::parse(&invite.fragment())?, rules);
//! let (mut host_set, mut guest_set) = (Some(records(0..300)), Some(records(200..600)));
//! host.peer_joined()?; // the relay's `peer-joined`, on both sides
//! guest.peer_joined()?;
//! let (mut host_done, mut guest_done) = (false, false);
//! while !(host_done && guest_done) {
//!     host_done |= drive(&mut host, &mut host_set)?;
//!     guest_done |= drive(&mut guest, &mut guest_set)?;
//!     while let Some(frame) = host.poll_transmit() {
//!         guest.receive(&frame)?;
//!     }
//!     while let Some(frame) = guest.poll_transmit() {
//!         host.receive(&frame)?;
//!     }
//! }
//! let report = host.report().ok_or("the host has no report")?;
//! assert_eq!(Some(report), guest.report());
//! assert_eq!(report.figures.host.matched, Some(100));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod agreement;
mod error;
mod event;
mod link;

pub use error::{Negotiation, SessionError, CODES};
pub use event::{Event, Origin};
pub use link::{ACK_EVERY, WINDOW_BYTES};

use crate::manifest::{Change, LocalRules, Manifest};
use crate::psi::{JoinInput, JoinOutcome, KeyMask, OwnSet, Party, PartyError, Progress, PsiError, Secret, Task};
use crate::report::Report;
use crate::seal::Invite;
use crate::wire::Message;
use crate::Side;
use agreement::{Agreement, Step};
use link::{Inbound, Link};
use std::collections::VecDeque;

/// One side's session.
pub struct Session {
    side: Side,
    invite: Invite,
    local: LocalRules,
    link: Link,
    agreement: Agreement,
    verification_code: Option<String>,
    code_confirmed: bool,
    party: Option<Party>,
    /// The partner's run data that arrived after the agreement but before this side's
    /// caller handed in its records.
    early: VecDeque<Message>,
    events: VecDeque<Event>,
    failed: bool,
    finished: bool,
    /// Join outside the core ([`Session::match_outside`]).
    outside: bool,
    /// Copies of every data message's plaintext, when the caller asked for them.
    tap: Option<VecDeque<Plaintext>>,
}

/// One data message as this side sealed or opened it (see [`Session::tap_plaintext`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plaintext {
    /// True for a message this side sent, false for one it received.
    pub sent: bool,
    /// The message's encoding (`wire::Message`), before sealing or after opening.
    pub bytes: Vec<u8>,
}

impl Session {
    /// A host session that will propose `proposal` once the guest connects (make it with
    /// [`crate::manifest::Proposal`]).
    ///
    /// # Errors
    /// [`SessionError::Manifest`] if the proposal is inconsistent.
    pub fn host(invite: Invite, local: LocalRules, proposal: Manifest) -> Result<Session, SessionError> {
        proposal.validate()?;
        Ok(Session::new(Side::Host, invite, local, Agreement::Proposing { proposal }))
    }

    /// A guest session.
    pub fn guest(invite: Invite, local: LocalRules) -> Session {
        Session::new(Side::Guest, invite, local, Agreement::Awaiting)
    }

    fn new(side: Side, invite: Invite, local: LocalRules, agreement: Agreement) -> Session {
        Session {
            side,
            invite,
            local,
            link: Link::new(side),
            agreement,
            verification_code: None,
            code_confirmed: false,
            party: None,
            early: VecDeque::new(),
            events: VecDeque::new(),
            failed: false,
            finished: false,
            outside: false,
            tap: None,
        }
    }

    /// From now on, keeps a copy of every data message this side seals or opens, for
    /// [`Session::poll_plaintext`]. What an audit or a privacy test needs to check what
    /// the partner can read: the frames on the relay are sealed, so only this side's
    /// plaintext shows whether a label or an identifier would reach the partner. Copies
    /// are kept until polled (a run's worth of blinded points: poll as you go).
    /// Handshake frames are not sealed (they are on the wire as they are) and control
    /// frames hold only counters; neither is copied.
    pub fn tap_plaintext(&mut self) {
        self.tap.get_or_insert_with(VecDeque::new);
    }

    /// The next copied data message, oldest first, if [`Session::tap_plaintext`] is on.
    pub fn poll_plaintext(&mut self) -> Option<Plaintext> {
        self.tap.as_mut()?.pop_front()
    }

    fn tapped(&mut self, sent: bool, bytes: &[u8]) {
        if let Some(tap) = &mut self.tap {
            tap.push_back(Plaintext { sent, bytes: bytes.to_vec() });
        }
    }

    /// Which side this is.
    pub fn side(&self) -> Side {
        self.side
    }

    /// The relay room this session meets in.
    pub fn room_id(&self) -> String {
        self.invite.room_id()
    }

    /// The verification code, once connected.
    pub fn verification_code(&self) -> Option<&str> {
        self.verification_code.as_deref()
    }

    /// The relay says the partner is connected (first time or after a reconnect).
    ///
    /// # Errors
    /// [`SessionError::Seal`] if no randomness is available for the handshake.
    pub fn peer_joined(&mut self) -> Result<(), SessionError> {
        if self.failed {
            return Ok(());
        }
        self.link.peer_joined(&self.invite)
    }

    /// Handles one frame from the relay.
    ///
    /// # Errors
    /// Any [`SessionError`]; the session then has sent an abort to the partner (if it
    /// could) and queued [`Event::Failed`].
    pub fn receive(&mut self, frame: &[u8]) -> Result<(), SessionError> {
        if self.failed {
            return Ok(());
        }
        let r = self.receive_inner(frame);
        if let Err(e) = &r {
            self.fail(e);
        }
        r
    }

    fn receive_inner(&mut self, frame: &[u8]) -> Result<(), SessionError> {
        match self.link.receive(&self.invite, frame)? {
            Inbound::Nothing => Ok(()),
            Inbound::Connected(code) => {
                self.verification_code = Some(code.clone());
                self.events.push_back(Event::Connected { verification_code: code });
                self.propose_once_confirmed()
            }
            Inbound::Data(plain) => {
                self.tapped(false, &plain);
                self.on_message(Message::decode(&plain)?)
            }
        }
    }

    fn on_message(&mut self, msg: Message) -> Result<(), SessionError> {
        match msg {
            Message::Abort { code, reason } => Err(SessionError::from_partner(&code, reason)),
            Message::Propose(_) | Message::Counter { .. } | Message::Confirm(_) => {
                let step = self.agreement.on_message(msg)?;
                self.apply(step)
            }
            other => match self.party.as_mut() {
                Some(party) => {
                    party.handle(other)?;
                    self.after_party();
                    Ok(())
                }
                // The partner may start as soon as it has agreed, before this side's
                // caller has handed in its records: keep its data until then.
                None if self.agreement.agreed().is_some() => {
                    self.early.push_back(other);
                    Ok(())
                }
                None => Err(Negotiation::DataBeforeAgreement.into()),
            },
        }
    }

    fn apply(&mut self, step: Step) -> Result<(), SessionError> {
        if let Some(msg) = step.send {
            self.send(msg)?;
        }
        if let Some(e) = step.event {
            self.events.push_back(e);
        }
        Ok(())
    }

    /// Guest: the answer [`Session::accept`] would send and what it changes in the
    /// proposal (this side's stricter rules, the keys its file lacks, its breakdown
    /// column), to show before the user accepts.
    ///
    /// # Errors
    /// [`SessionError::Manifest`] (e.g. no shared key) or a state error.
    pub fn preview(&self, held_keys: KeyMask, group: Option<String>) -> Result<(Manifest, Vec<Change>), SessionError> {
        self.agreement.preview(&self.local, held_keys, group)
    }

    /// Guest: accepts the host's proposal whose hash is `displayed` (the one shown to the
    /// user, [`Event::Proposed`]'s `manifest_hash`), tightened to this side's rules,
    /// limited to the keys this side's file holds, with this side's breakdown column.
    /// The answer carries the proposal's hash; the host refuses an answer to anything
    /// it did not propose.
    ///
    /// # Errors
    /// [`SessionError::Manifest`] (e.g. no shared key; the session then fails) or a state
    /// error (nothing under review, or `displayed` is not the proposal under review).
    pub fn accept(&mut self, displayed: &[u8; 32], held_keys: KeyMask, group: Option<String>) -> Result<Manifest, SessionError> {
        if !self.code_confirmed {
            return Err(SessionError::State("compare the verification code with your partner first"));
        }
        let (answer, msg) = match self.agreement.accept(displayed, &self.local, held_keys, group) {
            Ok(r) => r,
            Err(e) => {
                if matches!(e, SessionError::Manifest(_)) {
                    self.fail(&e);
                }
                return Err(e);
            }
        };
        self.send(msg)?;
        Ok(answer)
    }

    /// Both people compared the verification code and it matched: the host's proposal
    /// may go out, the guest may accept. Call it once [`Event::Connected`] came, after
    /// asking the person (the page's "codes match" button, the command line's prompt,
    /// `--code`, or `--yes` for scripts that trust the channel the invite travelled on).
    ///
    /// # Errors
    /// A state error before the channel is up.
    pub fn confirm_code(&mut self) -> Result<(), SessionError> {
        if self.verification_code.is_none() {
            return Err(SessionError::State("no verification code yet: the partner has not connected"));
        }
        self.code_confirmed = true;
        self.propose_once_confirmed()
    }

    /// Whether [`Session::confirm_code`] was called.
    pub fn code_confirmed(&self) -> bool {
        self.code_confirmed
    }

    fn propose_once_confirmed(&mut self) -> Result<(), SessionError> {
        if !self.code_confirmed || self.verification_code.is_none() {
            return Ok(());
        }
        match self.agreement.on_connected() {
            Some(msg) => self.send(msg),
            None => Ok(()),
        }
    }

    /// Host: confirms the guest's (tightened) answer.
    ///
    /// # Errors
    /// A state error if there is nothing to confirm.
    pub fn confirm(&mut self) -> Result<(), SessionError> {
        let step = self.agreement.confirm()?;
        self.apply(step)
    }

    /// Starts the run with this side's records. The records may carry any keys: they are
    /// cut here to the agreed ones (a record left with none is dropped before the size
    /// check), so a partner never receives points for a key it did not agree to.
    ///
    /// # Errors
    /// [`SessionError::Party`] if the set is outside the agreed sizes.
    pub fn start(&mut self, own: OwnSet) -> Result<(), SessionError> {
        let m = self.agreement.agreed().cloned().ok_or(SessionError::State("start before both agreed"))?;
        if self.party.is_some() {
            return Err(SessionError::State("already started"));
        }
        let own = own.restricted(m.key_mask());
        let r = Secret::random().map_err(SessionError::from).and_then(|secret| {
            let mut party = Party::new(self.side, m, secret, own)?;
            if self.outside {
                party.match_outside();
            }
            for msg in self.early.drain(..) {
                party.handle(msg)?;
            }
            self.party = Some(party);
            self.after_party();
            Ok(())
        });
        if let Err(e) = &r {
            self.fail(e);
        }
        r
    }

    /// Matches outside the core (a driver joining on a cluster): call before
    /// [`Session::start`]; then, once both directions are complete, [`Session::take_join`]
    /// gives the values and [`Session::complete_join`] takes the outcome (see
    /// [`crate::psi::JoinInput`]). Without it the core joins in memory.
    pub fn match_outside(&mut self) {
        self.outside = true;
    }

    /// After [`Session::match_outside`]: the values to join, once, when both directions
    /// are complete.
    pub fn take_join(&mut self) -> Option<JoinInput> {
        if self.failed {
            return None;
        }
        self.party.as_mut()?.take_join()
    }

    /// Hands back the outcome of the join [`Session::take_join`] gave.
    ///
    /// # Errors
    /// [`SessionError::Party`] if the outcome does not fit the values handed out.
    pub fn complete_join(&mut self, outcome: JoinOutcome) -> Result<(), SessionError> {
        self.with_party(|p| p.complete_join(outcome))
    }

    /// The next task to compute (with [`Session::secret`]), if any.
    pub fn poll_task(&mut self) -> Option<Task> {
        self.party.as_mut()?.poll_task()
    }

    /// This run's secret, for the threads or workers that compute tasks.
    pub fn secret(&self) -> Option<&Secret> {
        self.party.as_ref().map(|p| p.secret())
    }

    /// Hands back a task's result.
    ///
    /// # Errors
    /// [`SessionError::Party`], e.g. when the partner sent an invalid point.
    pub fn complete(&mut self, id: u64, result: Result<Vec<u8>, PsiError>) -> Result<(), SessionError> {
        self.with_party(|p| p.complete(id, result))
    }

    /// Hands something to the run (nothing once the session failed), then sends what the
    /// run produced; an error ends the session.
    fn with_party(&mut self, step: impl FnOnce(&mut Party) -> Result<(), PartyError>) -> Result<(), SessionError> {
        if self.failed {
            return Ok(());
        }
        let r = match self.party.as_mut() {
            Some(p) => step(p).map_err(SessionError::from),
            None => Err(SessionError::State("no run")),
        };
        match r {
            Ok(()) => {
                self.after_party();
                Ok(())
            }
            Err(e) => {
                self.fail(&e);
                Err(e)
            }
        }
    }

    fn after_party(&mut self) {
        if !self.finished && self.party.as_ref().is_some_and(|p| p.confirmed()) {
            self.finished = true;
            self.events.push_back(Event::Finished);
        }
    }

    fn send(&mut self, msg: Message) -> Result<(), SessionError> {
        let plain = msg.encode();
        self.link.send(&plain)?;
        self.tapped(true, &plain);
        Ok(())
    }

    /// The next frame to send to the relay. Bulk messages are pulled from the run only
    /// while the unacknowledged window has room.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        if let Some(f) = self.link.pop_transmit() {
            return Some(f);
        }
        if self.failed || self.link.window_full() {
            return None;
        }
        let msg = self.party.as_mut()?.poll_message()?;
        self.send(msg).ok()?;
        self.link.pop_transmit()
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Progress of the run, once started.
    pub fn progress(&self) -> Option<&Progress> {
        self.party.as_ref().map(|p| p.progress())
    }

    /// The proposal: the host's own, or the one the guest reviews (until agreed).
    pub fn proposal(&self) -> Option<&Manifest> {
        self.agreement.proposal()
    }

    /// The agreed manifest.
    pub fn manifest(&self) -> Option<&Manifest> {
        self.agreement.agreed()
    }

    /// The confirmed report.
    pub fn report(&self) -> Option<&Report> {
        self.party.as_ref().filter(|p| p.confirmed()).and_then(|p| p.report())
    }

    /// The audit receipt ([`crate::report::receipt`]) once the report is confirmed: the
    /// caller gives the times (its clock) and the file's name.
    pub fn receipt(&self, started_ms: u64, finished_ms: u64, file_name: &str) -> Option<serde_json::Value> {
        let ctx = crate::report::ReceiptContext {
            side: self.side,
            verification_code: self.verification_code.as_deref().unwrap_or_default(),
            started_ms,
            finished_ms,
            file_name,
        };
        Some(crate::report::receipt(self.manifest()?, self.report()?, &ctx))
    }

    /// Audience mode: this side's matched source rows.
    pub fn matched_rows(&self) -> Option<Vec<u32>> {
        self.party.as_ref().filter(|p| p.confirmed()).and_then(|p| p.matched_rows())
    }

    /// Whether the session ended in failure.
    pub fn failed(&self) -> bool {
        self.failed
    }

    /// Stops the session: tells the partner why (code `cancelled`, if connected) and ends
    /// it here.
    pub fn cancel(&mut self, reason: &str) {
        if self.failed {
            return;
        }
        let reason: String = reason.chars().take(200).collect();
        let _ = self.send(Message::Abort { code: "cancelled".into(), reason: reason.clone() });
        self.failed = true;
        self.events.push_back(Event::Failed { code: "cancelled", message: reason, origin: Origin::Local });
    }

    fn fail(&mut self, e: &SessionError) {
        if self.failed {
            return;
        }
        let origin = match e {
            SessionError::Partner { .. } => Origin::Partner,
            _ => {
                let _ = self.send(Message::Abort { code: e.code().into(), reason: e.for_partner() });
                Origin::Local
            }
        };
        self.failed = true;
        self.events.push_back(Event::Failed { code: e.code(), message: e.to_string(), origin });
    }
}
