//! The protocol arithmetic's errors.

/// Why a blind or evaluate step refused its input. Never carries secret material.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PsiError {
    /// The operating system or browser gave no randomness.
    Randomness,
    /// A secret scalar was not 32 bytes of a canonical, non-zero scalar.
    InvalidSecret,
    /// A key name or wire index that is not a [`super::MatchKey`].
    UnknownKey,
    /// A batch was not a whole number of items.
    Length {
        /// The batch length in bytes.
        len: usize,
        /// The item size it must be a multiple of.
        multiple_of: usize,
    },
    /// The partner sent a point that is not a canonical ristretto255 encoding, or the
    /// identity.
    InvalidPoint {
        /// Position of the first bad point in the batch.
        index: usize,
    },
}

impl core::fmt::Display for PsiError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            PsiError::Randomness => f.write_str("no secure randomness available"),
            PsiError::InvalidSecret => f.write_str("the secret is not a valid non-zero scalar"),
            PsiError::UnknownKey => f.write_str("unknown match key"),
            PsiError::Length { len, multiple_of } => {
                write!(f, "batch of {len} bytes is not a multiple of {multiple_of}")
            }
            PsiError::InvalidPoint { index } => {
                write!(f, "the partner sent an invalid point (item {index} of the batch)")
            }
        }
    }
}

impl std::error::Error for PsiError {}

impl PsiError {
    /// A stable kebab-case code for programs and the JS API.
    pub fn code(&self) -> &'static str {
        match self {
            PsiError::Randomness => "randomness",
            PsiError::InvalidSecret => "invalid-secret",
            PsiError::UnknownKey => "unknown-key",
            PsiError::Length { .. } => "invalid-length",
            PsiError::InvalidPoint { .. } => "invalid-point",
        }
    }
}
