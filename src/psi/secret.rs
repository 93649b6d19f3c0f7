//! The per-run secret scalar.

use super::PsiError;
use curve25519_dalek::scalar::Scalar;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A party's secret scalar `s` for one run, with `s/2` precomputed for batch
/// compression. Zeroized on drop; drawn fresh for every run.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Secret {
    scalar: Scalar,
    half: Scalar,
}

impl Secret {
    /// Draws a fresh uniformly random non-zero scalar.
    ///
    /// # Errors
    /// [`PsiError::Randomness`] if the platform has no secure random source.
    pub fn random() -> Result<Secret, PsiError> {
        loop {
            let mut wide = [0u8; 64];
            getrandom::fill(&mut wide).map_err(|_| PsiError::Randomness)?;
            let scalar = Scalar::from_bytes_mod_order_wide(&wide);
            wide.zeroize();
            if scalar != Scalar::ZERO {
                return Ok(Secret::from_scalar(scalar));
            }
        }
    }

    /// Rebuilds a secret from [`Secret::to_bytes`], e.g. in a worker that shares the
    /// run's scalar.
    ///
    /// # Errors
    /// [`PsiError::InvalidSecret`] unless `bytes` is a canonical non-zero scalar.
    pub fn from_bytes(bytes: &[u8]) -> Result<Secret, PsiError> {
        let arr: [u8; 32] = bytes.try_into().map_err(|_| PsiError::InvalidSecret)?;
        let scalar = Option::<Scalar>::from(Scalar::from_canonical_bytes(arr))
            .filter(|s| *s != Scalar::ZERO)
            .ok_or(PsiError::InvalidSecret)?;
        Ok(Secret::from_scalar(scalar))
    }

    /// The scalar's canonical encoding. Handle with care: whoever holds it can undo
    /// this side's blinding.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.scalar.to_bytes()
    }

    fn from_scalar(scalar: Scalar) -> Secret {
        // 2 is invertible modulo the prime group order, so s/2 always exists.
        let half = scalar * Scalar::from(2u8).invert();
        Secret { scalar, half }
    }

    /// `s/2`: multiplying by it and then doubling gives `·s`.
    pub(crate) fn half(&self) -> &Scalar {
        &self.half
    }
}

impl core::fmt::Debug for Secret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Secret(..)")
    }
}
