//! The whole two-party conversation as a sans-IO state machine (DESIGN §3).
//!
//! The caller moves bytes between the session and a relay connection and runs the
//! tasks it hands out; the session does the rest:
//!
//! 1. **Handshake.** On `peer-joined` each side sends a hello ([`crate::seal`]); the
//!    channel keys and the verification code follow ([`Event::Connected`]).
//! 2. **Agree.** The host sends its proposal; the guest reviews it
//!    ([`Event::Proposed`]) and accepts, possibly tightened ([`Session::accept`]); the
//!    host confirms ([`Event::Countered`] when the guest changed something,
//!    [`Session::confirm`]). Both get [`Event::Agreed`]. Nothing is blinded before.
//! 3. **Run.** Each side hands in its records ([`Session::start`]); the [`Party`] does
//!    the protocol; tasks go out through [`Session::poll_task`].
//! 4. **Report.** Both views are exchanged, the report is assembled and both hashes
//!    compared ([`Event::Finished`]).
//!
//! Every message travels sealed. Data frames are acknowledged in control frames so
//! that a side that reconnects after a drop gets exactly the frames it missed; frames
//! it already has are ignored, never applied twice. A failure on either side sends an
//! abort with a reason and ends the session on both.

use crate::manifest::{LocalRules, Manifest, ManifestError, Side};
use crate::psi::{OwnSet, Party, PartyError, Progress, PsiError, Secret, Task};
use crate::report::Report;
use crate::seal::{Channel, Handshake, Invite, Role, SealError};
use crate::wire::{Message, WireError};
use std::collections::VecDeque;

/// Unacknowledged bytes a side may have in flight before it waits for the partner.
pub const WINDOW_BYTES: usize = 48 << 20;
/// Data frames between acknowledgements.
pub const ACK_EVERY: u64 = 8;

/// Something the caller should show or act on.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The end-to-end channel is up; both pages show this code.
    Connected {
        /// Six digits; equal on both sides unless someone sits in the middle.
        verification_code: String,
    },
    /// Guest: the host's proposal, to review and [`Session::accept`].
    Proposed(Manifest),
    /// Host: the guest tightened the proposal; review and [`Session::confirm`].
    Countered {
        /// The tightened manifest.
        manifest: Manifest,
        /// What changed, for highlighting.
        changes: Vec<String>,
    },
    /// Both agreed; call [`Session::start`] with this side's records.
    Agreed(Manifest),
    /// The report is computed and both sides' hashes agree.
    Finished,
    /// The session ended with an error (local or the partner's abort).
    Failed {
        /// Stable machine-readable code.
        code: &'static str,
        /// What happened and what to do.
        message: String,
    },
}

/// Why the session stopped.
#[derive(Debug)]
#[non_exhaustive]
pub enum SessionError {
    /// Sealing or opening failed (wrong invite, tampering).
    Seal(SealError),
    /// A message could not be decoded.
    Wire(WireError),
    /// The manifests disagree.
    Manifest(ManifestError),
    /// The protocol run failed.
    Party(PartyError),
    /// The partner aborted.
    PartnerAborted {
        /// The partner's code.
        code: u16,
        /// The partner's reason.
        reason: String,
    },
    /// A call came at the wrong time.
    State(&'static str),
}

impl core::fmt::Display for SessionError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SessionError::Seal(e) => write!(f, "{e}"),
            SessionError::Wire(e) => write!(f, "the partner sent a malformed message: {e}"),
            SessionError::Manifest(e) => write!(f, "{e}"),
            SessionError::Party(e) => write!(f, "{e}"),
            SessionError::PartnerAborted { reason, .. } => write!(f, "the partner stopped: {reason}"),
            SessionError::State(what) => write!(f, "{what}"),
        }
    }
}

impl std::error::Error for SessionError {}

impl SessionError {
    /// A stable code for the page and the JS API.
    pub fn code(&self) -> &'static str {
        match self {
            SessionError::Seal(_) => "seal",
            SessionError::Wire(_) => "protocol",
            SessionError::Manifest(ManifestError::Version { .. }) => "version-mismatch",
            SessionError::Manifest(ManifestError::PresetMismatch { .. }) => "preset-mismatch",
            SessionError::Manifest(ManifestError::NoSharedKey) => "no-shared-key",
            SessionError::Manifest(_) => "manifest",
            SessionError::Party(PartyError::TooSmall { .. }) => "set-too-small",
            SessionError::Party(PartyError::TooLarge { .. }) => "set-too-large",
            SessionError::Party(PartyError::Psi(PsiError::InvalidPoint { .. })) => "invalid-point",
            SessionError::Party(PartyError::ReportMismatch) => "report-mismatch",
            SessionError::Party(PartyError::InvalidReport(e)) => e.code(),
            SessionError::Party(PartyError::Breakdown(e)) => e.code(),
            SessionError::Party(_) => "protocol",
            SessionError::PartnerAborted { .. } => "partner-aborted",
            SessionError::State(_) => "state",
        }
    }
}

impl From<SealError> for SessionError {
    fn from(e: SealError) -> Self {
        SessionError::Seal(e)
    }
}
impl From<WireError> for SessionError {
    fn from(e: WireError) -> Self {
        SessionError::Wire(e)
    }
}
impl From<ManifestError> for SessionError {
    fn from(e: ManifestError) -> Self {
        SessionError::Manifest(e)
    }
}
impl From<PartyError> for SessionError {
    fn from(e: PartyError) -> Self {
        SessionError::Party(e)
    }
}

const CONTROL_ACK: u8 = 1;
const CONTROL_RESUME: u8 = 2;

/// One side's session.
pub struct Session {
    side: Side,
    invite: Invite,
    local: LocalRules,
    handshake: Option<Handshake>,
    hello: Vec<u8>,
    peer_hello: Option<Vec<u8>>,
    channel: Option<Channel>,
    proposal: Option<Manifest>,
    counter: Option<Manifest>,
    agreed: Option<Manifest>,
    party: Option<Party>,
    early: VecDeque<Message>,
    transmit: VecDeque<Vec<u8>>,
    events: VecDeque<Event>,
    unacked: VecDeque<(u64, Vec<u8>)>,
    unacked_bytes: usize,
    received: u64,
    acked_received: u64,
    failed: bool,
    finished: bool,
}

impl Session {
    /// A host session that will propose `proposal` once the guest connects.
    ///
    /// # Errors
    /// [`SessionError::Manifest`] if the proposal is inconsistent.
    pub fn host(invite: Invite, local: LocalRules, proposal: Manifest) -> Result<Session, SessionError> {
        proposal.validate()?;
        let mut s = Session::new(Side::Host, invite, local);
        s.proposal = Some(proposal);
        Ok(s)
    }

    /// A guest session.
    pub fn guest(invite: Invite, local: LocalRules) -> Session {
        Session::new(Side::Guest, invite, local)
    }

    fn new(side: Side, invite: Invite, local: LocalRules) -> Session {
        Session {
            side,
            invite,
            local,
            handshake: None,
            hello: Vec::new(),
            peer_hello: None,
            channel: None,
            proposal: None,
            counter: None,
            agreed: None,
            party: None,
            early: VecDeque::new(),
            transmit: VecDeque::new(),
            events: VecDeque::new(),
            unacked: VecDeque::new(),
            unacked_bytes: 0,
            received: 0,
            acked_received: 0,
            failed: false,
            finished: false,
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

    fn role(&self) -> Role {
        match self.side {
            Side::Host => Role::Host,
            Side::Guest => Role::Guest,
        }
    }

    /// The relay says the partner is connected (first time or after a reconnect).
    ///
    /// # Errors
    /// [`SessionError::Seal`] if no randomness is available for the handshake.
    pub fn peer_joined(&mut self) -> Result<(), SessionError> {
        if self.failed {
            return Ok(());
        }
        match &mut self.channel {
            None => {
                if self.handshake.is_none() {
                    let (h, hello) = Handshake::start(&self.invite, self.role())?;
                    self.handshake = Some(h);
                    self.hello = hello;
                }
                self.transmit.push_back(self.hello.clone());
            }
            Some(channel) => {
                let mut body = vec![CONTROL_RESUME];
                body.extend_from_slice(&self.received.to_le_bytes());
                self.transmit.push_back(channel.seal_control(&body));
                self.acked_received = self.received;
            }
        }
        Ok(())
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
        match crate::seal::frame_kind(frame) {
            Some(crate::seal::FrameKind::Hello) => self.on_hello(frame),
            Some(crate::seal::FrameKind::Control) => {
                let channel = self.channel.as_mut().ok_or(SessionError::State("control frame before the handshake"))?;
                match channel.open_control(frame) {
                    Ok(body) => self.on_control(&body),
                    // A control frame resent or overtaken: the newer one already counted.
                    Err(SealError::ControlReplayed { .. }) => Ok(()),
                    Err(e) => Err(e.into()),
                }
            }
            Some(crate::seal::FrameKind::Data) => {
                let channel = self.channel.as_mut().ok_or(SessionError::State("data frame before the handshake"))?;
                let plain = match channel.open(frame) {
                    Ok(p) => p,
                    // A frame resent after a reconnect that arrived the first time too,
                    // or one sent past a gap before the resend: not applied, not fatal.
                    Err(SealError::Replayed { .. } | SealError::OutOfOrder { .. }) => return Ok(()),
                    Err(e) => return Err(e.into()),
                };
                self.received += 1;
                if self.received - self.acked_received >= ACK_EVERY {
                    let mut body = vec![CONTROL_ACK];
                    body.extend_from_slice(&self.received.to_le_bytes());
                    self.transmit.push_back(channel.seal_control(&body));
                    self.acked_received = self.received;
                }
                let msg = Message::decode(&plain)?;
                self.on_message(msg)
            }
            None => Err(SessionError::Seal(SealError::WrongKind)),
        }
    }

    fn on_hello(&mut self, frame: &[u8]) -> Result<(), SessionError> {
        if self.channel.is_some() {
            if self.peer_hello.as_deref() == Some(frame) {
                // The same hello again (resent on a reconnect): nothing new.
                return Ok(());
            }
            return Err(SessionError::State(
                "the partner restarted the session; start again from the invite link",
            ));
        }
        if self.handshake.is_none() {
            // The partner's hello can arrive before our own peer-joined notice.
            self.peer_joined()?;
        }
        let h = self.handshake.take().ok_or(SessionError::State("no handshake"))?;
        let channel = h.finish(frame)?;
        self.peer_hello = Some(frame.to_vec());
        self.events.push_back(Event::Connected { verification_code: channel.verification_code() });
        self.channel = Some(channel);
        if let Some(p) = &self.proposal {
            let msg = Message::Propose(p.to_json());
            self.send(msg)?;
        }
        Ok(())
    }

    fn on_control(&mut self, body: &[u8]) -> Result<(), SessionError> {
        let (&kind, rest) = body.split_first().ok_or(SessionError::Seal(SealError::WrongKind))?;
        let n = rest.try_into().map(u64::from_le_bytes).map_err(|_| SessionError::Seal(SealError::WrongKind))?;
        while self.unacked.front().is_some_and(|(c, _)| *c < n) {
            if let Some((_, f)) = self.unacked.pop_front() {
                self.unacked_bytes -= f.len();
            }
        }
        if kind == CONTROL_RESUME {
            // The partner reconnected or we did: resend everything it has not got, in order.
            let resend: Vec<Vec<u8>> = self.unacked.iter().map(|(_, f)| f.clone()).collect();
            for f in resend.into_iter().rev() {
                self.transmit.push_front(f);
            }
        }
        Ok(())
    }

    fn on_message(&mut self, msg: Message) -> Result<(), SessionError> {
        match msg {
            Message::Abort { code, reason } => {
                self.failed = true;
                let e = SessionError::PartnerAborted { code, reason };
                self.events.push_back(Event::Failed { code: e.code(), message: e.to_string() });
                Err(e)
            }
            Message::Propose(json) if self.side == Side::Guest && self.counter.is_none() => {
                let m = Manifest::parse(&json, fingerprint)?;
                self.proposal = Some(m.clone());
                self.events.push_back(Event::Proposed(m));
                Ok(())
            }
            Message::Counter(json) if self.side == Side::Host && self.counter.is_none() => {
                let proposal = self.proposal.clone().ok_or(SessionError::State("no proposal"))?;
                let m = Manifest::parse(&json, fingerprint)?;
                proposal.check_counter(&m)?;
                let changes = proposal.changes(&m);
                self.counter = Some(m.clone());
                if changes.is_empty() {
                    self.confirm()
                } else {
                    self.events.push_back(Event::Countered { manifest: m, changes });
                    Ok(())
                }
            }
            Message::Confirm(hash) if self.side == Side::Guest && self.agreed.is_none() => {
                let m = self.counter.clone().ok_or(SessionError::State("confirmation before acceptance"))?;
                if m.hash() != hash {
                    return Err(SessionError::State("the host confirmed a different manifest"));
                }
                self.agreed = Some(m.clone());
                self.events.push_back(Event::Agreed(m));
                Ok(())
            }
            Message::Propose(_) | Message::Counter(_) | Message::Confirm(_) => {
                Err(SessionError::Wire(WireError::Malformed("negotiation message out of turn")))
            }
            other => match self.party.as_mut() {
                Some(party) => {
                    party.handle(other)?;
                    self.after_party()
                }
                // The partner may start as soon as it has agreed, before this side's
                // caller has handed in its records: keep its data until then.
                None if self.agreed.is_some() => {
                    self.early.push_back(other);
                    Ok(())
                }
                None => Err(SessionError::State("the partner sent data before both agreed")),
            },
        }
    }

    /// Guest: accepts the host's proposal, tightened to this side's rules, limited to
    /// the keys this side's file holds, with this side's breakdown column.
    ///
    /// # Errors
    /// [`SessionError::Manifest`] (e.g. no shared key) or a state error.
    pub fn accept(&mut self, held_keys: &[String], group: Option<String>) -> Result<Manifest, SessionError> {
        let proposal = self.proposal.clone().ok_or(SessionError::State("nothing to accept yet"))?;
        if self.side != Side::Guest || self.counter.is_some() {
            return Err(SessionError::State("only the guest accepts, once"));
        }
        let r = proposal.tighten(&self.local, held_keys, group);
        let m = match r {
            Ok(m) => m,
            Err(e) => {
                let e = SessionError::Manifest(e);
                self.fail(&e);
                return Err(e);
            }
        };
        self.counter = Some(m.clone());
        self.send(Message::Counter(m.to_json()))?;
        Ok(m)
    }

    /// Host: confirms the guest's (possibly tightened) manifest.
    ///
    /// # Errors
    /// A state error if there is nothing to confirm.
    pub fn confirm(&mut self) -> Result<(), SessionError> {
        let m = self.counter.clone().ok_or(SessionError::State("nothing to confirm yet"))?;
        if self.side != Side::Host || self.agreed.is_some() {
            return Err(SessionError::State("only the host confirms, once"));
        }
        self.send(Message::Confirm(m.hash()))?;
        self.agreed = Some(m.clone());
        self.events.push_back(Event::Agreed(m));
        Ok(())
    }

    /// Starts the run with this side's records, built with the agreed keys.
    ///
    /// # Errors
    /// [`SessionError::Party`] if the set is outside the agreed sizes.
    pub fn start(&mut self, own: OwnSet) -> Result<(), SessionError> {
        let m = self.agreed.clone().ok_or(SessionError::State("start before both agreed"))?;
        if self.party.is_some() {
            return Err(SessionError::State("already started"));
        }
        let secret = Secret::random().map_err(PartyError::from)?;
        let r = Party::new(self.side, m, secret, own).map_err(SessionError::from).and_then(|mut party| {
            for msg in self.early.drain(..) {
                party.handle(msg)?;
            }
            self.party = Some(party);
            self.after_party()
        });
        if let Err(e) = &r {
            self.fail(e);
        }
        r
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
        if self.failed {
            return Ok(());
        }
        let r = match self.party.as_mut() {
            Some(p) => p.complete(id, result).map_err(SessionError::from),
            None => Err(SessionError::State("no run")),
        };
        let r = r.and_then(|_| self.after_party());
        if let Err(e) = &r {
            self.fail(e);
        }
        r
    }

    fn after_party(&mut self) -> Result<(), SessionError> {
        if !self.finished && self.party.as_ref().is_some_and(|p| p.confirmed()) {
            self.finished = true;
            self.events.push_back(Event::Finished);
        }
        Ok(())
    }

    fn send(&mut self, msg: Message) -> Result<(), SessionError> {
        let channel = self.channel.as_mut().ok_or(SessionError::State("not connected"))?;
        let counter = channel.sent_count();
        let frame = channel.seal(&msg.encode());
        self.unacked_bytes += frame.len();
        self.unacked.push_back((counter, frame.clone()));
        self.transmit.push_back(frame);
        Ok(())
    }

    /// The next frame to send to the relay. Bulk messages are pulled from the run only
    /// while the unacknowledged window has room.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        if let Some(f) = self.transmit.pop_front() {
            return Some(f);
        }
        if self.failed || self.unacked_bytes >= WINDOW_BYTES {
            return None;
        }
        let msg = self.party.as_mut()?.poll_message()?;
        self.send(msg).ok()?;
        self.transmit.pop_front()
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Progress of the run, once started.
    pub fn progress(&self) -> Option<&Progress> {
        self.party.as_ref().map(|p| p.progress())
    }

    /// The agreed manifest.
    pub fn manifest(&self) -> Option<&Manifest> {
        self.agreed.as_ref()
    }

    /// The confirmed report.
    pub fn report(&self) -> Option<&Report> {
        self.party.as_ref().filter(|p| p.confirmed()).and_then(|p| p.report())
    }

    /// Audience mode: this side's matched source rows.
    pub fn matched_rows(&self) -> Option<Vec<u32>> {
        self.party.as_ref().filter(|p| p.confirmed()).and_then(|p| p.matched_rows())
    }

    /// Whether the session ended in failure.
    pub fn failed(&self) -> bool {
        self.failed
    }

    /// Stops the session: tells the partner why (if connected) and ends it here.
    pub fn cancel(&mut self, reason: &str) {
        if self.failed {
            return;
        }
        let _ = self.send(Message::Abort { code: 1, reason: reason.chars().take(200).collect() });
        self.failed = true;
        self.events.push_back(Event::Failed { code: "cancelled", message: reason.to_string() });
    }

    fn fail(&mut self, e: &SessionError) {
        if self.failed {
            return;
        }
        if !matches!(e, SessionError::PartnerAborted { .. }) {
            let reason = format!("the partner's side failed: {e}");
            let _ = self.send(Message::Abort { code: 2, reason });
        }
        self.failed = true;
        self.events.push_back(Event::Failed { code: e.code(), message: e.to_string() });
    }
}

/// The local fingerprint of a preset, as the partner's manifest names it.
fn fingerprint(name: &str) -> Option<String> {
    crate::normalize::Preset::named(name).map(|p| p.fingerprint())
}
