//! The handshake: one hello each way, then both sides hold the same [`Channel`].

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use hkdf::hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use super::channel::{Channel, Keys};
use super::invite::expand;
use super::{Invite, Role, SealError, KIND_HELLO, VERSION};

/// HKDF info of the key that authenticates hellos.
const HELLO_INFO: &[u8] = b"cleanmatch-v1 hello";
/// Domain prefix of the transcript hash.
const TRANSCRIPT_DOMAIN: &[u8] = b"cleanmatch-v1 transcript";

/// Hello layout: kind, version, role, ephemeral public key, nonce, then the tag.
const KEY_AT: usize = 3;
const NONCE_AT: usize = KEY_AT + 32;
const TAG_AT: usize = NONCE_AT + 16;
/// Length of a hello frame in bytes.
pub const HELLO_LEN: usize = TAG_AT + 32;

/// One side's half-finished handshake: holds the ephemeral scalar until the peer's hello
/// arrives. The scalar and the copy of the invite secret are wiped on drop.
pub struct Handshake {
    secret: Zeroizing<[u8; 32]>,
    role: Role,
    scalar: Scalar,
    hello: Vec<u8>,
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
    /// the state to keep and the hello frame to send to the peer.
    ///
    /// The hello is `'H' ‖ version ‖ role ‖ ephemeral public key ‖ 16-byte nonce`
    /// followed by an HMAC-SHA256 tag under a key derived from the invite secret, so the
    /// relay (which knows only the room id) can neither forge nor alter it.
    ///
    /// # Errors
    /// [`SealError::Randomness`] if no random bytes are available.
    pub fn start(invite: &Invite, role: Role) -> Result<(Handshake, Vec<u8>), SealError> {
        let mut random = Zeroizing::new([0u8; 64 + 16]);
        getrandom::fill(random.as_mut_slice()).map_err(|_| SealError::Randomness)?;
        let mut wide = Zeroizing::new([0u8; 64]);
        wide.copy_from_slice(&random[..64]);
        let scalar = Scalar::from_bytes_mod_order_wide(&wide);
        let mut nonce = [0u8; 16];
        nonce.copy_from_slice(&random[64..]);
        Handshake::start_with(invite, role, scalar, &nonce)
    }

    /// [`Handshake::start`] with the ephemeral scalar and nonce given: only the protocol
    /// vectors reach it, through `seal::danger`.
    pub(super) fn start_with(invite: &Invite, role: Role, scalar: Scalar, nonce: &[u8; 16]) -> Result<(Handshake, Vec<u8>), SealError> {
        let public = RistrettoPoint::mul_base(&scalar).compress();
        let mut hello = Vec::with_capacity(HELLO_LEN);
        hello.extend_from_slice(&[KIND_HELLO, VERSION, role.byte()]);
        hello.extend_from_slice(public.as_bytes());
        hello.extend_from_slice(nonce);
        let tag = hello_tag(invite.secret(), &hello)?;
        hello.extend_from_slice(&tag);
        let hs = Handshake { secret: Zeroizing::new(*invite.secret()), role, scalar, hello: hello.clone() };
        Ok((hs, hello))
    }

    /// The role this side started with.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Checks the peer's hello and derives the channel.
    ///
    /// Keys: `transcript = SHA-256("cleanmatch-v1 transcript" ‖ host hello ‖ guest hello)`,
    /// then HKDF-SHA256 with the transcript as salt over `secret ‖ DH(ephemeral keys)`,
    /// one key per direction (host→guest, guest→host) and purpose (data, control), plus
    /// the verification code. Someone holding the invite who sits in the middle runs two
    /// handshakes with different transcripts, so the two pages show different codes.
    ///
    /// # Errors
    /// - [`SealError::Truncated`] / [`SealError::WrongKind`] if it is not a hello frame;
    /// - [`SealError::UnsupportedVersion`] if the peer speaks another version;
    /// - [`SealError::HelloNotAuthentic`] if it was not made with this invite;
    /// - [`SealError::SameRole`] if both sides claim the same role;
    /// - [`SealError::InvalidKey`] if the ephemeral key is not a canonical, non-identity point.
    pub fn finish(self, peer_hello: &[u8]) -> Result<Channel, SealError> {
        let (ikm, transcript) = self.key_material(peer_hello)?;
        Ok(Channel::new(Keys::derive(ikm.as_slice(), &transcript), self.role))
    }

    /// Checks the peer's hello (errors as [`Handshake::finish`]) and returns the HKDF
    /// input `secret ‖ DH` and the transcript hash the channel keys are derived from.
    pub(super) fn key_material(&self, peer_hello: &[u8]) -> Result<(Zeroizing<[u8; 64]>, [u8; 32]), SealError> {
        if peer_hello.first() != Some(&KIND_HELLO) {
            return Err(SealError::WrongKind);
        }
        if peer_hello.len() < 2 {
            return Err(SealError::Truncated { len: peer_hello.len(), min: HELLO_LEN });
        }
        // The version is read before the tag so that a partner on another release gets a
        // message naming the versions, not "not authentic".
        if peer_hello[1] != VERSION {
            return Err(SealError::UnsupportedVersion { found: peer_hello[1] });
        }
        if peer_hello.len() != HELLO_LEN {
            return Err(SealError::Truncated { len: peer_hello.len(), min: HELLO_LEN });
        }
        let mut mac = hello_mac(&self.secret)?;
        mac.update(&peer_hello[..TAG_AT]);
        mac.verify_slice(&peer_hello[TAG_AT..]).map_err(|_| SealError::HelloNotAuthentic)?;
        let peer_role = Role::from_byte(peer_hello[2]).ok_or(SealError::HelloNotAuthentic)?;
        if peer_role == self.role {
            return Err(SealError::SameRole);
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
        Ok((ikm, transcript))
    }
}

/// The HMAC that authenticates hellos, keyed from the invite secret.
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
