//! The sealed channel: ChaCha20-Poly1305 frames with counters as nonces.

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use super::{Role, SealError, KIND_CONTROL, KIND_DATA};

/// Kind byte plus the 8-byte big-endian counter; both are authenticated as AAD.
pub const HEADER_LEN: usize = 9;
/// The Poly1305 tag that ends every sealed frame.
pub const TAG_LEN: usize = 16;

/// The keys one handshake yields, before they are assigned to send and receive.
pub(crate) struct Keys {
    host_to_guest: ChaCha20Poly1305,
    guest_to_host: ChaCha20Poly1305,
    host_to_guest_control: ChaCha20Poly1305,
    guest_to_host_control: ChaCha20Poly1305,
    code: u32,
}

impl Keys {
    /// HKDF-SHA256(salt = transcript, ikm = secret ‖ DH), one expansion per key with the
    /// purpose label and the transcript as info.
    pub(crate) fn derive(ikm: &[u8], transcript: &[u8; 32]) -> Keys {
        let raw = RawKeys::derive(ikm, transcript);
        let cipher = |k: &Zeroizing<[u8; 32]>| ChaCha20Poly1305::new(&(**k).into());
        Keys {
            host_to_guest: cipher(&raw.host_to_guest),
            guest_to_host: cipher(&raw.guest_to_host),
            host_to_guest_control: cipher(&raw.host_to_guest_control),
            guest_to_host_control: cipher(&raw.guest_to_host_control),
            code: raw.code,
        }
    }
}

/// The key bytes behind [`Keys`]; outside this file only `seal::danger` sees them.
pub(crate) struct RawKeys {
    pub(crate) host_to_guest: Zeroizing<[u8; 32]>,
    pub(crate) guest_to_host: Zeroizing<[u8; 32]>,
    pub(crate) host_to_guest_control: Zeroizing<[u8; 32]>,
    pub(crate) guest_to_host_control: Zeroizing<[u8; 32]>,
    pub(crate) code: u32,
}

impl RawKeys {
    /// See [`Keys::derive`].
    pub(crate) fn derive(ikm: &[u8], transcript: &[u8; 32]) -> RawKeys {
        let hk = Hkdf::<Sha256>::new(Some(transcript), ikm);
        let key = |label: &[u8]| {
            let mut k = Zeroizing::new([0u8; 32]);
            // 32 bytes is far below HKDF's limit, so expansion cannot fail.
            let _ = hk.expand_multi_info(&[b"cleanmatch-v1 ", label, transcript], k.as_mut_slice());
            k
        };
        let mut code = Zeroizing::new([0u8; 8]);
        let _ = hk.expand_multi_info(&[b"cleanmatch-v1 code", transcript], code.as_mut_slice());
        // u64 mod 10^6: the bias is below 2^-44, invisible in a 6-digit code.
        let code = (u64::from_be_bytes(*code) % 1_000_000) as u32;
        RawKeys {
            host_to_guest: key(b"host-to-guest data"),
            guest_to_host: key(b"guest-to-host data"),
            host_to_guest_control: key(b"host-to-guest control"),
            guest_to_host_control: key(b"guest-to-host control"),
            code,
        }
    }
}

/// An established end-to-end channel (see the [module docs](super) for the frame format).
///
/// Data frames must arrive in order, each exactly once; control frames (acknowledgements,
/// resume requests) have their own keys and counters and may skip counters, so a side
/// can send the latest acknowledgement without the receiver stalling on a lost one.
/// Keys are wiped when the channel is dropped.
pub struct Channel {
    send: ChaCha20Poly1305,
    recv: ChaCha20Poly1305,
    send_control: ChaCha20Poly1305,
    recv_control: ChaCha20Poly1305,
    code: u32,
    sent: u64,
    received: u64,
    control_sent: u64,
    control_last: Option<u64>,
}

impl core::fmt::Debug for Channel {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Channel").field("sent", &self.sent).field("received", &self.received).finish_non_exhaustive()
    }
}

impl Channel {
    pub(crate) fn new(keys: Keys, role: Role) -> Channel {
        let Keys { host_to_guest, guest_to_host, host_to_guest_control, guest_to_host_control, code } = keys;
        let (send, recv, send_control, recv_control) = match role {
            Role::Host => (host_to_guest, guest_to_host, host_to_guest_control, guest_to_host_control),
            Role::Guest => (guest_to_host, host_to_guest, guest_to_host_control, host_to_guest_control),
        };
        Channel { send, recv, send_control, recv_control, code, sent: 0, received: 0, control_sent: 0, control_last: None }
    }

    /// The six-digit code both pages show, as `"123 456"`. Equal codes mean both sides
    /// completed the handshake with each other and no one in between.
    pub fn verification_code(&self) -> String {
        format_code(self.code)
    }

    /// Seals one data frame: `'D' ‖ counter ‖ ciphertext ‖ tag`, the counter being the
    /// number of data frames sealed before this one.
    ///
    /// Never fails for frames a relay accepts. If the cipher refuses the input (over
    /// 256 GiB), the frame is returned without its body, which the peer rejects as
    /// truncated; the counter still advances so that no nonce is ever reused.
    pub fn seal(&mut self, plaintext: &[u8]) -> Vec<u8> {
        let counter = self.sent;
        // 2^64 frames cannot be sent in any session's lifetime; saturating keeps the
        // arithmetic total without a panic path.
        self.sent = self.sent.saturating_add(1);
        seal_frame(&self.send, KIND_DATA, counter, plaintext)
    }

    /// Opens the next data frame from the peer.
    ///
    /// # Errors
    /// - [`SealError::Truncated`] if shorter than header and tag;
    /// - [`SealError::WrongKind`] if it is not a data frame;
    /// - [`SealError::Replayed`] if its counter was already received (harmless after a
    ///   reconnect: the peer resent what this side had; skip it);
    /// - [`SealError::OutOfOrder`] if it skips ahead of the next expected counter;
    /// - [`SealError::Forged`] if authentication fails.
    ///
    /// A refused frame changes nothing: the next expected counter stays the same.
    pub fn open(&mut self, frame: &[u8]) -> Result<Vec<u8>, SealError> {
        let counter = header(frame, KIND_DATA)?;
        let expected = self.received;
        if counter < expected {
            return Err(SealError::Replayed { expected, found: counter });
        }
        if counter > expected {
            return Err(SealError::OutOfOrder { expected, found: counter });
        }
        let plain = open_frame(&self.recv, frame, counter)?;
        self.received = self.received.saturating_add(1);
        Ok(plain)
    }

    /// Seals one control frame (`'C'`, own key and counter).
    ///
    /// Never fails for frames a relay accepts; see [`Channel::seal`].
    pub fn seal_control(&mut self, plaintext: &[u8]) -> Vec<u8> {
        let counter = self.control_sent;
        self.control_sent = self.control_sent.saturating_add(1);
        seal_frame(&self.send_control, KIND_CONTROL, counter, plaintext)
    }

    /// Opens a control frame: its counter must exceed the last accepted one (gaps allowed).
    ///
    /// # Errors
    /// [`SealError::Truncated`], [`SealError::WrongKind`], [`SealError::ControlReplayed`]
    /// (counter not above the last accepted), [`SealError::Forged`]. A refused frame
    /// changes nothing.
    pub fn open_control(&mut self, frame: &[u8]) -> Result<Vec<u8>, SealError> {
        let counter = header(frame, KIND_CONTROL)?;
        if let Some(last) = self.control_last {
            if counter <= last {
                return Err(SealError::ControlReplayed { last, found: counter });
            }
        }
        let plain = open_frame(&self.recv_control, frame, counter)?;
        self.control_last = Some(counter);
        Ok(plain)
    }

    /// Data frames sealed so far (the counter of the next one).
    pub fn sent_count(&self) -> u64 {
        self.sent
    }

    /// Data frames opened so far (the counter expected next).
    pub fn received_count(&self) -> u64 {
        self.received
    }
}

/// `123456` as `"123 456"`.
pub(super) fn format_code(code: u32) -> String {
    format!("{:03} {:03}", code / 1000, code % 1000)
}

/// Nonce: four zero bytes then the big-endian counter. Unique per key because each
/// direction and purpose has its own key and counters only go up.
fn nonce(counter: u64) -> Nonce {
    let mut n = [0u8; 12];
    n[4..].copy_from_slice(&counter.to_be_bytes());
    n.into()
}

pub(super) fn seal_frame(cipher: &ChaCha20Poly1305, kind: u8, counter: u64, plaintext: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(HEADER_LEN + plaintext.len() + TAG_LEN);
    frame.push(kind);
    frame.extend_from_slice(&counter.to_be_bytes());
    frame.extend_from_slice(plaintext);
    let (aad, body) = frame.split_at_mut(HEADER_LEN);
    match cipher.encrypt_inout_detached(&nonce(counter), aad, body.into()) {
        Ok(tag) => frame.extend_from_slice(&tag),
        // Only inputs over the cipher's length limit land here; never emit them in clear.
        Err(_) => frame.truncate(HEADER_LEN),
    }
    frame
}

/// Checks length and kind and returns the counter.
pub(super) fn header(frame: &[u8], kind: u8) -> Result<u64, SealError> {
    if frame.len() < HEADER_LEN + TAG_LEN {
        return Err(SealError::Truncated { len: frame.len(), min: HEADER_LEN + TAG_LEN });
    }
    if frame[0] != kind {
        return Err(SealError::WrongKind);
    }
    let mut c = [0u8; 8];
    c.copy_from_slice(&frame[1..HEADER_LEN]);
    Ok(u64::from_be_bytes(c))
}

pub(super) fn open_frame(cipher: &ChaCha20Poly1305, frame: &[u8], counter: u64) -> Result<Vec<u8>, SealError> {
    let (aad, rest) = frame.split_at(HEADER_LEN);
    let (body, tag) = rest.split_at(rest.len() - TAG_LEN);
    let mut plain = body.to_vec();
    let tag = <[u8; TAG_LEN]>::try_from(tag).map_err(|_| SealError::Forged)?;
    cipher
        .decrypt_inout_detached(&nonce(counter), aad, plain.as_mut_slice().into(), &tag.into())
        .map_err(|_| SealError::Forged)?;
    Ok(plain)
}
