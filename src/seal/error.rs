//! The one error type of the sealed channel.

use core::fmt;

/// Why an invite could not be read, a handshake failed or a frame was refused.
///
/// Messages never contain key material or frame contents, so they are safe to log and to
/// show to a user.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SealError {
    /// The operating system (or the browser) could not supply random bytes.
    Randomness,
    /// The invite text holds no `k=` secret.
    InviteMissing,
    /// The invite secret is not base64url.
    InviteCharacters,
    /// The invite secret decodes to the wrong number of bytes.
    InviteLength {
        /// Bytes found after decoding.
        found: usize,
    },
    /// A frame's first byte names a different kind than the call expects.
    WrongKind,
    /// A frame is shorter than its header and authentication tag.
    Truncated {
        /// Bytes received.
        len: usize,
        /// Smallest valid length.
        min: usize,
    },
    /// The peer speaks another version of the sealed channel.
    UnsupportedVersion {
        /// Version byte received.
        found: u8,
    },
    /// The peer's hello was not made with this invite (or was altered on the way).
    HelloNotAuthentic,
    /// Both hellos claim the same role (two hosts or two guests).
    SameRole,
    /// The partner's hello arrived before its commitment (a hello is sent only in reply
    /// to the other side's commit).
    HelloBeforeCommit,
    /// The partner's hello is not the one it committed to: someone altered the handshake.
    CommitMismatch,
    /// The partner sent a second, different commitment in the same handshake.
    CommitChanged,
    /// The peer's ephemeral key is not a canonical, non-identity ristretto255 point.
    InvalidKey,
    /// A data frame's counter is below the next expected one: it was already received.
    Replayed {
        /// Counter expected next.
        expected: u64,
        /// Counter received.
        found: u64,
    },
    /// A data frame's counter skips ahead of the next expected one (reordered or dropped).
    OutOfOrder {
        /// Counter expected next.
        expected: u64,
        /// Counter received.
        found: u64,
    },
    /// A control frame's counter is not above the last accepted one.
    ControlReplayed {
        /// Last accepted control counter.
        last: u64,
        /// Counter received.
        found: u64,
    },
    /// The frame failed authentication: forged, altered or cut short, or sealed with
    /// another key.
    Forged,
}

impl fmt::Display for SealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Randomness => f.write_str("no random bytes available from the system"),
            Self::InviteMissing => f.write_str("the invite link has no secret (expected #k=...)"),
            Self::InviteCharacters => {
                f.write_str("the invite secret has characters outside base64url (A-Z a-z 0-9 - _); was the link copied whole?")
            }
            Self::InviteLength { found } => {
                write!(f, "the invite secret is {found} bytes, expected 32; was the link copied whole?")
            }
            Self::WrongKind => f.write_str("frame of an unexpected kind"),
            Self::Truncated { len, min } => write!(f, "frame truncated: {len} bytes, at least {min} needed"),
            Self::UnsupportedVersion { found } => {
                write!(f, "the partner uses sealed-channel version {found}, this build speaks version {}", super::VERSION)
            }
            Self::HelloNotAuthentic => f.write_str("the partner's hello was not made with this invite"),
            Self::SameRole => f.write_str("both sides claim the same role (two hosts or two guests)"),
            Self::HelloBeforeCommit => f.write_str("the partner's hello came before its commitment"),
            Self::CommitMismatch => {
                f.write_str("the partner's hello does not match its commitment: someone altered the handshake")
            }
            Self::CommitChanged => f.write_str("the partner changed its commitment during the handshake"),
            Self::InvalidKey => f.write_str("the partner's handshake key is not a valid group element"),
            Self::Replayed { expected, found } => write!(f, "replayed frame: counter {found}, expected {expected}"),
            Self::OutOfOrder { expected, found } => {
                write!(f, "frame out of order: counter {found}, expected {expected}")
            }
            Self::ControlReplayed { last, found } => {
                write!(f, "replayed control frame: counter {found}, last accepted {last}")
            }
            Self::Forged => f.write_str("frame failed authentication (forged, altered or cut short)"),
        }
    }
}

impl core::error::Error for SealError {}
