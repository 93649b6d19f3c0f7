//! The sealed channel: end-to-end encryption between the two partners, keyed by the
//! invite, so the relay forwards only ciphertext it can neither read, forge nor reorder.
//!
//! Sans-IO: frames are bytes in, bytes out; the browser and the command line share it.
//!
//! # Protocol
//! 1. **Invite.** The host draws a 32-byte `secret` ([`Invite::generate`]) and shares the
//!    link `…/#k=<base64url(secret)>` ([`Invite::fragment`]). Both sides join the relay
//!    room `hex(HKDF-SHA256(secret, "cleanmatch-v1 room"))[..16 bytes]`
//!    ([`Invite::room_id`]); the relay learns the room id, never the secret.
//! 2. **Commit, then hello.** Each side draws an ephemeral scalar `e` and forms its
//!    hello `'H' ‖ version ‖ role ‖ e·G ‖ nonce16 ‖ HMAC-SHA256(K_hello, all before)`
//!    with `K_hello = HKDF(secret, "cleanmatch-v1 hello")`. It first sends only the
//!    commit `'K' ‖ version ‖ role ‖ SHA-256("cleanmatch-v1 commit" ‖ hello) ‖ HMAC`
//!    ([`Handshake::start`]), and sends the hello once the partner's commit is in
//!    ([`Handshake::receive_commit`]). A hello that does not match its commitment,
//!    a frame from someone without the invite, a second host, or a bad point is refused.
//! 3. **Keys.** `T = SHA-256("cleanmatch-v1 transcript" ‖ host hello ‖ guest hello)`;
//!    HKDF-SHA256 with salt `T` over `secret ‖ e_host·e_guest·G` gives one
//!    ChaCha20-Poly1305 key per direction for data, one per direction for control, and
//!    the 6-digit verification code ([`Handshake::finish`]).
//! 4. **Frames.** Data: `'D' ‖ counter_be64 ‖ ciphertext ‖ tag16`, nonce `0⁴ ‖ counter`,
//!    AAD = kind and counter. The receiver accepts only the next counter, so replayed,
//!    reordered, dropped, forged or truncated frames are each refused with their own
//!    error ([`Channel::open`]). Control: `'C' ‖ …` the same way with separate keys and
//!    counters that must increase but may skip ([`Channel::open_control`]).
//!
//! # What each party learns
//! The relay: the room id, frame kinds, sizes and timing. Someone who stole the invite
//! and controls the relay can sit in the middle, but then runs two handshakes with
//! different transcripts, and the two pages show different verification codes.
//!
//! Why commit first: the code is a hash of the transcript, so an attacker holding both
//! honest hellos could search its own nonce (no curve arithmetic, about 10⁶ hashes, a
//! second or two) until the two codes agree. Committed hellos are fixed before either
//! honest hello is seen, so each attempt succeeds with probability 10⁻⁶, and the pages
//! ask both people to compare the codes before anything is agreed or blinded.
//!
//! # Example
//! ```
//! use cleanmatch::seal::{Handshake, Invite, Role};
//!
//! let invite = Invite::generate()?;
//! let link = format!("https://example.test/#{}", invite.fragment());
//! let joined = Invite::parse(&link)?;
//! assert_eq!(invite.room_id(), joined.room_id());
//!
//! let (mut host_hs, host_commit) = Handshake::start(&invite, Role::Host)?;
//! let (mut guest_hs, guest_commit) = Handshake::start(&joined, Role::Guest)?;
//! let host_hello = host_hs.receive_commit(&guest_commit)?;
//! let guest_hello = guest_hs.receive_commit(&host_commit)?;
//! let mut host = host_hs.finish(&guest_hello)?;
//! let mut guest = guest_hs.finish(&host_hello)?;
//! assert_eq!(host.verification_code(), guest.verification_code());
//!
//! let frame = host.seal(b"blinded points");
//! assert_eq!(guest.open(&frame)?, b"blinded points");
//! assert!(guest.open(&frame).is_err()); // a replay is refused
//! # Ok::<(), cleanmatch::seal::SealError>(())
//! ```

mod base64url;
mod channel;
mod error;
mod handshake;
mod invite;

pub use channel::{Channel, HEADER_LEN, TAG_LEN};
pub use error::SealError;
pub use handshake::{Handshake, COMMIT_LEN, HELLO_LEN};
pub use invite::Invite;

/// Version byte of the handshake frames; bumped when the handshake or the frame format
/// changes (2: commit before reveal).
pub const VERSION: u8 = 2;

const KIND_COMMIT: u8 = b'K';
const KIND_HELLO: u8 = b'H';
const KIND_DATA: u8 = b'D';
const KIND_CONTROL: u8 = b'C';

/// Which side of the collaboration: the host made the invite, the guest followed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Made the invite and opened the room.
    Host,
    /// Joined with the invite.
    Guest,
}

impl Role {
    /// The other side.
    pub fn peer(self) -> Role {
        match self {
            Role::Host => Role::Guest,
            Role::Guest => Role::Host,
        }
    }

    /// `"host"` or `"guest"`, as in the relay URL.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Host => "host",
            Role::Guest => "guest",
        }
    }

    fn byte(self) -> u8 {
        match self {
            Role::Host => 0,
            Role::Guest => 1,
        }
    }

    fn from_byte(b: u8) -> Option<Role> {
        match b {
            0 => Some(Role::Host),
            1 => Some(Role::Guest),
            _ => None,
        }
    }
}

/// What a frame is, read from its first byte without any key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameKind {
    /// A handshake commit ([`Handshake::receive_commit`]).
    Commit,
    /// A handshake hello ([`Handshake::finish`]).
    Hello,
    /// A data frame ([`Channel::open`]).
    Data,
    /// A control frame ([`Channel::open_control`]).
    Control,
}

/// Tells hello, data and control frames apart so a receiver knows which call to make.
/// `None` for an empty frame or an unknown kind byte.
pub fn frame_kind(frame: &[u8]) -> Option<FrameKind> {
    match *frame.first()? {
        KIND_COMMIT => Some(FrameKind::Commit),
        KIND_HELLO => Some(FrameKind::Hello),
        KIND_DATA => Some(FrameKind::Data),
        KIND_CONTROL => Some(FrameKind::Control),
        _ => None,
    }
}

/// The counter of a data or control frame, unauthenticated (for logs and resend
/// bookkeeping; [`Channel::open`] is what checks it). `None` for other or short frames.
pub fn frame_counter(frame: &[u8]) -> Option<u64> {
    match frame_kind(frame)? {
        FrameKind::Data | FrameKind::Control => {
            let bytes = frame.get(1..HEADER_LEN)?;
            let mut c = [0u8; 8];
            c.copy_from_slice(bytes);
            Some(u64::from_be_bytes(c))
        }
        FrameKind::Commit | FrameKind::Hello => None,
    }
}

#[cfg(test)]
mod tests;
