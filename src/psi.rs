//! The matching protocol's arithmetic: symmetric ECDH private set intersection on
//! ristretto255.
//!
//! Two parties, host `A` with secret scalar `a` and guest `B` with `b`, each holding
//! records with one or more match keys (email, phone, ...):
//!
//! 1. Each side maps every key value to the group, `H(x) = hash_to_group(key, sha256(x))`
//!    ([`crate::hash`]), and **blinds** it with its secret: `A` sends `H(x)·a` for its
//!    records in a random order ([`blind_batch`]); `B` sends `H(y)·b`.
//! 2. Each side **evaluates** the partner's points with its own secret and returns them
//!    truncated to 12 bytes ([`evaluate_batch`]): `B` returns `H(x)·a·b` to `A`, `A`
//!    returns `H(y)·b·a` to `B`. In `aggregate` mode the returned values are shuffled
//!    within each breakdown group, in `audience` mode they come back in the order received.
//! 3. Each side now holds its own values double-blinded (returned) and the partner's
//!    (evaluated locally); equal 12-byte values are matches ([`crate::report`]).
//!
//! What each side learns: the partner's record count per group and key and how many
//! values of each key each record holds (sizes are visible in PSI) and the aggregate report; in `audience` mode also which of its own
//! records matched. Neither side learns the partner's identifiers: a blinded point
//! `H(y)·b` is a uniformly random group element to anyone without `b`, and the secret
//! scalars never leave their owner (they are zeroized on drop).
//!
//! Speed: every output point is compressed, which costs a field inversion. Blinding and
//! evaluation multiply by `s/2` and let [`RistrettoPoint::double_and_compress_batch`]
//! double and compress a whole batch with one inversion (Montgomery's trick), which gives
//! `compress(P·s)` for every point at a fraction of the per-point cost.
//!
//! ```
//! use cleanmatch::psi::{blind_batch, evaluate_batch, MatchKey, Secret};
//! let (a, b) = (Secret::random()?, Secret::random()?);
//! let digest = cleanmatch::hash::sha256(b"jane@example.com");
//! // A blinds, B evaluates A's point; B blinds, A evaluates B's point.
//! let from_a = blind_batch(&a, MatchKey::Email, &digest)?;
//! let from_b = blind_batch(&b, MatchKey::Email, &digest)?;
//! let a_doubled = evaluate_batch(&b, &from_a)?;
//! let b_doubled = evaluate_batch(&a, &from_b)?;
//! assert_eq!(a_doubled, b_doubled); // the same person on both sides
//! # Ok::<(), cleanmatch::psi::PsiError>(())
//! ```

mod error;
mod key;
mod own_set;
mod party;
mod secret;
mod shuffle;

pub use error::PsiError;
pub use key::{KeyCounts, KeyMask, MatchKey, MAX_VALUES_PER_KEY};
pub use own_set::{BreakdownError, FlatRecords, OwnSet, ALL};
pub use party::{JoinInput, JoinOutcome, Op, Party, PartyError, Progress, ProtocolViolation, Task, Whose, CHUNK, UNMATCHED};
pub(crate) use own_set::check_breakdown;
pub use secret::Secret;
pub use shuffle::{shuffle, Shuffler};

use crate::hash::hash_to_group;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::traits::IsIdentity;

/// Bytes of a compressed ristretto255 point.
pub const POINT_LEN: usize = 32;
/// Bytes of a returned, double-blinded value: the compressed point truncated to 96 bits.
/// At a million records per side a false match has probability about 2⁻⁵⁶.
pub const VALUE_LEN: usize = 12;
/// Bytes of a SHA-256 digest.
pub const DIGEST_LEN: usize = 32;

/// Blinds digests of one key: `hash_to_group(key, d)·s`, compressed.
///
/// `digests` holds `n` 32-byte SHA-256 digests back to back; the result holds `n`
/// 32-byte compressed points in the same order.
///
/// # Errors
/// [`PsiError::Length`] if `digests` is not a multiple of 32 bytes.
pub fn blind_batch(secret: &Secret, key: MatchKey, digests: &[u8]) -> Result<Vec<u8>, PsiError> {
    if digests.len() % DIGEST_LEN != 0 {
        return Err(PsiError::Length { len: digests.len(), multiple_of: DIGEST_LEN });
    }
    let halved: Vec<RistrettoPoint> = digests
        .chunks_exact(DIGEST_LEN)
        .map(|d| hash_to_group(key.as_str(), d) * secret.half())
        .collect();
    let mut out = Vec::with_capacity(digests.len());
    for p in RistrettoPoint::double_and_compress_batch(&halved) {
        out.extend_from_slice(p.as_bytes());
    }
    Ok(out)
}

/// Evaluates a partner's blinded points with this side's secret and truncates the
/// results: `(P·s)[..12]` for every 32-byte point `P`.
///
/// # Errors
/// [`PsiError::Length`] if `points` is not a multiple of 32 bytes;
/// [`PsiError::InvalidPoint`] (with the index of the first bad point) for a
/// non-canonical encoding or the identity, which an honest partner never sends.
pub fn evaluate_batch(secret: &Secret, points: &[u8]) -> Result<Vec<u8>, PsiError> {
    if points.len() % POINT_LEN != 0 {
        return Err(PsiError::Length { len: points.len(), multiple_of: POINT_LEN });
    }
    let mut halved = Vec::with_capacity(points.len() / POINT_LEN);
    for (index, bytes) in points.chunks_exact(POINT_LEN).enumerate() {
        let point = CompressedRistretto::from_slice(bytes)
            .ok()
            .and_then(|c| c.decompress())
            .filter(|p| !p.is_identity())
            .ok_or(PsiError::InvalidPoint { index })?;
        halved.push(point * secret.half());
    }
    let mut out = Vec::with_capacity(halved.len() * VALUE_LEN);
    for p in RistrettoPoint::double_and_compress_batch(&halved) {
        out.extend_from_slice(&p.as_bytes()[..VALUE_LEN]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
