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

/// Lowercase hex of `bytes`, as digests are printed and compared in vectors.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
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
    let mut out = [0u8; 64];
    expand_message_xmd_sha512_into(msg, dst, &mut out);
    out
}

/// `expand_message_xmd` with SHA-512 for any `len_in_bytes` the RFC allows (1 to
/// 255 blocks of 64 bytes), written into `out`. Kept private: only the 64-byte form is
/// part of the protocol; the general form exists so the RFC's 32- and 128-byte test
/// vectors can check the same code.
fn expand_message_xmd_sha512_into(msg: &[u8], dst: &[u8], out: &mut [u8]) {
    const B_IN_BYTES: usize = 64; // SHA-512 output size
    const S_IN_BYTES: usize = 128; // SHA-512 block size
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
    // Step 2: ell = ceil(len_in_bytes / b_in_bytes) must not exceed 255; len_in_bytes
    // must fit in two bytes. Out-of-range lengths are a caller bug in this private
    // helper; produce nothing rather than panic.
    let ell = out.len().div_ceil(B_IN_BYTES);
    let Ok(len_in_bytes) = u16::try_from(out.len()) else { return };
    if ell == 0 || ell > 255 {
        return;
    }
    // b_0 = H(Z_pad || msg || l_i_b_str || I2OSP(0, 1) || DST_prime)
    let mut h = Sha512::new();
    h.update([0u8; S_IN_BYTES]);
    h.update(msg);
    h.update(len_in_bytes.to_be_bytes());
    h.update([0u8]);
    h.update(dst);
    h.update(dst_len);
    let b0 = h.finalize();
    // b_1 = H(b_0 || I2OSP(1, 1) || DST_prime);
    // b_i = H(strxor(b_0, b_(i - 1)) || I2OSP(i, 1) || DST_prime)
    let mut prev = [0u8; B_IN_BYTES];
    for (i, chunk) in (1u8..=255).zip(out.chunks_mut(B_IN_BYTES)) {
        let mut h = Sha512::new();
        if i == 1 {
            h.update(b0);
        } else {
            let mixed: Vec<u8> = b0.iter().zip(prev.iter()).map(|(a, b)| a ^ b).collect();
            h.update(&mixed);
        }
        h.update([i]);
        h.update(dst);
        h.update(dst_len);
        prev.copy_from_slice(&h.finalize());
        chunk.copy_from_slice(&prev[..chunk.len()]);
    }
}

/// Maps a digest to ristretto255 under the domain of `kind` (a match key name such as
/// `email`). Total: every input maps to a point.
pub fn hash_to_group(kind: &str, digest: &[u8]) -> RistrettoPoint {
    let uniform = expand_message_xmd_sha512(digest, &dst(kind));
    RistrettoPoint::from_uniform_bytes(&uniform)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    //! Published vectors, kept as data under `tests/vectors/` (one case per line, with a
    //! comment). Each runner names the failing file, line and case and refuses an empty
    //! file, so a truncated vector file cannot pass silently.

    use super::*;
    use curve25519_dalek::ristretto::CompressedRistretto;
    use curve25519_dalek::Scalar;

    fn unhex(s: &str) -> Vec<u8> {
        assert!(s.len() % 2 == 0, "odd-length hex");
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
    }

    /// Non-comment lines of a vector file as `(line number, fields)`; panics on an empty
    /// set or a row with the wrong number of fields.
    fn rows(file: &str, text: &str, fields: usize) -> Vec<(usize, Vec<String>)> {
        let rows: Vec<(usize, Vec<String>)> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty())
            .map(|(i, l)| {
                let f: Vec<String> = l.split('\t').map(str::to_string).collect();
                assert_eq!(f.len(), fields, "{file}:{}: expected {fields} tab-separated fields", i + 1);
                (i + 1, f)
            })
            .collect();
        assert!(!rows.is_empty(), "{file}: no vectors");
        rows
    }

    #[test]
    fn rfc9380_expand_message_xmd_sha512() {
        let file = "tests/vectors/expand_message_xmd_sha512.tsv";
        let text = include_str!("../tests/vectors/expand_message_xmd_sha512.tsv");
        for (line, f) in rows(file, text, 5) {
            let len: usize = f[2].parse().expect("len_in_bytes");
            let mut out = vec![0u8; len];
            expand_message_xmd_sha512_into(f[1].as_bytes(), f[0].as_bytes(), &mut out);
            assert_eq!(to_hex(&out), f[3], "{file}:{line}: {}", f[4]);
        }
    }

    #[test]
    fn fixed_64_byte_expand_is_the_general_one() {
        let mut general = [0u8; 64];
        expand_message_xmd_sha512_into(b"abc", b"QUUX-V01-CS02-with-expander-SHA512-256", &mut general);
        assert_eq!(expand_message_xmd_sha512(b"abc", b"QUUX-V01-CS02-with-expander-SHA512-256"), general);
    }

    #[test]
    fn oversize_dst_is_hashed() {
        // §5.3.3: a 256-byte DST behaves as H("H2C-OVERSIZE-DST-" || DST).
        let long = [b'x'; 256];
        let mut h = Sha512::new();
        h.update(b"H2C-OVERSIZE-DST-");
        h.update(long);
        let short = h.finalize();
        assert_eq!(expand_message_xmd_sha512(b"m", &long), expand_message_xmd_sha512(b"m", &short));
    }

    #[test]
    fn rfc9496_one_way_map() {
        let file = "tests/vectors/ristretto255_one_way_map.tsv";
        let text = include_str!("../tests/vectors/ristretto255_one_way_map.tsv");
        for (line, f) in rows(file, text, 3) {
            let uniform: [u8; 64] = unhex(&f[0]).try_into().expect("64 bytes");
            let point = RistrettoPoint::from_uniform_bytes(&uniform);
            assert_eq!(to_hex(point.compress().as_bytes()), f[1], "{file}:{line}: {}", f[2]);
        }
    }

    #[test]
    fn hash_to_ristretto255_through_oprf_vectors() {
        let file = "tests/vectors/hash_to_ristretto255_oprf.tsv";
        let text = include_str!("../tests/vectors/hash_to_ristretto255_oprf.tsv");
        for (line, f) in rows(file, text, 5) {
            let point = RistrettoPoint::from_uniform_bytes(&expand_message_xmd_sha512(&unhex(&f[1]), &unhex(&f[0])));
            let blind: [u8; 32] = unhex(&f[2]).try_into().expect("32 bytes");
            let blind = Option::<Scalar>::from(Scalar::from_canonical_bytes(blind)).expect("canonical scalar");
            let expected = CompressedRistretto(unhex(&f[3]).try_into().expect("32 bytes"));
            assert_eq!((blind * point).compress(), expected, "{file}:{line}: {}", f[4]);
        }
    }

    #[test]
    fn hash_to_group_uses_the_kind_dst() {
        let digest = sha256(b"user@example.com");
        let by_hand = RistrettoPoint::from_uniform_bytes(&expand_message_xmd_sha512(&digest, b"cleanmatch-v1:email"));
        assert_eq!(hash_to_group("email", &digest), by_hand);
        assert_ne!(hash_to_group("phone", &digest), by_hand);
    }

    #[test]
    fn hex_is_lowercase() {
        assert_eq!(to_hex(&[0x00, 0xab, 0xff]), "00abff");
    }
}
