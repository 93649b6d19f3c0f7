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
//! 2. **Hello.** Each side draws an ephemeral scalar `e` and sends
//!    `'H' ‖ version ‖ role ‖ e·G ‖ nonce16 ‖ HMAC-SHA256(K_hello, all before)` with
//!    `K_hello = HKDF(secret, "cleanmatch-v1 hello")` ([`Handshake::start`]). A hello
//!    from someone without the invite, a second host, or a bad point is refused.
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
//! Limit: with two simultaneous hellos, such an attacker may hold back one side's hello
//! and search for ephemeral keys that make the two 6-digit codes collide (about 10^6
//! scalar multiplications, since the code depends on the DH value). A commit-then-reveal
//! hello would close this; the codes defeat anyone who does not invest that search.
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
//! let (host_hs, host_hello) = Handshake::start(&invite, Role::Host)?;
//! let (guest_hs, guest_hello) = Handshake::start(&joined, Role::Guest)?;
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
pub use handshake::{Handshake, HELLO_LEN};
pub use invite::Invite;

/// Version byte of the hello; bumped when the handshake or the frame format changes.
pub const VERSION: u8 = 1;

const KIND_HELLO: u8 = b'H';
const KIND_DATA: u8 = b'D';
const KIND_CONTROL: u8 = b'C';

pub use crate::Side;

/// The relay's and the handshake's older name for [`Side`]: the same type.
pub type Role = Side;

/// What a frame is, read from its first byte without any key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameKind {
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
        FrameKind::Hello => None,
    }
}

#[cfg(test)]
mod tests;
