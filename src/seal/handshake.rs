//! The handshake: a commitment each way, then a hello each way, then both sides hold
//! the same [`Channel`] and show the same verification code.
//!
//! Commit before reveal: a side sends its hello only after it holds the partner's
//! commitment `SHA-256("cleanmatch-v1 commit" ‖ hello)`, and checks the partner's hello
//! against it. Someone who holds the invite and sits in the middle must fix its own
//! hellos before it sees either honest hello, so it cannot search for hellos that make
//! the two pages' codes agree: each attempt matches with probability 10⁻⁶, and an
//! attempt that fails is seen by two people comparing codes.

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use hkdf::hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use super::channel::{Channel, Keys};
use super::invite::expand;
use super::{Invite, Role, SealError, KIND_COMMIT, KIND_HELLO, VERSION};

/// HKDF info of the key that authenticates hellos.
const HELLO_INFO: &[u8] = b"cleanmatch-v1 hello";
/// Domain prefix of the transcript hash.
const TRANSCRIPT_DOMAIN: &[u8] = b"cleanmatch-v1 transcript";
/// Domain prefix of the commitment to a hello.
const COMMIT_DOMAIN: &[u8] = b"cleanmatch-v1 commit";

/// Hello layout: kind, version, role, ephemeral public key, nonce, then the tag.
const KEY_AT: usize = 3;
const NONCE_AT: usize = KEY_AT + 32;
const TAG_AT: usize = NONCE_AT + 16;
/// Length of a hello frame in bytes.
pub const HELLO_LEN: usize = TAG_AT + 32;
/// Commit layout: kind, version, role, SHA-256 of the hello, then the tag.
const COMMIT_TAG_AT: usize = 3 + 32;
/// Length of a commit frame in bytes.
pub const COMMIT_LEN: usize = COMMIT_TAG_AT + 32;

/// One side's half-finished handshake: holds the ephemeral scalar until the peer's hello
/// arrives. The scalar and the copy of the invite secret are wiped on drop.
pub struct Handshake {
    secret: Zeroizing<[u8; 32]>,
    role: Role,
    scalar: Scalar,
    hello: Vec<u8>,
    commit: Vec<u8>,
    /// The partner's commitment (the hash inside its commit frame), once received.
    peer_commitment: Option<[u8; 32]>,
}

impl core::fmt::Debug for Handshake {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Handshake").field("role", &self.role).finish_non_exhaustive()
    }
}

impl Drop for Handshake {
    fn drop(&mut self) {
        self.scalar.zeroize();
    }
}

impl Handshake {
    /// Starts a handshake as `role`: draws an ephemeral ristretto255 scalar and returns
    /// the state to keep and the **commit frame** to send to the peer. The hello itself
    /// goes out only once the peer's commit has arrived ([`Handshake::receive_commit`]).
    ///
    /// The hello is `'H' ‖ version ‖ role ‖ ephemeral public key ‖ 16-byte nonce`
    /// followed by an HMAC-SHA256 tag under a key derived from the invite secret, so the
    /// relay (which knows only the room id) can neither forge nor alter it. The commit is
    /// `'K' ‖ version ‖ role ‖ SHA-256("cleanmatch-v1 commit" ‖ hello)` with a tag the
    /// same way.
    ///
    /// # Errors
    /// [`SealError::Randomness`] if no random bytes are available.
    pub fn start(invite: &Invite, role: Role) -> Result<(Handshake, Vec<u8>), SealError> {
        let mut random = Zeroizing::new([0u8; 64 + 16]);
        getrandom::fill(random.as_mut_slice()).map_err(|_| SealError::Randomness)?;
        let mut wide = Zeroizing::new([0u8; 64]);
        wide.copy_from_slice(&random[..64]);
        let mut nonce = [0u8; 16];
        nonce.copy_from_slice(&random[64..]);
        Handshake::from_parts(invite, role, Scalar::from_bytes_mod_order_wide(&wide), nonce)
    }

    fn from_parts(invite: &Invite, role: Role, scalar: Scalar, nonce: [u8; 16]) -> Result<(Handshake, Vec<u8>), SealError> {
        let public = RistrettoPoint::mul_base(&scalar).compress();
        let mut hello = Vec::with_capacity(HELLO_LEN);
        hello.extend_from_slice(&[KIND_HELLO, VERSION, role.byte()]);
        hello.extend_from_slice(public.as_bytes());
        hello.extend_from_slice(&nonce);
        let tag = hello_tag(invite.secret(), &hello)?;
        hello.extend_from_slice(&tag);

        let mut commit = Vec::with_capacity(COMMIT_LEN);
        commit.extend_from_slice(&[KIND_COMMIT, VERSION, role.byte()]);
        commit.extend_from_slice(&commitment(&hello));
        let tag = hello_tag(invite.secret(), &commit)?;
        commit.extend_from_slice(&tag);

        let hs = Handshake {
            secret: Zeroizing::new(*invite.secret()),
            role,
            scalar,
            hello,
            commit: commit.clone(),
            peer_commitment: None,
        };
        Ok((hs, commit))
    }

    /// This side's commit frame again (to resend after a reconnect).
    pub fn commit_frame(&self) -> &[u8] {
        &self.commit
    }

    /// This side's hello, once the partner's commit is in (to resend after a reconnect);
    /// `None` before: revealing it earlier would let a party in the middle choose its own
    /// hello after seeing this one.
    pub fn revealed_hello(&self) -> Option<&[u8]> {
        self.peer_commitment.map(|_| self.hello.as_slice())
    }

    /// Takes the partner's commit frame and returns this side's hello, to send now.
    /// The same commit again (resent after a reconnect) returns the same hello.
    ///
    /// # Errors
    /// - [`SealError::Truncated`] / [`SealError::WrongKind`] if it is not a commit frame;
    /// - [`SealError::UnsupportedVersion`] if the peer speaks another version;
    /// - [`SealError::HelloNotAuthentic`] if it was not made with this invite;
    /// - [`SealError::SameRole`] if both sides claim the same role;
    /// - [`SealError::CommitChanged`] if a different commitment arrives after the first.
    pub fn receive_commit(&mut self, peer_commit: &[u8]) -> Result<Vec<u8>, SealError> {
        let body = check_frame(&self.secret, self.role, KIND_COMMIT, COMMIT_LEN, COMMIT_TAG_AT, peer_commit)?;
        let mut hash = [0u8; 32];
        hash.copy_from_slice(&body[3..COMMIT_TAG_AT]);
        match self.peer_commitment {
            Some(known) if known != hash => return Err(SealError::CommitChanged),
            _ => self.peer_commitment = Some(hash),
        }
        Ok(self.hello.clone())
    }

    /// The role this side started with.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Checks the peer's hello against its commitment and derives the channel.
    ///
    /// Keys: `transcript = SHA-256("cleanmatch-v1 transcript" ‖ host hello ‖ guest hello)`,
    /// then HKDF-SHA256 with the transcript as salt over `secret ‖ DH(ephemeral keys)`,
    /// one key per direction (host→guest, guest→host) and purpose (data, control), plus
    /// the verification code. Someone holding the invite who sits in the middle runs two
    /// handshakes with different transcripts, so the two pages show different codes.
    ///
    /// # Errors
    /// - [`SealError::HelloBeforeCommit`] if the partner's commit has not arrived;
    /// - [`SealError::Truncated`] / [`SealError::WrongKind`] if it is not a hello frame;
    /// - [`SealError::UnsupportedVersion`] if the peer speaks another version;
    /// - [`SealError::HelloNotAuthentic`] if it was not made with this invite;
    /// - [`SealError::SameRole`] if both sides claim the same role;
    /// - [`SealError::CommitMismatch`] if it is not the hello the partner committed to;
    /// - [`SealError::InvalidKey`] if the ephemeral key is not a canonical, non-identity point.
    pub fn finish(self, peer_hello: &[u8]) -> Result<Channel, SealError> {
        let committed = self.peer_commitment.ok_or(SealError::HelloBeforeCommit)?;
        check_frame(&self.secret, self.role, KIND_HELLO, HELLO_LEN, TAG_AT, peer_hello)?;
        if commitment(peer_hello) != committed {
            return Err(SealError::CommitMismatch);
        }
        let peer_key = CompressedRistretto::from_slice(&peer_hello[KEY_AT..NONCE_AT])
            .map_err(|_| SealError::InvalidKey)?
            .decompress()
            .filter(|p| !p.is_identity())
            .ok_or(SealError::InvalidKey)?;
        let shared = peer_key * self.scalar;
        if shared.is_identity() {
            return Err(SealError::InvalidKey);
        }

        let (host_hello, guest_hello) = match self.role {
            Role::Host => (self.hello.as_slice(), peer_hello),
            Role::Guest => (peer_hello, self.hello.as_slice()),
        };
        let transcript: [u8; 32] = Sha256::new()
            .chain_update(TRANSCRIPT_DOMAIN)
            .chain_update(host_hello)
            .chain_update(guest_hello)
            .finalize()
            .into();
        let mut ikm = Zeroizing::new([0u8; 64]);
        ikm[..32].copy_from_slice(self.secret.as_slice());
        ikm[32..].copy_from_slice(shared.compress().as_bytes());
        Ok(Channel::new(Keys::derive(ikm.as_slice(), &transcript), self.role))
    }
}

/// Checks a handshake frame's kind, version, length, tag and role; returns it.
fn check_frame<'a>(
    secret: &[u8; 32],
    own_role: Role,
    kind: u8,
    len: usize,
    tag_at: usize,
    frame: &'a [u8],
) -> Result<&'a [u8], SealError> {
    if frame.first() != Some(&kind) {
        return Err(SealError::WrongKind);
    }
    if frame.len() < 2 {
        return Err(SealError::Truncated { len: frame.len(), min: len });
    }
    // The version is read before the tag so that a partner on another release gets a
    // message naming the versions, not "not authentic".
    if frame[1] != VERSION {
        return Err(SealError::UnsupportedVersion { found: frame[1] });
    }
    if frame.len() != len {
        return Err(SealError::Truncated { len: frame.len(), min: len });
    }
    let mut mac = hello_mac(secret)?;
    mac.update(&frame[..tag_at]);
    mac.verify_slice(&frame[tag_at..]).map_err(|_| SealError::HelloNotAuthentic)?;
    let peer_role = Role::from_byte(frame[2]).ok_or(SealError::HelloNotAuthentic)?;
    if peer_role == own_role {
        return Err(SealError::SameRole);
    }
    Ok(frame)
}

/// `SHA-256("cleanmatch-v1 commit" ‖ hello)`.
fn commitment(hello: &[u8]) -> [u8; 32] {
    Sha256::new().chain_update(COMMIT_DOMAIN).chain_update(hello).finalize().into()
}

/// The HMAC that authenticates hellos and commits, keyed from the invite secret.
///
/// # Errors
/// HMAC takes keys of any length, so this cannot fail; the error arm only spares an
/// `unwrap` and makes any hello count as not authentic.
fn hello_mac(secret: &[u8; 32]) -> Result<Hmac<Sha256>, SealError> {
    let mut key = Zeroizing::new([0u8; 32]);
    expand(secret, HELLO_INFO, key.as_mut_slice());
    <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_slice()).map_err(|_| SealError::HelloNotAuthentic)
}

fn hello_tag(secret: &[u8; 32], body: &[u8]) -> Result<[u8; 32], SealError> {
    let mut mac = hello_mac(secret)?;
    mac.update(body);
    Ok(mac.finalize().into_bytes().into())
}
