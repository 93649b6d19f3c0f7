//! Identifier normalization: one raw value in, the exact bytes both partners hash out.
//!
//! (Interface fixed by the skeleton; the rules are filled in by the normalization work.)

use serde::{Deserialize, Serialize};

/// What an identifier is. `Sha256` is an already-hashed value (of a normalized email or
/// phone), validated and passed through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// An email address.
    Email,
    /// A phone number, normalized to E.164.
    Phone,
    /// A person's name.
    Name,
    /// A postal (ZIP) code.
    Postal,
    /// A mobile advertising id (IDFA / AAID).
    Maid,
    /// A SHA-256 digest given as 64 hex or 44 base64 characters.
    Sha256,
}

impl Kind {
    /// Every kind, in a stable order.
    pub const ALL: [Kind; 6] = [Kind::Email, Kind::Phone, Kind::Name, Kind::Postal, Kind::Maid, Kind::Sha256];

    /// The kind's name as used on the command line, in vectors and in DSTs.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Email => "email",
            Kind::Phone => "phone",
            Kind::Name => "name",
            Kind::Postal => "postal",
            Kind::Maid => "maid",
            Kind::Sha256 => "sha256",
        }
    }

    /// Parses a kind name.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// Why a value could not be normalized. Never contains the value itself.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NormalizeError {
    /// Nothing left after trimming.
    Empty,
    /// A rule refused the value; the text says which rule, never the value.
    Invalid(&'static str),
}

impl core::fmt::Display for NormalizeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            NormalizeError::Empty => f.write_str("empty"),
            NormalizeError::Invalid(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for NormalizeError {}
