//! The reliable link under a session: the handshake, sealing, acknowledgements, resume
//! after a reconnect and resending exactly what the partner missed.
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
    hello: Vec<u8>,
    peer_hello: Option<Vec<u8>>,
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
            hello: Vec::new(),
            peer_hello: None,
            channel: None,
            transmit: VecDeque::new(),
            unacked: VecDeque::new(),
            unacked_bytes: 0,
            received: 0,
            acked_received: 0,
        }
    }

    /// The relay says the partner is there: send the hello (no channel yet) or a resume.
    pub(super) fn peer_joined(&mut self, invite: &Invite) -> Result<(), SessionError> {
        match &mut self.channel {
            None => {
                if self.handshake.is_none() {
                    let (h, hello) = Handshake::start(invite, self.side)?;
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

    /// One frame from the relay.
    pub(super) fn receive(&mut self, invite: &Invite, frame: &[u8]) -> Result<Inbound, SessionError> {
        match frame_kind(frame) {
            Some(FrameKind::Hello) => self.on_hello(invite, frame),
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

    fn on_hello(&mut self, invite: &Invite, frame: &[u8]) -> Result<Inbound, SessionError> {
        if self.channel.is_some() {
            if self.peer_hello.as_deref() == Some(frame) {
                // The same hello again (resent on a reconnect): nothing new.
                return Ok(Inbound::Nothing);
            }
            return Err(SessionError::State("the partner restarted the session; start again from the invite link"));
        }
        if self.handshake.is_none() {
            // The partner's hello can arrive before our own peer-joined notice.
            self.peer_joined(invite)?;
        }
        let h = self.handshake.take().ok_or(SessionError::State("no handshake"))?;
        let channel = h.finish(frame)?;
        self.peer_hello = Some(frame.to_vec());
        let code = channel.verification_code();
        self.channel = Some(channel);
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
