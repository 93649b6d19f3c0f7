//! Optional differential privacy: exact discrete Laplace noise on published counts.
//!
//! Sampled from integers only, never from floating point (Canonne, Kamath, Steinke,
//! "The Discrete Gaussian for Differential Privacy", 2020: Algorithm 1 for
//! `Bernoulli(exp(-γ))` with rational `γ`, Algorithm 2 for the discrete Laplace), over
//! the platform's secure randomness ([`crate::psi::Shuffler`]). A floating-point
//! sampler leaks through the gaps in the doubles it can return (Mironov 2012); this one
//! returns every integer with exactly the probability `∝ exp(-|y|·ε/Δ)`.
//!
//! OpenDP's Rust crate was considered first: without its `use-openssl` feature it
//! type-checks for `wasm32-unknown-unknown`, but its sampler then draws from
//! `rand` 0.7's thread generator, which its own documentation calls not secure and
//! which on that target falls back to a `getrandom` 0.1 stub that always fails; it
//! also brings 57 crates (nalgebra, statrs, dashu).

use crate::psi::{PsiError, Shuffler};
use serde::{Deserialize, Serialize};

/// A privacy budget ε, an exact decimal (at most six decimals, `0 < ε ≤ 10`), written
/// as a string in the manifest so both sides hash the same bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Epsilon {
    num: u64,
    den: u64,
}

/// Why an ε was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpsilonError(pub String);

impl core::fmt::Display for EpsilonError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "epsilon must be a decimal number above 0 and at most 10 with at most six decimals, not '{}'", self.0)
    }
}

impl std::error::Error for EpsilonError {}

impl Epsilon {
    /// Parses a decimal such as `1`, `0.5` or `2.25`.
    ///
    /// # Errors
    /// [`EpsilonError`] for anything else, for 0 or for more than 10.
    pub fn parse(text: &str) -> Result<Epsilon, EpsilonError> {
        let bad = || EpsilonError(text.chars().take(20).collect());
        let (int, frac) = text.split_once('.').unwrap_or((text, ""));
        if int.is_empty()
            || (text.contains('.') && frac.is_empty())
            || int.len() > 2
            || frac.len() > 6
            || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let den = 10u64.pow(frac.len() as u32);
        let num = format!("{int}{frac}").parse::<u64>().map_err(|_| bad())?;
        if num == 0 || num > 10 * den {
            return Err(bad());
        }
        let g = gcd(num, den);
        Ok(Epsilon { num: num / g, den: den / g })
    }

    /// ε as the fraction `(numerator, denominator)`, in lowest terms.
    pub fn fraction(&self) -> (u64, u64) {
        (self.num, self.den)
    }

    /// The smaller (stricter) of two budgets; `None` means no noise, so any budget is
    /// stricter than none.
    pub fn stricter(a: Option<Epsilon>, b: Option<Epsilon>) -> Option<Epsilon> {
        match (a, b) {
            (Some(x), Some(y)) => Some(if x <= y { x } else { y }),
            (x, None) => x,
            (None, y) => y,
        }
    }
}

impl PartialOrd for Epsilon {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Epsilon {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        (u128::from(self.num) * u128::from(other.den)).cmp(&(u128::from(other.num) * u128::from(self.den)))
    }
}

impl core::fmt::Display for Epsilon {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // den divides 10^6: print as a plain decimal.
        let scaled = self.num * (1_000_000 / self.den);
        let (int, frac) = (scaled / 1_000_000, scaled % 1_000_000);
        if frac == 0 {
            write!(f, "{int}")
        } else {
            let digits = format!("{frac:06}");
            write!(f, "{int}.{}", digits.trim_end_matches('0'))
        }
    }
}

impl Serialize for Epsilon {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Epsilon {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Epsilon, D::Error> {
        let text = String::deserialize(d)?;
        Epsilon::parse(&text).map_err(serde::de::Error::custom)
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// The noise a report carries: its budget, the sensitivity it is calibrated to, and
/// so the scale `Δ/ε` of the discrete Laplace added to every published count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoiseScale {
    /// The agreed budget for the whole report.
    pub epsilon: Epsilon,
    /// How much one record of either file can change all published counts together
    /// (L1); see [`NoiseScale::for_keys`].
    pub sensitivity: u32,
}

impl NoiseScale {
    /// The calibration for a run on `keys` match keys: `Δ = 13·K`, every count noised
    /// with scale `Δ/ε`.
    ///
    /// Each view counts a partner value for one record only (the view builder ignores a
    /// value already seen on an earlier record). Adding or removing one record `r` (with
    /// at most `K` key values) of one file:
    /// - in the view about the *other* file's records, changes the match of at most `K`
    ///   of them, each moving the total, its group and at most two cells (its cell is
    ///   the first own group it matched into) by one, and one per-key count per value:
    ///   at most `5K`;
    /// - in the view about `r`'s own file, moves `r`'s own total, group, cell and keys
    ///   (`3 + K`) and, per value, at most one earlier duplicate that `r` displaces
    ///   (total, group, cell, key: `4K`): at most `3 + 5K ≤ 8K`.
    ///
    /// So the whole published vector moves by at most `13K` in L1, and independent
    /// discrete Laplace noise of scale `13K/ε` on every count makes the report
    /// `ε`-differentially private for any one record of either file.
    pub fn for_keys(epsilon: Epsilon, keys: usize) -> NoiseScale {
        NoiseScale { epsilon, sensitivity: 13 * keys.max(1) as u32 }
    }

    /// The scale `Δ/ε` as a fraction `(t, s)`: noise `y` has probability
    /// `∝ exp(-|y|·s/t)`.
    pub fn scale(&self) -> (u64, u64) {
        let (num, den) = self.epsilon.fraction();
        (u64::from(self.sensitivity) * den, num)
    }

    /// The scale `Δ/ε` as a number, for display only.
    pub fn scale_f64(&self) -> f64 {
        let (t, s) = self.scale();
        t as f64 / s as f64
    }

    /// The half-width `m` of the central interval holding the noise with probability at
    /// least 95 % (`P(|Y| ≤ m) ≥ 0.95`), for display only ("± m").
    pub fn margin95(&self) -> u64 {
        // P(|Y| > m) = 2 q^(m+1) / (1 + q), q = exp(-1/b).
        let b = self.scale_f64();
        let q = (-1.0 / b).exp();
        let mut m = 0u64;
        while 2.0 * q.powf(m as f64 + 1.0) / (1.0 + q) > 0.05 && m < 1_000_000_000 {
            m += 1;
        }
        m
    }
}

/// Draws exact discrete Laplace noise from secure randomness.
pub struct Sampler {
    rng: Shuffler,
}

impl Default for Sampler {
    fn default() -> Self {
        Sampler::new()
    }
}

impl Sampler {
    /// A sampler over the platform's secure randomness.
    pub fn new() -> Sampler {
        Sampler { rng: Shuffler::new() }
    }

    /// `true` with probability `n/d` (`d > 0`).
    fn bernoulli(&mut self, n: u64, d: u64) -> Result<bool, PsiError> {
        Ok(self.rng.below(d)? < n)
    }

    /// `true` with probability `exp(-n/d)`: CKS20 Algorithm 1.
    fn bernoulli_exp(&mut self, n: u64, d: u64) -> Result<bool, PsiError> {
        if n <= d {
            // γ ≤ 1: K ← 1; while Bernoulli(γ/K) K ← K + 1; return K odd.
            let mut k: u64 = 1;
            while self.bernoulli(n, d.saturating_mul(k))? {
                k += 1;
            }
            return Ok(k % 2 == 1);
        }
        // γ > 1: floor(γ) independent Bernoulli(exp(-1)), then exp(-(γ - floor γ)).
        for _ in 0..n / d {
            if !self.bernoulli_exp(1, 1)? {
                return Ok(false);
            }
        }
        self.bernoulli_exp(n % d, d)
    }

    /// One draw `y` with probability `∝ exp(-|y|·s/t)` (`s, t ≥ 1`): CKS20 Algorithm 2.
    ///
    /// # Errors
    /// [`PsiError::Randomness`] if the platform has no secure random source.
    pub fn discrete_laplace(&mut self, t: u64, s: u64) -> Result<i64, PsiError> {
        let (t, s) = (t.max(1), s.max(1));
        loop {
            let u = self.rng.below(t)?;
            if !self.bernoulli_exp(u, t)? {
                continue;
            }
            let mut v: u64 = 0;
            while self.bernoulli_exp(1, 1)? {
                v += 1;
            }
            let x = u.saturating_add(t.saturating_mul(v));
            let y = i64::try_from(x / s).unwrap_or(i64::MAX);
            let negative = self.bernoulli(1, 2)?;
            if negative && y == 0 {
                continue;
            }
            return Ok(if negative { -y } else { y });
        }
    }

    /// `count` plus noise of this scale, floored at zero (a count is never negative;
    /// flooring is post-processing and costs no privacy).
    ///
    /// # Errors
    /// [`PsiError::Randomness`] if the platform has no secure random source.
    pub fn noisy(&mut self, count: u64, scale: &NoiseScale) -> Result<u64, PsiError> {
        let (t, s) = scale.scale();
        let y = self.discrete_laplace(t, s)?;
        let c = i64::try_from(count).unwrap_or(i64::MAX).saturating_add(y);
        Ok(c.max(0) as u64)
    }
}
