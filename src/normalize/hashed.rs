//! `sha256`: an already-hashed identifier, so a partner holding only
//! `sha256(normalized email)` can match one holding the email.
//!
//! Accepted, as the rules allow: 64 hex digits in either case, or 44 characters of
//! standard padded base64 (RFC 4648 §4). Base64 must be canonical: a 32-byte value
//! leaves two unused bits in the last character, which must be zero, so each digest has
//! exactly one accepted spelling per encoding. The normalized form is lowercase hex.

use super::rules::DigestRules;
use super::NormalizeError;

/// Decodes a hex or base64 SHA-256 digest under `rules`.
pub(super) fn decode(rules: &DigestRules, raw: &str) -> Result<[u8; 32], NormalizeError> {
    let s = raw.trim();
    match s.len() {
        0 => Err(NormalizeError::Empty),
        64 if rules.hex => hex(s.as_bytes()),
        44 if rules.base64 => base64(s.as_bytes()),
        _ => Err(NormalizeError::Invalid(match (rules.hex, rules.base64) {
            (true, true) => "not a SHA-256 digest (64 hex or 44 base64 characters)",
            (true, false) => "not a SHA-256 digest (64 hex characters)",
            (false, true) => "not a SHA-256 digest (44 base64 characters)",
            (false, false) => "pre-hashed values are not accepted by this preset",
        })),
    }
}

fn hex(s: &[u8]) -> Result<[u8; 32], NormalizeError> {
    let nibble = |c: u8| char::from(c).to_digit(16).ok_or(NormalizeError::Invalid("not a hex digit in a SHA-256 digest"));
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(s.chunks_exact(2)) {
        // to_digit(16) is at most 15, so the narrowing is lossless.
        *byte = (nibble(pair[0])? << 4 | nibble(pair[1])?) as u8;
    }
    Ok(out)
}

fn base64(s: &[u8]) -> Result<[u8; 32], NormalizeError> {
    let bad = NormalizeError::Invalid("not base64 (standard alphabet, padded) in a SHA-256 digest");
    let sextet = |c: u8| -> Result<u32, NormalizeError> {
        Ok(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return Err(bad.clone()),
        }))
    };
    // 32 bytes = 10 full groups of 3 bytes (40 chars) + 2 bytes (3 chars + '=').
    let (body, pad) = s.split_at(43);
    if pad != b"=" {
        return Err(bad);
    }
    let mut out = [0u8; 32];
    let mut acc: u32 = 0;
    let mut bits = 0;
    let mut n = 0;
    for &c in body {
        acc = (acc << 6) | sextet(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            if let Some(slot) = out.get_mut(n) {
                *slot = (acc >> bits) as u8;
            }
            n += 1;
            acc &= (1 << bits) - 1;
        }
    }
    // 43 characters carry 258 bits: 256 for the digest and 2 that must be zero.
    if acc != 0 {
        return Err(NormalizeError::Invalid("non-canonical base64: unused bits are not zero"));
    }
    Ok(out)
}
