//! The reliable link under a session: the handshake, sealing, acknowledgements, resume
//! after a reconnect and resending exactly what the partner missed.
//!
//! The handshake commits before it reveals ([`crate::seal`]): a side sends its commit,
//! and its hello only once the partner's commit is in. On every `peer-joined` it resends
//! both as they were, so a connection dropped during the handshake resumes; the partner
//! ignores what it already has. Sealed frames that arrive before our channel is up (the
//! partner's hello was lost) are dropped and asked for again with a resume once it is.
//!
//! Data frames are acknowledged in control frames every [`ACK_EVERY`] frames. Each side
//! keeps its unacknowledged sealed frames (at most [`WINDOW_BYTES`] before it waits).
//! On `peer-joined` with a channel already up, a side sends a resume control frame with
//! how many data frames it has received; the partner drops what that acknowledges and
//! resends the rest in order. A frame received twice is ignored by counter, never
//! applied twice; a forged one ends the session.

use super::SessionError;
use crate::seal::{frame_kind, Channel, FrameKind, Handshake, Invite, SealError};
use crate::Side;
use std::collections::VecDeque;

/// Unacknowledged bytes a side may have in flight before it waits for the partner.
pub const WINDOW_BYTES: usize = 48 << 20;
/// Data frames between acknowledgements.
pub const ACK_EVERY: u64 = 8;

const CONTROL_ACK: u8 = 1;
const CONTROL_RESUME: u8 = 2;

/// What one frame from the relay yielded.
pub(super) enum Inbound {
    /// Nothing for the session (a control frame, a duplicate).
    Nothing,
    /// The channel just came up, with this verification code.
    Connected(String),
    /// A data frame's plaintext, in order.
    Data(Vec<u8>),
}

/// The channel and its bookkeeping.
pub(super) struct Link {
    side: Side,
    handshake: Option<Handshake>,
    /// Own commit frame, then own hello once revealed: resent as they are on a reconnect.
    own_handshake: Vec<Vec<u8>>,
    peer_commit: Option<Vec<u8>>,
    peer_hello: Option<Vec<u8>>,
    /// Sealed frames came before our channel was up: ask for a resend once it is.
    dropped_early: bool,
    channel: Option<Channel>,
    transmit: VecDeque<Vec<u8>>,
    unacked: VecDeque<(u64, Vec<u8>)>,
    unacked_bytes: usize,
    received: u64,
    acked_received: u64,
}

impl Link {
    pub(super) fn new(side: Side) -> Link {
        Link {
            side,
            handshake: None,
            own_handshake: Vec::new(),
            peer_commit: None,
            peer_hello: None,
            dropped_early: false,
            channel: None,
            transmit: VecDeque::new(),
            unacked: VecDeque::new(),
            unacked_bytes: 0,
            received: 0,
            acked_received: 0,
        }
    }

    /// The relay says the partner is there: (re)send our handshake frames, and a resume
    /// if the channel is up.
    pub(super) fn peer_joined(&mut self, invite: &Invite) -> Result<(), SessionError> {
        self.start_handshake(invite)?;
        // Our handshake frames again, as they were: a partner who lost them to a dropped
        // connection finishes its handshake; one who has them ignores them.
        for f in &self.own_handshake {
            self.transmit.push_back(f.clone());
        }
        self.send_resume();
        Ok(())
    }

    fn start_handshake(&mut self, invite: &Invite) -> Result<(), SessionError> {
        if self.handshake.is_none() && self.own_handshake.is_empty() {
            let (h, commit) = Handshake::start(invite, self.side)?;
            self.handshake = Some(h);
            self.own_handshake.push(commit);
        }
        Ok(())
    }

    fn send_resume(&mut self) {
        if let Some(channel) = &mut self.channel {
            let mut body = vec![CONTROL_RESUME];
            body.extend_from_slice(&self.received.to_le_bytes());
            self.transmit.push_back(channel.seal_control(&body));
            self.acked_received = self.received;
        }
    }

    /// One frame from the relay.
    pub(super) fn receive(&mut self, invite: &Invite, frame: &[u8]) -> Result<Inbound, SessionError> {
        match frame_kind(frame) {
            Some(FrameKind::Commit) => self.on_commit(invite, frame),
            Some(FrameKind::Hello) => self.on_hello(frame),
            Some(FrameKind::Control | FrameKind::Data) if self.channel.is_none() => {
                // Sealed by a partner whose channel is up while ours is not: its hello
                // was lost to a dropped connection and comes again on the reconnect.
                // Nothing here can be opened yet; the partner resends it on our resume.
                self.dropped_early = true;
                Ok(Inbound::Nothing)
            }
            Some(FrameKind::Control) => {
                let channel = self.channel.as_mut().ok_or(SessionError::State("control frame before the handshake"))?;
                match channel.open_control(frame) {
                    Ok(body) => self.on_control(&body).map(|()| Inbound::Nothing),
                    // A control frame resent or overtaken: the newer one already counted.
                    Err(SealError::ControlReplayed { .. }) => Ok(Inbound::Nothing),
                    Err(e) => Err(e.into()),
                }
            }
            Some(FrameKind::Data) => {
                let channel = self.channel.as_mut().ok_or(SessionError::State("data frame before the handshake"))?;
                let plain = match channel.open(frame) {
                    Ok(p) => p,
                    // A frame resent after a reconnect that arrived the first time too,
                    // or one sent past a gap before the resend: not applied, not fatal.
                    Err(SealError::Replayed { .. } | SealError::OutOfOrder { .. }) => return Ok(Inbound::Nothing),
                    Err(e) => return Err(e.into()),
                };
                self.received += 1;
                if self.received - self.acked_received >= ACK_EVERY {
                    let mut body = vec![CONTROL_ACK];
                    body.extend_from_slice(&self.received.to_le_bytes());
                    self.transmit.push_back(channel.seal_control(&body));
                    self.acked_received = self.received;
                }
                Ok(Inbound::Data(plain))
            }
            None => Err(SessionError::Seal(SealError::WrongKind)),
        }
    }

    fn on_commit(&mut self, invite: &Invite, frame: &[u8]) -> Result<Inbound, SessionError> {
        if let Some(known) = &self.peer_commit {
            if known.as_slice() == frame {
                // The same commit again (resent on a reconnect): nothing new.
                return Ok(Inbound::Nothing);
            }
            return Err(SessionError::State("the partner restarted the session; start again from the invite link"));
        }
        if self.handshake.is_none() && self.own_handshake.is_empty() {
            // The partner's commit can arrive before our own peer-joined notice.
            self.peer_joined(invite)?;
        }
        let h = self.handshake.as_mut().ok_or(SessionError::State("no handshake"))?;
        let hello = h.receive_commit(frame)?;
        self.peer_commit = Some(frame.to_vec());
        self.own_handshake.push(hello.clone());
        self.transmit.push_back(hello);
        Ok(Inbound::Nothing)
    }

    fn on_hello(&mut self, frame: &[u8]) -> Result<Inbound, SessionError> {
        if self.channel.is_some() {
            if self.peer_hello.as_deref() == Some(frame) {
                // The same hello again (resent on a reconnect): nothing new.
                return Ok(Inbound::Nothing);
            }
            return Err(SessionError::State("the partner restarted the session; start again from the invite link"));
        }
        if self.peer_commit.is_none() {
            // Its commit was lost to a dropped connection: the hello cannot be checked
            // and is not used. Both come again, in order, when the partner reconnects.
            return Ok(Inbound::Nothing);
        }
        let h = self.handshake.take().ok_or(SessionError::State("no handshake"))?;
        let channel = h.finish(frame)?;
        self.peer_hello = Some(frame.to_vec());
        let code = channel.verification_code();
        self.channel = Some(channel);
        if std::mem::take(&mut self.dropped_early) {
            self.send_resume();
        }
        Ok(Inbound::Connected(code))
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

    /// Seals `plain` as the next data frame, keeps it until acknowledged and queues it.
    pub(super) fn send(&mut self, plain: &[u8]) -> Result<(), SessionError> {
        let channel = self.channel.as_mut().ok_or(SessionError::State("not connected"))?;
        let counter = channel.sent_count();
        let frame = channel.seal(plain);
        self.unacked_bytes += frame.len();
        self.unacked.push_back((counter, frame.clone()));
        self.transmit.push_back(frame);
        Ok(())
    }

    /// The next queued frame.
    pub(super) fn pop_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmit.pop_front()
    }

    /// Whether the unacknowledged window is full (bulk data waits).
    pub(super) fn window_full(&self) -> bool {
        self.unacked_bytes >= WINDOW_BYTES
    }
}
