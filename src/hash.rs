//! Digests and group elements.
//!
//! Every identifier becomes `sha256(normalized)` on its owner's machine; that digest is
//! then mapped to ristretto255 with a per-kind domain separation tag:
//!
//! `P = hash_to_ristretto255(digest, DST = "cleanmatch-v1:<kind>")`
//!
//! 1. `uniform = expand_message_xmd(digest, DST, 64)` with SHA-512 (RFC 9380 §5.3.1);
//! 2. `P = one-way map(uniform)` (RFC 9496 §4.3.4), which curve25519-dalek implements as
//!    [`RistrettoPoint::from_uniform_bytes`].
//!
//! This is the `hash_to_ristretto255` suite of RFC 9380 §6.8.1 / RFC 9497, so the same
//! digest maps to the same point for every partner and no one knows its discrete log.

use curve25519_dalek::ristretto::RistrettoPoint;
use sha2::{Digest, Sha256, Sha512};

/// Prefix of every domain separation tag; the kind name follows it.
pub const DST_PREFIX: &str = "cleanmatch-v1:";

/// SHA-256 of a normalized identifier.
pub fn sha256(normalized: &[u8]) -> [u8; 32] {
    Sha256::digest(normalized).into()
}

/// The domain separation tag for a match key kind, e.g. `cleanmatch-v1:email`.
pub fn dst(kind: &str) -> Vec<u8> {
    let mut dst = Vec::with_capacity(DST_PREFIX.len() + kind.len());
    dst.extend_from_slice(DST_PREFIX.as_bytes());
    dst.extend_from_slice(kind.as_bytes());
    dst
}

/// RFC 9380 §5.3.1 `expand_message_xmd` with SHA-512, fixed to the 64 bytes that the
/// ristretto255 map takes (so `ell = 1`: a single `b_1` block).
///
/// DSTs longer than 255 bytes are hashed first as §5.3.3 requires.
pub fn expand_message_xmd_sha512(msg: &[u8], dst: &[u8]) -> [u8; 64] {
    const LEN: usize = 64;
    let long_dst;
    let dst: &[u8] = if dst.len() > 255 {
        // §5.3.3: DST' = H("H2C-OVERSIZE-DST-" || DST)
        let mut h = Sha512::new();
        h.update(b"H2C-OVERSIZE-DST-");
        h.update(dst);
        long_dst = h.finalize();
        &long_dst
    } else {
        dst
    };
    // dst.len() <= 255 here, so the cast is lossless.
    let dst_len = [dst.len() as u8];
    // b_0 = H(Z_pad || msg || l_i_b_str || I2OSP(0, 1) || DST_prime)
    let mut h = Sha512::new();
    h.update([0u8; 128]); // Z_pad: the SHA-512 block size
    h.update(msg);
    h.update((LEN as u16).to_be_bytes());
    h.update([0u8]);
    h.update(dst);
    h.update(dst_len);
    let b0 = h.finalize();
    // b_1 = H(b_0 || I2OSP(1, 1) || DST_prime)
    let mut h = Sha512::new();
    h.update(b0);
    h.update([1u8]);
    h.update(dst);
    h.update(dst_len);
    h.finalize().into()
}

/// Maps a digest to ristretto255 under the domain of `kind` (a match key name such as
/// `email`). Total: every input maps to a point.
pub fn hash_to_group(kind: &str, digest: &[u8]) -> RistrettoPoint {
    let uniform = expand_message_xmd_sha512(digest, &dst(kind));
    RistrettoPoint::from_uniform_bytes(&uniform)
}
