//! Uniform random permutations from the platform's secure randomness.

use super::PsiError;

/// Draws uniform integers below a bound from a buffered secure random stream.
pub struct Shuffler {
    buf: [u8; 512],
    pos: usize,
}

impl Shuffler {
    /// A fresh shuffler.
    pub fn new() -> Shuffler {
        Shuffler { buf: [0; 512], pos: 512 }
    }

    fn next_u64(&mut self) -> Result<u64, PsiError> {
        if self.pos + 8 > self.buf.len() {
            getrandom::fill(&mut self.buf).map_err(|_| PsiError::Randomness)?;
            self.pos = 0;
        }
        let mut word = [0u8; 8];
        word.copy_from_slice(&self.buf[self.pos..self.pos + 8]);
        self.pos += 8;
        Ok(u64::from_le_bytes(word))
    }

    /// A uniform integer in `0..bound` (`bound > 0`), by Lemire's multiply-and-reject
    /// method so no value is favoured.
    ///
    /// # Errors
    /// [`PsiError::Randomness`] if the platform has no secure random source.
    pub fn below(&mut self, bound: u64) -> Result<u64, PsiError> {
        let bound = bound.max(1);
        let threshold = bound.wrapping_neg() % bound;
        loop {
            let m = u128::from(self.next_u64()?) * u128::from(bound);
            if (m as u64) >= threshold {
                return Ok((m >> 64) as u64);
            }
        }
    }
}

impl Default for Shuffler {
    fn default() -> Self {
        Shuffler::new()
    }
}

/// Shuffles a slice uniformly (Fisher–Yates).
///
/// # Errors
/// [`PsiError::Randomness`] if the platform has no secure random source.
pub fn shuffle<T>(items: &mut [T]) -> Result<(), PsiError> {
    let mut rng = Shuffler::new();
    for i in (1..items.len()).rev() {
        let j = rng.below(i as u64 + 1)? as usize;
        items.swap(i, j);
    }
    Ok(())
}
