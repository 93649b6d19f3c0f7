//! **Danger:** deterministic handshakes and raw sealing keys, for the protocol vectors only.
//!
//! A handshake started from a chosen ephemeral scalar and nonce, or a frame sealed under
//! a key the caller holds in the clear, gives up exactly what the sealed channel exists
//! for: anyone who knows the scalar can compute the channel keys and read every frame.
//! These functions exist so that `tests/vectors/protocol-*.tsv` can pin every byte of the
//! handshake and the frames (see `docs/protocol.md`). They are compiled only for tests
//! (`cfg(test)`) and under the cargo feature `danger`, which the browser's vector runner
//! enables in a test-only wasm build; the shipped package and binary never carry them.

use curve25519_dalek::scalar::Scalar;
use zeroize::Zeroizing;

use super::channel::{format_code, header, open_frame, seal_frame, RawKeys};
use super::{Handshake, Invite, Role, SealError, KIND_CONTROL, KIND_DATA};
use chacha20poly1305::aead::KeyInit;
use chacha20poly1305::ChaCha20Poly1305;

/// The four channel keys and the verification code one handshake yields, named by
/// direction so both sides' rows of a vector file show the same values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealingKeys {
    /// Seals data frames from the host to the guest.
    pub host_to_guest_data: [u8; 32],
    /// Seals data frames from the guest to the host.
    pub guest_to_host_data: [u8; 32],
    /// Seals control frames from the host to the guest.
    pub host_to_guest_control: [u8; 32],
    /// Seals control frames from the guest to the host.
    pub guest_to_host_control: [u8; 32],
    /// The verification code, `"123 456"`.
    pub code: String,
}

/// **Danger:** [`Handshake::start`] with a fixed ephemeral scalar (32 bytes,
/// little-endian, canonical; zero is allowed so that vectors can show it refused) and a
/// fixed nonce.
///
/// # Errors
/// [`SealError::InvalidKey`] if `ephemeral` is not a canonical scalar encoding.
pub fn start_handshake(
    invite: &Invite,
    role: Role,
    ephemeral: &[u8; 32],
    nonce: &[u8; 16],
) -> Result<(Handshake, Vec<u8>), SealError> {
    let scalar = Option::<Scalar>::from(Scalar::from_canonical_bytes(*ephemeral)).ok_or(SealError::InvalidKey)?;
    Handshake::start_with(invite, role, scalar, nonce)
}

/// **Danger:** the hello `handshake` committed to (normally revealed only once the
/// partner's commit is in, [`Handshake::receive_commit`]).
pub fn committed_hello(handshake: &Handshake) -> Vec<u8> {
    handshake.committed_hello().to_vec()
}

/// **Danger:** records `peer_hello`'s commitment as if the partner's commit frame had
/// arrived, so that a vector finishes a handshake from the two hellos alone.
pub fn assume_peer_commit(handshake: &mut Handshake, peer_hello: &[u8]) {
    handshake.assume_peer_commit(peer_hello);
}

/// **Danger:** what [`Handshake::finish`] would derive from `peer_hello`, as raw bytes.
///
/// # Errors
/// As [`Handshake::finish`].
pub fn handshake_keys(handshake: &Handshake, peer_hello: &[u8]) -> Result<SealingKeys, SealError> {
    let (ikm, transcript) = handshake.key_material(peer_hello)?;
    let raw = RawKeys::derive(ikm.as_slice(), &transcript);
    Ok(SealingKeys {
        host_to_guest_data: *raw.host_to_guest,
        guest_to_host_data: *raw.guest_to_host,
        host_to_guest_control: *raw.host_to_guest_control,
        guest_to_host_control: *raw.guest_to_host_control,
        code: format_code(raw.code),
    })
}

/// **Danger:** seals one data (`control == false`) or control frame under a raw key with
/// the given counter, as [`super::Channel::seal`] does for its `counter`-th frame.
pub fn seal_with_key(key: &[u8; 32], control: bool, counter: u64, plaintext: &[u8]) -> Vec<u8> {
    let cipher = ChaCha20Poly1305::new(&(*Zeroizing::new(*key)).into());
    seal_frame(&cipher, if control { KIND_CONTROL } else { KIND_DATA }, counter, plaintext)
}

/// **Danger:** opens one frame under a raw key, with no counter bookkeeping; returns the
/// counter and the plaintext.
///
/// # Errors
/// [`SealError::Truncated`], [`SealError::WrongKind`] or [`SealError::Forged`], as
/// [`super::Channel::open`].
pub fn open_with_key(key: &[u8; 32], control: bool, frame: &[u8]) -> Result<(u64, Vec<u8>), SealError> {
    let cipher = ChaCha20Poly1305::new(&(*Zeroizing::new(*key)).into());
    let counter = header(frame, if control { KIND_CONTROL } else { KIND_DATA })?;
    Ok((counter, open_frame(&cipher, frame, counter)?))
}
